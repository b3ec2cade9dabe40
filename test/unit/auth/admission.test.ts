// The admission stage (Appendix B "Configuring Authentication and Authorization" and
// "Configuring SIP Access Control and Trust Lists"): Satisfy with and without
// authentication, challenges, replay and staleness, third parties, the store failing.
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, test } from 'node:test';
import type { Config } from '../../../src/config/loader.js';
import { Admission } from '../../../src/modules/auth/admission.js';
import type { AdmissionDeps } from '../../../src/modules/auth/admission.js';
import type { Refusal } from '../../../src/proxy/sanity.js';
import type { RequestContext } from '../../../src/proxy/stages.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { StoreUnavailableError } from '../../../src/stores/subscriber-store.js';
import type { StoredSecret, Subscriber, SubscriberStore } from '../../../src/stores/subscriber-store.js';
import type { Inbound } from '../../../src/transport/types.js';
import { configFrom } from '../registry/helpers.js';
import { answer, challengeParams, h, request } from './client.js';
import type { RequestSpec } from './client.js';

const conf = (lines: string[]): Config => configFrom(lines, os.tmpdir());

class MemoryStore implements SubscriberStore {
  readonly gets: [string, string | undefined][] = [];
  down = false;
  private readonly rows = new Map<string, Subscriber>();
  put(user: string, secret: StoredSecret, domain = ''): this {
    this.rows.set(`${domain}|${user}`, { user, domain, secret, firstName: '', middleName: '', lastName: '', cfu: '', cfb: '', cfna: '', cfunv: '', redirectDnPrivacy: false });
    return this;
  }
  async get(user: string, domain?: string) {
    this.gets.push([user, domain]);
    if (this.down) throw new StoreUnavailableError('MySQL server at db1 does not answer');
    return this.rows.get(`${domain ?? ''}|${user}`);
  }
  async list() {
    return [...this.rows.values()];
  }
  async add() {}
  async update() {}
  async remove() {
    return false;
  }
  async close() {}
}

function logger() {
  const lines: string[] = [];
  const at = (level: string) => (m: string) => void lines.push(`${level}: ${m}`);
  return { lines, error: at('error'), warn: at('warn'), info: at('info') };
}

function source(addr: string): Inbound {
  return { transport: 'UDP', remoteAddress: addr, remotePort: 5062, localAddress: '127.0.0.1', localPort: 5060 };
}

interface Rig {
  admission: Admission;
  store: MemoryStore;
  log: ReturnType<typeof logger>;
  clock: { t: number };
  config: Config;
  run(spec: RequestSpec | SipRequest, from?: string): Promise<{ refusal: Refusal | undefined; ctx: RequestContext }>;
}

function rig(lines: string[], extra: Partial<AdmissionDeps> = {}): Rig {
  const store = new MemoryStore().put('alice', { kind: 'plain', password: 'wonderland' });
  const log = logger();
  const clock = { t: 1_700_000_000_000 };
  const admission = new Admission({ subscribers: () => store, log, now: () => clock.t, lookup: async () => [], ...extra });
  const config = conf(lines);
  return {
    admission,
    store,
    log,
    clock,
    config,
    async run(spec, from = '192.0.2.44') {
      const req = 'kind' in spec ? spec : request(spec);
      const ctx: RequestContext = { req, source: source(from), config, trustedSource: false };
      return { refusal: await admission.admit(ctx), ctx };
    },
  };
}

function header(r: Refusal | undefined, name: string): string {
  const hit = r?.headers?.find(([n]) => n.toLowerCase() === name.toLowerCase());
  assert.ok(hit, `no ${name} in ${JSON.stringify(r)}`);
  return hit[1];
}

/** Challenge, then answer it; returns the second outcome and the credentials used. */
async function login(r: Rig, spec: RequestSpec, password = 'wonderland', user = 'alice', opts: { qop?: string; nc?: number; from?: string } = {}) {
  const first = await r.run(spec, opts.from);
  const register = spec.method === 'REGISTER';
  assert.equal(first.refusal?.status, register ? 401 : 407);
  const challenge = header(first.refusal, register ? 'WWW-Authenticate' : 'Proxy-Authenticate');
  const uri = spec.uri ?? (register ? 'sip:example.com' : 'sip:bob@example.com');
  const creds = answer({ user, password, method: spec.method, uri, challenge, body: spec.body, qop: opts.qop, nc: opts.nc });
  const withCreds = { ...spec, headers: [...(spec.headers ?? []), `${register ? 'Authorization' : 'Proxy-Authorization'}: ${creds}`] };
  const second = await r.run(withCreds, opts.from);
  return { ...second, challenge, creds, withCreds };
}

describe('challenges and answers', () => {
  test('REGISTER is challenged 401 with WWW-Authenticate (realm AuthRealm, MD5, qop auth) and admitted once answered', async () => {
    const r = rig(['Authentication On']);
    const out = await login(r, { method: 'REGISTER' });
    const c = challengeParams(out.challenge);
    assert.equal(c.realm, 'CISCO');
    assert.equal(c.algorithm, 'MD5');
    assert.equal(c.qop, 'auth');
    assert.equal(out.refusal, undefined);
    assert.equal(out.ctx.authenticatedUser, 'alice');
    assert.deepEqual(r.store.gets.at(-1), ['alice', undefined]);
  });

  test('INVITE is challenged 407 with Proxy-Authenticate; the used Proxy-Authorization is marked for removal (AuthConsumeProxyAuth On)', async () => {
    const r = rig(['Authentication On', 'AuthRealm sps.example.com']);
    const out = await login(r, { method: 'INVITE', headers: ['Proxy-Authorization: Digest username="x", realm="downstream", nonce="n", uri="sip:bob@example.com", response="0123456789abcdef0123456789abcdef"'] });
    assert.equal(challengeParams(out.challenge).realm, 'sps.example.com');
    assert.equal(out.refusal, undefined);
    assert.deepEqual(out.ctx.consumedCredentials, [out.creds], 'only our realm\'s credentials are consumed');
  });

  test('AuthConsumeProxyAuth Off leaves the credentials in the request', async () => {
    const r = rig(['Authentication On', 'AuthConsumeProxyAuth Off']);
    const out = await login(r, { method: 'INVITE' });
    assert.equal(out.refusal, undefined);
    assert.equal(out.ctx.consumedCredentials, undefined);
  });

  test('a wrong password gets a fresh challenge (not stale); an unknown user too', async () => {
    const r = rig(['Authentication On']);
    const bad = await login(r, { method: 'REGISTER' }, 'guess');
    assert.equal(bad.refusal?.status, 401);
    const c = challengeParams(header(bad.refusal, 'WWW-Authenticate'));
    assert.equal(c.stale, undefined);
    assert.notEqual(c.nonce, challengeParams(bad.challenge).nonce);
    assert.ok(r.log.lines.some((l) => /alice.*wrong digest response/.test(l)));
    const nobody = await login(r, { method: 'REGISTER', to: '<sip:mallory@example.com>' }, 'x', 'mallory');
    assert.equal(nobody.refusal?.status, 401);
  });

  test('each failed check is reported with the AOR the request claims (To of a REGISTER, From otherwise); a success or an unknown user is not', async () => {
    const failed: string[] = [];
    const r = rig(['Authentication On'], { failed: (aor) => failed.push(aor) });
    assert.equal((await login(r, { method: 'REGISTER' }, 'guess')).refusal?.status, 401);
    assert.equal((await login(r, { method: 'INVITE', from: '<sip:alice@Example.COM>' }, 'guess')).refusal?.status, 407);
    assert.equal((await login(r, { method: 'REGISTER' })).refusal, undefined);
    assert.equal((await login(r, { method: 'REGISTER', to: '<sip:mallory@example.com>' }, 'x', 'mallory')).refusal?.status, 401);
    assert.deepEqual(failed, ['alice@example.com', 'alice@example.com']);
  });

  test('the same credentials sent twice: the replay gets stale=true, a higher nc is accepted', async () => {
    const r = rig(['Authentication On']);
    const out = await login(r, { method: 'INVITE' });
    assert.equal(out.refusal, undefined);
    const again = await r.run(out.withCreds);
    assert.equal(again.refusal?.status, 407);
    assert.equal(challengeParams(header(again.refusal, 'Proxy-Authenticate')).stale, 'true');
    const next = answer({ user: 'alice', password: 'wonderland', method: 'INVITE', uri: 'sip:bob@example.com', challenge: out.challenge, nc: 2 });
    const ok = await r.run({ method: 'INVITE', headers: [`Proxy-Authorization: ${next}`] });
    assert.equal(ok.refusal, undefined);
  });

  test('a correct answer on an expired nonce gets stale=true; on a forged nonce a plain challenge', async () => {
    const r = rig(['Authentication On']);
    const first = await r.run({ method: 'REGISTER' });
    const challenge = header(first.refusal, 'WWW-Authenticate');
    r.clock.t += 301_000;
    const late = await r.run({ method: 'REGISTER', headers: [`Authorization: ${answer({ user: 'alice', password: 'wonderland', method: 'REGISTER', uri: 'sip:example.com', challenge })}`] });
    assert.equal(late.refusal?.status, 401);
    assert.equal(challengeParams(header(late.refusal, 'WWW-Authenticate')).stale, 'true');
    const forged = answer({ user: 'alice', password: 'wonderland', method: 'REGISTER', uri: 'sip:example.com', challenge: 'Digest realm="CISCO", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", algorithm=MD5, qop="auth"' });
    const f = await r.run({ method: 'REGISTER', headers: [`Authorization: ${forged}`] });
    assert.equal(f.refusal?.status, 401);
    assert.equal(challengeParams(header(f.refusal, 'WWW-Authenticate')).stale, undefined);
  });

  test('credentials for another realm are not ours: challenged', async () => {
    const r = rig(['Authentication On']);
    const first = await r.run({ method: 'REGISTER' });
    const creds = answer({ user: 'alice', password: 'wonderland', method: 'REGISTER', uri: 'sip:example.com', challenge: header(first.refusal, 'WWW-Authenticate'), realm: 'elsewhere' });
    const out = await r.run({ method: 'REGISTER', headers: [`Authorization: ${creds}`] });
    assert.equal(out.refusal?.status, 401);
  });

  test('malformed credentials are answered 400, never thrown; incomplete ones too', async () => {
    const r = rig(['Authentication On']);
    for (const v of ['Digest username="alice', 'Digest realm="CISCO", username=alice, realm=CISCO', 'Digest username="alice", realm="CISCO"', 'Digest username="alice", realm="CISCO", nonce="n", uri="sip:example.com", response="zz"']) {
      const out = await r.run({ method: 'REGISTER', headers: [`Authorization: ${v}`] });
      assert.equal(out.refusal?.status, 400, v);
      assert.match(out.refusal?.reason ?? '', /Malformed/);
    }
  });

  test('a digest uri naming another target is refused with 400', async () => {
    const r = rig(['Authentication On']);
    const first = await r.run({ method: 'INVITE' });
    const creds = answer({ user: 'alice', password: 'wonderland', method: 'INVITE', uri: 'sip:carol@example.com', challenge: header(first.refusal, 'Proxy-Authenticate') });
    const out = await r.run({ method: 'INVITE', headers: [`Proxy-Authorization: ${creds}`] });
    assert.equal(out.refusal?.status, 400);
  });

  test('a digest uri naming this proxy (no user part) is accepted, as sipp writes it; another host is not', async () => {
    const r = rig(['Authentication On'], { isThisServer: (host) => host === 'sps.example.com' });
    for (const [uri, status] of [
      ['sip:127.0.0.1:5060', undefined],
      ['sip:127.0.0.1', undefined],
      ['sip:sps.example.com', undefined],
      ['sip:127.0.0.1:5070', 400],
      ['sip:other.example.com', 400],
    ] as const) {
      const first = await r.run({ method: 'INVITE' });
      const creds = answer({ user: 'alice', password: 'wonderland', method: 'INVITE', uri, challenge: header(first.refusal, 'Proxy-Authenticate') });
      assert.equal((await r.run({ method: 'INVITE', headers: [`Proxy-Authorization: ${creds}`] })).refusal?.status, status, uri);
    }
  });

  test('ACK and CANCEL are never challenged', async () => {
    const r = rig(['Authentication On']);
    assert.equal((await r.run({ method: 'ACK' })).refusal, undefined);
    assert.equal((await r.run({ method: 'CANCEL' })).refusal, undefined);
  });
});

describe('algorithms and qop', () => {
  test('SHA-256 with a stored HA1 (no clear-text password)', async () => {
    const r = rig(['Authentication On', 'AuthDigestAlgorithm SHA-256']);
    r.store.put('bob', { kind: 'ha1', realm: 'CISCO', md5: h('MD5', 'bob:CISCO:pw'), sha256: h('SHA-256', 'bob:CISCO:pw') });
    const out = await login(r, { method: 'REGISTER', to: '<sip:bob@example.com>' }, 'pw', 'bob');
    assert.equal(challengeParams(out.challenge).algorithm, 'SHA-256');
    assert.equal(out.refusal, undefined);
  });

  test('MD5-sess', async () => {
    const r = rig(['Authentication On', 'AuthDigestAlgorithm MD5-sess']);
    const out = await login(r, { method: 'INVITE' });
    assert.equal(out.refusal, undefined);
  });

  test('an answer with another algorithm than configured gets a new challenge', async () => {
    const r = rig(['Authentication On', 'AuthDigestAlgorithm SHA-256']);
    const first = await r.run({ method: 'REGISTER' });
    const md5 = header(first.refusal, 'WWW-Authenticate').replace('algorithm=SHA-256', 'algorithm=MD5');
    const out = await r.run({ method: 'REGISTER', headers: [`Authorization: ${answer({ user: 'alice', password: 'wonderland', method: 'REGISTER', uri: 'sip:example.com', challenge: md5 })}`] });
    assert.equal(out.refusal?.status, 401);
  });

  test('auth-int protects the body; with only auth-int offered, qop=auth is not enough', async () => {
    const r = rig(['Authentication On', 'AuthDigestQop auth-int']);
    const body = 'v=0\r\no=- 1 1 IN IP4 192.0.2.44\r\ns=-\r\n';
    const out = await login(r, { method: 'INVITE', body });
    assert.equal(challengeParams(out.challenge).qop, 'auth-int');
    assert.equal(out.refusal, undefined);
    const first = await r.run({ method: 'INVITE', body });
    const ch = header(first.refusal, 'Proxy-Authenticate');
    const authOnly = answer({ user: 'alice', password: 'wonderland', method: 'INVITE', uri: 'sip:bob@example.com', challenge: ch, qop: 'auth' });
    assert.equal((await r.run({ method: 'INVITE', body, headers: [`Proxy-Authorization: ${authOnly}`] })).refusal?.status, 407);
    const tampered = answer({ user: 'alice', password: 'wonderland', method: 'INVITE', uri: 'sip:bob@example.com', challenge: ch, body: body + 'a=x\r\n' });
    assert.equal((await r.run({ method: 'INVITE', body, headers: [`Proxy-Authorization: ${tampered}`] })).refusal?.status, 407);
  });

  test('qop both: either answer is accepted', async () => {
    const r = rig(['Authentication On', 'AuthDigestQop both']);
    assert.equal((await login(r, { method: 'INVITE' }, 'wonderland', 'alice', { qop: 'auth' })).refusal, undefined);
    assert.equal((await login(r, { method: 'INVITE', body: 'v=0\r\n' }, 'wonderland', 'alice', { qop: 'auth-int' })).refusal, undefined);
  });

  test('an answer without qop (RFC 2069) is challenged again: AuthDigestQop has no "none"', async () => {
    const r = rig(['Authentication On', 'AuthDigestQop none']);
    const first = await r.run({ method: 'REGISTER' });
    const ch = header(first.refusal, 'WWW-Authenticate').replace(/, qop="[^"]*"/, '');
    const out = await r.run({ method: 'REGISTER', headers: [`Authorization: ${answer({ user: 'alice', password: 'wonderland', method: 'REGISTER', uri: 'sip:example.com', challenge: ch })}`] });
    assert.equal(out.refusal?.status, 401);
  });
});

describe('Basic (deprecated)', () => {
  const basic = (user: string, pw: string) => 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64');
  test('AuthScheme HTTP_Basic challenges with Basic and accepts the right password; the warning is logged', async () => {
    const r = rig(['Authentication On', 'AuthScheme HTTP_Basic']);
    const first = await r.run({ method: 'INVITE' });
    assert.equal(header(first.refusal, 'Proxy-Authenticate'), 'Basic realm="CISCO"');
    assert.equal((await r.run({ method: 'INVITE', headers: [`Proxy-Authorization: ${basic('alice', 'wonderland')}`] })).refusal, undefined);
    assert.equal((await r.run({ method: 'INVITE', headers: [`Proxy-Authorization: ${basic('alice', 'nope')}`] })).refusal?.status, 407);
    assert.equal(r.log.lines.filter((l) => l.startsWith('warn:') && /deprecated/.test(l)).length, 1);
  });
  test('with HTTP_Digest, Basic credentials are not accepted', async () => {
    const r = rig(['Authentication On']);
    const out = await r.run({ method: 'INVITE', headers: [`Proxy-Authorization: ${basic('alice', 'wonderland')}`] });
    assert.equal(out.refusal?.status, 407);
    assert.match(header(out.refusal, 'Proxy-Authenticate'), /^Digest /);
  });
});

describe('third parties', () => {
  test('AuthAllow3rdPartyRegistration Off (default): a REGISTER for another user is 403; On allows it', async () => {
    const off = rig(['Authentication On']);
    assert.equal((await login(off, { method: 'REGISTER', to: '<sip:bob@example.com>' })).refusal?.status, 403);
    assert.equal((await login(off, { method: 'REGISTER' })).refusal, undefined);
    const on = rig(['Authentication On', 'AuthAllow3rdPartyRegistration On']);
    assert.equal((await login(on, { method: 'REGISTER', to: '<sip:bob@example.com>' })).refusal, undefined);
  });
  test('AuthAllow3rdPartyInvite Off: the From user must be the authenticated user; On (default) allows others', async () => {
    const off = rig(['Authentication On', 'AuthAllow3rdPartyInvite Off']);
    assert.equal((await login(off, { method: 'INVITE', from: '<sip:carol@example.com>' })).refusal?.status, 403);
    assert.equal((await login(off, { method: 'INVITE' })).refusal, undefined);
    const on = rig(['Authentication On']);
    assert.equal((await login(on, { method: 'INVITE', from: '<sip:carol@example.com>' })).refusal, undefined);
  });
});

describe('Satisfy with and without authentication', () => {
  // Sender A is named by Allow from; B is refused (Deny from all); C is admitted by default only.
  const A = '10.1.0.5';
  const B = '203.0.113.9';
  const ACL_DENY_ALL = ['Order Deny,Allow', 'Deny from all', 'Allow from 10.1'];
  const ACL_DEFAULT_ALLOW = ['Order Deny,Allow', 'Deny from 203.0.113.0/24', 'Allow from 10.1'];
  const C = '198.51.100.3';

  test('Authentication Off: the access list alone decides (403 for a refused sender), whatever Satisfy says', async () => {
    for (const satisfy of ['All', 'Any']) {
      const r = rig([...ACL_DENY_ALL, `Satisfy ${satisfy}`]);
      const a = await r.run({ method: 'INVITE' }, A);
      assert.equal(a.refusal, undefined);
      assert.equal(a.ctx.trustedSource, true);
      const b = await r.run({ method: 'INVITE' }, B);
      assert.equal(b.refusal?.status, 403, satisfy);
      assert.equal(b.ctx.trustedSource, false);
    }
  });

  test('Satisfy All: an allowed sender is still challenged; a refused one gets 403 without a challenge', async () => {
    const r = rig(['Authentication On', 'Satisfy All', ...ACL_DENY_ALL]);
    assert.equal((await r.run({ method: 'INVITE' }, A)).refusal?.status, 407);
    assert.equal((await login(r, { method: 'INVITE' }, 'wonderland', 'alice', { from: A })).refusal, undefined);
    const b = await r.run({ method: 'INVITE' }, B);
    assert.equal(b.refusal?.status, 403);
    assert.equal(b.refusal?.headers, undefined);
  });

  test('Satisfy Any: a sender named by Allow from is not challenged (the guide\'s note); others are admitted once they authenticate', async () => {
    const r = rig(['Authentication On', 'Satisfy Any', ...ACL_DENY_ALL]);
    const a = await r.run({ method: 'INVITE' }, A);
    assert.equal(a.refusal, undefined);
    assert.equal(a.ctx.authenticatedUser, undefined);
    assert.equal(r.store.gets.length, 0);
    assert.equal((await r.run({ method: 'INVITE' }, B)).refusal?.status, 407);
    const b = await login(r, { method: 'INVITE' }, 'wonderland', 'alice', { from: B });
    assert.equal(b.refusal, undefined);
    assert.equal(b.ctx.trustedSource, false, 'authenticated, but its identity headers are still untrusted');
  });

  test('Satisfy Any: admitted only by default (no Allow names it) is not enough to skip authentication', async () => {
    const r = rig(['Authentication On', 'Satisfy Any', ...ACL_DEFAULT_ALLOW]);
    assert.equal((await r.run({ method: 'INVITE' }, C)).refusal?.status, 407);
    assert.equal((await r.run({ method: 'INVITE' }, A)).refusal, undefined);
  });

  test('Satisfy Any without any access list: everyone is challenged', async () => {
    const r = rig(['Authentication On', 'Satisfy Any']);
    assert.equal((await r.run({ method: 'INVITE' }, A)).refusal?.status, 407);
  });
});

describe('user names and domains', () => {
  test('virtual proxy hosts: the key is user@domain, the domain from From', async () => {
    const r = rig(['Authentication On', '<VirtualProxyHost a>', 'Virtual_Proxy_Domain companyA.com', '</VirtualProxyHost>']);
    r.store.put('alice', { kind: 'plain', password: 'a-secret' }, 'companya.com');
    const out = await login(r, { method: 'REGISTER', uri: 'sip:companyA.com', from: '<sip:alice@companyA.com>', to: '<sip:alice@companyA.com>' }, 'a-secret');
    assert.equal(out.refusal, undefined);
    assert.equal(out.ctx.authenticatedUser, 'alice@companya.com');
    assert.deepEqual(r.store.gets.at(-1), ['alice', 'companya.com']);
  });

  test('NumExpandAuthUserName On runs the user name through number expansion before the lookup; Off does not', async () => {
    const expand = (u: string) => (/^\d{4}$/.test(u) ? `+1408555${u}` : u);
    const on = rig(['Authentication On'], { expand });
    on.store.put('+14085552000', { kind: 'plain', password: 'pw' });
    const out = await login(on, { method: 'REGISTER', to: '<sip:2000@example.com>' }, 'pw', '2000');
    assert.equal(out.refusal, undefined);
    assert.equal(out.ctx.authenticatedUser, '+14085552000');
    const off = rig(['Authentication On', 'NumExpandAuthUserName Off'], { expand });
    off.store.put('+14085552000', { kind: 'plain', password: 'pw' });
    assert.equal((await login(off, { method: 'REGISTER', to: '<sip:2000@example.com>' }, 'pw', '2000')).refusal?.status, 401);
    assert.deepEqual(off.store.gets.at(-1), ['2000', undefined]);
  });

  test('a stored HA1 made for another realm cannot be used: challenged, with one warning', async () => {
    const r = rig(['Authentication On', 'AuthRealm NEW']);
    r.store.put('bob', { kind: 'ha1', realm: 'CISCO', md5: h('MD5', 'bob:CISCO:pw'), sha256: h('SHA-256', 'bob:CISCO:pw') });
    for (let i = 0; i < 3; i++) assert.equal((await login(r, { method: 'REGISTER', to: '<sip:bob@example.com>' }, 'pw', 'bob')).refusal?.status, 401);
    assert.equal(r.log.lines.filter((l) => /another realm/.test(l)).length, 1);
  });
});

describe('failures around authentication', () => {
  test('subscriber store unavailable: 503 with Retry-After, logged', async () => {
    const r = rig(['Authentication On']);
    const first = await r.run({ method: 'REGISTER' });
    r.store.down = true;
    const creds = answer({ user: 'alice', password: 'wonderland', method: 'REGISTER', uri: 'sip:example.com', challenge: header(first.refusal, 'WWW-Authenticate') });
    const out = await r.run({ method: 'REGISTER', headers: [`Authorization: ${creds}`] });
    assert.equal(out.refusal?.status, 503);
    assert.match(header(out.refusal, 'Retry-After'), /^\d+$/);
    assert.ok(r.log.lines.some((l) => l.startsWith('warn:') && /unavailable/.test(l)));
  });

  test('no subscriber store at all: 503', async () => {
    const r = rig(['Authentication On'], { subscribers: () => undefined });
    const out = await login(r, { method: 'INVITE' }).catch(() => undefined);
    assert.equal(out?.refusal?.status, 503);
  });
});

describe('snapshots', () => {
  test('prepare compiles the list once per snapshot; trustedDestination answers for that snapshot', async () => {
    const calls: string[] = [];
    const lookup = async (n: string) => (calls.push(n), ['192.0.2.50']);
    const r = rig(['Order Deny,Allow', 'Deny to all', 'Allow to gw.example.com'], { lookup });
    assert.equal(r.admission.trustedDestination('192.0.2.50', r.config), false, 'not compiled yet: untrusted');
    await r.admission.prepare(r.config);
    await r.admission.prepare(r.config);
    assert.deepEqual(calls, ['gw.example.com']);
    assert.equal(r.admission.trustedDestination('192.0.2.50', r.config), true);
    assert.equal(r.admission.trustedDestination('::ffff:192.0.2.50', r.config), true);
    assert.equal(r.admission.trustedDestination('192.0.2.51', r.config), false);
    const next = conf(['Order Deny,Allow']);
    await r.admission.prepare(next);
    assert.equal(r.admission.trustedDestination('192.0.2.51', next), true);
  });
});
