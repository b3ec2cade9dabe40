// Number expansion and NumericUsernameInterpretation in the live call path, with real
// SIP peers (sipp) through an in-process sipd:
//  - a phone REGISTERs as extension 50100; an INVITE to +13035550100 reaches it, and a
//    phone registered as +13035550101 is reached by an INVITE to 50101
//    (NumExp 5.... +1303555....; guide ch. 1 "Address Translation");
//  - DebugFlag Numexpand writes each expansion to error_log;
//  - an extension at another host is that host's user: our NumExp rules do not expand
//    it, so it does not hit the route of the number they would make;
//  - the same INVITE with a numeric user for another host goes to the number route's
//    gateway under NumericUsernameInterpretation E164 and to the host itself under IP
//    (changed by a graceful restart).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfigFile } from '../../src/server/config.js';
import { ROUTE_DEFAULTS } from '../../src/modules/routing/csv.js';
import { Sipd } from '../../src/server/sipd.js';
import { openEmbeddedRouteStore } from '../../src/stores/embedded/route-store.js';
import { routeStoreOptions } from '../../src/stores/open.js';
import { FIXTURES, freePort, makeServerRoot, waitFor } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult } from '../helpers/sip-peers.js';

const S = (name: string) => path.join(FIXTURES, 'sipp', `${name}.xml`);

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

/** The Request-URIs of the INVITEs a peer received, from its message trace. */
function invitesSeen(r: SippPeerResult): string[] {
  return [...r.messages.matchAll(/^INVITE (\S+) SIP\/2\.0/gm)].map((m) => m[1]);
}

const NUMBER = '5551234'; // seven digits: no NumExp rule touches it

describe('number expansion and NumericUsernameInterpretation through sipd', () => {
  let sr: ServerRoot;
  let sipd: Sipd;
  let port: number;
  let phone: SippPeer;
  let gateway: SippPeer;
  let host: SippPeer;
  let foreign: SippPeer;
  const base = (interpretation: string) => [
    'Cisco_Registry On',
    'Cisco_Routing On',
    'SipT1InMs 100',
    'SipT3InMs 4000',
    'Cisco_Numexpand On',
    'DebugFlag Numexpand On',
    `NumericUsernameInterpretation ${interpretation}`,
    '<NumberPlan Global>',
    'NumExp 5.... +1303555....',
    '</NumberPlan>',
  ];

  before(async () => {
    port = await freePort();
    // The phone answers the two calls to its registrations; the gateway (number route)
    // and the host (the Request-URI's own host) one call each.
    phone = await startUas({ scenario: S('uas-answer'), transport: 'udp', timeoutS: 90, calls: 2 });
    gateway = await startUas({ scenario: S('uas-answer'), transport: 'udp', timeoutS: 90 });
    host = await startUas({ scenario: S('uas-answer'), transport: 'udp', timeoutS: 90 });
    foreign = await startUas({ scenario: S('uas-answer'), transport: 'udp', timeoutS: 90 });
    sr = makeServerRoot(port, base('E164'));
    const r = loadConfigFile(sr.conf);
    assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
    const store = await openEmbeddedRouteStore(routeStoreOptions(r.config, () => undefined));
    await store.put([
      { ...ROUTE_DEFAULTS, pattern: NUMBER, type: 'phone', nextHop: '127.0.0.1', port: gateway.port },
      // What 5019x would expand to, routed nowhere useful: a call that takes it fails.
      { ...ROUTE_DEFAULTS, pattern: '+1303555019.', type: 'phone', nextHop: '127.0.0.1', port: 9 },
    ]);
    await store.close();
    sipd = await Sipd.start(r.config, { file: sr.conf, load: {} });
  });
  after(async () => {
    await sipd?.stop('test over');
    await Promise.all([phone?.stop(), gateway?.stop(), host?.stop(), foreign?.stop()]);
    sr?.remove();
  });

  const register = (user: string, contact: string) =>
    runUac({ scenario: S('register'), target: { port }, transport: 'udp', timeoutS: 20, keys: { user, domain: `127.0.0.1:${port}`, contact, expires: 300 } });
  const call = (ruri: string, what: string) =>
    runUac({ scenario: S('uac-call'), target: { port }, transport: 'udp', timeoutS: 30, keys: { ruri, rr: 'any' } }).then((r) => ok(r, what));

  test('registered as 50100, reached as +13035550100; registered as +13035550101, reached as 50101', async () => {
    ok(await register('50100', `sip:50100@${phone.address}`), 'REGISTER 50100');
    ok(await register('+13035550101', `sip:phone101@${phone.address}`), 'REGISTER +13035550101');
    await call(`sip:+13035550100@127.0.0.1:${port}`, 'INVITE +13035550100');
    await call(`sip:50101@127.0.0.1:${port}`, 'INVITE 50101');
    const r = await phone.done;
    ok(r, 'the phone took both calls');
    // The Request-URI the phone sees is the registered Contact; the dialled number is not rewritten into headers.
    assert.deepEqual(invitesSeen(r), [`sip:50100@${phone.address}`, `sip:phone101@${phone.address}`]);
    assert.match(r.messages, /^To: <sip:50101@127\.0\.0\.1:\d+>/m, 'To is as the caller wrote it');
  });

  test('DebugFlag Numexpand writes each expansion and its rule to error_log', async () => {
    const log = await waitFor('Numexpand lines in error_log', () => {
      const text = sr.readErrorLog();
      return /50100 -> \+13035550100 \(NumExp 5\.\.\.\. \+1303555\.\.\.\.\)/.test(text) && /50101 -> \+13035550101/.test(text) && text;
    });
    assert.ok(!/numexp: \+13035550100 ->/.test(log), 'a number no rule changed is not logged');
  });

  test('an extension at another host is not expanded by our number plan (guide ch. 1: only URLs whose host is this server)', async () => {
    const ruri = `sip:50199@${foreign.address}`;
    await call(ruri, 'INVITE 50199 at another host');
    const f = await foreign.done;
    ok(f, 'the other host took the call');
    assert.deepEqual(invitesSeen(f), [ruri]);
    assert.ok(!/numexp: 50199 ->/.test(sr.readErrorLog()), 'no expansion was logged for it');
  });

  test('a numeric user for another host: E164 takes the number route, IP goes to the host', async () => {
    const ruri = `sip:${NUMBER}@${host.address}`;
    await call(ruri, 'INVITE under E164');
    const g = await gateway.done;
    ok(g, 'the gateway took the call');
    assert.deepEqual(invitesSeen(g), [ruri]);

    sr.writeConf([...sr.lines.filter((l) => !l.startsWith('NumericUsernameInterpretation')), 'NumericUsernameInterpretation IP']);
    const gr = await sipd.graceful('test');
    assert.equal(gr.ok, true, JSON.stringify(gr));
    await call(ruri, 'INVITE under IP');
    const h = await host.done;
    ok(h, 'the host took the call');
    assert.deepEqual(invitesSeen(h), [ruri]);
  });
});
