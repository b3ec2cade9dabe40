// Calls that sipd routes by its static route database (guide ch.1 "Next-Hop Routing",
// ch.2 "How to Configure Routes"), with real SIP peers (sipp): a number route to a
// gateway, failover from a dead next hop to the next priority, a blocked route, and
// number expansion before the lookup.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfigFile } from '../../src/server/config.js';
import type { Route } from '../../src/stores/route-store.js';
import { ROUTE_DEFAULTS } from '../../src/modules/routing/csv.js';
import { Sipd } from '../../src/server/sipd.js';
import { openEmbeddedRouteStore } from '../../src/stores/embedded/route-store.js';
import { routeStoreOptions } from '../../src/stores/open.js';
import { FIXTURES, freePort, makeServerRoot } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult } from '../helpers/sip-peers.js';

const S = (name: string) => path.join(FIXTURES, 'sipp', `${name}.xml`);

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

function route(pattern: string, nextHop: string, port: number, extra: Partial<Route> = {}): Route {
  return { ...ROUTE_DEFAULTS, pattern, type: 'phone', nextHop, port, ...extra };
}

describe('static routes through sipd', () => {
  let sr: ServerRoot;
  let sipd: Sipd;
  let port: number;
  let gateway: SippPeer;
  let backup: SippPeer;

  before(async () => {
    port = await freePort();
    const dead = await freePort();
    // Two gateways, each answering two calls; the second also stands behind a dead next hop.
    gateway = await startUas({ scenario: S('uas-answer'), transport: 'udp', timeoutS: 60, calls: 2 });
    backup = await startUas({ scenario: S('uas-answer'), transport: 'udp', timeoutS: 60 });
    sr = makeServerRoot(port, ['Cisco_Registry On', 'Cisco_Routing On', 'SipT1InMs 100', 'SipT3InMs 4000', 'Cisco_Numexpand On', '<NumberPlan Global>', 'NumExp 5.... +1303555....', '</NumberPlan>']);
    const r = loadConfigFile(sr.conf);
    assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
    // The routes are in the database before sipd starts, as after a restart.
    const store = await openEmbeddedRouteStore(routeStoreOptions(r.config, () => undefined));
    await store.put([
      route('+1408.......', '127.0.0.1', gateway.port),
      route('+1303555....', '127.0.0.1', gateway.port),
      route('+1919.......', '127.0.0.1', dead, { priority: 1 }),
      route('+1919.......', '127.0.0.1', backup.port, { priority: 2 }),
      route('900*', '', 0, { block: true }),
    ]);
    await store.close();
    sipd = await Sipd.start(r.config, { file: sr.conf, load: {} });
  });
  after(async () => {
    await sipd?.stop('test over');
    await gateway?.stop();
    await backup?.stop();
    sr?.remove();
  });

  test('a number route: +14085550100 goes to its gateway', async () => {
    ok(await runUac({ scenario: S('uac-call'), target: { port }, transport: 'udp', timeoutS: 30, keys: { ruri: `sip:+14085550100@127.0.0.1:${port};user=phone`, rr: 'any' } }), 'call by route');
  });

  test('number expansion before routing: extension 50100 is +13035550100 and takes that route', async () => {
    ok(await runUac({ scenario: S('uac-call'), target: { port }, transport: 'udp', timeoutS: 30, keys: { ruri: `sip:50100@127.0.0.1:${port};user=phone`, rr: 'any' } }), 'call by expanded number');
    ok(await gateway.done, 'the gateway took both calls');
  });

  test('failover: the priority-1 next hop never answers, the priority-2 one takes the call', async () => {
    ok(await runUac({ scenario: S('uac-call'), target: { port }, transport: 'udp', timeoutS: 40, keys: { ruri: `sip:+19195550100@127.0.0.1:${port};user=phone`, rr: 'any' } }), 'call after failover');
    ok(await backup.done, 'backup gateway');
  });

  test('a blocked route refuses the call with 403', async () => {
    ok(await runUac({ scenario: S('uac-expect'), target: { port }, transport: 'udp', timeoutS: 20, keys: { ruri: `sip:9005551234@127.0.0.1:${port};user=phone`, expect: '403' } }), 'blocked');
  });

  test('a number with no route, registration or ENUM record is 404', async () => {
    ok(await runUac({ scenario: S('uac-expect'), target: { port }, transport: 'udp', timeoutS: 20, keys: { ruri: `sip:+4930123456@127.0.0.1:${port};user=phone`, expect: '404' } }), 'no route');
  });
});
