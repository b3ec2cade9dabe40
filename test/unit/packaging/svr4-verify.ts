// Independent verifier for Solaris SVR4 package datastreams (`pkgadd -d FILE` input).
//
// Deliberately written from the format description alone and sharing no code with
// packaging/svr4/ (its own cpio reader/writer and its own checksum), so the builder cannot
// pass by agreeing with itself. What it checks:
//  - header: "# PaCkAgE DaTaStReAm" line, one "PKG nparts maxsize" line per package,
//    "# end of header", NUL padding to a 512-byte boundary;
//  - cpio: newc (070701) members, TRAILER!!!, each archive NUL-padded to 512 bytes, nothing
//    but NULs after the last archive;
//  - first archive: exactly PKG/pkginfo and PKG/pkgmap for every package in the header;
//  - pkgmap ": nparts maxsize" equal to the header's; pkginfo has PKG (= header name), NAME,
//    ARCH, VERSION, CATEGORY, BASEDIR when there are relocatable paths, and CLASSES naming
//    every class used; part 1 carries the same pkginfo and pkgmap as the first archive;
//  - every pkgmap entry against the payload: presence, type, size, checksum, mode; symlinks
//    absent from the payload; information files (pkginfo, install/*) sized and summed;
//  - no payload member that pkgmap does not account for; maxsize not below the blocks the
//    files need.

export interface DsMember {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  ino: number;
  data: Buffer;
}

export interface DsPackage {
  pkg: string;
  nparts: number;
  maxsize: number;
  /** One member list per part. */
  parts: DsMember[][];
}

export interface Datastream {
  packages: DsPackage[];
  /** The first archive: PKG/pkginfo, PKG/pkgmap for every package. */
  info: DsMember[];
}

export interface MapEntry {
  part: number;
  type: string;
  cls: string;
  path: string;
  mode?: string;
  owner?: string;
  group?: string;
  size?: number;
  cksum?: number;
  mtime?: number;
  target?: string;
  line: number;
}

export interface VerifyResult {
  ok: boolean;
  errors: string[];
  packages: { pkg: string; pkginfo: Map<string, string>; entries: MapEntry[] }[];
}

const BLOCK = 512;
const MAGIC_LINE = '# PaCkAgE DaTaStReAm';
const END_LINE = '# end of header';

/** SVR4 / `sum -s` checksum, computed here independently of the builder. */
export function sysvSum(bytes: Uint8Array): number {
  let total = 0n;
  for (let off = 0; off < bytes.length; off += 1 << 20) {
    let s = 0;
    const end = Math.min(bytes.length, off + (1 << 20));
    for (let k = off; k < end; k++) s += bytes[k];
    total += BigInt(s);
  }
  const t = Number(total & 0xffffffffn);
  const once = (t % 65536) + Math.floor(t / 65536);
  return (once % 65536) + Math.floor(once / 65536);
}

function roundUp(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/** Parse one cpio newc archive at `start`; returns members and where the padded archive ends. */
function readArchive(buf: Buffer, start: number, what: string): { members: DsMember[]; next: number } {
  const members: DsMember[] = [];
  let at = start;
  const align = (n: number): number => start + Math.ceil((n - start) / 4) * 4;
  for (;;) {
    const hdr = buf.subarray(at, at + 110).toString('latin1');
    const m = /^070701([0-9a-fA-F]{8})([0-9a-fA-F]{8})([0-9a-fA-F]{8})([0-9a-fA-F]{8})([0-9a-fA-F]{8})([0-9a-fA-F]{8})([0-9a-fA-F]{8})[0-9a-fA-F]{32}([0-9a-fA-F]{8})[0-9a-fA-F]{8}$/.exec(hdr);
    if (!m) throw new Error(`${what}: no cpio newc header at byte ${at}`);
    const [ino, mode, uid, gid, nlink, mtime, size, namesize] = m.slice(1).map((h) => Number.parseInt(h, 16));
    const nameEnd = at + 110 + namesize;
    if (namesize === 0 || nameEnd > buf.length || buf[nameEnd - 1] !== 0) throw new Error(`${what}: bad member name at byte ${at}`);
    const name = buf.subarray(at + 110, nameEnd - 1).toString('utf8');
    const dataAt = align(nameEnd);
    if (dataAt + size > buf.length) throw new Error(`${what}: member ${name} runs past the end of the datastream`);
    at = align(dataAt + size);
    if (name === 'TRAILER!!!') break;
    members.push({ name, mode, uid, gid, nlink, mtime, ino, data: Buffer.from(buf.subarray(dataAt, dataAt + size)) });
  }
  const next = start + roundUp(at - start);
  if (next > buf.length) throw new Error(`${what}: archive not padded to a 512-byte block`);
  if (buf.subarray(at, next).some((b) => b !== 0)) throw new Error(`${what}: non-NUL padding after TRAILER!!!`);
  return { members, next };
}

/** Split a datastream into header packages, first archive and part archives. Throws on malformed structure. */
export function parseDatastream(buf: Buffer): Datastream {
  const firstBlock = buf.subarray(0, Math.min(buf.length, 64 * BLOCK)).toString('latin1');
  const endAt = firstBlock.indexOf(`\n${END_LINE}\n`);
  if (!firstBlock.startsWith(MAGIC_LINE + '\n') || endAt < 0) throw new Error('header: not a package datastream (magic or end-of-header line missing)');
  const textLen = endAt + END_LINE.length + 2;
  const hdrLen = roundUp(textLen);
  if (buf.subarray(textLen, hdrLen).some((b) => b !== 0)) throw new Error('header: not NUL-padded to 512 bytes');
  const lines = firstBlock.slice(MAGIC_LINE.length + 1, endAt).split('\n');
  const packages: DsPackage[] = lines.map((l) => {
    const m = /^(\S+) (\d+) (\d+)(?: [\d ]+)?$/.exec(l);
    if (!m) throw new Error(`header: bad package line ${JSON.stringify(l)}`);
    return { pkg: m[1], nparts: Number(m[2]), maxsize: Number(m[3]), parts: [] };
  });
  if (!packages.length) throw new Error('header: no packages');
  const first = readArchive(buf, hdrLen, 'first archive');
  let at = first.next;
  for (const p of packages) {
    if (p.nparts < 1) throw new Error(`header: ${p.pkg} has ${p.nparts} parts`);
    for (let i = 1; i <= p.nparts; i++) {
      const a = readArchive(buf, at, `${p.pkg} part ${i}`);
      p.parts.push(a.members);
      at = a.next;
    }
  }
  if (buf.subarray(at).some((b) => b !== 0)) throw new Error(`trailing data after the last archive at byte ${at}`);
  return { packages, info: first.members };
}

function writeArchive(members: DsMember[]): Buffer {
  const out: Buffer[] = [];
  let len = 0;
  const put = (b: Buffer): void => {
    out.push(b);
    len += b.length;
  };
  const pad = (): void => put(Buffer.alloc((4 - (len % 4)) % 4));
  const h = (n: number): string => n.toString(16).padStart(8, '0');
  for (const m of [...members, { name: 'TRAILER!!!', mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, ino: 0, data: Buffer.alloc(0) }]) {
    const name = Buffer.from(m.name + '\0');
    put(Buffer.from('070701' + [m.ino, m.mode, m.uid, m.gid, m.nlink, m.mtime, m.data.length, 0, 0, 0, 0, name.length, 0].map(h).join(''), 'latin1'));
    put(name);
    pad();
    put(m.data);
    pad();
  }
  put(Buffer.alloc(roundUp(len) - len));
  return Buffer.concat(out);
}

/** Re-serialise a parsed datastream (used by tests to produce corrupted variants). */
export function serializeDatastream(ds: Datastream): Buffer {
  const text = `${MAGIC_LINE}\n${ds.packages.map((p) => `${p.pkg} ${p.nparts} ${p.maxsize}\n`).join('')}${END_LINE}\n`;
  const hdr = Buffer.alloc(roundUp(text.length + 1));
  hdr.write(text, 'latin1');
  return Buffer.concat([hdr, writeArchive(ds.info), ...ds.packages.flatMap((p) => p.parts.map(writeArchive))]);
}

export function parsePkginfo(text: string): Map<string, string> {
  const r = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (!l || l.startsWith('#')) continue;
    const eq = l.indexOf('=');
    if (eq <= 0) throw new Error(`pkginfo: bad line ${JSON.stringify(raw)}`);
    let v = l.slice(eq + 1);
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    r.set(l.slice(0, eq), v);
  }
  return r;
}

export function parsePkgmap(text: string): { nparts: number; maxsize: number; entries: MapEntry[]; errors: string[] } {
  const errors: string[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const head = /^: (\d+) (\d+)(?: \d+)?$/.exec(lines[0] ?? '');
  if (!head) throw new Error(`pkgmap: bad first line ${JSON.stringify(lines[0])}`);
  const entries: MapEntry[] = [];
  lines.slice(1).forEach((l, i) => {
    const line = i + 2;
    if (l.startsWith('#') || l.startsWith(':')) return;
    const t = l.split(/\s+/);
    const bad = (): void => void errors.push(`pkgmap line ${line}: malformed ${JSON.stringify(l)}`);
    const part = Number(t[0]);
    if (!/^\d+$/.test(t[0] ?? '')) return bad();
    const type = t[1];
    if (type === 'i') {
      if (t.length !== 6 || ![3, 4, 5].every((k) => /^\d+$/.test(t[k]))) return bad();
      entries.push({ part, type, cls: '', path: t[2], size: +t[3], cksum: +t[4], mtime: +t[5], line });
    } else if (type === 'f' || type === 'e' || type === 'v') {
      if (t.length !== 10 || ![7, 8, 9].every((k) => /^\d+$/.test(t[k]))) return bad();
      entries.push({ part, type, cls: t[2], path: t[3], mode: t[4], owner: t[5], group: t[6], size: +t[7], cksum: +t[8], mtime: +t[9], line });
    } else if (type === 'd' || type === 'x' || type === 'p') {
      if (t.length !== 7) return bad();
      entries.push({ part, type, cls: t[2], path: t[3], mode: t[4], owner: t[5], group: t[6], line });
    } else if (type === 's' || type === 'l') {
      const eq = (t[3] ?? '').indexOf('=');
      if (t.length !== 4 || eq <= 0 || eq === t[3].length - 1) return bad();
      entries.push({ part, type, cls: t[2], path: t[3].slice(0, eq), target: t[3].slice(eq + 1), line });
    } else bad();
  });
  return { nparts: +head[1], maxsize: +head[2], entries, errors };
}

/** Verify a datastream; never throws, collects every problem it can find. */
export function verifyDatastream(buf: Buffer): VerifyResult {
  const errors: string[] = [];
  const result: VerifyResult = { ok: false, errors, packages: [] };
  let ds: Datastream;
  try {
    ds = parseDatastream(buf);
  } catch (e) {
    errors.push((e as Error).message);
    return result;
  }
  const infoNames = new Set(ds.info.map((m) => m.name));
  const expectedInfo = new Set(ds.packages.flatMap((p) => [`${p.pkg}/pkginfo`, `${p.pkg}/pkgmap`]));
  for (const n of infoNames) if (!expectedInfo.has(n)) errors.push(`first archive: unexpected member ${n}`);
  for (const n of expectedInfo) if (!infoNames.has(n)) errors.push(`first archive: missing ${n}`);
  if (infoNames.size !== ds.info.length) errors.push('first archive: duplicate members');

  for (const p of ds.packages) {
    const E = (msg: string): void => void errors.push(`${p.pkg}: ${msg}`);
    const infoFile = ds.info.find((m) => m.name === `${p.pkg}/pkginfo`);
    const mapFile = ds.info.find((m) => m.name === `${p.pkg}/pkgmap`);
    if (!infoFile || !mapFile) continue;
    let pkginfo: Map<string, string>;
    let map: ReturnType<typeof parsePkgmap>;
    try {
      pkginfo = parsePkginfo(infoFile.data.toString('utf8'));
      map = parsePkgmap(mapFile.data.toString('utf8'));
    } catch (e) {
      E((e as Error).message);
      continue;
    }
    result.packages.push({ pkg: p.pkg, pkginfo, entries: map.entries });
    map.errors.forEach(E);

    // header / pkgmap / pkginfo consistency
    if (map.nparts !== p.nparts) E(`pkgmap says ${map.nparts} parts, header says ${p.nparts}`);
    if (map.maxsize !== p.maxsize) E(`pkgmap maxsize ${map.maxsize} differs from header maxsize ${p.maxsize}`);
    for (const k of ['PKG', 'NAME', 'ARCH', 'VERSION', 'CATEGORY']) if (!pkginfo.get(k)) E(`pkginfo: required ${k} missing or empty`);
    if (pkginfo.get('PKG') && pkginfo.get('PKG') !== p.pkg) E(`pkginfo PKG=${pkginfo.get('PKG')} but header names ${p.pkg}`);
    const classes = new Set((pkginfo.get('CLASSES') ?? 'none').split(/\s+/).filter(Boolean));
    for (const e of map.entries) {
      if (e.type !== 'i' && !classes.has(e.cls)) E(`pkgmap line ${e.line}: class ${e.cls} of ${e.path} not in CLASSES (pkgadd would skip it)`);
      if (e.part < 1 || e.part > p.nparts) E(`pkgmap line ${e.line}: part ${e.part} out of range 1..${p.nparts}`);
    }
    const reloc = map.entries.some((e) => e.type !== 'i' && !e.path.startsWith('/'));
    if (reloc && !pkginfo.get('BASEDIR')) E('pkginfo: relocatable paths but no BASEDIR');
    const seen = new Set<string>();
    for (const e of map.entries) {
      const key = `${e.type === 'i' ? 'i' : 'o'}:${e.path}`;
      if (seen.has(key)) E(`pkgmap: duplicate entry for ${e.path}`);
      seen.add(key);
    }
    if (!map.entries.some((e) => e.type === 'i' && e.path === 'pkginfo')) E('pkgmap: no "i pkginfo" entry');
    if (map.entries.some((e) => e.type === 'i' && e.path === 'pkgmap')) E('pkgmap: lists itself as an i entry');

    // payload index: part number -> name -> member
    const parts = p.parts.map((members, i) => {
      const byName = new Map<string, DsMember>();
      for (const m of members) {
        if (byName.has(m.name)) E(`part ${i + 1}: duplicate member ${m.name}`);
        byName.set(m.name, m);
      }
      return byName;
    });
    const part1 = parts[0];
    for (const [n, copy] of [['pkginfo', infoFile], ['pkgmap', mapFile]] as const) {
      const m = part1?.get(n);
      if (!m) E(`part 1: missing ${n}`);
      else if (!m.data.equals(copy.data)) E(`part 1: ${n} differs from the copy in the first archive`);
    }
    const accounted = new Set<string>(['pkginfo', 'pkgmap']);
    const dirsNeeded = new Set<string>();
    const where = (e: MapEntry): string => {
      const rel = e.path.replace(/^\/+/, '');
      const top = e.path.startsWith('/') ? 'root' : 'reloc';
      return p.nparts > 1 ? `${top}.${e.part}/${rel}` : `${top}/${rel}`;
    };
    const noteParents = (name: string): void => {
      const segs = name.split('/');
      for (let i = 1; i < segs.length; i++) dirsNeeded.add(segs.slice(0, i).join('/'));
    };
    const typeOf = (m: DsMember): number => m.mode & 0o170000;

    let needBlocks = 0;
    for (const e of map.entries) {
      const byName = parts[e.part - 1];
      if (!byName) continue;
      if (e.type === 'i') {
        const name = e.path === 'pkginfo' ? 'pkginfo' : `install/${e.path}`;
        accounted.add(name);
        noteParents(name);
        const m = (e.part === 1 ? part1 : byName).get(name);
        needBlocks += Math.ceil((e.size ?? 0) / BLOCK);
        if (!m) {
          E(`${name}: missing from payload (pkgmap line ${e.line})`);
          continue;
        }
        if (typeOf(m) !== 0o100000) E(`${name}: not a regular file in payload`);
        if (m.data.length !== e.size) E(`${name}: size mismatch: pkgmap says ${e.size}, payload has ${m.data.length}`);
        const ck = sysvSum(m.data);
        if (ck !== e.cksum) E(`${name}: checksum mismatch: pkgmap says ${e.cksum}, payload sums to ${ck}`);
        continue;
      }
      const name = where(e);
      noteParents(name);
      const m = byName.get(name);
      if (e.type === 's' || e.type === 'l') {
        if (m) E(`${name}: ${e.type === 's' ? 'symbolic' : 'hard'} link must not be in the payload`);
        continue;
      }
      if (e.type === 'p') continue;
      accounted.add(name);
      if (!m) {
        E(`${name}: missing from payload (pkgmap line ${e.line}, type ${e.type})`);
        continue;
      }
      const wantType = e.type === 'd' || e.type === 'x' ? 0o040000 : 0o100000;
      if (typeOf(m) !== wantType) E(`${name}: payload type ${(typeOf(m) >> 12).toString(8)} does not match pkgmap type ${e.type}`);
      if (e.mode && e.mode !== '?') {
        if (!/^[0-7]{3,4}$/.test(e.mode)) E(`${name}: bad pkgmap mode ${e.mode}`);
        else if ((m.mode & 0o7777) !== Number.parseInt(e.mode, 8))
          E(`${name}: mode mismatch: pkgmap says ${e.mode}, payload has ${(m.mode & 0o7777).toString(8).padStart(4, '0')}`);
      }
      if (e.type === 'f' || e.type === 'e' || e.type === 'v') {
        needBlocks += Math.ceil((e.size ?? 0) / BLOCK);
        if (m.data.length !== e.size) E(`${name}: size mismatch: pkgmap says ${e.size}, payload has ${m.data.length}`);
        const ck = sysvSum(m.data);
        if (ck !== e.cksum) E(`${name}: checksum mismatch: pkgmap says ${e.cksum}, payload sums to ${ck}`);
      }
    }
    if (p.maxsize < needBlocks) E(`maxsize ${p.maxsize} is below the ${needBlocks} blocks the files need`);

    // nothing in the payload that pkgmap does not account for
    parts.forEach((byName, i) => {
      for (const [name, m] of byName) {
        if (accounted.has(name)) continue;
        if (i > 0 && name === 'pkginfo') continue; // later parts repeat pkginfo
        if (typeOf(m) === 0o040000 && dirsNeeded.has(name)) continue;
        E(`part ${i + 1}: extra payload member ${name} not in pkgmap`);
      }
    });
  }
  result.ok = errors.length === 0;
  return result;
}
