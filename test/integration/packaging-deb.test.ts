// The deb (npm run package:deb): built at 0.1.0 and 0.1.1, installed with `dpkg --root`
// into a scratch root where the maintainer scripts really run (chrooted). This root has no
// systemd, so the SysV path is taken (update-rc.d, recorded). The installed sps_setup sets
// the address and port, and the installed sipd answers sipp's OPTIONS; an upgrade keeps an
// edited sipd.conf; dpkg -r leaves conf/ and data/, purge still leaves data/.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildDeb } from '../../packaging/deb.js';
import { describeSipp, freePort, requireTool } from '../helpers/index.js';
import { assertInstalledManualAndUnits } from '../unit/packaging/installed-checks.js';
import { optionsToInstalledSipd } from '../unit/packaging/installed-sipd.js';
import { MAN_PAGES } from '../unit/packaging/man-pages.js';
import { accountIn, addRecordingTool, groupIn, makeScratchRoot, recordedCalls } from '../unit/packaging/scratch-root.js';

const PREFIX = '/usr/local/sip';
const MAN = '/usr/local/share/man';

describe('deb package', () => {
  let work: string;
  let v1: string;
  let v2: string;
  let root: string;
  const P = () => path.join(root, PREFIX);

  const dpkg = (...args: string[]) => {
    const r = spawnSync('dpkg', [`--root=${root}`, '--log=/dev/null', ...args], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const status = () => spawnSync('dpkg-query', [`--admindir=${root}/var/lib/dpkg`, '-W', '-f', '${Version} ${db:Status-Abbrev}', 'opensps'], { encoding: 'utf8' }).stdout.trim();

  before(() => {
    requireTool('dpkg-deb', 'dpkg');
    requireTool('dpkg', 'dpkg');
    work = mkdtempSync(path.join(tmpdir(), 'deb-test-'));
    v1 = buildDeb({ version: '0.1.0', outDir: path.join(work, 'out'), workDir: path.join(work, 'w1') });
    v2 = buildDeb({ version: '0.1.1', outDir: path.join(work, 'out'), workDir: path.join(work, 'w2') });
    root = makeScratchRoot('debroot-');
    for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) mkdirSync(path.join(root, d), { recursive: true });
    for (const f of ['status', 'available']) writeFileSync(path.join(root, 'var/lib/dpkg', f), '');
    addRecordingTool(root, 'update-rc.d', '/usr/sbin');
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('control: Architecture all, Depends nodejs (>= 20); conffiles are conf/* and /etc/init.d/sip', () => {
    const info = execFileSync('dpkg-deb', ['-f', v1], { encoding: 'utf8' });
    assert.match(info, /^Architecture: all$/m);
    assert.match(info, /^Depends: nodejs \(>= 20\)/m);
    assert.match(info, /^Version: 0\.1\.0$/m);
    const conffiles = execFileSync('dpkg-deb', ['-I', v1, 'conffiles'], { encoding: 'utf8' });
    assert.match(conffiles, new RegExp(`^${PREFIX}/conf/sipd\\.conf$`, 'm'));
    assert.match(conffiles, /^\/etc\/init\.d\/sip$/m);
    const list = execFileSync('dpkg-deb', ['-c', v1], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.match(list, /\.\/usr\/local\/sip\/lib\/node_modules\/winston\/package\.json/);
    assert.doesNotMatch(list, /node_modules\/typescript\//);
    assert.match(list, /\.\/lib\/systemd\/system\/sipd\.service/);
    for (const [name, section] of MAN_PAGES) assert.ok(list.includes(`.${MAN}/man${section}/${name}.${section}.gz\n`), `${name}(${section}) missing from the deb`);
    assert.match(info, /^Depends: .*\bprocps\b/m);
    // getone, setany, getmany and traprcv run net-snmp's tools.
    assert.match(info, /^Recommends: snmp, snmptrapd$/m);
    for (const name of ['getone', 'setany', 'getmany', 'traprcv']) assert.ok(list.includes(`.${PREFIX}/bin/${name}\n`), `bin/${name} missing from the deb`);
  });

  test('dpkg -i into a scratch root: scripts create csps, logs/, data/ and register /etc/init.d/sip', () => {
    const r = dpkg('--force-depends', '-i', v1);
    assert.equal(r.code, 0, r.out);
    assert.match(status(), /^0\.1\.0 ii/);
    const csps = accountIn(root, 'csps');
    assert.ok(csps, 'preinst created the user csps');
    const gid = groupIn(root, 'csps');
    for (const d of ['logs', 'data']) {
      const st = statSync(path.join(P(), d));
      assert.equal(st.uid, csps.uid, `${d}/ belongs to csps`);
      assert.equal(st.mode & 0o777, 0o750);
    }
    const conf = statSync(path.join(P(), 'conf', 'sipd.conf'));
    assert.equal(conf.gid, gid, 'postinst gave sipd.conf to group csps');
    assert.equal(conf.mode & 0o777, 0o640);
    assert.deepEqual(recordedCalls(root, 'update-rc.d'), ['sip defaults']);
  });

  test('the installed manual: man renders sipd(8) and finds every page; systemd-analyze verify passes on the installed units', () => {
    assertInstalledManualAndUnits(root, { prefix: PREFIX, manDir: MAN, unitDir: '/lib/systemd/system' });
  });

  test('the installed sps_setup sets address and port; the installed sipd answers OPTIONS with 200 (sipp)', async () => {
    const port = await freePort();
    const setup = spawnSync(process.execPath, [path.join(P(), 'bin', 'sps_setup'), '--host-address', '127.0.0.1', '--sip-port', String(port), '--host-name', 'localhost', '--proxy-domain', 'example.com'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(setup.status, 0, setup.stdout + setup.stderr);
    assert.match(readFileSync(path.join(P(), 'conf', 'sipd.conf'), 'utf8'), new RegExp(`^Listen 127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.match(readFileSync(path.join(P(), 'logs', 'sps_setup_log'), 'utf8'), /host_address=127\.0\.0\.1/);
    const run = await optionsToInstalledSipd(P(), { port });
    assert.equal(run.sipp.code, 0, describeSipp(run.sipp) + run.output);
    assert.match(run.sipp.messages, /SIP\/2\.0 200 OK/);
  });

  test('upgrade to 0.1.1 keeps the edited sipd.conf', () => {
    const conf = path.join(P(), 'conf', 'sipd.conf');
    const edited = readFileSync(conf, 'utf8') + '# edited on this host\n';
    writeFileSync(conf, edited);
    const r = dpkg('--force-depends', '-i', v2);
    assert.equal(r.code, 0, r.out);
    assert.match(status(), /^0\.1\.1 ii/);
    assert.equal(readFileSync(conf, 'utf8'), edited);
    assert.ok(!existsSync(`${conf}.dpkg-new`) && !existsSync(`${conf}.dpkg-dist`));
    assert.equal(JSON.parse(readFileSync(path.join(P(), 'package.json'), 'utf8')).version, '0.1.1');
  });

  test('dpkg -r leaves conf/ and data/; purge removes the rc links and still leaves data/', () => {
    const conf = path.join(P(), 'conf', 'sipd.conf');
    const edited = readFileSync(conf, 'utf8');
    writeFileSync(path.join(P(), 'data', 'registry_db'), 'kept\n');
    const r = dpkg('-r', 'opensps');
    assert.equal(r.code, 0, r.out);
    assert.match(status(), /^0\.1\.1 rc/);
    assert.equal(readFileSync(conf, 'utf8'), edited);
    assert.ok(existsSync(path.join(P(), 'conf', 'snmpd.cnf')));
    assert.equal(readFileSync(path.join(P(), 'data', 'registry_db'), 'utf8'), 'kept\n');
    assert.ok(!existsSync(path.join(P(), 'bin', 'sipd')));
    assert.ok(!existsSync(path.join(P(), 'lib')));
    const p = dpkg('--purge', 'opensps');
    assert.equal(p.code, 0, p.out);
    assert.ok(recordedCalls(root, 'update-rc.d').includes('sip remove'), recordedCalls(root, 'update-rc.d').join('\n'));
    assert.equal(readFileSync(path.join(P(), 'data', 'registry_db'), 'utf8'), 'kept\n');
    assert.ok(!existsSync(path.join(root, 'etc/init.d/sip')));
  });
});
