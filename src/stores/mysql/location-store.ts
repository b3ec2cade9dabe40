// The farm location store: registrations shared by every member through MySQL/Galera
// (tables in location-schema.ts).
//
// Reads never touch the database: each member holds every binding in memory, loaded in
// pages at open (a restarted member serves every registration at once) and kept current
// by following location_log. A write is one small transaction: the AOR's row and one log
// row; the writer applies it to its own memory once committed.
//
// Following the log: Galera hands out auto-increment ids interleaved per node, so two
// concurrent commits can become visible out of id order. Each poll reads the ids above the
// highest seen; about every 500 ms a poll reads instead everything above a floor that
// trails by `lookbackMs` (so a late, lower id is still found), skipping ids already seen.
// The AORs named are re-read from the location table rather than changes replayed:
// re-reading is idempotent and order-free, so a late id can never bring back an old state.
//
// Expiry is decided by the data: a binding's expiry time is in its row, and every member
// drops expired bindings from memory by time (purgeExpired), with no message between
// members. Rows are deleted by the member that last wrote them (its periodic sweep), with
// a conditional DELETE (expired and unchanged since), so N members do not race for the
// same rows (on Galera those races end in certification conflicts); a row whose writer
// has gone is swept by any member once it has been expired for `orphanGraceMs`. Sweeps
// write no log rows: every member has already dropped those bindings.
import type { RowDataPacket } from 'mysql2/promise';
import type { Binding, LocationStore } from '../location-store.js';
import type { StoreLog } from '../store-log.js';
import { BindingTable } from '../binding-table.js';
import type { IndexPage, IndexQuery } from '../sorted-index.js';
import { fromStored, toStored } from '../embedded/location-store.js';
import { LOCATION_LOG_TABLE, LOCATION_TABLE } from './location-schema.js';
import type { MySqlPool } from './pool.js';
import { describeMySqlError } from './pool.js';
import { q } from './subscriber-store.js';

export interface MySqlLocationStoreOptions {
  readonly pool: MySqlPool;
  /** Database holding the location tables (DB_MySQL_DB). */
  readonly database: string;
  /** This member's name (at most 64 characters), recorded on the rows it writes. */
  readonly member: string;
  readonly log: StoreLog;
  /** How often the change log is read. Default 150 ms. */
  readonly pollMs?: number;
  /** How far behind the newest id the poll floor trails. Default 10 s. */
  readonly lookbackMs?: number;
  /** How often this member deletes its expired rows and old log rows. Default 30 s. */
  readonly sweepMs?: number;
  /** After this long expired, anyone's row may be deleted. Default 10 min. */
  readonly orphanGraceMs?: number;
  /** Log rows older than this are deleted. Default 10 min. */
  readonly logRetentionMs?: number;
  readonly now?: () => number;
  /** Close the pool with the store (it was opened for this store alone). */
  readonly closePool?: boolean;
}

const PAGE = 5000;
const RETRIES = 4;
/** ER_LOCK_DEADLOCK: what a Galera certification conflict looks like to the client. */
const isConflict = (e: unknown) => (e as { errno?: number } | undefined)?.errno === 1213;
const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

export class MySqlLocationStore implements LocationStore {
  private readonly table = new BindingTable();
  private readonly t: string;
  private readonly logT: string;
  private readonly now: () => number;
  private floor = 0;
  /** The highest log id seen. */
  private high = 0;
  private polls = 0;
  /** Log ids above the floor already handled, with when they were first seen. */
  private readonly seen = new Map<number, number>();
  private pollTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  private failing = false;

  private constructor(private readonly o: MySqlLocationStoreOptions) {
    this.t = `${q(o.database)}.${q(LOCATION_TABLE)}`;
    this.logT = `${q(o.database)}.${q(LOCATION_LOG_TABLE)}`;
    this.now = o.now ?? Date.now;
  }

  /** Load every binding, then follow the change log. Throws when the database cannot be read. */
  static async open(o: MySqlLocationStoreOptions): Promise<MySqlLocationStore> {
    const s = new MySqlLocationStore(o);
    await s.loadAll();
    s.pollTimer = setInterval(() => void s.poll(), o.pollMs ?? 150);
    s.pollTimer.unref();
    s.sweepTimer = setInterval(() => void s.sweep().catch((e) => s.o.log('warn', `registry sweep failed: ${describeMySqlError(e)}`)), o.sweepMs ?? 30_000);
    s.sweepTimer.unref();
    return s;
  }

  // ---- reads: memory only, all in the shared BindingTable ----

  readonly get = (aor: string): readonly Binding[] => this.table.get(aor);
  readonly size = (): number => this.table.size();
  readonly activeCount = (now: number): number => this.table.activeCount(now);
  readonly entries = (): IterableIterator<[string, readonly Binding[]]> => this.table.entries();
  readonly search = (q: IndexQuery<string>, now: number): IndexPage<Binding> => this.table.search(q, now);
  /** Memory only: the rows are deleted by sweep(). */
  readonly purgeExpired = (now: number): number => this.table.purgeExpired(now);

  // ---- writes ----

  async put(aor: string, bindings: readonly Binding[]): Promise<void> {
    const dyn = bindings.map((b) => ({ ...b, aor, static: false }));
    await this.write(aor, async (db) => {
      const expires = dyn.length ? Math.max(...dyn.map((b) => b.expiresAt)) : null;
      await db.query(
        `INSERT INTO ${this.t} (aor, dynamic, statics, expires_at, member, updated) VALUES (?, ?, '[]', ?, ?, ?)
         ON DUPLICATE KEY UPDATE dynamic = VALUES(dynamic), expires_at = VALUES(expires_at), member = VALUES(member), updated = VALUES(updated)`,
        [aor, JSON.stringify(dyn.map(toStored)), expires !== null && Number.isFinite(expires) ? expires : null, this.o.member, this.now()],
      );
      if (!dyn.length) await db.query(`DELETE FROM ${this.t} WHERE aor = ? AND dynamic = '[]' AND statics = '[]'`, [aor]);
    });
    if (!this.closed) this.table.set(aor, dyn, this.table.staticsOf(aor));
  }

  removeAll(aor: string): Promise<void> {
    return this.put(aor, []);
  }

  async setStatic(aor: string, binding: Binding): Promise<void> {
    const b: Binding = { ...binding, aor, static: true, expiresAt: Infinity };
    const statics = await this.changeStatics(aor, (list) => [...list.filter((x) => x.contact !== b.contact), b]);
    if (statics) this.table.set(aor, this.table.dynamicOf(aor), statics);
  }

  async removeStatic(aor: string, contact: string): Promise<boolean> {
    let found = false;
    const statics = await this.changeStatics(aor, (list) => {
      found = list.some((x) => x.contact === contact);
      return found ? list.filter((x) => x.contact !== contact) : undefined;
    });
    if (statics) this.table.set(aor, this.table.dynamicOf(aor), statics);
    return found;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.polling;
    if (this.o.closePool) await this.o.pool.close();
  }

  /** Read-modify-write of the AOR's static list; undefined when `change` declines. */
  private async changeStatics(aor: string, change: (list: Binding[]) => Binding[] | undefined): Promise<Binding[] | undefined> {
    let result: Binding[] | undefined;
    await this.write(aor, async (db) => {
      const rows = await db.query<RowDataPacket[]>(`SELECT statics FROM ${this.t} WHERE aor = ? FOR UPDATE`, [aor]);
      result = change(rows.length ? this.parseList(aor, rows[0].statics, true) : []);
      if (!result) return false;
      const text = JSON.stringify(result.map(toStored));
      await db.query(
        `INSERT INTO ${this.t} (aor, dynamic, statics, expires_at, member, updated) VALUES (?, '[]', ?, NULL, ?, ?)
         ON DUPLICATE KEY UPDATE statics = VALUES(statics), updated = VALUES(updated)`,
        [aor, text, this.o.member, this.now()],
      );
      if (!result.length) await db.query(`DELETE FROM ${this.t} WHERE aor = ? AND dynamic = '[]' AND statics = '[]'`, [aor]);
      return true;
    });
    return result;
  }

  /** One transaction: `work` (false: nothing to log) and the log row; retried on a certification conflict. */
  private async write(aor: string, work: (db: Parameters<Parameters<MySqlPool['transaction']>[0]>[0]) => Promise<unknown>): Promise<void> {
    if (this.closed) throw new Error('the registry is closed');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.pool.transaction(async (db) => {
          if ((await work(db)) === false) return;
          await db.query(`INSERT INTO ${this.logT} (aor, member, at) VALUES (?, ?, ?)`, [aor, this.o.member, this.now()]);
        });
        return;
      } catch (e) {
        if (!isConflict(e) || attempt >= RETRIES) throw e;
      }
    }
  }

  // ---- memory ----

  /** A stored JSON list; a bad one is logged and read as empty (bad data never stops the member). */
  private parseList(aor: string, text: unknown, isStatic: boolean): Binding[] {
    try {
      const list: unknown = JSON.parse(String(text));
      if (!Array.isArray(list)) throw new Error('not a list');
      const out = list.map((x) => fromStored(aor, x, isStatic));
      if (out.some((b) => b === undefined)) throw new Error('a binding has the wrong shape');
      return out as Binding[];
    } catch (e) {
      this.o.log('warn', `registry row ${JSON.stringify(aor)} (${isStatic ? 'static' : 'dynamic'} bindings) is unreadable and ignored: ${(e as Error).message}`);
      return [];
    }
  }

  private applyRow(r: RowDataPacket, now: number): void {
    const aor = String(r.aor);
    this.table.set(aor, this.parseList(aor, r.dynamic, false).filter((b) => b.expiresAt > now), this.parseList(aor, r.statics, true));
  }

  // ---- loading and following ----

  private async loadAll(): Promise<void> {
    const started = this.now();
    // On Galera the node read may not yet have applied what was just committed through
    // another node: the first read waits until it has (wsrep_sync_wait), and the later
    // reads on that node see at least as much, so nothing committed before the open is
    // missed. Plain MySQL has no such lag (and no such variable).
    const causal = (await this.onGalera()) ? 'SET STATEMENT wsrep_sync_wait = 1 FOR ' : '';
    // Log rows newer than the lookback are read again by the first poll (harmless).
    const f = await this.o.pool.query<RowDataPacket[]>(`${causal}SELECT COALESCE(MAX(id), 0) AS f FROM ${this.logT} WHERE at < ?`, [started - (this.o.lookbackMs ?? 10_000)]);
    this.floor = Number(f[0].f);
    this.high = this.floor;
    let after = '';
    for (;;) {
      const rows = await this.o.pool.query<RowDataPacket[]>(`SELECT aor, dynamic, statics FROM ${this.t} WHERE aor > ? ORDER BY aor LIMIT ${PAGE}`, [after]);
      const now = this.now();
      for (const r of rows) this.applyRow(r, now);
      if (rows.length < PAGE) break;
      after = String(rows[rows.length - 1].aor);
    }
    this.o.log('info', `registry: ${this.table.size()} binding${this.table.size() === 1 ? '' : 's'} of ${this.table.aors()} AOR${this.table.aors() === 1 ? '' : 's'} loaded from MySQL in ${this.now() - started} ms`);
  }

  /** Whether the server is a Galera node with replication on (@@wsrep_on is unknown to MySQL: not Galera). */
  private async onGalera(): Promise<boolean> {
    try {
      const rows = await this.o.pool.query<RowDataPacket[]>('SELECT @@wsrep_on AS w');
      return Number(rows[0].w) === 1;
    } catch (e) {
      if ((e as { errno?: number }).errno === ER_UNKNOWN_SYSTEM_VARIABLE) return false;
      throw e;
    }
  }

  /** One read of the change log (never two at once). */
  poll(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.polling ??= this.pollOnce()
      .then(() => {
        if (this.failing) this.o.log('info', 'registry: following the shared change log again');
        this.failing = false;
      })
      .catch((e) => {
        if (!this.failing) this.o.log('warn', `registry: cannot read the shared change log (serving from memory until it is back): ${describeMySqlError(e)}`);
        this.failing = true;
      })
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const recheck = this.polls++ % Math.max(1, Math.round(500 / (this.o.pollMs ?? 150))) === 0;
    const rows = await this.o.pool.query<RowDataPacket[]>(
      `SELECT id, aor FROM ${this.logT} WHERE id > ? ORDER BY id LIMIT ${recheck ? PAGE * 20 : PAGE}`,
      [recheck ? this.floor : this.high],
    );
    const now = this.now();
    const aors = new Set<string>();
    for (const r of rows) {
      const id = Number(r.id);
      if (this.seen.has(id)) continue;
      this.seen.set(id, now);
      if (id > this.high) this.high = id;
      aors.add(String(r.aor));
    }
    const list = [...aors];
    for (let i = 0; i < list.length; i += 500) {
      const part = list.slice(i, i + 500);
      const found = await this.o.pool.query<RowDataPacket[]>(`SELECT aor, dynamic, statics FROM ${this.t} WHERE aor IN (?)`, [part]);
      const at = this.now();
      for (const r of found) this.applyRow(r, at);
      const present = new Set(found.map((r) => String(r.aor)));
      for (const aor of part) if (!present.has(aor)) this.table.set(aor, [], []);
    }
    // Raise the floor past ids seen long enough ago that no lower id can still turn up.
    const old = now - (this.o.lookbackMs ?? 10_000);
    let floor = this.floor;
    for (const [id, at] of this.seen) if (at <= old && id > floor) floor = id;
    if (floor !== this.floor) {
      this.floor = floor;
      for (const id of this.seen.keys()) if (id <= floor) this.seen.delete(id);
    }
  }

  /** Delete this member's expired rows (anyone's after the grace) and old log rows. Returns rows deleted. */
  async sweep(): Promise<number> {
    const now = this.now();
    const orphan = now - (this.o.orphanGraceMs ?? 600_000);
    const mine = `expires_at <= ? AND (member = ? OR expires_at <= ?)`;
    const a = await this.o.pool.query<{ affectedRows: number }>(`DELETE FROM ${this.t} WHERE ${mine} AND statics = '[]' LIMIT 1000`, [now, this.o.member, orphan]);
    const b = await this.o.pool.query<{ affectedRows: number }>(
      `UPDATE ${this.t} SET dynamic = '[]', expires_at = NULL WHERE ${mine} AND statics <> '[]' LIMIT 1000`,
      [now, this.o.member, orphan],
    );
    const retention = now - (this.o.logRetentionMs ?? 600_000);
    await this.o.pool.query(`DELETE FROM ${this.logT} WHERE at < ? AND (member = ? OR at < ?) LIMIT 5000`, [retention, this.o.member, retention - 3_600_000]);
    return a.affectedRows + b.affectedRows;
  }
}

export function openMySqlLocationStore(o: MySqlLocationStoreOptions): Promise<MySqlLocationStore> {
  return MySqlLocationStore.open(o);
}
