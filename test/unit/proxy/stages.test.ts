// Proxy stages that need no network: the §16.3 checks, loop vs spiral, route
// preprocessing, Via stamping and popping, and the best-response choice.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage } from '../../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { parseVia } from '../../../src/sip/via.js';
import type { SipUri } from '../../../src/sip/uri.js';
import { checkLoop, checkMaxForwards, checkProxyRequire, loopSuffix } from '../../../src/proxy/sanity.js';
import { forwardCopy, popVia, preprocessRoute, responseTarget, stampReceived } from '../../../src/proxy/forward.js';
import { chooseBest } from '../../../src/proxy/best-response.js';
import type { Inbound } from '../../../src/transport/types.js';

function msg(lines: string[]): SipRequest | SipResponse {
  const r = parseMessage(Buffer.from([...lines, 'Content-Length: 0', '', ''].join('\r\n')));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.message;
}

const HEAD = ['From: <sip:alice@a.example>;tag=f1', 'To: <sip:bob@b.example>', 'Call-ID: c1@a.example', 'CSeq: 1 INVITE'];

function invite(extra: string[] = [], uri = 'sip:bob@b.example'): SipRequest {
  return msg([`INVITE ${uri} SIP/2.0`, 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa', ...HEAD, ...extra]) as SipRequest;
}

function response(status: number, extra: string[] = []): SipResponse {
  return msg([`SIP/2.0 ${status} X`, 'Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKours', 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa', ...HEAD, ...extra]) as SipResponse;
}

const from: Inbound = { transport: 'UDP', remoteAddress: '203.0.113.7', remotePort: 40000, localAddress: '192.0.2.9', localPort: 5060 };
const OUR = (v: { host: string; port?: number }) => v.host === '192.0.2.9' && (v.port ?? 5060) === 5060;
const isUs = (u: SipUri) => u.host === '192.0.2.9';

describe('request sanity (RFC 3261 §16.3)', () => {
  test('Max-Forwards 0 is refused with 483; absent or positive passes', () => {
    assert.equal(checkMaxForwards(invite(['Max-Forwards: 0']))?.status, 483);
    assert.equal(checkMaxForwards(invite(['Max-Forwards: 5'])), undefined);
    assert.equal(checkMaxForwards(invite()), undefined);
  });
  test('Proxy-Require with an unknown tag is 420 listing it in Unsupported, unless IgnoreProxyRequire lists it', () => {
    const r = checkProxyRequire(invite(['Proxy-Require: foo, bar']), ['bar']);
    assert.equal(r?.status, 420);
    assert.deepEqual(r?.headers, [['Unsupported', 'foo']]);
    assert.equal(checkProxyRequire(invite(['Proxy-Require: foo']), ['FOO']), undefined);
  });
  test('a request carrying our Via is a loop when unchanged and a spiral when its Request-URI changed', () => {
    const first = invite();
    const ourVia = `Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKrandom${loopSuffix(first)}`;
    const looped = invite([ourVia]);
    assert.equal(checkLoop(looped, OUR)?.status, 482);
    const spiral = invite([ourVia], 'sip:bob@c.example');
    assert.equal(checkLoop(spiral, OUR), undefined);
    assert.equal(checkLoop(first, OUR), undefined);
  });
});

describe('forwarding (RFC 3261 §16.4, §16.6)', () => {
  test('a top Route naming us is removed; the next one stays', () => {
    const r = preprocessRoute(invite(['Route: <sip:192.0.2.9;lr>, <sip:198.51.100.1;lr>']), isUs);
    assert.deepEqual(r.headers.values('Route'), ['<sip:198.51.100.1;lr>']);
  });
  test('after a strict router the Request-URI is ours and the last Route becomes the Request-URI', () => {
    const r = preprocessRoute(invite(['Route: <sip:198.51.100.1;lr>, <sip:bob@b.example>'], 'sip:192.0.2.9;lr'), isUs);
    assert.equal(r.uri, 'sip:bob@b.example');
    assert.deepEqual(r.headers.values('Route'), ['<sip:198.51.100.1;lr>']);
  });
  test('Max-Forwards is decremented, or set to 70 when absent; Record-Route goes on top', () => {
    assert.equal(forwardCopy(invite(['Max-Forwards: 10']), {}).headers.get('Max-Forwards'), '9');
    const c = forwardCopy(invite(['Record-Route: <sip:x.example;lr>']), { recordRoute: '<sip:192.0.2.9:5060;lr>', requestUri: 'sip:bob@10.1.1.1' });
    assert.equal(c.headers.get('Max-Forwards'), '70');
    assert.deepEqual(c.headers.values('Record-Route'), ['<sip:192.0.2.9:5060;lr>', '<sip:x.example;lr>']);
    assert.equal(c.uri, 'sip:bob@10.1.1.1');
  });
  test('the top Via gets received when the source differs, and rport is filled in (RFC 3581)', () => {
    const r = stampReceived(msg(['OPTIONS sip:x SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;rport', ...HEAD.slice(0, 3), 'CSeq: 1 OPTIONS']) as SipRequest, from);
    const v = parseVia(r.headers.first('Via')!);
    assert.ok(v.ok);
    assert.equal(v.via.received, '203.0.113.7');
    assert.equal(v.via.rport, 40000);
  });
  test('responses lose our Via and go to received/rport of the next one', () => {
    const up = popVia(response(180));
    assert.equal(up.headers.values('Via').length, 1);
    assert.deepEqual(responseTarget(up), { transport: 'UDP', host: '10.0.0.1', port: 5060 });
  });
});

describe('best response (RFC 3261 §16.7 step 6)', () => {
  test('6xx beats everything; otherwise the lowest class; 503 comes after other 5xx', () => {
    assert.equal(chooseBest([response(486), response(603), response(302)])?.response.status, 603);
    assert.equal(chooseBest([response(500), response(486)])?.response.status, 486);
    assert.equal(chooseBest([response(503), response(500)])?.response.status, 500);
    assert.equal(chooseBest([response(503), response(404)])?.response.status, 404);
    assert.equal(chooseBest([]), undefined);
  });
  test('401/407 challenges of the other branches are collected', () => {
    const c = chooseBest([response(407, ['Proxy-Authenticate: Digest realm="a"']), response(401, ['WWW-Authenticate: Digest realm="b"'])]);
    assert.equal(c?.response.status, 401);
    assert.deepEqual(c?.challenges, [['Proxy-Authenticate', 'Digest realm="a"']]);
  });
});
