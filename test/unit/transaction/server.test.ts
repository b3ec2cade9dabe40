// Server transactions (RFC 3261 §17.2) and matching (§17.2.3, with the RFC 2543
// fallback), CANCEL (§9.2), on mocked time with the guide's timer directives.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import type { SipRequest } from '../../../src/sip/message.js';
import { buildResponse, tagOf } from '../../../src/sip/message.js';
import type { ServerTxn } from '../../../src/transaction/types.js';
import { advance, answer, DEFAULT_TIMERS, FROM_TCP, FROM_UDP, makeLayer, parseResponse, recordingReply, request } from './fixtures.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
afterEach(() => mock.timers.reset());

function newTxn(r: ReturnType<ReturnType<typeof makeLayer>['layer']['receiveRequest']>): ServerTxn {
  assert.equal(r.kind, 'new');
  return (r as { txn: ServerTxn }).txn;
}

/** The ACK a UA sends for a non-2xx final: same branch as the INVITE, To with the response's tag. */
function ackFor(invite: SipRequest, toTag: string, branch = 'z9hG4bKclient1'): SipRequest {
  return request({ method: 'ACK', toTag, branch, via: invite.headers.first('Via') });
}

describe('INVITE server transaction', () => {
  test('a retransmitted INVITE is absorbed and gets the last provisional again', () => {
    const { layer } = makeLayer();
    const first = recordingReply();
    const txn = newTxn(layer.receiveRequest(request(), FROM_UDP, first.reply));
    assert.equal(txn.respond(buildResponse(txn.request, 100)), true);
    assert.equal(txn.respond(buildResponse(txn.request, 180, undefined, { toTag: 'srv' })), true);
    const again = recordingReply();
    assert.deepEqual(layer.receiveRequest(request(), FROM_UDP, again.reply), { kind: 'retransmission' });
    assert.equal(again.sent.length, 1);
    assert.equal(parseResponse(again.sent[0].data).status, 180);
    assert.ok(again.sent[0].data.equals(first.sent[1].data));
    assert.equal(layer.stats().retransmissionsAbsorbed, 1);
    assert.equal(layer.stats().serverActive, 1);
    assert.equal(txn.finished, false);
  });

  test('a non-2xx final is retransmitted by Timer G (T1 doubling, capped at T2) until the ACK, which is absorbed; Timer I ends it', () => {
    const { layer } = makeLayer();
    const r = recordingReply();
    const txn = newTxn(layer.receiveRequest(request(), FROM_UDP, r.reply));
    assert.equal(txn.respond(buildResponse(txn.request, 486, undefined, { toTag: 'busy' })), true);
    assert.equal(txn.finished, true);
    assert.equal(txn.respond(buildResponse(txn.request, 500)), false, 'a second final is refused');
    advance(12000);
    assert.deepEqual(r.sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 11500]);
    assert.ok(r.sent.every((s) => s.data.equals(r.sent[0].data)));
    assert.deepEqual(layer.receiveRequest(ackFor(txn.request, 'busy'), FROM_UDP, r.reply), { kind: 'ack-absorbed' });
    advance(10000);
    assert.equal(r.sent.length, 6, 'no more retransmissions after the ACK');
    assert.deepEqual(layer.receiveRequest(ackFor(txn.request, 'busy'), FROM_UDP, r.reply), { kind: 'ack-absorbed' }, 'a retransmitted ACK too');
    advance(32000 - 10000 - 1);
    assert.equal(layer.stats().serverActive, 1);
    advance(1);
    assert.equal(layer.stats().serverActive, 0);
    assert.equal(layer.stats().timeouts, 0);
  });

  test('without an ACK, Timer H ends the transaction at 64·T1 and counts a timeout', () => {
    const { layer, logs } = makeLayer();
    const r = recordingReply();
    const txn = newTxn(layer.receiveRequest(request(), FROM_UDP, r.reply));
    txn.respond(buildResponse(txn.request, 404));
    advance(32000);
    assert.deepEqual(r.sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(layer.stats().serverActive, 0);
    assert.equal(layer.stats().timeouts, 1);
    assert.ok(logs.some((l) => l.startsWith('warn:') && l.includes('no ACK')));
    // Now an ACK matches nothing.
    assert.deepEqual(layer.receiveRequest(ackFor(txn.request, 'x'), FROM_UDP, r.reply), { kind: 'stray-ack' });
  });

  test('over TCP a non-2xx final is sent once and the ACK ends the transaction at once', () => {
    const { layer } = makeLayer();
    const r = recordingReply();
    const txn = newTxn(layer.receiveRequest(request({ via: 'SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKtcp1' }), FROM_TCP, r.reply));
    txn.respond(buildResponse(txn.request, 480, undefined, { toTag: 't' }));
    advance(20000);
    assert.equal(r.sent.length, 1);
    assert.deepEqual(layer.receiveRequest(ackFor(txn.request, 't', 'z9hG4bKtcp1'), FROM_TCP, r.reply), { kind: 'ack-absorbed' });
    assert.equal(layer.stats().serverActive, 0);
  });

  test('after a 2xx: the ACK (a new transaction) is stray, INVITE retransmissions are absorbed silently, more 2xx still go out, SipT4InMs ends it', () => {
    const { layer } = makeLayer();
    const r = recordingReply();
    const txn = newTxn(layer.receiveRequest(request(), FROM_UDP, r.reply));
    assert.equal(txn.respond(buildResponse(txn.request, 200, undefined, { toTag: 'fork1' })), true);
    assert.deepEqual(layer.receiveRequest(request({ method: 'ACK', toTag: 'fork1', branch: 'z9hG4bKack2xx' }), FROM_UDP, r.reply), { kind: 'stray-ack' });
    assert.deepEqual(layer.receiveRequest(request(), FROM_UDP, r.reply), { kind: 'retransmission' });
    assert.equal(r.sent.length, 1, 'the 2xx is not resent by the layer (the proxy forwards retransmitted 2xx)');
    assert.equal(txn.respond(buildResponse(txn.request, 200, undefined, { toTag: 'fork2' })), true);
    assert.equal(txn.respond(buildResponse(txn.request, 486)), false);
    assert.equal(r.sent.length, 2);
    advance(60000);
    assert.equal(r.sent.length, 2, 'no Timer G for a 2xx');
    assert.equal(layer.stats().serverActive, 0);
  });

  test('a CANCEL matching the INVITE is answered 200 (with the INVITE\'s To tag) and reported once through onCancel', () => {
    const { layer } = makeLayer();
    const r = recordingReply();
    const txn = newTxn(layer.receiveRequest(request(), FROM_UDP, r.reply));
    txn.respond(buildResponse(txn.request, 180, undefined, { toTag: 'ring' }));
    const seen: SipRequest[] = [];
    txn.onCancel = (c) => seen.push(c);
    const cr = recordingReply();
    const cancel = request({ method: 'CANCEL' });
    const got = layer.receiveRequest(cancel, FROM_UDP, cr.reply);
    assert.equal(got.kind, 'cancel-answered');
    assert.equal((got as { invite: ServerTxn }).invite, txn);
    assert.equal(cr.sent.length, 1);
    const ok = parseResponse(cr.sent[0].data);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('CSeq'), '1 CANCEL');
    assert.equal(tagOf(ok.headers.get('To')), 'ring');
    assert.equal(seen.length, 1);
    assert.equal(seen[0], cancel);
    assert.equal(txn.cancelled, true);
    // A retransmitted CANCEL gets the same 200 and is not reported again.
    assert.deepEqual(layer.receiveRequest(cancel, FROM_UDP, cr.reply), { kind: 'retransmission' });
    assert.equal(cr.sent.length, 2);
    assert.ok(cr.sent[1].data.equals(cr.sent[0].data));
    assert.equal(seen.length, 1);
    // The proxy ends the INVITE with 487; the ACK is absorbed.
    txn.respond(buildResponse(txn.request, 487));
    assert.deepEqual(layer.receiveRequest(ackFor(txn.request, 'ring'), FROM_UDP, r.reply), { kind: 'ack-absorbed' });
    advance(70000);
    assert.equal(layer.stats().serverActive, 0);
  });

  test('a CANCEL after the final response is still answered 200 but not reported', () => {
    const { layer } = makeLayer();
    const txn = newTxn(layer.receiveRequest(request(), FROM_UDP, recordingReply().reply));
    let called = 0;
    txn.onCancel = () => called++;
    txn.respond(buildResponse(txn.request, 603));
    const cr = recordingReply();
    assert.equal(layer.receiveRequest(request({ method: 'CANCEL' }), FROM_UDP, cr.reply).kind, 'cancel-answered');
    assert.equal(parseResponse(cr.sent[0].data).status, 200);
    assert.equal(called, 0);
  });

  test('a CANCEL matching no INVITE is handed to the proxy as new', () => {
    const { layer } = makeLayer();
    newTxn(layer.receiveRequest(request(), FROM_UDP, recordingReply().reply));
    const r = layer.receiveRequest(request({ method: 'CANCEL', branch: 'z9hG4bKother' }), FROM_UDP, recordingReply().reply);
    assert.equal(r.kind, 'new');
  });

  test('an INVITE the core never answers is dropped after the long guard, not kept for ever', () => {
    const timers = { ...DEFAULT_TIMERS, t3: 2000, maxT3: 3000 };
    const { layer, logs } = makeLayer(timers);
    newTxn(layer.receiveRequest(request(), FROM_UDP, recordingReply().reply));
    newTxn(layer.receiveRequest(request({ method: 'OPTIONS', branch: 'z9hG4bKopt' }), FROM_UDP, recordingReply().reply));
    advance(128 * 500);
    assert.equal(layer.stats().serverActive, 1, 'the OPTIONS is given up after 128·T1');
    advance(10 * 3000);
    assert.equal(layer.stats().serverActive, 0);
    assert.equal(logs.filter((l) => l.includes('no final response was given')).length, 2);
  });
});

describe('non-INVITE server transaction', () => {
  test('retransmissions are absorbed: silently while trying, with the last response after; Timer J ends it over UDP', () => {
    const { layer } = makeLayer();
    const r = recordingReply();
    const reg = request({ method: 'REGISTER', uri: 'sip:example.com' });
    const txn = newTxn(layer.receiveRequest(reg, FROM_UDP, r.reply));
    assert.deepEqual(layer.receiveRequest(reg, FROM_UDP, r.reply), { kind: 'retransmission' });
    assert.equal(r.sent.length, 0);
    txn.respond(buildResponse(reg, 200));
    assert.deepEqual(layer.receiveRequest(reg, FROM_UDP, r.reply), { kind: 'retransmission' });
    assert.equal(r.sent.length, 2);
    advance(10000);
    assert.equal(r.sent.length, 2, 'a non-INVITE final is never retransmitted on its own');
    advance(32000 - 10000 - 1);
    assert.equal(layer.stats().serverActive, 1);
    advance(1);
    assert.equal(layer.stats().serverActive, 0);
  });

  test('over TCP the transaction ends with its final response', () => {
    const { layer } = makeLayer();
    const txn = newTxn(layer.receiveRequest(request({ method: 'OPTIONS', via: 'SIP/2.0/TCP 192.0.2.10;branch=z9hG4bKo' }), FROM_TCP, recordingReply().reply));
    txn.respond(buildResponse(txn.request, 200));
    assert.equal(layer.stats().serverActive, 0);
  });
});

describe('matching (RFC 3261 §17.2.3)', () => {
  test('branch, sent-by and method together identify a transaction', () => {
    const { layer } = makeLayer();
    const reply = recordingReply().reply;
    newTxn(layer.receiveRequest(request({ branch: 'z9hG4bKsame' }), FROM_UDP, reply));
    // Same branch from another sent-by, or with another method: other transactions.
    newTxn(layer.receiveRequest(request({ via: 'SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKsame' }), FROM_UDP, reply));
    newTxn(layer.receiveRequest(request({ method: 'OPTIONS', branch: 'z9hG4bKsame' }), FROM_UDP, reply));
    // Host case does not matter; other fields do not matter when the branch is RFC 3261.
    assert.equal(layer.receiveRequest(request({ via: 'SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKsame', callId: 'changed' }), FROM_UDP, reply).kind, 'retransmission');
    assert.equal(layer.stats().serverActive, 3);
  });

  test('RFC 2543 requests (no magic cookie) are matched on Request-URI, tags, Call-ID, CSeq number and top Via', () => {
    const { layer } = makeLayer();
    const r = recordingReply();
    const via = 'SIP/2.0/UDP 192.0.2.20:5060';
    const inv = request({ via, callId: 'old-1' });
    const txn = newTxn(layer.receiveRequest(inv, FROM_UDP, r.reply));
    txn.respond(buildResponse(inv, 180, undefined, { toTag: 'old' }));
    assert.equal(layer.receiveRequest(request({ via, callId: 'old-1' }), FROM_UDP, r.reply).kind, 'retransmission');
    assert.equal(r.sent.length, 2);
    // Another CSeq, Call-ID or Request-URI is another transaction.
    newTxn(layer.receiveRequest(request({ via, callId: 'old-1', cseq: 2 }), FROM_UDP, r.reply));
    newTxn(layer.receiveRequest(request({ via, callId: 'old-2' }), FROM_UDP, r.reply));
    newTxn(layer.receiveRequest(request({ via, callId: 'old-1', uri: 'sip:carol@example.com' }), FROM_UDP, r.reply));
    // A branch without the cookie is part of the top Via, not a transaction id.
    newTxn(layer.receiveRequest(request({ via: `${via};branch=1234`, callId: 'old-1' }), FROM_UDP, r.reply));

    // CANCEL: same fields, To without tag.
    let cancelled = 0;
    txn.onCancel = () => cancelled++;
    assert.equal(layer.receiveRequest(request({ method: 'CANCEL', via, callId: 'old-1' }), FROM_UDP, recordingReply().reply).kind, 'cancel-answered');
    assert.equal(cancelled, 1);

    // The ACK carries the final response's To tag: matched through it.
    txn.respond(buildResponse(inv, 487, undefined, { toTag: 'old' }));
    assert.deepEqual(layer.receiveRequest(request({ method: 'ACK', via, callId: 'old-1', toTag: 'wrong' }), FROM_UDP, r.reply), { kind: 'stray-ack' });
    assert.deepEqual(layer.receiveRequest(request({ method: 'ACK', via, callId: 'old-1', toTag: 'old' }), FROM_UDP, r.reply), { kind: 'ack-absorbed' });
    const before = r.sent.length;
    advance(5000);
    assert.equal(r.sent.length, before, 'Timer G stopped by the ACK');
    advance(70000);
    assert.equal(layer.stats().serverActive, 4, 'only the four INVITEs the core left unanswered remain');
  });
});

describe('no leaks', () => {
  test('a mix of client and server transactions on every path leaves nothing behind once all timers ran', () => {
    const { layer, transport } = makeLayer({ ...DEFAULT_TIMERS, t3: 4000, maxT3: 5000 });
    const reply = recordingReply().reply;
    const dest = { transport: 'UDP' as const, host: '198.51.100.7', port: 5060 };
    const via = { transport: 'UDP' as const, host: '203.0.113.1', port: 5060 };
    const quiet = { onResponse() {}, onTimeout() {}, onTransportError() {} };
    const down = { ...FROM_UDP, remoteAddress: '198.51.100.7' };
    for (let i = 0; i < 20; i++) {
      // Server side: answered 200, 486 (ACKed or not), unanswered, cancelled.
      const s = layer.receiveRequest(request({ callId: `s${i}`, branch: `z9hG4bKs${i}` }), FROM_UDP, reply);
      if (s.kind !== 'new') assert.fail('expected a new transaction');
      if (i % 4 === 0) s.txn.respond(buildResponse(s.txn.request, 200));
      if (i % 4 === 1) s.txn.respond(buildResponse(s.txn.request, 486, undefined, { toTag: 'b' }));
      if (i % 4 === 2) layer.receiveRequest(request({ method: 'CANCEL', callId: `s${i}`, branch: `z9hG4bKs${i}` }), FROM_UDP, reply);
      // Client side: answered, provisional then silence, silence, cancelled.
      const c = layer.sendRequest(request({ callId: `c${i}` }), dest, via, quiet);
      const sent = transport.sent[transport.sent.length - 1].data;
      if (i % 4 === 0) layer.receiveResponse(answer(sent, 404), down);
      if (i % 4 === 1) layer.receiveResponse(answer(sent, 180), down);
      if (i % 4 === 3) {
        layer.receiveResponse(answer(sent, 183), down);
        c.cancel();
      }
      layer.sendRequest(request({ method: 'OPTIONS', callId: `o${i}` }), dest, via, quiet);
    }
    assert.ok(layer.stats().serverActive > 0 && layer.stats().clientActive > 0);
    // The longest path is the unanswered INVITE's guard: 10·SipMaxT3InMs + 128·T1 = 114 s.
    advance(115000);
    const st = layer.stats();
    assert.equal(st.serverActive, 0);
    assert.equal(st.clientActive, 0);
  });

  test('close() stops every timer and empties the layer', () => {
    const { layer, transport } = makeLayer();
    layer.sendRequest(request(), { transport: 'UDP', host: '198.51.100.7', port: 5060 }, { transport: 'UDP', host: '203.0.113.1', port: 5060 }, {
      onResponse() {},
      onTimeout() {
        assert.fail('no timer may fire after close()');
      },
      onTransportError() {},
    });
    layer.receiveRequest(request({ branch: 'z9hG4bKx' }), FROM_UDP, recordingReply().reply);
    layer.close();
    assert.deepEqual([layer.stats().serverActive, layer.stats().clientActive], [0, 0]);
    advance(40000);
    assert.equal(transport.sent.length, 1);
  });
});
