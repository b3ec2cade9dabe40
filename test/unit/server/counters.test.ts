// SipCounters, the RFC 4780 figures of sipd: what each counting call adds, the bounds on
// its maps, the response listener, and the flat names stats_log and the control socket show.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildResponse } from '../../../src/sip/message.js';
import type { SipResponse } from '../../../src/sip/message.js';
import { MAX_AUTH_FAILURE_AORS, MAX_METHOD_NAMES, SipCounters } from '../../../src/server/counters.js';
import { request } from '../transaction/fixtures.js';

const invite = request();
const res = (status: number): SipResponse => buildResponse(invite, status);

describe('SipCounters (RFC 4780)', () => {
  test('requests sent: the summary counts every transmission, the method row only first ones, the retry row only retransmissions', () => {
    const c = new SipCounters();
    c.requestSent('INVITE', false);
    c.requestSent('INVITE', false); // a second fork
    c.requestSent('INVITE', true);
    c.requestSent('ACK', false);
    c.requestSent('ACK', true);
    assert.equal(c.outRequests, 5);
    assert.deepEqual([...c.methodOut], [['INVITE', 2], ['ACK', 1]]);
    assert.deepEqual(c.retries.get('INVITE'), { requests: 1, finalResponses: 0, nonFinalResponses: 0 });
    assert.deepEqual(c.retries.get('ACK'), { requests: 1, finalResponses: 0, nonFinalResponses: 0 });
  });

  test('responses sent: retransmissions go to the final or non-final retry column of their method, and are not told to the listener', () => {
    const c = new SipCounters();
    const told: string[] = [];
    c.onResponse = (dir, method, status) => told.push(`${dir} ${method} ${status}`);
    c.responseSent(res(180), 'INVITE', false);
    c.responseSent(res(180), 'INVITE', true);
    c.responseSent(res(486), 'INVITE', false);
    c.responseSent(res(486), 'INVITE', true);
    c.responseSent(res(486), 'INVITE', true);
    c.responseSent(res(200), 'BYE', false);
    assert.equal(c.outResponses, 6);
    assert.deepEqual(c.retries.get('INVITE'), { requests: 0, finalResponses: 2, nonFinalResponses: 1 });
    assert.equal(c.retries.has('BYE'), false);
    assert.deepEqual(told, ['out INVITE 180', 'out INVITE 486', 'out BYE 200']);
  });

  test('requests and responses received: the summary is counted at the socket, the method row without retransmissions', () => {
    const c = new SipCounters();
    const told: string[] = [];
    c.onResponse = (dir, method, status) => told.push(`${dir} ${method} ${status}`);
    for (let i = 0; i < 3; i++) c.countRequest('INVITE');
    c.requestReceived('INVITE', false);
    c.requestReceived('INVITE', true);
    c.requestReceived('INVITE', true);
    c.countRequest('FOO', true); // a malformed request sipd answers itself
    c.countReceived(404);
    c.countReceived(404);
    c.responseReceived(res(404), 'INVITE', false);
    c.responseReceived(res(404), 'INVITE', true);
    assert.equal(c.inRequests, 4);
    assert.deepEqual([...c.methodIn], [['INVITE', 1], ['FOO', 1]]);
    assert.equal(c.inResponses, 2);
    assert.equal(c.responsesReceived['4xx'], 2);
    assert.deepEqual(told, ['in INVITE 404']);
  });

  test('a throwing listener is counted, never thrown into the message path', () => {
    const c = new SipCounters();
    c.onResponse = () => {
      throw new Error('listener bug');
    };
    assert.doesNotThrow(() => c.responseSent(res(200), 'INVITE', false));
    assert.equal(c.listenerErrors, 1);
    assert.equal(c.outResponses, 1);
  });

  test(`at most ${MAX_METHOD_NAMES} method names get rows; requests of further names count in the summary only`, () => {
    const c = new SipCounters();
    for (let i = 0; i < MAX_METHOD_NAMES + 10; i++) {
      c.countRequest(`M${i}`);
      c.requestReceived(`M${i}`, false);
      c.requestSent(`M${i}`, false);
      c.requestSent(`M${i}`, true);
    }
    assert.equal(c.methodIn.size, MAX_METHOD_NAMES);
    assert.equal(c.methodOut.size, MAX_METHOD_NAMES);
    assert.equal(c.retries.size, MAX_METHOD_NAMES);
    assert.equal(c.inRequests, MAX_METHOD_NAMES + 10);
    assert.equal(c.outRequests, 2 * (MAX_METHOD_NAMES + 10));
    assert.equal(c.methodIn.has(`M${MAX_METHOD_NAMES}`), false);
    // Names that already have a row keep counting.
    c.requestReceived('M0', false);
    assert.equal(c.methodIn.get('M0'), 2);
  });

  test('registrations, refusals and discards each count in their own figure', () => {
    const c = new SipCounters();
    c.registration(true);
    c.registration(true);
    c.registration(false);
    c.unsupportedUri();
    c.unsupportedMethod();
    c.proxyRequireFailure();
    c.discarded();
    c.discarded();
    c.transactionStarted();
    assert.deepEqual(
      [c.regAccepted, c.regRejected, c.unsupportedUris, c.unsupportedMethods, c.proxyReqFailures, c.otherwiseDiscarded, c.totalTransactions],
      [2, 1, 1, 1, 1, 2, 1],
    );
  });

  test(`failed authentications are kept for at most ${MAX_AUTH_FAILURE_AORS} AORs; the one that failed longest ago goes first`, () => {
    const c = new SipCounters();
    for (let i = 0; i < MAX_AUTH_FAILURE_AORS; i++) c.authFailure(`u${i}@example.com`);
    c.authFailure('u0@example.com'); // u0 failed again: now the most recent
    c.authFailure('new@example.com'); // pushes out u1, the oldest
    assert.equal(c.authFailures.size, MAX_AUTH_FAILURE_AORS);
    assert.equal(c.authFailures.get('u0@example.com'), 2);
    assert.equal(c.authFailures.has('u1@example.com'), false);
    assert.equal(c.authFailures.get('new@example.com'), 1);
  });

  test('snapshot() shows every figure under a flat name, with the gauges and the older figures', () => {
    const c = new SipCounters();
    c.gauges = () => ({ 'registrations.active': 7 });
    c.countRequest('INVITE');
    c.requestReceived('INVITE', false);
    c.requestSent('INVITE', false);
    c.requestSent('INVITE', true);
    c.responseSent(res(486), 'INVITE', true);
    c.registration(true);
    c.authFailure('alice@example.com');
    const s = c.snapshot();
    assert.equal(s['requests.INVITE'], 1);
    assert.equal(s['rfc4780.inRequests'], 1);
    assert.equal(s['rfc4780.outRequests'], 2);
    assert.equal(s['rfc4780.outResponses'], 1);
    assert.equal(s['rfc4780.regAccepted'], 1);
    assert.equal(s['rfc4780.regRejected'], 0);
    assert.equal(s['methodIn.INVITE'], 1);
    assert.equal(s['methodOut.INVITE'], 1);
    assert.equal(s['retries.INVITE.requests'], 1);
    assert.equal(s['retries.INVITE.finalResponses'], 1);
    assert.equal(s['retries.INVITE.nonFinalResponses'], 0);
    assert.equal(s['authFailures.alice@example.com'], 1);
    assert.equal(s['registrations.active'], 7);
    for (const name of ['totalTransactions', 'unsupportedUris', 'unsupportedMethods', 'otherwiseDiscarded', 'proxyReqFailures', 'inResponses']) {
      assert.equal(s[`rfc4780.${name}`], 0, name);
    }
  });
});
