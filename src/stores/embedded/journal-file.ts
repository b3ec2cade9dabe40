// The disk half shared by the embedded registry and route databases: an append-only
// journal written with group commit, folded from time to time into a snapshot that is
// written beside it and renamed into place. The stores keep their tables in memory and
// say only how a change becomes a journal line and how the table is written out.
//
// Durability: a change resolves once its journal line is fdatasync'ed. Changes queued
// while one fdatasync runs go to disk together in the next (one sync per batch). A
// snapshot request covers every change queued before it, since the snapshot is written
// from memory; those changes are then not journaled at all. Compaction writes the
// snapshot to <snapshot>.tmp, syncs it, renames it over the snapshot, syncs the
// directory and empties the journal, so a crash at any point leaves a loadable pair.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { discardIfTooOld, eachRecord } from './journal-format.js';
import type { LoadPacer } from './load-pacer.js';
import type { StoreLog } from '../store-log.js';


export interface JournalFileOptions<Op> {
  readonly dir: string;
  readonly snapshotPath: string;
  readonly journalPath: string;
  /** "registry", "route": the database named in messages. */
  readonly what: string;
  readonly log: StoreLog;
  /** Compact once the journal holds this many bytes (and more than the snapshot). */
  readonly compactBytes: number;
  /** Compact at this interval when the journal is not empty; 0 turns it off. */
  readonly compactEveryMs: number;
  /** fdatasync each batch; only benchmarks turn it off. */
  readonly sync: boolean;
  /** The journal line of a change; called when the batch is written (after any snapshot queued before it). */
  readonly encode: (op: Op) => string;
  /** Write the whole table; `write` takes pieces of the file in order. */
  readonly writeSnapshot: (write: (text: string) => Promise<void>) => Promise<void>;
  /** Called once a snapshot is in place (before the journal is emptied). */
  readonly snapshotCommitted?: () => void;
}

interface Pending<Op> {
  /** A change, or a snapshot request. */
  readonly op: { readonly change: Op } | 'snapshot';
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

export class JournalFile<Op> {
  /** Journal batches written (one fdatasync each), the records they held, and compactions. */
  readonly stats = { batches: 0, records: 0, compactions: 0 };
  private journal: FileHandle | undefined;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private pending: Pending<Op>[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly o: JournalFileOptions<Op>) {}

  /**
   * Open the journal for appending, after the store has loaded both files.
   * `loadedJournalBytes` is the size of the journal as read; `compact` says whether to
   * rewrite the snapshot now (something to fold in, or a damaged tail to drop).
   */
  static async open<Op>(o: JournalFileOptions<Op>, loadedJournalBytes: number, compact: boolean): Promise<JournalFile<Op>> {
    const j = new JournalFile(o);
    j.journalBytes = loadedJournalBytes;
    try {
      j.journal = await open(o.journalPath, 'a', 0o600);
      if (compact) await j.compactNow();
    } catch (e) {
      await j.journal?.close().catch(() => undefined);
      throw new Error(`${o.what} database in ${o.dir} cannot be written: ${errCode(e)}`);
    }
    if (o.compactEveryMs > 0) {
      j.timer = setInterval(() => {
        if (j.journalBytes > 0 && !j.closed) j.queue('snapshot').catch(() => undefined);
      }, o.compactEveryMs);
      j.timer.unref();
    }
    return j;
  }

  /** Queue a change; resolves when it is on disk. */
  write(op: Op): Promise<void> {
    if (this.closed) return this.closedError();
    return this.queue({ change: op });
  }

  /** Queue a snapshot of the table as it is in memory; it covers every change queued before it. */
  snapshot(): Promise<void> {
    if (this.closed) return this.closedError();
    return this.queue('snapshot');
  }

  private closedError(): Promise<never> {
    return Promise.reject(new Error(`the ${this.o.what} database is closed`));
  }

  /** Bytes in the journal since the last snapshot. */
  get size(): number {
    return this.journalBytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    while (this.flushing) await this.flushing;
    await this.journal?.close();
    this.journal = undefined;
  }

  private queue(op: Pending<Op>['op']): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      // Work queued after the loop's last check but before this callback ran.
      if (this.pending.length) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the requests already read in this turn of the event loop join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      let snapAt = -1;
      batch.forEach((p, i) => p.op === 'snapshot' && (snapAt = i));
      if (snapAt >= 0) {
        const covered = batch.slice(0, snapAt + 1);
        try {
          await this.compactNow();
          for (const p of covered) p.resolve();
        } catch (e) {
          const err = new Error(`${this.o.what} database snapshot ${this.o.snapshotPath} failed: ${errCode(e)}`);
          this.o.log('error', err.message);
          for (const p of covered) p.reject(err);
        }
      }
      const lines = batch.slice(snapAt + 1);
      if (lines.length) await this.writeBatch(lines);
      if (this.journalBytes > this.o.compactBytes && this.journalBytes > this.snapshotBytes) {
        try {
          await this.compactNow();
        } catch (e) {
          this.o.log('error', `${this.o.what} database compaction failed: ${errCode(e)}`);
          this.snapshotBytes = this.journalBytes; // back off until the journal doubles
        }
      }
    }
  }

  private async writeBatch(batch: readonly Pending<Op>[]): Promise<void> {
    try {
      const data = Buffer.from(batch.map((p) => (p.op === 'snapshot' ? '' : this.o.encode(p.op.change))).join(''), 'utf8');
      const fh = this.journal;
      if (!fh) throw new Error(`the ${this.o.what} journal is not open`);
      await writeAll(fh, data);
      if (this.o.sync) await fh.datasync();
      this.journalBytes += data.length;
      this.stats.batches++;
      this.stats.records += batch.length;
      for (const p of batch) p.resolve();
    } catch (e) {
      const err = new Error(`${this.o.what} journal ${this.o.journalPath} write failed: ${errCode(e)}`);
      this.o.log('error', err.message);
      for (const p of batch) p.reject(err);
    }
  }

  private async compactNow(): Promise<void> {
    const tmp = `${this.o.snapshotPath}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    let bytes = 0;
    try {
      await this.o.writeSnapshot(async (text) => {
        const buf = Buffer.from(text, 'utf8');
        await writeAll(fh, buf);
        bytes += buf.length;
      });
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.o.snapshotPath);
    syncDir(this.o.dir);
    this.o.snapshotCommitted?.();
    if (this.journal) {
      await this.journal.truncate(0);
      await this.journal.sync();
    }
    this.journalBytes = 0;
    this.snapshotBytes = bytes;
    this.stats.compactions++;
  }
}

export interface DatabasePlace {
  readonly dir: string;
  readonly snapshotPath: string;
  readonly journalPath: string;
  /** "registry", "route": the database named in messages. */
  readonly what: string;
  /** The Max_DB_Age_on_Boot directive and its value in seconds. */
  readonly maxAgeDirective: string;
  readonly maxAgeOnBootSeconds: number;
  /** What the server starts with when the files are discarded, e.g. "an empty registry". */
  readonly emptyAs: string;
  readonly nowMs: number;
  readonly log: StoreLog;
}

/**
 * Before loading: create the directory, remove the temporary snapshot a crash during
 * compaction may have left (the real one is intact), and delete a database whose newer
 * file is older than Max_DB_Age_on_Boot (both files are one database: a snapshot can be
 * old while the journal is fresh, and dropping it alone would lose live entries).
 */
export function prepareDatabaseFiles(p: DatabasePlace): void {
  try {
    mkdirSync(p.dir, { recursive: true });
  } catch (e) {
    throw new Error(`${p.what} database directory ${p.dir} cannot be created: ${errCode(e)}`);
  }
  rmSync(`${p.snapshotPath}.tmp`, { force: true });
  const old = discardIfTooOld([p.snapshotPath, p.journalPath], p.nowMs, p.maxAgeOnBootSeconds);
  if (!old) return;
  p.log(
    'warn',
    `${p.what} database ${p.snapshotPath.replace(/\.snapshot$/, '')}.{snapshot,journal} was last written ${new Date(old.newest).toISOString()}, ` +
      `${Math.round(old.ageSeconds)} s ago, more than ${p.maxAgeDirective} (${p.maxAgeOnBootSeconds} s): deleted; starting with ${p.emptyAs}`,
  );
}

/** A database file's bytes, or undefined when it does not exist. */
export function readDatabaseFile(file: string, describe: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw new Error(`cannot read the ${describe} ${file}: ${errCode(e)}`);
  }
}

export type RecordVerdict = 'applied' | 'skipped' | 'bad';

/**
 * Feed each record of a journal to `apply`. A damaged or cut-short line at the end is the
 * write a crash interrupted (expected, logged once); a damaged line before a good one is
 * logged as damage. Returns how many were applied and whether every line was good.
 * With a pacer the event loop gets a turn every slice of the work (see load-pacer.ts).
 */
export async function replayRecords(
  data: Buffer,
  describe: string,
  log: StoreLog,
  apply: (record: unknown, offset: number) => RecordVerdict,
  pacer?: LoadPacer,
): Promise<{ applied: number; clean: boolean }> {
  let applied = 0;
  let clean = true;
  // Unreadable lines not yet followed by a good one: damage if one follows, else the torn tail.
  const unread: number[] = [];
  for (const l of eachRecord(data)) {
    if (l.record === undefined || l.unterminated) {
      clean = false;
      unread.push(l.offset);
      continue;
    }
    for (const at of unread) log('warn', `${describe}: skipped a damaged record at byte ${at}`);
    unread.length = 0;
    const verdict = apply(l.record, l.offset);
    if (verdict === 'applied') applied++;
    else if (verdict === 'bad') {
      clean = false;
      log('warn', `${describe}: skipped a damaged record at byte ${l.offset}`);
    }
    if (pacer?.due()) await pacer.pause();
  }
  if (unread.length) log('warn', `${describe}: ignored an incomplete record at byte ${unread[0]} (${data.length - unread[0]} bytes, the write a crash interrupted)`);
  return { applied, clean };
}

async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  let off = 0;
  while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
}

/** Make a rename durable: sync the directory that holds the entry. */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    // Some filesystems refuse fsync on a directory; the data itself is already synced.
    if (errCode(e) !== 'EINVAL' && errCode(e) !== 'EISDIR') throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? String(e);
}
