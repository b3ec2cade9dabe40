// pserver's account file and audit log on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccountError, AccountStore } from '../../../src/provisioning/accounts.js';
import { AuditLog } from '../../../src/provisioning/audit.js';
import { loadPserverSettings } from '../../../src/provisioning/settings.js';

function scratch(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'opensps-accounts-'));
}

test('first admin, add, verify, must-change, role and delete rules; the file is 0600 and holds no password', async () => {
  const dir = scratch();
  try {
    const s = AccountStore.open(dir);
    const pwFile = path.join(dir, 'initial-password');
    const pw = await s.ensureFirstAdmin('boss');
    assert.ok(pw);
    assert.equal(await s.ensureFirstAdmin('other'), null, 'only when there is no account');
    assert.equal(readFileSync(pwFile, 'utf8'), `boss ${pw}\n`);
    assert.equal(statSync(pwFile).mode & 0o777, 0o600);
    assert.equal(statSync(s.file).mode & 0o777, 0o600);
    assert.ok(!readFileSync(s.file, 'utf8').includes(pw!));
    assert.deepEqual(await s.verify('boss', pw!), { name: 'boss', role: 'administrator' });
    assert.equal(await s.verify('boss', 'wrong'), null);
    assert.equal(await s.verify('nobody', pw!), null);
    assert.equal(s.mustChangePassword('boss'), true);
    await s.changePassword('boss', 'boss-password-1');
    assert.equal(s.mustChangePassword('boss'), false);
    assert.ok(!existsSync(pwFile), 'the one-time password file goes once it has been changed');

    await assert.rejects(s.add('bad name', 'operator', 'a-long-password'), AccountError);
    await assert.rejects(s.add('op', 'operator', 'short'), /at least 10/);
    await s.add('op', 'operator', 'op-initial-pw');
    await assert.rejects(s.add('op', 'operator', 'op-initial-pw'), /already exists/);
    assert.throws(() => s.setRole('boss', 'operator'), /last administrator/);
    assert.throws(() => s.remove('boss'), /last administrator/);
    s.setRole('op', 'administrator');
    s.setRole('boss', 'read-only');
    s.remove('boss');
    await s.resetPassword('op', 'op-reset-pw-1');
    assert.equal(s.mustChangePassword('op'), true);

    // What was written is what a new store reads.
    const again = AccountStore.open(dir);
    assert.deepEqual(again.list().map((a) => [a.name, a.role, a.mustChange]), [['op', 'administrator', true]]);
    assert.deepEqual(await again.verify('op', 'op-reset-pw-1'), { name: 'op', role: 'administrator' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('audit log: appended lines read back newest first, a page at a time, across chunk boundaries', () => {
  const dir = scratch();
  try {
    const a = new AuditLog(dir);
    assert.deepEqual(a.read(0, 10), { entries: [], more: false });
    const long = 'é'.repeat(1500); // multi-byte characters straddle the reader's 64 KiB chunks
    for (let i = 0; i < 120; i++) a.record(`user${i}`, 'change', `${i} ${long}`);
    const first = a.read(0, 50);
    assert.equal(first.entries.length, 50);
    assert.equal(first.more, true);
    assert.equal(first.entries[0].user, 'user119');
    const last = a.read(100, 50);
    assert.deepEqual(last.entries.map((e) => e.user), Array.from({ length: 20 }, (_, i) => `user${19 - i}`));
    assert.equal(last.more, false);
    assert.ok(last.entries.every((e) => e.detail.endsWith(long)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ps.conf: defaults without a file, errors with file:line, certificate and key go together', () => {
  const dir = scratch();
  try {
    const conf = path.join(dir, 'conf', 'ps.conf');
    const d = loadPserverSettings(conf);
    assert.ok(d.ok);
    assert.deepEqual(d.settings.listen, { host: '0.0.0.0', port: 26005 });
    assert.equal(d.settings.serverRoot, dir);
    assert.equal(d.settings.firstAdministrator, 'cspsuser');
    assert.equal(d.settings.pidFile, path.join(dir, 'logs', 'pserver.pid'));
    writeFileSync(path.join(dir, 'ps.conf'), 'PServerPort 70000\nPServerCertificateFile c.pem\nPServerAddress example.com\n');
    const bad = loadPserverSettings(path.join(dir, 'ps.conf'));
    assert.ok(!bad.ok);
    const msgs = bad.errors.map((e) => `${e.line}: ${e.message}`).join('\n');
    assert.match(msgs, /^1: .*out of range/m);
    assert.match(msgs, /^3: .*not an IPv4 or IPv6 address/m);
    assert.match(msgs, /^2: PServerCertificateFile: set both/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
