// Creating and upgrading the sip database and its subscriber table (install_mysql_db).
// The version each table is at is kept in `schema_version` (one row per table), and each
// step runs only when the table is below it, so running the installer again is harmless.
//
//   1  the subscriber table keyed by user alone: user ID, password, names, four
//      call-forward URLs (the columns the guide's tool and messages name)
//   2  domain and redirect_dn_privacy columns; a surrogate key, and the guide's
//      uniqueness rule (first 50 characters of the user ID, per domain) as a unique index
//   3  indexes on user ID, first, middle and last name, for the provisioning GUI's search
//      and sort (ORDER BY … LIMIT reads a page from an index instead of sorting the table)
//
// Column names follow the DB_MySQL_*_Field mapping, so a sipd.conf that renames columns
// gets a table it can use.
import { USER_UNIQUE_CHARS, SUBSCRIBER_LIMITS } from '../subscriber-store.js';
import type { RowDataPacket } from 'mysql2/promise';
import type { SubscriberColumns } from './subscriber-store.js';
import { DEFAULT_COLUMNS, q } from './subscriber-store.js';

export const SCHEMA_VERSION = 3;

export interface Queryable {
  query<T = unknown>(sql: string, values?: readonly unknown[]): Promise<T>;
}

export interface SchemaOptions {
  readonly database: string;
  readonly table: string;
  readonly columns?: SubscriberColumns;
  /** Stop at this version (tests build an old table this way). Default SCHEMA_VERSION. */
  readonly upTo?: number;
}

export interface SchemaResult {
  /** Version before (0: no table) and after. */
  readonly from: number;
  readonly to: number;
  /** What was done, one line per step; empty when already current. */
  readonly steps: readonly string[];
}

type Step = { version: number; what: string; sql: (t: string, c: SubscriberColumns) => string };

const STEPS: readonly Step[] = [
  {
    version: 1,
    what: 'create the subscriber table',
    sql: (t, c) =>
      `CREATE TABLE ${t} (
  ${q(c.user)} VARCHAR(${SUBSCRIBER_LIMITS.user}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  ${q(c.password)} VARCHAR(255) NOT NULL DEFAULT '',
  ${q(c.firstName)} VARCHAR(${SUBSCRIBER_LIMITS.name}) NOT NULL DEFAULT '',
  ${q(c.middleName)} VARCHAR(${SUBSCRIBER_LIMITS.name}) NOT NULL DEFAULT '',
  ${q(c.lastName)} VARCHAR(${SUBSCRIBER_LIMITS.name}) NOT NULL DEFAULT '',
  ${q(c.cfu)} VARCHAR(${SUBSCRIBER_LIMITS.url}) NOT NULL DEFAULT '',
  ${q(c.cfb)} VARCHAR(${SUBSCRIBER_LIMITS.url}) NOT NULL DEFAULT '',
  ${q(c.cfna)} VARCHAR(${SUBSCRIBER_LIMITS.url}) NOT NULL DEFAULT '',
  ${q(c.cfunv)} VARCHAR(${SUBSCRIBER_LIMITS.url}) NOT NULL DEFAULT '',
  PRIMARY KEY (${q(c.user)})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  },
  {
    version: 2,
    what: 'add domain and redirect_dn_privacy; unique on (domain, first 50 characters of the user ID)',
    sql: (t, c) =>
      `ALTER TABLE ${t}
  DROP PRIMARY KEY,
  ADD COLUMN ${q('id')} INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST,
  ADD COLUMN ${q(c.domain)} VARCHAR(${SUBSCRIBER_LIMITS.domain}) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL DEFAULT '' AFTER ${q(c.user)},
  ADD COLUMN ${q(c.redirectDnPrivacy)} TINYINT(1) NOT NULL DEFAULT 0,
  ADD UNIQUE KEY ${q('user_in_domain')} (${q(c.domain)}, ${q(c.user)}(${USER_UNIQUE_CHARS}))`,
  },
  {
    version: 3,
    what: 'indexes for searching and sorting by user ID, domain and names',
    sql: (t, c) =>
      `ALTER TABLE ${t}
  ADD INDEX ${q('by_user')} (${q(c.user)}),
  ADD INDEX ${q('by_domain')} (${q(c.domain)}),
  ADD INDEX ${q('by_first_name')} (${q(c.firstName)}),
  ADD INDEX ${q('by_middle_name')} (${q(c.middleName)}),
  ADD INDEX ${q('by_last_name')} (${q(c.lastName)})`,
  },
];

async function columnsOf(db: Queryable, database: string, table: string): Promise<Set<string> | undefined> {
  const rows = await db.query<RowDataPacket[]>(
    'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  return rows.length ? new Set(rows.map((r) => String(r.c).toLowerCase())) : undefined;
}

/** Create the database, the schema_version table and the subscriber table, or bring them up to date. */
export async function installSchema(db: Queryable, o: SchemaOptions): Promise<SchemaResult> {
  const c = o.columns ?? DEFAULT_COLUMNS;
  const target = Math.min(o.upTo ?? SCHEMA_VERSION, SCHEMA_VERSION);
  const tableRef = `${q(o.database)}.${q(o.table)}`;
  const versions = `${q(o.database)}.${q('schema_version')}`;
  await db.query(`CREATE DATABASE IF NOT EXISTS ${q(o.database)} DEFAULT CHARACTER SET utf8mb4`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${versions} (
  ${q('table_name')} VARCHAR(64) NOT NULL PRIMARY KEY,
  ${q('version')} INT NOT NULL,
  ${q('updated')} TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  );
  const rows = await db.query<RowDataPacket[]>(`SELECT ${q('version')} AS v FROM ${versions} WHERE ${q('table_name')} = ?`, [o.table]);
  let from = rows.length ? Number(rows[0].v) : 0;
  const cols = await columnsOf(db, o.database, o.table);
  if (!rows.length && cols) {
    // A table nobody recorded: adopt it only when it is one of ours.
    const has = (names: string[]) => names.every((n) => cols.has(n.toLowerCase()));
    const v1 = [c.user, c.password, c.firstName, c.middleName, c.lastName, c.cfu, c.cfb, c.cfna, c.cfunv];
    if (has([...v1, c.domain, c.redirectDnPrivacy])) from = 2;
    else if (has(v1)) from = 1;
    else {
      throw new Error(
        `${o.database}.${o.table} exists but is not a subscriber table this installer made (its columns: ${[...cols].join(', ')}). ` +
          'To use it as it is, map its columns with the DB_MySQL_*_Field directives instead; or give DB_MySQL_SubscriberTable another name.',
      );
    }
  } else if (rows.length && !cols) {
    from = 0; // recorded, then dropped by hand: build it again
  }
  if (from > SCHEMA_VERSION) throw new Error(`${o.database}.${o.table} is at schema version ${from}, newer than this release knows (${SCHEMA_VERSION})`);
  const steps: string[] = [];
  let at = from;
  for (const step of STEPS) {
    if (step.version <= at || step.version > target) continue;
    await db.query(step.sql(tableRef, c));
    at = step.version;
    await db.query(
      `INSERT INTO ${versions} (${q('table_name')}, ${q('version')}) VALUES (?, ?) ON DUPLICATE KEY UPDATE ${q('version')} = VALUES(${q('version')})`,
      [o.table, at],
    );
    steps.push(`${o.database}.${o.table}: version ${step.version}: ${step.what}`);
  }
  if (!rows.length && from > 0 && at === from) {
    await db.query(`INSERT INTO ${versions} (${q('table_name')}, ${q('version')}) VALUES (?, ?)`, [o.table, at]);
    steps.push(`${o.database}.${o.table}: recorded existing table as version ${at}`);
  }
  return { from, to: at, steps };
}
