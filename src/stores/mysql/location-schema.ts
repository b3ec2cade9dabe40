// The farm's shared location tables (install_mysql_db creates and upgrades them next to
// the subscriber table; their version is kept in schema_version under 'location').
//
// Built for Galera: InnoDB, a primary key on every table, and every write a small
// transaction (one AOR's row and one change-log row).
//
//   location      one row per AOR: its dynamic bindings and its static ones (JSON text,
//                 the embedded journal's record form), the latest dynamic expiry (ms since
//                 the epoch; NULL when none) so expired rows are found by index, and the
//                 member that wrote it last.
//   location_log  one row per change: a monotonic id (auto-increment; Galera interleaves
//                 the nodes' ids) and the AOR. Members follow it and re-read the AORs named.
import type { RowDataPacket } from 'mysql2/promise';
import type { Queryable } from './schema.js';
import { q } from './subscriber-store.js';

export const LOCATION_SCHEMA_VERSION = 1;
export const LOCATION_TABLE = 'location';
export const LOCATION_LOG_TABLE = 'location_log';

/** One schema step: the statements that bring the tables to `version`. */
export interface SchemaStep {
  readonly version: number;
  readonly what: string;
  readonly sql: (db: string) => string[];
}

const STEPS: readonly SchemaStep[] = [
  {
    version: 1,
    what: 'create the shared location tables (location, location_log)',
    sql: (db) => [
      `CREATE TABLE IF NOT EXISTS ${q(db)}.${q(LOCATION_TABLE)} (
  ${q('aor')} VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  ${q('dynamic')} MEDIUMTEXT NOT NULL,
  ${q('statics')} MEDIUMTEXT NOT NULL,
  ${q('expires_at')} BIGINT NULL,
  ${q('member')} VARCHAR(64) NOT NULL,
  ${q('updated')} BIGINT NOT NULL,
  PRIMARY KEY (${q('aor')}),
  KEY ${q('by_expiry')} (${q('expires_at')})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE IF NOT EXISTS ${q(db)}.${q(LOCATION_LOG_TABLE)} (
  ${q('id')} BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  ${q('aor')} VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  ${q('member')} VARCHAR(64) NOT NULL,
  ${q('at')} BIGINT NOT NULL,
  PRIMARY KEY (${q('id')}),
  KEY ${q('by_time')} (${q('at')})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ],
  },
];

/** Create the location tables or bring them up to date (the database and schema_version exist). Returns one line per step. */
export function installLocationSchema(db: Queryable, database: string): Promise<string[]> {
  return installSteps(db, database, LOCATION_TABLE, LOCATION_SCHEMA_VERSION, STEPS);
}

/**
 * Run the steps above the version schema_version holds under `name`, recording each; the
 * farm's tables (location here, routes in route-schema.ts) are versioned this way.
 */
export async function installSteps(db: Queryable, database: string, name: string, latest: number, steps: readonly SchemaStep[]): Promise<string[]> {
  const versions = `${q(database)}.${q('schema_version')}`;
  const rows = await db.query<RowDataPacket[]>(`SELECT ${q('version')} AS v FROM ${versions} WHERE ${q('table_name')} = ?`, [name]);
  const from = rows.length ? Number(rows[0].v) : 0;
  if (from > latest) throw new Error(`${database}.${name} is at schema version ${from}, newer than this release knows (${latest})`);
  const done: string[] = [];
  for (const step of steps) {
    if (step.version <= from) continue;
    for (const sql of step.sql(database)) await db.query(sql);
    await db.query(
      `INSERT INTO ${versions} (${q('table_name')}, ${q('version')}) VALUES (?, ?) ON DUPLICATE KEY UPDATE ${q('version')} = VALUES(${q('version')})`,
      [name, step.version],
    );
    done.push(`${database}.${name}: version ${step.version}: ${step.what}`);
  }
  return done;
}
