// NumericUsernameInterpretation in next-hop routing: for each of the four values, which
// routes a Request-URI tries and in which order — a numeric user part for another host
// without ;user=, a non-numeric one, ;user=phone, ;user=ip and tel: — and what happens
// for a URI addressed to this server. Number routes go to num-gw, the domain route of
// cisco.com to dom-gw, so the first next hop says which lookup won.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StaticRouter } from '../../../src/modules/routing/stage.js';
import type { Config } from '../../../src/config/loader.js';
import { configOf, contactTarget, ctxFor, MemoryRouteStore, route, ruriTarget } from './helpers.js';

const isUs = (host: string) => host.toLowerCase() === 'sps.example.com';

const ROUTES = [
  route('+1408.......', { nextHop: 'num-gw.example.com' }),
  route('5*', { nextHop: 'num-gw.example.com' }),
  route('.com.cisco.*', { type: 'ip', nextHop: 'dom-gw.example.com' }),
];

function conf(value: string, ...more: string[]): Config {
  return configOf([`NumericUsernameInterpretation ${value}`, 'Cisco_Routing_Use_Domain_Routing On', ...more]);
}

/** The next hop the Request-URI goes to first: 'num', 'dom', or 'none' when no route applies. */
async function firstHop(r: StaticRouter, ruri: string, config: Config, expandedUser?: string): Promise<string> {
  const t = await r.route(ctxFor(ruri, config, expandedUser), ruriTarget(ruri));
  if (!t?.length) return 'none';
  const u = t[0].uri;
  return u.scheme === 'tel' ? 'tel?' : u.host.split('-')[0];
}

// The order is only visible when both lookups would match; when one cannot, the other is
// the fallback. `only` has just the domain route, `numOnly` just the number routes.
const both = () => new StaticRouter(new MemoryRouteStore(ROUTES), isUs);
const domOnly = () => new StaticRouter(new MemoryRouteStore(ROUTES.filter((x) => x.type === 'ip')), isUs);
const numOnly = () => new StaticRouter(new MemoryRouteStore(ROUTES.filter((x) => x.type === 'phone')), isUs);

const CASES: Record<string, { numeric: string; fallbackFromNumber: string; fallbackFromDomain: string }> = {
  // first choice with both routes; with only the domain route; with only number routes
  E164_IP: { numeric: 'num', fallbackFromNumber: 'dom', fallbackFromDomain: 'num' },
  IP_164: { numeric: 'dom', fallbackFromNumber: 'dom', fallbackFromDomain: 'num' },
  IP: { numeric: 'dom', fallbackFromNumber: 'dom', fallbackFromDomain: 'none' },
  E164: { numeric: 'num', fallbackFromNumber: 'none', fallbackFromDomain: 'num' },
};

for (const [value, want] of Object.entries(CASES)) {
  test(`NumericUsernameInterpretation ${value}: a numeric user for another host without ;user=`, async () => {
    const c = conf(value);
    const ruri = 'sip:+14085550122@cisco.com';
    assert.equal(await firstHop(both(), ruri, c), want.numeric, 'both routes match');
    assert.equal(await firstHop(domOnly(), ruri, c), want.fallbackFromNumber, 'only the domain route');
    assert.equal(await firstHop(numOnly(), ruri, c), want.fallbackFromDomain, 'only the number route');
    // Separators do not make a user part non-numeric; the key has them removed.
    assert.equal(await firstHop(numOnly(), 'sip:+1-408-555-0122@cisco.com', c), want.fallbackFromDomain, 'with separators');
  });

  test(`NumericUsernameInterpretation ${value}: non-numeric users are URLs, ;user=phone and tel: are numbers`, async () => {
    const c = conf(value);
    // A user part with a letter: the domain route only, whatever the directive says.
    assert.equal(await firstHop(both(), 'sip:5012a@cisco.com', c), 'dom');
    assert.equal(await firstHop(numOnly(), 'sip:5012a@cisco.com', c), 'none');
    // ;user=phone: number routes only (no domain fallback).
    assert.equal(await firstHop(both(), 'sip:+14085550122@cisco.com;user=phone', c), 'num');
    assert.equal(await firstHop(domOnly(), 'sip:+14085550122@cisco.com;user=phone', c), 'none');
    // ;user=ip: the domain route only.
    assert.equal(await firstHop(both(), 'sip:+14085550122@cisco.com;user=ip', c), 'dom');
    assert.equal(await firstHop(numOnly(), 'sip:+14085550122@cisco.com;user=ip', c), 'none');
    // tel: a number.
    assert.equal(await firstHop(both(), 'tel:+1-408-555-0122', c), 'num');
  });
}

test('NumericUsernameCharacterSet decides what is numeric', async () => {
  // Without + in the set, +14085550122 is a URL user even under E164.
  const c = conf('E164', 'NumericUsernameCharacterSet 0123456789');
  assert.equal(await firstHop(both(), 'sip:+14085550122@cisco.com', c), 'dom');
  assert.equal(await firstHop(both(), 'sip:50122@cisco.com', c), 'num');
});

test('the Request-URI of another host is looked up by its expanded number', async () => {
  const c = conf('E164');
  // Stage 5 expanded 5550122 to +14085550122; no route has 555....
  const r = new StaticRouter(new MemoryRouteStore([route('+1408.......', { nextHop: 'num-gw.example.com' })]), isUs);
  assert.equal(await firstHop(r, 'sip:5550122@cisco.com', c, '+14085550122'), 'num');
  assert.equal(await firstHop(r, 'sip:5550122@cisco.com', c, '5550122'), 'none');
});

test('this server: number routes unless the user is said to be a URL; never domain routes', async () => {
  const wide = new StaticRouter(new MemoryRouteStore([...ROUTES, route('*', { type: 'ip', nextHop: 'dom-gw.example.com' })]), isUs);
  const ruri = 'sip:50122@sps.example.com';
  for (const value of ['E164_IP', 'IP_164', 'E164']) assert.equal(await firstHop(wide, ruri, conf(value)), 'num', value);
  // IP: a numeric user addressed to us is a URL user (the registry's); no number route.
  assert.equal(await firstHop(wide, ruri, conf('IP')), 'none');
  assert.equal(await firstHop(wide, 'sip:50122@sps.example.com;user=ip', conf('E164')), 'none');
  assert.equal(await firstHop(wide, 'sip:50122@sps.example.com;user=phone', conf('IP')), 'num');
  // A user part outside the numeric set (a feature code, a tech prefix) is still tried as a key.
  const star = new StaticRouter(new MemoryRouteStore([route('\\*69', { nextHop: 'num-gw.example.com' })]), isUs);
  assert.equal(await firstHop(star, 'sip:*69@sps.example.com', conf('IP')), 'num');
});

test('a contact naming this server is looked up by its expanded number', async () => {
  const c = conf('E164_IP');
  const expand = (u: string) => (u === '50122' ? '+14085550122' : u);
  const r = new StaticRouter(new MemoryRouteStore([route('+1408.......', { nextHop: 'num-gw.example.com' })]), isUs, { expand });
  const via = (contact: string) => r.route(ctxFor('sip:bob@sps.example.com', c), contactTarget(contact));
  assert.equal((await via('sip:50122@sps.example.com'))?.length, 1, 'ours: expanded');
  assert.equal(await via('sip:50122@elsewhere.example.net'), undefined, 'another host: not expanded');
});
