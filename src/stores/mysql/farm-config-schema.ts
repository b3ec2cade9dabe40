// The farm's shared configuration tables (install_mysql_db creates and upgrades them next
// to the location and route tables; their version is kept in schema_version under
// 'farm_config').
//
// Built for Galera: InnoDB, a primary key on every table, every write a small transaction.
//
//   farm_config_head     one row (id 1): the newest generation. Every push updates it in
//                        the same transaction as it inserts the generation, so two pushes
//                        at once certify against each other (one is retried) and the
//                        generations are numbered in commit order.
//   farm_config          one row per generation: the farm-wide directive values it sets
//                        (JSON: name → one argument text per line, [] switched off), the
//                        whole set so far (a member that was away applies the newest alone),
//                        whether the push allows a full restart, who pushed and when (ms).
//   farm_config_outcome  one row per member and generation: what the member did with it
//                        (applied, unchanged, invalid, restart-pending, failed), the
//                        operation run, the messages (file:line for an invalid result) and
//                        the names the member goes by.
import type { Queryable } from './schema.js';
import { installSteps } from './location-schema.js';
import type { SchemaStep } from './location-schema.js';
import { q } from './subscriber-store.js';

export const FARM_CONFIG_SCHEMA_VERSION = 1;
export const FARM_CONFIG_TABLE = 'farm_config';
export const FARM_CONFIG_HEAD_TABLE = 'farm_config_head';
export const FARM_CONFIG_OUTCOME_TABLE = 'farm_config_outcome';

const STEPS: readonly SchemaStep[] = [
  {
    version: 1,
    what: 'create the shared farm configuration tables (farm_config, farm_config_head, farm_config_outcome)',
    sql: (db) => [
      `CREATE TABLE IF NOT EXISTS ${q(db)}.${q(FARM_CONFIG_HEAD_TABLE)} (
  ${q('id')} TINYINT UNSIGNED NOT NULL,
  ${q('gen')} BIGINT NOT NULL,
  PRIMARY KEY (${q('id')})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `INSERT IGNORE INTO ${q(db)}.${q(FARM_CONFIG_HEAD_TABLE)} (${q('id')}, ${q('gen')}) VALUES (1, 0)`,
      `CREATE TABLE IF NOT EXISTS ${q(db)}.${q(FARM_CONFIG_TABLE)} (
  ${q('gen')} BIGINT NOT NULL,
  ${q('directives')} MEDIUMTEXT NOT NULL,
  ${q('pushed')} TEXT NOT NULL,
  ${q('allow_restart')} TINYINT(1) NOT NULL DEFAULT 0,
  ${q('pushed_by')} VARCHAR(255) NOT NULL,
  ${q('pushed_at')} BIGINT NOT NULL,
  PRIMARY KEY (${q('gen')})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE IF NOT EXISTS ${q(db)}.${q(FARM_CONFIG_OUTCOME_TABLE)} (
  ${q('gen')} BIGINT NOT NULL,
  ${q('member')} VARCHAR(64) NOT NULL,
  ${q('state')} VARCHAR(20) NOT NULL,
  ${q('operation')} VARCHAR(10) NOT NULL,
  ${q('detail')} MEDIUMTEXT NOT NULL,
  ${q('names')} TEXT NOT NULL,
  ${q('at')} BIGINT NOT NULL,
  PRIMARY KEY (${q('gen')}, ${q('member')}),
  KEY ${q('by_member')} (${q('member')}, ${q('gen')})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ],
  },
];

/** Create the farm configuration tables or bring them up to date (the database and schema_version exist). */
export function installFarmConfigSchema(db: Queryable, database: string): Promise<string[]> {
  return installSteps(db, database, FARM_CONFIG_TABLE, FARM_CONFIG_SCHEMA_VERSION, STEPS);
}
