// The farm location store: registrations shared by every member through MySQL/Galera
// (tables in location-schema.ts).
//
// Reads never touch the database: each member holds every binding in memory, loaded in
// pages at open (a restarted member serves every registration at once) and kept current
// by following location_log. A write is one small transaction: the AOR's row and one log
// row; the writer applies it to its own memory once committed.
//
// Following the log (log-follower.ts, shared with the route store): the AORs named are
// re-read from the location table rather than changes replayed.
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
import { BindingTable } from '../binding-table.js';
import type { IndexPage, IndexQuery } from '../sorted-index.js';
import { fromStored, toStored } from '../embedded/location-store.js';
import { LOCATION_LOG_TABLE, LOCATION_TABLE } from './location-schema.js';
import type { MySqlPool } from './pool.js';
import { describeMySqlError } from './pool.js';
import { logUnlessPartitioned } from './quorum.js';
import { LogFollower, causalPrefix, retryOnConflict } from './log-follower.js';
import type { FarmStoreOptions } from './log-follower.js';
import { q } from './subscriber-store.js';

export interface MySqlLocationStoreOptions extends FarmStoreOptions {
  /** How often this member deletes its expired rows and old log rows. Default 30 s. */
  readonly sweepMs?: number;
  /** After this long expired, anyone's row may be deleted. Default 10 min. */
  readonly orphanGraceMs?: number;
}

const PAGE = 5000;

export class MySqlLocationStore implements LocationStore {
  private readonly table = new BindingTable();
  private readonly t: string;
  private readonly logT: string;
  private readonly now: () => number;
  private readonly follower: LogFollower;
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly o: MySqlLocationStoreOptions) {
    this.t = `${q(o.database)}.${q(LOCATION_TABLE)}`;
    this.logT = `${q(o.database)}.${q(LOCATION_LOG_TABLE)}`;
    this.now = o.now ?? Date.now;
    this.follower = new LogFollower({ ...o, table: this.logT, columns: 'aor', what: 'registry', now: this.now, handle: (rows) => this.reread(rows) });
  }

  /** Load every binding, then follow the change log. Throws when the database cannot be read. */
  static async open(o: MySqlLocationStoreOptions): Promise<MySqlLocationStore> {
    const s = new MySqlLocationStore(o);
    await s.loadAll();
    s.follower.start();
    s.sweepTimer = setInterval(() => void s.sweep().catch((e) => logUnlessPartitioned(s.o.log, e, () => `registry sweep failed: ${describeMySqlError(e)}`)), o.sweepMs ?? 30_000);
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
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.follower.stop();
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
    await retryOnConflict(() =>
      this.o.pool.transaction(async (db) => {
        if ((await work(db)) === false) return;
        await db.query(`INSERT INTO ${this.logT} (aor, member, at) VALUES (?, ?, ?)`, [aor, this.o.member, this.now()]);
      }),
    );
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
    // The first read is causal (log-follower.ts): nothing committed before the open is missed.
    await this.follower.begin(started, await causalPrefix(this.o.pool));
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

  /** One read of the change log (never two at once). */
  poll(): Promise<void> {
    return this.follower.poll();
  }

  /** Re-read the AORs that log rows name. */
  private async reread(rows: RowDataPacket[]): Promise<void> {
    const aors = new Set(rows.map((r) => String(r.aor)));
    const list = [...aors];
    for (let i = 0; i < list.length; i += 500) {
      const part = list.slice(i, i + 500);
      const found = await this.o.pool.query<RowDataPacket[]>(`SELECT aor, dynamic, statics FROM ${this.t} WHERE aor IN (?)`, [part]);
      const at = this.now();
      for (const r of found) this.applyRow(r, at);
      const present = new Set(found.map((r) => String(r.aor)));
      for (const aor of part) if (!present.has(aor)) this.table.set(aor, [], []);
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
