// Dr-Web's users from snmpd.cnf's httpUserNameEntry lines: scrypt hashes verify, a clear-text
// password (CIAgent's way, and the guide's example) is refused with a message saying how to
// hash it, every bad line is reported with file:line, and a password change rewrites that
// user's line in place, leaving the rest of the file as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpUserDirectory, parseHttpUsers } from '../../../../src/agent/web/users.js';
import { KIT_HASHING, hashedUserLine } from '../../../../src/agent/web/index.js';
import { parseSnmpdCnf } from '../../../../src/agent/cnf/snmpd-cnf.js';

const FILE = '/etc/snmpd.cnf';

test('a hashed httpUserNameEntry verifies its password and no other; access levels map onto roles', async () => {
  const admin = await hashedUserLine('admin', 'SystemAdmin', 'correct horse battery');
  const oper = await hashedUserLine('oper', 'operator', 'operator password 1');
  const viewer = await hashedUserLine('viewer', 'ReadOnly', 'viewer password 1');
  assert.ok('line' in admin && 'line' in oper && 'line' in viewer);
  assert.match(admin.line, /^httpUserNameEntry admin SystemAdmin - nonVolatile scrypt\$\d+\$8\$1\$\S+\$\S+$/);
  const text = ['# Dr-Web users', admin.line, oper.line, viewer.line, ''].join('\n');
  // snmpd.cnf itself still loads with these lines.
  assert.deepEqual(parseSnmpdCnf(text, FILE).messages, []);
  const dir = new HttpUserDirectory({ file: FILE, hashing: KIT_HASHING, read: () => text });
  assert.deepEqual(dir.load(), []);
  assert.deepEqual(await dir.verify('admin', 'correct horse battery'), { name: 'admin', role: 'administrator' });
  assert.deepEqual(await dir.verify('oper', 'operator password 1'), { name: 'oper', role: 'operator' });
  assert.deepEqual(await dir.verify('viewer', 'viewer password 1'), { name: 'viewer', role: 'read-only' });
  assert.equal(await dir.verify('admin', 'correct horse batterY'), null);
  assert.equal(await dir.verify('admin', ''), null);
  assert.equal(await dir.verify('nobody', 'correct horse battery'), null);
  assert.equal(dir.mustChangePassword('admin'), false);
});

test('a clear-text password is refused with how to hash it; bad lines come back with file:line; good lines still load', async () => {
  const good = await hashedUserLine('ok', 'SystemAdmin', 'a good password');
  assert.ok('line' in good);
  const text = [
    '# line 1',
    'httpUserNameEntry plain SystemAdmin - nonVolatile secret123',
    'httpUserNameEntry <pre><your-login-name> SystemAdmin - nonVolatile <pre><your-login-password></your-login-password></pre></your-login-name></pre>',
    'httpUserNameEntry lvl Superuser - nonVolatile scrypt$1$1$1$a$b',
    'httpUserNameEntry short SystemAdmin - nonVolatile',
    good.line,
    'httpUserNameEntry nopass ReadOnly - nonVolatile -',
    good.line,
    'httpUserNameEntry store ReadOnly - forever scrypt$1$1$1$a$b',
  ].join('\n');
  const { users, messages } = parseHttpUsers(text, FILE, KIT_HASHING);
  assert.deepEqual(users.map((u) => [u.name, u.role, u.line]), [['ok', 'administrator', 6]]);
  const at = (line: number) => messages.filter((m) => m.line === line).map((m) => `${m.file}:${m.line}: ${m.message}`);
  assert.match(at(2)[0], /^\/etc\/snmpd\.cnf:2: httpUserNameEntry plain has a clear-text password, which Dr-Web refuses .*ciagent --hash-password plain SystemAdmin/);
  // The guide's example line, as printed: its place-holders are not a user name.
  assert.match(at(3)[0], /^\/etc\/snmpd\.cnf:3: httpUserNameEntry: user name '<pre><your-login-name>' must be/);
  assert.match(at(4)[0], /:4: httpUserNameEntry lvl: access level 'Superuser' is not valid.*SystemAdmin \(administrator\), Operator \(operator\), ReadOnly \(read-only\)/);
  assert.match(at(5)[0], /:5: httpUserNameEntry takes 5 fields, found 4/);
  assert.match(at(7)[0], /:7: httpUserNameEntry nopass has no password; make one with: ciagent --hash-password nopass ReadOnly/);
  assert.match(at(8)[0], /:8: httpUserNameEntry ok is already defined on line 6/);
  assert.match(at(9)[0], /:9: httpUserNameEntry store: storage type 'forever' is not valid/);
  assert.equal(messages.length, 7, messages.map((m) => m.message).join('\n'));
  // The clear-text user cannot sign in with the password written there.
  const dir = new HttpUserDirectory({ file: FILE, hashing: KIT_HASHING, read: () => text });
  dir.load();
  assert.equal(await dir.verify('plain', 'secret123'), null);
});

test('--hash-password refuses a weak password and a bad level', async () => {
  const weak = await hashedUserLine('admin', 'SystemAdmin', 'short');
  assert.ok('error' in weak && /at least \d+ characters/.test(weak.error), JSON.stringify(weak));
  const level = await hashedUserLine('admin', 'root', 'long enough password');
  assert.ok('error' in level && /access level 'root' is not valid/.test(level.error));
  const name = await hashedUserLine('bad name', 'SystemAdmin', 'long enough password');
  assert.ok('error' in name && /user name 'bad name'/.test(name.error), JSON.stringify(name));
});

test('a password change rewrites only that user\'s line, atomically and keeping the mode', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'drweb-users-'));
  try {
    const file = path.join(tmp, 'snmpd.cnf');
    const a = await hashedUserLine('admin', 'SystemAdmin', 'first password 1');
    const b = await hashedUserLine('viewer', 'ReadOnly', 'viewer password 1');
    assert.ok('line' in a && 'line' in b);
    const before = ['# comment kept', 'snmpCommunityEntry t0000001 cspsAdmin proxySec localSnmpID - - nonVolatile', a.line, '   # indented', b.line, ''].join('\n');
    writeFileSync(file, before);
    chmodSync(file, 0o600);
    const dir = new HttpUserDirectory({ file, hashing: KIT_HASHING });
    assert.deepEqual(dir.load(), []);
    await assert.rejects(dir.changePassword('admin', 'short'), /at least \d+ characters/);
    await assert.rejects(dir.changePassword('admin', 'first password 1'), /same as the current one/);
    await assert.rejects(dir.changePassword('ghost', 'a new password 2'), /no Dr-Web user ghost/);
    assert.equal(readFileSync(file, 'utf8'), before, 'refused changes leave the file alone');
    await dir.changePassword('admin', 'a new password 2');
    const after = readFileSync(file, 'utf8').split('\n');
    const old = before.split('\n');
    assert.equal(after.length, old.length);
    for (const i of [0, 1, 3, 4, 5]) assert.equal(after[i], old[i], `line ${i + 1} kept`);
    assert.notEqual(after[2], old[2]);
    assert.match(after[2], /^httpUserNameEntry admin SystemAdmin - nonVolatile scrypt\$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(await dir.verify('admin', 'a new password 2'), { name: 'admin', role: 'administrator' });
    assert.equal(await dir.verify('admin', 'first password 1'), null);
    // And a fresh reader of the file agrees (what a restart or SIGHUP sees).
    const again = new HttpUserDirectory({ file, hashing: KIT_HASHING });
    assert.deepEqual(again.load(), []);
    assert.deepEqual(await again.verify('admin', 'a new password 2'), { name: 'admin', role: 'administrator' });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
