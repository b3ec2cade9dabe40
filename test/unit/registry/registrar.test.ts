// The registrar's REGISTER handling (RFC 3261 §10.3) and lookups, against the embedded
// store in a temporary ServerRoot, with a clock the tests move.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MAX_EXPIRES, MIN_EXPIRES, Registrar } from '../../../src/modules/registry/registrar.js';
import type { Binding } from '../../../src/stores/location-store.js';
import type { SipResponse } from '../../../src/sip/message.js';
import { BOUND, COMPANIES_CONF, SOURCE, manualClock, recordLog, register, tempRoot } from './helpers.js';
import type { RegisterOptions } from './helpers.js';
import { uriOf } from '../../helpers/values.js';

const roots: ReturnType<typeof tempRoot>[] = [];
after(() => roots.forEach((r) => r.remove()));

async function fixture(extra: readonly string[] = []) {
  const t = tempRoot();
  roots.push(t);
  const config = t.config([...COMPANIES_CONF, ...extra]);
  const clock = manualClock();
  const rec = recordLog();
  const reg = await Registrar.open(config, rec.log, { bound: BOUND, now: clock.now });
  const send = (o: RegisterOptions): Promise<SipResponse> => reg.handleRegister(register(o), SOURCE);
  const find = (u: string): Binding[] => reg.lookup(uri(u));
  return { t, config, clock, rec, reg, send, find };
}

const uri = uriOf;

/** The Contact values of a response as { uri: expires/q }. */
function contacts(r: SipResponse): Map<string, { expires: number; q: number }> {
  const m = new Map<string, { expires: number; q: number }>();
  for (const v of r.headers.values('Contact')) {
    const u = /^<([^>]+)>/.exec(v)?.[1] ?? '';
    m.set(u, { expires: Number(/;expires=(\d+)/.exec(v)?.[1]), q: Number(/;q=([\d.]+)/.exec(v)?.[1]) });
  }
  return m;
}

const ALICE = 'sip:2000@companyA.com';

test('add: a new contact is bound, and the 200 OK lists it with expires, q and a Date', async () => {
  const { reg, send, find, config } = await fixture();
  const r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'] });
  assert.equal(r.status, 200);
  assert.deepEqual([...contacts(r)], [['sip:2000@192.0.2.44:5062', { expires: 3600, q: 1 }]]);
  assert.ok(r.headers.get('Date')?.endsWith('GMT'));
  assert.ok(r.headers.get('To')?.includes(';tag='));
  const b = find('sip:2000@companyA.com');
  assert.equal(b.length, 1);
  assert.equal(b[0].contact, 'sip:2000@192.0.2.44:5062');
  assert.deepEqual(b[0].received, { transport: 'UDP', address: '192.0.2.44', port: 5062 });
  assert.equal(reg.activeCount(), 1);
  // The database lives where Cisco_Registry_Rendezvous_Directory / _Name say.
  assert.ok(existsSync(path.join(config.serverRoot, 'data', 'registry_db.snapshot')));
  await reg.close();
});

test('refresh: a higher CSeq on the same Call-ID renews the binding with the new time', async () => {
  const { reg, send, find, clock } = await fixture();
  await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'], cseq: 1, expires: 600 });
  clock.advance(500_000);
  const r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'], cseq: 2, expires: 1800 });
  assert.equal(r.status, 200);
  assert.deepEqual([...contacts(r).values()], [{ expires: 1800, q: 1 }]);
  assert.equal(find(ALICE).length, 1);
  assert.equal(find(ALICE)[0].cseq, 2);
  // Past the first 600 s the refreshed binding still holds; past its own 1800 s it lapses.
  clock.advance(1000_000);
  assert.equal(find(ALICE).length, 1);
  clock.advance(900_000);
  assert.equal(find(ALICE).length, 0);
  assert.equal(reg.purge(), 1);
  await reg.close();
});

test('remove: Expires: 0 (header or contact parameter) removes one binding', async () => {
  const { reg, send, find } = await fixture();
  await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>', '<sip:2000@192.0.2.45>'], cseq: 1 });
  assert.equal(find(ALICE).length, 2);
  let r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>;expires=0'], cseq: 2 });
  assert.equal(r.status, 200);
  assert.deepEqual([...contacts(r).keys()], ['sip:2000@192.0.2.45']);
  r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.45>'], cseq: 3, expires: 0 });
  assert.equal(r.status, 200);
  assert.equal(r.headers.values('Contact').length, 0);
  assert.equal(find(ALICE).length, 0);
  await reg.close();
});

test('remove all: Contact: * with Expires: 0; refused (400) without Expires: 0 or beside other contacts', async () => {
  const { reg, send, find } = await fixture();
  await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>', '<sip:2000@192.0.2.45>'], cseq: 1 });
  let r = await send({ to: ALICE, contacts: ['*'], cseq: 2 });
  assert.equal(r.status, 400);
  r = await send({ to: ALICE, contacts: ['*'], expires: 3600, cseq: 2 });
  assert.equal(r.status, 400);
  r = await send({ to: ALICE, contacts: ['*', '<sip:2000@192.0.2.46>'], expires: 0, cseq: 2 });
  assert.equal(r.status, 400);
  assert.equal(find(ALICE).length, 2, 'refused requests change nothing');
  r = await send({ to: ALICE, contacts: ['*'], expires: 0, callId: 'other-call', cseq: 1 });
  assert.equal(r.status, 200);
  assert.equal(find(ALICE).length, 0);
  await reg.close();
});

test('query: a REGISTER without Contact lists the bindings and changes nothing', async () => {
  const { reg, send, find, clock } = await fixture();
  await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>;q=0.4'], cseq: 1 });
  clock.advance(600_000);
  const r = await send({ to: ALICE, callId: 'query-call', cseq: 9 });
  assert.equal(r.status, 200);
  assert.deepEqual([...contacts(r)], [['sip:2000@192.0.2.44:5062', { expires: 3000, q: 0.4 }]]);
  assert.equal(find(ALICE)[0].callId, 'call-1@192.0.2.44');
  await reg.close();
});

test('several contacts with their own q and expires; lookups come back highest q first', async () => {
  const { reg, send, find } = await fixture();
  const r = await send({
    to: ALICE,
    contacts: ['<sip:2000@192.0.2.44:5062>;q=0.5;expires=120', '<sip:2000@192.0.2.45>;q=1.0', 'sip:2000@192.0.2.46;q=0.1, <sip:2000@192.0.2.47>;expires=600;q=0.7'],
    expires: 900,
  });
  assert.equal(r.status, 200);
  const c = contacts(r);
  assert.deepEqual(c.get('sip:2000@192.0.2.44:5062'), { expires: 120, q: 0.5 });
  assert.deepEqual(c.get('sip:2000@192.0.2.45'), { expires: 900, q: 1 });
  assert.deepEqual(c.get('sip:2000@192.0.2.46'), { expires: 900, q: 0.1 });
  assert.deepEqual(c.get('sip:2000@192.0.2.47'), { expires: 600, q: 0.7 });
  assert.deepEqual(
    find(ALICE).map((b) => b.q),
    [1, 0.7, 0.5, 0.1],
  );
  await reg.close();
});

test(`expiry limits: under ${MIN_EXPIRES} s is 423 Interval Too Brief with Min-Expires; over ${MAX_EXPIRES} s is cut down`, async () => {
  const { reg, send, find } = await fixture();
  let r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'], expires: 30 });
  assert.equal(r.status, 423);
  assert.equal(r.headers.get('Min-Expires'), String(MIN_EXPIRES));
  r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.45>', '<sip:2000@192.0.2.44:5062>;expires=59'], cseq: 2 });
  assert.equal(r.status, 423, 'one contact too brief refuses the whole request');
  assert.equal(find(ALICE).length, 0);
  r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'], expires: 86400, cseq: 3 });
  assert.equal(r.status, 200);
  assert.equal([...contacts(r).values()][0].expires, MAX_EXPIRES);
  r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'], expires: 'soon', cseq: 4 });
  assert.equal(r.status, 400);
  await reg.close();
});

test('CSeq ordering: an older CSeq on the same Call-ID is refused (500) and changes nothing', async () => {
  const { reg, send, find } = await fixture();
  await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'], cseq: 10, expires: 600 });
  let r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'], cseq: 9, expires: 0 });
  assert.equal(r.status, 500);
  assert.equal(find(ALICE).length, 1);
  r = await send({ to: ALICE, contacts: ['*'], cseq: 9, expires: 0 });
  assert.equal(r.status, 500);
  assert.equal(find(ALICE).length, 1);
  // The same CSeq again is a retransmission: answered, nothing changes.
  r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'], cseq: 10, expires: 600 });
  assert.equal(r.status, 200);
  // Another Call-ID (the phone restarted) may use any CSeq.
  r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'], callId: 'after-reboot', cseq: 1, expires: 300 });
  assert.equal(r.status, 200);
  assert.equal(find(ALICE)[0].callId, 'after-reboot');
  await reg.close();
});

test('wildcards: a registration whose user contains "*" is refused (400)', async () => {
  const { reg, send, find } = await fixture();
  const r = await send({ to: 'sip:20*@companyA.com', contacts: ['<sip:2000@192.0.2.44:5062>'] });
  assert.equal(r.status, 400);
  assert.match(r.reason, /wildcards are not allowed in registrations/i);
  assert.equal(find('sip:20*@companyA.com').length, 0);
  await reg.close();
});

test('refusals: foreign domain or Request-URI (404), tel: To (404), unknown Require (420)', async () => {
  const { reg, send } = await fixture();
  let r = await send({ to: 'sip:2000@elsewhere.example', contacts: ['<sip:2000@192.0.2.44>'], requestUri: 'sip:proxy.com' });
  assert.equal(r.status, 404);
  r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44>'], requestUri: 'sip:elsewhere.example' });
  assert.equal(r.status, 404);
  assert.equal(reg.servesRequestUri('sip:elsewhere.example'), false);
  assert.equal(reg.servesRequestUri('sip:companyB.com'), true);
  r = await send({ to: 'tel:+14085558000', contacts: ['<sip:8000@192.0.2.44>'], requestUri: 'sip:proxy.com' });
  assert.equal(r.status, 404);
  r = await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44>'], extra: ['Require: path, foo-bar'] });
  assert.equal(r.status, 420);
  assert.equal(r.headers.get('Unsupported'), 'foo-bar');
  await reg.close();
});

test('CompanyA/CompanyB table: calls between the companies reach the right phone', async () => {
  const { reg, send, find } = await fixture();
  const phones: [string, string][] = [
    ['sip:2000@10.1.1.10', 'sip:a2000@192.0.2.10'], // 2000 at CompanyA, via its virtual proxy address
    ['sip:2000@sip.companyB.com', 'sip:b2000@192.0.2.20'], // 2000 at CompanyB
    ['sip:+14085558000@10.1.1.10', 'sip:a8000@192.0.2.11'], // 8000 at CompanyA (DID)
    ['sip:+14086668000@companyB.com', 'sip:b8000@192.0.2.21'], // 8000 at CompanyB (DID)
  ];
  for (const [to, contact] of phones) assert.equal((await send({ to, contacts: [`<${contact}>`], callId: `reg-${contact}` })).status, 200, to);
  const reach = (u: string) => find(u).map((b) => b.contact);
  // 1-2: 2001/8001 at either company calls 2000 at CompanyA / CompanyB by full URL.
  assert.deepEqual(reach('sip:2000@companyA.com'), ['sip:a2000@192.0.2.10']);
  assert.deepEqual(reach('sip:2000@companyB.com'), ['sip:b2000@192.0.2.20']);
  // 3-4: 8000 at the caller's own company and across: E.164 is shared by every domain.
  assert.deepEqual(reach('sip:+14085558000@companyA.com'), ['sip:a8000@192.0.2.11']);
  assert.deepEqual(reach('sip:+14086668000@companyA.com'), ['sip:b8000@192.0.2.21']);
  assert.deepEqual(reach('sip:+14086668000@companyB.com'), ['sip:b8000@192.0.2.21']);
  assert.deepEqual(reach('sip:+14085558000@companyB.com'), ['sip:a8000@192.0.2.11']);
  // 6: John Doe, in neither company, calls 8000 at each as +1408…@<proxy>.com.
  assert.deepEqual(reach('sip:+14085558000@proxy.com'), ['sip:a8000@192.0.2.11']);
  assert.deepEqual(reach('sip:+14086668000@proxy.com'), ['sip:b8000@192.0.2.21']);
  // Extensions are private to their domain: 2000 at the proxy's own domain is nobody.
  assert.deepEqual(reach('sip:2000@proxy.com'), []);
  await reg.close();
});

test('static registrations: listed and looked up, never expire, untouched by Contact: *', async () => {
  const { reg, send, find, clock } = await fixture();
  const now = clock.now();
  await reg.locationStore.setStatic('2000@companya.com', {
    aor: '2000@companya.com',
    contact: 'sip:fxs1@192.0.2.90',
    q: 0.2,
    expiresAt: Infinity,
    callId: '',
    cseq: 0,
    static: true,
    updatedAt: now,
  });
  await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>'] });
  assert.deepEqual(
    find(ALICE).map((b) => b.contact),
    ['sip:2000@192.0.2.44:5062', 'sip:fxs1@192.0.2.90'],
  );
  const r = await send({ to: ALICE, contacts: ['*'], expires: 0, cseq: 2 });
  assert.equal(r.status, 200);
  assert.deepEqual([...contacts(r).keys()], ['sip:fxs1@192.0.2.90']);
  clock.advance(10 * 365 * 86400_000);
  assert.equal(find(ALICE).length, 1);
  await reg.close();
});

test('an acknowledged registration is there after the registrar is closed and opened again', async () => {
  const { reg, send, config, clock, rec } = await fixture();
  await send({ to: ALICE, contacts: ['<sip:2000@192.0.2.44:5062>;q=0.9'] });
  await reg.close();
  const again = await Registrar.open(config, rec.log, { bound: BOUND, now: clock.now });
  const b = again.lookup(uri('sip:2000@10.1.1.10'));
  assert.equal(b.length, 1);
  assert.equal(b[0].q, 0.9);
  assert.equal(b[0].callId, 'call-1@192.0.2.44');
  await again.close();
});

test('bad input never throws: a REGISTER missing To, or with a malformed Contact, is a 400', async () => {
  const { reg } = await fixture();
  const req = register({ to: ALICE, contacts: ['<sip:2000@192.0.2.44'] });
  assert.equal((await reg.handleRegister(req, SOURCE)).status, 400);
  const noTo = register({ to: ALICE, contacts: ['<sip:2000@192.0.2.44>'] });
  noTo.headers.delete('To');
  assert.equal((await reg.handleRegister(noTo, SOURCE)).status, 400);
  await reg.close();
});
