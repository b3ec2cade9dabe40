// The embedded route database: every route in memory (RouteMatcher), made durable by an
// append-only journal folded into a snapshot from time to time — the registry's scheme
// (location-store.ts), with the same checksummed line format (journal-format.ts).
//
// Files, in Cisco_Routing_Rendezvous_Directory (default ServerRoot/data), named after
// Cisco_Routing_Rendezvous_Name (default routing_db):
//   routing_db.snapshot  a header {o:'snapshot', gen, at, n}, then the routes, 512 per line
//   routing_db.journal   each put or remove batch since then, one line each
//
// Routes are stored as arrays (see toRow) rather than objects: a million of them load
// about twice as fast and take half the disk.
//
// Generations: every snapshot has a generation number, and every journal line carries the
// generation it applies to. A compaction writes generation g+1 and then empties the
// journal; if a crash comes between the two, the lines left over carry g and are ignored
// at load (their changes are in the new snapshot already). This is what lets replaceAll
// be a compaction: the new table is written as the next snapshot, renamed into place in
// one step, and the old journal can never be replayed on top of it. A put of many routes
// (bulk import) goes the same way instead of writing one enormous journal line.
//
// Durability: writes are applied in memory at once (the next request sees them) and
// resolve once their journal line is fdatasync'ed (or their snapshot renamed and the
// directory synced). Writes arriving during one fdatasync go out together in the next
// (group commit). A database whose newer file is older than
// Cisco_Routing_Max_DB_Age_on_Boot is deleted at start, and that is logged.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/loader.js';
import { RouteMatcher } from '../../modules/routing/matcher.js';
import type { Pattern } from '../../modules/routing/pattern.js';
import type { Route, RouteStore, RouteType } from '../../modules/routing/route.js';
import { checkRoute } from '../../modules/routing/route.js';
import { decodeRecords, discardIfTooOld, encodeRecord } from './journal-format.js';

export type StoreLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

export interface EmbeddedRouteStoreOptions {
  /** Directory of the files (absolute); created when missing. */
  readonly dir: string;
  /** Base name of the files: Cisco_Routing_Rendezvous_Name. */
  readonly name: string;
  /** Cisco_Routing_Max_DB_Age_on_Boot, in seconds. */
  readonly maxAgeOnBootSeconds: number;
  readonly log: StoreLog;
  /** Clock (ms since the epoch). */
  readonly now?: () => number;
  /** Compact once the journal holds this many bytes (and more than the snapshot). Default 8 MiB. */
  readonly compactBytes?: number;
  /** Compact at this interval when the journal is not empty. Default an hour; 0 turns it off. */
  readonly compactEveryMs?: number;
  /** A put of more routes than this is written as a new snapshot. Default 20,000. */
  readonly bulkPut?: number;
  /** fdatasync each batch (default true). Only benchmarks turn it off. */
  readonly sync?: boolean;
}

/** The options for the database a configuration names. */
export function routeStoreOptions(config: Config, log: StoreLog): EmbeddedRouteStoreOptions {
  const v = config.values;
  return { dir: config.path(v.Cisco_Routing_Rendezvous_Directory), name: v.Cisco_Routing_Rendezvous_Name, maxAgeOnBootSeconds: v.Cisco_Routing_Max_DB_Age_on_Boot, log };
}

// ---- rows ----

/** pattern, type, nextHop, port, transport, priority, weight, techPrefix, action, flags (1 allowLessSpecific, 2 block, 4 inService), label */
type Row = [string, RouteType, string, number, string, number, number, string, string, number, string];

function toRow(r: Route): Row {
  const flags = (r.allowLessSpecific ? 1 : 0) | (r.block ? 2 : 0) | (r.inService ? 4 : 0);
  return [r.pattern, r.type, r.nextHop, r.port, r.transport, r.priority, r.weight, r.techPrefix, r.techPrefixAction, flags, r.label];
}

function fromRow(x: unknown): unknown {
  if (!Array.isArray(x) || x.length !== 11 || typeof x[9] !== 'number') return undefined;
  const [pattern, type, nextHop, port, transport, priority, weight, techPrefix, techPrefixAction, flags, label] = x as Row;
  return { pattern, type, nextHop, port, transport, priority, weight, techPrefix, techPrefixAction, allowLessSpecific: (flags & 1) !== 0, block: (flags & 2) !== 0, inService: (flags & 4) !== 0, label };
}

const ROWS_PER_SNAPSHOT_LINE = 512;

type Op = { kind: 'put'; routes: Route[] } | { kind: 'del'; keys: string[] } | { kind: 'snapshot' };

interface Pending {
  readonly op: Op;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export class EmbeddedRouteStore implements RouteStore {
  readonly snapshotPath: string;
  readonly journalPath: string;
  private readonly table = new RouteMatcher();
  private readonly log: StoreLog;
  private readonly now: () => number;
  private readonly compactBytes: number;
  private readonly bulkPut: number;
  private readonly sync: boolean;
  /** Repeated strings (next hops, labels) kept once: a million routes share a few hundred. */
  private readonly strings = new Map<string, string>();
  private journal: FileHandle | undefined;
  private gen = 0;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly stats = { batches: 0, records: 0, compactions: 0 };

  private constructor(private readonly opts: EmbeddedRouteStoreOptions) {
    this.snapshotPath = path.join(opts.dir, `${opts.name}.snapshot`);
    this.journalPath = path.join(opts.dir, `${opts.name}.journal`);
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.compactBytes = opts.compactBytes ?? 8 * 1024 * 1024;
    this.bulkPut = opts.bulkPut ?? 20_000;
    this.sync = opts.sync ?? true;
  }

  static async open(opts: EmbeddedRouteStoreOptions): Promise<EmbeddedRouteStore> {
    const s = new EmbeddedRouteStore(opts);
    try {
      mkdirSync(opts.dir, { recursive: true });
    } catch (e) {
      throw new Error(`route database directory ${opts.dir} cannot be created: ${code(e)}`);
    }
    rmSync(`${s.snapshotPath}.tmp`, { force: true });
    s.discardIfTooOld();
    const snap = s.loadSnapshot();
    const journalClean = s.loadJournal();
    try {
      s.journal = await open(s.journalPath, 'a', 0o600);
      // Rewrite when anything needs folding in or cleaning up; an unchanged table of a
      // million routes is not rewritten at every start.
      if (!snap || !journalClean || s.journalBytes > 0) await s.compactNow();
    } catch (e) {
      await s.journal?.close().catch(() => undefined);
      throw new Error(`route database in ${opts.dir} cannot be written: ${code(e)}`);
    }
    const every = opts.compactEveryMs ?? 3_600_000;
    if (every > 0) {
      s.timer = setInterval(() => {
        if (s.journalBytes > 0) s.enqueue({ kind: 'snapshot' }).catch(() => undefined);
      }, every);
      s.timer.unref();
    }
    return s;
  }

  // -- reads --

  match(type: RouteType, key: string): readonly (readonly Route[])[] {
    return this.table.match(type, key);
  }

  all(): readonly Route[] {
    return this.table.all();
  }

  size(): number {
    return this.table.size();
  }

  // -- writes --

  put(routes: readonly Route[]): Promise<void> {
    if (this.closed) return closedError();
    let clean: { route: Route; parsed: Pattern }[];
    try {
      clean = routes.map((r, i) => this.checked(r, `route ${i + 1} of ${routes.length}`));
    } catch (e) {
      return Promise.reject(e as Error);
    }
    for (const c of clean) this.table.put(c.route, c.parsed);
    return this.enqueue(clean.length > this.bulkPut ? { kind: 'snapshot' } : { kind: 'put', routes: clean.map((c) => c.route) });
  }

  async remove(keys: readonly string[]): Promise<number> {
    if (this.closed) return closedError();
    let n = 0;
    for (const k of keys) if (this.table.remove(k)) n++;
    if (n) await this.enqueue({ kind: 'del', keys: [...keys] });
    return n;
  }

  replaceAll(routes: readonly Route[]): Promise<void> {
    if (this.closed) return closedError();
    let clean: { route: Route; parsed: Pattern }[];
    try {
      clean = routes.map((r, i) => this.checked(r, `route ${i + 1} of ${routes.length}`));
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.table.clear();
    for (const c of clean) this.table.put(c.route, c.parsed);
    return this.enqueue({ kind: 'snapshot' });
  }

  /** Fold the journal into a new snapshot (after the writes already queued). */
  compact(): Promise<void> {
    if (this.closed) return closedError();
    return this.enqueue({ kind: 'snapshot' });
  }

  /** Bytes in the journal since the last snapshot. */
  get journalSize(): number {
    return this.journalBytes;
  }

  /** The generation of the current snapshot. */
  get generation(): number {
    return this.gen;
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

  private checked(r: unknown, where: string): { route: Route; parsed: Pattern } {
    const c = checkRoute(r);
    if (!c.ok) throw new Error(`route database: ${where}: ${c.reason}`);
    const x = c.route;
    return { route: { ...x, nextHop: this.intern(x.nextHop), label: this.intern(x.label), techPrefix: this.intern(x.techPrefix) }, parsed: c.parsed };
  }

  private intern(s: string): string {
    const have = this.strings.get(s);
    if (have !== undefined) return have;
    if (this.strings.size < 100_000) this.strings.set(s, s);
    return s;
  }

  // -- loading --

  private discardIfTooOld(): void {
    const old = discardIfTooOld([this.snapshotPath, this.journalPath], this.now(), this.opts.maxAgeOnBootSeconds);
    if (!old) return;
    this.log(
      'warn',
      `route database ${path.join(this.opts.dir, this.opts.name)}.{snapshot,journal} was last written ${new Date(old.newest).toISOString()}, ` +
        `${Math.round(old.ageSeconds)} s ago, more than Cisco_Routing_Max_DB_Age_on_Boot (${this.opts.maxAgeOnBootSeconds} s): deleted; starting with an empty route table`,
    );
  }

  private read(file: string, what: string): Buffer | undefined {
    try {
      return readFileSync(file);
    } catch (e) {
      if (code(e) === 'ENOENT') return undefined;
      throw new Error(`cannot read the route ${what} ${file}: ${code(e)}`);
    }
  }

  /** Load the snapshot; false when there is none usable (then a new one is written). */
  private loadSnapshot(): boolean {
    const data = this.read(this.snapshotPath, 'snapshot');
    if (!data) return false;
    const lines = decodeRecords(data);
    const head = lines[0]?.record;
    if (!isObj(head) || head.o !== 'snapshot' || typeof head.gen !== 'number' || lines[0].unterminated) {
      this.log('error', `route snapshot ${this.snapshotPath}: no valid header line; the file is ignored`);
      return false;
    }
    this.gen = head.gen;
    let loaded = 0;
    let clean = true;
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i];
      const r = l.record;
      if (r === undefined || l.unterminated || !isObj(r) || r.o !== 'rows' || !Array.isArray(r.r)) {
        this.log('warn', `route snapshot ${this.snapshotPath}: skipped a damaged record at byte ${l.offset}`);
        clean = false;
        continue;
      }
      loaded += this.applyRows(r.r, `snapshot ${this.snapshotPath} byte ${l.offset}`);
    }
    if (typeof head.n === 'number' && head.n !== loaded) {
      this.log('warn', `route snapshot ${this.snapshotPath}: ${loaded} routes loaded of the ${head.n} it was written with`);
      clean = false;
    }
    this.log('info', `route snapshot ${this.snapshotPath}: ${loaded} route${loaded === 1 ? '' : 's'} loaded (generation ${this.gen})`);
    return clean;
  }

  /** Replay the journal; false when it had a torn or damaged line (then it is rewritten). */
  private loadJournal(): boolean {
    const data = this.read(this.journalPath, 'journal');
    if (!data) return true;
    this.journalBytes = data.length;
    const lines = decodeRecords(data);
    let lastGood = -1;
    lines.forEach((l, i) => {
      if (l.record !== undefined && !l.unterminated) lastGood = i;
    });
    let applied = 0;
    let stale = 0;
    let clean = true;
    lines.forEach((l, i) => {
      const r = l.record;
      if (r === undefined || l.unterminated || !isObj(r) || typeof r.g !== 'number') {
        clean = false;
        if (i > lastGood) {
          if (i === lastGood + 1) this.log('warn', `route journal ${this.journalPath}: ignored an incomplete record at byte ${l.offset} (${data.length - l.offset} bytes, the write a crash interrupted)`);
        } else this.log('warn', `route journal ${this.journalPath}: skipped a damaged record at byte ${l.offset}`);
        return;
      }
      if (r.g !== this.gen) {
        stale++;
        return;
      }
      const where = `journal ${this.journalPath} byte ${l.offset}`;
      if (r.o === 'put' && Array.isArray(r.r)) this.applyRows(r.r, where);
      else if (r.o === 'del' && Array.isArray(r.k)) for (const k of r.k) typeof k === 'string' && this.table.remove(k);
      else {
        this.log('warn', `route journal ${this.journalPath}: skipped a record of unknown kind at byte ${l.offset}`);
        clean = false;
        return;
      }
      applied++;
    });
    if (stale) this.log('info', `route journal ${this.journalPath}: ${stale} record${stale === 1 ? '' : 's'} from before the last snapshot ignored (already in it)`);
    this.log('info', `route journal ${this.journalPath}: ${applied} record${applied === 1 ? '' : 's'} replayed`);
    return clean;
  }

  private applyRows(rows: unknown[], where: string): number {
    let n = 0;
    for (const row of rows) {
      try {
        const c = this.checked(fromRow(row), where);
        this.table.put(c.route, c.parsed);
        n++;
      } catch (e) {
        this.log('warn', `${(e as Error).message}; skipped`);
      }
    }
    return n;
  }

  // -- the writer --

  private enqueue(op: Op): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (this.pending.length) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      // Journal lines up to the first snapshot request go out together; a snapshot takes
      // in everything before it (it is written from memory), so the lines queued before it
      // need not be written at all.
      let snapAt = -1;
      batch.forEach((p, i) => p.op.kind === 'snapshot' && (snapAt = i));
      if (snapAt >= 0) {
        const covered = batch.slice(0, snapAt + 1);
        const after = batch.slice(snapAt + 1);
        try {
          await this.compactNow();
          for (const p of covered) p.resolve();
        } catch (e) {
          const err = new Error(`route database snapshot ${this.snapshotPath} failed: ${code(e)}`);
          this.log('error', err.message);
          for (const p of covered) p.reject(err);
        }
        if (after.length) await this.writeBatch(after);
      } else {
        await this.writeBatch(batch);
      }
      if (this.journalBytes > this.compactBytes && this.journalBytes > this.snapshotBytes) {
        try {
          await this.compactNow();
        } catch (e) {
          this.log('error', `route database compaction failed: ${code(e)}`);
          this.snapshotBytes = this.journalBytes; // back off until the journal doubles
        }
      }
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const g = this.gen;
    const lines = batch.map((p) => (p.op.kind === 'put' ? encodeRecord({ o: 'put', g, r: p.op.routes.map(toRow) }) : encodeRecord({ o: 'del', g, k: (p.op as { keys: string[] }).keys })));
    const data = Buffer.from(lines.join(''), 'utf8');
    try {
      const fh = this.journal;
      if (!fh) throw new Error('the route journal is not open');
      let off = 0;
      while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
      if (this.sync) await fh.datasync();
      this.journalBytes += data.length;
      this.stats.batches++;
      this.stats.records += batch.length;
      for (const p of batch) p.resolve();
    } catch (e) {
      const err = new Error(`route journal ${this.journalPath} write failed: ${code(e)}`);
      this.log('error', err.message);
      for (const p of batch) p.reject(err);
    }
  }

  /** Write the table as generation gen+1 to a temporary file, sync, rename over the snapshot, sync the directory, empty the journal. */
  private async compactNow(): Promise<void> {
    const gen = this.gen + 1;
    const tmp = `${this.snapshotPath}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    let bytes = 0;
    try {
      // Written in pieces of about 1 MiB: a million routes never become one string.
      let parts: string[] = [encodeRecord({ o: 'snapshot', v: 1, gen, at: this.now(), n: this.table.size() })];
      let partBytes = parts[0].length;
      let rows: Row[] = [];
      const flushParts = async () => {
        const buf = Buffer.from(parts.join(''), 'utf8');
        let off = 0;
        while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
        bytes += buf.length;
        parts = [];
        partBytes = 0;
      };
      for (const r of this.table.each()) {
        rows.push(toRow(r));
        if (rows.length === ROWS_PER_SNAPSHOT_LINE) {
          const line = encodeRecord({ o: 'rows', r: rows });
          parts.push(line);
          partBytes += line.length;
          rows = [];
          if (partBytes > 1 << 20) await flushParts();
        }
      }
      if (rows.length) parts.push(encodeRecord({ o: 'rows', r: rows }));
      await flushParts();
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.snapshotPath);
    syncDir(this.opts.dir);
    this.gen = gen;
    if (this.journal) {
      await this.journal.truncate(0);
      await this.journal.sync();
    }
    this.journalBytes = 0;
    this.snapshotBytes = bytes;
    this.stats.compactions++;
  }
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? String(e);
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    if (code(e) !== 'EINVAL' && code(e) !== 'EISDIR') throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function closedError(): Promise<never> {
  return Promise.reject(new Error('the route database is closed'));
}

/** Open the embedded route database at <dir>/<name>.{snapshot,journal}. */
export function openEmbeddedRouteStore(opts: EmbeddedRouteStoreOptions): Promise<EmbeddedRouteStore> {
  return EmbeddedRouteStore.open(opts);
}
