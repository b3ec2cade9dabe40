// Branch values (unique for stateful use, deterministic for stateless use, RFC 3261
// §16.11) and the timer directives as the layer reads them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/server/config.js';
import { MAGIC_COOKIE, newBranch, statelessBranch } from '../../../src/transaction/branch.js';
import { provisionalWait, timersFrom } from '../../../src/transaction/timers.js';
import { DEFAULT_TIMERS, request } from './fixtures.js';

test('100,000 fresh branches: all distinct, magic cookie, ≥ 96 random bits of token characters', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100_000; i++) {
    const b = newBranch();
    assert.ok(b.startsWith(MAGIC_COOKIE));
    seen.add(b);
  }
  assert.equal(seen.size, 100_000);
  for (const b of [...seen].slice(0, 1000)) assert.match(b, /^z9hG4bK[A-Za-z0-9_-]{16}$/); // 16 base64 characters = 96 bits
});

test('statelessBranch is the same for retransmissions and for the CANCEL of an INVITE, different for another request', () => {
  const inv = request();
  const b = statelessBranch(inv);
  assert.match(b, /^z9hG4bK[A-Za-z0-9_-]{22}$/);
  assert.equal(statelessBranch(request()), b);
  assert.equal(statelessBranch(request({ method: 'CANCEL' })), b, 'the CANCEL must follow the INVITE downstream');
  assert.notEqual(statelessBranch(request({ branch: 'z9hG4bKclient2' })), b);
  assert.notEqual(statelessBranch(request({ via: 'SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bKclient1' })), b, 'sent-by counts');
  assert.notEqual(statelessBranch(inv, 'sip:bob@10.0.0.5'), b, 'what differs downstream is hashed in');
  assert.equal(statelessBranch(inv, 'sip:bob@10.0.0.5'), statelessBranch(request(), 'sip:bob@10.0.0.5'));
});

test('statelessBranch for RFC 2543 requests hashes To tag, From tag, Call-ID, CSeq number, Request-URI and top Via', () => {
  const via = 'SIP/2.0/UDP 192.0.2.20:5060';
  const b = statelessBranch(request({ via }));
  assert.equal(statelessBranch(request({ via })), b);
  assert.equal(statelessBranch(request({ via, method: 'CANCEL' })), b, 'CSeq number, not method');
  for (const other of [
    request({ via, toTag: 't' }),
    request({ via, callId: 'other' }),
    request({ via, cseq: 2 }),
    request({ via, uri: 'sip:carol@example.com' }),
    request({ via: 'SIP/2.0/UDP 192.0.2.21:5060' }),
  ]) {
    assert.notEqual(statelessBranch(other), b);
  }
});

test('timersFrom reads the seven directives from a loaded sipd.conf', () => {
  const r = parseConfig(
    ['SipT1InMs 300', 'SipT2InMs 2000', 'SipT3InMs 45000', 'SipMaxT3InMs 90000', 'SipT4InMs 16000', 'MaxInviteRetxCount 4', 'MaxNonInviteRetxCount 7', ''].join('\n'),
    '/srv/sip/conf/sipd.conf',
  );
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
  assert.deepEqual(timersFrom(r.config.values), { t1: 300, t2: 2000, t3: 45000, maxT3: 90000, t4: 16000, maxInviteRetx: 4, maxNonInviteRetx: 7 });
  const d = parseConfig('', '/srv/sip/conf/sipd.conf');
  assert.ok(d.ok);
  assert.deepEqual(timersFrom(d.config.values), DEFAULT_TIMERS, 'the defaults are the guide\'s');
});

test('provisionalWait: Expires when given, else SipT3InMs, never above SipMaxT3InMs', () => {
  assert.equal(provisionalWait(DEFAULT_TIMERS, undefined), 60000);
  assert.equal(provisionalWait(DEFAULT_TIMERS, 30), 30000);
  assert.equal(provisionalWait(DEFAULT_TIMERS, 600), 180000);
  assert.equal(provisionalWait({ ...DEFAULT_TIMERS, t3: 300000 }, undefined), 180000);
});
