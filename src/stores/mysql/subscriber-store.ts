// The MySQL subscriber store: the table named by DB_MySQL_SubscriberTable, whose columns
// the DB_MySQL_*_Field directives name (so an existing table with other column names can
// be used as it is). Values always travel as bound parameters; table and column names,
// which come from sipd.conf, are quoted with mysql2's escapeId.
//
// The table's columns are read once (SHOW COLUMNS) and again after an "unknown column"
// error: a mapped field whose column the table lacks reads as empty, and writing a
// non-empty value to it is refused. Only the user column is required.
//
// The password column holds our HA1 text form (src/stores/secret.ts encodeSecret) or, in
// an older table, the password itself; both are read.
import mysql from 'mysql2/promise';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { ConfigValues } from '../../config/values.js';
import { decodeSecret, encodeSecret } from '../secret.js';
import { StoreUnavailableError, SubscriberValidationError, USER_UNIQUE_CHARS, validateSubscriber } from '../subscriber-store.js';
import type { SearchableSubscriberStore, Subscriber, SubscriberPage, SubscriberQuery, SubscriberSearchField } from '../subscriber-store.js';
import { COUNT_CAP, finishPage, isWildcard } from '../search.js';
import type { SortKey } from '../search.js';
import type { StoreLog } from '../store-log.js';
import type { MySqlPool } from './pool.js';
import { describeMySqlError } from './pool.js';

/** A stored field: each of the record's, with the secret kept in the password column. */
export type SubscriberField = Exclude<keyof Subscriber, 'secret'> | 'password';

/** Column of each subscriber field. */
export type SubscriberColumns = { readonly [F in SubscriberField]: string };

export const DEFAULT_COLUMNS: SubscriberColumns = {
  user: 'user_id',
  domain: 'domain',
  password: 'password',
  firstName: 'first_name',
  middleName: 'middle_name',
  lastName: 'last_name',
  cfu: 'dest_url_cfu',
  cfb: 'dest_url_cfb',
  cfna: 'dest_url_cfna',
  cfunv: 'dest_url_cfunv',
  redirectDnPrivacy: 'redirect_dn_privacy',
};

type MySqlValues = Pick<
  ConfigValues,
  | 'DB_MySQL_UserId_Field'
  | 'DB_MySQL_Domain_Field'
  | 'DB_MySQL_Password_Field'
  | 'DB_MySQL_FirstName_Field'
  | 'DB_MySQL_MiddleName_Field'
  | 'DB_MySQL_LastName_Field'
  | 'DB_MySQL_DestUrlCfu_Field'
  | 'DB_MySQL_DestUrlCfb_Field'
  | 'DB_MySQL_DestUrlCfna_Field'
  | 'DB_MySQL_DestUrlCfunv_Field'
  | 'DB_MySQL_RedirectDnPrivacy_Field'
>;

/** The column map the DB_MySQL_*_Field directives give. */
export function columnsFromConfig(v: MySqlValues): SubscriberColumns {
  return {
    user: v.DB_MySQL_UserId_Field,
    domain: v.DB_MySQL_Domain_Field,
    password: v.DB_MySQL_Password_Field,
    firstName: v.DB_MySQL_FirstName_Field,
    middleName: v.DB_MySQL_MiddleName_Field,
    lastName: v.DB_MySQL_LastName_Field,
    cfu: v.DB_MySQL_DestUrlCfu_Field,
    cfb: v.DB_MySQL_DestUrlCfb_Field,
    cfna: v.DB_MySQL_DestUrlCfna_Field,
    cfunv: v.DB_MySQL_DestUrlCfunv_Field,
    redirectDnPrivacy: v.DB_MySQL_RedirectDnPrivacy_Field,
  };
}

const FIELDS = Object.keys(DEFAULT_COLUMNS) as SubscriberField[];
const TEXT_FIELDS = ['firstName', 'middleName', 'lastName', 'cfu', 'cfb', 'cfna', 'cfunv'] as const;
/** The deadline of a whole CSV import (one transaction): a million rows take minutes. */
const IMPORT_TIMEOUT_MS = 30 * 60_000;

/** A quoted identifier (names are checked by the directives; escapeId quotes what is left). */
export const q = (name: string): string => mysql.escapeId(name);

/** The columns the table really has: name (lower case) → SQL type. */
type TableShape = Map<string, string>;

export interface MySqlSubscriberStoreOptions {
  readonly pool: MySqlPool;
  /** Database name (DB_MySQL_DB); table references are qualified with it. */
  readonly database: string;
  readonly table: string;
  readonly columns?: SubscriberColumns;
  readonly log: StoreLog;
}

const truthy = (v: unknown): boolean => {
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0;
  if (Buffer.isBuffer(v)) return v.some((b) => b !== 0 && b !== 0x30);
  if (typeof v === 'string') return /^(1|y|yes|true|on)$/i.test(v.trim());
  return v === true;
};

export class MySqlSubscriberStore implements SearchableSubscriberStore {
  private readonly pool: MySqlPool;
  private readonly cols: SubscriberColumns;
  private readonly tableRef: string;
  private readonly log: StoreLog;
  private shape: TableShape | undefined;

  constructor(o: MySqlSubscriberStoreOptions) {
    this.pool = o.pool;
    this.cols = o.columns ?? DEFAULT_COLUMNS;
    this.tableRef = `${q(o.database)}.${q(o.table)}`;
    this.log = o.log;
  }

  async get(user: string, domain = ''): Promise<Subscriber | undefined> {
    return this.guard(async () => {
      const shape = await this.tableShape();
      const [where, values] = this.keyWhere(shape, user, domain);
      const rows = await this.pool.query<RowDataPacket[]>(`SELECT ${this.selectList(shape)} FROM ${this.tableRef} WHERE ${where} LIMIT 1`, values);
      return rows.length ? this.fromRow(rows[0]) : undefined;
    });
  }

  async list(): Promise<Subscriber[]> {
    return this.guard(async () => {
      const shape = await this.tableShape();
      const order = [this.has(shape, 'domain') ? q(this.cols.domain) : '', q(this.cols.user)].filter(Boolean).join(', ');
      const rows = await this.pool.query<RowDataPacket[]>(`SELECT ${this.selectList(shape)} FROM ${this.tableRef} ORDER BY ${order}`);
      return rows.map((r) => this.fromRow(r));
    });
  }

  async add(s: Subscriber): Promise<void> {
    const v = validateSubscriber(s);
    await this.guard(async () => {
      const shape = await this.tableShape();
      const assigned = this.assignments(shape, v);
      // The first-50-characters rule, checked here too because a mapped table may not carry our unique key.
      const dup: [string, unknown[]] = this.has(shape, 'domain')
        ? [`LEFT(${q(this.cols.user)}, ${USER_UNIQUE_CHARS}) = LEFT(?, ${USER_UNIQUE_CHARS}) AND ${q(this.cols.domain)} = ?`, [v.user, v.domain]]
        : [`LEFT(${q(this.cols.user)}, ${USER_UNIQUE_CHARS}) = LEFT(?, ${USER_UNIQUE_CHARS})`, [v.user]];
      const found = await this.pool.query<RowDataPacket[]>(`SELECT ${q(this.cols.user)} AS u FROM ${this.tableRef} WHERE ${dup[0]} LIMIT 1`, dup[1]);
      if (found.length) throw duplicate(v, String(found[0].u));
      try {
        await this.pool.query<ResultSetHeader>(
          `INSERT INTO ${this.tableRef} (${assigned.map(([c]) => q(c)).join(', ')}) VALUES (${assigned.map(() => '?').join(', ')})`,
          assigned.map(([, x]) => x),
        );
      } catch (e) {
        if ((e as { code?: string }).code === 'ER_DUP_ENTRY') throw duplicate(v, v.user);
        throw e;
      }
    });
  }

  async update(s: Subscriber): Promise<void> {
    const v = validateSubscriber(s);
    await this.guard(async () => {
      const shape = await this.tableShape();
      const assigned = this.assignments(shape, v).filter(([c]) => c !== this.cols.user && c !== this.cols.domain);
      const [where, values] = this.keyWhere(shape, v.user, v.domain);
      if (!assigned.length) {
        // A table of user IDs alone: nothing to change, but the subscriber must exist.
        const rows = await this.pool.query<RowDataPacket[]>(`SELECT 1 FROM ${this.tableRef} WHERE ${where} LIMIT 1`, values);
        if (!rows.length) throw new SubscriberValidationError(`No subscriber ${v.domain ? `${v.user}@${v.domain}` : v.user}.`, 'user_id');
        return;
      }
      const r = await this.pool.query<ResultSetHeader>(
        `UPDATE ${this.tableRef} SET ${assigned.map(([c]) => `${q(c)} = ?`).join(', ')} WHERE ${where}`,
        [...assigned.map(([, x]) => x), ...values],
      );
      if (r.affectedRows === 0) throw new SubscriberValidationError(`No subscriber ${v.domain ? `${v.user}@${v.domain}` : v.user}.`, 'user_id');
    });
  }

  async remove(user: string, domain = ''): Promise<boolean> {
    return this.guard(async () => {
      const shape = await this.tableShape();
      const [where, values] = this.keyWhere(shape, user, domain);
      const r = await this.pool.query<ResultSetHeader>(`DELETE FROM ${this.tableRef} WHERE ${where}`, values);
      return r.affectedRows > 0;
    });
  }

  /**
   * One page of a search: WHERE on the filter column (= or LIKE with the text escaped,
   * bound as a parameter), keyset condition on (sort column, tie-breaker), ORDER BY the
   * same, LIMIT limit+1; with an index on the sort column (install_mysql_db makes them)
   * MySQL reads only the rows of the page. The tie-breaker is our surrogate key `id`, or
   * domain and user on a mapped table without one. The count stops at COUNT_CAP + 1.
   * Comparisons follow the columns' collations (user_id is binary: case counts).
   */
  async search(qr: SubscriberQuery): Promise<SubscriberPage> {
    return this.guard(async () => {
      const shape = await this.tableShape();
      const col = (f: SubscriberSearchField): string => {
        if (!this.has(shape, f)) throw new SubscriberValidationError(`the subscriber table ${this.tableRef} has no column ${this.cols[f]} to search or sort by`, this.cols[f]);
        return q(this.cols[f]);
      };
      const where: string[] = [];
      const values: unknown[] = [];
      const { field, op, text } = qr.filter;
      if (!isWildcard(text)) {
        const like = text.replace(/[\\%_]/g, (c) => `\\${c}`);
        if (op === 'equals') where.push(`${col(field)} = ?`);
        else where.push(`${col(field)} LIKE ?`);
        values.push(op === 'equals' ? text : op === 'starts' ? `${like}%` : op === 'contains' ? `%${like}%` : `%${like}`);
      }
      const filterSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const filterValues = [...values];
      const ties = shape.has('id') ? [q('id')] : [...(this.has(shape, 'domain') ? [q(this.cols.domain)] : []), q(this.cols.user)];
      const order = [col(qr.sort), ...ties];
      const backward = qr.before !== undefined;
      const ascending = qr.desc === backward;
      const from = backward ? qr.before : qr.after;
      if (from) {
        if (from.length !== order.length) throw new SubscriberValidationError('the page cursor does not belong to this list; start from the first page', 'cursor');
        where.push(keysetCondition(order, ascending ? '>' : '<'));
        values.push(...keysetValues(from));
      }
      const dir = ascending ? 'ASC' : 'DESC';
      const tieSelect = ties.map((t, k) => `${t} AS ${q(`__t${k}`)}`).join(', ');
      const rows = await this.pool.query<RowDataPacket[]>(
        `SELECT ${this.selectList(shape)}, ${col(qr.sort)} AS ${q('__s')}, ${tieSelect} FROM ${this.tableRef} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order.map((o) => `${o} ${dir}`).join(', ')} LIMIT ${qr.limit + 1}`,
        values,
      );
      const keyOf = (r: RowDataPacket): SortKey => [rowText(r.__s), ...ties.map((_t, k) => (typeof r[`__t${k}`] === 'number' ? (r[`__t${k}`] as number) : rowText(r[`__t${k}`])))];
      const page = finishPage(rows.map((r) => ({ k: keyOf(r), row: this.fromRow(r) })), qr);
      const counted = await this.pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${this.tableRef} ${filterSql} LIMIT ${COUNT_CAP + 1}) AS capped`, filterValues);
      return { ...page, count: Number(counted[0]?.n ?? 0) };
    });
  }

  /** Add or replace every subscriber in one transaction: any failure rolls all of it back. */
  async importMany(subs: readonly Subscriber[]): Promise<{ added: number; replaced: number }> {
    const checked = subs.map((x) => validateSubscriber(x));
    return this.guard(async () => {
      const shape = await this.tableShape();
      return this.pool.transaction(async ({ query }) => {
        let added = 0;
        for (const v of checked) {
          const assigned = this.assignments(shape, v);
          const [where, keyValues] = this.keyWhere(shape, v.user, v.domain);
          const rest = assigned.filter(([c]) => c !== this.cols.user && c !== this.cols.domain);
          const found = await query<RowDataPacket[]>(`SELECT 1 FROM ${this.tableRef} WHERE ${where} LIMIT 1 FOR UPDATE`, keyValues);
          if (found.length) {
            if (rest.length) await query(`UPDATE ${this.tableRef} SET ${rest.map(([c]) => `${q(c)} = ?`).join(', ')} WHERE ${where}`, [...rest.map(([, x]) => x), ...keyValues]);
            continue;
          }
          try {
            await query(`INSERT INTO ${this.tableRef} (${assigned.map(([c]) => q(c)).join(', ')}) VALUES (${assigned.map(() => '?').join(', ')})`, assigned.map(([, x]) => x));
          } catch (e) {
            if ((e as { code?: string }).code === 'ER_DUP_ENTRY') throw new SubscriberValidationError(`Subscriber ${v.domain ? `${v.user}@${v.domain}` : v.user} has the same first ${USER_UNIQUE_CHARS} characters as an existing subscriber.`, 'user_id');
            throw e;
          }
          added++;
        }
        return { added, replaced: checked.length - added };
      }, IMPORT_TIMEOUT_MS);
    });
  }

  /** The connection is the caller's (openSubscriberStore hands both over together). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  // ---- helpers ----

  /**
   * Store errors for sipd are StoreUnavailableError (cause: the driver's error);
   * validation errors pass unchanged. An unknown column makes us read the table's shape again.
   */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof SubscriberValidationError || e instanceof StoreUnavailableError) throw e;
      const code = (e as { code?: string }).code;
      if (code === 'ER_BAD_FIELD_ERROR' || code === 'ER_NO_SUCH_TABLE') this.shape = undefined;
      this.log('error', `subscriber table ${this.tableRef}: ${describeMySqlError(e)}`);
      throw new StoreUnavailableError(`subscriber table ${this.tableRef}: ${describeMySqlError(e)}`, { cause: e });
    }
  }

  private async tableShape(): Promise<TableShape> {
    if (this.shape) return this.shape;
    const rows = await this.pool.query<RowDataPacket[]>(`SHOW COLUMNS FROM ${this.tableRef}`);
    const shape: TableShape = new Map(rows.map((r) => [String(r.Field).toLowerCase(), String(r.Type).toLowerCase()]));
    if (!shape.has(this.cols.user.toLowerCase())) {
      throw new SubscriberValidationError(
        `the subscriber table ${this.tableRef} has no column ${this.cols.user} (DB_MySQL_UserId_Field); it has ${[...shape.keys()].join(', ')}`,
        'user_id',
      );
    }
    const missing = FIELDS.filter((f) => !shape.has(this.cols[f].toLowerCase())).map((f) => this.cols[f]);
    if (missing.length) this.log('info', `subscriber table ${this.tableRef} has no column ${missing.join(', ')}: those fields read as empty`);
    this.shape = shape;
    return shape;
  }

  private has(shape: TableShape, f: SubscriberField): boolean {
    return shape.has(this.cols[f].toLowerCase());
  }

  private selectList(shape: TableShape): string {
    return FIELDS.filter((f) => this.has(shape, f))
      .map((f) => `${q(this.cols[f])} AS ${q(f)}`)
      .join(', ');
  }

  private keyWhere(shape: TableShape, user: string, domain: string): [string, unknown[]] {
    if (this.has(shape, 'domain')) return [`${q(this.cols.user)} = ? AND ${q(this.cols.domain)} = ?`, [user, domain.toLowerCase()]];
    if (domain) throw new SubscriberValidationError(`the subscriber table ${this.tableRef} has no domain column (${this.cols.domain}), so "${domain}" cannot be kept`, 'domain');
    return [`${q(this.cols.user)} = ?`, [user]];
  }

  /** Column/value pairs for a write; a value for a column the table lacks is refused. */
  private assignments(shape: TableShape, s: Subscriber): [string, unknown][] {
    const out: [string, unknown][] = [[this.cols.user, s.user]];
    const put = (f: SubscriberField, value: unknown, empty: boolean) => {
      if (this.has(shape, f)) out.push([this.cols[f], value]);
      else if (!empty) throw new SubscriberValidationError(`the subscriber table ${this.tableRef} has no column ${this.cols[f]} for this value`, this.cols[f]);
    };
    put('domain', s.domain, s.domain === '');
    put('password', s.secret ? encodeSecret(s.secret) : '', !s.secret);
    for (const f of TEXT_FIELDS) put(f, s[f], s[f] === '');
    const privacyType = shape.get(this.cols.redirectDnPrivacy.toLowerCase()) ?? '';
    const numeric = /int|bit|bool|decimal/.test(privacyType);
    put('redirectDnPrivacy', numeric ? (s.redirectDnPrivacy ? 1 : 0) : s.redirectDnPrivacy ? 'yes' : 'no', !s.redirectDnPrivacy);
    return out;
  }

  private fromRow(r: RowDataPacket): Subscriber {
    const text = (f: SubscriberField): string => {
      const v = r[f];
      return v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
    };
    return {
      user: text('user'),
      domain: text('domain').toLowerCase(),
      secret: decodeSecret(text('password')),
      firstName: text('firstName'),
      middleName: text('middleName'),
      lastName: text('lastName'),
      cfu: text('cfu'),
      cfb: text('cfb'),
      cfna: text('cfna'),
      cfunv: text('cfunv'),
      redirectDnPrivacy: truthy(r.redirectDnPrivacy),
    };
  }
}

const rowText = (v: unknown): string => (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

/** (c1, c2, …) > (?, ?, …) spelled out, which MySQL can answer from an index on c1. */
function keysetCondition(cols: readonly string[], op: '>' | '<'): string {
  const [first, ...rest] = cols;
  if (!rest.length) return `${first} ${op} ?`;
  return `(${first} ${op} ? OR (${first} = ? AND ${keysetCondition(rest, op)}))`;
}

function keysetValues(key: SortKey): unknown[] {
  const [first, ...rest] = key;
  return rest.length ? [first, first, ...keysetValues(rest)] : [first];
}

function duplicate(v: Subscriber, existing: string): SubscriberValidationError {
  const who = v.domain ? `${v.user}@${v.domain}` : v.user;
  return new SubscriberValidationError(
    existing === v.user ? `Subscriber ${who} already exists.` : `Subscriber ${who} has the same first ${USER_UNIQUE_CHARS} characters as the existing ${existing}.`,
    'user_id',
  );
}
