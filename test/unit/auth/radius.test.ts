// AuthServer Radius (Appendix B "Configuring Authentication and Authorization") against a
// fake RADIUS service that checks the digest itself from a password it holds, the way
// FreeRADIUS's digest module does with draft-sterman-aaa-sip's Digest-Attributes. The
// real server is exercised in test/integration/radius-auth.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { describe, test } from 'node:test';
import type { Config } from '../../../src/config/loader.js';
import { Admission } from '../../../src/modules/auth/admission.js';
import { digestRequest } from '../../../src/modules/auth/radius.js';
import type { RadiusAnswer, RadiusAttribute, RadiusServer, RadiusService } from '../../../src/modules/radius/service.js';
import type { Refusal } from '../../../src/proxy/sanity.js';
import type { RequestContext } from '../../../src/proxy/stages.js';
import type { SubscriberStore } from '../../../src/stores/subscriber-store.js';
import { configFrom } from '../registry/helpers.js';
import { answer, challengeParams, request } from './client.js';
import type { RequestSpec } from './client.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Digest-Attributes sub-attributes back into names (draft-sterman-aaa-sip-00 §3.2). */
const NAMES = ['', 'realm', 'nonce', 'method', 'uri', 'qop', 'algorithm', 'body-digest', 'cnonce', 'nc', 'username'];

function decodeDigestAttributes(attrs: readonly RadiusAttribute[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attrs) {
    if (a[0] !== 'Sterman-Digest-Attributes') continue;
    const b = a[1] as Buffer;
    assert.ok(b.length <= 253, 'one attribute carries at most 253 bytes');
    for (let i = 0; i < b.length; ) {
      const type = b[i]!;
      const len = b[i + 1]!;
      assert.ok(type >= 1 && type <= 10 && len >= 3, `sub-attribute ${type} length ${len}`);
      out[NAMES[type]!] = b.subarray(i + 2, i + len).toString('utf8');
      i += len;
    }
  }
  return out;
}

/** A RADIUS server in memory: users and passwords; checks digest and Basic; can be silent. */
class FakeRadius implements RadiusService {
  readonly requests: { servers: readonly RadiusServer[]; attributes: readonly RadiusAttribute[]; use: string }[] = [];
  silent = false;
  constructor(private readonly users: Record<string, string>) {}
  async access(servers: readonly RadiusServer[], attributes: readonly RadiusAttribute[], use: 'auth' | 'rpms'): Promise<RadiusAnswer | undefined> {
    this.requests.push({ servers, attributes, use });
    if (this.silent || servers.length === 0) return undefined;
    const get = (n: string) => attributes.find((a) => a[0] === n)?.[1] as string | undefined;
    const user = get('User-Name') ?? '';
    const password = this.users[user];
    let ok = false;
    if (password !== undefined && get('User-Password') !== undefined) ok = get('User-Password') === password;
    else if (password !== undefined && get('Sterman-Digest-Response') !== undefined) {
      const d = decodeDigestAttributes(attributes);
      const ha1 = md5(`${d.username}:${d.realm}:${password}`);
      const ha2 = md5(`${d.method}:${d.uri}`);
      ok = md5(`${ha1}:${d.nonce}:${d.nc}:${d.cnonce}:${d.qop}:${ha2}`) === get('Sterman-Digest-Response');
    }
    return { code: ok ? 'Access-Accept' : 'Access-Reject', attributes: {}, server: servers[0]! };
  }
  async accounting(): Promise<boolean> {
    return false;
  }
}

const NO_STORE: SubscriberStore = {
  get: async () => assert.fail('AuthServer Radius must not read the subscriber store'),
  list: async () => [],
  add: async () => {},
  update: async () => {},
  remove: async () => false,
  close: async () => {},
};

const RADIUS = ['Authentication On', 'AuthServer Radius', 'PrimaryRadiusAuthIp 192.0.2.10', 'PrimaryRadiusAuthSecret s3cret', 'SecondaryRadiusAuthIp 192.0.2.11', 'SecondaryRadiusAuthSecret other'];

function rig(lines: string[], users: Record<string, string> = { alice: 'wonderland' }, radius: RadiusService | undefined = undefined) {
  const fake = new FakeRadius(users);
  const log: string[] = [];
  const at = (level: string) => (m: string) => void log.push(`${level}: ${m}`);
  const clock = { t: 1_700_000_000_000 };
  const failures: string[] = [];
  const admission = new Admission({
    subscribers: () => NO_STORE,
    log: { error: at('error'), warn: at('warn'), info: at('info') },
    now: () => clock.t,
    lookup: async () => [],
    failed: (aor) => failures.push(aor),
    radius: radius ?? fake,
  });
  const config: Config = configFrom(lines, os.tmpdir());
  const run = async (spec: RequestSpec): Promise<{ refusal: Refusal | undefined; ctx: RequestContext }> => {
    const ctx: RequestContext = { req: request(spec), source: { transport: 'UDP', remoteAddress: '192.0.2.44', remotePort: 5062, localAddress: '127.0.0.1', localPort: 5060 }, config, trustedSource: false };
    return { refusal: await admission.admit(ctx), ctx };
  };
  const challengeOf = (r: Refusal | undefined) => r?.headers?.find(([n]) => /authenticate/i.test(n))?.[1] ?? assert.fail(`no challenge in ${JSON.stringify(r)}`);
  /** Challenge, answer with `password`, return the outcome. */
  const login = async (spec: RequestSpec, password: string, user = 'alice') => {
    const first = await run(spec);
    const challenge = challengeOf(first.refusal);
    const register = spec.method === 'REGISTER';
    const uri = spec.uri ?? (register ? 'sip:example.com' : 'sip:bob@example.com');
    const creds = answer({ user, password, method: spec.method, uri, challenge });
    const headers = [...(spec.headers ?? []), `${register ? 'Authorization' : 'Proxy-Authorization'}: ${creds}`];
    return { ...(await run({ ...spec, headers })), challenge, headers };
  };
  return { fake, log, clock, failures, run, login, challengeOf, config };
}

describe('AuthServer Radius: digest', () => {
  test('the right password is accepted by the server; the challenge is sipd\'s own (realm AuthRealm, a hex nonce)', async () => {
    const r = rig([...RADIUS, 'AuthRealm sps.example.com']);
    const out = await r.login({ method: 'REGISTER' }, 'wonderland');
    assert.equal(out.refusal, undefined);
    assert.equal(out.ctx.authenticatedUser, 'alice');
    const c = challengeParams(out.challenge);
    assert.equal(c.realm, 'sps.example.com');
    assert.match(c.nonce!, /^[0-9a-f]{64}$/);
    const sent = r.fake.requests.at(-1)!;
    assert.equal(sent.use, 'auth');
    assert.deepEqual(
      sent.servers.map((s) => `${s.host}:${s.port}:${s.secret}`),
      ['192.0.2.10:1812:s3cret', '192.0.2.11:1812:other'],
    );
    const d = decodeDigestAttributes(sent.attributes);
    assert.deepEqual({ realm: d.realm, method: d.method, uri: d.uri, qop: d.qop, algorithm: d.algorithm, username: d.username, nc: d.nc }, { realm: 'sps.example.com', method: 'REGISTER', uri: 'sip:example.com', qop: 'auth', algorithm: 'MD5', username: 'alice', nc: '00000001' });
  });

  test('a wrong password: the server rejects, the request is challenged again (407) and the failure counted', async () => {
    const r = rig(RADIUS);
    const out = await r.login({ method: 'INVITE' }, 'wrong');
    assert.equal(out.refusal?.status, 407);
    assert.notEqual(challengeParams(r.challengeOf(out.refusal)).stale, 'true');
    assert.equal(r.failures.length, 1);
    assert.ok(r.log.some((l) => /authentication failed for alice: Access-Reject from RADIUS server 192\.0\.2\.10:1812/.test(l)), r.log.join('\n'));
  });

  test('no server answers: 503 with Retry-After and an error line naming the servers, never the secrets', async () => {
    const r = rig(RADIUS);
    r.fake.silent = true;
    const out = await r.login({ method: 'INVITE' }, 'wonderland');
    assert.equal(out.refusal?.status, 503);
    assert.match(out.refusal?.headers?.find(([n]) => n === 'Retry-After')?.[1] ?? '', /^\d+$/);
    const line = r.log.find((l) => l.startsWith('error:') && /no RADIUS authentication server answered/.test(l));
    assert.ok(line, r.log.join('\n'));
    assert.match(line, /192\.0\.2\.10:1812, 192\.0\.2\.11:1812/);
    assert.doesNotMatch(r.log.join('\n'), /s3cret|other/);
  });

  test('a replayed answer (same nonce count) gets a stale challenge, not an admission', async () => {
    const r = rig(RADIUS);
    const out = await r.login({ method: 'INVITE' }, 'wonderland');
    assert.equal(out.refusal, undefined);
    const again = await r.run({ method: 'INVITE', headers: out.headers });
    assert.equal(again.refusal?.status, 407);
    assert.equal(challengeParams(r.challengeOf(again.refusal)).stale, 'true');
  });

  test('RadiusAuthSkew bounds the challenge: a right answer after it gets stale=true; within it, admitted', async () => {
    const r = rig([...RADIUS, 'RadiusAuthSkew 30']);
    const first = await r.run({ method: 'INVITE' });
    const challenge = r.challengeOf(first.refusal);
    const creds = answer({ user: 'alice', password: 'wonderland', method: 'INVITE', uri: 'sip:bob@example.com', challenge });
    r.clock.t += 31_000;
    const late = await r.run({ method: 'INVITE', headers: [`Proxy-Authorization: ${creds}`] });
    assert.equal(late.refusal?.status, 407);
    assert.equal(challengeParams(r.challengeOf(late.refusal)).stale, 'true');
    const fresh = r.challengeOf(late.refusal);
    r.clock.t += 29_000;
    const ok = await r.run({ method: 'INVITE', headers: [`Proxy-Authorization: ${answer({ user: 'alice', password: 'wonderland', method: 'INVITE', uri: 'sip:bob@example.com', challenge: fresh })}`] });
    assert.equal(ok.refusal, undefined);
  });

  test('a nonce sipd did not issue gets a fresh challenge without asking the server', async () => {
    const r = rig(RADIUS);
    const forged = 'Digest realm="CISCO", nonce="' + 'ab'.repeat(32) + '", algorithm=MD5, qop="auth"';
    const creds = answer({ user: 'alice', password: 'wonderland', method: 'INVITE', uri: 'sip:bob@example.com', challenge: forged });
    const out = await r.run({ method: 'INVITE', headers: [`Proxy-Authorization: ${creds}`] });
    assert.equal(out.refusal?.status, 407);
    assert.equal(r.fake.requests.length, 0);
  });

  test('User-Name gets @domain when the From domain is ProxyDomain (RadiusUserNameAttrAddDomain On), not otherwise', async () => {
    const r = rig([...RADIUS, 'ProxyDomain example.com'], { 'alice@example.com': 'wonderland' });
    assert.equal((await r.login({ method: 'INVITE' }, 'wonderland')).refusal, undefined);
    assert.equal(r.fake.requests.at(-1)!.attributes.find((a) => a[0] === 'User-Name')?.[1], 'alice@example.com');
    const off = rig([...RADIUS, 'ProxyDomain example.com', 'RadiusUserNameAttrAddDomain Off']);
    assert.equal((await off.login({ method: 'INVITE' }, 'wonderland')).refusal, undefined);
    const other = rig([...RADIUS, 'ProxyDomain other.example']);
    assert.equal((await other.login({ method: 'INVITE' }, 'wonderland')).refusal, undefined);
  });

  test('AuthIncludeSIPHeader: the listed headers go as Cisco-AVPair sip-hdr lines', async () => {
    const r = rig([...RADIUS, 'AuthIncludeSIPHeader User-Agent', 'AuthIncludeSIPHeader Subject']);
    await r.login({ method: 'INVITE', headers: ['User-Agent: phone/1.0', 'Subject: hello'] }, 'wonderland');
    const vsa = r.fake.requests.at(-1)!.attributes.find((a) => a[0] === 'Vendor-Specific');
    assert.deepEqual(vsa, ['Vendor-Specific', 9, [['Cisco-AVPair', 'sip-hdr=User-Agent: phone/1.0'], ['Cisco-AVPair', 'sip-hdr=Subject: hello']]]);
  });

  test('AuthServer Radius with no server configured: 500 and one error line', async () => {
    const r = rig(['Authentication On', 'AuthServer Radius']);
    const a = await r.login({ method: 'INVITE' }, 'wonderland');
    assert.equal(a.refusal?.status, 500);
    await r.login({ method: 'INVITE' }, 'wonderland');
    assert.equal(r.log.filter((l) => l.startsWith('error:') && /no RADIUS authentication server is configured/.test(l)).length, 1);
    assert.equal(r.fake.requests.length, 0);
  });

  test('Digest-Attributes longer than one attribute are split over several; a value too long for any is refused 400', () => {
    const c = { username: 'alice', realm: 'CISCO', nonce: 'a'.repeat(64), uri: `sip:${'b'.repeat(200)}@example.com`, response: '0'.repeat(32), algorithm: 'MD5', qop: 'auth' as const, cnonce: 'c', nc: '00000001' };
    const attrs = digestRequest(c, 'INVITE', 'alice', undefined)!;
    assert.equal(attrs.filter((a) => a[0] === 'Sterman-Digest-Attributes').length, 2);
    assert.equal(decodeDigestAttributes(attrs).uri, c.uri);
    assert.equal(digestRequest({ ...c, uri: `sip:${'b'.repeat(260)}@example.com` }, 'INVITE', 'alice', undefined), undefined);
  });
});

describe('AuthServer Radius: Basic', () => {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  test('User-Password checked by the server: right → admitted, wrong → 401 again', async () => {
    const r = rig([...RADIUS, 'AuthScheme HTTP_Basic']);
    const ok = await r.run({ method: 'REGISTER', headers: [`Authorization: ${basic('alice', 'wonderland')}`] });
    assert.equal(ok.refusal, undefined);
    assert.deepEqual(r.fake.requests.at(-1)!.attributes, [['User-Name', 'alice'], ['User-Password', 'wonderland']]);
    const bad = await r.run({ method: 'REGISTER', headers: [`Authorization: ${basic('alice', 'nope')}`] });
    assert.equal(bad.refusal?.status, 401);
  });
});
