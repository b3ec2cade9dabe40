// Client transactions (RFC 3261 §17.1) driven on mocked time with the guide's timer
// directives: retransmission schedules, Timers B/F/D/K, the SipT3InMs / Expires /
// SipMaxT3InMs wait, the local ACK, CANCEL, and transport failures.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { parseVias } from '../../../src/sip/via.js';
import { tagOf } from '../../../src/sip/message.js';
import {
  advance,
  answer,
  DEFAULT_TIMERS,
  DOWN,
  makeLayer,
  OUR_VIA,
  parseRequest,
  recorder,
  request,
  settle,
  TCP_DEST,
  UDP_DEST,
} from './fixtures.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
afterEach(() => mock.timers.reset());

const ROUTED = ['Route: <sip:p1.example.net;lr>', 'Route: <sip:p2.example.net;lr>'];

describe('INVITE client transaction', () => {
  test('Timer A doubles from SipT1InMs (0.5, 1, 2, 4, 8, 16 s) for MaxInviteRetxCount sends, then Timer B reports no-response at 64·T1', () => {
    const { layer, transport } = makeLayer();
    const ev = recorder();
    const txn = layer.sendRequest(request(), UDP_DEST, OUR_VIA, ev);
    advance(33000);
    assert.deepEqual(
      transport.sent.map((s) => s.at),
      [0, 500, 1500, 3500, 7500, 15500, 31500],
    );
    // Every retransmission is the very same bytes.
    for (const s of transport.sent) assert.ok(s.data.equals(transport.sent[0].data));
    assert.deepEqual(ev.log.map((e) => [e.at, e.what]), [[32000, 'timeout no-response']]);
    assert.equal(txn.state, 'terminated');
    const st = layer.stats();
    assert.equal(st.clientActive, 0);
    assert.equal(st.retransmissionsSent, 6);
    assert.equal(st.timeouts, 1);
  });

  test('MaxInviteRetxCount caps the retransmissions but Timer B still runs its full course', () => {
    const { layer, transport } = makeLayer({ ...DEFAULT_TIMERS, maxInviteRetx: 2 });
    const ev = recorder();
    layer.sendRequest(request(), UDP_DEST, OUR_VIA, ev);
    advance(31999);
    assert.deepEqual(transport.sent.map((s) => s.at), [0, 500, 1500]);
    assert.equal(ev.log.length, 0);
    assert.equal(layer.stats().clientActive, 1);
    advance(1);
    assert.deepEqual(ev.log.map((e) => [e.at, e.what]), [[32000, 'timeout no-response']]);
    assert.equal(layer.stats().clientActive, 0);
  });

  test('the layer pushes its own Via with a fresh magic-cookie branch (and the proxy\'s suffix) on a copy of the request', () => {
    const { layer, transport } = makeLayer();
    const original = request();
    const txn = layer.sendRequest(original, UDP_DEST, { ...OUR_VIA, params: { rport: null }, branchSuffix: '.lp1' }, recorder());
    const sent = parseRequest(transport.sent[0].data);
    const vias = parseVias(sent.headers.fields('Via'));
    assert.ok(vias.ok);
    assert.equal(vias.vias.length, 2);
    assert.equal(vias.vias[0].host, '203.0.113.1');
    assert.equal(vias.vias[0].port, 5060);
    assert.equal(vias.vias[0].rport, true);
    assert.equal(vias.vias[0].branch, txn.branch);
    assert.match(txn.branch, /^z9hG4bK[A-Za-z0-9_-]{16}\.lp1$/);
    assert.equal(vias.vias[1].branch, 'z9hG4bKclient1');
    assert.equal(original.headers.fields('Via').length, 1, 'the caller\'s request is not modified');
    assert.equal(transport.sent[0].dest, UDP_DEST);
  });

  test('over TCP nothing is retransmitted; Timer B still applies', () => {
    const { layer, transport } = makeLayer();
    const ev = recorder();
    layer.sendRequest(request(), TCP_DEST, { ...OUR_VIA, transport: 'TCP' }, ev);
    advance(32000);
    assert.equal(transport.sent.length, 1);
    assert.deepEqual(ev.log.map((e) => [e.at, e.what]), [[32000, 'timeout no-response']]);
    assert.equal(layer.stats().clientActive, 0);
  });

  test('after a provisional, no final within SipT3InMs: CANCEL is sent and no-final-response reported; the 487 is ACKed, not reported', () => {
    const { layer, transport } = makeLayer();
    const ev = recorder();
    const txn = layer.sendRequest(request({ extra: ROUTED }), UDP_DEST, OUR_VIA, ev);
    const invite = transport.requests('INVITE')[0];
    advance(100);
    assert.equal(layer.receiveResponse(answer(invite.req, 180), DOWN), true);
    assert.equal(txn.state, 'proceeding');
    advance(60000 - 1);
    assert.equal(transport.requests('CANCEL').length, 0);
    // Timer A stopped at the provisional: only the 500 ms retransmission went out before it.
    assert.deepEqual(transport.requests('INVITE').map((r) => r.at), [0]);
    advance(1);
    const cancels = transport.requests('CANCEL');
    assert.equal(cancels.length, 1);
    assert.equal(cancels[0].at, 60100);
    assert.deepEqual(ev.log.map((e) => [e.at, e.what]), [
      [100, 'response 180'],
      [60100, 'timeout no-final-response'],
    ]);

    // RFC 3261 §9.1: the CANCEL copies the INVITE as it was sent.
    const c = cancels[0].req;
    assert.equal(c.uri, invite.req.uri);
    assert.deepEqual(c.headers.fields('Via'), [invite.req.headers.fields('Via')[0]]);
    assert.equal(c.headers.get('Call-ID'), invite.req.headers.get('Call-ID'));
    assert.equal(c.headers.get('From'), invite.req.headers.get('From'));
    assert.equal(c.headers.get('To'), invite.req.headers.get('To'));
    assert.equal(c.headers.get('CSeq'), '1 CANCEL');
    assert.deepEqual(c.headers.fields('Route'), invite.req.headers.fields('Route'));
    assert.equal(c.headers.get('Reason'), undefined);
    assert.equal(cancels[0].data.includes('Contact'), false);

    // The CANCEL's own 200 is swallowed; the INVITE's 487 is ACKed but not reported.
    assert.equal(layer.receiveResponse(answer(c, 200), DOWN), true);
    assert.equal(layer.receiveResponse(answer(invite.req, 487), DOWN), true);
    assert.equal(transport.requests('ACK').length, 1);
    assert.equal(ev.log.length, 2);
    advance(40000);
    assert.equal(layer.stats().clientActive, 0);
    assert.equal(layer.stats().timeouts, 1);
  });

  test('every provisional but 100 restarts the wait (like RFC 3261 Timer C)', () => {
    const { layer, transport } = makeLayer({ ...DEFAULT_TIMERS, t3: 10000 });
    const ev = recorder();
    layer.sendRequest(request(), UDP_DEST, OUR_VIA, ev);
    const inv = transport.requests('INVITE')[0].req;
    layer.receiveResponse(answer(inv, 100), DOWN);
    advance(5000);
    layer.receiveResponse(answer(inv, 100), DOWN); // does not restart
    advance(3000);
    layer.receiveResponse(answer(inv, 180), DOWN); // restarts at 8000
    advance(9999);
    assert.equal(transport.requests('CANCEL').length, 0);
    advance(1);
    assert.deepEqual(transport.requests('CANCEL').map((r) => r.at), [18000]);
    advance(40000);
    assert.equal(layer.stats().clientActive, 0);
  });

  test('the INVITE\'s Expires sets the wait, and SipMaxT3InMs caps it', () => {
    const { layer, transport } = makeLayer({ ...DEFAULT_TIMERS, maxT3: 20000 });
    const short = layer.sendRequest(request({ callId: 'short', extra: ['Expires: 7'] }), UDP_DEST, OUR_VIA, recorder());
    const long = layer.sendRequest(request({ callId: 'long', extra: ['Expires: 600'] }), UDP_DEST, OUR_VIA, recorder());
    for (const inv of transport.requests('INVITE')) layer.receiveResponse(answer(inv.req, 183), DOWN);
    advance(25000);
    // The first CANCEL of each (later ones are the CANCEL transactions' own retransmissions).
    const first = new Map<string, number>();
    for (const r of transport.requests('CANCEL')) if (!first.has(r.req.headers.get('Call-ID')!)) first.set(r.req.headers.get('Call-ID')!, r.at);
    assert.deepEqual([...first], [
      ['short', 7000],
      ['long', 20000],
    ]);
    assert.notEqual(short.branch, long.branch);
  });

  test('a non-2xx final is reported once and ACKed as RFC 3261 §17.1.1.3 says; a retransmitted final gets the ACK again; Timer D ends it', () => {
    const { layer, transport } = makeLayer();
    const ev = recorder();
    const txn = layer.sendRequest(request({ extra: ROUTED }), UDP_DEST, OUR_VIA, ev);
    const inv = transport.requests('INVITE')[0].req;
    advance(200);
    const busy = answer(inv, 486, 'busytag');
    assert.equal(layer.receiveResponse(busy, DOWN), true);
    assert.equal(txn.state, 'completed');
    const acks = transport.requests('ACK');
    assert.equal(acks.length, 1);
    const ack = acks[0].req;
    assert.equal(ack.uri, inv.uri);
    assert.deepEqual(ack.headers.fields('Via'), [inv.headers.fields('Via')[0]], 'only our Via');
    assert.equal(ack.headers.get('Call-ID'), inv.headers.get('Call-ID'));
    assert.equal(ack.headers.get('From'), inv.headers.get('From'));
    assert.equal(tagOf(ack.headers.get('To')), 'busytag', 'To carries the tag of the response');
    assert.equal(ack.headers.get('CSeq'), '1 ACK');
    assert.deepEqual(ack.headers.fields('Route'), ['<sip:p1.example.net;lr>', '<sip:p2.example.net;lr>']);
    assert.equal(ack.body.length, 0);
    assert.equal(acks[0].dest, UDP_DEST);

    advance(1000);
    assert.equal(layer.receiveResponse(busy, DOWN), true);
    assert.equal(transport.requests('ACK').length, 2);
    assert.ok(transport.requests('ACK')[1].data.equals(acks[0].data));
    assert.deepEqual(ev.log.map((e) => e.what), ['response 486']);
    // No more INVITE retransmissions once the final came.
    assert.deepEqual(transport.requests('INVITE').map((r) => r.at), [0]);
    assert.equal(layer.stats().retransmissionsAbsorbed, 1);

    advance(32000 - 1000 - 1);
    assert.equal(txn.state, 'completed');
    advance(1);
    assert.equal(txn.state, 'terminated');
    assert.equal(layer.stats().clientActive, 0);
    assert.equal(layer.receiveResponse(busy, DOWN), false, 'after Timer D the response matches nothing');
  });

  test('over TCP a non-2xx final ends the transaction at once (Timer D is zero)', () => {
    const { layer, transport } = makeLayer();
    const txn = layer.sendRequest(request(), TCP_DEST, { ...OUR_VIA, transport: 'TCP' }, recorder());
    layer.receiveResponse(answer(transport.sent[0].data, 603), DOWN);
    assert.equal(transport.requests('ACK').length, 1);
    assert.equal(txn.state, 'terminated');
    assert.equal(layer.stats().clientActive, 0);
  });

  test('a 2xx is passed up and terminates the transaction at once; its retransmission matches nothing', () => {
    const { layer, transport } = makeLayer();
    const ev = recorder();
    const txn = layer.sendRequest(request(), UDP_DEST, OUR_VIA, ev);
    const inv = transport.requests('INVITE')[0].req;
    layer.receiveResponse(answer(inv, 180), DOWN);
    const ok = answer(inv, 200);
    assert.equal(layer.receiveResponse(ok, DOWN), true);
    assert.equal(txn.state, 'terminated');
    assert.equal(layer.stats().clientActive, 0);
    assert.deepEqual(ev.log.map((e) => e.what), ['response 180', 'response 200']);
    assert.equal(layer.receiveResponse(ok, DOWN), false);
    assert.equal(transport.requests('ACK').length, 0, 'the ACK of a 2xx is not the layer\'s');
  });

  test('a response with an unknown branch, or the right branch but another CSeq method, is not matched', () => {
    const { layer, transport } = makeLayer();
    layer.sendRequest(request(), UDP_DEST, OUR_VIA, recorder());
    const inv = transport.requests('INVITE')[0].req;
    const other = answer(request({ method: 'OPTIONS', via: inv.headers.fields('Via')[0] }), 200);
    assert.equal(layer.receiveResponse(other, DOWN), false);
    assert.equal(layer.receiveResponse(answer(request(), 200), DOWN), false);
  });

  test('a rejected send reports onTransportError once and ends the transaction', async () => {
    const { layer, transport } = makeLayer();
    transport.reject = new Error('connect ECONNREFUSED 198.51.100.7:5060');
    const ev = recorder();
    const txn = layer.sendRequest(request(), TCP_DEST, { ...OUR_VIA, transport: 'TCP' }, ev);
    await settle();
    assert.deepEqual(ev.log.map((e) => e.what), ['transport-error']);
    assert.match(ev.log[0].err!.message, /ECONNREFUSED/);
    assert.equal(txn.state, 'terminated');
    assert.equal(layer.stats().clientActive, 0);
    advance(40000);
    assert.equal(ev.log.length, 1);
  });

  test('a retransmission that fails to send is a transport error too', async () => {
    const { layer, transport } = makeLayer();
    const ev = recorder();
    layer.sendRequest(request({ method: 'OPTIONS' }), UDP_DEST, OUR_VIA, ev);
    transport.reject = new Error('send EHOSTUNREACH');
    advance(500);
    await settle();
    assert.deepEqual(ev.log.map((e) => e.what), ['transport-error']);
    assert.equal(layer.stats().clientActive, 0);
  });
});

describe('cancel() (RFC 3261 §9.1)', () => {
  test('before any provisional the CANCEL waits; the first provisional (even 100) sends it, with the Reason', () => {
    const { layer, transport } = makeLayer();
    const ev = recorder();
    const txn = layer.sendRequest(request(), UDP_DEST, OUR_VIA, ev);
    advance(700);
    txn.cancel('SIP;cause=200;text="Call completed elsewhere"');
    advance(1000);
    assert.equal(transport.requests('CANCEL').length, 0);
    const inv = transport.requests('INVITE')[0].req;
    layer.receiveResponse(answer(inv, 100), DOWN);
    const cancels = transport.requests('CANCEL');
    assert.equal(cancels.length, 1);
    assert.equal(cancels[0].at, 1700);
    assert.equal(cancels[0].req.headers.get('Reason'), 'SIP;cause=200;text="Call completed elsewhere"');
    assert.equal(parseVias(cancels[0].req.headers.fields('Via')).ok && cancels[0].req.headers.first('Via'), inv.headers.first('Via'));
    txn.cancel();
    assert.equal(transport.requests('CANCEL').length, 1, 'one CANCEL only');
    // The CANCEL is its own non-INVITE transaction: retransmitted by Timer E until answered.
    advance(500);
    assert.equal(transport.requests('CANCEL').length, 2);
    layer.receiveResponse(answer(cancels[0].req, 200), DOWN);
    advance(4000);
    assert.equal(transport.requests('CANCEL').length, 2);
    // The 487 to an explicitly cancelled INVITE is the branch's answer: reported, and ACKed.
    layer.receiveResponse(answer(inv, 487), DOWN);
    assert.deepEqual(ev.log.map((e) => e.what), ['response 100', 'response 487']);
    assert.equal(transport.requests('ACK').length, 1);
    advance(40000);
    assert.deepEqual(layer.stats().clientActive, 0);
  });

  test('a CANCEL that was waiting is dropped when a final comes first, or when Timer B fires', () => {
    const { layer, transport } = makeLayer();
    const a = layer.sendRequest(request({ callId: 'a' }), UDP_DEST, OUR_VIA, recorder());
    const evB = recorder();
    const b = layer.sendRequest(request({ callId: 'b' }), UDP_DEST, OUR_VIA, evB);
    a.cancel();
    b.cancel();
    layer.receiveResponse(answer(transport.requests('INVITE')[0].req, 486), DOWN);
    advance(33000);
    assert.equal(transport.requests('CANCEL').length, 0);
    assert.deepEqual(evB.log.map((e) => e.what), ['timeout no-response']);
    a.cancel();
    assert.equal(transport.requests('CANCEL').length, 0, 'no CANCEL after a final');
    assert.equal(layer.stats().clientActive, 0);
  });

  test('when no final follows a CANCEL within 64·T1 the branch is reported as no-final-response', () => {
    const { layer, transport } = makeLayer();
    const ev = recorder();
    const txn = layer.sendRequest(request(), UDP_DEST, OUR_VIA, ev);
    layer.receiveResponse(answer(transport.sent[0].data, 180), DOWN);
    advance(1000);
    txn.cancel();
    advance(32000);
    assert.deepEqual(ev.log.map((e) => [e.at, e.what]), [
      [0, 'response 180'],
      [33000, 'timeout no-final-response'],
    ]);
    assert.equal(layer.stats().clientActive, 0);
  });

  test('cancel() does nothing to a non-INVITE', () => {
    const { layer, transport } = makeLayer();
    const txn = layer.sendRequest(request({ method: 'OPTIONS' }), UDP_DEST, OUR_VIA, recorder());
    layer.receiveResponse(answer(transport.sent[0].data, 100), DOWN);
    txn.cancel();
    assert.equal(transport.requests('CANCEL').length, 0);
  });
});

describe('non-INVITE client transaction', () => {
  test('Timer E doubles up to SipT2InMs, MaxNonInviteRetxCount sends, Timer F at 64·T1', () => {
    const { layer, transport } = makeLayer();
    const ev = recorder();
    layer.sendRequest(request({ method: 'REGISTER', uri: 'sip:example.com' }), UDP_DEST, OUR_VIA, ev);
    advance(33000);
    assert.deepEqual(
      transport.sent.map((s) => s.at),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
    );
    assert.deepEqual(ev.log.map((e) => [e.at, e.what]), [[32000, 'timeout no-response']]);
    assert.equal(layer.stats().clientActive, 0);
    assert.equal(layer.stats().retransmissionsSent, 10);
  });

  test('a smaller MaxNonInviteRetxCount stops sending sooner; Timer F still waits', () => {
    const { layer, transport } = makeLayer({ ...DEFAULT_TIMERS, maxNonInviteRetx: 3 });
    const ev = recorder();
    layer.sendRequest(request({ method: 'OPTIONS' }), UDP_DEST, OUR_VIA, ev);
    advance(33000);
    assert.deepEqual(transport.sent.map((s) => s.at), [0, 500, 1500, 3500]);
    assert.deepEqual(ev.log.map((e) => [e.at, e.what]), [[32000, 'timeout no-response']]);
  });

  test('after a provisional Timer E runs at T2; the final is reported once; Timer K absorbs its retransmissions', () => {
    const { layer, transport } = makeLayer();
    const ev = recorder();
    const txn = layer.sendRequest(request({ method: 'OPTIONS' }), UDP_DEST, OUR_VIA, ev);
    advance(600); // sends at 0 and 500
    layer.receiveResponse(answer(transport.sent[0].data, 100), DOWN);
    assert.equal(txn.state, 'proceeding');
    advance(10000);
    // 1500 was already armed (1 s after 500); from there every T2.
    assert.deepEqual(transport.sent.map((s) => s.at), [0, 500, 1500, 5500, 9500]);
    const ok = answer(transport.sent[0].data, 200);
    layer.receiveResponse(ok, DOWN);
    layer.receiveResponse(ok, DOWN);
    assert.deepEqual(ev.log.map((e) => e.what), ['response 100', 'response 200']);
    assert.equal(txn.state, 'completed');
    advance(32000);
    assert.equal(txn.state, 'terminated');
    assert.equal(transport.sent.length, 5);
    assert.equal(layer.stats().clientActive, 0);
  });

  test('an ACK passed to sendRequest is sent once with a fresh Via and keeps no transaction', () => {
    const { layer, transport } = makeLayer();
    const txn = layer.sendRequest(request({ method: 'ACK', toTag: 'x' }), UDP_DEST, OUR_VIA, recorder());
    advance(40000);
    assert.equal(transport.sent.length, 1);
    assert.equal(txn.state, 'terminated');
    assert.equal(layer.stats().clientActive, 0);
  });
});

test('a callback that throws is logged and does not break the layer', () => {
  const { layer, transport, logs } = makeLayer();
  const txn = layer.sendRequest(request(), UDP_DEST, OUR_VIA, {
    onResponse() {
      throw new Error('boom');
    },
    onTimeout() {},
    onTransportError() {},
  });
  assert.equal(layer.receiveResponse(answer(transport.sent[0].data, 404), DOWN), true);
  assert.equal(txn.state, 'completed');
  assert.equal(transport.requests('ACK').length, 1);
  assert.ok(logs.some((l) => l.startsWith('error:') && l.includes('boom')));
});
