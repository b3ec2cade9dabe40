// The embedded subscriber store (DB_MySQL Off): every subscriber in memory, made durable
// by a checksummed journal that is folded into a snapshot from time to time (the record
// format of src/stores/embedded/journal-format.ts).
//
// Files, in ServerRoot/data:
//   subscribers.snapshot  the whole table at the last compaction (replaced by rename)
//   subscribers.journal   every change since then: a whole record put, or a removal
//   subscribers.lock      held by the one process writing at a time
//
// Two processes share these files: sipd reads, sysadmin_mysql_user (or pserver) writes.
// A writer takes the lock file, catches up with the journal, appends one line and
// fdatasyncs it before answering, so an acknowledged change survives kill -9. A reader
// looks at the files at most every `refreshMs` and reads only what was appended; when a
// compaction has replaced the files (new inode) it loads them again. Every record replaces
// a subscriber whole, so replaying a journal already folded into the snapshot is harmless.
import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { eachRecord, encodeRecord } from './journal-format.js';
import { LoadPacer, runNow, runPaced } from './load-pacer.js';
import type { LoadProgress } from './load-pacer.js';
import { decodeSecret, encodeSecret } from '../secret.js';
import { StoreUnavailableError, SubscriberValidationError, uniqueKey, validateSubscriber } from '../subscriber-store.js';
import type { SearchableSubscriberStore, Subscriber, SubscriberPage, SubscriberQuery, SubscriberSearchField } from '../subscriber-store.js';
import type { StoreLog } from '../store-log.js';
import { SortedIndex } from '../sorted-index.js';


export interface EmbeddedSubscriberOptions {
  /** Directory of the files (absolute); created when missing. */
  readonly dir: string;
  readonly log: StoreLog;
  /** Base name of the files. Default "subscribers". */
  readonly name?: string;
  /** Look for other processes' changes at most this often. Default 100 ms. */
  readonly refreshMs?: number;
  /** Compact once the journal holds this many bytes and more than the snapshot. Default 1 MiB. */
  readonly compactBytes?: number;
  /** Give up waiting for another writer's lock after this long. Default 5 s. */
  readonly lockWaitMs?: number;
  /** Told now and then how far the load at open got (sipd passes it on to `sip start`). */
  readonly progress?: LoadProgress;
}

/** One subscriber as a record: short keys keep the files small. */
interface Stored {
  u: string;
  d: string;
  s?: string;
  fn?: string;
  mn?: string;
  ln?: string;
  cfu?: string;
  cfb?: string;
  cfna?: string;
  cfunv?: string;
  p?: boolean;
}

// 'batch' is an import: many puts in one checksummed line, so a crash keeps all or none.
type Rec = { o: 'snapshot'; v: 1; at: number } | { o: 'put'; s: Stored } | { o: 'batch'; s: Stored[] } | { o: 'del'; u: string; d: string };

function toStored(s: Subscriber): Stored {
  const r: Stored = { u: s.user, d: s.domain };
  if (s.secret) r.s = encodeSecret(s.secret);
  if (s.firstName) r.fn = s.firstName;
  if (s.middleName) r.mn = s.middleName;
  if (s.lastName) r.ln = s.lastName;
  if (s.cfu) r.cfu = s.cfu;
  if (s.cfb) r.cfb = s.cfb;
  if (s.cfna) r.cfna = s.cfna;
  if (s.cfunv) r.cfunv = s.cfunv;
  if (s.redirectDnPrivacy) r.p = true;
  return r;
}

const str = (x: unknown): string => (typeof x === 'string' ? x : '');

function fromStored(x: unknown): Subscriber | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const r = x as Record<string, unknown>;
  if (typeof r.u !== 'string' || typeof r.d !== 'string') return undefined;
  return {
    user: r.u,
    domain: r.d,
    secret: decodeSecret(typeof r.s === 'string' ? r.s : undefined),
    firstName: str(r.fn),
    middleName: str(r.mn),
    lastName: str(r.ln),
    cfu: str(r.cfu),
    cfb: str(r.cfb),
    cfna: str(r.cfna),
    cfunv: str(r.cfunv),
    redirectDnPrivacy: r.p === true,
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function statOrNone(p: string): Promise<{ ino: number; size: number }> {
  try {
    const s = await stat(p);
    return { ino: s.ino, size: s.size };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ino: 0, size: 0 };
    throw e;
  }
}

async function readOrEmpty(p: string): Promise<Buffer> {
  try {
    return await readFile(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw e;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class EmbeddedSubscriberStore implements SearchableSubscriberStore {
  readonly snapshotPath: string;
  readonly journalPath: string;
  readonly lockPath: string;
  /** By uniqueKey (domain + first 50 characters of the user). */
  private map = new Map<string, Subscriber>();
  /** Sorted views for search, built on first use; a subscriber's group is its map key. */
  private readonly index = new SortedIndex<Subscriber, SubscriberSearchField>({
    rows: () => this.map.values(),
    size: () => this.map.size,
    group: (s) => uniqueKey(s.user, s.domain),
    current: (g) => {
      const s = this.map.get(g);
      return s ? [s] : [];
    },
    value: (s, f) => s[f],
    tail: (s) => [s.domain, s.user],
    compareTail: (a, b) => (a.domain === b.domain ? cmp(a.user, b.user) : cmp(a.domain, b.domain)),
  });
  private snapIno = 0;
  private journalIno = 0;
  /** Bytes of the journal applied (always ends at a line end). */
  private offset = 0;
  private snapshotBytes = 0;
  private lastCheck = 0;
  private refreshing: Promise<void> | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly log: StoreLog;
  private readonly refreshMs: number;
  private readonly compactBytes: number;
  private readonly lockWaitMs: number;

  private constructor(private readonly dir: string, o: EmbeddedSubscriberOptions) {
    const name = o.name ?? 'subscribers';
    this.snapshotPath = path.join(dir, `${name}.snapshot`);
    this.journalPath = path.join(dir, `${name}.journal`);
    this.lockPath = path.join(dir, `${name}.lock`);
    this.log = o.log;
    this.refreshMs = o.refreshMs ?? 100;
    this.compactBytes = o.compactBytes ?? 1 << 20;
    this.lockWaitMs = o.lockWaitMs ?? 5000;
  }

  static async open(o: EmbeddedSubscriberOptions): Promise<EmbeddedSubscriberStore> {
    await mkdir(o.dir, { recursive: true });
    const store = new EmbeddedSubscriberStore(o.dir, o);
    await store.load(new LoadPacer('loading subscribers', o.progress, () => store.map.size));
    return store;
  }

  /** Number of subscribers (as last read). */
  get size(): number {
    return this.map.size;
  }

  async get(user: string, domain = ''): Promise<Subscriber | undefined> {
    this.assertOpen();
    await this.refresh(false);
    const s = this.map.get(uniqueKey(user, domain));
    return s && s.user === user ? s : undefined;
  }

  async list(): Promise<Subscriber[]> {
    this.assertOpen();
    await this.refresh(false);
    return [...this.map.values()].sort((a, b) => (a.domain === b.domain ? cmp(a.user, b.user) : cmp(a.domain, b.domain)));
  }

  add(s: Subscriber): Promise<void> {
    return this.write(async () => {
      const v = validateSubscriber(s);
      const had = this.map.get(uniqueKey(v.user, v.domain));
      if (had) {
        throw new SubscriberValidationError(
          had.user === v.user
            ? `Subscriber ${describe(v)} already exists.`
            : `Subscriber ${describe(v)} has the same first 50 characters as the existing ${describe(had)}.`,
          'user_id',
        );
      }
      await this.append({ o: 'put', s: toStored(v) });
      this.set(v);
    });
  }

  update(s: Subscriber): Promise<void> {
    return this.write(async () => {
      const v = validateSubscriber(s);
      const had = this.map.get(uniqueKey(v.user, v.domain));
      if (!had || had.user !== v.user) throw new SubscriberValidationError(`No subscriber ${describe(v)}.`, 'user_id');
      await this.append({ o: 'put', s: toStored(v) });
      this.set(v);
    });
  }

  remove(user: string, domain = ''): Promise<boolean> {
    return this.write(async () => {
      const d = domain.toLowerCase();
      const key = uniqueKey(user, d);
      const had = this.map.get(key);
      if (!had || had.user !== user) return false;
      await this.append({ o: 'del', u: user, d });
      this.map.delete(key);
      this.index.changed(key);
      return true;
    });
  }

  async search(q: SubscriberQuery): Promise<SubscriberPage> {
    this.assertOpen();
    await this.refresh(false);
    return this.index.search(q, () => this.map.size);
  }

  importMany(subs: readonly Subscriber[]): Promise<{ added: number; replaced: number }> {
    return this.write(async () => {
      const checked = subs.map((s) => validateSubscriber(s));
      let added = 0;
      for (const v of checked) {
        const had = this.map.get(uniqueKey(v.user, v.domain));
        if (!had) added++;
        else if (had.user !== v.user) {
          throw new SubscriberValidationError(`Subscriber ${describe(v)} has the same first 50 characters as the existing ${describe(had)}.`, 'user_id');
        }
      }
      if (checked.length === 0) return { added: 0, replaced: 0 };
      await this.append({ o: 'batch', s: checked.map(toStored) });
      for (const v of checked) this.map.set(uniqueKey(v.user, v.domain), v);
      this.index.reset();
      return { added, replaced: checked.length - added };
    });
  }

  /** Add or replace one subscriber in memory, keeping the search index in step. */
  private set(s: Subscriber): void {
    const key = uniqueKey(s.user, s.domain);
    this.map.set(key, s);
    this.index.changed(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain.catch(() => undefined);
  }

  // ---- reading ----

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the subscriber store is closed');
  }

  private apply(rec: unknown): boolean {
    if (typeof rec !== 'object' || rec === null) return false;
    const r = rec as Rec;
    if (r.o === 'snapshot') return true;
    if (r.o === 'put') {
      const s = fromStored(r.s);
      if (!s) return false;
      this.set(s);
      return true;
    }
    if (r.o === 'batch' && Array.isArray(r.s)) {
      const all = r.s.map(fromStored);
      if (all.some((s) => !s)) return false;
      for (const s of all as Subscriber[]) this.map.set(uniqueKey(s.user, s.domain), s);
      this.index.reset();
      return true;
    }
    if (r.o === 'del' && typeof r.u === 'string' && typeof r.d === 'string') {
      const key = uniqueKey(r.u, r.d);
      const had = this.map.get(key);
      if (had?.user === r.u) {
        this.map.delete(key);
        this.index.changed(key);
      }
      return true;
    }
    return false;
  }

  /** Apply every complete line of `data`, pausing after each (runNow, runPaced); returns the bytes consumed (up to the last line end). */
  private *applyLines(data: Buffer, file: string): Generator<void, number, undefined> {
    let consumed = 0;
    let damaged = 0;
    for (const line of eachRecord(data)) {
      if (line.unterminated) break; // being written right now, or cut short by a crash
      if (!this.apply(line.record)) damaged++;
      consumed = data.indexOf(0x0a, line.offset) + 1;
      yield;
    }
    if (damaged) this.log('warn', `${file}: skipped ${damaged} damaged subscriber record${damaged === 1 ? '' : 's'}`);
    return consumed;
  }

  /** Read both files into a new table; `pacer` (at open only) gives the event loop turns meanwhile. */
  private async load(pacer?: LoadPacer): Promise<void> {
    const [snap, jour] = await Promise.all([statOrNone(this.snapshotPath), statOrNone(this.journalPath)]);
    const snapData = await readOrEmpty(this.snapshotPath);
    const journalData = await readOrEmpty(this.journalPath);
    this.map = new Map();
    this.index.reset();
    const both = (function* (s: EmbeddedSubscriberStore) {
      yield* s.applyLines(snapData, s.snapshotPath);
      return yield* s.applyLines(journalData, s.journalPath);
    })(this);
    // A reload while serving runs in one go: readers must never see a half-built table.
    this.offset = pacer ? await runPaced(both, pacer) : runNow(both);
    this.snapIno = snap.ino;
    this.journalIno = jour.ino;
    this.snapshotBytes = snapData.length;
    this.lastCheck = Date.now();
  }

  /** Catch up with changes other processes made. */
  private refresh(force: boolean): Promise<void> {
    if (!force && Date.now() - this.lastCheck < this.refreshMs) return Promise.resolve();
    this.refreshing ??= this.catchUp().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async catchUp(): Promise<void> {
    try {
      const [snap, jour] = await Promise.all([statOrNone(this.snapshotPath), statOrNone(this.journalPath)]);
      if (snap.ino !== this.snapIno || jour.ino !== this.journalIno || jour.size < this.offset) return await this.load();
      if (jour.size > this.offset) {
        const fh = await open(this.journalPath, 'r');
        try {
          const buf = Buffer.alloc(jour.size - this.offset);
          const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
          this.offset += runNow(this.applyLines(buf.subarray(0, bytesRead), this.journalPath));
        } finally {
          await fh.close();
        }
      }
      this.lastCheck = Date.now();
    } catch (e) {
      // Keep serving what we have; the next call tries again.
      this.log('error', `cannot read the subscriber store in ${this.dir}: ${(e as Error).message}`);
    }
  }

  // ---- writing ----

  /** One write at a time in this process, under the lock file across processes. */
  private write<T>(op: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const run = this.chain.then(async () => {
      const release = await this.lock();
      try {
        await this.refresh(true);
        await this.dropTornTail();
        const r = await op();
        if (this.offset > this.compactBytes && this.offset > this.snapshotBytes) await this.compact();
        return r;
      } finally {
        await release();
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async lock(): Promise<() => Promise<void>> {
    const until = Date.now() + this.lockWaitMs;
    for (;;) {
      // The pid is written to a file of our own first and then linked into place, so the lock
      // file is never seen empty, even when its writer is killed while taking it.
      const mine = `${this.lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
      try {
        await writeFile(mine, `${process.pid}\n`, { mode: 0o600 });
        await link(mine, this.lockPath);
        return () => unlink(this.lockPath).catch(() => undefined);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        await unlink(mine).catch(() => undefined);
      }
      // A lock left by a process that died (kill -9) is taken over.
      const holder = Number.parseInt((await readOrEmpty(this.lockPath)).toString('utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
        this.log('warn', `${this.lockPath}: process ${holder} died holding the lock; taking it over`);
        await unlink(this.lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() >= until) {
        throw new StoreUnavailableError(`the subscriber store is being written by process ${holder || '?'} (${this.lockPath}); try again`);
      }
      await sleep(20);
    }
  }

  /** A writer killed in the middle of a line leaves part of it; cut it off before appending. */
  private async dropTornTail(): Promise<void> {
    const jour = await statOrNone(this.journalPath);
    if (jour.size <= this.offset) return;
    const fh = await open(this.journalPath, 'r+');
    try {
      await fh.truncate(this.offset);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    this.log('warn', `${this.journalPath}: removed ${jour.size - this.offset} bytes of an unfinished record`);
  }

  private async append(rec: Rec): Promise<void> {
    const line = Buffer.from(encodeRecord(rec), 'utf8');
    const created = this.journalIno === 0;
    const fh = await open(this.journalPath, 'a', 0o600);
    try {
      await fh.write(line);
      await fh.datasync();
      if (created) this.journalIno = (await fh.stat()).ino;
    } finally {
      await fh.close();
    }
    if (created) await fsyncDir(this.dir);
    this.offset += line.length;
  }

  /** Fold the journal into a new snapshot: write, sync, rename; then an empty journal the same way. */
  private async compact(): Promise<void> {
    const lines = [encodeRecord({ o: 'snapshot', v: 1, at: Date.now() } satisfies Rec)];
    for (const s of this.map.values()) lines.push(encodeRecord({ o: 'put', s: toStored(s) } satisfies Rec));
    const data = Buffer.from(lines.join(''), 'utf8');
    await writeSynced(`${this.snapshotPath}.tmp`, data);
    await rename(`${this.snapshotPath}.tmp`, this.snapshotPath);
    await writeSynced(`${this.journalPath}.tmp`, Buffer.alloc(0));
    await rename(`${this.journalPath}.tmp`, this.journalPath);
    await fsyncDir(this.dir);
    const [snap, jour] = await Promise.all([statOrNone(this.snapshotPath), statOrNone(this.journalPath)]);
    this.snapIno = snap.ino;
    this.journalIno = jour.ino;
    this.offset = 0;
    this.snapshotBytes = data.length;
    this.log('info', `subscriber store compacted: ${this.map.size} subscribers in ${this.snapshotPath}`);
  }
}

async function writeSynced(file: string, data: Buffer): Promise<void> {
  const fh = await open(file, 'w', 0o600);
  try {
    await fh.write(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(s: { user: string; domain: string }): string {
  return s.domain ? `${s.user}@${s.domain}` : s.user;
}
