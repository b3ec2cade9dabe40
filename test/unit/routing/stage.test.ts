// Stage 7 with the route database: which key is looked up (number or domain), the
// targets it yields (next hop URI, Request-URI with the tech prefix), and a blocked route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteBlockedError, StaticRouter } from '../../../src/modules/routing/stage.js';
import { serializeUri } from '../../../src/sip/uri.js';
import type { Target } from '../../../src/proxy/stages.js';
import { configOf, contactTarget, ctxFor, MemoryRouteStore, route, ruriTarget, seeded } from './helpers.js';

const US = new Set(['sps.example.com', '192.0.2.9']);
const isUs = (host: string) => US.has(host.toLowerCase());

function router(routes: Parameters<typeof route>[] | ReturnType<typeof route>[], debug?: (m: string) => void) {
  const list = routes.map((r) => (Array.isArray(r) ? route(...r) : r));
  return new StaticRouter(new MemoryRouteStore(list), isUs, { random: seeded(3), ...(debug && { debug }) });
}

const show = (t: readonly Target[] | undefined) => t?.map((x) => `${serializeUri(x.uri)} ${x.requestUri ?? '(same)'}`);

test('E.164 routing: a Request-URI naming this server is routed by its user part', async () => {
  const r = router([['9*', { nextHop: 'pstn-gw.example.com' }]]);
  const config = configOf();
  const ruri = 'sip:914085551212@sps.example.com';
  assert.deepEqual(show(await r.route(ctxFor(ruri, config), ruriTarget(ruri))), ['sip:pstn-gw.example.com:5060;transport=udp (same)']);
  assert.equal(await r.route(ctxFor('sip:814085551212@sps.example.com', config), ruriTarget('sip:814085551212@sps.example.com')), undefined);
});

test('next hop URI: no port when the route has none (SRV, then A); transport and IPv6 literals', async () => {
  const config = configOf();
  const ruri = 'sip:5000@sps.example.com';
  const r = router([
    ['5*', { nextHop: 'gw.example.com', port: 0, transport: 'TCP', priority: 1 }],
    ['5*', { nextHop: '2001:db8::7', port: 5061, transport: 'TLS', priority: 2 }],
    ['5*', { nextHop: '192.0.2.77', port: 5070, priority: 3 }],
  ]);
  const t = await r.route(ctxFor(ruri, config), ruriTarget(ruri));
  assert.deepEqual(show(t), ['sip:gw.example.com;transport=tcp (same)', 'sip:[2001:db8::7]:5061;transport=tls (same)', 'sip:192.0.2.77:5070;transport=udp (same)']);
  assert.equal(t![0].uri.scheme === 'sip' && t![0].uri.port, undefined);
  assert.equal(t![1].uri.scheme === 'sip' && t![1].uri.hostType, 'ipv6');
});

test('the Request-URI is looked up by its expanded number; other contacts by their own user, separators removed', async () => {
  const config = configOf();
  const r = router([['+1408.......', { nextHop: 'sj-gw.example.com' }]]);
  const ruri = 'sip:5550122@sps.example.com';
  // Number expansion turned 5550122 into +14085550122 (stage 5).
  assert.deepEqual(show(await r.route(ctxFor(ruri, config, '+14085550122'), ruriTarget(ruri))), ['sip:sj-gw.example.com:5060;transport=udp (same)']);
  assert.equal(await r.route(ctxFor(ruri, config, '5550122'), ruriTarget(ruri)), undefined);
  const contact = 'sip:+1-408-555-0122@sps.example.com';
  assert.deepEqual(show(await r.route(ctxFor('sip:bob@sps.example.com', config), contactTarget(contact))), [`sip:sj-gw.example.com:5060;transport=udp ${contact}`]);
});

test('user=phone and tel: URIs are routed by number whatever their host', async () => {
  const config = configOf();
  const r = router([['+1408.......', { nextHop: 'sj-gw.example.com' }]]);
  const phone = 'sip:+14085550122@cisco.com;user=phone';
  assert.equal((await r.route(ctxFor(phone, config), ruriTarget(phone)))?.length, 1);
  const tel = 'tel:+1-408-555-0122';
  assert.equal((await r.route(ctxFor(tel, config, '+1-408-555-0122'), ruriTarget(tel)))?.length, 1);
  // Without ;user= a numeric user part for another host is a number too under the default
  // NumericUsernameInterpretation E164_IP (interpretation.test.ts has every order).
  const plain = 'sip:+14085550122@cisco.com';
  assert.equal((await r.route(ctxFor(plain, config), ruriTarget(plain)))?.length, 1);
  const url = 'sip:+14085550122@cisco.com;user=ip';
  assert.equal(await r.route(ctxFor(url, config), ruriTarget(url)), undefined, ';user=ip is not a number');
});

test('guide: domain route .com.ibm.* with Cisco_Routing_Use_Domain_Routing On', async () => {
  const routes = [route('.com.ibm.*', { type: 'ip', nextHop: 'proxy-1.isp.com', port: 0 })];
  const off = configOf();
  const on = configOf(['Cisco_Routing_Use_Domain_Routing On']);
  const r = router(routes);
  for (const ruri of ['sip:user@us.ibm.com', 'sip:user@bldg1.sjc.ca.us.ibm.com']) {
    assert.equal(await r.route(ctxFor(ruri, off), ruriTarget(ruri)), undefined, `${ruri} with domain routing Off`);
    assert.deepEqual(show(await r.route(ctxFor(ruri, on), ruriTarget(ruri))), ['sip:proxy-1.isp.com;transport=udp (same)'], ruri);
  }
  // Troubleshooting: raw IP addresses are not domain-routed, even when the host is in the domain.
  assert.equal(await r.route(ctxFor('sip:user@9.1.2.3', on), ruriTarget('sip:user@9.1.2.3')), undefined);
  // A request for this server is never domain-routed.
  const wide = router([route('*', { type: 'ip', nextHop: 'elsewhere.example.net' })]);
  assert.equal(await wide.route(ctxFor('sip:bob@sps.example.com', on), ruriTarget('sip:bob@sps.example.com')), undefined);
});

test('guide: RASTechPrefix 1919321... 001# INCLUDE puts the prefix in front of the number', async () => {
  const config = configOf();
  const r = router([['1919321...', { nextHop: '172.18.194.80', techPrefix: '001#', techPrefixAction: 'include' }]]);
  const ruri = 'sip:1919321002@sps.example.com;user=phone';
  const [t] = (await r.route(ctxFor(ruri, config), ruriTarget(ruri)))!;
  assert.equal(t.requestUri, 'sip:001%231919321002@sps.example.com;user=phone');
  // A number that already carries the prefix does not get it twice... (reachable through a catch-all)
  const all = router([['*', { techPrefix: '001#', techPrefixAction: 'include' }]]);
  const [u] = (await all.route(ctxFor('sip:001%2319193210002@sps.example.com', config), ruriTarget('sip:001%2319193210002@sps.example.com')))!;
  assert.equal(u.requestUri, 'sip:001%2319193210002@sps.example.com');
});

test('guide: RASTechPrefix 1919456... 002# STRIP sends the number without a tech prefix', async () => {
  const config = configOf();
  const r = router([['1919456...', { nextHop: '172.18.194.80', techPrefix: '002#', techPrefixAction: 'strip' }]]);
  const ruri = 'sip:1919456002@sps.example.com';
  const [t] = (await r.route(ctxFor(ruri, config), ruriTarget(ruri)))!;
  assert.equal(t.requestUri, undefined, 'no prefix to remove: the Request-URI goes unchanged');
  const all = router([['*', { techPrefix: '002#', techPrefixAction: 'strip' }]]);
  const with2 = 'sip:002%2319194560002@sps.example.com;user=phone';
  const [u] = (await all.route(ctxFor(with2, config), ruriTarget(with2)))!;
  assert.equal(u.requestUri, 'sip:19194560002@sps.example.com;user=phone');
});

test('a blocked route answers 403; DebugFlag Routing logs the decision', async () => {
  const lines: string[] = [];
  const r = router([['1900*', { block: true, nextHop: '' }]], (m) => lines.push(m));
  const ruri = 'sip:19005550100@sps.example.com';
  await assert.rejects(r.route(ctxFor(ruri, configOf()), ruriTarget(ruri)), (e: unknown) => e instanceof RouteBlockedError && e.status === 403 && /1900\*/.test(e.message));
  assert.deepEqual(lines, [], 'no debug lines without DebugFlag Routing');
  await assert.rejects(r.route(ctxFor(ruri, configOf(['DebugFlag Routing On'])), ruriTarget(ruri)), RouteBlockedError);
  assert.ok(lines.some((l) => /blocked route 1900\*/.test(l)), lines.join('\n'));
});

test('less specific routes follow only with Cisco_Routing_Global_Less_Specific_Route_Search On', async () => {
  const r = router([
    ['1408.......', { nextHop: 'sj-gw.example.com' }],
    ['1*', { nextHop: 'us-gw.example.com' }],
  ]);
  const ruri = 'sip:14085550122@sps.example.com';
  assert.deepEqual((await r.route(ctxFor(ruri, configOf()), ruriTarget(ruri)))!.map((t) => t.uri.scheme !== 'tel' && t.uri.host), ['sj-gw.example.com']);
  const on = configOf(['Cisco_Routing_Global_Less_Specific_Route_Search On']);
  assert.deepEqual((await r.route(ctxFor(ruri, on), ruriTarget(ruri)))!.map((t) => t.uri.scheme !== 'tel' && t.uri.host), ['sj-gw.example.com', 'us-gw.example.com']);
});
