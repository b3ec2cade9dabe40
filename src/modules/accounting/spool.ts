// Accounting records that no server has acknowledged yet, on disk (ServerRoot/data/radius-spool):
// one JSON line per record in records.jsonl, and the count of bytes already sent in
// sent.offset. append() hands the line to the kernel before it returns, so a `sip stop` or a
// kill -9 loses nothing appended; the fsync that makes it survive a power cut runs in the
// background (libuv's thread pool), because an fsync per record on the event loop would stall
// call handling exactly when the servers are slow and records pile up. A crash between a
// server's acknowledgement and the offset update sends that one record again (RADIUS servers
// see the same Acct-Session-Id twice).
// Bounded: when maxRecords wait, new records are refused and the caller counts them.
import { closeSync, existsSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { RadiusAttribute } from '../radius/service.js';

/** A record as it waits: when its event happened (ms since the epoch) and its attributes. */
export interface QueuedRecord {
  readonly event: number;
  readonly attrs: readonly RadiusAttribute[];
}

interface Entry {
  readonly rec: QueuedRecord;
  readonly bytes: number;
}

function isRecord(x: unknown): x is QueuedRecord {
  const r = x as QueuedRecord;
  return !!r && typeof r.event === 'number' && Array.isArray(r.attrs);
}

export class Spool {
  private readonly file: string;
  private readonly offsetFile: string;
  private readonly entries: Entry[] = [];
  private offset = 0;
  private fd: number | undefined;
  private syncing = false;
  private unsynced = false;
  /** Lines found unreadable when the spool was loaded (a write cut short by a crash). */
  readonly unreadable: number = 0;

  constructor(
    readonly dir: string,
    private maxRecords: number,
  ) {
    this.file = path.join(dir, 'records.jsonl');
    this.offsetFile = path.join(dir, 'sent.offset');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    let bad = 0;
    if (existsSync(this.file)) {
      const data = readFileSync(this.file);
      const start = existsSync(this.offsetFile) ? Number(readFileSync(this.offsetFile, 'utf8').trim()) || 0 : 0;
      this.offset = Math.min(Math.max(0, start), data.length);
      let pos = this.offset;
      while (pos < data.length) {
        let end = data.indexOf(10, pos);
        if (end < 0) end = data.length;
        const line = data.subarray(pos, end).toString('utf8');
        const bytes = end + 1 - pos;
        pos = end + 1;
        try {
          const rec = JSON.parse(line) as unknown;
          if (isRecord(rec)) this.entries.push({ rec, bytes });
          else bad++;
        } catch {
          bad++;
        }
      }
      // A last line without its newline (cut by a crash) is rewritten whole below.
      if (data.length && data[data.length - 1] !== 10) this.rewrite();
    }
    this.unreadable = bad;
  }

  get depth(): number {
    return this.entries.length;
  }

  get capacity(): number {
    return this.maxRecords;
  }

  set capacity(n: number) {
    this.maxRecords = n;
  }

  /** Append and fsync; false when the spool is full (the record is refused). */
  append(rec: QueuedRecord): boolean {
    if (this.entries.length >= this.maxRecords) return false;
    const line = `${JSON.stringify(rec)}\n`;
    this.fd ??= openSync(this.file, 'a', 0o600);
    writeSync(this.fd, line);
    this.syncSoon(this.fd);
    this.entries.push({ rec, bytes: Buffer.byteLength(line) });
    return true;
  }

  /** One background fsync at a time; appends made while it runs get the next one. */
  private syncSoon(fd: number): void {
    if (this.syncing) {
      this.unsynced = true;
      return;
    }
    this.syncing = true;
    this.unsynced = false;
    fsync(fd, () => {
      this.syncing = false;
      if (this.unsynced && this.fd === fd) this.syncSoon(fd);
    });
  }

  /** The oldest waiting record. */
  head(): QueuedRecord | undefined {
    return this.entries[0]?.rec;
  }

  /** The oldest record was acknowledged: note it sent (and empty the files when nothing waits). */
  shift(): void {
    const e = this.entries.shift();
    if (!e) return;
    this.offset += e.bytes;
    if (!this.entries.length) {
      this.rewrite();
      return;
    }
    writeFileSync(this.offsetFile, `${this.offset}\n`);
  }

  /** Write the waiting records to a fresh file (atomically) and reset the offset. */
  private rewrite(): void {
    this.closeFd();
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    for (const e of this.entries) writeSync(fd, `${JSON.stringify(e.rec)}\n`);
    fsyncSync(fd);
    closeSync(fd);
    // Which goes first decides what a crash in between costs. With records left, the offset
    // is reset first: the old file read from 0 sends some acknowledged records again, where
    // the new file read with the old offset would lose waiting ones. With none left, the
    // empty file goes first: any old offset then reads as 0 (it is clamped to the length).
    if (this.entries.length) writeFileSync(this.offsetFile, '0\n');
    renameSync(tmp, this.file);
    if (!this.entries.length) writeFileSync(this.offsetFile, '0\n');
    this.offset = 0;
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    // What the background fsync has not covered yet is synced here, before the descriptor goes.
    if (this.syncing || this.unsynced) fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    this.unsynced = false;
  }

  close(): void {
    this.closeFd();
  }
}
