// sps_setup's farm-member answers checked before anything is written: an answer read from
// --answers FILE that is not valid is reported at its line there, an option given on the
// command line without one, and no file changes (no database is needed for this).
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO, runTool, showRun } from '../helpers/index.js';

let prefix: string;
let conf: string;
const snapshot = () => readdirSync(conf).sort().map((f) => `${f}\n${readFileSync(path.join(conf, f), 'utf8')}`);

before(() => {
  prefix = mkdtempSync(path.join(tmpdir(), 'sps-setup-galera-'));
  conf = path.join(prefix, 'conf');
  cpSync(path.join(REPO, 'conf'), conf, { recursive: true });
  mkdirSync(path.join(prefix, 'logs'));
});
after(() => {
  if (prefix) rmSync(prefix, { recursive: true, force: true });
});

test('bad farm answers are reported at their file:line (options without one), and nothing is written', async () => {
  const file = path.join(prefix, 'farm.answers');
  writeFileSync(
    file,
    [
      '# a member joining the farm',
      'host_address=10.1.1.3',
      'mysql=on',
      'mysql_host=127.0.0.1',
      'mysql_user=csps',
      'mysql_password=pw',
      'galera=join',
      'galera_nodes=',
      `galera_tls_ca=${path.join(prefix, 'no-ca.pem')}`,
      'galera_tls_cert=relative.pem',
      'mysql_tls=required',
      '',
    ].join('\n'),
  );
  const before_ = snapshot();
  const r = await runTool('sps_setup', ['--prefix', prefix, '--answers', file, '--galera-tls-key', '/no/such.key']);
  assert.equal(r.code, 2, showRun(r));
  const err = r.stderr;
  assert.match(err, new RegExp(`${file.replace(/[.]/g, '\\.')}:8: galera_nodes: .*at least one node of the cluster to join`));
  assert.match(err, new RegExp(`${file.replace(/[.]/g, '\\.')}:10: galera_tls_cert: .*absolute path`));
  assert.match(err, new RegExp(`${file.replace(/[.]/g, '\\.')}:11: mysql_tls: .*off, on or verify`));
  assert.match(err, new RegExp(`${file.replace(/[.]/g, '\\.')}:9: galera_tls_ca: .*no-ca\\.pem: no such file`));
  assert.match(err, /^sps_setup: galera_tls_key: \/no\/such\.key: no such file$/m, 'an option has no file:line');
  assert.match(err, /nothing was changed/);
  assert.deepEqual(snapshot(), before_);
});
