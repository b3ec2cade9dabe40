// Opening the subscriber store sipd.conf asks for: the embedded one in ServerRoot/data
// (DB_MySQL Off) or the MySQL table (DB_MySQL On). Opening never waits for MySQL: a server
// that is down is found out, and marked bad, by the first call.
import path from 'node:path';
import type { Config } from '../config/loader.js';
import { EmbeddedSubscriberStore } from './embedded/subscriber-store.js';
import { MySqlPool, parseMySqlHost } from './mysql/pool.js';
import type { StoreLog } from './mysql/pool.js';
import { MySqlSubscriberStore, columnsFromConfig } from './mysql/subscriber-store.js';
import type { SubscriberStore } from './subscriber.js';

export type { StoreLog };

/** Where the embedded store keeps its files. */
export function embeddedSubscriberDir(config: Config): string {
  return path.join(config.serverRoot, 'data');
}

/** A configuration problem that keeps the store from opening; the message names file:line. */
export class SubscriberStoreConfigError extends Error {}

/** The MySQL connection settings of a config, checked (DB_MySQL_Username is required). */
export function mysqlPoolFromConfig(config: Config, log: StoreLog, database: string | undefined = config.values.DB_MySQL_DB): MySqlPool {
  const v = config.values;
  if (!v.DB_MySQL_Username) {
    const at = config.origin('DB_MySQL');
    const where = at ? `${at.file}:${at.line}` : config.file;
    throw new SubscriberStoreConfigError(`${where}: DB_MySQL is On but DB_MySQL_Username is not set: add "DB_MySQL_Username <account>" (and DB_MySQL_Password)`);
  }
  return new MySqlPool({
    primary: parseMySqlHost(v.DB_MySQL_HostName),
    ...(v.DB_MySQL_Secondary_HostName ? { secondary: parseMySqlHost(v.DB_MySQL_Secondary_HostName) } : {}),
    user: v.DB_MySQL_Username,
    password: v.DB_MySQL_Password ?? '',
    ...(database ? { database } : {}),
    timeoutMs: v.DB_MySQL_Connect_Timeout * 1000,
    log,
  });
}

/**
 * The subscriber store for this configuration. `log` receives the store's messages;
 * 'debug' ones are the DBMySQL debug output (send them to ErrorLog.flag('DBMySQL', …)).
 * Close it with store.close() at stop, and at a graceful restart when any DB_MySQL
 * directive changed (open the new one first).
 */
export async function openSubscriberStore(config: Config, log: StoreLog): Promise<SubscriberStore> {
  const v = config.values;
  if (!v.DB_MySQL) return EmbeddedSubscriberStore.open({ dir: embeddedSubscriberDir(config), log });
  return new MySqlSubscriberStore({
    pool: mysqlPoolFromConfig(config, log),
    database: v.DB_MySQL_DB,
    table: v.DB_MySQL_SubscriberTable,
    columns: columnsFromConfig(v),
    log,
  });
}
