// RPMS preauthorization (Appendix B "Configuring Preauthentication Query") against a fake
// RADIUS service whose servers answer, reject or stay silent as the test says: which
// INVITEs are asked about, what each answer does, and the server-designation rules.
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, test } from 'node:test';
import type { Config } from '../../../src/config/loader.js';
import type { RadiusAnswer, RadiusAttribute, RadiusServer, RadiusService } from '../../../src/modules/radius/service.js';
import { Preauthorizer } from '../../../src/modules/rpms/preauth.js';
import type { RequestContext } from '../../../src/proxy/stages.js';
import { request } from '../auth/client.js';
import type { RequestSpec } from '../auth/client.js';
import { configFrom } from '../registry/helpers.js';

type Behaviour = 'accept' | 'reject' | 'silent';

/** Servers keyed by port: each accepts, rejects or never answers; tried in the order given, like the real client. */
class FakeRpms implements RadiusService {
  readonly asked: { order: number[]; attributes: readonly RadiusAttribute[]; use: string }[] = [];
  constructor(public behaviour: Record<number, Behaviour>) {}
  async access(servers: readonly RadiusServer[], attributes: readonly RadiusAttribute[], use: 'auth' | 'rpms'): Promise<RadiusAnswer | undefined> {
    this.asked.push({ order: servers.map((s) => s.port), attributes, use });
    for (const s of servers) {
      const b = this.behaviour[s.port] ?? 'silent';
      if (b !== 'silent') return { code: b === 'accept' ? 'Access-Accept' : 'Access-Reject', attributes: {}, server: s };
    }
    return undefined;
  }
  async accounting(): Promise<boolean> {
    return false;
  }
}

const BASE = ['PreAuthorization On', 'PreAuthPreviousHop 10.1.0.0/16', 'RPMS_ServerIpPortSecret 192.0.2.20 1001 a', 'RPMS_ServerIpPortSecret 192.0.2.21 1002 b', 'RPMS_ServerIpPortSecret 192.0.2.22 1003 c', 'RadiusRetryTime 60'];

function rig(lines: string[], behaviour: Record<number, Behaviour>) {
  const fake = new FakeRpms(behaviour);
  const log: string[] = [];
  const clock = { t: 1_000_000 };
  const pre = new Preauthorizer({ radius: fake, log: (level, m) => void log.push(`${level}: ${m}`), lookup: async () => [], now: () => clock.t });
  const config: Config = configFrom(lines, os.tmpdir());
  const run = async (spec: Partial<RequestSpec> = {}, from = '10.1.2.3') => {
    const ctx: RequestContext = { req: request({ method: 'INVITE', ...spec }), source: { transport: 'UDP', remoteAddress: from, remotePort: 5060, localAddress: '127.0.0.1', localPort: 5060 }, config, trustedSource: false };
    return pre.admit(ctx);
  };
  return { fake, log, clock, pre, run };
}

describe('which INVITEs are preauthorized', () => {
  test('a new INVITE from a listed previous hop is asked about (use rpms); one from elsewhere, a re-INVITE or another method is not', async () => {
    const r = rig(BASE, { 1001: 'accept' });
    assert.equal(await r.run(), undefined);
    assert.equal(r.fake.asked.length, 1);
    assert.equal(r.fake.asked[0]!.use, 'rpms');
    await r.run({}, '192.0.2.99');
    await r.run({ to: '<sip:bob@example.com>;tag=abc' });
    await r.run({ method: 'OPTIONS' });
    assert.equal(r.fake.asked.length, 1);
  });

  test('PreAuthorization Off, or no server listed: nothing is asked', async () => {
    const off = rig([...BASE.slice(1)], { 1001: 'reject' });
    assert.equal(await off.run(), undefined);
    assert.equal(off.fake.asked.length, 0);
    const none = rig(['PreAuthorization On', 'PreAuthPreviousHop ALL'], {});
    assert.equal(await none.run(), undefined);
  });

  test('PreAuthPreviousHop ALL takes every hop', async () => {
    const r = rig(['PreAuthorization On', 'PreAuthPreviousHop ALL', 'RPMS_ServerIpPortSecret 192.0.2.20 1001 a'], { 1001: 'accept' });
    await r.run({}, '203.0.113.7');
    assert.equal(r.fake.asked.length, 1);
  });

  test('the query names caller, callee and Call-ID, and asks a check without password', async () => {
    const r = rig(BASE, { 1001: 'accept' });
    await r.run({ from: '<sip:5551000@example.com>', uri: 'sip:5552000@example.com' });
    const a = r.fake.asked[0]!.attributes;
    const get = (n: string) => a.find((x) => x[0] === n)?.[1];
    assert.equal(get('User-Name'), '5551000');
    assert.equal(get('Calling-Station-Id'), '5551000');
    assert.equal(get('Called-Station-Id'), '5552000');
    assert.equal(get('Service-Type'), 'Call-Check');
    assert.deepEqual(a.find((x) => x[0] === 'Vendor-Specific'), ['Vendor-Specific', 9, [['Cisco-AVPair', 'call-id=a84b4c76e66710@pc33.example.com']]]);
  });
});

describe('answers', () => {
  test('Accept: the INVITE goes on', async () => {
    assert.equal(await rig(BASE, { 1001: 'accept' }).run(), undefined);
  });

  test('Reject: 480 Temporarily Unavailable', async () => {
    const r = rig(BASE, { 1001: 'reject' });
    assert.deepEqual(await r.run(), { status: 480, reason: 'Temporarily Unavailable' });
    assert.ok(r.log.some((l) => /Access-Reject.*answering 480/.test(l)));
  });

  test('no server answers: the INVITE goes on as if PreAuthorization were Off, and a warning says so', async () => {
    const r = rig(BASE, {});
    assert.equal(await r.run(), undefined);
    assert.deepEqual(r.fake.asked[0]!.order, [1001, 1002, 1003], 'every server is tried');
    assert.ok(r.log.some((l) => l.startsWith('warn:') && /no preauthorization server answered.*as if PreAuthorization were Off/.test(l)), r.log.join('\n'));
    assert.doesNotMatch(r.log.join('\n'), /\b(a|b|c)\b.*secret/);
  });

  test('each query is a debug line (DebugFlag RPMS)', async () => {
    const r = rig(BASE, { 1001: 'accept' });
    await r.run();
    assert.ok(r.log.some((l) => l.startsWith('debug: RPMS: preauthorizing INVITE')));
    assert.ok(r.log.some((l) => l.startsWith('debug: RPMS: 192.0.2.20:1001 accepted')));
  });
});

describe('server designation (guide B-22)', () => {
  test('the first server is designated at start; when it fails and the second answers, the second is designated', async () => {
    const r = rig(BASE, { 1001: 'silent', 1002: 'reject' });
    await r.run();
    assert.deepEqual(r.fake.asked[0]!.order, [1001, 1002, 1003]);
    assert.equal(r.pre.current, 1);
    r.fake.behaviour[1001] = 'accept';
    await r.run();
    assert.deepEqual(r.fake.asked[1]!.order, [1002, 1003, 1001], 'the designated server first, then the rest of the list in order');
  });

  test('once RadiusRetryTime has passed since the first failure, the first server is designated again', async () => {
    const r = rig(BASE, { 1001: 'silent', 1002: 'accept' });
    await r.run();
    assert.equal(r.pre.current, 1);
    r.clock.t += 30_000;
    await r.run();
    assert.equal(r.pre.current, 1, 'still within the retry time');
    r.clock.t += 31_000;
    await r.run();
    assert.equal(r.pre.current, 0, 'retry time expired');
    await r.run();
    assert.deepEqual(r.fake.asked[3]!.order, [1001, 1002, 1003]);
  });

  test('when no server answers, the first is designated', async () => {
    const r = rig(BASE, { 1001: 'silent', 1002: 'accept' });
    await r.run();
    assert.equal(r.pre.current, 1);
    r.fake.behaviour[1002] = 'silent';
    await r.run();
    assert.equal(r.pre.current, 0);
  });

  test('a changed server list designates its first server', async () => {
    const r = rig(BASE, { 1001: 'silent', 1002: 'accept' });
    await r.run();
    assert.equal(r.pre.current, 1);
    assert.deepEqual(r.pre.orderFor([{ host: '192.0.2.30', port: 2001, secret: 'x' }, { host: '192.0.2.31', port: 2002, secret: 'y' }]).map((s) => s.port), [2001, 2002]);
    assert.equal(r.pre.current, 0);
  });
});
