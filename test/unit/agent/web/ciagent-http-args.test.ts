// ciagent's Dr-Web options: --http [ADDR:]PORT (a bare port is loopback), the certificate
// pair only together and only with --http, and --hash-password's line, from the real program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BIN } from '../../../helpers/paths.js';
import { parseArgs } from '../../../../src/cli/ciagent.js';
import { parseHttpUsers } from '../../../../src/agent/web/users.js';
import { KIT_HASHING } from '../../../../src/agent/web/index.js';
import { verifyPassword } from '../../../../src/common/web/passwords.js';

test('--http and its certificate options', () => {
  const http = (args: string[]) => {
    const a = parseArgs(args);
    return typeof a === 'string' ? a : a.http;
  };
  assert.equal(http([]), undefined, 'off unless given');
  assert.deepEqual(http(['--http', '8444']), { address: '127.0.0.1', port: 8444 });
  assert.deepEqual(http(['--http', '0.0.0.0:8444', '--http-cert', '/c.pem', '--http-key', '/k.pem']), { address: '0.0.0.0', port: 8444, cert: '/c.pem', key: '/k.pem' });
  assert.deepEqual(http(['--http', '[::1]:9000']), { address: '::1', port: 9000 });
  assert.match(String(http(['--http', 'localhost:80'])), /--http 'localhost:80': .*not an IP address/);
  assert.match(String(http(['--http', '70000'])), /--http '70000'/);
  assert.equal(http(['--http', '8444', '--http-cert', '/c.pem']), '--http-cert and --http-key go together');
  assert.equal(http(['--http-cert', '/c.pem', '--http-key', '/k.pem']), '--http-cert and --http-key need --http [ADDR:]PORT');
});

test('ciagent --hash-password prints a line Dr-Web accepts; a weak password is refused', async () => {
  const run = (args: string[], input: string) => spawnSync(process.execPath, [path.join(BIN, 'ciagent'), '--hash-password', ...args], { input, encoding: 'utf8', timeout: 30_000 });
  const ok = run(['alice', 'Operator'], 'a long passphrase\n');
  assert.equal(ok.status, 0, ok.stderr);
  const line = ok.stdout.trim();
  assert.match(line, /^httpUserNameEntry alice Operator - nonVolatile scrypt\$/);
  const { users, messages } = parseHttpUsers(line, 'snmpd.cnf', KIT_HASHING);
  assert.deepEqual(messages, []);
  assert.equal(users[0].role, 'operator');
  assert.equal(await verifyPassword('a long passphrase', users[0].hash), true);
  const weak = run(['alice'], 'short\n');
  assert.equal(weak.status, 1);
  assert.match(weak.stderr, /ciagent: the password must have at least \d+ characters/);
  assert.equal(weak.stdout, '');
});
