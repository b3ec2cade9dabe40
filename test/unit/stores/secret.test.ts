// Stored secrets: HA1 per RFC 2617 / RFC 7616 and its text form in a password column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { checkBasic, decodeSecret, encodeSecret, ha1For, makeSecret, sessionHa1 } from '../../../src/stores/secret.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

test('RFC 2617 §3.5 example: HA1 of Mufasa / testrealm@host.com is the published value', () => {
  const s = makeSecret('Mufasa', 'testrealm@host.com', 'Circle Of Life');
  assert.equal(ha1For(s, 'MD5', 'Mufasa', 'testrealm@host.com'), '939e7578ed9e3c518a452acee763bce9');
});

test('RFC 7616 §3.9.1 example: responses from the stored HA1 match the RFC for MD5 and SHA-256', () => {
  const s = makeSecret('Mufasa', 'http-auth@example.org', 'Circle of Life');
  const nonce = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
  const cnonce = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
  const respMd5 = md5(`${ha1For(s, 'MD5', 'Mufasa', 'http-auth@example.org')}:${nonce}:00000001:${cnonce}:auth:${md5('GET:/dir/index.html')}`);
  assert.equal(respMd5, '8ca523f5e9506fed4657c9700eebdbec');
  const respSha = sha256(`${ha1For(s, 'SHA-256', 'Mufasa', 'http-auth@example.org')}:${nonce}:00000001:${cnonce}:auth:${sha256('GET:/dir/index.html')}`);
  assert.equal(respSha, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('an HA1 made for another realm gives no digest HA1, but Basic still checks', () => {
  const s = makeSecret('2000', 'CISCO', 'pw1');
  assert.equal(ha1For(s, 'MD5', '2000', 'OTHER'), undefined);
  assert.equal(checkBasic(s, '2000', 'OTHER', 'pw1'), true);
  assert.equal(checkBasic(s, '2000', 'CISCO', 'pw2'), false);
  assert.equal(checkBasic(undefined, '2000', 'CISCO', 'pw1'), false);
});

test('plain (legacy) secrets: HA1 computed for any realm, Basic compares the text', () => {
  const s = { kind: 'plain', password: 'secret' } as const;
  assert.equal(ha1For(s, 'MD5', 'bob', 'R'), md5('bob:R:secret'));
  assert.equal(ha1For(s, 'SHA-256-sess', 'bob', 'R'), sha256('bob:R:secret'));
  assert.equal(checkBasic(s, 'bob', 'R', 'secret'), true);
  assert.equal(checkBasic(s, 'bob', 'R', 'Secret'), false);
});

test('-sess HA1 adds the nonces (RFC 7616 §3.4.2)', () => {
  assert.equal(sessionHa1('abc', 'MD5-sess', 'n', 'c'), md5('abc:n:c'));
  assert.equal(sessionHa1('abc', 'SHA-256-sess', 'n', 'c'), sha256('abc:n:c'));
  assert.equal(sessionHa1('abc', 'MD5', 'n', 'c'), 'abc');
});

test('text form round-trips, realms may hold $, anything else is a plain password', () => {
  const s = makeSecret('u', 'we$ird$realm', 'p');
  const text = encodeSecret(s);
  assert.match(text, /^ha1\$we\$ird\$realm\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
  assert.deepEqual(decodeSecret(text), s);
  assert.deepEqual(decodeSecret('nobody'), { kind: 'plain', password: 'nobody' });
  assert.deepEqual(decodeSecret('ha1$x$short$hash'), { kind: 'plain', password: 'ha1$x$short$hash' });
  assert.equal(decodeSecret(''), undefined);
  assert.equal(decodeSecret(null), undefined);
});
