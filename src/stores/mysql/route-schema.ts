// The farm's shared route tables (install_mysql_db creates and upgrades them next to the
// location tables; their version is kept in schema_version under 'route').
//
// Built for Galera: InnoDB, a primary key on every table, every write a small transaction.
//
//   route             one row per route and generation: the generation, the routeKey and
//                     the route (JSON, the embedded snapshot's row form). A member serves
//                     the rows of the current generation only.
//   route_generation  one row (id 1): the current generation, the next one to hand out,
//                     and a change counter every write bumps (so writes and a generation
//                     switch certify against each other; see route-store.ts).
//   route_log         one row per route changed (route_key '' when a new generation became
//                     current): a monotonic id (auto-increment; Galera interleaves the
//                     nodes' ids) and the generation written. Members follow it.
import type { Queryable } from './schema.js';
import { installSteps } from './location-schema.js';
import type { SchemaStep } from './location-schema.js';
import { q } from './subscriber-store.js';

export const ROUTE_SCHEMA_VERSION = 1;
export const ROUTE_TABLE = 'route';
export const ROUTE_GENERATION_TABLE = 'route_generation';
export const ROUTE_LOG_TABLE = 'route_log';
/**
 * The longest routeKey stored: the key is part of the primary key, whose InnoDB limit is
 * 3072 bytes (760 four-byte characters and the 8-byte generation). Longer routes are refused.
 */
export const ROUTE_KEY_MAX = 760;

const KEY = `VARCHAR(${ROUTE_KEY_MAX}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL`;

const STEPS: readonly SchemaStep[] = [
  {
    version: 1,
    what: 'create the shared route tables (route, route_generation, route_log)',
    sql: (db) => [
      `CREATE TABLE IF NOT EXISTS ${q(db)}.${q(ROUTE_TABLE)} (
  ${q('gen')} BIGINT NOT NULL,
  ${q('route_key')} ${KEY},
  ${q('data')} TEXT NOT NULL,
  PRIMARY KEY (${q('gen')}, ${q('route_key')})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE IF NOT EXISTS ${q(db)}.${q(ROUTE_GENERATION_TABLE)} (
  ${q('id')} TINYINT UNSIGNED NOT NULL,
  ${q('gen')} BIGINT NOT NULL,
  ${q('next_gen')} BIGINT NOT NULL,
  ${q('changes')} BIGINT NOT NULL,
  PRIMARY KEY (${q('id')})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `INSERT IGNORE INTO ${q(db)}.${q(ROUTE_GENERATION_TABLE)} (${q('id')}, ${q('gen')}, ${q('next_gen')}, ${q('changes')}) VALUES (1, 1, 2, 0)`,
      `CREATE TABLE IF NOT EXISTS ${q(db)}.${q(ROUTE_LOG_TABLE)} (
  ${q('id')} BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  ${q('gen')} BIGINT NOT NULL,
  ${q('route_key')} ${KEY},
  ${q('member')} VARCHAR(64) NOT NULL,
  ${q('at')} BIGINT NOT NULL,
  PRIMARY KEY (${q('id')}),
  KEY ${q('by_time')} (${q('at')})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ],
  },
];

/** Create the route tables or bring them up to date (the database and schema_version exist). Returns one line per step. */
export function installRouteSchema(db: Queryable, database: string): Promise<string[]> {
  return installSteps(db, database, ROUTE_TABLE, ROUTE_SCHEMA_VERSION, STEPS);
}
