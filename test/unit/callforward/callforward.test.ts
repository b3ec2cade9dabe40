// Call forwarding (guide Appendix B "Configuring Call Forwarding", figures E-4 to E-11):
// the unconditional translation module and the busy / no-answer / unavailable hooks,
// driven through the real fork with a fake transaction layer and mocked timers.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { diversionHeader } from '../../../src/modules/callforward/diversion.js';
import { callForwarding } from '../../../src/modules/callforward/hooks.js';
import { SubscriberLookup } from '../../../src/modules/callforward/lookup.js';
import { parseUri } from '../../../src/sip/uri.js';
import { configOf, contextFor, fork, inviteBob, MemoryStore, reply, request, settle, subscriber, target } from './harness.js';

const CAROL = 'sip:carol@IPphoneC.company.com';
const BOB_PHONE = 'sip:bob@IPphoneB.company.com';
const ALL_ON = ['ProxyDomain company.com', 'CallForwardUnconditional On', 'CallForwardBusy On', 'CallForwardNoAnswer On', 'CallForwardUnavailable On', 'DiversionHeaderName CC-Diversion'];

function setup(opts: { recursive: boolean; bob?: Parameters<typeof subscriber>[1]; extra?: string[] }) {
  const config = configOf([...ALL_ON, `Recursive ${opts.recursive ? 'On' : 'Off'}`, ...(opts.extra ?? [])].join('\n') + '\n');
  const store = new MemoryStore([subscriber('bob', opts.bob ?? {}), subscriber('alice')]);
  const logged: string[] = [];
  const log = { info: (m: string) => logged.push(m), debug: () => undefined };
  const lookup = new SubscriberLookup({ subscribers: () => store, log });
  const cf = callForwarding(lookup);
  const req = inviteBob();
  const ctx = contextFor(req, config);
  const ruri = parseUri(req.uri);
  assert.ok(ruri.ok);
  return { config, store, logged, cf, req, ctx, ruri: ruri.uri };
}

/** Translation as the core runs it, then a fork to Bob's phone with the hooks. */
async function callBob(s: ReturnType<typeof setup>) {
  const found = await s.cf.unconditional.translate(s.ctx, s.ruri);
  assert.equal(found, undefined, 'no unconditional forwarding in this case');
  const f = fork(s.req, s.ctx, [target(BOB_PHONE)], [s.cf.hooks]);
  f.fork.start();
  await settle();
  assert.equal(f.sent.length, 1);
  assert.equal(f.sent[0].copy.uri, BOB_PHONE);
  return f;
}

const DIVERSION = (reason: string) => `<sip:bob@company.com>;reason="${reason}";counter=1`;

describe('diversion header', () => {
  const config = (lines: string) => configOf(lines + '\n');
  test('DiversionHeaderName chooses the name; the value names the Request-URI and the reason', () => {
    for (const name of ['Diversion', 'CC-Diversion', 'CC-Redirect']) {
      assert.deepEqual(diversionHeader(config(`DiversionHeaderName ${name}`), 'sip:bob@company.com', 'user-busy'), [name, DIVERSION('user-busy')]);
    }
  });
  test('AddDiversionHeader Off adds none', () => {
    assert.equal(diversionHeader(config('AddDiversionHeader Off'), 'sip:bob@company.com', 'unconditional'), undefined);
  });
  test('RedirectDNPrivacy adds privacy=full, only to a header named Diversion', () => {
    const priv = { redirectDnPrivacy: true };
    assert.deepEqual(diversionHeader(config('DiversionHeaderName Diversion'), 'sip:bob@company.com', 'no-answer', priv), ['Diversion', DIVERSION('no-answer') + ';privacy=full']);
    assert.deepEqual(diversionHeader(config('DiversionHeaderName CC-Diversion'), 'sip:bob@company.com', 'no-answer', priv), ['CC-Diversion', DIVERSION('no-answer')]);
  });
  test('URI headers of the Request-URI are left out', () => {
    assert.equal(diversionHeader(config(''), 'sip:bob@company.com;user=phone?Subject=x', 'unavailable')?.[1], '<sip:bob@company.com;user=phone>;reason="unavailable";counter=1');
  });
});

describe('call forward unconditional', () => {
  test('E-4 call forward unconditionally via recursive proxy: the call goes to Carol with CC-Diversion', async () => {
    const s = setup({ recursive: true, bob: { cfu: CAROL } });
    const found = await s.cf.unconditional.translate(s.ctx, s.ruri);
    assert.equal(found?.length, 1);
    const t = found![0];
    assert.equal(t.requestUri, CAROL);
    assert.equal(t.forwarded, true);
    assert.deepEqual(t.headers, [['CC-Diversion', DIVERSION('unconditional')]]);
    // The core sends forwarded targets on when Recursive: the copy carries the header on top.
    const f = fork(s.req, s.ctx, [...found!], [s.cf.hooks]);
    f.fork.start();
    await settle();
    assert.equal(f.sent[0].copy.uri, CAROL);
    assert.equal(f.sent[0].copy.headers.get('CC-Diversion'), DIVERSION('unconditional'));
  });

  test('E-5 call forward unconditionally via nonrecursive proxy: the same target, which the core turns into a 302', async () => {
    const s = setup({ recursive: false, bob: { cfu: CAROL } });
    const found = await s.cf.unconditional.translate(s.ctx, s.ruri);
    assert.equal(found?.[0].forwarded, true);
    assert.equal(found?.[0].requestUri, CAROL);
    assert.deepEqual(found?.[0].headers, [['CC-Diversion', DIVERSION('unconditional')]]);
  });

  test('nothing when CallForwardUnconditional is Off, the subscriber has no CFU, or the request is not a new call', async () => {
    const off = setup({ recursive: true, bob: { cfu: CAROL }, extra: ['CallForwardUnconditional Off'] });
    assert.equal(await off.cf.unconditional.translate(off.ctx, off.ruri), undefined);
    const none = setup({ recursive: true });
    assert.equal(await none.cf.unconditional.translate(none.ctx, none.ruri), undefined);
    const s = setup({ recursive: true, bob: { cfu: CAROL } });
    const reinvite = request(['INVITE sip:bob@company.com SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKr', 'From: <sip:alice@company.com>;tag=a', 'To: <sip:bob@company.com>;tag=b', 'Call-ID: x', 'CSeq: 2 INVITE']);
    assert.equal(await s.cf.unconditional.translate(contextFor(reinvite, s.config), s.ruri), undefined);
  });

  test('a call forwarded unconditionally is not forwarded again by the subscriber\'s busy or no-answer settings', async () => {
    const s = setup({ recursive: true, bob: { cfu: CAROL, cfb: 'sip:dave@10.0.0.4', cfna: 'sip:dave@10.0.0.4' } });
    const found = await s.cf.unconditional.translate(s.ctx, s.ruri);
    const f = fork(s.req, s.ctx, [...found!], [s.cf.hooks]);
    f.fork.start();
    await settle();
    f.sent[0].events.onResponse(reply(f.sent[0], 486));
    await settle();
    assert.equal(f.sent.length, 1);
    assert.deepEqual(f.upstream.map((r) => r.status), [486], 'Carol\'s busy goes back to Alice');
  });

  test('an unreachable subscriber store means no forwarding, and says so in the log', async () => {
    const s = setup({ recursive: true, bob: { cfu: CAROL } });
    s.store.down = true;
    assert.equal(await s.cf.unconditional.translate(s.ctx, s.ruri), undefined);
    assert.match(s.logged.join('\n'), /call forwarding for bob skipped: subscriber store: MySQL server .* not answering/);
  });

  test('a malformed destination in the record is logged and not used', async () => {
    const s = setup({ recursive: true, bob: { cfu: 'not a url' } });
    assert.equal(await s.cf.unconditional.translate(s.ctx, s.ruri), undefined);
    assert.match(s.logged.join('\n'), /unconditional forwarding destination "not a url" is not a valid SIP URL/);
  });

  test('the record is fetched once per request and looked up by the expanded user', async () => {
    const s = setup({ recursive: true, bob: { cfu: CAROL } });
    s.ctx.expandedUser = 'bob';
    const req2 = request(['INVITE sip:5100@company.com SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKe', 'From: <sip:alice@company.com>;tag=a', 'To: <sip:5100@company.com>', 'Call-ID: y', 'CSeq: 1 INVITE']);
    const ctx2 = { ...contextFor(req2, s.config), expandedUser: 'bob' };
    const u = parseUri(req2.uri);
    assert.ok(u.ok);
    assert.equal((await s.cf.unconditional.translate(ctx2, u.uri))?.[0].requestUri, CAROL);
    await s.cf.hooks.noContacts(ctx2, u.uri);
    assert.equal(s.store.lookups, 1);
  });
});

describe('call forward busy', () => {
  test('E-6 call forward on busy via recursive proxy: the 486 stays here and the call goes on to Carol', async () => {
    const s = setup({ recursive: true, bob: { cfb: CAROL } });
    const f = await callBob(s);
    f.sent[0].events.onResponse(reply(f.sent[0], 486));
    await settle();
    assert.equal(f.upstream.length, 0, 'the 486 is not passed upstream');
    assert.equal(f.answers.length, 0);
    assert.equal(f.sent.length, 2);
    assert.equal(f.sent[1].copy.uri, CAROL);
    assert.equal(f.sent[1].copy.headers.get('CC-Diversion'), DIVERSION('user-busy'));
    f.sent[1].events.onResponse(reply(f.sent[1], 180));
    f.sent[1].events.onResponse(reply(f.sent[1], 200));
    assert.deepEqual(f.upstream.map((r) => r.status), [180, 200]);
  });

  test('E-7 call forward on busy via nonrecursive proxy: 302 with Contact Carol and CC-Diversion', async () => {
    const s = setup({ recursive: false, bob: { cfb: CAROL } });
    const f = await callBob(s);
    f.sent[0].events.onResponse(reply(f.sent[0], 486));
    await settle();
    assert.equal(f.upstream.length, 0);
    assert.deepEqual(f.answers, [{ status: 302, headers: [['Contact', `<${CAROL}>`], ['CC-Diversion', DIVERSION('user-busy')]] }]);
  });

  test('a subscriber without a busy destination gets the 486 passed on', async () => {
    const s = setup({ recursive: true, bob: { cfna: CAROL } });
    const f = await callBob(s);
    f.sent[0].events.onResponse(reply(f.sent[0], 486));
    await settle();
    assert.deepEqual(f.upstream.map((r) => r.status), [486]);
    assert.equal(f.sent.length, 1);
  });

  test('a busy forwarding destination is not forwarded again by the same request', async () => {
    const s = setup({ recursive: true, bob: { cfb: CAROL } });
    const f = await callBob(s);
    f.sent[0].events.onResponse(reply(f.sent[0], 486));
    await settle();
    f.sent[1].events.onResponse(reply(f.sent[1], 486));
    await settle();
    assert.equal(f.sent.length, 2);
    assert.deepEqual(f.upstream.map((r) => r.status), [486]);
  });
});

describe('call forward no answer and unavailable (timers)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  test('E-8 call forward no answer via recursive proxy: after CallForwardNoAnswerTimer of ringing, Bob is cancelled and Carol called', async () => {
    const s = setup({ recursive: true, bob: { cfna: CAROL }, extra: ['CallForwardNoAnswerTimer 5000'] });
    const f = await callBob(s);
    mock.timers.tick(3000);
    f.sent[0].events.onResponse(reply(f.sent[0], 180));
    mock.timers.tick(4999);
    assert.equal(f.sent.length, 1, 'the wait runs from the first ring, not from the INVITE');
    mock.timers.tick(1);
    await settle();
    assert.equal(f.sent[0].cancelled, true);
    assert.equal(f.sent.length, 2);
    assert.equal(f.sent[1].copy.uri, CAROL);
    assert.equal(f.sent[1].copy.headers.get('CC-Diversion'), DIVERSION('no-answer'));
  });

  test('E-9 call forward no answer via nonrecursive proxy: 302 with Contact Carol after the timer', async () => {
    const s = setup({ recursive: false, bob: { cfna: CAROL } });
    const f = await callBob(s);
    f.sent[0].events.onResponse(reply(f.sent[0], 180));
    mock.timers.tick(24000);
    await settle();
    assert.equal(f.sent[0].cancelled, true);
    assert.deepEqual(f.answers, [{ status: 302, headers: [['Contact', `<${CAROL}>`], ['CC-Diversion', DIVERSION('no-answer')]] }]);
    assert.deepEqual(f.upstream.map((r) => r.status), [180]);
  });

  test('an answered call is not forwarded: the timers are cleared when the fork ends', async () => {
    const s = setup({ recursive: true, bob: { cfna: CAROL, cfunv: CAROL } });
    const f = await callBob(s);
    f.sent[0].events.onResponse(reply(f.sent[0], 180));
    f.sent[0].events.onResponse(reply(f.sent[0], 200));
    mock.timers.tick(60000);
    await settle();
    assert.equal(f.sent.length, 1);
    assert.equal(f.answers.length, 0);
  });

  test('E-10 call forward unavailable via recursive proxy: no response within CallForwardUnavailableTimer, Carol is called', async () => {
    const s = setup({ recursive: true, bob: { cfunv: CAROL } });
    const f = await callBob(s);
    mock.timers.tick(23999);
    assert.equal(f.sent.length, 1);
    mock.timers.tick(1);
    await settle();
    assert.equal(f.sent[0].cancelled, true);
    assert.equal(f.sent[1].copy.uri, CAROL);
    assert.equal(f.sent[1].copy.headers.get('CC-Diversion'), DIVERSION('unavailable'));
  });

  test('E-11 call forward unavailable via nonrecursive proxy: 302 with Contact Carol', async () => {
    const s = setup({ recursive: false, bob: { cfunv: CAROL } });
    const f = await callBob(s);
    mock.timers.tick(24000);
    await settle();
    assert.deepEqual(f.answers, [{ status: 302, headers: [['Contact', `<${CAROL}>`], ['CC-Diversion', DIVERSION('unavailable')]] }]);
  });

  test('a phone that answered 100 Trying is alive: not forwarded as unavailable', async () => {
    const s = setup({ recursive: true, bob: { cfunv: CAROL } });
    const f = await callBob(s);
    f.sent[0].events.onResponse(reply(f.sent[0], 100));
    mock.timers.tick(30000);
    await settle();
    assert.equal(f.sent.length, 1);
  });

  test('a branch that timed out with no response at all is forwarded as unavailable', async () => {
    const s = setup({ recursive: true, bob: { cfunv: CAROL }, extra: ['CallForwardUnavailableTimer 600000'] });
    const f = await callBob(s);
    f.sent[0].events.onTimeout('no-response');
    await settle();
    assert.equal(f.sent.length, 2);
    assert.equal(f.sent[1].copy.headers.get('CC-Diversion'), DIVERSION('unavailable'));
  });

  test('a subscriber with no registration is forwarded as unavailable (noContacts)', async () => {
    const s = setup({ recursive: true, bob: { cfunv: CAROL } });
    const t = await s.cf.hooks.noContacts(s.ctx, s.ruri);
    assert.equal(t?.[0].requestUri, CAROL);
    assert.equal(t?.[0].forwarded, true);
    assert.deepEqual(t?.[0].headers, [['CC-Diversion', DIVERSION('unavailable')]]);
    const off = setup({ recursive: true, bob: { cfunv: CAROL }, extra: ['CallForwardUnavailable Off'] });
    assert.equal(await off.cf.hooks.noContacts(off.ctx, off.ruri), undefined);
  });
});
