// Call forwarding through sipd with real SIP peers (guide Appendix E, figures E-4 to
// E-11): Alice (sipp UAC) calls Bob, whose subscriber record forwards to Carol (sipp
// UAS). A recursive sipd takes the call to Carol itself; a non-recursive one answers
// Alice 302 with Carol as Contact. Either way the CC-Diversion header (the figures'
// DiversionHeaderName) names Bob's Request-URI and the reason, checked on the wire.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedSubscriberStore } from '../../src/stores/embedded/subscriber-store.js';
import type { Subscriber } from '../../src/stores/subscriber-store.js';
import { FIXTURES, sleep } from '../helpers/index.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult } from '../helpers/sip-peers.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';

const S = (name: string) => path.join(FIXTURES, 'sipp', `${name}.xml`);

type Proxy = TestProxy & { readonly subscribers: EmbeddedSubscriberStore };

async function startSipd(recursive: boolean): Promise<Proxy> {
  const p = await startTestSipd([
    'Cisco_Registry On',
    'SipT1InMs 100',
    'SipT3InMs 4000',
    `Recursive ${recursive ? 'On' : 'Off'}`,
    'CallForwardUnconditional On',
    'CallForwardBusy On',
    'CallForwardNoAnswer On',
    'CallForwardUnavailable On',
    'CallForwardNoAnswerTimer 1000',
    'CallForwardUnavailableTimer 1000',
    'AddDiversionHeader On',
    'DiversionHeaderName CC-Diversion',
  ], { keepStore: true });
  return { ...p, subscribers: p.subscribers! };
}

const stopSipd = stopTestSipd;

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

/** Bob's record, with one forwarding destination set. */
async function addBob(p: Proxy, user: string, fields: Partial<Subscriber>): Promise<void> {
  await p.subscribers.add({ user, domain: '', secret: undefined, firstName: 'Bob', middleName: '', lastName: user, cfu: '', cfb: '', cfna: '', cfunv: '', redirectDnPrivacy: false, ...fields });
  await sleep(300); // sipd's reader looks at the files at most every 100 ms
}

async function register(p: Proxy, user: string, peer: SippPeer): Promise<void> {
  ok(await runUac({ scenario: S('register'), target: { port: p.port }, keys: { user, domain: `127.0.0.1:${p.port}`, contact: `sip:${user}@${peer.address}`, expires: 300 } }), 'REGISTER');
}

const ruri = (p: Proxy, user: string) => `sip:${user}@127.0.0.1:${p.port}`;
const call = (p: Proxy, user: string, scenario: string, keys: Record<string, string> = {}) => runUac({ scenario: S(scenario), target: { port: p.port }, keys: { ruri: ruri(p, user), ...keys } });

/** The CC-Diversion a message trace holds, with what it must say. */
function assertDiversion(trace: string, p: Proxy, user: string, reason: string, where: string): void {
  const value = `<${ruri(p, user)}>;reason="${reason}";counter=1`;
  // Header names are case-insensitive (RFC 3261 §7.3.1): our writer may spell it Cc-Diversion.
  const found = trace.split(/\r?\n/).some((l) => /^cc-diversion:/i.test(l) && l.slice(l.indexOf(':') + 1).trim() === value);
  assert.ok(found, `${where} must carry "CC-Diversion: ${value}":\n${trace}`);
}

/** The start line and headers of the message starting at `at` in a sipp trace. */
function headAt(trace: string, at: number): string {
  const end = /\r?\n\r?\n/.exec(trace.slice(at));
  return trace.slice(at, end ? at + end.index : undefined);
}

/** The INVITE Carol received: the last INVITE in her trace. */
function inviteIn(trace: string): string {
  const i = trace.lastIndexOf('INVITE sip:');
  assert.ok(i >= 0, `no INVITE received:\n${trace}`);
  return headAt(trace, i);
}

describe('call forwarding via a recursive proxy', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(true)));
  after(() => stopSipd(p));

  test('E-4 call forward unconditionally via recursive proxy', async () => {
    const carol = await startUas({ scenario: S('uas-answer') });
    try {
      await addBob(p, 'bob4', { cfu: `sip:carol@${carol.address}` });
      ok(await call(p, 'bob4', 'uac-call'), 'Alice reaches Carol');
      const c = await carol.done;
      ok(c, 'Carol answered');
      assert.match(inviteIn(c.messages), new RegExp(`^INVITE sip:carol@${carol.address.replace(/\./g, '\\.')} SIP/2\\.0`));
      assertDiversion(inviteIn(c.messages), p, 'bob4', 'unconditional', "Carol's INVITE");
    } finally {
      await carol.stop();
    }
  });

  test('E-6 call forward on busy via recursive proxy', async () => {
    const bob = await startUas({ scenario: S('uas-busy') });
    const carol = await startUas({ scenario: S('uas-answer') });
    try {
      await addBob(p, 'bob6', { cfb: `sip:carol@${carol.address}` });
      await register(p, 'bob6', bob);
      ok(await call(p, 'bob6', 'uac-call'), 'Alice reaches Carol');
      ok(await bob.done, 'Bob was busy and got his ACK');
      const c = await carol.done;
      ok(c, 'Carol answered');
      assertDiversion(inviteIn(c.messages), p, 'bob6', 'user-busy', "Carol's INVITE");
    } finally {
      await bob.stop();
      await carol.stop();
    }
  });

  test('E-8 call forward no answer via recursive proxy', async () => {
    const bob = await startUas({ scenario: S('uas-noanswer') });
    const carol = await startUas({ scenario: S('uas-answer') });
    try {
      await addBob(p, 'bob8', { cfna: `sip:carol@${carol.address}` });
      await register(p, 'bob8', bob);
      ok(await call(p, 'bob8', 'uac-call-forwarded'), 'Alice reaches Carol');
      ok(await bob.done, 'Bob rang and was cancelled when the no-answer timer ran out');
      const c = await carol.done;
      ok(c, 'Carol answered');
      assertDiversion(inviteIn(c.messages), p, 'bob8', 'no-answer', "Carol's INVITE");
    } finally {
      await bob.stop();
      await carol.stop();
    }
  });

  test('E-10 call forward unavailable via recursive proxy', async () => {
    const bob = await startUas({ scenario: S('uas-silent'), pauseMs: 6000 });
    const carol = await startUas({ scenario: S('uas-answer') });
    try {
      await addBob(p, 'bob10', { cfunv: `sip:carol@${carol.address}` });
      await register(p, 'bob10', bob);
      ok(await call(p, 'bob10', 'uac-call'), 'Alice reaches Carol');
      const c = await carol.done;
      ok(c, 'Carol answered');
      assertDiversion(inviteIn(c.messages), p, 'bob10', 'unavailable', "Carol's INVITE");
      const b = await bob.stop();
      assert.match(b.messages, /INVITE sip:bob10@/, 'Bob was tried first');
    } finally {
      await bob.stop();
      await carol.stop();
    }
  });

  test('a subscriber with no registration is forwarded as unavailable at once', async () => {
    const carol = await startUas({ scenario: S('uas-answer') });
    try {
      await addBob(p, 'bob10b', { cfunv: `sip:carol@${carol.address}` });
      ok(await call(p, 'bob10b', 'uac-call'), 'Alice reaches Carol');
      const c = await carol.done;
      ok(c, 'Carol answered');
      assertDiversion(inviteIn(c.messages), p, 'bob10b', 'unavailable', "Carol's INVITE");
    } finally {
      await carol.stop();
    }
  });
});

describe('call forwarding via a nonrecursive proxy', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(false)));
  after(() => stopSipd(p));

  /** Alice's 302: Contact Carol and the diversion header. */
  function assertRedirect(r: SippPeerResult, carol: string, user: string, reason: string): void {
    ok(r, 'Alice got 302');
    const at = r.messages.indexOf('SIP/2.0 302');
    assert.ok(at >= 0, describePeer(r));
    const res = headAt(r.messages, at);
    assert.ok(res.includes(`Contact: <${carol}>`), `the 302 names Carol:\n${res}`);
    assertDiversion(res, p, user, reason, 'the 302');
  }

  test('E-5 call forward unconditionally via nonrecursive proxy', async () => {
    const carol = 'sip:carol@192.0.2.33:5060';
    await addBob(p, 'bob5', { cfu: carol });
    assertRedirect(await call(p, 'bob5', 'uac-forwarded'), carol, 'bob5', 'unconditional');
  });

  test('E-7 call forward on busy via nonrecursive proxy', async () => {
    const bob = await startUas({ scenario: S('uas-busy') });
    try {
      const carol = 'sip:carol@192.0.2.33:5060';
      await addBob(p, 'bob7', { cfb: carol });
      await register(p, 'bob7', bob);
      assertRedirect(await call(p, 'bob7', 'uac-forwarded'), carol, 'bob7', 'user-busy');
      ok(await bob.done, 'Bob was busy and got his ACK');
    } finally {
      await bob.stop();
    }
  });

  test('E-9 call forward no answer via nonrecursive proxy', async () => {
    const bob = await startUas({ scenario: S('uas-noanswer') });
    try {
      const carol = 'sip:carol@192.0.2.33:5060';
      await addBob(p, 'bob9', { cfna: carol });
      await register(p, 'bob9', bob);
      assertRedirect(await call(p, 'bob9', 'uac-forwarded'), carol, 'bob9', 'no-answer');
      ok(await bob.done, 'Bob rang and was cancelled');
    } finally {
      await bob.stop();
    }
  });

  test('E-11 call forward unavailable via nonrecursive proxy', async () => {
    const bob = await startUas({ scenario: S('uas-silent'), pauseMs: 4000 });
    try {
      const carol = 'sip:carol@192.0.2.33:5060';
      await addBob(p, 'bob11', { cfunv: carol });
      await register(p, 'bob11', bob);
      assertRedirect(await call(p, 'bob11', 'uac-forwarded'), carol, 'bob11', 'unavailable');
    } finally {
      await bob.stop();
    }
  });
});
