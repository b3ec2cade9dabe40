// The rpm (npm run package:rpm): built once at version 0.1.0 and once at 0.1.1, installed
// with `rpm --root` into a scratch root whose scripts really run (chrooted, with the few
// programs they call), then the installed sipd answers sipp's OPTIONS, an upgrade keeps an
// edited sipd.conf, and rpm -e leaves conf/ and data/.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildRpm } from '../../packaging/rpm.js';
import { describeSipp, requireTool } from '../helpers/index.js';
import { assertInstalledManualAndUnits } from '../unit/packaging/installed-checks.js';
import { optionsToInstalledSipd } from '../unit/packaging/installed-sipd.js';
import { MAN_PAGES } from '../unit/packaging/man-pages.js';
import { accountIn, addRecordingTool, groupIn, makeScratchRoot, recordedCalls } from '../unit/packaging/scratch-root.js';

const PREFIX = '/usr/local/sip';
const MAN = '/usr/local/share/man';

describe('rpm package', () => {
  let work: string;
  let v1: string;
  let v2: string;
  let root: string;
  const P = () => path.join(root, PREFIX);

  const rpm = (...args: string[]) => {
    const r = spawnSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args], { encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };

  before(() => {
    requireTool('rpmbuild', 'rpm');
    requireTool('rpm', 'rpm');
    work = mkdtempSync(path.join(tmpdir(), 'rpm-test-'));
    v1 = buildRpm({ version: '0.1.0', outDir: path.join(work, 'out'), workDir: path.join(work, 'w1') });
    v2 = buildRpm({ version: '0.1.1', outDir: path.join(work, 'out'), workDir: path.join(work, 'w2') });
    root = makeScratchRoot('rpmroot-');
    // A root where systemd "runs": the scripts' systemctl calls are recorded.
    mkdirSync(path.join(root, 'run/systemd/system'), { recursive: true });
    addRecordingTool(root, 'systemctl');
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('metadata: noarch, Requires nodejs >= 20, conf/ files are %config(noreplace), production modules only', () => {
    assert.match(path.basename(v1), /^opensps-0\.1\.0-1\.noarch\.rpm$/);
    const q = (...a: string[]) => execFileSync('rpm', ['-qp', ...a, v1], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(q('--requires'), /^nodejs >= 20$/m);
    assert.match(q('--recommends'), /^net-snmp-utils$/m, 'getone, setany, getmany and traprcv run net-snmp\'s tools');
    const configs = q('--configfiles').split('\n').filter(Boolean).sort();
    assert.ok(configs.includes(`${PREFIX}/conf/sipd.conf`), configs.join('\n'));
    assert.ok(configs.every((f) => f.startsWith(`${PREFIX}/conf/`)), configs.join('\n'));
    // %config(noreplace): the per-file flags show it as "n" in --dump's config column.
    const flags = q('--queryformat', '[%{FILENAMES} %{FILEFLAGS:fflags}\n]');
    assert.match(flags, new RegExp(`^${PREFIX}/conf/sipd\\.conf cn$`, 'm'));
    const files = q('-l');
    for (const f of ['bin/sip', 'bin/sipd', 'bin/rotatelogs', 'bin/sps_setup', 'bin/getone', 'bin/setany', 'bin/getmany', 'bin/traprcv', 'lib/src/cli/sipd.js', 'lib/node_modules/net-snmp/package.json', 'mibs/CRITAPP-MIB', 'radius/dictionary.cisco', 'package.json']) {
      assert.ok(files.includes(`${PREFIX}/${f}\n`), `${f} missing from the rpm`);
    }
    for (const f of ['lib/node_modules/typescript/', 'lib/node_modules/@types/node/', 'lib/test/', 'lib/src/cli/sipd.js.map']) {
      assert.ok(!files.includes(`${PREFIX}/${f}`), `${f} must not be in the rpm`);
    }
    assert.ok(files.includes('/usr/lib/systemd/system/sipd.service\n'));
    assert.ok(files.includes('/etc/rc.d/init.d/sip\n'));
    for (const [name, section] of MAN_PAGES) assert.ok(files.includes(`${MAN}/man${section}/${name}.${section}.gz\n`), `${name}(${section}) missing from the rpm`);
    const scripts = q('--scripts');
    assert.match(scripts, /preinstall scriptlet/);
    assert.match(scripts, /systemctl/);
  });

  test('rpm -i into a scratch root: the scripts create csps, logs/ and data/ and enable the units', () => {
    const r = rpm('-i', '--nodeps', v1);
    assert.equal(r.code, 0, r.out);
    const csps = accountIn(root, 'csps');
    assert.ok(csps, 'the %pre script created the user csps');
    const gid = groupIn(root, 'csps');
    assert.equal(csps.gid, gid);
    for (const d of ['logs', 'data']) {
      const st = statSync(path.join(P(), d));
      assert.ok(st.isDirectory());
      assert.equal(st.uid, csps.uid, `${d}/ belongs to csps`);
      assert.equal(st.mode & 0o777, 0o750);
    }
    const conf = statSync(path.join(P(), 'conf', 'sipd.conf'));
    assert.equal(conf.gid, gid, 'sipd.conf is group csps');
    assert.equal(conf.mode & 0o777, 0o640);
    const calls = recordedCalls(root, 'systemctl');
    assert.ok(calls.includes('daemon-reload'), calls.join('\n'));
    assert.ok(calls.some((c) => /^enable sipd\.service/.test(c)), calls.join('\n'));
    assert.match(readFileSync(path.join(root, 'usr/lib/systemd/system/sipd.service'), 'utf8'), /^ExecStart=\/usr\/local\/sip\/bin\/sip start$/m);
    assert.match(readFileSync(path.join(root, 'etc/rc.d/init.d/sip'), 'utf8'), /^PREFIX=\/usr\/local\/sip$/m);
  });

  test('the installed manual: man renders sipd(8) and finds every page; systemd-analyze verify passes on the installed units', () => {
    assertInstalledManualAndUnits(root, { prefix: PREFIX, manDir: MAN, unitDir: '/usr/lib/systemd/system' });
  });

  test('the installed sipd runs from the scratch root and answers OPTIONS with 200 (sipp)', async () => {
    const v = spawnSync(process.execPath, [path.join(P(), 'bin', 'sipd'), '-v'], { encoding: 'utf8', timeout: 30_000 });
    assert.match(v.stdout, /0\.1\.0/, v.stdout + v.stderr);
    const t = spawnSync(process.execPath, [path.join(P(), 'bin', 'sipd'), '-t', '-f', path.join(P(), 'conf', 'sipd.conf')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(t.status, 0, t.stdout + t.stderr);
    const run = await optionsToInstalledSipd(P());
    assert.equal(run.sipp.code, 0, describeSipp(run.sipp) + run.output);
    assert.match(run.sipp.messages, /SIP\/2\.0 200 OK/);
  });

  test('rpm -U to a higher version keeps an edited sipd.conf and restarts running units', () => {
    const conf = path.join(P(), 'conf', 'sipd.conf');
    const edited = readFileSync(conf, 'utf8').replace(/^LogLevel warn$/m, 'LogLevel info') + '# edited on this host\n';
    writeFileSync(conf, edited);
    const r = rpm('-U', '--nodeps', v2);
    assert.equal(r.code, 0, r.out);
    assert.match(rpm('-q', 'opensps').out, /^opensps-0\.1\.1-1\.noarch$/m);
    assert.equal(readFileSync(conf, 'utf8'), edited);
    assert.equal(JSON.parse(readFileSync(path.join(P(), 'package.json'), 'utf8')).version, '0.1.1');
    assert.ok(recordedCalls(root, 'systemctl').some((c) => /^try-restart sipd\.service/.test(c)));
  });

  test('rpm -e removes the program but leaves conf/ (with the edits) and data/', () => {
    const conf = path.join(P(), 'conf', 'sipd.conf');
    const edited = readFileSync(conf, 'utf8');
    writeFileSync(path.join(P(), 'data', 'registry_db'), 'kept\n');
    appendFileSync(path.join(P(), 'logs', 'error_log'), 'kept\n');
    const r = rpm('-e', 'opensps');
    assert.equal(r.code, 0, r.out);
    assert.notEqual(rpm('-q', 'opensps').code, 0);
    assert.equal(readFileSync(conf, 'utf8'), edited);
    assert.equal(readFileSync(path.join(P(), 'data', 'registry_db'), 'utf8'), 'kept\n');
    assert.ok(existsSync(path.join(P(), 'logs', 'error_log')));
    assert.ok(!existsSync(path.join(P(), 'bin', 'sipd')));
    assert.ok(!existsSync(path.join(P(), 'lib')));
    assert.ok(!existsSync(path.join(root, 'usr/lib/systemd/system/sipd.service')));
    assert.ok(recordedCalls(root, 'systemctl').some((c) => /^--no-reload disable --now sipd\.service/.test(c)));
  });
});
