// Accounting records (guide Appendix B "Configuring Accounting Services", Table B-1) built
// through the real fork (src/proxy/fork.ts) and its branchFinal/finalUpstream hooks, sent
// to a fake RADIUS service that records what it is handed and answers as told.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { CallAccounting } from '../../../src/modules/accounting/calls.js';
import { OpenLegJournal } from '../../../src/modules/accounting/open-legs.js';
import { confId, h323Time, q850Cause } from '../../../src/modules/accounting/record.js';
import { RecordSender } from '../../../src/modules/accounting/sender.js';
import { Spool } from '../../../src/modules/accounting/spool.js';
import { encodeRequest, loadDictionaries } from '../../../src/modules/radius/codec.js';
import type { RadiusAttribute, RadiusServer, RadiusService } from '../../../src/modules/radius/service.js';
import type { RequestContext } from '../../../src/proxy/stages.js';
import { buildResponse } from '../../../src/sip/message.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { configOf, contextFor, fork, reply, request, settle, target } from '../callforward/harness.js';

/** What the fake service was handed: one entry per call of accounting(). */
interface Handed {
  readonly attrs: readonly RadiusAttribute[];
  readonly delay: number;
}

class FakeRadius implements RadiusService {
  readonly handed: Handed[] = [];
  up = true;
  access(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  accounting(_servers: readonly RadiusServer[], attrs: readonly RadiusAttribute[], delay: number): Promise<boolean> {
    this.handed.push({ attrs, delay });
    return Promise.resolve(this.up);
  }
  unencodable?: (attrs: readonly RadiusAttribute[]) => string | undefined;
  /** The records a server acknowledged (handed while up), in order. */
  acknowledged: () => Handed[] = () => this.handed;
}

/** A bounded wait for the sender's retry loop (retryMs is 5 ms here). */
async function waitUntil(check: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function attr(h: Handed, name: string): unknown {
  return h.attrs.find((a) => a[0] === name)?.[1];
}

function vsas(h: Handed, name: string): string[] {
  const all = h.attrs.filter((a): a is ['Vendor-Specific', number, Array<[string, unknown]>] => a[0] === 'Vendor-Specific').flatMap((a) => a[2]);
  return all.filter(([n]) => n === name).map(([, x]) => String(x));
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'acct-'));
  dirs.push(d);
  return d;
}

const BASE = 'ProxyDomain company.com\nAccounting On\nRadiusUserNameAttrAddDomain Off\n';
const FARM = '10.0.0.50';

function bench(conf: string, o: { dir?: string; up?: boolean; max?: number; now?: () => number } = {}) {
  const config = configOf(BASE + conf);
  const radius = new FakeRadius();
  radius.up = o.up ?? true;
  const spool = new Spool(o.dir ?? tempDir(), o.max ?? 1000);
  const logs: string[] = [];
  const sender = new RecordSender({ service: radius, servers: () => [], spool, retryMs: 5, log: (_l, m) => logs.push(m), ...(o.now ? { now: o.now } : {}) });
  const calls = new CallAccounting({ sender, isFarm: (host) => host === FARM, ...(o.now ? { now: () => new Date(o.now!()) } : {}) });
  return { config, radius, spool, sender, calls, logs };
}

function invite(from = '"Alice" <sip:alice@company.com>;tag=a1', extra: string[] = []): SipRequest {
  return request([
    'INVITE sip:bob@company.com SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKalice',
    `From: ${from}`,
    'To: <sip:bob@company.com>',
    'Call-ID: acct-test@10.0.0.1',
    'CSeq: 1 INVITE',
    'Max-Forwards: 70',
    'User-Agent: unit-phone',
    ...extra,
  ]);
}

/** The BYE of the dialog a 2xx set up, sent by the caller. */
function byeFor(toWithTag: string): SipRequest {
  return request([
    'BYE sip:bob@10.0.0.2 SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKbye',
    'From: "Alice" <sip:alice@company.com>;tag=a1',
    `To: ${toWithTag}`,
    'Call-ID: acct-test@10.0.0.1',
    'CSeq: 2 BYE',
    'Reason: Q.850;cause=16',
  ]);
}

/** Run an INVITE through the fork toward `to` (one target each) and let each branch answer its status. */
function call(b: ReturnType<typeof bench>, statuses: number[], o: { source?: string; to?: string[]; req?: SipRequest; user?: string } = {}) {
  const req = o.req ?? invite();
  const ctx: RequestContext = { ...contextFor(req, b.config), ...(o.source ? { source: { transport: 'UDP', remoteAddress: o.source, remotePort: 5060, localAddress: '192.0.2.9', localPort: 5060 } } : {}), ...(o.user ? { authenticatedUser: o.user } : {}) };
  const hosts = o.to ?? statuses.map((_, i) => `10.0.0.${i + 2}`);
  const f = fork(req, ctx, hosts.map((h) => target(`sip:bob@${h}`)), [b.calls]);
  f.fork.start();
  return { ctx, f, hosts };
}

async function answer(c: ReturnType<typeof call>, statuses: number[]): Promise<string | undefined> {
  await settle();
  let okTo: string | undefined;
  statuses.forEach((s, i) => {
    const r = reply(c.f.sent[i], s);
    if (s < 300) okTo = r.headers.get('To');
    c.f.sent[i].events.onResponse(r);
  });
  await settle();
  return okTo;
}

/** The BYE's final answer going upstream through a fork of its own. */
async function hangUp(b: ReturnType<typeof bench>, to: string, bye = byeFor(to)): Promise<void> {
  const ctx = contextFor(bye, b.config);
  const f = fork(bye, ctx, [target('sip:bob@10.0.0.2')], [b.calls]);
  f.fork.start();
  await settle();
  f.sent[0].events.onResponse(reply(f.sent[0], 200));
  await settle();
}

describe('Table B-1 server side', () => {
  test('a successful call gets one Start on the 200 and one Stop on the BYE, sharing an Acct-Session-Id', async () => {
    const b = bench('AcctIncludeSIPHeader User-Agent\nAcctIncludeSIPHeader Reason\n');
    const c = call(b, [200]);
    const to = await answer(c, [200]);
    assert.ok(to);
    assert.equal(b.radius.handed.length, 1);
    const start = b.radius.handed[0];
    assert.equal(attr(start, 'Acct-Status-Type'), 'Start');
    assert.equal(attr(start, 'User-Name'), 'alice');
    assert.equal(attr(start, 'Called-Station-Id'), 'bob');
    assert.deepEqual(vsas(start, 'h323-call-origin'), ['h323-call-origin=answer']);
    assert.ok(vsas(start, 'Cisco-AVPair').includes('call-id=acct-test@10.0.0.1'));
    assert.equal(vsas(start, 'h323-connect-time').length, 1);
    await hangUp(b, to);
    assert.equal(b.radius.handed.length, 2);
    const stop = b.radius.handed[1];
    assert.equal(attr(stop, 'Acct-Status-Type'), 'Stop');
    assert.equal(attr(stop, 'Acct-Session-Id'), attr(start, 'Acct-Session-Id'));
    assert.equal(typeof attr(stop, 'Acct-Session-Time'), 'number');
    assert.deepEqual(vsas(stop, 'h323-disconnect-cause'), ['h323-disconnect-cause=10']);
    // sip-hdr: User-Agent is not in the 200 (the unit 200 has none), Reason is in the BYE.
    assert.deepEqual(vsas(stop, 'Cisco-AVPair').filter((x) => x.startsWith('sip-hdr=')), ['sip-hdr=Reason: Q.850;cause=16']);
    assert.equal(b.calls.openLegs, 0);
  });

  test('a second BYE of the same dialog writes nothing more', async () => {
    const b = bench('');
    const to = await answer(call(b, [200]), [200]);
    await hangUp(b, to!);
    await hangUp(b, to!);
    assert.equal(b.radius.handed.length, 2);
  });

  test('an unsuccessful call gets no record with AccountingUnsuccessful Off', async () => {
    const b = bench('AccountingUnsuccessful Off\n');
    await answer(call(b, [486]), [486]);
    assert.equal(b.radius.handed.length, 0);
  });

  test('an unsuccessful call gets one Stop with its cause when AccountingUnsuccessful is On', async () => {
    const b = bench('AccountingUnsuccessful On\n');
    await answer(call(b, [486]), [486]);
    assert.equal(b.radius.handed.length, 1);
    const stop = b.radius.handed[0];
    assert.equal(attr(stop, 'Acct-Status-Type'), 'Stop');
    assert.equal(attr(stop, 'Acct-Session-Time'), 0);
    assert.deepEqual(vsas(stop, 'h323-disconnect-cause'), ['h323-disconnect-cause=11']);
    assert.equal(vsas(stop, 'h323-connect-time').length, 0);
  });

  test('AccountingServerSide Off writes no server-side record', async () => {
    const b = bench('AccountingServerSide Off\n');
    await answer(call(b, [200]), [200]);
    assert.equal(b.radius.handed.length, 0);
  });

  test('the farm exception: no server-side record for an INVITE from a farm member', async () => {
    const b = bench('AccountingUnsuccessful On\n');
    await answer(call(b, [200], { source: FARM }), [200]);
    await answer(call(b, [486], { source: FARM }), [486]);
    assert.equal(b.radius.handed.length, 0);
  });

  test('Accounting Off writes nothing', async () => {
    const b = bench('Accounting Off\nAccountingClientSide On\nAccountingUnsuccessful On\n');
    await answer(call(b, [200]), [200]);
    assert.equal(b.radius.handed.length, 0);
  });
});

describe('Table B-1 client side, a two-branch fork', () => {
  test('the answering branch gets a Start and, with AccountingUnsuccessful On, the busy one a Stop; both carry the Call-ID', async () => {
    const b = bench('AccountingServerSide Off\nAccountingClientSide On\nAccountingUnsuccessful On\n');
    const c = call(b, [486, 200]);
    const to = await answer(c, [486, 200]);
    const recs = b.radius.handed;
    assert.equal(recs.length, 2);
    const busy = recs.find((r) => attr(r, 'Acct-Status-Type') === 'Stop')!;
    const start = recs.find((r) => attr(r, 'Acct-Status-Type') === 'Start')!;
    assert.deepEqual(vsas(busy, 'h323-call-origin'), ['h323-call-origin=originate']);
    assert.deepEqual(vsas(start, 'h323-call-origin'), ['h323-call-origin=originate']);
    assert.notEqual(attr(busy, 'Acct-Session-Id'), attr(start, 'Acct-Session-Id'));
    for (const r of recs) assert.ok(vsas(r, 'Cisco-AVPair').includes('call-id=acct-test@10.0.0.1'));
    await hangUp(b, to!);
    const stop = b.radius.handed[2];
    assert.equal(attr(stop, 'Acct-Status-Type'), 'Stop');
    assert.equal(attr(stop, 'Acct-Session-Id'), attr(start, 'Acct-Session-Id'));
  });

  test('with AccountingUnsuccessful Off only the answering branch is recorded; server side adds its own pair', async () => {
    const b = bench('AccountingClientSide On\n');
    const to = await answer(call(b, [486, 200]), [486, 200]);
    await hangUp(b, to!);
    const origins = b.radius.handed.map((r) => `${attr(r, 'Acct-Status-Type')}/${vsas(r, 'h323-call-origin')[0]}`).sort();
    assert.deepEqual(origins, ['Start/h323-call-origin=answer', 'Start/h323-call-origin=originate', 'Stop/h323-call-origin=answer', 'Stop/h323-call-origin=originate']);
  });

  test('the farm exception: no client-side record for a branch sent to a farm member', async () => {
    const b = bench('AccountingServerSide Off\nAccountingClientSide On\nAccountingUnsuccessful On\n');
    await answer(call(b, [200], { to: [FARM] }), [200]);
    assert.equal(b.radius.handed.length, 0);
  });
});

describe('User-Name (OrigUserNameSource, RadiusUserNameAttrAddDomain)', () => {
  test('Auth takes the authenticated user, From the From user', async () => {
    const auth = bench('OrigUserNameSource Auth\n');
    await answer(call(auth, [200], { user: 'acct42' }), [200]);
    assert.equal(attr(auth.radius.handed[0], 'User-Name'), 'acct42');
    const from = bench('OrigUserNameSource From\n');
    await answer(call(from, [200], { user: 'acct42' }), [200]);
    assert.equal(attr(from.radius.handed[0], 'User-Name'), 'alice');
  });

  test('Auth without authentication takes the credentials, then the From user', async () => {
    const b = bench('OrigUserNameSource Auth\n');
    await answer(call(b, [200], { req: invite(undefined, ['Proxy-Authorization: Digest username="carol", realm="company.com", nonce="n", uri="sip:bob@company.com", response="x"']) }), [200]);
    assert.equal(attr(b.radius.handed[0], 'User-Name'), 'carol');
  });

  test('the domain is added only when it is ours', async () => {
    const b = bench('OrigUserNameSource From\nRadiusUserNameAttrAddDomain On\n');
    await answer(call(b, [200]), [200]);
    assert.equal(attr(b.radius.handed[0], 'User-Name'), 'alice@company.com');
    const other = bench('OrigUserNameSource From\nRadiusUserNameAttrAddDomain On\n');
    await answer(call(other, [200], { req: invite('<sip:eve@elsewhere.example>;tag=e1') }), [200]);
    assert.equal(attr(other.radius.handed[0], 'User-Name'), 'eve');
  });
});

describe('record formats', () => {
  test('h323 times in GMT follow the Cisco voice VSA form', () => {
    assert.equal(h323Time(new Date(Date.UTC(2026, 11, 7, 9, 5, 3, 42)), 'GMT'), '09:05:03.042 GMT Mon Dec 7 2026');
  });

  test('h323-conf-id is four groups of eight hex digits, the same for the same Call-ID', () => {
    assert.match(confId('a@b'), /^[0-9A-F]{8}( [0-9A-F]{8}){3}$/);
    assert.equal(confId('a@b'), confId('a@b'));
    assert.notEqual(confId('a@b'), confId('a@c'));
  });

  test('Q.850 causes of common endings', () => {
    assert.equal(q850Cause(200), 16);
    assert.equal(q850Cause(486), 17);
    assert.equal(q850Cause(404), 1);
    assert.equal(q850Cause(599), 41);
  });

  test('at most 50 sip-hdr entries from AcctIncludeSIPHeader', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `X-H${i}`);
    const b = bench(names.map((n) => `AcctIncludeSIPHeader ${n}\n`).join(''));
    const c = call(b, [200]);
    await settle();
    const r = reply(c.f.sent[0], 200);
    for (const n of names) r.headers.append(n, 'v');
    c.f.sent[0].events.onResponse(r);
    await settle();
    assert.equal(vsas(b.radius.handed[0], 'Cisco-AVPair').filter((x) => x.startsWith('sip-hdr=')).length, 50);
    assert.throws(() => configOf(BASE + [...names, 'X-H50'].map((n) => `AcctIncludeSIPHeader ${n}\n`).join('')));
  });
});

describe('what RADIUS can carry', () => {
  test('a record with 50 long headers still encodes: each VSA in its own attribute, the packet under 4096 bytes', async () => {
    loadDictionaries();
    const names = Array.from({ length: 50 }, (_, i) => `X-Long-${i}`);
    const b = bench(names.map((n) => `AcctIncludeSIPHeader ${n}\n`).join(''));
    const c = call(b, [200]);
    await settle();
    const r = reply(c.f.sent[0], 200);
    for (const n of names) r.headers.append(n, 'x'.repeat(300));
    c.f.sent[0].events.onResponse(r);
    await settle();
    const attrs = [...b.radius.handed[0].attrs, ['Event-Timestamp', new Date()], ['Acct-Delay-Time', 0]] as RadiusAttribute[];
    const packet = encodeRequest('Accounting-Request', 1, 'secret', attrs);
    assert.ok(packet.length <= 4096, `${packet.length} bytes`);
    const kept = vsas(b.radius.handed[0], 'Cisco-AVPair').filter((x) => x.startsWith('sip-hdr='));
    assert.ok(kept.length > 5 && kept.length < 50, `${kept.length} sip-hdr kept`);
    for (const k of kept) assert.ok(Buffer.byteLength(k) <= 247);
  });
});

describe('the spool', () => {
  test('no server: records wait on disk, survive a restart, and go out in order with Acct-Delay-Time', async () => {
    const dir = tempDir();
    let clock = Date.now();
    const b = bench('', { dir, up: false, now: () => clock });
    const to = await answer(call(b, [200]), [200]);
    await hangUp(b, to!);
    assert.equal(b.sender.counts.spooled, 2);
    assert.equal(b.spool.depth, 2);
    // The Stop waited for its Start: it was never handed over before the Start was spooled.
    b.sender.close();
    b.sender.finish();
    // A new process on the same directory, 30 s later, with a server that answers.
    clock += 30_000;
    const again = bench('', { dir, up: true, now: () => clock });
    assert.equal(again.spool.depth, 2);
    for (let i = 0; i < 20 && again.spool.depth; i++) await settle();
    assert.equal(again.spool.depth, 0);
    const statuses = again.radius.handed.map((h) => attr(h, 'Acct-Status-Type'));
    assert.deepEqual(statuses, ['Start', 'Stop']);
    assert.equal(again.radius.handed[0].delay, 30);
    assert.equal(again.sender.counts.sent, 2);
    const third = new Spool(dir, 10);
    assert.equal(third.depth, 0);
  });

  test('a Stop is never handed over before its Start, even when the Start is still being retried', async () => {
    const b = bench('', { up: false });
    const to = await answer(call(b, [200]), [200]);
    await hangUp(b, to!);
    const order = b.radius.handed.map((h) => attr(h, 'Acct-Status-Type'));
    assert.equal(order[0], 'Start');
    assert.equal(order.indexOf('Stop') === -1 || order.indexOf('Stop') > 0, true);
    b.radius.up = true;
    for (let i = 0; i < 50 && b.spool.depth; i++) await new Promise((r) => setTimeout(r, 5));
    const acked = b.radius.handed.slice(-2).map((h) => attr(h, 'Acct-Status-Type'));
    assert.deepEqual(acked, ['Start', 'Stop']);
    b.sender.close();
  });

  test('a RADIUS service that throws counts as no answer: the record is spooled, nothing rejects', async () => {
    const b = bench('AccountingUnsuccessful On\n', { up: false });
    b.radius.accounting = () => Promise.reject(new Error('broken'));
    await answer(call(b, [486]), [486]);
    await settle();
    assert.equal(b.spool.depth, 1);
    assert.ok(b.logs.some((l) => /RADIUS service failed: broken/.test(l)));
    b.sender.close();
  });

  test('a record that can never be encoded is dropped and said, and does not block the records behind it', async () => {
    const b = bench('AccountingUnsuccessful On\n', { up: false });
    await answer(call(b, [486]), [486]);
    assert.equal(b.spool.depth, 1, 'the first record waits for a server');
    // From now on the service says the Call-ID of the next call cannot be encoded.
    const bad = 'too-big@10.0.0.1';
    b.radius.unencodable = (attrs) => (attrs.some((a) => a[0] === 'Acct-Multi-Session-Id' && a[1] === bad) ? 'the Accounting-Request is 5000 bytes, over the 4096 RADIUS allows' : undefined);
    await answer(call(b, [486], { req: request(['INVITE sip:bob@company.com SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKbig', 'From: <sip:alice@company.com>;tag=a9', 'To: <sip:bob@company.com>', `Call-ID: ${bad}`, 'CSeq: 1 INVITE', 'Max-Forwards: 70']) }), [486]);
    assert.equal(b.sender.counts.dropped, 1);
    assert.equal(b.spool.depth, 1, 'the unencodable record is not spooled');
    assert.ok(b.logs.some((l) => /cannot be encoded and is dropped \(the Accounting-Request is 5000 bytes/.test(l)), b.logs.join('\n'));
    b.radius.up = true;
    await waitUntil(() => b.spool.depth === 0);
    b.sender.close();
  });

  test('a full spool refuses new records, counts and logs them', async () => {
    const b = bench('AccountingUnsuccessful On\n', { up: false, max: 1 });
    await answer(call(b, [486]), [486]);
    await answer(call(b, [486]), [486]);
    assert.equal(b.spool.depth, 1);
    assert.equal(b.sender.counts.dropped, 1);
    assert.ok(b.logs.some((l) => /spool is full/.test(l)));
    b.sender.close();
  });

  test('a record cut short by a crash is skipped, the others kept', async () => {
    const dir = tempDir();
    const b = bench('AccountingUnsuccessful On\n', { dir, up: false });
    await answer(call(b, [486]), [486]);
    b.sender.close();
    b.sender.finish();
    const { appendFileSync } = await import('node:fs');
    appendFileSync(path.join(dir, 'records.jsonl'), '{"event":1,"attr');
    const s = new Spool(dir, 10);
    assert.equal(s.depth, 1);
    assert.equal(s.unreadable, 1);
  });
});

describe('no BYE', () => {
  test('a call open when sipd is killed gets its Stop from the next sipd, ended when the first was last alive', async () => {
    const dir = tempDir();
    const first = bench('', { dir });
    const journal = new OpenLegJournal(dir);
    const calls = new CallAccounting({ sender: first.sender, isFarm: () => false, journal });
    const c = call({ ...first, calls }, [200]);
    await answer(c, [200]);
    assert.equal(calls.openLegs, 1);
    // Killed: nothing is closed, the heartbeat stops.
    journal.close();
    first.sender.close();
    const second = bench('', { dir });
    const again = new OpenLegJournal(dir);
    const calls2 = new CallAccounting({ sender: second.sender, isFarm: () => false, journal: again });
    assert.equal(calls2.stopLeftOpen(), 1);
    await settle();
    assert.equal(second.radius.handed.length, 1);
    const stop = second.radius.handed[0];
    assert.equal(attr(stop, 'Acct-Status-Type'), 'Stop');
    assert.equal(attr(stop, 'Acct-Session-Id'), attr(first.radius.handed[0], 'Acct-Session-Id'), 'the Stop closes the Start of the first sipd');
    assert.deepEqual(vsas(stop, 'h323-disconnect-cause'), ['h323-disconnect-cause=66']);
    // Once handed over it is closed in the journal: a third sipd finds nothing open.
    await settle();
    again.close();
    const third = new OpenLegJournal(dir);
    assert.deepEqual(third.takeLeftOpen(), []);
    third.close();
    second.sender.close();
  });

  test('stopAll (sipd stopping) writes the Stop of every open call', async () => {
    const b = bench('');
    await answer(call(b, [200]), [200]);
    assert.equal(b.calls.openLegs, 1);
    b.calls.stopAll();
    await settle();
    await settle();
    assert.equal(b.radius.handed.length, 2);
    assert.deepEqual(vsas(b.radius.handed[1], 'h323-disconnect-cause'), ['h323-disconnect-cause=66']);
  });

  test('AccountingMaxCallDuration passed with no BYE: the call gets its Stop', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const b = bench('AccountingMaxCallDuration 60\n');
    const c = call(b, [200]);
    // The fork's own timers are not in play: the branch answers at once.
    await Promise.resolve();
    await Promise.resolve();
    const r = reply(c.f.sent[0], 200);
    c.f.sent[0].events.onResponse(r);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    assert.equal(b.calls.openLegs, 1);
    t.mock.timers.tick(59_000);
    assert.equal(b.calls.openLegs, 1);
    t.mock.timers.tick(1_000);
    assert.equal(b.calls.openLegs, 0);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    const stop = b.radius.handed.at(-1)!;
    assert.equal(attr(stop, 'Acct-Status-Type'), 'Stop');
    assert.deepEqual(vsas(stop, 'h323-disconnect-cause'), ['h323-disconnect-cause=66']);
  });

  test('a 2xx to a non-INVITE opens nothing', async () => {
    const b = bench('');
    const opt = buildResponse(invite(), 200);
    b.calls.finalUpstream(contextFor(request(['OPTIONS sip:bob@company.com SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKo', 'From: <sip:a@company.com>;tag=1', 'To: <sip:bob@company.com>', 'Call-ID: o', 'CSeq: 1 OPTIONS']), b.config), opt);
    assert.equal(b.calls.openLegs, 0);
  });
});
