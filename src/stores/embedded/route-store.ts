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
import { RouteMatcher } from './route-matcher.js';
import type { Pattern } from '../route-pattern.js';
import type { Route, RouteStore, RouteType } from '../route-store.js';
import { checkRoute, routeKey } from '../route-store.js';
import { SortedIndex } from '../sorted-index.js';
import type { IndexPage, IndexQuery } from '../sorted-index.js';
import { compareParts } from '../search.js';
import { eachRecord, encodeRecord } from './journal-format.js';
import { readDatabaseFile, replayRecords } from './journal-file.js';
import { JournaledStore } from './journaled-store.js';
import type { JournaledStoreOptions } from './journaled-store.js';
import type { LoadPacer } from './load-pacer.js';

/** The files (Cisco_Routing_Rendezvous_Directory / _Name), their age limit, the clock and the compaction settings. */
export interface EmbeddedRouteStoreOptions extends JournaledStoreOptions {
  /** A put of more routes than this is written as a new snapshot. Default 20,000. */
  readonly bulkPut?: number;
}

// ---- rows ----

/** pattern, type, nextHop, port, transport, priority, weight, techPrefix, action, flags (1 allowLessSpecific, 2 block, 4 inService), label */
export type Row = [string, RouteType, string, number, string, number, number, string, string, number, string];

/** A route as a stored row (the snapshot's and the farm store's form). */
export function toRow(r: Route): Row {
  const flags = (r.allowLessSpecific ? 1 : 0) | (r.block ? 2 : 0) | (r.inService ? 4 : 0);
  return [r.pattern, r.type, r.nextHop, r.port, r.transport, r.priority, r.weight, r.techPrefix, r.techPrefixAction, flags, r.label];
}

/** A stored row back to a route-shaped object, to pass through checkRoute; undefined when it is not a row. */
export function fromRow(x: unknown): unknown {
  if (!Array.isArray(x) || x.length !== 11 || typeof x[9] !== 'number') return undefined;
  const [pattern, type, nextHop, port, transport, priority, weight, techPrefix, techPrefixAction, flags, label] = x as Row;
  return { pattern, type, nextHop, port, transport, priority, weight, techPrefix, techPrefixAction, allowLessSpecific: (flags & 1) !== 0, block: (flags & 2) !== 0, inService: (flags & 4) !== 0, label };
}

const ROWS_PER_SNAPSHOT_LINE = 512;

/** A journal line: routes put or keys removed, in snapshot generation g. */
type Op = { kind: 'put'; routes: Route[] } | { kind: 'del'; keys: string[] };

/** A field of a route as the GUI searches and sorts it: text, or a number for port, priority and weight. */
function routeValue(r: Route, field: string): string | number {
  const v = (r as unknown as Record<string, unknown>)[field];
  return typeof v === 'number' ? v : String(v ?? '');
}

/** Sorted views of a route table for the GUI's search, built on first use; a route's group is its routeKey. Shared with the farm store. */
export function routeSearchIndex(table: () => RouteMatcher): SortedIndex<Route, string> {
  return new SortedIndex<Route, string>({
    rows: () => table().each(),
    size: () => table().size(),
    group: routeKey,
    current: (key) => {
      const r = table().get(key);
      return r ? [r] : [];
    },
    value: routeValue,
    tail: (r) => [r.pattern, r.type, r.nextHop.toLowerCase(), r.port],
    // The pattern first: it settles almost every tie (a column of ten priorities is mostly ties).
    compareTail: (a, b) => (a.pattern !== b.pattern ? (a.pattern < b.pattern ? -1 : 1) : compareParts(a.type, b.type) || compareParts(a.nextHop.toLowerCase(), b.nextHop.toLowerCase()) || a.port - b.port),
  });
}

/** Repeated strings of routes (next hops, labels, tech prefixes) kept once: a million routes share a few hundred. Shared with the farm store. */
export class SharedStrings {
  private readonly strings = new Map<string, string>();

  /** The route with its repeated strings replaced by the kept copies. */
  route(r: Route): Route {
    return { ...r, nextHop: this.intern(r.nextHop), label: this.intern(r.label), techPrefix: this.intern(r.techPrefix) };
  }

  private intern(s: string): string {
    const have = this.strings.get(s);
    if (have !== undefined) return have;
    if (this.strings.size < 100_000) this.strings.set(s, s);
    return s;
  }
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export class EmbeddedRouteStore extends JournaledStore<Op> implements RouteStore {
  private readonly table = new RouteMatcher();
  private readonly bulkPut: number;
  private readonly shared = new SharedStrings();
  private gen = 0;
  /** Sorted views for the GUI's search, built on first use. */
  private readonly index = routeSearchIndex(() => this.table);

  private constructor(opts: EmbeddedRouteStoreOptions) {
    super(opts, { what: 'route', maxAgeDirective: 'Cisco_Routing_Max_DB_Age_on_Boot', emptyAs: 'an empty route table' });
    this.bulkPut = opts.bulkPut ?? 20_000;
  }

  static async open(opts: EmbeddedRouteStoreOptions): Promise<EmbeddedRouteStore> {
    const s = new EmbeddedRouteStore(opts);
    s.prepareFiles();
    const pacer = s.pacer('loading routes', () => s.table.size());
    const snap = await s.loadSnapshot(pacer);
    const journal = await s.loadJournal(pacer);
    let nextGen = 0;
    await s.openJournal(
      {
        encode: (op) => (op.kind === 'put' ? encodeRecord({ o: 'put', g: s.gen, r: op.routes.map(toRow) }) : encodeRecord({ o: 'del', g: s.gen, k: op.keys })),
        writeSnapshot: (write) => s.writeSnapshot((nextGen = s.gen + 1), write),
        snapshotCommitted: () => (s.gen = nextGen),
      },
      journal.bytes,
      // Rewrite when anything needs folding in or cleaning up; an unchanged table of a
      // million routes is not rewritten at every start.
      !snap || !journal.clean || journal.bytes > 0,
    );
    return s;
  }

  // -- reads --

  match(type: RouteType, key: string): readonly (readonly Route[])[] {
    return this.table.match(type, key);
  }

  all(): readonly Route[] {
    return this.table.all();
  }

  each(): Iterable<Route> {
    return this.table.each();
  }

  size(): number {
    return this.table.size();
  }

  search(q: IndexQuery<string>): IndexPage<Route> {
    return this.index.search(q, () => this.table.size());
  }

  // -- writes: put and replaceAll check the whole batch before touching the table; the
  // table changes before they return (an async function runs up to its first await at once) --

  async put(routes: readonly Route[]): Promise<void> {
    if (this.closed) return this.closedError();
    const clean = this.checkedBatch(routes);
    for (const c of clean) {
      this.table.put(c.route, c.parsed);
      this.index.changed(routeKey(c.route));
    }
    return clean.length > this.bulkPut ? this.journal.snapshot() : this.journal.write({ kind: 'put', routes: clean.map((c) => c.route) });
  }

  async remove(keys: readonly string[]): Promise<number> {
    if (this.closed) return this.closedError();
    let n = 0;
    for (const k of keys) {
      const old = this.table.remove(k);
      if (!old) continue;
      this.index.changed(routeKey(old));
      n++;
    }
    if (n) await this.journal.write({ kind: 'del', keys: [...keys] });
    return n;
  }

  async replaceAll(routes: readonly Route[]): Promise<void> {
    if (this.closed) return this.closedError();
    const clean = this.checkedBatch(routes);
    this.table.clear();
    this.index.reset();
    for (const c of clean) this.table.put(c.route, c.parsed);
    return this.journal.snapshot();
  }

  /** The generation of the current snapshot. */
  get generation(): number {
    return this.gen;
  }

  // -- memory --

  /** Every route checked; the first bad one throws, naming its place in the batch. */
  private checkedBatch(routes: readonly Route[]): { route: Route; parsed: Pattern }[] {
    return routes.map((r, i) => this.checked(r, `route ${i + 1} of ${routes.length}`));
  }

  private checked(r: unknown, where: string): { route: Route; parsed: Pattern } {
    const c = checkRoute(r);
    if (!c.ok) throw new Error(`route database: ${where}: ${c.reason}`);
    const x = c.route;
    return { route: this.shared.route(x), parsed: c.parsed };
  }

  // -- loading --

  /** Load the snapshot; false when there is none usable (then a new one is written). */
  private async loadSnapshot(pacer: LoadPacer): Promise<boolean> {
    const data = readDatabaseFile(this.snapshotPath, 'route snapshot');
    if (!data) return false;
    const lines = eachRecord(data);
    const first = lines.next();
    const head = first.done ? undefined : first.value.record;
    if (first.done || !isObj(head) || head.o !== 'snapshot' || typeof head.gen !== 'number' || first.value.unterminated) {
      this.log('error', `route snapshot ${this.snapshotPath}: no valid header line; the file is ignored`);
      return false;
    }
    this.gen = head.gen;
    let loaded = 0;
    let clean = true;
    for (const l of lines) {
      const r = l.record;
      if (r === undefined || l.unterminated || !isObj(r) || r.o !== 'rows' || !Array.isArray(r.r)) {
        this.log('warn', `route snapshot ${this.snapshotPath}: skipped a damaged record at byte ${l.offset}`);
        clean = false;
        continue;
      }
      loaded += this.applyRows(r.r, `snapshot ${this.snapshotPath} byte ${l.offset}`);
      if (pacer.due(r.r.length)) await pacer.pause();
    }
    if (typeof head.n === 'number' && head.n !== loaded) {
      this.log('warn', `route snapshot ${this.snapshotPath}: ${loaded} routes loaded of the ${head.n} it was written with`);
      clean = false;
    }
    this.log('info', `route snapshot ${this.snapshotPath}: ${loaded} route${loaded === 1 ? '' : 's'} loaded (generation ${this.gen})`);
    return clean;
  }

  /** Replay the journal; not clean when it had a torn or damaged line (then it is rewritten). */
  private async loadJournal(pacer: LoadPacer): Promise<{ bytes: number; clean: boolean }> {
    const data = readDatabaseFile(this.journalPath, 'route journal');
    if (!data) return { bytes: 0, clean: true };
    let stale = 0;
    const { applied, clean } = await replayRecords(
      data,
      `route journal ${this.journalPath}`,
      this.log,
      (r, offset) => {
        if (!isObj(r) || typeof r.g !== 'number') return 'bad';
        if (r.g !== this.gen) {
          stale++;
          return 'skipped';
        }
        const where = `journal ${this.journalPath} byte ${offset}`;
        if (r.o === 'put' && Array.isArray(r.r)) this.applyRows(r.r, where);
        else if (r.o === 'del' && Array.isArray(r.k)) for (const k of r.k) typeof k === 'string' && this.table.remove(k);
        else return 'bad';
        return 'applied';
      },
      pacer,
    );
    if (stale) this.log('info', `route journal ${this.journalPath}: ${stale} record${stale === 1 ? '' : 's'} from before the last snapshot ignored (already in it)`);
    this.log('info', `route journal ${this.journalPath}: ${applied} record${applied === 1 ? '' : 's'} replayed`);
    return { bytes: data.length, clean };
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

  /** The table as generation `gen`: a header line, then the routes 512 to a line, written in pieces of about 1 MiB. */
  private async writeSnapshot(gen: number, write: (text: string) => Promise<void>): Promise<void> {
    let parts: string[] = [encodeRecord({ o: 'snapshot', v: 1, gen, at: this.now(), n: this.table.size() })];
    let partBytes = parts[0].length;
    let rows: Row[] = [];
    let written = 0;
    for (const r of this.table.each()) {
      rows.push(toRow(r));
      if (rows.length === ROWS_PER_SNAPSHOT_LINE) {
        written += rows.length;
        const line = encodeRecord({ o: 'rows', r: rows });
        parts.push(line);
        partBytes += line.length;
        rows = [];
        if (partBytes > 1 << 20) {
          this.loadProgress?.('writing the route snapshot', written);
          await write(parts.join(''));
          parts = [];
          partBytes = 0;
        }
      }
    }
    if (rows.length) parts.push(encodeRecord({ o: 'rows', r: rows }));
    await write(parts.join(''));
  }
}

/** Open the embedded route database at <dir>/<name>.{snapshot,journal}. */
export function openEmbeddedRouteStore(opts: EmbeddedRouteStoreOptions): Promise<EmbeddedRouteStore> {
  return EmbeddedRouteStore.open(opts);
}
