// Builds a Solaris SVR4 package in datastream form (what `pkgtrans -s spooldir out.pkg PKG`
// writes and `pkgadd -d out.pkg` reads), without pkgmk/pkgtrans.
//
// Datastream layout (illumos libpkg pkgtrans.c):
//   header   "# PaCkAgE DaTaStReAm\n" "<PKG> <nparts> <maxsize>\n" "# end of header\n",
//            NUL-padded to a multiple of 512 bytes;
//   archive  cpio -oc (newc) of "<PKG>/pkginfo" and "<PKG>/pkgmap", padded to 512;
//   part 1   cpio -oc of `find pkginfo pkgmap install reloc root -print` run inside the
//            spooled package directory, padded to 512.
// pkgmap (pkgmk): first line ": <nparts> <maxsize>", then the objects sorted by path, then
// the `i` (information file) entries sorted by name (the order pkgmk produces).
// Relative pkgmap paths are relocatable (installed under BASEDIR, stored under reloc/);
// absolute ones are stored under root/.
import { readFileSync, statSync } from 'node:fs';
import { writeNewc, S_IFDIR, S_IFREG, type CpioMember } from './cpio-newc.js';
import { svr4Checksum } from './checksum.js';

export interface PkgFile {
  /** Relative (relocatable, under BASEDIR) or absolute path as it appears in pkgmap. */
  path: string;
  /** f: plain file (default); e: editable (configuration: pkgchk does not check contents); v: volatile. */
  type?: 'f' | 'e' | 'v';
  mode: number;
  owner?: string;
  group?: string;
  class?: string;
  /** Contents; or `source`, a file to read them from. */
  data?: Buffer | string;
  source?: string;
  /** pkgmap modification time (seconds); defaults to the source file's or the package's. */
  mtime?: number;
}

export interface PkgDir {
  path: string;
  mode?: number;
  owner?: string;
  group?: string;
  class?: string;
}

export interface PkgSymlink {
  path: string;
  target: string;
  class?: string;
}

export type PkgScriptName = 'checkinstall' | 'request' | 'preinstall' | 'postinstall' | 'preremove' | 'postremove';

export interface BuildPkgOptions {
  /** Package abbreviation, e.g. CSCOsps. */
  pkg: string;
  name: string;
  version: string;
  arch?: string;
  category?: string;
  basedir?: string;
  vendor?: string;
  desc?: string;
  email?: string;
  pstamp?: string;
  /** Extra pkginfo parameters (e.g. HOTLINE, MAXINST), appended in order. */
  pkginfo?: Record<string, string>;
  files?: PkgFile[];
  dirs?: PkgDir[];
  symlinks?: PkgSymlink[];
  scripts?: Partial<Record<PkgScriptName, Buffer | string>>;
  /** Other information files: depend, copyright, space, compver. */
  depend?: Buffer | string;
  copyright?: Buffer | string;
  space?: Buffer | string;
  /** Class action scripts (i.CLASS, r.CLASS) for the classes used by files. */
  classScripts?: Record<string, Buffer | string>;
  /** Default owner/group of files and directories (root/bin, as pkgmk prototypes usually say). */
  owner?: string;
  group?: string;
  /**
   * Timestamp used for pkgmap mtimes and archive members; default SOURCE_DATE_EPOCH or now.
   * Without it, files read from `source` keep their own mtime, clamped to SOURCE_DATE_EPOCH when set.
   */
  mtime?: number;
  /** Create pkgmap `d` entries for parent directories nobody declared (default true). */
  implicitDirs?: boolean;
}

export interface PkgmapEntry {
  type: 'd' | 'f' | 'e' | 'v' | 's' | 'i';
  class: string;
  path: string;
  mode?: number;
  owner?: string;
  group?: string;
  size?: number;
  cksum?: number;
  mtime?: number;
  target?: string;
  data?: Buffer;
}

export interface BuiltPkg {
  datastream: Buffer;
  pkginfo: string;
  pkgmap: string;
  /** A prototype(4) file equivalent to this package, for pkgmk users and reviewers. */
  prototype: string;
  entries: PkgmapEntry[];
  nparts: number;
  maxsize: number;
}

const HDR_PREFIX = '# PaCkAgE DaTaStReAm';
const HDR_SUFFIX = '# end of header';
const BLK = 512;
const SCRIPT_ORDER: PkgScriptName[] = ['checkinstall', 'request', 'preinstall', 'postinstall', 'preremove', 'postremove'];

const oct = (m: number): string => (m & 0o7777).toString(8).padStart(4, '0');
const blocks = (n: number): number => Math.ceil(n / BLK);

function checkPath(p: string, what: string): string {
  const norm = p.replace(/\/+$/, '').replace(/^\.\//, '');
  if (!norm || norm === '/') throw new Error(`${what}: empty path`);
  const segs = norm.replace(/^\//, '').split('/');
  if (segs.some((s) => s === '' || s === '.' || s === '..')) throw new Error(`${what}: bad path ${JSON.stringify(p)}`);
  if (/[\s=]/.test(norm)) throw new Error(`${what}: path ${JSON.stringify(p)} contains whitespace or '='`);
  return norm;
}

function checkToken(v: string, what: string): string {
  if (!v || /\s/.test(v)) throw new Error(`${what}: bad value ${JSON.stringify(v)}`);
  return v;
}

function pkginfoValue(v: string): string {
  if (/[\n"]/.test(v)) throw new Error(`pkginfo: value ${JSON.stringify(v)} contains a newline or quote`);
  return /^[A-Za-z0-9_.,:/+@%-]*$/.test(v) && v !== '' ? v : `"${v}"`;
}

function toBuf(d: Buffer | string): Buffer {
  return typeof d === 'string' ? Buffer.from(d, 'utf8') : d;
}

function sourceDateEpoch(): number | undefined {
  const e = process.env.SOURCE_DATE_EPOCH;
  return e && /^\d+$/.test(e) ? Number(e) : undefined;
}

function defaultMtime(): number {
  return sourceDateEpoch() ?? Math.floor(Date.now() / 1000);
}

/** Where an object's contents live inside the spooled package directory. */
export function payloadPath(p: string): string {
  return p.startsWith('/') ? 'root' + p : 'reloc/' + p;
}

/** Build the package; see BuiltPkg. */
export function buildPkgParts(o: BuildPkgOptions): BuiltPkg {
  if (!/^[A-Za-z][A-Za-z0-9+-]{0,31}$/.test(o.pkg)) throw new Error(`bad package abbreviation ${JSON.stringify(o.pkg)}`);
  const mtime = o.mtime ?? defaultMtime();
  const owner = o.owner ?? 'root';
  const group = o.group ?? 'bin';
  const objects = new Map<string, PkgmapEntry>();
  const add = (e: PkgmapEntry): void => {
    if (objects.has(e.path)) throw new Error(`duplicate pkgmap path ${e.path}`);
    objects.set(e.path, e);
  };

  for (const d of o.dirs ?? []) {
    const path = checkPath(d.path, 'dir');
    add({
      type: 'd',
      class: checkToken(d.class ?? 'none', 'class'),
      path,
      mode: d.mode ?? 0o755,
      owner: checkToken(d.owner ?? owner, 'owner'),
      group: checkToken(d.group ?? group, 'group'),
    });
  }
  for (const f of o.files ?? []) {
    const path = checkPath(f.path, 'file');
    let data: Buffer;
    let fm = f.mtime;
    if (f.data !== undefined) data = toBuf(f.data);
    else if (f.source !== undefined) {
      data = readFileSync(f.source);
      fm ??= Math.floor(statSync(f.source).mtimeMs / 1000);
    } else throw new Error(`file ${path}: neither data nor source`);
    if (o.mtime !== undefined) fm = f.mtime ?? o.mtime;
    else if (fm !== undefined && f.mtime === undefined && sourceDateEpoch() !== undefined) fm = Math.min(fm, sourceDateEpoch()!);
    add({
      type: f.type ?? 'f',
      class: checkToken(f.class ?? 'none', 'class'),
      path,
      mode: f.mode,
      owner: checkToken(f.owner ?? owner, 'owner'),
      group: checkToken(f.group ?? group, 'group'),
      size: data.length,
      cksum: svr4Checksum(data),
      mtime: fm ?? mtime,
      data,
    });
  }
  for (const s of o.symlinks ?? []) {
    const path = checkPath(s.path, 'symlink');
    if (!s.target || /[\s=]/.test(s.target)) throw new Error(`symlink ${path}: bad target ${JSON.stringify(s.target)}`);
    add({ type: 's', class: checkToken(s.class ?? 'none', 'class'), path, target: s.target });
  }
  if (o.implicitDirs !== false) {
    for (const e of [...objects.values()]) {
      const abs = e.path.startsWith('/');
      const segs = e.path.replace(/^\//, '').split('/');
      for (let i = 1; i < segs.length; i++) {
        const dir = (abs ? '/' : '') + segs.slice(0, i).join('/');
        const have = objects.get(dir);
        if (have && have.type !== 'd') throw new Error(`${e.path}: parent ${dir} is not a directory`);
        if (!have) add({ type: 'd', class: 'none', path: dir, mode: 0o755, owner, group });
      }
    }
  }

  // pkginfo
  const classes = [...new Set([...objects.values()].map((e) => e.class))];
  if (!classes.includes('none')) classes.unshift('none');
  const relocatable = [...objects.keys()].some((p) => !p.startsWith('/'));
  const basedir = o.basedir ?? '/opt/sip';
  const info: [string, string][] = [
    ['PKG', o.pkg],
    ['NAME', o.name],
    ['ARCH', o.arch ?? 'all'],
    ['VERSION', o.version],
    ['CATEGORY', o.category ?? 'application'],
  ];
  if (o.desc) info.push(['DESC', o.desc]);
  if (o.vendor) info.push(['VENDOR', o.vendor]);
  if (o.email) info.push(['EMAIL', o.email]);
  if (relocatable || o.basedir) info.push(['BASEDIR', basedir]);
  info.push(['CLASSES', classes.join(' ')]);
  info.push(['PSTAMP', o.pstamp ?? `opensps${new Date(mtime * 1000).toISOString().replace(/\D/g, '').slice(0, 14)}`]);
  for (const [k, v] of Object.entries(o.pkginfo ?? {})) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(k) || info.some(([x]) => x === k)) throw new Error(`pkginfo: bad or duplicate key ${k}`);
    info.push([k, v]);
  }
  for (const [k, v] of info) if (!v) throw new Error(`pkginfo: ${k} is empty`);
  const pkginfo = info.map(([k, v]) => `${k}=${pkginfoValue(v)}\n`).join('');

  // information files (install/ plus pkginfo itself)
  const infoFiles: PkgmapEntry[] = [];
  const addInfo = (name: string, d: Buffer | string): void => {
    const data = toBuf(d);
    infoFiles.push({ type: 'i', class: 'none', path: name, size: data.length, cksum: svr4Checksum(data), mtime, data });
  };
  addInfo('pkginfo', pkginfo);
  for (const s of SCRIPT_ORDER) if (o.scripts?.[s] !== undefined) addInfo(s, o.scripts[s] as Buffer | string);
  if (o.depend !== undefined) addInfo('depend', o.depend);
  if (o.copyright !== undefined) addInfo('copyright', o.copyright);
  if (o.space !== undefined) addInfo('space', o.space);
  for (const [name, data] of Object.entries(o.classScripts ?? {})) {
    if (!/^[ir]\.[A-Za-z0-9_]+$/.test(name)) throw new Error(`class action script ${JSON.stringify(name)}: the name must be i.CLASS or r.CLASS`);
    addInfo(name, data);
  }
  infoFiles.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const sorted = [...objects.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const entries = [...sorted, ...infoFiles];

  // maxsize: pkgmk's estimate (splpkgmap.c) of the 512-byte blocks the single part needs:
  // 2, plus room for pkgmap (128 bytes an entry), plus 2 for install/, plus the blocks of
  // every information file and regular file, plus one block per directory.
  const nDirs = entries.filter((e) => e.type === 'd').length;
  const maxsize =
    2 +
    blocks(entries.length * 128) +
    2 +
    entries.reduce((n, e) => n + (e.size !== undefined ? blocks(e.size) : 0), 0) +
    nDirs +
    3; // the reloc/, root/ and install/ directories themselves
  const nparts = 1;

  const line = (e: PkgmapEntry): string => {
    switch (e.type) {
      case 'd':
        return `1 d ${e.class} ${e.path} ${oct(e.mode!)} ${e.owner} ${e.group}`;
      case 'f':
      case 'e':
      case 'v':
        return `1 ${e.type} ${e.class} ${e.path} ${oct(e.mode!)} ${e.owner} ${e.group} ${e.size} ${e.cksum} ${e.mtime}`;
      case 's':
        return `1 s ${e.class} ${e.path}=${e.target}`;
      case 'i':
        return `1 i ${e.path} ${e.size} ${e.cksum} ${e.mtime}`;
    }
  };
  const pkgmap = `: ${nparts} ${maxsize}\n` + entries.map((e) => line(e) + '\n').join('');

  const protoLine = (e: PkgmapEntry): string => {
    switch (e.type) {
      case 'd':
        return `d ${e.class} ${e.path} ${oct(e.mode!)} ${e.owner} ${e.group}`;
      case 'f':
      case 'e':
      case 'v':
        return `${e.type} ${e.class} ${e.path}=${payloadPath(e.path)} ${oct(e.mode!)} ${e.owner} ${e.group}`;
      case 's':
        return `s ${e.class} ${e.path}=${e.target}`;
      case 'i':
        return e.path === 'pkginfo' ? 'i pkginfo' : `i ${e.path}=install/${e.path}`;
    }
  };
  const prototype = infoFiles.map((e) => protoLine(e) + '\n').join('') + sorted.map((e) => protoLine(e) + '\n').join('');

  // datastream header
  const hdr = `${HDR_PREFIX}\n${o.pkg} ${nparts} ${maxsize}\n${HDR_SUFFIX}\n`;
  const hdrBuf = Buffer.alloc((Math.floor(Buffer.byteLength(hdr) / BLK) + 1) * BLK);
  hdrBuf.write(hdr, 'ascii');

  const infoBuf = Buffer.from(pkginfo, 'utf8');
  const mapBuf = Buffer.from(pkgmap, 'utf8');
  const reg = (name: string, mode: number, data: Buffer): CpioMember => ({ name, mode: S_IFREG | (mode & 0o7777), mtime, data });
  const dir = (name: string, mode: number): CpioMember => ({ name, mode: S_IFDIR | (mode & 0o7777), mtime });
  const first = writeNewc([reg(`${o.pkg}/pkginfo`, 0o644, infoBuf), reg(`${o.pkg}/pkgmap`, 0o644, mapBuf)], BLK);

  // part 1, in `find` pre-order
  const part: CpioMember[] = [reg('pkginfo', 0o644, infoBuf), reg('pkgmap', 0o644, mapBuf)];
  const scripts = infoFiles.filter((e) => e.path !== 'pkginfo');
  if (scripts.length) {
    part.push(dir('install', 0o755));
    for (const e of scripts) part.push(reg(`install/${e.path}`, 0o644, e.data!));
  }
  for (const top of ['reloc', 'root']) {
    const inTree = sorted.filter((e) => e.type !== 's' && payloadPath(e.path).startsWith(top + '/'));
    if (!inTree.length) continue;
    part.push(dir(top, 0o755));
    for (const e of inTree) {
      const name = payloadPath(e.path);
      part.push(e.type === 'd' ? dir(name, e.mode!) : reg(name, e.mode!, e.data!));
    }
  }
  const datastream = Buffer.concat([hdrBuf, first, writeNewc(part, BLK)]);
  return { datastream, pkginfo, pkgmap, prototype, entries, nparts, maxsize };
}

/** Build the package and return the datastream (`pkgadd -d FILE` input). */
export function buildPkg(o: BuildPkgOptions): Buffer {
  return buildPkgParts(o).datastream;
}
