// The Solaris package (npm run package:pkg): the datastream built from this checkout passes
// the independent verifier (test/unit/packaging/svr4-verify.ts) and fails it after each of
// three corruptions. pkgadd is not available here, so the install scripts run another way:
// the payload is unpacked into a scratch root under BASEDIR and the scripts are run there
// chrooted, as pkgadd would run them (BASEDIR set; no SMF, so the SysV branch).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildPkgFromCheckout } from '../../packaging/pkg.js';
import type { BuiltPkg } from '../../packaging/svr4/build-pkg.js';
import { requireTool } from '../helpers/index.js';
import { parseDatastream, serializeDatastream, verifyDatastream, type Datastream } from '../unit/packaging/svr4-verify.js';
import { accountIn, makeScratchRoot } from '../unit/packaging/scratch-root.js';
import { MAN_PAGES } from '../unit/packaging/man-pages.js';

const BASEDIR = '/opt/sip';

describe('Solaris package', () => {
  let work: string;
  let built: BuiltPkg;
  let data: Buffer;
  let root: string;

  const mutate = (f: (ds: Datastream) => void): Buffer => {
    const ds = parseDatastream(data);
    f(ds);
    return serializeDatastream(ds);
  };
  /** Run an install script of the package in the scratch root, as pkgadd would. */
  const script = (name: string, stdin = '') => {
    const r = spawnSync(requireTool('chroot', 'coreutils'), [root, '/bin/sh', `/var/sadm/opensps-install/${name}`], {
      input: stdin,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', BASEDIR, PKGINST: 'OPENsps', PKG_INSTALL_ROOT: '' },
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'pkg-test-'));
    const r = buildPkgFromCheckout({ version: '0.1.0', outDir: path.join(work, 'out'), workDir: path.join(work, 'w') });
    built = r.built;
    data = readFileSync(r.file);
    // Unpack: reloc/X → BASEDIR/X with the pkgmap modes; install/X → a scripts directory.
    root = makeScratchRoot('pkgroot-');
    for (const m of parseDatastream(data).packages[0].parts[0]) {
      const type = m.mode & 0o170000;
      let dst: string | undefined;
      if (m.name.startsWith('reloc/')) dst = path.join(root, BASEDIR, m.name.slice('reloc/'.length));
      else if (m.name.startsWith('install/')) dst = path.join(root, 'var/sadm/opensps-install', m.name.slice('install/'.length));
      if (!dst) continue;
      if (type === 0o040000) mkdirSync(dst, { recursive: true });
      else {
        mkdirSync(path.dirname(dst), { recursive: true });
        writeFileSync(dst, m.data);
        chmodSync(dst, m.mode & 0o7777);
      }
    }
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('the built package passes the verifier; pkginfo and pkgmap describe the install', () => {
    const r = verifyDatastream(data);
    assert.deepEqual(r.errors, []);
    const info = r.packages[0].pkginfo;
    assert.equal(info.get('PKG'), 'OPENsps');
    assert.equal(info.get('BASEDIR'), BASEDIR);
    assert.equal(info.get('VERSION'), '0.1.0');
    assert.match(info.get('CLASSES') ?? '', /\bconfig\b/);
    const lines = built.pkgmap.split('\n');
    assert.ok(lines.some((l) => /^1 e config conf\/sipd\.conf 0640 root csps \d+ \d+ \d+$/.test(l)), 'sipd.conf is an editable file of class config');
    assert.ok(lines.some((l) => /^1 f none bin\/sipd 0755 root bin /.test(l)));
    assert.ok(lines.some((l) => /^1 f none lib\/src\/cli\/sipd\.js 0644 /.test(l)));
    // Manual pages under BASEDIR/man, plain (not gzip'd).
    for (const [name, section] of MAN_PAGES) {
      const re = new RegExp(`^1 f none man/man${section}/${name.replace(/\./g, '\\.')}\\.${section} 0644 `);
      assert.ok(lines.some((l) => re.test(l)), `${name}(${section}) missing from the pkgmap`);
    }
    for (const s of ['checkinstall', 'preinstall', 'postinstall', 'preremove', 'postremove', 'i.config', 'r.config']) {
      assert.ok(lines.some((l) => l.startsWith(`1 i ${s} `)), `${s} is an information file`);
    }
    assert.match(readFileSync(path.join(root, BASEDIR, 'bin', 'sipd'), 'utf8'), /\.\.\/lib\/src\/cli\/sipd\.js/);
  });

  test('verifier: one changed payload byte fails', () => {
    const bad = mutate((ds) => {
      const m = ds.packages[0].parts[0].find((x) => x.name === 'reloc/lib/src/cli/sipd.js')!;
      m.data = Buffer.from(m.data);
      m.data[10] ^= 0x20;
    });
    const r = verifyDatastream(bad);
    assert.equal(r.ok, false);
    assert.ok(r.errors.some((e) => e.includes('reloc/lib/src/cli/sipd.js') && e.includes('checksum')), r.errors.join('\n'));
  });

  test('verifier: one missing payload file fails', () => {
    const bad = mutate((ds) => {
      const part = ds.packages[0].parts[0];
      part.splice(part.findIndex((x) => x.name === 'reloc/conf/sipd.conf'), 1);
    });
    const r = verifyDatastream(bad);
    assert.equal(r.ok, false);
    assert.ok(r.errors.some((e) => e.includes('reloc/conf/sipd.conf') && e.includes('missing')), r.errors.join('\n'));
  });

  test('verifier: one wrong mode fails', () => {
    const bad = mutate((ds) => {
      const m = ds.packages[0].parts[0].find((x) => x.name === 'reloc/bin/sip')!;
      m.mode = (m.mode & ~0o7777) | 0o644;
    });
    const r = verifyDatastream(bad);
    assert.equal(r.ok, false);
    assert.ok(r.errors.some((e) => e.includes('reloc/bin/sip') && e.includes('mode')), r.errors.join('\n'));
  });

  test('checkinstall: refuses without Node.js (exit 3 = suspend), accepts this Node 20+', () => {
    const none = script('checkinstall');
    assert.equal(none.code, 3, none.out);
    assert.match(none.out, /Node\.js 20 or later/);
    const here = spawnSync('/bin/sh', [path.join(root, 'var/sadm/opensps-install/checkinstall')], { encoding: 'utf8', env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` } });
    assert.equal(here.status, 0, here.stdout + here.stderr);
  });

  test('preinstall and postinstall create csps, logs/ and data/, and the SysV /etc/init.d/sip with BASEDIR filled in', () => {
    const pre = script('preinstall');
    assert.equal(pre.code, 0, pre.out);
    const csps = accountIn(root, 'csps');
    assert.ok(csps, 'preinstall created csps');
    assert.equal(script('preinstall').code, 0, 'a second preinstall finds csps and succeeds');
    const post = script('postinstall');
    assert.equal(post.code, 0, post.out);
    for (const d of ['logs', 'data']) {
      const st = statSync(path.join(root, BASEDIR, d));
      assert.equal(st.uid, csps.uid);
      assert.equal(st.mode & 0o777, 0o750);
    }
    const init = readFileSync(path.join(root, 'etc/init.d/sip'), 'utf8');
    assert.match(init, /^PREFIX=\/opt\/sip$/m);
    assert.doesNotMatch(init, /@PREFIX@/);
    assert.equal(readlinkSync(path.join(root, 'etc/rc3.d/S90sip')), '../init.d/sip');
    assert.equal(readlinkSync(path.join(root, 'etc/rc0.d/K10sip')), '../init.d/sip');
    const smf = readFileSync(path.join(root, BASEDIR, 'share/services/opensps-smf.xml'), 'utf8');
    assert.match(smf, /exec="@PREFIX@\/bin\/sip start"/, 'the SMF manifest keeps @PREFIX@ for postinstall to fill');
  });

  test('class "config": an edited file stays (the shipped one goes to FILE.new); a missing one is installed; removal keeps them', () => {
    const conf = path.join(root, BASEDIR, 'conf', 'sipd.conf');
    const shipped = readFileSync(conf, 'utf8');
    writeFileSync(conf, shipped + '# edited on this host\n');
    writeFileSync(path.join(root, 'tmp/sipd.conf'), shipped);
    writeFileSync(path.join(root, 'tmp/extra.cnf'), 'new file\n');
    const i = script('i.config', `/tmp/sipd.conf ${BASEDIR}/conf/sipd.conf\n/tmp/extra.cnf ${BASEDIR}/conf/extra.cnf\n`);
    assert.equal(i.code, 0, i.out);
    assert.equal(readFileSync(conf, 'utf8'), shipped + '# edited on this host\n');
    assert.equal(readFileSync(`${conf}.new`, 'utf8'), shipped);
    assert.equal(readFileSync(path.join(root, BASEDIR, 'conf/extra.cnf'), 'utf8'), 'new file\n');
    const r = script('r.config', `${BASEDIR}/conf/sipd.conf\n`);
    assert.equal(r.code, 0, r.out);
    assert.ok(existsSync(conf));
  });

  test('the unpacked tree runs: sipd -v and sipd -t from BASEDIR', () => {
    const sipd = path.join(root, BASEDIR, 'bin', 'sipd');
    const v = spawnSync(process.execPath, [sipd, '-v'], { encoding: 'utf8', timeout: 30_000 });
    assert.match(v.stdout, /0\.1\.0/, v.stdout + v.stderr);
    const t = spawnSync(process.execPath, [sipd, '-t', '-f', path.join(root, BASEDIR, 'conf', 'sipd.conf')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(t.status, 0, t.stdout + t.stderr);
  });

  test('preremove takes the init script and its links away', () => {
    const r = script('preremove');
    assert.equal(r.code, 0, r.out);
    assert.ok(!existsSync(path.join(root, 'etc/init.d/sip')));
    assert.ok(!existsSync(path.join(root, 'etc/rc3.d/S90sip')));
    assert.equal(script('postremove').code, 0);
  });
});
