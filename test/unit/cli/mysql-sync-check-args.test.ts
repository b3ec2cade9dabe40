// mysql_sync_check's command line: every mistake is a usage error (exit 2, the reason and
// the usage on standard error, nothing on standard output) found before any file or
// database is touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/mysql-sync-check.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, (s) => void (out += s), (s) => void (err += s));
  return { code, out, err };
}

test('wrong values and combinations are usage errors naming the option', async () => {
  const cases: [string[], RegExp][] = [
    [['--expect-size', '0'], /--expect-size: "0" is out of range/],
    [['--expect-size', '2.5'], /--expect-size: "2\.5" is out of range/],
    [['--timeout', '-1'], /--timeout: "-1" is out of range/],
    [['--max-flow-paused', '1.5'], /--max-flow-paused: "1\.5" is out of range/],
    [['--node', 'db1:99999'], /--node: "db1:99999" is not HOST\[:PORT\]/],
    [['--node'], /--node needs HOST\[:PORT\]/],
    [['-f'], /-f needs a file/],
    [['--quiet', '--json'], /--quiet and --json do not go together/],
    [['extra'], /unexpected argument "extra"/],
  ];
  for (const [args, reason] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
    assert.match(r.err, reason, args.join(' '));
    assert.match(r.err, /^usage: mysql_sync_check /m, args.join(' '));
  }
});

test('a sipd.conf that cannot be read, or names no account, is a configuration error (exit 2)', async () => {
  const missing = await run(['-f', '/nonexistent/sipd.conf']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /\/nonexistent\/sipd\.conf/);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sync-check-args-'));
  try {
    const f = path.join(dir, 'sipd.conf');
    writeFileSync(f, 'DB_MySQL On\nDB_MySQL_HostName 127.0.0.1:1\n');
    const noAccount = await run(['-f', f]);
    assert.equal(noAccount.code, 2);
    assert.match(noAccount.err, /DB_MySQL_Username is not set in .*sipd\.conf/);
    assert.equal(noAccount.out, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
