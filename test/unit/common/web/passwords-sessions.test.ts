// The web kit's pieces without a server: scrypt hashes, the password rule, the session
// store (idle expiry, bound, per-user drop), the login lockout and the listen checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Session } from 'fastify';
import { hashPassword, passwordProblem, randomPassword, verifyPassword } from '../../../../src/common/web/passwords.js';
import { LoginLockout, MemorySessionStore } from '../../../../src/common/web/sessions.js';
import { isLoopback, makeSelfSignedCertificate, parseListen, webTransport } from '../../../../src/common/web/listen.js';

test('scrypt hashes are self-describing, salted, and verify only the right password', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  assert.equal(await verifyPassword('x', 'plain-text'), false, 'a malformed hash is a mismatch, not an exception');
  // A tampered cost parameter cannot make one check cost gigabytes.
  assert.equal(await verifyPassword('correct horse battery', a.replace('$32768$', '$1073741824$')), false);
});

test('the password rule: at least 10 characters, not the user name, not the old password', () => {
  assert.match(passwordProblem('alice', 'short')!, /at least 10/);
  assert.match(passwordProblem('alice-admin', 'ALICE-ADMIN')!, /user name/);
  assert.match(passwordProblem('alice', 'same-password-1', 'same-password-1')!, /differ/);
  assert.equal(passwordProblem('alice', 'a-good-password'), null);
  assert.equal(randomPassword().length, 20);
  assert.equal(passwordProblem('x', randomPassword()), null);
});

const session = (user?: string) => ({ ...(user ? { user: { name: user, role: 'operator' } } : {}) }) as unknown as Session;
const get = (s: MemorySessionStore, id: string) => new Promise<Session | null | undefined>((r) => s.get(id, (_e, v) => r(v)));
const set = (s: MemorySessionStore, id: string, v: Session) => new Promise<void>((r) => s.set(id, v, () => r()));

test('sessions end after the idle time, and each use restarts it', async () => {
  let now = 0;
  const s = new MemorySessionStore({ idleMs: 1000, now: () => now });
  try {
    await set(s, 'a', session('alice'));
    now = 900;
    assert.ok(await get(s, 'a'));
    now = 1800;
    assert.ok(await get(s, 'a'), 'used at 900: still alive at 1800');
    now = 2801;
    assert.equal(await get(s, 'a'), null);
  } finally {
    s.close();
  }
});

test('the store is bounded: anonymous sessions make room first, then the least recently used', async () => {
  const s = new MemorySessionStore({ idleMs: 60_000, max: 3 });
  try {
    await set(s, 'u1', session('alice'));
    await set(s, 'anon', session());
    await set(s, 'u2', session('bob'));
    await set(s, 'u3', session('carol'));
    assert.equal(s.size, 3);
    assert.equal(await get(s, 'anon'), null, 'the anonymous one went');
    await get(s, 'u1'); // u1 is now the most recent
    await set(s, 'u4', session('dave'));
    assert.equal(await get(s, 'u2'), null, 'then the least recently used');
    assert.ok(await get(s, 'u1'));
  } finally {
    s.close();
  }
});

test("dropUser ends every session of one user but the one kept", async () => {
  const s = new MemorySessionStore({ idleMs: 60_000 });
  try {
    await set(s, 'a1', session('alice'));
    await set(s, 'a2', session('alice'));
    await set(s, 'b1', session('bob'));
    assert.equal(s.dropUser('alice', 'a2'), 1);
    assert.equal(await get(s, 'a1'), null);
    assert.ok(await get(s, 'a2'));
    assert.ok(await get(s, 'b1'));
  } finally {
    s.close();
  }
});

test('lockout: N failures within the window lock the name (any case) for the lock time; older failures do not count', () => {
  let now = 0;
  const l = new LoginLockout({ attempts: 3, windowMs: 1000, lockMs: 5000, now: () => now });
  assert.equal(l.fail('Alice'), false);
  now = 1500; // the first failure is outside the window now
  assert.equal(l.fail('alice'), false);
  assert.equal(l.fail('alice'), false);
  assert.equal(l.lockedTill('alice'), undefined);
  assert.equal(l.fail('ALICE'), true);
  assert.equal(l.lockedTill('alice'), 6500);
  assert.equal(l.lockedTill('bob'), undefined);
  now = 6501;
  assert.equal(l.lockedTill('alice'), undefined);
});

test('listen: plain HTTP only on loopback; addresses parsed', () => {
  assert.deepEqual(parseListen('127.0.0.1:26005'), { host: '127.0.0.1', port: 26005 });
  assert.deepEqual(parseListen('[::1]:8443'), { host: '::1', port: 8443 });
  assert.match(String(parseListen('example.com:80')), /not an IP address/);
  assert.ok(isLoopback('127.0.0.1') && isLoopback('127.9.9.9') && isLoopback('::1'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('10.0.0.1') && !isLoopback('::'));
  assert.deepEqual(webTransport({ host: '127.0.0.1', port: 1 }, null), { https: null, secureCookies: false });
  assert.throws(() => webTransport({ host: '0.0.0.0', port: 1 }, null), /plain HTTP is allowed only on a loopback address/);
  assert.throws(() => webTransport({ host: '0.0.0.0', port: 1 }, { certFile: '/nonexistent/c.pem', keyFile: '/nonexistent/k.pem' }), /cannot read the certificate/);
});

test('makeSelfSignedCertificate: openssl makes a pair for the host, the key private; an existing pair is kept', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opensps-cert-'));
  try {
    const t = await makeSelfSignedCertificate(dir, 'sps1.example.com');
    assert.equal(statSync(t.keyFile).mode & 0o777, 0o600);
    const x = spawnSync('openssl', ['x509', '-in', t.certFile, '-noout', '-subject', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    assert.match(x.stdout, /CN\s*=\s*sps1\.example\.com/);
    assert.match(x.stdout, /DNS:sps1\.example\.com/);
    assert.match(x.stdout, /IP Address:127\.0\.0\.1/);
    const mtime = statSync(t.certFile).mtimeMs;
    await makeSelfSignedCertificate(dir, 'other.example.com');
    assert.equal(statSync(t.certFile).mtimeMs, mtime);
    assert.equal(webTransport({ host: '0.0.0.0', port: 1 }, t).secureCookies, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
