// Following a shared change log (location_log, route_log): what the farm stores share.
//
// Every member keeps the whole table in memory and learns of other members' writes from a
// log table with an auto-increment id. Galera hands out those ids interleaved per node, so
// two concurrent commits can become visible out of id order. Each poll reads the ids above
// the highest seen; about every 500 ms a poll reads instead everything above a floor that
// trails by `lookbackMs` (so a late, lower id is still found), skipping ids already seen.
// The store is handed each new row once and re-reads what it names (idempotent and
// order-free, so a late id can never bring back an old state).
import type { RowDataPacket } from 'mysql2/promise';
import type { StoreLog } from '../store-log.js';
import type { MySqlPool } from './pool.js';
import { describeMySqlError } from './pool.js';
import { logUnlessPartitioned } from './quorum.js';

const PAGE = 5000;
const RETRIES = 4;
const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

/** ER_LOCK_DEADLOCK: what a Galera certification conflict looks like to the client. */
export const isConflict = (e: unknown): boolean => (e as { errno?: number } | undefined)?.errno === 1213;

/** Run `fn` (one transaction) again when it loses a certification conflict, a few times. */
export async function retryOnConflict<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isConflict(e) || attempt >= RETRIES) throw e;
    }
  }
}

/**
 * The prefix that makes a statement a causal read on Galera: the node waits until it has
 * applied everything committed anywhere before (wsrep_sync_wait), so a member opening
 * through a lagging node misses nothing. Plain MySQL has no such lag (and no such variable): ''.
 */
export async function causalPrefix(pool: MySqlPool): Promise<string> {
  try {
    const rows = await pool.query<RowDataPacket[]>('SELECT @@wsrep_on AS w');
    return Number(rows[0].w) === 1 ? 'SET STATEMENT wsrep_sync_wait = 1 FOR ' : '';
  } catch (e) {
    if ((e as { errno?: number }).errno === ER_UNKNOWN_SYSTEM_VARIABLE) return '';
    throw e;
  }
}

/** What every farm store (registrations, routes) is opened with. */
export interface FarmStoreOptions {
  readonly pool: MySqlPool;
  /** Database holding the store's tables (DB_MySQL_DB). */
  readonly database: string;
  /** This member's name (at most 64 characters), recorded on the rows it writes. */
  readonly member: string;
  readonly log: StoreLog;
  /** How often the change log is read. Default 150 ms. */
  readonly pollMs?: number;
  /** How far behind the newest id the poll floor trails. Default 10 s. */
  readonly lookbackMs?: number;
  /** Log rows older than this are deleted. Default 10 min. */
  readonly logRetentionMs?: number;
  readonly now?: () => number;
  /** Close the pool with the store (it was opened for this store alone). */
  readonly closePool?: boolean;
}

export interface LogFollowerOptions {
  readonly pool: MySqlPool;
  /** The log table, quoted (`db`.`table`): columns id and at (ms), and those in `columns`. */
  readonly table: string;
  /** The other columns each row brings (e.g. "aor"). */
  readonly columns: string;
  /** How the store names itself in messages ("registry", "route database"). */
  readonly what: string;
  readonly log: StoreLog;
  /** How often the log is read. Default 150 ms. */
  readonly pollMs?: number;
  /** How far behind the newest id the poll floor trails. Default 10 s. */
  readonly lookbackMs?: number;
  readonly now: () => number;
  /** The rows not handed over before, in id order. */
  readonly handle: (rows: RowDataPacket[]) => Promise<void>;
}

export class LogFollower {
  private floor = 0;
  /** The highest log id seen. */
  private high = 0;
  private polls = 0;
  /** Log ids above the floor already handled, with when they were first seen. */
  private readonly seen = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  private failing: false | 'logged' | 'quiet' = false;

  constructor(private readonly o: LogFollowerOptions) {}

  private get lookback(): number {
    return this.o.lookbackMs ?? 10_000;
  }

  /**
   * Call before loading the table (read with `causal`, see causalPrefix): rows logged from
   * `lookback` before `started` on are read again by the first poll (harmless), so nothing
   * committed during the load is missed.
   */
  async begin(started: number, causal: string): Promise<void> {
    const f = await this.o.pool.query<RowDataPacket[]>(`${causal}SELECT COALESCE(MAX(id), 0) AS f FROM ${this.o.table} WHERE at < ?`, [started - this.lookback]);
    this.floor = Number(f[0].f);
    this.high = this.floor;
  }

  /** Poll every pollMs from now on. */
  start(): void {
    this.timer = setInterval(() => void this.poll(), this.o.pollMs ?? 150);
    this.timer.unref();
  }

  /** One read of the log (never two at once); failures are logged once, and their end. */
  poll(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.polling ??= this.pollOnce()
      .then(() => {
        if (this.failing === 'logged') this.o.log('info', `${this.o.what}: following the shared change log again`);
        this.failing = false;
      })
      .catch((e) => {
        // A partition was logged by the quorum watch, with its recovery: not again here.
        if (!this.failing) this.failing = logUnlessPartitioned(this.o.log, e, () => `${this.o.what}: cannot read the shared change log (serving from memory until it is back): ${describeMySqlError(e)}`) ? 'logged' : 'quiet';
      })
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  private async pollOnce(): Promise<void> {
    const recheck = this.polls++ % Math.max(1, Math.round(500 / (this.o.pollMs ?? 150))) === 0;
    const rows = await this.o.pool.query<RowDataPacket[]>(
      `SELECT id, ${this.o.columns} FROM ${this.o.table} WHERE id > ? ORDER BY id LIMIT ${recheck ? PAGE * 20 : PAGE}`,
      [recheck ? this.floor : this.high],
    );
    const now = this.o.now();
    const fresh: RowDataPacket[] = [];
    for (const r of rows) {
      const id = Number(r.id);
      if (this.seen.has(id)) continue;
      this.seen.set(id, now);
      if (id > this.high) this.high = id;
      fresh.push(r);
    }
    if (fresh.length) {
      try {
        await this.o.handle(fresh);
      } catch (e) {
        // Not handled: the next recheck (from the floor) finds these ids again.
        for (const r of fresh) this.seen.delete(Number(r.id));
        throw e;
      }
    }
    // Raise the floor past ids seen long enough ago that no lower id can still turn up.
    const old = now - this.lookback;
    let floor = this.floor;
    for (const [id, at] of this.seen) if (at <= old && id > floor) floor = id;
    if (floor !== this.floor) {
      this.floor = floor;
      for (const id of this.seen.keys()) if (id <= floor) this.seen.delete(id);
    }
  }
}
