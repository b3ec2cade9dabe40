// The SVR4 package checksum stored in pkgmap (libpkg cverify.c): the sum of all bytes as an
// unsigned 32-bit integer, folded twice to 16 bits. This is what GNU `sum -s` (System V
// algorithm) prints as its first field.
import { createReadStream } from 'node:fs';

export interface ChecksumState {
  sum: number;
  size: number;
}

export function checksumInit(): ChecksumState {
  return { sum: 0, size: 0 };
}

export function checksumUpdate(st: ChecksumState, data: Uint8Array): void {
  let s = st.sum;
  // Sum in chunks small enough to stay exact in a double, wrapping to uint32 after each.
  for (let i = 0; i < data.length; ) {
    const stop = Math.min(data.length, i + 65536);
    let part = 0;
    for (; i < stop; i++) part += data[i];
    s = (s + part) % 0x100000000;
  }
  st.sum = s;
  st.size += data.length;
}

export function checksumFinal(st: ChecksumState): number {
  const s = st.sum >>> 0;
  const r = (s & 0xffff) + (s >>> 16);
  return (r & 0xffff) + (r >>> 16);
}

/** Checksum of a whole buffer. */
export function svr4Checksum(data: Uint8Array): number {
  const st = checksumInit();
  checksumUpdate(st, data);
  return checksumFinal(st);
}

/** Checksum and size of a file, streamed. */
export async function svr4ChecksumFile(file: string): Promise<{ cksum: number; size: number }> {
  const st = checksumInit();
  for await (const chunk of createReadStream(file)) checksumUpdate(st, chunk as Buffer);
  return { cksum: checksumFinal(st), size: st.size };
}
