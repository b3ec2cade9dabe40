// The farm route store: static routes shared by every member through MySQL/Galera
// (tables in route-schema.ts).
//
// Reads never touch the database: each member holds every route in a RouteMatcher (the
// embedded store's in-memory table) and answers match() from it. It loads the table at
// open and keeps it current by following route_log (log-follower.ts, shared with the
// location store): the keys a log row names are re-read from the route table.
//
// Generations. Every route row carries a generation number, and route_generation holds
// the current one; members serve the current generation's rows only.
//   - put and remove of up to `bulkPut` routes: one small transaction writing the rows of
//     the current generation and one log row per route. It also bumps the change counter
//     in route_generation, so a write and a generation switch on two nodes conflict at
//     certification and one of them is retried (errno 1213), instead of a write landing
//     in a generation that has just been retired. The writer applies it to its own
//     memory once committed.
//   - replaceAll, and a put of more routes (a bulk import; a million routes cannot be one
//     Galera transaction): a new generation number is handed out, its rows are written
//     in chunks of small transactions (a bulk put first copies the current generation
//     server-side, then writes its routes over the copy), and one small transaction makes
//     it current and logs that (route_key ''). Until then no member reads those rows;
//     every member that sees the switch loads the new generation into a new matcher and
//     swaps it in whole, so each member serves all-old or all-new, never a mix. The old
//     generation's rows are deleted afterwards, in chunks.
//   - A replaceAll switches only to a newer generation than the current one (of two
//     concurrent replacements the later-numbered wins, as if it ran second). A bulk put
//     switches only if nothing was written since it began its copy; otherwise it starts
//     again (a few times, then fails).
//   - A generation that was not switched to is deleted by its writer at once. One whose
//     writer failed part way stays until a later generation becomes current; from then
//     on it is older, and the sweep (any member) deletes every older generation.
import type { RowDataPacket } from 'mysql2/promise';
import { RouteMatcher } from '../embedded/route-matcher.js';
import { SharedStrings, fromRow, routeSearchIndex, toRow } from '../embedded/route-store.js';
import type { Pattern } from '../route-pattern.js';
import type { Route, RouteStore, RouteType } from '../route-store.js';
import { checkRoute, routeKey } from '../route-store.js';
import type { IndexPage, IndexQuery } from '../sorted-index.js';
import { LogFollower, causalPrefix, retryOnConflict } from './log-follower.js';
import type { FarmStoreOptions } from './log-follower.js';
import { describeMySqlError } from './pool.js';
import { logUnlessPartitioned } from './quorum.js';
import { ROUTE_GENERATION_TABLE, ROUTE_KEY_MAX, ROUTE_LOG_TABLE, ROUTE_TABLE } from './route-schema.js';
import { q } from './subscriber-store.js';

export interface MySqlRouteStoreOptions extends FarmStoreOptions {
  /** A put of more routes than this is written as a new generation. Default 5000. */
  readonly bulkPut?: number;
  /** Rows per statement when a generation is written, copied or deleted. Default 2000. */
  readonly chunk?: number;
  /** How often old log rows and old generations are deleted. Default 60 s. */
  readonly sweepMs?: number;
}

type Db = { query<R = unknown>(sql: string, values?: readonly unknown[]): Promise<R> };
interface Checked {
  readonly route: Route;
  readonly parsed: Pattern;
  readonly key: string;
}

const PAGE = 5000;
/** How often a bulk put starts again when other writes keep coming in during its copy. */
const BULK_ATTEMPTS = 3;

export class MySqlRouteStore implements RouteStore {
  private table = new RouteMatcher();
  private gen = 0;
  private readonly index = routeSearchIndex(() => this.table);
  private readonly shared = new SharedStrings();
  private readonly t: string;
  private readonly genT: string;
  private readonly logT: string;
  private readonly now: () => number;
  private readonly follower: LogFollower;
  private sweepTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private closed = false;
  /** The causal-read prefix on Galera (log-follower.ts), '' elsewhere. */
  private causal = '';

  private constructor(private readonly o: MySqlRouteStoreOptions) {
    this.t = `${q(o.database)}.${q(ROUTE_TABLE)}`;
    this.genT = `${q(o.database)}.${q(ROUTE_GENERATION_TABLE)}`;
    this.logT = `${q(o.database)}.${q(ROUTE_LOG_TABLE)}`;
    this.now = o.now ?? Date.now;
    this.follower = new LogFollower({ ...o, table: this.logT, columns: 'gen, route_key', what: 'route database', now: this.now, handle: (rows) => this.follow(rows) });
  }

  /** Load the current generation, then follow the change log. Throws when the database cannot be read. */
  static async open(o: MySqlRouteStoreOptions): Promise<MySqlRouteStore> {
    const s = new MySqlRouteStore(o);
    s.causal = await causalPrefix(o.pool);
    await s.follower.begin(s.now(), s.causal);
    await s.reload(s.causal);
    s.follower.start();
    s.sweepTimer = setInterval(() => void s.sweep().catch((e) => logUnlessPartitioned(s.o.log, e, () => `route database sweep failed: ${describeMySqlError(e)}`)), o.sweepMs ?? 60_000);
    s.sweepTimer.unref();
    return s;
  }

  // ---- reads: memory only (the matcher is swapped whole on a new generation) ----

  readonly match = (type: RouteType, key: string): readonly (readonly Route[])[] => this.table.match(type, key);
  readonly all = (): readonly Route[] => this.table.all();
  readonly each = (): Iterable<Route> => this.table.each();
  readonly size = (): number => this.table.size();
  readonly search = (query: IndexQuery<string>): IndexPage<Route> => this.index.search(query, () => this.table.size());

  /** The generation served now. */
  get generation(): number {
    return this.gen;
  }

  // ---- writes: every route is checked before anything is written ----

  async put(routes: readonly Route[]): Promise<void> {
    this.assertOpen();
    const clean = this.checkedBatch(routes);
    if (!clean.length) return;
    if (clean.length > (this.o.bulkPut ?? 5000)) return this.bulkPut(clean);
    const gen = await this.write(async (db, g) => {
      await this.insertRows(db, g, clean);
      return clean.map((c) => c.key);
    });
    if (gen !== this.gen) return; // written into a generation this member has not loaded yet: the follower brings it
    for (const c of clean) {
      this.table.put(c.route, c.parsed);
      this.index.changed(c.key);
    }
  }

  async remove(keys: readonly string[]): Promise<number> {
    this.assertOpen();
    const wanted = [...new Set(keys.filter((k) => typeof k === 'string' && k.length <= ROUTE_KEY_MAX))];
    let removed = 0;
    // Not one transaction when very many: each part is (Galera's write-set limit).
    for (let i = 0; i < wanted.length; i += this.o.bulkPut ?? 5000) {
      const part = wanted.slice(i, i + (this.o.bulkPut ?? 5000));
      let found: string[] = [];
      const gen = await this.write(async (db, g) => {
        const rows = await db.query<RowDataPacket[]>(`SELECT route_key FROM ${this.t} WHERE gen = ? AND route_key IN (?) FOR UPDATE`, [g, part]);
        found = rows.map((r) => String(r.route_key));
        if (found.length) await db.query(`DELETE FROM ${this.t} WHERE gen = ? AND route_key IN (?)`, [g, found]);
        return found;
      });
      removed += found.length;
      if (gen !== this.gen) continue;
      for (const k of found) {
        this.table.remove(k);
        this.index.changed(k);
      }
    }
    return removed;
  }

  async replaceAll(routes: readonly Route[]): Promise<void> {
    this.assertOpen();
    const clean = this.checkedBatch(routes);
    const fresh = new RouteMatcher();
    for (const c of clean) fresh.put(c.route, c.parsed);
    const g = await this.newGeneration();
    await this.writeGeneration(g, clean);
    const switched = await this.switchTo(g, 'gen < ?', [g]);
    if (!switched) {
      this.o.log('info', `route database: replacement ${g} was overtaken by a newer one and not used`);
      await this.deleteGeneration(g);
      return;
    }
    this.swap(fresh, g);
    void this.deleteOlder(g);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.follower.stop();
    await this.loading;
    if (this.o.closePool) await this.o.pool.close();
  }

  /** One read of the change log (never two at once). */
  poll(): Promise<void> {
    return this.follower.poll();
  }

  /** Delete old log rows (this member's; anyone's an hour later) and generations older than the current one. */
  async sweep(): Promise<number> {
    const retention = this.now() - (this.o.logRetentionMs ?? 600_000);
    await this.o.pool.query(`DELETE FROM ${this.logT} WHERE at < ? AND (member = ? OR at < ?) LIMIT ${PAGE}`, [retention, this.o.member, retention - 3_600_000]);
    const rows = await this.o.pool.query<RowDataPacket[]>(`SELECT gen FROM ${this.genT} WHERE id = 1`);
    return rows.length ? this.deleteOlder(Number(rows[0].gen)) : 0;
  }

  // ---- writing ----

  private assertOpen(): void {
    if (this.closed) throw new Error('the route database is closed');
  }

  /** Every route checked (the first bad one throws, naming its place), keys within the column. */
  private checkedBatch(routes: readonly Route[]): Checked[] {
    if (!Array.isArray(routes)) throw new Error('route database: routes must be a list');
    return routes.map((r, i) => {
      const c = checkRoute(r);
      const where = `route ${i + 1} of ${routes.length}`;
      if (!c.ok) throw new Error(`route database: ${where}: ${c.reason}`);
      const key = routeKey(c.route);
      if (key.length > ROUTE_KEY_MAX) throw new Error(`route database: ${where}: pattern and next hop are too long together (at most ${ROUTE_KEY_MAX - 20} characters)`);
      return { route: this.shared.route(c.route), parsed: c.parsed, key };
    });
  }

  /**
   * One small transaction on the current generation: bump the change counter (see the
   * header), read the generation, `work`, and a log row per key it returns. Retried on a
   * certification conflict. Returns the generation written.
   */
  private write(work: (db: Db, gen: number) => Promise<string[]>): Promise<number> {
    return retryOnConflict(() =>
      this.o.pool.transaction(async (db) => {
        await db.query(`UPDATE ${this.genT} SET changes = changes + 1 WHERE id = 1`);
        const g = Number((await db.query<RowDataPacket[]>(`SELECT gen FROM ${this.genT} WHERE id = 1`))[0].gen);
        const keys = await work(db, g);
        if (keys.length) await db.query(`INSERT INTO ${this.logT} (gen, route_key, member, at) VALUES ?`, [keys.map((k) => [g, k, this.o.member, this.now()])]);
        return g;
      }),
    );
  }

  private insertRows(db: Db, gen: number, rows: readonly Checked[]): Promise<unknown> {
    return db.query(`INSERT INTO ${this.t} (gen, route_key, data) VALUES ? ON DUPLICATE KEY UPDATE data = VALUES(data)`, [
      rows.map((c) => [gen, c.key, JSON.stringify(toRow(c.route))]),
    ]);
  }

  /** A generation number nobody has used. */
  private newGeneration(): Promise<number> {
    return retryOnConflict(() =>
      this.o.pool.transaction(async (db) => {
        await db.query(`UPDATE ${this.genT} SET next_gen = next_gen + 1 WHERE id = 1`);
        return Number((await db.query<RowDataPacket[]>(`SELECT next_gen - 1 AS g FROM ${this.genT} WHERE id = 1`))[0].g);
      }),
    );
  }

  /** Write `rows` into generation `g`, a chunk per statement (each its own small transaction). */
  private async writeGeneration(g: number, rows: readonly Checked[]): Promise<void> {
    const chunk = this.o.chunk ?? 2000;
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      await retryOnConflict(() => this.insertRows(this.o.pool, g, part));
    }
  }

  /** Make `g` current if `cond` holds on route_generation; logs the switch. False when it did not hold. */
  private switchTo(g: number, cond: string, values: readonly unknown[]): Promise<boolean> {
    return retryOnConflict(() =>
      this.o.pool.transaction(async (db) => {
        const r = await db.query<{ affectedRows: number }>(`UPDATE ${this.genT} SET gen = ?, changes = changes + 1 WHERE id = 1 AND ${cond}`, [g, ...values]);
        if (!r.affectedRows) return false;
        await db.query(`INSERT INTO ${this.logT} (gen, route_key, member, at) VALUES (?, '', ?, ?)`, [g, this.o.member, this.now()]);
        return true;
      }),
    );
  }

  /** A put too big for one transaction: the current generation copied into a new one, the routes written over it, then switched to. */
  private async bulkPut(clean: readonly Checked[]): Promise<void> {
    const chunk = this.o.chunk ?? 2000;
    for (let attempt = 1; ; attempt++) {
      // Causal: a node that has not applied the latest writes would make the switch below fail.
      const [cur] = await this.o.pool.query<RowDataPacket[]>(`${this.causal}SELECT gen, changes FROM ${this.genT} WHERE id = 1`);
      const from = Number(cur.gen);
      const changes = Number(cur.changes);
      const g = await this.newGeneration();
      // Copy in key order; the new generation's highest key so far says where the next chunk starts.
      for (let after = ''; ; ) {
        const r = await retryOnConflict(() =>
          this.o.pool.query<{ affectedRows: number }>(
            `INSERT INTO ${this.t} (gen, route_key, data) SELECT ?, route_key, data FROM ${this.t} WHERE gen = ? AND route_key > ? ORDER BY route_key LIMIT ${chunk}`,
            [g, from, after],
          ),
        );
        if (r.affectedRows < chunk) break;
        after = String((await this.o.pool.query<RowDataPacket[]>(`SELECT MAX(route_key) AS k FROM ${this.t} WHERE gen = ?`, [g]))[0].k);
      }
      await this.writeGeneration(g, clean);
      if (await this.switchTo(g, 'gen = ? AND changes = ?', [from, changes])) {
        await this.reload();
        void this.deleteOlder(g);
        return;
      }
      await this.deleteGeneration(g);
      if (attempt >= BULK_ATTEMPTS) throw new Error(`route database: other members kept changing routes during a put of ${clean.length} routes; it was not applied, try again`);
    }
  }

  /** Delete the rows of generations older than `g`, a chunk at a time; returns how many. Failures are logged (the sweep tries again). */
  private deleteOlder(g: number): Promise<number> {
    return this.deleteRows('gen < ?', g);
  }

  /** Delete the rows of generation `g`, which was never made current. */
  private deleteGeneration(g: number): Promise<number> {
    return this.deleteRows('gen = ?', g);
  }

  private async deleteRows(cond: string, g: number): Promise<number> {
    const chunk = this.o.chunk ?? 2000;
    let n = 0;
    try {
      for (;;) {
        // Two members can delete the same old generation at once (both saw a switch): a
        // certification conflict is retried as writes are, not left to the next sweep.
        const r = await retryOnConflict(() => this.o.pool.query<{ affectedRows: number }>(`DELETE FROM ${this.t} WHERE ${cond} LIMIT ${chunk}`, [g]));
        n += r.affectedRows;
        if (r.affectedRows < chunk || this.closed) return n;
      }
    } catch (e) {
      this.o.log('warn', `route database: deleting the routes of generation${cond.startsWith('gen <') ? 's before' : ''} ${g} failed: ${describeMySqlError(e)}`);
      return n;
    }
  }

  // ---- memory ----

  private swap(fresh: RouteMatcher, g: number): void {
    this.table = fresh;
    this.gen = g;
    this.index.reset();
  }

  /** A stored route, or undefined (logged) when the row is unreadable. */
  private parse(key: string, data: unknown): { route: Route; parsed: Pattern } | undefined {
    let reason: string;
    try {
      const c = checkRoute(fromRow(JSON.parse(String(data))));
      if (c.ok && routeKey(c.route) === key) return { route: this.shared.route(c.route), parsed: c.parsed };
      reason = c.ok ? 'its key does not match the route' : c.reason;
    } catch (e) {
      reason = (e as Error).message;
    }
    this.o.log('warn', `route database: row ${JSON.stringify(key)} is unreadable and ignored: ${reason}`);
    return undefined;
  }

  /** Load the current generation whole (when it is not the one served), one load at a time. */
  private reload(causal = ''): Promise<void> {
    const run = async () => {
      await this.loading;
      await this.loadCurrent(causal);
    };
    const p = run().finally(() => {
      if (this.loading === p) this.loading = undefined;
    });
    this.loading = p;
    return p;
  }

  private async loadCurrent(causal: string): Promise<void> {
    const current = async (prefix: string) => Number((await this.o.pool.query<RowDataPacket[]>(`${prefix}SELECT gen FROM ${this.genT} WHERE id = 1`))[0]?.gen ?? 1);
    let g = await current(causal);
    // Generations only ever grow: an older one is never swapped in over a newer one.
    while (g > this.gen) {
      const started = this.now();
      const fresh = new RouteMatcher();
      for (let after = ''; ; ) {
        const rows = await this.o.pool.query<RowDataPacket[]>(`SELECT route_key, data FROM ${this.t} WHERE gen = ? AND route_key > ? ORDER BY route_key LIMIT ${PAGE}`, [g, after]);
        for (const r of rows) {
          const c = this.parse(String(r.route_key), r.data);
          if (c) fresh.put(c.route, c.parsed);
        }
        if (rows.length < PAGE) break;
        after = String(rows[rows.length - 1].route_key);
      }
      // A generation is deleted only after a newer one became current: if g is still
      // current now, every row of it was there while it was read.
      const now = await current('');
      if (now === g && g > this.gen) {
        this.swap(fresh, g);
        this.o.log('info', `route database: ${fresh.size()} route${fresh.size() === 1 ? '' : 's'} loaded from MySQL (generation ${g}) in ${this.now() - started} ms`);
      }
      g = now;
    }
  }

  /** New log rows: a newer generation is loaded whole; the keys named in the served one are re-read. */
  private async follow(rows: RowDataPacket[]): Promise<void> {
    if (rows.some((r) => Number(r.gen) > this.gen)) await this.reload();
    const g = this.gen;
    const keys = [...new Set(rows.filter((r) => Number(r.gen) === g && r.route_key !== '').map((r) => String(r.route_key)))];
    for (let i = 0; i < keys.length; i += 500) {
      const part = keys.slice(i, i + 500);
      const found = await this.o.pool.query<RowDataPacket[]>(`SELECT route_key, data FROM ${this.t} WHERE gen = ? AND route_key IN (?)`, [g, part]);
      if (this.gen !== g) return; // a newer generation was swapped in meanwhile: these rows are stale
      const present = new Map(found.map((r) => [String(r.route_key), r.data]));
      for (const k of part) {
        const c = present.has(k) ? this.parse(k, present.get(k)) : undefined;
        if (c) this.table.put(c.route, c.parsed);
        else this.table.remove(k);
        this.index.changed(k);
      }
    }
  }
}

export function openMySqlRouteStore(o: MySqlRouteStoreOptions): Promise<MySqlRouteStore> {
  return MySqlRouteStore.open(o);
}
