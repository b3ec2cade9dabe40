// Digest variants through sipd over UDP: MD5-sess, SHA-256 (RFC 8760), qop=auth-int,
// wrong passwords, replayed and expired nonces (guide Appendix B, AuthDigestAlgorithm
// and AuthDigestQop).
//
// Why not sipp here: sipp 3.6.1 writes algorithm=MD5-sess in its Authorization but
// computes the response with the plain MD5 HA1 (checked by hand against a sipd
// challenge: its response equals H(H(A1):nonce:nc:cnonce:qop:H(A2)) without the -sess
// step), and it has no SHA-256. So the client here is a few lines over node:dgram, and
// the digest comes from test/unit/auth/client.ts, which is written from RFC 2617 §3.2.2
// and RFC 7616 §3.4 and does not import src/modules/auth (the server is not checked
// against itself). The MD5 case with sipp stays in auth-sipp.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NONCE_LIFETIME_MS } from '../../src/modules/auth/nonce.js';
import { udpExchange } from '../helpers/index.js';
import { answer, challengeParams } from '../unit/auth/client.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';

const PASSWORD = 'wonderland';

// The expired-nonce case moves sipd's clock forward instead of waiting five minutes:
// sipd runs in this process and its nonces read Date.now, so every sipd started here
// reads it through this offset (0 except inside that one test).
const realNow = Date.now;
let clockOffsetMs = 0;
Date.now = () => realNow.call(Date) + clockOffsetMs;

type Proxy = TestProxy;

const startSipd = (extra: string[]): Promise<Proxy> => startTestSipd(['Cisco_Registry On', 'SipT1InMs 100', 'Authentication On', ...extra], { subscribers: { alice: PASSWORD } });
const stopSipd = stopTestSipd;

let calls = 0;

/** One REGISTER dialogue (a Call-ID; CSeq counts up), sent over UDP from an ephemeral port. */
function registrar(p: Proxy) {
  const callId = `wire-${++calls}-${process.pid}@127.0.0.1`;
  const uri = `sip:127.0.0.1:${p.port}`;
  let cseq = 0;
  return {
    uri,
    async send(o: { authorization?: string; body?: string } = {}): Promise<string> {
      cseq++;
      const body = o.body ?? '';
      const text = [
        `REGISTER ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:5999;rport;branch=z9hG4bK-wire-${calls}-${cseq}-${process.pid}`,
        'Max-Forwards: 70',
        `From: <sip:alice@127.0.0.1:${p.port}>;tag=wire${calls}`,
        `To: <sip:alice@127.0.0.1:${p.port}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} REGISTER`,
        'Contact: <sip:alice@127.0.0.1:5999>',
        'Expires: 60',
        ...(o.authorization ? [`Authorization: ${o.authorization}`] : []),
        ...(body ? ['Content-Type: text/plain'] : []),
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n');
      const res = await udpExchange(p.port, text, 5000);
      assert.ok(res, `no answer to REGISTER CSeq ${cseq}`);
      return res;
    },
  };
}

function status(res: string): number {
  return Number(/^SIP\/2\.0 (\d{3}) /.exec(res)?.[1]);
}

/** The WWW-Authenticate value of a 401 (asserting it is one). */
function challengeIn(res: string): string {
  assert.equal(status(res), 401, res);
  const c = /^WWW-Authenticate: (.*)$/m.exec(res)?.[1]?.trim();
  assert.ok(c, res);
  return c;
}

describe('MD5-sess over the wire (AuthDigestAlgorithm MD5-sess, AuthDigestQop both)', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['AuthDigestAlgorithm MD5-sess', 'AuthDigestQop both'])));
  after(() => stopSipd(p));

  test('REGISTER is challenged with MD5-sess and accepted with an MD5-sess qop=auth answer', async () => {
    const r = registrar(p);
    const challenge = challengeIn(await r.send());
    const c = challengeParams(challenge);
    assert.equal(c.algorithm, 'MD5-sess');
    assert.equal(c.qop, 'auth,auth-int');
    const ok = await r.send({ authorization: answer({ user: 'alice', password: PASSWORD, method: 'REGISTER', uri: r.uri, challenge, qop: 'auth' }) });
    assert.equal(status(ok), 200, ok);
  });

  test('a plain MD5 response labelled MD5-sess (what sipp 3.6.1 sends) is challenged again', async () => {
    const r = registrar(p);
    const challenge = challengeIn(await r.send());
    const plain = answer({ user: 'alice', password: PASSWORD, method: 'REGISTER', uri: r.uri, challenge: challenge.replace('algorithm=MD5-sess', 'algorithm=MD5'), qop: 'auth' });
    const res = await r.send({ authorization: plain.replace('algorithm=MD5', 'algorithm=MD5-sess') });
    assert.equal(challengeParams(challengeIn(res)).stale, undefined);
  });

  test('qop=auth-int covers the body: accepted as signed, challenged when the body was changed', async () => {
    const r = registrar(p);
    const challenge = challengeIn(await r.send({ body: 'first body\r\n' }));
    const signed = (nc: number) => answer({ user: 'alice', password: PASSWORD, method: 'REGISTER', uri: r.uri, challenge, qop: 'auth-int', nc, body: 'first body\r\n' });
    const ok = await r.send({ authorization: signed(1), body: 'first body\r\n' });
    assert.equal(status(ok), 200, ok);
    // Same nonce, next count, but a body the signature was not made over.
    const tampered = await r.send({ authorization: signed(2), body: 'other body\r\n' });
    assert.equal(challengeParams(challengeIn(tampered)).stale, undefined);
  });

  test('a wrong password is challenged again (401, not stale) and logged', async () => {
    const r = registrar(p);
    const challenge = challengeIn(await r.send());
    const res = await r.send({ authorization: answer({ user: 'alice', password: 'looking-glass', method: 'REGISTER', uri: r.uri, challenge, qop: 'auth' }) });
    assert.equal(challengeParams(challengeIn(res)).stale, undefined);
    assert.match(p.sr.readErrorLog(), /authentication failed for alice: wrong digest response \(REGISTER\)/);
  });

  test('a replayed nonce and nonce count is refused with stale=true; the next count is accepted', async () => {
    const r = registrar(p);
    const challenge = challengeIn(await r.send());
    const creds = (nc: number) => answer({ user: 'alice', password: PASSWORD, method: 'REGISTER', uri: r.uri, challenge, qop: 'auth', nc, cnonce: 'feedc0de' });
    assert.equal(status(await r.send({ authorization: creds(1) })), 200);
    const replay = challengeIn(await r.send({ authorization: creds(1) }));
    assert.equal(challengeParams(replay).stale, 'true');
    assert.notEqual(challengeParams(replay).nonce, challengeParams(challenge).nonce, 'a new nonce comes with stale=true');
    const next = await r.send({ authorization: creds(2) });
    assert.equal(status(next), 200, next);
  });

  test('a correct answer on an expired nonce gets stale=true and a new nonce, which works', async () => {
    const r = registrar(p);
    const challenge = challengeIn(await r.send());
    let stale: string;
    try {
      clockOffsetMs = NONCE_LIFETIME_MS + 5_000;
      stale = challengeIn(await r.send({ authorization: answer({ user: 'alice', password: PASSWORD, method: 'REGISTER', uri: r.uri, challenge, qop: 'auth' }) }));
      assert.equal(challengeParams(stale).stale, 'true');
      assert.equal(challengeParams(stale).algorithm, 'MD5-sess');
      // The user agent answers the new nonce without asking anybody for the password again.
      const ok = await r.send({ authorization: answer({ user: 'alice', password: PASSWORD, method: 'REGISTER', uri: r.uri, challenge: stale, qop: 'auth' }) });
      assert.equal(status(ok), 200, ok);
    } finally {
      clockOffsetMs = 0;
    }
  });
});

describe('SHA-256 over the wire (AuthDigestAlgorithm SHA-256, RFC 8760)', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['AuthDigestAlgorithm SHA-256'])));
  after(() => stopSipd(p));

  test('REGISTER is challenged with SHA-256 and accepted with a SHA-256 answer', async () => {
    const r = registrar(p);
    const challenge = challengeIn(await r.send());
    assert.equal(challengeParams(challenge).algorithm, 'SHA-256');
    const authorization = answer({ user: 'alice', password: PASSWORD, method: 'REGISTER', uri: r.uri, challenge });
    assert.match(authorization, /response="[0-9a-f]{64}"/);
    const ok = await r.send({ authorization });
    assert.equal(status(ok), 200, ok);
  });

  test('an MD5 answer to a SHA-256 challenge gets a fresh SHA-256 challenge', async () => {
    const r = registrar(p);
    const challenge = challengeIn(await r.send());
    const md5 = answer({ user: 'alice', password: PASSWORD, method: 'REGISTER', uri: r.uri, challenge: challenge.replace('algorithm=SHA-256', 'algorithm=MD5') });
    const again = challengeParams(challengeIn(await r.send({ authorization: md5 })));
    assert.equal(again.algorithm, 'SHA-256');
    assert.equal(again.stale, undefined);
  });
});
