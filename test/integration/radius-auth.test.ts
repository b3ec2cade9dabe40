// Authentication through RADIUS and RPMS preauthorization, over the wire: sipd with
// AuthServer Radius (or PreAuthorization On) in front of Debian's FreeRADIUS 3 (its
// `digest` module checks sipp's answers from a Cleartext-Password; `files` accepts or
// rejects the RPMS queries), driven by sipp. Appendix B "Configuring Authentication and
// Authorization" and "Configuring Preauthentication Query"; docs/radius.md.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, freePort, udpExchange, waitFor } from '../helpers/index.js';
import { startFreeRadius } from '../helpers/freeradius.js';
import type { FreeRadius } from '../helpers/freeradius.js';
import { describePeer, runUac } from '../helpers/sip-peers.js';
import type { SippPeerResult } from '../helpers/sip-peers.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { handRegister } from '../unit/auth/client.js';

const S = (name: string) => path.join(FIXTURES, 'sipp', `${name}.xml`);

const USERS = [
  'alice Cleartext-Password := "wonderland"',
  // RPMS callers: the From user is the User-Name of the query.
  'gwcaller Auth-Type := Accept',
  'barred Auth-Type := Reject',
  '',
].join('\n');

function ok(r: SippPeerResult, what: string, fr?: FreeRadius): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}${fr ? `\n--- freeradius ---\n${fr.log().slice(-3000)}` : ''}`);
}

const creds = (user: string, password: string) => ['-au', user, '-ap', password];
/** Short RADIUS timers so that a silent server is given up quickly. */
const FAST = ['RadiusRetransmissionInterval 200', 'RadiusRetransmissionCount 1'];

function authRegister(p: TestProxy, password: string, expect: number): Promise<SippPeerResult> {
  return runUac({
    scenario: S('auth-register'),
    target: { port: p.port },
    keys: { user: 'alice', domain: `127.0.0.1:${p.port}`, expires: 300, expect },
    extraArgs: creds('alice', password),
  });
}

function authInvite(p: TestProxy, password: string, expect: number): Promise<SippPeerResult> {
  return runUac({
    scenario: S('auth-invite'),
    target: { port: p.port },
    keys: { ruri: `sip:nobody@127.0.0.1:${p.port}`, caller: 'alice', expect },
    extraArgs: creds('alice', password),
  });
}

/** A REGISTER by raw UDP, challenged and then answered with alice's password; the second answer. */
async function registerByHand(p: TestProxy, tag: string): Promise<string | undefined> {
  const reg = handRegister(p.port, await freePort(), tag);
  const authorization = reg.authorize(await udpExchange(p.port, reg.send(1)));
  return udpExchange(p.port, reg.send(2, [authorization]), 10_000);
}

describe('AuthServer Radius: digest checked by FreeRADIUS', () => {
  let fr: FreeRadius;
  let p: TestProxy;
  before(async () => {
    fr = await startFreeRadius({ users: USERS });
    p = await startTestSipd([
      'Cisco_Registry On',
      'SipT1InMs 100',
      'Authentication On',
      'AuthServer Radius',
      'PrimaryRadiusAuthIp 127.0.0.1',
      `PrimaryRadiusAuthPort ${fr.authPort}`,
      `PrimaryRadiusAuthSecret ${fr.secret}`,
      'AuthIncludeSIPHeader From',
      ...FAST,
    ]);
  });
  after(async () => {
    await stopTestSipd(p);
    await fr?.remove();
  });

  test('REGISTER with the right password: FreeRADIUS accepts, 200', async () => {
    ok(await authRegister(p, 'wonderland', 200), 'REGISTER alice (right password)', fr);
    // What the server saw: the draft-sterman attributes and the included header.
    const log = fr.log();
    assert.match(log, /Digest-Response = "[0-9a-f]{32}"/);
    assert.match(log, /Digest-User-Name = "alice"/);
    assert.match(log, /Digest-Realm = "CISCO"/);
    assert.match(log, /Cisco-AVPair = "sip-hdr=From: /);
  });

  test('REGISTER with a wrong password: FreeRADIUS rejects, 401 again', async () => {
    ok(await authRegister(p, 'looking-glass', 401), 'REGISTER alice (wrong password)', fr);
    assert.match(p.sr.readErrorLog(), /authentication failed for alice: Access-Reject from RADIUS server 127\.0\.0\.1:\d+/);
  });

  test('INVITE with the right password goes on to routing (404 for an unknown callee); a wrong one gets 407', async () => {
    ok(await authInvite(p, 'wonderland', 404), 'INVITE alice (right password)', fr);
    ok(await authInvite(p, 'looking-glass', 407), 'INVITE alice (wrong password)', fr);
  });

  test('the server stopped: 503 with Retry-After and a clear error line; started again, 200', async () => {
    await fr.stop();
    try {
      const r = await registerByHand(p, 'down');
      assert.match(r ?? 'no answer', /^SIP\/2\.0 503 /);
      assert.match(r!, /^Retry-After: \d+/m);
      await waitFor('the error line', () => /no RADIUS authentication server answered \(127\.0\.0\.1:\d+\) for alice \(REGISTER\); answering 503/.test(p.sr.readErrorLog()));
      assert.doesNotMatch(p.sr.readErrorLog(), new RegExp(fr.secret));
    } finally {
      await fr.start();
    }
    assert.match((await registerByHand(p, 'back')) ?? 'no answer', /^SIP\/2\.0 200 /);
  });
});

describe('AuthServer Radius: Basic (AuthScheme HTTP_Basic) checked by FreeRADIUS with User-Password', () => {
  let fr: FreeRadius;
  let p: TestProxy;
  before(async () => {
    fr = await startFreeRadius({ users: USERS });
    p = await startTestSipd(['Cisco_Registry On', 'Authentication On', 'AuthServer Radius', 'AuthScheme HTTP_Basic', 'PrimaryRadiusAuthIp 127.0.0.1', `PrimaryRadiusAuthPort ${fr.authPort}`, `PrimaryRadiusAuthSecret ${fr.secret}`, ...FAST]);
  });
  after(async () => {
    await stopTestSipd(p);
    await fr?.remove();
  });

  for (const [password, status] of [
    ['wonderland', 200],
    ['looking-glass', 401],
  ] as const) {
    test(`password ${password}: ${status}`, async () => {
      const local = await freePort();
      const basic = Buffer.from(`alice:${password}`).toString('base64');
      const r = await udpExchange(
        p.port,
        [
          `REGISTER sip:127.0.0.1:${p.port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${local};rport;branch=z9hG4bK-basic-${password}-${process.pid}`,
          'Max-Forwards: 70',
          `From: <sip:alice@127.0.0.1:${p.port}>;tag=b${process.pid}`,
          `To: <sip:alice@127.0.0.1:${p.port}>`,
          `Call-ID: basic-${password}-${process.pid}@127.0.0.1`,
          'CSeq: 1 REGISTER',
          `Contact: <sip:alice@127.0.0.1:${local}>`,
          `Authorization: Basic ${basic}`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        10_000,
      );
      assert.match(r ?? 'no answer', new RegExp(`^SIP/2\\.0 ${status} `), `${r}\n${fr.log().slice(-2000)}`);
    });
  }
});

describe('RPMS preauthorization with FreeRADIUS', () => {
  let fr: FreeRadius;
  let silentPort: number;
  let p: TestProxy;
  before(async () => {
    fr = await startFreeRadius({ users: USERS });
    // A port where nothing listens, listed first: the designated server is silent at start.
    silentPort = await freePort();
    p = await startTestSipd([
      'Cisco_Registry On',
      'SipT1InMs 100',
      'PreAuthorization On',
      'PreAuthPreviousHop 127.0.0.1',
      `RPMS_ServerIpPortSecret 127.0.0.1 ${silentPort} nobody-listens`,
      `RPMS_ServerIpPortSecret 127.0.0.1 ${fr.authPort} ${fr.secret}`,
      'DebugFlag RPMS On',
      ...FAST,
    ]);
  });
  after(async () => {
    await stopTestSipd(p);
    await fr?.remove();
  });

  const invite = (caller: string, expect: number) =>
    runUac({ scenario: S('uac-expect'), target: { port: p.port }, keys: { ruri: `sip:nobody@127.0.0.1:${p.port}`, caller, expect } });

  test('Accept: the INVITE is processed (404 for an unknown callee); the second server answered and is designated', async () => {
    ok(await invite('gwcaller', 404), 'INVITE from gwcaller', fr);
    const log = p.sr.readErrorLog();
    assert.match(log, new RegExp(`RPMS: 127\\.0\\.0\\.1:${fr.authPort} is now the designated server`));
    assert.match(log, new RegExp(`RPMS: 127\\.0\\.0\\.1:${fr.authPort} accepted INVITE`));
    assert.match(fr.log(), /Service-Type = Call-Check/);
  });

  test('Reject: 480 Temporarily Unavailable', async () => {
    ok(await invite('barred', 480), 'INVITE from barred', fr);
    assert.match(p.sr.readErrorLog(), /RPMS: .* answered Access-Reject to INVITE .*answering 480/);
  });

  test('no server answers: the INVITE is processed as if PreAuthorization were Off, and error_log says so', async () => {
    await fr.stop();
    try {
      ok(await invite('barred', 404), 'INVITE from barred with every RPMS silent');
      assert.match(p.sr.readErrorLog(), /no preauthorization server answered .* processing it as if PreAuthorization were Off/);
    } finally {
      await fr.start();
    }
  });
});
