// The on-disk record format shared by the registry journal and its snapshot: one
// record per line, "<crc32 in 8 hex digits> <JSON>\n". The checksum lets a reader tell
// a record cut short by a crash (or damaged on disk) from a good one; JSON keeps the
// files readable with ordinary tools.
import { rmSync, statSync } from 'node:fs';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib and gzip compute it). */
export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One record as a line of the file. */
export function encodeRecord(record: unknown): string {
  const json = JSON.stringify(record);
  return `${crc32(Buffer.from(json, 'utf8')).toString(16).padStart(8, '0')} ${json}\n`;
}

export interface DecodedLine {
  /** Byte offset of the line in the file. */
  readonly offset: number;
  /** The parsed JSON, or undefined when the line is damaged. */
  readonly record: unknown;
  /** True for the last line when the file does not end with a newline (a cut-short write). */
  readonly unterminated: boolean;
}

/** Split a file into lines and check each one's checksum. */
export function decodeRecords(data: Buffer): DecodedLine[] {
  return [...eachRecord(data)];
}

/** decodeRecords one line at a time: a load applies each record as it goes instead of holding a million. */
export function* eachRecord(data: Buffer): Generator<DecodedLine, void, undefined> {
  let start = 0;
  while (start < data.length) {
    const nl = data.indexOf(0x0a, start);
    const end = nl < 0 ? data.length : nl;
    yield { offset: start, record: decodeLine(data.subarray(start, end)), unterminated: nl < 0 };
    start = end + 1;
  }
}

function decodeLine(line: Buffer): unknown {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const want = line.toString('latin1', 0, 8);
  if (!/^[0-9a-f]{8}$/.test(want)) return undefined;
  const body = line.subarray(9);
  if (crc32(body).toString(16).padStart(8, '0') !== want) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The Max_DB_Age_on_Boot rule shared by the embedded databases: the snapshot and journal
 * are one database, so its age is that of the newer file (the last time anything was
 * written; a snapshot can be old while the journal is fresh). When that is more than
 * `maxAgeSeconds` both files are deleted and the newest write time is returned (for the
 * log line); otherwise, or when neither file exists, undefined.
 */
export function discardIfTooOld(files: readonly string[], nowMs: number, maxAgeSeconds: number): { newest: number; ageSeconds: number } | undefined {
  const mtimes: number[] = [];
  for (const f of files) {
    try {
      mtimes.push(statSync(f).mtimeMs);
    } catch {
      /* absent */
    }
  }
  if (!mtimes.length) return undefined;
  const newest = Math.max(...mtimes);
  const ageSeconds = (nowMs - newest) / 1000;
  if (ageSeconds <= maxAgeSeconds) return undefined;
  for (const f of files) rmSync(f, { force: true });
  return { newest, ageSeconds };
}
