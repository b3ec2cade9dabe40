// Every command package.json installs answers --help with its usage and --version with the
// OpenSPS release, both on standard output with exit 0, before it looks at any configuration
// file, database or pid file. The list comes from package.json "bin", so a new command is
// checked as soon as it is declared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, runTool, showRun, start } from '../helpers/index.js';

const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

test('package.json declares the commands this test expects, each with its launcher in bin/', () => {
  assert.deepEqual(Object.keys(pkg.bin).sort(), ['ciagent', 'csps_ciagent_ctl', 'getmany', 'getone', 'install_mysql_db', 'mysql_sync_check', 'pserver', 'rotatelogs', 'setany', 'sip', 'sipd', 'sps_setup', 'sysadmin_mysql_user', 'sysadmin_sps_regroute', 'traprcv']);
  for (const [name, file] of Object.entries(pkg.bin)) assert.equal(file, `bin/${name}`);
});

for (const name of Object.keys(pkg.bin)) {
  test(`${name} --version prints "${name} (OpenSPS) ${pkg.version}" and exits 0`, async () => {
    // Standard input is closed: a command that fell through to its menu or interview would end or hang, not pass.
    const r = await runTool(name, ['--version'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, showRun(r));
    assert.equal(r.stdout, `${name} (OpenSPS) ${pkg.version}\n`, showRun(r));
    assert.equal(r.stderr, '', showRun(r));
  });

  test(`${name} --help prints its usage on standard output and exits 0`, async () => {
    const r = await runTool(name, ['--help'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, showRun(r));
    assert.match(r.stdout, new RegExp(`^usage: ${name} `, 'i'), showRun(r));
    assert.match(r.stdout, /--version/, `${name}'s usage should mention --version\n${showRun(r)}`);
    assert.equal(r.stderr, '', showRun(r));
  });
}

test('an unknown option is still a usage error (exit 2, or 1 for rotatelogs as Apache\'s), not help', async () => {
  for (const name of Object.keys(pkg.bin)) {
    const r = await runTool(name, ['--no-such-option'], { timeoutMs: 30_000 });
    assert.equal(r.code, name === 'rotatelogs' ? 1 : 2, `${name}: ${showRun(r)}`);
    assert.equal(r.stdout, '', `${name}: ${showRun(r)}`);
    assert.match(r.stderr, /usage: /i, `${name}: ${showRun(r)}`);
  }
});

test('npm start\'s launcher (dist/src/cli/quick-start.js) answers --help and --version too', async () => {
  const script = path.join(REPO, 'dist', 'src', 'cli', 'quick-start.js');
  const v = await start(process.execPath, [script, '--version'], 30_000).done;
  assert.equal(v.code, 0, showRun(v));
  assert.equal(v.stdout, `quick-start (OpenSPS) ${pkg.version}\n`, showRun(v));
  const h = await start(process.execPath, [script, '--help'], 30_000).done;
  assert.equal(h.code, 0, showRun(h));
  assert.match(h.stdout, /^Usage: npm start /, showRun(h));
});
