// Authentication and access control through sipd with real user agents (sipp's digest
// support: MD5, qop=auth) — Appendix B "Configuring Authentication and Authorization"
// and "Configuring SIP Access Control and Trust Lists". Replay is shown with raw UDP,
// because sipp computes fresh credentials for every request. MD5-sess, SHA-256 and
// auth-int are in auth-wire.test.ts: sipp 3.6.1 gets MD5-sess wrong (see there).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, freePort, udpExchange, waitFor } from '../helpers/index.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeerResult } from '../helpers/sip-peers.js';
import { handRegister } from '../unit/auth/client.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';

const S = (name: string) => path.join(FIXTURES, 'sipp', `${name}.xml`);
const USERS: Record<string, string> = { alice: 'wonderland', bob: 'builder' };

type Proxy = TestProxy;

const startSipd = (extra: string[]): Promise<Proxy> => startTestSipd(['Cisco_Registry On', 'SipT1InMs 100', ...extra], { subscribers: USERS });
const stopSipd = stopTestSipd;

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

const creds = (user: string, password: string) => ['-au', user, '-ap', password];

/** REGISTER → 401 → REGISTER with sipp's credentials; the final must be `expect`. */
function authRegister(p: Proxy, o: { user: string; as: string; password: string; expect: number; host?: string }): Promise<SippPeerResult> {
  return runUac({
    scenario: S('auth-register'),
    target: { port: p.port },
    ...(o.host && { host: o.host }),
    keys: { user: o.user, domain: `127.0.0.1:${p.port}`, expires: 300, expect: o.expect },
    extraArgs: creds(o.as, o.password),
  });
}

describe('digest authentication with sipp (Authentication On)', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['Authentication On'])));
  after(() => stopSipd(p));

  test('REGISTER is challenged with 401 and accepted with the right password', async () => {
    ok(await authRegister(p, { user: 'alice', as: 'alice', password: 'wonderland', expect: 200 }), 'REGISTER alice');
  });

  test('a wrong password is challenged again (401)', async () => {
    ok(await authRegister(p, { user: 'alice', as: 'alice', password: 'looking-glass', expect: 401 }), 'REGISTER with a wrong password');
    // error_log is written after the 401 goes out; on a loaded machine a moment later.
    await waitFor('the failure in error_log', () => /authentication failed for alice/.test(p.sr.readErrorLog()), 10_000, 100);
  });

  test('third-party REGISTER (To bob, credentials of alice) is refused with 403 (AuthAllow3rdPartyRegistration Off)', async () => {
    ok(await authRegister(p, { user: 'bob', as: 'alice', password: 'wonderland', expect: 403 }), 'REGISTER bob as alice');
  });

  test('INVITE is challenged with 407 and, answered, goes on to routing (404 for an unknown user)', async () => {
    const r = await runUac({
      scenario: S('auth-invite'),
      target: { port: p.port },
      keys: { ruri: `sip:nobody@127.0.0.1:${p.port}`, caller: 'alice', expect: 404 },
      extraArgs: creds('alice', 'wonderland'),
    });
    ok(r, 'INVITE with credentials');
    assert.match(r.messages, /Proxy-Authenticate: Digest realm="CISCO"/);
    assert.match(r.messages, /Proxy-Authorization: Digest/);
  });

  test('the same Authorization sent again in a new transaction is refused (stale=true challenge)', async () => {
    const reg = handRegister(p.port, await freePort(), 'replay');
    const authorization = reg.authorize(await udpExchange(p.port, reg.send(1)));
    const second = await udpExchange(p.port, reg.send(2, [authorization]));
    assert.match(second ?? '', /^SIP\/2\.0 200 /, String(second));
    const replay = await udpExchange(p.port, reg.send(3, [authorization]));
    assert.match(replay ?? '', /^SIP\/2\.0 401 /, String(replay));
    assert.match(replay!, /^WWW-Authenticate: Digest .*stale=true/m);
  });
});

describe('OPTIONS with Authentication On: a probe of the proxy itself is answered, others are challenged', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['Authentication On'])));
  after(() => stopSipd(p));

  for (const transport of ['udp', 'tcp'] as const) {
    test(`OPTIONS sip:<proxy> over ${transport} gets 200 with Allow, no challenge`, async () => {
      ok(await runUac({ scenario: S('options'), target: { port: p.port }, transport }), `OPTIONS over ${transport}`);
    });
  }

  const options = (uri: string, maxForwards: number) =>
    [
      `OPTIONS ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5999;rport;branch=z9hG4bK-opt-${maxForwards}-${uri.length}-${process.pid}`,
      `Max-Forwards: ${maxForwards}`,
      `From: <sip:alice@127.0.0.1:5999>;tag=opt${process.pid}`,
      `To: <${uri}>`,
      `Call-ID: opt-${maxForwards}-${uri.length}-${process.pid}@127.0.0.1`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');

  test('OPTIONS to the proxy with Max-Forwards 0 is answered 200 too (RFC 3261 §11)', async () => {
    const res = await udpExchange(p.port, options(`sip:127.0.0.1:${p.port}`, 0), 5000);
    assert.match(res ?? '', /^SIP\/2\.0 200 /, String(res));
    assert.match(res!, /^Allow: .*OPTIONS/m);
  });

  test('OPTIONS for a user behind the proxy is challenged with 407 like any request', async () => {
    const res = await udpExchange(p.port, options(`sip:bob@127.0.0.1:${p.port}`, 70), 5000);
    assert.match(res ?? '', /^SIP\/2\.0 407 /, String(res));
    assert.match(res!, /^Proxy-Authenticate: Digest realm="CISCO"/m);
  });
});

describe('OPTIONS to the proxy still obeys the access list (Authentication On, Satisfy All, Deny from 127.0.0.3)', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['Authentication On', 'Satisfy All', 'Order Allow,Deny', 'Allow from all', 'Deny from 127.0.0.3'])));
  after(() => stopSipd(p));

  test('127.0.0.2 gets 200; 127.0.0.3 gets 403', async () => {
    ok(await runUac({ scenario: S('options'), target: { port: p.port }, host: '127.0.0.2' }), 'OPTIONS from 127.0.0.2');
    const r = await runUac({ scenario: S('options'), target: { port: p.port }, host: '127.0.0.3', timeoutS: 5 });
    assert.notEqual(r.code, 0, `OPTIONS from a denied host must not get 200\n${describePeer(r)}`);
    assert.match(r.messages, /SIP\/2\.0 403 /, describePeer(r));
  });
});

/** The first message of a sipp trace that was sent or received and starts with `start` (e.g. "ACK sip:uas"). */
function traced(trace: string, direction: 'sent' | 'received', start: string): string {
  const block = trace.split(/^-{20,}.*$/m).find((b) => {
    const [first = '', ...rest] = b.trim().split(/\r?\n/);
    return first.includes(`message ${direction}`) && (rest.find((l) => l.trim() !== '') ?? '').startsWith(start);
  });
  assert.ok(block, `no ${start} ${direction}:\n${trace}`);
  return block;
}

describe('an authenticated call through sipd with AddRecordRoute On: ACK and BYE follow the route set', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['Authentication On', 'AddRecordRoute On'])));
  after(() => stopSipd(p));

  test('INVITE 407/authenticated → 200; the ACK (with credentials) and the BYE reach the callee through sipd, without our credentials', async () => {
    const bob = await startUas({ scenario: S('uas-answer'), timeoutS: 20 });
    try {
      const r = await runUac({
        scenario: S('auth-call'),
        target: { port: p.port },
        keys: { ruri: `sip:bob@${bob.address}`, caller: 'alice' },
        pauseMs: 200,
        timeoutS: 15,
        extraArgs: creds('alice', 'wonderland'),
      });
      ok(r, 'authenticated call');
      assert.match(r.messages, new RegExp(`^Record-Route: <sip:127\\.0\\.0\\.1:${p.port};lr>`, 'm'), 'sipd record-routes');
      assert.match(traced(r.messages, 'sent', 'ACK sip:uas@'), /^Proxy-Authorization: Digest /m, 'the caller repeats credentials in the ACK');
      const callee = await bob.done;
      assert.equal(callee.code, 0, `callee\n${describePeer(callee)}`);
      for (const method of ['INVITE', 'ACK', 'BYE']) {
        const m = traced(callee.messages, 'received', `${method} `);
        assert.match(m, new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${p.port};`, 'm'), `${method} came through sipd:\n${m}`);
        assert.doesNotMatch(m, /^Proxy-Authorization:/im, `${method}: sipd consumes its own credentials (AuthConsumeProxyAuth On):\n${m}`);
      }
    } finally {
      await bob.stop();
    }
  });
});

describe('access list (Appendix B): Deny from all, Allow from 127.0.0.2', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['Order Deny,Allow', 'Deny from all', 'Allow from 127.0.0.2'])));
  after(() => stopSipd(p));

  test('an allowed host registers without a challenge', async () => {
    ok(await runUac({ scenario: S('register'), target: { port: p.port }, host: '127.0.0.2', keys: { user: 'alice', domain: `127.0.0.1:${p.port}`, expires: 300 } }), 'REGISTER from 127.0.0.2');
  });

  test('any other host is refused with 403', async () => {
    ok(await runUac({ scenario: S('uac-expect'), target: { port: p.port }, host: '127.0.0.3', keys: { ruri: `sip:alice@127.0.0.1:${p.port}`, caller: 'carol', expect: 403 } }), 'INVITE from 127.0.0.3');
  });
});

describe('Satisfy Any with authentication: listed hosts skip the challenge, others authenticate', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['Authentication On', 'Satisfy Any', 'Order Deny,Allow', 'Deny from all', 'Allow from 127.0.0.2'])));
  after(() => stopSipd(p));

  test('127.0.0.2 (Allow from) registers without a challenge', async () => {
    ok(await runUac({ scenario: S('register'), target: { port: p.port }, host: '127.0.0.2', keys: { user: 'bob', domain: `127.0.0.1:${p.port}`, expires: 300 } }), 'REGISTER from 127.0.0.2');
  });

  test('127.0.0.3 (denied by the list) is challenged and admitted once authenticated', async () => {
    ok(await authRegister(p, { user: 'alice', as: 'alice', password: 'wonderland', expect: 200, host: '127.0.0.3' }), 'REGISTER from 127.0.0.3');
  });
});
