// The SVR4 datastream builder (packaging/svr4) checked by the independent verifier
// (./svr4-verify.ts), plus negative cases and a cross-check against GNU `sum -s`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildPkgParts, type BuiltPkg } from '../../../packaging/svr4/build-pkg.js';
import { svr4Checksum, svr4ChecksumFile } from '../../../packaging/svr4/checksum.js';
import { readNewc, writeNewc, S_IFREG } from '../../../packaging/svr4/cpio-newc.js';
import { scanTree, main as cliMain } from '../../../packaging/svr4/cli.js';
import { parseDatastream, serializeDatastream, sysvSum, verifyDatastream, type Datastream } from './svr4-verify.js';
import { requireTool } from '../../helpers/tools.js';


function makeTree(): { dir: string; root: string; scripts: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'svr4-'));
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  mkdirSync(path.join(root, 'conf'));
  mkdirSync(path.join(root, 'logs'));
  writeFileSync(path.join(root, 'bin', 'sipd'), '#!/bin/sh\nexec node /opt/sip/lib/sipd.js "$@"\n');
  chmodSync(path.join(root, 'bin', 'sipd'), 0o755);
  writeFileSync(path.join(root, 'conf', 'sipd.conf'), 'ServerType Proxy\nListen 5060\n' + 'x'.repeat(3000) + '\n');
  chmodSync(path.join(root, 'conf', 'sipd.conf'), 0o644);
  // a binary file with high bytes so the checksum folding is exercised
  const bin = Buffer.alloc(70000);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919) & 0xff | 0x80;
  writeFileSync(path.join(root, 'bin', 'blob.dat'), bin);
  chmodSync(path.join(root, 'bin', 'blob.dat'), 0o600);
  chmodSync(path.join(root, 'logs'), 0o750);
  symlinkSync('sipd', path.join(root, 'bin', 'sip'));
  const scripts = path.join(dir, 'scripts');
  mkdirSync(scripts);
  writeFileSync(path.join(scripts, 'preinstall'), '#!/bin/sh\ngetent passwd csps >/dev/null || useradd csps\n');
  writeFileSync(path.join(scripts, 'postinstall'), '#!/bin/sh\necho installed in $BASEDIR\n');
  writeFileSync(path.join(scripts, 'preremove'), '#!/bin/sh\n/etc/init.d/sip stop || true\n');
  writeFileSync(path.join(scripts, 'postremove'), '#!/bin/sh\nexit 0\n');
  return { dir, root, scripts };
}

function build(): { built: BuiltPkg; dir: string; root: string } {
  const { dir, root, scripts } = makeTree();
  const tree = scanTree(root, 'root', 'bin');
  const built = buildPkgParts({
    pkg: 'CSCOsps',
    name: 'OpenSPS SIP proxy server',
    version: '2.2.0,REV=2026.11.25',
    arch: 'all',
    category: 'application',
    basedir: '/opt/sip',
    pstamp: 'test20261125',
    mtime: 1764000000,
    ...tree,
    scripts: Object.fromEntries(['preinstall', 'postinstall', 'preremove', 'postremove'].map((s) => [s, readFileSync(path.join(scripts, s))])),
  });
  return { built, dir, root };
}

function mutate(buf: Buffer, f: (ds: Datastream) => void): Buffer {
  const ds = parseDatastream(buf);
  f(ds);
  return serializeDatastream(ds);
}

test('checksum: matches the SVR4 definition on small inputs', () => {
  assert.equal(svr4Checksum(Buffer.alloc(0)), 0);
  assert.equal(svr4Checksum(Buffer.from('abc')), 97 + 98 + 99);
  const b = Buffer.alloc(514, 0xff); // 514*255 = 0x1fffe, folds to 0xfffe + 0x1 = 0xffff
  assert.equal(svr4Checksum(b), 0xffff);
  const c = Buffer.alloc(1028, 0xff); // 1028*255 = 0x3fffc, folds to 0xfffc + 0x3 = 0xffff
  assert.equal(svr4Checksum(c), 0xffff);
  const d = Buffer.alloc(1029, 0xff); // 0x400fb -> 0x00fb + 0x4 = 0xff
  assert.equal(svr4Checksum(d), 0xff);
  assert.equal(svr4Checksum(b), sysvSum(b));
});

test('checksum: agrees with GNU sum -s', async () => {
  requireTool('sum', 'coreutils');
  const dir = mkdtempSync(path.join(tmpdir(), 'svr4sum-'));
  try {
    const samples: Buffer[] = [Buffer.alloc(0), Buffer.from('hello\n'), Buffer.alloc(100000, 0xff), Buffer.alloc(3_000_000)];
    for (let i = 0; i < samples[3].length; i++) samples[3][i] = (i * 2654435761) >>> 24;
    for (const [i, s] of samples.entries()) {
      const f = path.join(dir, `s${i}`);
      writeFileSync(f, s);
      const want = Number(execFileSync('sum', ['-s', f], { encoding: 'utf8' }).trim().split(/\s+/)[0]);
      assert.equal(svr4Checksum(s), want, `svr4Checksum of sample ${i}`);
      assert.equal((await svr4ChecksumFile(f)).cksum, want, `svr4ChecksumFile of sample ${i}`);
      assert.equal(sysvSum(s), want, `verifier sysvSum of sample ${i}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cpio newc: round trip, alignment and 512-byte padding', () => {
  const a = writeNewc(
    [
      { name: 'a', mode: S_IFREG | 0o644, data: Buffer.from('x') },
      { name: 'dir/longer-name.txt', mode: S_IFREG | 0o755, data: Buffer.from('hello world') },
    ],
    512,
  );
  assert.equal(a.length % 512, 0);
  assert.equal(a.subarray(0, 6).toString(), '070701');
  const { members, end } = readNewc(a);
  assert.equal(end, a.length);
  assert.deepEqual(members.map((m) => [m.name, m.mode.toString(8), m.data.toString()]), [
    ['a', '100644', 'x'],
    ['dir/longer-name.txt', '100755', 'hello world'],
  ]);
  for (const m of members) assert.equal(m.offset % 4, 0);
});

test('builder: datastream passes the independent verifier', () => {
  const { built, dir } = build();
  try {
    const r = verifyDatastream(built.datastream);
    assert.deepEqual(r.errors, []);
    assert.ok(r.ok);
    const ds = built.datastream;
    assert.ok(ds.subarray(0, 21).equals(Buffer.from('# PaCkAgE DaTaStReAm\n')));
    assert.equal(ds.length % 512, 0);
    const p = r.packages[0];
    assert.equal(p.pkg, 'CSCOsps');
    assert.equal(p.pkginfo.get('BASEDIR'), '/opt/sip');
    assert.equal(p.pkginfo.get('NAME'), 'OpenSPS SIP proxy server');
    assert.equal(p.pkginfo.get('PSTAMP'), 'test20261125');
    assert.equal(p.pkginfo.get('CLASSES'), 'none');
    const lines = built.pkgmap.split('\n');
    assert.match(lines[0], /^: 1 \d+$/);
    assert.ok(lines.includes('1 d none bin 0755 root bin'));
    assert.ok(lines.includes('1 d none logs 0750 root bin'));
    assert.ok(lines.includes('1 s none bin/sip=sipd'));
    assert.ok(lines.some((l) => /^1 f none bin\/sipd 0755 root bin \d+ \d+ 1764000000$/.test(l)));
    assert.ok(lines.some((l) => /^1 f none bin\/blob\.dat 0600 root bin 70000 \d+ 1764000000$/.test(l)));
    for (const s of ['pkginfo', 'postinstall', 'postremove', 'preinstall', 'preremove'])
      assert.ok(lines.some((l) => l.startsWith(`1 i ${s} `)), `i entry ${s}`);
    // objects sorted by path, then i entries sorted by name
    const objs = lines.slice(1).filter((l) => l && !l.startsWith('1 i ')).map((l) => l.split(' ')[3].split('=')[0]);
    assert.deepEqual(objs, [...objs].sort());
    const firstI = lines.findIndex((l) => l.startsWith('1 i '));
    assert.ok(lines.slice(firstI).every((l) => !l || l.startsWith('1 i ')));
    // the prototype names every object
    assert.match(built.prototype, /^i pkginfo$/m);
    assert.match(built.prototype, /^i postinstall=install\/postinstall$/m);
    assert.match(built.prototype, /^f none bin\/sipd=reloc\/bin\/sipd 0755 root bin$/m);
    // reproducible with a fixed mtime
    assert.ok(build().built.datastream.equals(built.datastream));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('builder: `file` recognises the archives as SVR4 cpio', () => {
  requireTool('file', 'file');
  const { built, dir } = build();
  try {
    const first = path.join(dir, 'first.cpio');
    writeFileSync(first, built.datastream.subarray(512));
    assert.match(execFileSync('file', ['-b', first], { encoding: 'utf8' }), /cpio archive \(SVR4 with no CRC\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GNU cpio extracts both archives of the datastream', () => {
  requireTool('cpio', 'cpio');
  const { built, dir } = build();
  try {
    const ds = built.datastream;
    const hdrLen = 512;
    const first = readNewc(ds, hdrLen);
    const x1 = path.join(dir, 'x1');
    const x2 = path.join(dir, 'x2');
    mkdirSync(x1);
    mkdirSync(x2);
    execFileSync('cpio', ['-idm', '--quiet'], { cwd: x1, input: ds.subarray(hdrLen, hdrLen + first.end) });
    execFileSync('cpio', ['-idm', '--quiet'], { cwd: x2, input: ds.subarray(hdrLen + first.end) });
    assert.equal(readFileSync(path.join(x1, 'CSCOsps', 'pkgmap'), 'utf8'), built.pkgmap);
    assert.equal(readFileSync(path.join(x2, 'pkginfo'), 'utf8'), built.pkginfo);
    const listing = execFileSync('cpio', ['-itv', '--quiet'], { input: ds.subarray(hdrLen + first.end), encoding: 'utf8' });
    assert.match(listing, /^-rwxr-xr-x .* reloc\/bin\/sipd$/m);
    assert.match(listing, /^drwxr-x--- .* reloc\/logs$/m);
    for (const e of built.entries.filter((x) => x.type === 'f')) {
      const data = readFileSync(path.join(x2, 'reloc', e.path));
      assert.equal(data.length, e.size, e.path);
      assert.equal(svr4Checksum(data), e.cksum, e.path);
    }
    for (const s of ['preinstall', 'postinstall', 'preremove', 'postremove']) assert.ok(readFileSync(path.join(x2, 'install', s)).length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verifier: a changed payload byte fails, naming the file and the checksum', () => {
  const { built, dir } = build();
  try {
    const bad = mutate(built.datastream, (ds) => {
      const m = ds.packages[0].parts[0].find((x) => x.name === 'reloc/bin/sipd')!;
      m.data[5] ^= 0x01;
    });
    const r = verifyDatastream(bad);
    assert.equal(r.ok, false);
    assert.ok(r.errors.some((e) => e.includes('reloc/bin/sipd') && e.includes('checksum mismatch')), r.errors.join('\n'));
    // the unmodified re-serialisation still passes (the mutation helper itself is sound)
    assert.deepEqual(verifyDatastream(mutate(built.datastream, () => {})).errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verifier: a missing payload file fails', () => {
  const { built, dir } = build();
  try {
    const bad = mutate(built.datastream, (ds) => {
      const part = ds.packages[0].parts[0];
      part.splice(part.findIndex((x) => x.name === 'reloc/conf/sipd.conf'), 1);
    });
    const r = verifyDatastream(bad);
    assert.equal(r.ok, false);
    assert.ok(r.errors.some((e) => e.includes('reloc/conf/sipd.conf') && e.includes('missing')), r.errors.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verifier: a missing install script fails', () => {
  const { built, dir } = build();
  try {
    const bad = mutate(built.datastream, (ds) => {
      const part = ds.packages[0].parts[0];
      part.splice(part.findIndex((x) => x.name === 'install/postinstall'), 1);
    });
    const r = verifyDatastream(bad);
    assert.ok(r.errors.some((e) => e.includes('install/postinstall') && e.includes('missing')), r.errors.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verifier: a wrong mode (pkgmap or payload) fails', () => {
  const { built, dir } = build();
  try {
    const badMap = mutate(built.datastream, (ds) => {
      for (const m of [...ds.info, ...ds.packages[0].parts[0]])
        if (m.name.endsWith('pkgmap')) m.data = Buffer.from(m.data.toString().replace('bin/sipd 0755', 'bin/sipd 0775'));
    });
    const r1 = verifyDatastream(badMap);
    assert.ok(r1.errors.some((e) => e.includes('reloc/bin/sipd') && e.includes('mode mismatch')), r1.errors.join('\n'));

    const badPayload = mutate(built.datastream, (ds) => {
      const m = ds.packages[0].parts[0].find((x) => x.name === 'reloc/bin/sipd')!;
      m.mode = (m.mode & ~0o7777) | 0o644;
    });
    const r2 = verifyDatastream(badPayload);
    assert.ok(r2.errors.some((e) => e.includes('reloc/bin/sipd') && e.includes('mode mismatch')), r2.errors.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verifier: extra payload file, header/pkgmap mismatch and a pkgmap edited in one copy fail', () => {
  const { built, dir } = build();
  try {
    const extra = mutate(built.datastream, (ds) => {
      ds.packages[0].parts[0].push({ name: 'reloc/bin/intruder', mode: 0o100755, uid: 0, gid: 0, nlink: 1, mtime: 0, ino: 99, data: Buffer.from('x') });
    });
    assert.ok(verifyDatastream(extra).errors.some((e) => e.includes('reloc/bin/intruder') && e.includes('extra')));

    const hdr = mutate(built.datastream, (ds) => {
      ds.packages[0].maxsize += 1;
    });
    assert.ok(verifyDatastream(hdr).errors.some((e) => e.includes('maxsize')));

    const oneCopy = mutate(built.datastream, (ds) => {
      const m = ds.info.find((x) => x.name.endsWith('pkgmap'))!;
      m.data = Buffer.from(m.data.toString().replace('logs 0750', 'logs 0755'));
    });
    assert.ok(verifyDatastream(oneCopy).errors.some((e) => e.includes('pkgmap differs')));

    const noName = mutate(built.datastream, (ds) => {
      for (const m of [...ds.info, ...ds.packages[0].parts[0]])
        if (m.name.endsWith('pkginfo')) m.data = Buffer.from(m.data.toString().replace(/^NAME=.*\n/m, ''));
    });
    assert.ok(verifyDatastream(noName).errors.some((e) => e.includes('NAME')));

    assert.equal(verifyDatastream(built.datastream.subarray(0, built.datastream.length - 1024)).ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sum -s agrees with the pkgmap checksums of the built files', () => {
  requireTool('sum', 'coreutils');
  const { built, dir } = build();
  try {
    const ds = parseDatastream(built.datastream);
    const out = path.join(dir, 'extract');
    let checked = 0;
    for (const m of ds.packages[0].parts[0]) {
      if ((m.mode & 0o170000) !== 0o100000) continue;
      const f = path.join(out, m.name);
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, m.data);
      const [ck, , ] = execFileSync('sum', ['-s', f], { encoding: 'utf8' }).trim().split(/\s+/);
      const e = built.entries.find((x) =>
        x.type === 'i' ? (x.path === 'pkginfo' ? 'pkginfo' : `install/${x.path}`) === m.name : `reloc/${x.path}` === m.name,
      );
      if (!e) continue; // pkgmap itself
      assert.equal(e.cksum, Number(ck), m.name);
      assert.equal(e.size, m.data.length, m.name);
      checked++;
    }
    assert.equal(checked, 3 + 5); // sipd, blob.dat, sipd.conf + pkginfo + 4 scripts
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cli: packs a tree into a datastream the verifier accepts', () => {
  const { dir, root, scripts } = makeTree();
  try {
    const out = path.join(dir, 'CSCOsps.pkg');
    const proto = path.join(dir, 'prototype');
    const saved = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    let rc: number;
    try {
      rc = cliMain(['--root', root, '--pkg', 'CSCOsps', '--version', '2.2.0', '--out', out, '--scripts', scripts, '--prototype', proto]);
    } finally {
      process.stdout.write = saved;
    }
    assert.equal(rc, 0);
    const r = verifyDatastream(readFileSync(out));
    assert.deepEqual(r.errors, []);
    assert.match(readFileSync(proto, 'utf8'), /^i preinstall=install\/preinstall$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
