// The embedded location store: every binding in memory, made durable by an append-only
// journal that is folded into a snapshot from time to time.
//
// Files, in Cisco_Registry_Rendezvous_Directory (default ServerRoot/data), named after
// Cisco_Registry_Rendezvous_Name (default registry_db):
//   registry_db.snapshot  the whole table at the last compaction (replaced by rename)
//   registry_db.journal   every change since then, one checksummed line each
// Loading is "snapshot, then journal". Every journal record replaces a whole AOR's
// dynamic set (or one static binding), so replaying a journal that a compaction already
// folded in (a crash between the snapshot's rename and the journal's truncation) gives
// the same table again.
//
// Durability: a write resolves only after its journal line is fdatasync'ed. Writes that
// arrive while one fdatasync is in progress wait and go to disk together in the next one
// (group commit): one sync per batch, not per registration.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, fsyncSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Binding, LocationStore, ReceivedFrom } from '../../modules/registry/location.js';
import { decodeRecords, discardIfTooOld, encodeRecord } from './journal-format.js';

export type StoreLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

export interface EmbeddedStoreOptions {
  /** Directory of the files (absolute); created when missing. */
  readonly dir: string;
  /** Base name of the files: Cisco_Registry_Rendezvous_Name. */
  readonly name: string;
  /** Cisco_Registry_Max_DB_Age_on_Boot, in seconds. */
  readonly maxAgeOnBootSeconds: number;
  readonly log: StoreLog;
  /** Clock (ms since the epoch); tests move it. */
  readonly now?: () => number;
  /** Compact once the journal holds this many bytes (and more than the snapshot). Default 8 MiB. */
  readonly compactBytes?: number;
  /** Compact at this interval when the journal is not empty. Default an hour; 0 turns it off. */
  readonly compactEveryMs?: number;
  /** fdatasync each batch (default true). Only the benchmark turns it off, to compare. */
  readonly sync?: boolean;
}

interface Entry {
  dynamic: Binding[];
  statics: Binding[];
  /** dynamic then statics, rebuilt on change so that get() allocates nothing. */
  all: readonly Binding[];
}

interface Pending {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

// ---- records ----

type StoredBinding = Omit<Binding, 'aor' | 'static' | 'expiresAt'> & { expiresAt: number | null };

type JournalRecord =
  | { o: 'snapshot'; v: 1; at: number }
  | { o: 'put'; a: string; b: StoredBinding[] }
  | { o: 'del'; a: string }
  | { o: 'sput'; a: string; b: StoredBinding }
  | { o: 'sdel'; a: string; c: string };

function toStored(b: Binding): StoredBinding {
  return {
    contact: b.contact,
    q: b.q,
    expiresAt: Number.isFinite(b.expiresAt) ? b.expiresAt : null,
    callId: b.callId,
    cseq: b.cseq,
    updatedAt: b.updatedAt,
    ...(b.received && { received: b.received }),
    ...(b.path?.length && { path: b.path }),
  };
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function fromStored(aor: string, x: unknown, isStatic: boolean): Binding | undefined {
  if (!isObj(x)) return undefined;
  const { contact, q, expiresAt, callId, cseq, updatedAt, received, path: p } = x;
  if (typeof contact !== 'string' || typeof q !== 'number' || typeof callId !== 'string' || typeof cseq !== 'number' || typeof updatedAt !== 'number') return undefined;
  if (!(expiresAt === null || typeof expiresAt === 'number')) return undefined;
  let rcv: ReceivedFrom | undefined;
  if (received !== undefined) {
    if (!isObj(received) || typeof received.transport !== 'string' || typeof received.address !== 'string' || typeof received.port !== 'number') return undefined;
    rcv = { transport: received.transport, address: received.address, port: received.port };
  }
  if (p !== undefined && !(Array.isArray(p) && p.every((v) => typeof v === 'string'))) return undefined;
  return {
    aor,
    contact,
    q,
    expiresAt: expiresAt === null || isStatic ? Infinity : expiresAt,
    callId,
    cseq,
    updatedAt,
    static: isStatic,
    ...(rcv && { received: rcv }),
    ...(p !== undefined && { path: p as string[] }),
  };
}

// ---- the store ----

export class EmbeddedLocationStore implements LocationStore {
  readonly snapshotPath: string;
  readonly journalPath: string;
  private readonly map = new Map<string, Entry>();
  private readonly log: StoreLog;
  private readonly now: () => number;
  private readonly compactBytes: number;
  private readonly sync: boolean;
  private journal: FileHandle | undefined;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private compactWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private count = 0;
  /** Journal batches written (one fdatasync each) and the records they held. */
  readonly stats = { batches: 0, records: 0, compactions: 0 };

  private constructor(private readonly opts: EmbeddedStoreOptions) {
    this.snapshotPath = path.join(opts.dir, `${opts.name}.snapshot`);
    this.journalPath = path.join(opts.dir, `${opts.name}.journal`);
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.compactBytes = opts.compactBytes ?? 8 * 1024 * 1024;
    this.sync = opts.sync ?? true;
  }

  /** Open (creating the directory and files as needed), load, and compact once. */
  static async open(opts: EmbeddedStoreOptions): Promise<EmbeddedLocationStore> {
    const s = new EmbeddedLocationStore(opts);
    try {
      mkdirSync(opts.dir, { recursive: true });
    } catch (e) {
      throw new Error(`registry database directory ${opts.dir} cannot be created: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    // Left by a crash during a compaction; the snapshot it was to replace is intact.
    rmSync(`${s.snapshotPath}.tmp`, { force: true });
    s.discardIfTooOld();
    s.load(s.snapshotPath, 'snapshot');
    s.load(s.journalPath, 'journal');
    s.purgeExpired(s.now());
    try {
      s.journal = await open(s.journalPath, 'a', 0o600);
      // A clean snapshot of what was loaded; also drops a torn tail from the journal.
      await s.compactNow();
    } catch (e) {
      await s.journal?.close().catch(() => undefined);
      throw new Error(`registry database in ${opts.dir} cannot be written: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const every = opts.compactEveryMs ?? 3_600_000;
    if (every > 0) {
      s.timer = setInterval(() => {
        if (s.journalBytes > 0) s.compact().catch(() => undefined);
      }, every);
      s.timer.unref();
    }
    return s;
  }

  // -- reads --

  get(aor: string): readonly Binding[] {
    return this.map.get(aor)?.all ?? [];
  }

  size(): number {
    return this.count;
  }

  activeCount(now: number): number {
    let n = 0;
    for (const e of this.map.values()) {
      n += e.statics.length;
      for (const b of e.dynamic) if (b.expiresAt > now) n++;
    }
    return n;
  }

  *entries(): IterableIterator<[string, readonly Binding[]]> {
    for (const [aor, e] of this.map) yield [aor, e.all];
  }

  // -- writes: applied to memory at once (so the next REGISTER sees them), acknowledged once durable --

  put(aor: string, bindings: readonly Binding[]): Promise<void> {
    if (this.closed) return closedError();
    const dyn = bindings.map((b) => ({ ...b, aor, static: false }));
    this.applyPut(aor, dyn);
    return this.append({ o: 'put', a: aor, b: dyn.map(toStored) });
  }

  removeAll(aor: string): Promise<void> {
    if (this.closed) return closedError();
    this.applyPut(aor, []);
    return this.append({ o: 'del', a: aor });
  }

  setStatic(aor: string, binding: Binding): Promise<void> {
    if (this.closed) return closedError();
    const b: Binding = { ...binding, aor, static: true, expiresAt: Infinity };
    this.applySetStatic(aor, b);
    return this.append({ o: 'sput', a: aor, b: toStored(b) });
  }

  async removeStatic(aor: string, contact: string): Promise<boolean> {
    if (this.closed) return closedError();
    if (!this.applyRemoveStatic(aor, contact)) return false;
    await this.append({ o: 'sdel', a: aor, c: contact });
    return true;
  }

  /** Memory only: expired bindings are dropped again at load, so nothing needs journaling. */
  purgeExpired(now: number): number {
    let removed = 0;
    for (const [aor, e] of this.map) {
      const keep = e.dynamic.filter((b) => b.expiresAt > now);
      if (keep.length === e.dynamic.length) continue;
      removed += e.dynamic.length - keep.length;
      this.setEntry(aor, keep, e.statics);
    }
    return removed;
  }

  /** Fold the journal into a new snapshot now (after any writes already queued). */
  compact(): Promise<void> {
    if (this.closed) return closedError();
    return new Promise((resolve, reject) => {
      this.compactWaiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** Bytes in the journal since the last compaction (for tests and the benchmark). */
  get journalSize(): number {
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

  // -- memory --

  private setEntry(aor: string, dynamic: Binding[], statics: Binding[]): void {
    const old = this.map.get(aor);
    this.count -= old ? old.dynamic.length + old.statics.length : 0;
    if (!dynamic.length && !statics.length) {
      this.map.delete(aor);
      return;
    }
    this.map.set(aor, { dynamic, statics, all: statics.length ? [...dynamic, ...statics] : dynamic });
    this.count += dynamic.length + statics.length;
  }

  private applyPut(aor: string, dynamic: Binding[]): void {
    this.setEntry(aor, dynamic, this.map.get(aor)?.statics ?? []);
  }

  private applySetStatic(aor: string, b: Binding): void {
    const e = this.map.get(aor);
    const statics = (e?.statics ?? []).filter((x) => x.contact !== b.contact);
    statics.push(b);
    this.setEntry(aor, e?.dynamic ?? [], statics);
  }

  private applyRemoveStatic(aor: string, contact: string): boolean {
    const e = this.map.get(aor);
    if (!e || !e.statics.some((x) => x.contact === contact)) return false;
    this.setEntry(aor, e.dynamic, e.statics.filter((x) => x.contact !== contact));
    return true;
  }

  /** Apply one record read from a file; false when its shape is wrong. */
  private applyRecord(r: unknown): boolean {
    if (!isObj(r) || typeof r.o !== 'string') return false;
    if (r.o === 'snapshot') return true;
    if (typeof r.a !== 'string' || !r.a) return false;
    const aor = r.a;
    switch (r.o) {
      case 'put': {
        if (!Array.isArray(r.b)) return false;
        const list = r.b.map((x) => fromStored(aor, x, false));
        if (list.some((b) => b === undefined)) return false;
        this.applyPut(aor, list as Binding[]);
        return true;
      }
      case 'del':
        this.applyPut(aor, []);
        return true;
      case 'sput': {
        const b = fromStored(aor, r.b, true);
        if (!b) return false;
        this.applySetStatic(aor, b);
        return true;
      }
      case 'sdel':
        if (typeof r.c !== 'string') return false;
        this.applyRemoveStatic(aor, r.c);
        return true;
      default:
        return false;
    }
  }

  // -- loading --

  /**
   * Cisco_Registry_Max_DB_Age_on_Boot: the snapshot and journal are one database, so its
   * age is that of the newer file (the last time anything was written). A snapshot can be
   * old while the journal is fresh; dropping it alone would lose bindings still in use.
   */
  private discardIfTooOld(): void {
    const old = discardIfTooOld([this.snapshotPath, this.journalPath], this.now(), this.opts.maxAgeOnBootSeconds);
    if (!old) return;
    this.log(
      'warn',
      `registry database ${path.join(this.opts.dir, this.opts.name)}.{snapshot,journal} was last written ${new Date(old.newest).toISOString()}, ` +
        `${Math.round(old.ageSeconds)} s ago, more than Cisco_Registry_Max_DB_Age_on_Boot (${this.opts.maxAgeOnBootSeconds} s): deleted; starting with an empty registry`,
    );
  }

  private load(file: string, what: 'snapshot' | 'journal'): void {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`cannot read the registry ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const lines = decodeRecords(data);
    let lastGood = -1;
    lines.forEach((l, i) => {
      if (l.record !== undefined && !l.unterminated) lastGood = i;
    });
    let applied = 0;
    lines.forEach((l, i) => {
      const ok = l.record !== undefined && !l.unterminated && this.applyRecord(l.record);
      if (ok) applied++;
      else if (i > lastGood) {
        // Everything from here to the end is the tail a crash cut short: expected, not an error.
        if (i === lastGood + 1) this.log('warn', `registry ${what} ${file}: ignored an incomplete record at byte ${l.offset} (${data.length - l.offset} bytes, the write a crash interrupted)`);
      } else this.log('warn', `registry ${what} ${file}: skipped a damaged record at byte ${l.offset}`);
    });
    this.log('info', `registry ${what} ${file}: ${applied} record${applied === 1 ? '' : 's'} loaded`);
  }

  // -- the writer --

  private append(record: JournalRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ line: encodeRecord(record), resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      // Work queued after the loop's last check but before this callback ran.
      if (this.pending.length || this.compactWaiters.length) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the requests already read in this turn of the event loop join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    while (this.pending.length || this.compactWaiters.length) {
      if (this.pending.length) await this.writeBatch();
      if (this.compactWaiters.length || (this.journalBytes > this.compactBytes && this.journalBytes > this.snapshotBytes)) {
        const waiters = this.compactWaiters;
        this.compactWaiters = [];
        try {
          await this.compactNow();
          for (const w of waiters) w.resolve();
        } catch (e) {
          this.log('error', `registry database compaction failed: ${String(e)}`);
          for (const w of waiters) w.reject(e as Error);
          if (!waiters.length) this.snapshotBytes = this.journalBytes; // back off until the journal doubles
        }
      }
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const data = Buffer.from(batch.map((p) => p.line).join(''), 'utf8');
    try {
      const fh = this.journal;
      if (!fh) throw new Error('the registry journal is not open');
      let off = 0;
      while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
      if (this.sync) await fh.datasync();
      this.journalBytes += data.length;
      this.stats.batches++;
      this.stats.records += batch.length;
      for (const p of batch) p.resolve();
    } catch (e) {
      const err = new Error(`registry journal ${this.journalPath} write failed: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      this.log('error', err.message);
      for (const p of batch) p.reject(err);
    }
  }

  /** Write the table to a temporary file, sync it, rename it over the snapshot, sync the directory, empty the journal. */
  private async compactNow(): Promise<void> {
    const now = this.now();
    const parts: string[] = [encodeRecord({ o: 'snapshot', v: 1, at: now })];
    for (const [aor, e] of this.map) {
      const live = e.dynamic.filter((b) => b.expiresAt > now);
      if (live.length) parts.push(encodeRecord({ o: 'put', a: aor, b: live.map(toStored) }));
      for (const b of e.statics) parts.push(encodeRecord({ o: 'sput', a: aor, b: toStored(b) }));
    }
    const data = Buffer.from(parts.join(''), 'utf8');
    const tmp = `${this.snapshotPath}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      let off = 0;
      while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.snapshotPath);
    syncDir(this.opts.dir);
    if (this.journal) {
      await this.journal.truncate(0);
      await this.journal.sync();
    }
    this.journalBytes = 0;
    this.snapshotBytes = data.length;
    this.stats.compactions++;
  }
}

/** Make a rename durable: sync the directory that holds the entry. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    // Some filesystems refuse fsync on a directory; the data itself is already synced.
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL' && (e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function closedError(): Promise<never> {
  return Promise.reject(new Error('the registry database is closed'));
}

/** Open the embedded store at <dir>/<name>.{snapshot,journal}. */
export function openEmbeddedLocationStore(opts: EmbeddedStoreOptions): Promise<EmbeddedLocationStore> {
  return EmbeddedLocationStore.open(opts);
}
