// sysadmin_mysql_user import and export (the subscriber CSV pserver shares) on the embedded
// store: a file with bad lines names each and imports nothing; a good file imports; export
// appends the table with its digest secrets, and reads back to the same subscribers.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool, showRun } from '../helpers/index.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'mysql-user-csv-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('import: every bad line with its number and nothing imported; then a good file; export round-trips', async () => {
  mkdirSync(path.join(root, 'conf'));
  const conf = path.join(root, 'conf', 'sipd.conf');
  writeFileSync(conf, `ServerRoot ${root}\nAuthRealm example.com\n`);
  const file = (name: string, text: string) => {
    const f = path.join(root, name);
    writeFileSync(f, text);
    return f;
  };
  const tool = (...args: string[]) => runTool('sysadmin_mysql_user', ['--conf', conf, '--embedded', ...args]);
  const bad = await tool('import', '--file', file('bad.csv', 'user_id,password,dest_url_cfu\n2000,pw,sip:vm@example.com\n20 01,,\n2002,,not-a-url\n'));
  assert.equal(bad.code, 1, showRun(bad));
  assert.match(bad.stderr, /bad\.csv:3: Invalid user_id/);
  assert.match(bad.stderr, /bad\.csv:4: Invalid dest_url_cfu/);
  assert.match(bad.stderr, /2 bad lines .*nothing was imported/);
  assert.match((await tool('list')).stdout, /^0 subscribers$/m);
  const good = await tool('import', '--file', file('good.csv', 'user_id,password,last_name\n2000,pw,Smith\n2001,,"Jones, Jr"\n'));
  assert.equal(good.code, 0, showRun(good));
  assert.match(good.stdout, /Imported 2 subscribers .*\(2 new, 0 replaced\)/);
  const out = path.join(root, 'export.csv');
  const ex = await tool('export', '--file', out);
  assert.equal(ex.code, 0, showRun(ex));
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^user_id,domain,password,/);
  assert.match(text, /\n2000,,ha1\$example\.com\$[0-9a-f]{32}\$[0-9a-f]{64},,,Smith,/);
  assert.match(text, /\n2001,,,,,"Jones, Jr",/);
  // The export imports back as the same two subscribers (replaced, not added).
  const again = await tool('import', '--file', out);
  assert.match(again.stdout, /\(0 new, 2 replaced\)/);
  assert.equal((await tool('import')).code, 2);
});
