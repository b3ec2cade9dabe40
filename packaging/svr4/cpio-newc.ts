// Writer and reader for cpio archives in the SVR4 "newc" ASCII format (magic 070701),
// the format Solaris `cpio -oc` writes and the one inside SVR4 package datastreams.
//
// Layout of one member: a 110-byte ASCII header (magic + 13 eight-digit hex fields),
// the NUL-terminated name padded so header+name ends on a 4-byte boundary, then the data
// padded to a 4-byte boundary. The archive ends with a member named TRAILER!!!, and the
// whole archive is padded with NULs to the block size (512 in a datastream, `cpio -C 512`).

export const NEWC_MAGIC = '070701';
export const NEWC_HEADER_SIZE = 110;
export const NEWC_TRAILER = 'TRAILER!!!';

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export interface CpioMember {
  name: string;
  /** Full st_mode, file-type bits included (e.g. 0o100755, 0o040755). */
  mode: number;
  uid?: number;
  gid?: number;
  nlink?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  ino?: number;
  data?: Uint8Array;
}

export interface ReadMember {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  ino: number;
  data: Buffer;
  /** Offset of this member's header in the buffer that was read. */
  offset: number;
}

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function hex8(n: number, field: string): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio: ${field} ${n} does not fit in 8 hex digits`);
  return n.toString(16).toUpperCase().padStart(8, '0');
}

function header(m: Required<Omit<CpioMember, 'data'>>, size: number, namesize: number): string {
  return (
    NEWC_MAGIC +
    hex8(m.ino, 'ino') +
    hex8(m.mode, 'mode') +
    hex8(m.uid, 'uid') +
    hex8(m.gid, 'gid') +
    hex8(m.nlink, 'nlink') +
    hex8(m.mtime, 'mtime') +
    hex8(size, 'filesize') +
    hex8(0, 'devmajor') +
    hex8(0, 'devminor') +
    hex8(0, 'rdevmajor') +
    hex8(0, 'rdevminor') +
    hex8(namesize, 'namesize') +
    hex8(0, 'check')
  );
}

/** Serialise members into one newc archive, NUL-padded to a multiple of blockSize (1 = no padding). */
export function writeNewc(members: readonly CpioMember[], blockSize = 512): Buffer {
  const chunks: Buffer[] = [];
  let pos = 0;
  const push = (b: Buffer): void => {
    chunks.push(b);
    pos += b.length;
  };
  const emit = (m: Required<Omit<CpioMember, 'data'>>, data: Uint8Array): void => {
    const name = Buffer.from(m.name + '\0', 'utf8');
    push(Buffer.from(header(m, data.length, name.length), 'ascii'));
    push(name);
    push(Buffer.alloc(pad4(pos)));
    push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    push(Buffer.alloc(pad4(pos)));
  };
  let ino = 1;
  for (const m of members) {
    if (!m.name || m.name === NEWC_TRAILER) throw new Error(`cpio: bad member name ${JSON.stringify(m.name)}`);
    const type = m.mode & S_IFMT;
    if (type === 0) throw new Error(`cpio: mode of ${m.name} has no file-type bits`);
    const data = m.data ?? new Uint8Array(0);
    if (type === S_IFDIR && data.length) throw new Error(`cpio: directory ${m.name} cannot carry data`);
    emit(
      {
        name: m.name,
        mode: m.mode,
        uid: m.uid ?? 0,
        gid: m.gid ?? 0,
        nlink: m.nlink ?? (type === S_IFDIR ? 2 : 1),
        mtime: m.mtime ?? 0,
        ino: m.ino ?? ino,
      },
      data,
    );
    ino++;
  }
  emit({ name: NEWC_TRAILER, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, ino: 0 }, new Uint8Array(0));
  if (blockSize > 1 && pos % blockSize) push(Buffer.alloc(blockSize - (pos % blockSize)));
  return Buffer.concat(chunks);
}

/**
 * Read one newc archive starting at `offset`. Returns the members (trailer excluded) and
 * `end`, the offset just past the trailer rounded up to blockSize (relative to `offset`).
 */
export function readNewc(buf: Buffer, offset = 0, blockSize = 512): { members: ReadMember[]; end: number } {
  const members: ReadMember[] = [];
  let pos = offset;
  for (;;) {
    if (pos + NEWC_HEADER_SIZE > buf.length) throw new Error(`cpio: truncated header at offset ${pos}`);
    const magic = buf.toString('ascii', pos, pos + 6);
    if (magic !== NEWC_MAGIC) throw new Error(`cpio: bad magic ${JSON.stringify(magic)} at offset ${pos}`);
    const field = (i: number): number => {
      const s = buf.toString('ascii', pos + 6 + i * 8, pos + 14 + i * 8);
      if (!/^[0-9A-Fa-f]{8}$/.test(s)) throw new Error(`cpio: bad header field ${JSON.stringify(s)} at offset ${pos}`);
      return parseInt(s, 16);
    };
    const [ino, mode, uid, gid, nlink, mtime, size] = [0, 1, 2, 3, 4, 5, 6].map(field);
    const namesize = field(11);
    const nameStart = pos + NEWC_HEADER_SIZE;
    if (namesize < 1 || nameStart + namesize > buf.length) throw new Error(`cpio: bad name size at offset ${pos}`);
    if (buf[nameStart + namesize - 1] !== 0) throw new Error(`cpio: name not NUL-terminated at offset ${pos}`);
    const name = buf.toString('utf8', nameStart, nameStart + namesize - 1);
    let dataStart = nameStart + namesize;
    dataStart += pad4(dataStart - offset);
    const dataEnd = dataStart + size;
    if (dataEnd > buf.length) throw new Error(`cpio: truncated data of ${name}`);
    const here = pos;
    pos = dataEnd + pad4(dataEnd - offset);
    if (name === NEWC_TRAILER) break;
    members.push({ name, mode, uid, gid, nlink, mtime, ino, data: buf.subarray(dataStart, dataEnd), offset: here });
  }
  let end = pos - offset;
  if (blockSize > 1 && end % blockSize) end += blockSize - (end % blockSize);
  return { members, end };
}
