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
// Durability: a write resolves only after its journal line is fdatasync'ed, with group
// commit (journal-file.ts, shared with the route database).
import type { Binding, LocationStore, ReceivedFrom } from '../location-store.js';
import { BindingTable } from '../binding-table.js';
import { encodeRecord } from './journal-format.js';
import { readDatabaseFile, replayRecords } from './journal-file.js';
import { JournaledStore } from './journaled-store.js';
import type { IndexPage, IndexQuery } from '../sorted-index.js';
import type { JournaledStoreOptions } from './journaled-store.js';
import type { LoadPacer } from './load-pacer.js';

/** The files (Cisco_Registry_Rendezvous_Directory / _Name), their age limit, the clock and the compaction settings. */
export type EmbeddedStoreOptions = JournaledStoreOptions;

// ---- records ----

export type StoredBinding = Omit<Binding, 'aor' | 'static' | 'expiresAt'> & { expiresAt: number | null };

type JournalRecord =
  | { o: 'snapshot'; v: 1; at: number }
  | { o: 'put'; a: string; b: StoredBinding[] }
  | { o: 'del'; a: string }
  | { o: 'sput'; a: string; b: StoredBinding }
  | { o: 'sdel'; a: string; c: string };

export function toStored(b: Binding): StoredBinding {
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

export function fromStored(aor: string, x: unknown, isStatic: boolean): Binding | undefined {
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

export class EmbeddedLocationStore extends JournaledStore<JournalRecord> implements LocationStore {
  private readonly table = new BindingTable();

  private constructor(opts: EmbeddedStoreOptions) {
    super(opts, { what: 'registry', maxAgeDirective: 'Cisco_Registry_Max_DB_Age_on_Boot', emptyAs: 'an empty registry' });
  }

  /** Open (creating the directory and files as needed), load, and compact once. */
  static async open(opts: EmbeddedStoreOptions): Promise<EmbeddedLocationStore> {
    const s = new EmbeddedLocationStore(opts);
    s.prepareFiles();
    const pacer = s.pacer('loading registrations', () => s.table.size());
    await s.load(s.snapshotPath, 'snapshot', pacer);
    const journalBytes = await s.load(s.journalPath, 'journal', pacer);
    s.purgeExpired(s.now());
    // Always start from a clean snapshot of what was loaded; that also drops a torn journal tail.
    await s.openJournal({ encode: encodeRecord, writeSnapshot: (write) => s.writeSnapshot(write) }, journalBytes, true);
    return s;
  }

  // -- reads --

  get(aor: string): readonly Binding[] {
    return this.table.get(aor);
  }

  size(): number {
    return this.table.size();
  }

  activeCount(now: number): number {
    return this.table.activeCount(now);
  }

  entries(): IterableIterator<[string, readonly Binding[]]> {
    return this.table.entries();
  }

  /** Fields: aor and contact (text), expires (a number; static bindings last). */
  search(q: IndexQuery<string>, now: number): IndexPage<Binding> {
    return this.table.search(q, now);
  }

  // -- writes: applied to memory at once (so the next REGISTER sees them), acknowledged once durable --

  put(aor: string, bindings: readonly Binding[]): Promise<void> {
    if (this.closed) return this.closedError();
    const dyn = bindings.map((b) => ({ ...b, aor, static: false }));
    this.applyPut(aor, dyn);
    return this.journal.write({ o: 'put', a: aor, b: dyn.map(toStored) });
  }

  removeAll(aor: string): Promise<void> {
    if (this.closed) return this.closedError();
    this.applyPut(aor, []);
    return this.journal.write({ o: 'del', a: aor });
  }

  setStatic(aor: string, binding: Binding): Promise<void> {
    if (this.closed) return this.closedError();
    const b: Binding = { ...binding, aor, static: true, expiresAt: Infinity };
    this.applySetStatic(aor, b);
    return this.journal.write({ o: 'sput', a: aor, b: toStored(b) });
  }

  async removeStatic(aor: string, contact: string): Promise<boolean> {
    if (this.closed) return this.closedError();
    if (!this.applyRemoveStatic(aor, contact)) return false;
    await this.journal.write({ o: 'sdel', a: aor, c: contact });
    return true;
  }

  /** Memory only: expired bindings are dropped again at load, so nothing needs journaling. */
  purgeExpired(now: number): number {
    return this.table.purgeExpired(now);
  }

  // -- memory --

  private applyPut(aor: string, dynamic: Binding[]): void {
    this.table.set(aor, dynamic, this.table.staticsOf(aor));
  }

  private applySetStatic(aor: string, b: Binding): void {
    const statics = this.table.staticsOf(aor).filter((x) => x.contact !== b.contact);
    statics.push(b);
    this.table.set(aor, this.table.dynamicOf(aor), statics);
  }

  private applyRemoveStatic(aor: string, contact: string): boolean {
    const statics = this.table.staticsOf(aor);
    if (!statics.some((x) => x.contact === contact)) return false;
    this.table.set(aor, this.table.dynamicOf(aor), statics.filter((x) => x.contact !== contact));
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

  /** Apply a file's records; returns its size. */
  private async load(file: string, what: 'snapshot' | 'journal', pacer: LoadPacer): Promise<number> {
    const data = readDatabaseFile(file, `registry ${what}`);
    if (!data) return 0;
    const { applied } = await replayRecords(data, `registry ${what} ${file}`, this.log, (r) => (this.applyRecord(r) ? 'applied' : 'bad'), pacer);
    this.log('info', `registry ${what} ${file}: ${applied} record${applied === 1 ? '' : 's'} loaded`);
    return data.length;
  }

  /**
   * The whole table, expired bindings left out, written in pieces of about 1 MiB: a million
   * bindings in one string would hold the event loop (and the memory) for seconds. A change
   * made while a piece is written may land in the snapshot and in the journal after it too;
   * every record replaces an AOR's set (or one static binding), so replaying it is harmless.
   */
  private async writeSnapshot(write: (text: string) => Promise<void>): Promise<void> {
    const now = this.now();
    let parts: string[] = [encodeRecord({ o: 'snapshot', v: 1, at: now })];
    let partBytes = 0;
    let written = 0;
    for (const [aor, all] of this.table.entries()) {
      const live = all.filter((b) => !b.static && b.expiresAt > now);
      const statics = all.filter((b) => b.static);
      const lines = live.length ? [encodeRecord({ o: 'put', a: aor, b: live.map(toStored) })] : [];
      for (const b of statics) lines.push(encodeRecord({ o: 'sput', a: aor, b: toStored(b) }));
      for (const l of lines) {
        parts.push(l);
        partBytes += l.length;
      }
      written += live.length + statics.length;
      if (partBytes > 1 << 20) {
        this.loadProgress?.('writing the registry snapshot', written);
        await write(parts.join(''));
        parts = [];
        partBytes = 0;
      }
    }
    await write(parts.join(''));
  }
}

/** Open the embedded store at <dir>/<name>.{snapshot,journal}. */
export function openEmbeddedLocationStore(opts: EmbeddedStoreOptions): Promise<EmbeddedLocationStore> {
  return EmbeddedLocationStore.open(opts);
}
