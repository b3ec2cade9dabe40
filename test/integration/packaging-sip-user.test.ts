// bin/sip acts only for root or the account of sipd.conf's User (csps in a package): run
// here as "nobody" (uid 65534) it refuses with exit 4 and says who may run it, unless
// the file's User is nobody.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BIN } from '../helpers/index.js';

test('sip refuses a user other than root or User, with exit 4 and who may run it', (t) => {
  assert.equal(process.geteuid?.(), 0, 'this test switches to uid 65534 and needs root (the suite runs as root)');
  const dir = mkdtempSync(path.join(tmpdir(), 'sip-user-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, 'conf'), { mode: 0o755 });
  mkdirSync(path.join(dir, 'logs'), { mode: 0o777 });
  const conf = path.join(dir, 'conf', 'sipd.conf');
  const asNobody = (user: string) => {
    writeFileSync(conf, `Listen 127.0.0.1:5999\nUser ${user}\nGroup nogroup\n`, { mode: 0o644 });
    return spawnSync(process.execPath, [path.join(BIN, 'sip'), 'status', '-f', conf], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30_000 });
  };
  const refused = asNobody('csps');
  assert.equal(refused.status, 4, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /sip: must be run as root or as csps \(the User of .*sipd\.conf\), not as (nobody \()?uid 65534/);
  const allowed = asNobody('nobody');
  assert.equal(allowed.status, 3, allowed.stdout + allowed.stderr); // 3: stopped
  assert.match(allowed.stdout, /sipd is stopped/);
  const byUid = asNobody('#65534');
  assert.equal(byUid.status, 3, byUid.stdout + byUid.stderr);
});
