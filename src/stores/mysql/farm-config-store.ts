// The farm's configuration generations in the shared database (farm-config-schema.ts):
// `sip farm push` and pserver write a generation, each sipd member reads the newest one,
// applies it to its own sipd.conf and records its outcome, and the pusher reads the
// outcomes back. Every statement is parameterised; a member's reads are causal on Galera
// (causalPrefix), so a member never misses a generation committed through another node.
import type { RowDataPacket } from 'mysql2/promise';
import { FARM_CONFIG_HEAD_TABLE, FARM_CONFIG_OUTCOME_TABLE, FARM_CONFIG_TABLE } from './farm-config-schema.js';
import { causalPrefix, retryOnConflict } from './log-follower.js';
import type { MySqlPool } from './pool.js';
import { q } from './subscriber-store.js';

/** Directive name → one argument text per line (as written in sipd.conf); [] switches it off. */
export type FarmValues = Readonly<Record<string, readonly string[]>>;

export interface FarmGeneration {
  readonly gen: number;
  /** Every farm-wide value pushed so far (this push merged over the previous generation). */
  readonly directives: FarmValues;
  /** What this push itself set. */
  readonly pushed: FarmValues;
  /** The push allows members to run a full restart when a changed directive needs one. */
  readonly allowRestart: boolean;
  readonly pushedBy: string;
  readonly pushedAt: number;
}

export type OutcomeState = 'applied' | 'unchanged' | 'invalid' | 'restart-pending' | 'failed';
export const OUTCOME_STATES: readonly OutcomeState[] = ['applied', 'unchanged', 'invalid', 'restart-pending', 'failed'];

export interface FarmOutcome {
  readonly gen: number;
  readonly member: string;
  readonly state: OutcomeState;
  /** What the member ran: none, graceful or restart. */
  readonly operation: 'none' | 'graceful' | 'restart';
  /** Messages: file:line:col: text for an invalid result, the directives waiting for a restart, an error. */
  readonly detail: readonly string[];
  /** Names the member goes by (ServerName, host name, listen addresses), lower case. */
  readonly names: readonly string[];
  readonly at: number;
}

/** A JSON text of FarmValues read back from the table; anything else is dropped (never thrown). */
export function parseFarmValues(text: string): Record<string, string[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  const out: Record<string, string[]> = {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (/^[A-Za-z_]\w{0,63}$/.test(k) && Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
  }
  return out;
}

function stringList(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export class FarmConfigTable {
  private causal: string | undefined;

  constructor(
    private readonly pool: MySqlPool,
    private readonly database: string,
  ) {}

  private t(name: string): string {
    return `${q(this.database)}.${q(name)}`;
  }

  private async prefix(): Promise<string> {
    this.causal ??= await causalPrefix(this.pool);
    return this.causal;
  }

  /**
   * Write a new generation: `values` merged over the newest one. The head row is bumped in
   * the same transaction, so concurrent pushes are serialised (a certification conflict is
   * retried). Returns the generation written.
   */
  async push(values: FarmValues, o: { allowRestart: boolean; by: string; now?: number }): Promise<FarmGeneration> {
    return retryOnConflict(() =>
      this.pool.transaction(async (db) => {
        const head = await db.query<RowDataPacket[]>(`SELECT ${q('gen')} FROM ${this.t(FARM_CONFIG_HEAD_TABLE)} WHERE ${q('id')} = 1 FOR UPDATE`);
        if (!head.length) throw new Error(`${this.database}.${FARM_CONFIG_HEAD_TABLE} has no row: run install_mysql_db to create the farm configuration tables`);
        const prev = Number(head[0].gen);
        const before = prev ? await db.query<RowDataPacket[]>(`SELECT ${q('directives')} FROM ${this.t(FARM_CONFIG_TABLE)} WHERE ${q('gen')} = ?`, [prev]) : [];
        const directives = { ...(before.length ? parseFarmValues(String(before[0].directives)) : {}), ...values };
        const gen = prev + 1;
        const at = o.now ?? Date.now();
        await db.query(`UPDATE ${this.t(FARM_CONFIG_HEAD_TABLE)} SET ${q('gen')} = ? WHERE ${q('id')} = 1`, [gen]);
        await db.query(
          `INSERT INTO ${this.t(FARM_CONFIG_TABLE)} (${q('gen')}, ${q('directives')}, ${q('pushed')}, ${q('allow_restart')}, ${q('pushed_by')}, ${q('pushed_at')}) VALUES (?, ?, ?, ?, ?, ?)`,
          [gen, JSON.stringify(directives), JSON.stringify(values), o.allowRestart ? 1 : 0, o.by.slice(0, 255), at],
        );
        return { gen, directives, pushed: values, allowRestart: o.allowRestart, pushedBy: o.by, pushedAt: at };
      }),
    );
  }

  /** The newest generation (or a given one); undefined when none was ever pushed. */
  async generation(gen?: number): Promise<FarmGeneration | undefined> {
    const where = gen === undefined ? `ORDER BY ${q('gen')} DESC LIMIT 1` : `WHERE ${q('gen')} = ?`;
    const rows = await this.pool.query<RowDataPacket[]>(
      `${await this.prefix()}SELECT ${q('gen')}, ${q('directives')}, ${q('pushed')}, ${q('allow_restart')}, ${q('pushed_by')}, ${q('pushed_at')} FROM ${this.t(FARM_CONFIG_TABLE)} ${where}`,
      gen === undefined ? [] : [gen],
    );
    if (!rows.length) return undefined;
    const r = rows[0];
    return {
      gen: Number(r.gen),
      directives: parseFarmValues(String(r.directives)),
      pushed: parseFarmValues(String(r.pushed)),
      allowRestart: Number(r.allow_restart) === 1,
      pushedBy: String(r.pushed_by),
      pushedAt: Number(r.pushed_at),
    };
  }

  /** The newest generation this member recorded an outcome for (0: none). */
  async lastHandled(member: string): Promise<number> {
    const rows = await this.pool.query<RowDataPacket[]>(`${await this.prefix()}SELECT COALESCE(MAX(${q('gen')}), 0) AS g FROM ${this.t(FARM_CONFIG_OUTCOME_TABLE)} WHERE ${q('member')} = ?`, [member]);
    return Number(rows[0].g);
  }

  async record(o: Omit<FarmOutcome, 'at'> & { at?: number }): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.t(FARM_CONFIG_OUTCOME_TABLE)} (${q('gen')}, ${q('member')}, ${q('state')}, ${q('operation')}, ${q('detail')}, ${q('names')}, ${q('at')}) VALUES (?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE ${q('state')} = VALUES(${q('state')}), ${q('operation')} = VALUES(${q('operation')}), ${q('detail')} = VALUES(${q('detail')}), ${q('names')} = VALUES(${q('names')}), ${q('at')} = VALUES(${q('at')})`,
      [o.gen, o.member.slice(0, 64), o.state, o.operation, JSON.stringify(o.detail), JSON.stringify(o.names), o.at ?? Date.now()],
    );
  }

  /** Each member's newest outcome for a generation at or after `gen` (a later one means it was superseded). */
  async outcomes(gen: number): Promise<FarmOutcome[]> {
    const rows = await this.pool.query<RowDataPacket[]>(
      `${await this.prefix()}SELECT o.${q('gen')}, o.${q('member')}, o.${q('state')}, o.${q('operation')}, o.${q('detail')}, o.${q('names')}, o.${q('at')}
FROM ${this.t(FARM_CONFIG_OUTCOME_TABLE)} o
JOIN (SELECT ${q('member')}, MIN(${q('gen')}) AS g FROM ${this.t(FARM_CONFIG_OUTCOME_TABLE)} WHERE ${q('gen')} >= ? GROUP BY ${q('member')}) m
  ON m.${q('member')} = o.${q('member')} AND m.g = o.${q('gen')}
ORDER BY o.${q('member')}`,
      [gen],
    );
    return rows.map((r) => ({
      gen: Number(r.gen),
      member: String(r.member),
      state: (OUTCOME_STATES as readonly string[]).includes(String(r.state)) ? (String(r.state) as OutcomeState) : 'failed',
      operation: r.operation === 'graceful' || r.operation === 'restart' ? r.operation : 'none',
      detail: stringList(String(r.detail)),
      names: stringList(String(r.names)),
      at: Number(r.at),
    }));
  }
}
