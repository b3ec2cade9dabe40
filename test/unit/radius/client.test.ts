// The RADIUS client against in-process servers: what it sends (signed, resent per the
// directives, Acct-Delay-Time growing), where (failover, back to the primary after
// RadiusRetryTime, fewer tries after a total failure), and which answers it believes
// (signed ones from the server asked, for the request asked — never a forgery).
import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import { RadiusClient } from '../../../src/modules/radius/client.js';
import type { RadiusTiming } from '../../../src/modules/radius/client.js';
import type { RadiusAttribute } from '../../../src/modules/radius/service.js';
import { waitFor } from '../../helpers/run.js';
import { FakeRadiusServer } from './fake-server.js';
import type { Received } from './fake-server.js';

const PAP: RadiusAttribute[] = [
  ['User-Name', 'alice@example.com'],
  ['User-Password', 'wonderland'],
];
const START: RadiusAttribute[] = [
  ['User-Name', 'alice'],
  ['Acct-Status-Type', 'Start'],
  ['Acct-Session-Id', 'call-1@example.com'],
  ['Vendor-Specific', 9, [['Cisco-AVPair', 'sip-hdr=Call-ID: call-1@example.com'], ['h323-call-origin', 'answer']]],
];

const servers: FakeRadiusServer[] = [];
const clients: RadiusClient[] = [];
async function fake(): Promise<FakeRadiusServer> {
  const s = await FakeRadiusServer.start();
  servers.push(s);
  return s;
}
function client(t: Partial<RadiusTiming> = {}): RadiusClient {
  const c = new RadiusClient({ timing: { intervalMs: 150, count: 2, afterFailure: 0, retrySeconds: 300, ...t } });
  clients.push(c);
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});
after(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

const accept = { code: 'Access-Accept', attributes: [['Reply-Message', 'welcome']] as Array<[string, unknown]> };

describe('requests', () => {
  test('an Access-Request is signed, and a signed Access-Accept is the answer', async () => {
    const s = await fake();
    s.behaviour = () => accept;
    const c = client();
    const a = await c.access([s.server], PAP, 'auth');
    assert.equal(a?.code, 'Access-Accept');
    assert.equal(a?.attributes['Reply-Message'], 'welcome');
    assert.deepEqual(a?.server, s.server);
    assert.equal(s.received.length, 1);
    assert.ok(s.received[0]!.signed, 'Message-Authenticator of the Access-Request');
    assert.equal(s.received[0]!.attributes['User-Password'], 'wonderland');
    assert.equal(s.received[0]!.attributes['User-Name'], 'alice@example.com');
    const st = c.stats().get(`127.0.0.1:${s.port}`);
    assert.deepEqual(st, { sent: 1, retransmitted: 0, failedOver: 0, answered: 1, timeouts: 0, badResponses: 0, queueFull: 0 });
  });

  test('an Accounting-Request carries the Cisco VSAs, is signed the way FreeRADIUS checks, and is acknowledged', async () => {
    const s = await fake();
    s.behaviour = () => ({ code: 'Accounting-Response' });
    const ok = await client().accounting([s.server], START, 0);
    assert.equal(ok, true);
    const r = s.received[0]!;
    assert.ok(r.signed, 'Request Authenticator and Message-Authenticator of the Accounting-Request');
    const vsa = r.attributes['Vendor-Specific'] as Record<string, unknown>;
    assert.equal(vsa['Cisco-AVPair'], 'sip-hdr=Call-ID: call-1@example.com');
    assert.equal(vsa['h323-call-origin'], 'answer');
    assert.equal(r.attributes['Acct-Delay-Time'], 0);
  });

  test('an unsigned Accounting-Response is taken (nothing to forge there); one signed with a wrong secret is not', async () => {
    const s = await fake();
    s.behaviour = () => ({ code: 'Accounting-Response', unsigned: true });
    assert.equal(await client().accounting([s.server], START, 0), true);
    s.behaviour = () => ({ code: 'Accounting-Response', secret: 'not-the-secret' });
    assert.equal(await client({ count: 0 }).accounting([s.server], START, 0), false);
  });

  test('attributes the dictionaries do not know: no request, no throw, counted', async () => {
    const s = await fake();
    const other = await fake();
    const c = client();
    assert.equal(await c.access([s.server, other.server], [['No-Such-Attribute', 'x']], 'auth'), undefined);
    assert.equal(await c.accounting([s.server], [['No-Such-Attribute', 'x']], 0), false);
    assert.equal(c.encodeErrors, 2);
    assert.equal(s.received.length + other.received.length, 0);
    s.behaviour = () => accept;
    other.behaviour = () => accept;
    const a = await c.access([s.server, other.server], PAP, 'auth');
    assert.deepEqual(a?.server, s.server, 'the primary is not passed over for a request it never saw');
  });

  test('no servers, or a closed client: no answer, no throw', async () => {
    const c = client();
    assert.equal(await c.access([], PAP, 'rpms'), undefined);
    await c.close();
    const s = await fake();
    assert.equal(await c.accounting([s.server], START, 0), false);
  });
});

describe('retransmission', () => {
  test('RadiusRetransmissionCount resends of the same datagram, RadiusRetransmissionInterval apart', async () => {
    const s = await fake();
    const c = client({ intervalMs: 200, count: 3 });
    const started = performance.now();
    assert.equal(await c.access([s.server], PAP, 'auth'), undefined);
    const elapsed = performance.now() - started;
    assert.equal(s.received.length, 4);
    for (const r of s.received) assert.deepEqual(r.raw, s.received[0]!.raw, 'an Access-Request is resent unchanged');
    // The spacing is checked where it is made, at the sender: the first send and three resends,
    // each waiting a full interval, then one more interval for the last answer. A loaded machine
    // only makes this longer (gaps measured at the receiver can shrink when one datagram's
    // delivery is delayed, so they are not compared).
    assert.ok(elapsed >= 4 * 200 - 5, `the request gave up after ${elapsed.toFixed(0)} ms, before 4 intervals of 200 ms`);
    assert.deepEqual(c.stats().get(`127.0.0.1:${s.port}`), { sent: 1, retransmitted: 3, failedOver: 0, answered: 0, timeouts: 1, badResponses: 0, queueFull: 0 });
  });

  test('an answer to a resend ends the request', async () => {
    const s = await fake();
    s.behaviour = () => (s.received.length === 2 ? accept : undefined);
    const a = await client({ count: 3 }).access([s.server], PAP, 'auth');
    assert.equal(a?.code, 'Access-Accept');
    assert.equal(s.received.length, 2);
  });

  test('Acct-Delay-Time grows on accounting resends, each with a new identifier', async () => {
    const s = await fake();
    s.behaviour = () => (s.received.length === 3 ? { code: 'Accounting-Response' } : undefined);
    const ok = await client({ intervalMs: 1000, count: 2 }).accounting([s.server], [...START, ['Acct-Delay-Time', 99]], 5);
    assert.equal(ok, true);
    const delays = s.received.map((r) => r.attributes['Acct-Delay-Time']);
    assert.deepEqual(delays, [5, 6, 7], 'the caller delay, then one more second per 1 s resend (the given Acct-Delay-Time replaced)');
    assert.equal(new Set(s.received.map((r) => r.id)).size, 3, 'new content, new identifier (RFC 2866 §5.2)');
    assert.ok(s.received.every((r) => r.signed));
  });
});

describe('failover', () => {
  test('primary silent → secondary after the resends; the primary is passed over until RadiusRetryTime, then tried first again', async () => {
    const primary = await fake();
    const secondary = await fake();
    secondary.behaviour = () => accept;
    const c = client({ intervalMs: 100, count: 1, retrySeconds: 1 });
    const list = [primary.server, secondary.server];

    const first = await c.access(list, PAP, 'auth');
    assert.deepEqual(first?.server, secondary.server);
    assert.equal(primary.received.length, 2, 'the first transmission and RadiusRetransmissionCount=1 resend');
    assert.equal(c.stats().get(`127.0.0.1:${primary.port}`)?.failedOver, 1);

    const second = await c.access(list, PAP, 'auth');
    assert.deepEqual(second?.server, secondary.server);
    assert.equal(primary.received.length, 2, 'within RadiusRetryTime the primary is not asked');

    primary.behaviour = () => ({ code: 'Access-Reject' });
    await waitFor('RadiusRetryTime (1 s) to pass', () => (c as unknown as { servers: Map<string, { downUntil: number }> }).servers.get(`127.0.0.1:${primary.port}`)!.downUntil <= Date.now(), 5000, 50);
    const third = await c.access(list, PAP, 'auth');
    assert.deepEqual(third?.server, primary.server, 'after RadiusRetryTime the primary is tried first');
    assert.equal(third?.code, 'Access-Reject');
    assert.equal(secondary.received.length, 2);
  });

  test('after a request failed on every server, the next gets RadiusRetransmissionAfterFailure resends, until one answers again', async () => {
    const a = await fake();
    const b = await fake();
    const c = client({ intervalMs: 80, count: 2, afterFailure: 0 });
    const list = [a.server, b.server];
    assert.equal(await c.accounting(list, START, 0), false);
    assert.deepEqual([a.received.length, b.received.length], [3, 3]);
    assert.equal(await c.accounting(list, START, 0), false);
    assert.deepEqual([a.received.length, b.received.length], [4, 4], 'one transmission each while all are failing');
    b.behaviour = () => ({ code: 'Accounting-Response' });
    assert.equal(await c.accounting(list, START, 0), true);
    assert.deepEqual([a.received.length, b.received.length], [5, 5]);
    b.behaviour = () => undefined;
    assert.equal(await c.accounting(list, START, 0), false);
    assert.deepEqual([a.received.length, b.received.length], [8, 8], 'an answer restores RadiusRetransmissionCount');
  });
});

describe('forged and stray responses (Blast-RADIUS, CVE-2024-3596)', () => {
  const bad = [
    { what: 'an Access-Accept without Message-Authenticator', reply: { code: 'Access-Accept', unsigned: true } },
    { what: 'an Access-Accept signed with another secret', reply: { code: 'Access-Accept', secret: 'guessed' } },
    { what: 'an Access-Accept from another port of the server host', reply: { code: 'Access-Accept', fromOtherPort: true } },
    { what: 'an Access-Accept with another identifier', reply: { code: 'Access-Accept', identifier: -1 } },
    { what: 'an Accounting-Response (it cannot answer an Access-Request)', reply: { code: 'Accounting-Response' } },
  ];
  for (const { what, reply } of bad) {
    test(`${what} is dropped and counted; the real Access-Reject that follows is the answer`, async () => {
      const s = await fake();
      s.behaviour = (r) => [{ ...reply, ...(reply.identifier === -1 && { identifier: (r.id + 1) % 256 }) }, { code: 'Access-Reject' }];
      const c = client({ count: 0, intervalMs: 2000 });
      const a = await c.access([s.server], PAP, 'auth');
      assert.equal(a?.code, 'Access-Reject');
      const st = c.stats().get(`127.0.0.1:${s.port}`)!;
      if (reply.fromOtherPort) assert.equal(c.unknownSource, 1);
      else assert.equal(st.badResponses, 1);
    });
  }

  test('only forged answers: no answer at all', async () => {
    const s = await fake();
    s.behaviour = () => [{ code: 'Access-Accept', unsigned: true }, { code: 'Access-Accept', secret: 'guessed' }];
    const c = client({ count: 1, intervalMs: 100 });
    assert.equal(await c.access([s.server], PAP, 'auth'), undefined);
    assert.equal(c.stats().get(`127.0.0.1:${s.port}`)!.badResponses, 4);
  });
});

describe('identifiers', () => {
  test('256 requests in flight per server; the rest wait for an identifier and all are answered', async () => {
    const s = await fake();
    const c = client({ intervalMs: 10_000, count: 0 });
    const answers = Promise.all(Array.from({ length: 300 }, (_, i) => c.access([s.server], [['User-Name', `u${i}`], ['User-Password', 'x']], 'auth')));
    await waitFor('256 requests at the server', () => s.received.length >= 256, 10_000, 20);
    assert.equal(s.received.length, 256);
    assert.equal(new Set(s.received.map((r) => r.id)).size, 256, 'every identifier once');
    const own = (r: Received) => ({ code: 'Access-Accept', attributes: [['Reply-Message', String(r.attributes['User-Name'])]] as Array<[string, unknown]> });
    s.behaviour = own; // the 44 that waited are answered as they come
    for (const r of s.received.slice()) s.reply(r, own(r), r.from);
    const all = await answers;
    assert.equal(s.received.length, 300);
    all.forEach((a, i) => assert.equal(a?.attributes['Reply-Message'], `u${i}`, `request ${i} got its own answer`));
  });
});
