// Number expansion in the registrar (guide ch. 1 "Address Translation": REGISTER To,
// From and Contact are expanded for internal use, headers are not rewritten): the AOR of
// a phone registering as an extension is its expanded number, so calls to the extension
// and to the full number find it; a Contact pointing back at this server is compared by
// its expanded number. The expander is the real stage-5 one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { NumberExpander } from '../../../src/modules/numexp/expand.js';
import { Registrar } from '../../../src/modules/registry/registrar.js';
import type { SipResponse } from '../../../src/sip/message.js';
import { parseUri } from '../../../src/sip/uri.js';
import { BOUND, COMPANIES_CONF, SOURCE, manualClock, recordLog, register, tempRoot } from '../registry/helpers.js';
import type { RegisterOptions } from '../registry/helpers.js';

const roots: ReturnType<typeof tempRoot>[] = [];
after(() => roots.forEach((r) => r.remove()));

const PLAN = ['<NumberPlan Global>', 'NumExp 5.... +1303555....', '</NumberPlan>'];

async function fixture(opts: { expand: boolean; lines?: readonly string[] }) {
  const t = tempRoot();
  roots.push(t);
  const config = t.config([...COMPANIES_CONF, ...PLAN, ...(opts.lines ?? [])]);
  const x = new NumberExpander();
  const reg = await Registrar.open(config, recordLog().log, {
    bound: BOUND,
    now: manualClock().now,
    ...(opts.expand && { expand: (u: string, c: typeof config) => x.expand(u, c) }),
  });
  const send = (o: RegisterOptions): Promise<SipResponse> => reg.handleRegister(register(o), SOURCE);
  const find = (u: string) => {
    const p = parseUri(u);
    assert.ok(p.ok, u);
    return reg.lookup(p.uri).map((b) => b.contact);
  };
  return { reg, send, find };
}

test('a phone registering as extension 50100 is found as 50100 and as +13035550100', async () => {
  const { reg, send, find } = await fixture({ expand: true });
  const r = await send({ to: 'sip:50100@proxy.com', contacts: ['<sip:50100@192.0.2.44:5062>'] });
  assert.equal(r.status, 200);
  assert.ok(r.headers.get('To')?.includes('sip:50100@proxy.com'), 'the To header is not rewritten');
  assert.deepEqual(find('sip:+13035550100@proxy.com'), ['sip:50100@192.0.2.44:5062']);
  assert.deepEqual(find('sip:50100@10.1.1.5'), ['sip:50100@192.0.2.44:5062']);
  assert.deepEqual(find('sip:50101@proxy.com'), [], 'another number is not it');
  // E.164 numbers are shared by every served domain (guide: registrar for multiple domains).
  assert.deepEqual(find('sip:+13035550100@companyA.com'), ['sip:50100@192.0.2.44:5062']);
  await reg.close();
});

test('and the other way round: registered as +13035550100, called as 50100', async () => {
  const { reg, send, find } = await fixture({ expand: true });
  assert.equal((await send({ to: 'sip:+13035550100@proxy.com', contacts: ['<sip:phone@192.0.2.44:5062>'] })).status, 200);
  assert.deepEqual(find('sip:50100@proxy.com'), ['sip:phone@192.0.2.44:5062']);
  await reg.close();
});

test('without an expander (or with Cisco_Numexpand Off) the extension and the number are two users', async () => {
  const none = await fixture({ expand: false });
  await none.send({ to: 'sip:50100@proxy.com', contacts: ['<sip:50100@192.0.2.44:5062>'] });
  assert.deepEqual(none.find('sip:+13035550100@proxy.com'), []);
  assert.deepEqual(none.find('sip:50100@proxy.com'), ['sip:50100@192.0.2.44:5062']);
  await none.reg.close();
  const off = await fixture({ expand: true, lines: ['Cisco_Numexpand Off'] });
  await off.send({ to: 'sip:50100@proxy.com', contacts: ['<sip:50100@192.0.2.44:5062>'] });
  assert.deepEqual(off.find('sip:+13035550100@proxy.com'), []);
  await off.reg.close();
});

test('a Contact naming this server is compared by its expanded number; others as written', async () => {
  const { reg, send, find } = await fixture({ expand: true });
  const to = 'sip:alias@proxy.com';
  // An alias: calls to alias@proxy.com go to extension 50100 on this server.
  let r = await send({ to, contacts: ['<sip:50100@10.1.1.5>'], cseq: 1 });
  assert.equal(r.status, 200);
  // The same contact written as the full number refreshes it rather than adding a second one,
  r = await send({ to, contacts: ['<sip:+13035550100@10.1.1.5:5060>'], cseq: 2 });
  assert.equal(r.headers.values('Contact').length, 1, r.headers.values('Contact').join(' | '));
  // and removes it.
  r = await send({ to, contacts: ['<sip:+13035550100@10.1.1.5>'], cseq: 3, expires: 0 });
  assert.deepEqual(find(to), []);
  // A phone elsewhere: 50100 and +13035550100 at 192.0.2.44 are two contacts.
  await send({ to, contacts: ['<sip:50100@192.0.2.44:5062>', '<sip:+13035550100@192.0.2.44:5062>'], cseq: 4 });
  assert.equal(find(to).length, 2);
  await reg.close();
});
