// Digest computations against the RFCs' own examples, and header parsing that never
// throws whatever it is given.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeHa1, digestChallenge, digestCredentials, digestResponse, parseAuthValue, storedHa1 } from '../../../src/modules/auth/digest.js';
import { basicCredentials, checkBasicPassword } from '../../../src/modules/auth/basic.js';
import { h } from './client.js';

describe('RFC example vectors', () => {
  test('RFC 2617 §3.5: Mufasa / "Circle Of Life", qop=auth, MD5', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    const r = digestResponse({ algorithm: 'MD5', ha1, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' });
    assert.equal(r, '6629fae49393a05397450978507c4ef1');
  });

  const RFC7616 = {
    realm: 'http-auth@example.org',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };
  test('RFC 7616 §3.9.1: SHA-256 and MD5 responses for the same exchange', () => {
    for (const [algorithm, want] of [
      ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
      ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ] as const) {
      const ha1 = computeHa1(algorithm, 'Mufasa', RFC7616.realm, 'Circle of Life');
      const r = digestResponse({ algorithm, ha1, nonce: RFC7616.nonce, method: 'GET', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: RFC7616.cnonce });
      assert.equal(r, want, algorithm);
    }
  });

  test('the RFC 7616 example credentials parse to the fields that produce that response', () => {
    const p = parseAuthValue(
      `Digest username="Mufasa", realm="${RFC7616.realm}", uri="/dir/index.html", algorithm=SHA-256, nonce="${RFC7616.nonce}", nc=00000001, cnonce="${RFC7616.cnonce}", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    );
    assert.ok(p.ok);
    const c = digestCredentials(p.value);
    assert.ok(c.ok, c.ok ? '' : c.reason);
    assert.deepEqual(
      { u: c.value.username, a: c.value.algorithm, q: c.value.qop, nc: c.value.nc, o: c.value.opaque },
      { u: 'Mufasa', a: 'SHA-256', q: 'auth', nc: '00000001', o: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS' },
    );
  });
});

describe('session algorithms and auth-int (computed from the RFC formulas independently)', () => {
  const base = { nonce: 'abc123', method: 'INVITE', uri: 'sip:bob@example.com', nc: '0000000a', cnonce: 'xyz' } as const;
  for (const alg of ['MD5-sess', 'SHA-256-sess'] as const) {
    test(`${alg}: HA1 = H(H(user:realm:pass):nonce:cnonce)`, () => {
      const plain = h(alg, 'alice:CISCO:secret');
      const sess = h(alg, `${plain}:abc123:xyz`);
      const want = h(alg, `${sess}:abc123:0000000a:xyz:auth:${h(alg, 'INVITE:sip:bob@example.com')}`);
      assert.equal(digestResponse({ ...base, algorithm: alg, ha1: plain, qop: 'auth' }), want);
    });
  }
  test('auth-int: HA2 = H(method:uri:H(body)); a changed body changes the response', () => {
    const ha1 = h('MD5', 'alice:CISCO:secret');
    const body = Buffer.from('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n');
    const want = h('MD5', `${ha1}:abc123:0000000a:xyz:auth-int:${h('MD5', `INVITE:sip:bob@example.com:${h('MD5', body)}`)}`);
    assert.equal(digestResponse({ ...base, algorithm: 'MD5', ha1, qop: 'auth-int', body }), want);
    assert.notEqual(digestResponse({ ...base, algorithm: 'MD5', ha1, qop: 'auth-int', body: Buffer.from('v=1') }), want);
  });
  test('RFC 2069 form (no qop): H(HA1:nonce:HA2)', () => {
    const ha1 = h('MD5', 'alice:CISCO:secret');
    assert.equal(digestResponse({ algorithm: 'MD5', ha1, nonce: 'n', method: 'BYE', uri: 'sip:x@y' }), h('MD5', `${ha1}:n:${h('MD5', 'BYE:sip:x@y')}`));
  });
});

describe('stored secrets', () => {
  test('an HA1 secret serves only its realm; a plain one is hashed with the name as sent', () => {
    const secret = { kind: 'ha1', realm: 'CISCO', md5: h('MD5', 'alice:CISCO:pw'), sha256: h('SHA-256', 'alice:CISCO:pw') } as const;
    assert.equal(storedHa1(secret, 'MD5', 'alice', 'CISCO'), secret.md5);
    assert.equal(storedHa1(secret, 'SHA-256-sess', 'alice', 'CISCO'), secret.sha256);
    assert.equal(storedHa1(secret, 'MD5', 'alice', 'OTHER'), undefined);
    assert.equal(storedHa1({ kind: 'plain', password: 'pw' }, 'MD5', 'alice', 'X'), h('MD5', 'alice:X:pw'));
    // Basic hashes the offered password with the secret's own realm, whatever AuthRealm is now.
    assert.equal(checkBasicPassword(secret, 'alice', 'pw'), true);
    assert.equal(checkBasicPassword(secret, 'alice', 'pW'), false);
    assert.equal(checkBasicPassword(secret, 'bob', 'pw'), false);
    assert.equal(checkBasicPassword({ kind: 'plain', password: 'pw' }, 'alice', 'pw'), true);
  });
});

describe('challenges', () => {
  test('qop both offers "auth,auth-int"; stale only when asked', () => {
    assert.equal(digestChallenge({ realm: 'CISCO', nonce: 'n1', algorithm: 'SHA-256', qop: 'both' }), 'Digest realm="CISCO", nonce="n1", algorithm=SHA-256, qop="auth,auth-int"');
    assert.match(digestChallenge({ realm: 'CISCO', nonce: 'n1', algorithm: 'MD5', qop: 'auth', stale: true }), /, stale=true$/);
  });
});

describe('malformed credentials never throw', () => {
  const BAD = [
    '',
    'Digest username="alice',
    'Digest username="a", username="b"',
    'Digest username="a",,realm="b"',
    'Digest username="a",',
    'Digest username="a" realm="b"',
    'Digest =x',
    '"quoted" scheme',
    'Digest username="a\\',
    'Digest\u0000 x=y',
    'x'.repeat(5000),
  ];
  for (const v of BAD) {
    test(`refused: ${JSON.stringify(v.slice(0, 40))}`, () => {
      const p = parseAuthValue(v);
      assert.equal(p.ok, false, JSON.stringify(p));
    });
  }

  // Grammatical (a bare scheme, a token68) but not Digest credentials.
  const INCOMPLETE = [
    'Digest',
    'Digest ',
    'Digest username',
    'Digest username=',
    'Digest realm="CISCO", nonce="n", uri="sip:a@b", response="0123456789abcdef0123456789abcdef"',
    'Digest username="a", realm="CISCO", nonce="n", uri="sip:a@b", response="xyz"',
    'Digest username="a", realm="CISCO", nonce="n", uri="sip:a@b", response="0123456789abcdef0123456789abcdef", qop=auth',
    'Digest username="a", realm="CISCO", nonce="n", uri="sip:a@b", response="0123456789abcdef0123456789abcdef", qop=auth, cnonce="c", nc=1',
    'Digest username="a", realm="CISCO", nonce="n", uri="sip:a@b", response="0123456789abcdef0123456789abcdef", qop=auth-conf, cnonce="c", nc=00000001',
    'Digest username="a", realm="CISCO", nonce="n", uri="sip:a@b", response="0123456789abcdef0123456789abcdef", userhash=true',
    'Basic realm="x"',
  ];
  for (const v of INCOMPLETE) {
    test(`parses but is not usable Digest: ${v.slice(0, 60)}…`, () => {
      const p = parseAuthValue(v);
      assert.ok(p.ok);
      assert.equal(digestCredentials(p.value).ok, false);
    });
  }

  test('random bytes and mutations of a good value neither throw nor hang', () => {
    const good = 'Digest username="alice", realm="CISCO", nonce="abc", uri="sip:bob@example.com", response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="x"';
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const alphabet = ' ",=\\\t\r\n\'abcDigest0123';
    for (let i = 0; i < 3000; i++) {
      const chars = [...good];
      for (let k = 0; k < 1 + rnd(4); k++) chars[rnd(chars.length)] = alphabet[rnd(alphabet.length)];
      const p = parseAuthValue(chars.join(''));
      if (p.ok) digestCredentials(p.value);
    }
  });

  test('Basic: base64 of user:password, anything else refused', () => {
    const ok = parseAuthValue('Basic ' + Buffer.from('alice:open sesame').toString('base64'));
    assert.ok(ok.ok);
    assert.deepEqual(basicCredentials(ok.value), { ok: true, value: { user: 'alice', password: 'open sesame' } });
    for (const v of ['Basic', 'Basic !!!', 'Basic ' + Buffer.from('nocolon').toString('base64'), 'Basic ' + Buffer.from(':pw').toString('base64')]) {
      const p = parseAuthValue(v);
      assert.equal(p.ok && basicCredentials(p.value).ok, false, v);
    }
  });
});
