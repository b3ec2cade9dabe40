// The farm's member table (install_mysql_db creates and upgrades it next to the location
// and route tables; its version is kept in schema_version under 'farm_member').
//
// Built for Galera: InnoDB and a primary key. Each member writes only its own row, every
// few seconds, so members never contend for a row.
//
//   farm_member  one row per member name: the host it runs on, the SIP addresses it
//                listens on and puts in Via (JSON), pid, version, when it started and
//                its last heartbeat (both the database's clock, ms since the epoch), its
//                state, the digest of its farm-wide directives, how far its own clock
//                was from the database's, and a token that differs per process (two
//                sipd claiming one name show up as alternating tokens).
import type { Queryable } from './schema.js';
import { installSteps } from './location-schema.js';
import type { SchemaStep } from './location-schema.js';
import { q } from './subscriber-store.js';

export const MEMBER_SCHEMA_VERSION = 1;
export const MEMBER_TABLE = 'farm_member';

const STEPS: readonly SchemaStep[] = [
  {
    version: 1,
    what: 'create the farm member table (farm_member)',
    sql: (db) => [
      `CREATE TABLE IF NOT EXISTS ${q(db)}.${q(MEMBER_TABLE)} (
  ${q('name')} VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  ${q('host')} VARCHAR(255) NOT NULL,
  ${q('sip')} TEXT NOT NULL,
  ${q('pid')} INT UNSIGNED NOT NULL,
  ${q('version')} VARCHAR(64) NOT NULL,
  ${q('started')} BIGINT NOT NULL,
  ${q('heartbeat')} BIGINT NOT NULL,
  ${q('state')} VARCHAR(16) NOT NULL,
  ${q('conf_digest')} CHAR(64) NOT NULL,
  ${q('clock_skew_ms')} INT NOT NULL DEFAULT 0,
  ${q('instance')} CHAR(16) NOT NULL,
  PRIMARY KEY (${q('name')})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ],
  },
];

/** Create the member table or bring it up to date (the database and schema_version exist). Returns one line per step. */
export function installMemberSchema(db: Queryable, database: string): Promise<string[]> {
  return installSteps(db, database, MEMBER_TABLE, MEMBER_SCHEMA_VERSION, STEPS);
}
