// What the transaction layer reports to the RFC 4780 counters (TrafficCounts), checked
// on SipCounters with mocked time: retransmissions it sends and absorbs, transactions
// it creates, and which responses reach the listener.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { buildResponse } from '../../../src/sip/message.js';
import type { ServerTxn } from '../../../src/transaction/types.js';
import { TransactionLayer } from '../../../src/transaction/layer.js';
import { SipCounters } from '../../../src/server/counters.js';
import { advance, answer, DEFAULT_TIMERS, DOWN, FakeTransport, FROM_UDP, OUR_VIA, recorder, recordingReply, request, UDP_DEST } from './fixtures.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
afterEach(() => mock.timers.reset());

function counted(): { layer: TransactionLayer; transport: FakeTransport; c: SipCounters; told: string[] } {
  const transport = new FakeTransport();
  const c = new SipCounters();
  const told: string[] = [];
  c.onResponse = (dir, method, status) => told.push(`${dir} ${method} ${status}`);
  const layer = new TransactionLayer(transport, DEFAULT_TIMERS, () => undefined, undefined, c);
  return { layer, transport, c, told };
}

describe('transaction layer counts (RFC 4780)', () => {
  test('client INVITE unanswered: Timer A retransmissions are retries, every copy is an outbound request, one INVITE by method', () => {
    const { layer, transport, c } = counted();
    layer.sendRequest(request(), UDP_DEST, OUR_VIA, recorder());
    advance(3600); // sends at 0, 500, 1500, 3500
    const sent = transport.requests('INVITE').length;
    assert.equal(sent, 4);
    assert.equal(c.outRequests, sent);
    assert.equal(c.methodOut.get('INVITE'), 1);
    assert.equal(c.retries.get('INVITE')?.requests, sent - 1);
    assert.equal(c.totalTransactions, 1);
  });

  test('client INVITE answered 486 twice: the ACK is sent, then sent again as a retry; the second 486 is a retransmission not told', () => {
    const { layer, transport, c, told } = counted();
    layer.sendRequest(request(), UDP_DEST, OUR_VIA, recorder());
    const sentInvite = transport.requests('INVITE')[0].data;
    const busy = answer(sentInvite, 486);
    assert.equal(layer.receiveResponse(busy, DOWN), true);
    assert.equal(layer.receiveResponse(busy, DOWN), true);
    assert.equal(transport.requests('ACK').length, 2);
    assert.equal(c.methodOut.get('ACK'), 1);
    assert.equal(c.retries.get('ACK')?.requests, 1);
    assert.equal(c.outRequests, 3);
    assert.deepEqual(told, ['in INVITE 486']);
    assert.equal(c.totalTransactions, 1, 'the ACK of a non-2xx is part of the INVITE transaction');
  });

  test('server INVITE: a retransmitted INVITE is received once by method, the 180 sent again is a non-final retry, Timer G finals are final retries', () => {
    const { layer, c, told } = counted();
    const r = recordingReply();
    const got = layer.receiveRequest(request(), FROM_UDP, r.reply);
    assert.equal(got.kind, 'new');
    const txn = (got as { txn: ServerTxn }).txn;
    txn.respond(buildResponse(txn.request, 180, undefined, { toTag: 't' }));
    assert.equal(layer.receiveRequest(request(), FROM_UDP, r.reply).kind, 'retransmission');
    txn.respond(buildResponse(txn.request, 486, undefined, { toTag: 't' }));
    advance(1600); // Timer G at 500 and 1500
    assert.equal(c.methodIn.get('INVITE'), 1);
    assert.equal(r.sent.length, 5);
    assert.equal(c.outResponses, r.sent.length);
    assert.deepEqual(c.retries.get('INVITE'), { requests: 0, finalResponses: 2, nonFinalResponses: 1 });
    assert.deepEqual(told, ['out INVITE 180', 'out INVITE 486']);
    // The ACK: the first is new, a repeat is a retransmission.
    const ack = request({ method: 'ACK', toTag: 't' });
    layer.receiveRequest(ack, FROM_UDP, r.reply);
    layer.receiveRequest(ack, FROM_UDP, r.reply);
    assert.equal(c.methodIn.get('ACK'), 1);
    assert.equal(c.totalTransactions, 1);
  });

  test('a CANCEL the layer answers is a transaction of its own, and its 200 is told', () => {
    const { layer, c, told } = counted();
    const r = recordingReply();
    layer.receiveRequest(request(), FROM_UDP, r.reply);
    assert.equal(layer.receiveRequest(request({ method: 'CANCEL' }), FROM_UDP, r.reply).kind, 'cancel-answered');
    assert.equal(c.totalTransactions, 2);
    assert.equal(c.methodIn.get('CANCEL'), 1);
    assert.deepEqual(told, ['out CANCEL 200']);
  });
});
