// Opening the stores sipd.conf asks for, one function per store, each choosing the
// implementation: the subscriber store is the embedded one in ServerRoot/data
// (DB_MySQL Off) or the MySQL table (DB_MySQL On); the route database and the location
// service (registry) are embedded, in the Cisco_Routing_ / Cisco_Registry_Rendezvous
// directory and name, except that a farm on MySQL (Cisco_Routing_ / Cisco_Registry_Farm_Members
// naming members, and DB_MySQL On) shares the MySQL/Galera route / location store. Opening the subscriber store never
// waits for MySQL (a server that is down is found out, and marked bad, by the first call);
// the farm stores load every route or registration at open, so they do.
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/loader.js';
import { openEmbeddedLocationStore } from './embedded/location-store.js';
import type { EmbeddedStoreOptions } from './embedded/location-store.js';
import { openEmbeddedRouteStore } from './embedded/route-store.js';
import type { EmbeddedRouteStoreOptions } from './embedded/route-store.js';
import { EmbeddedSubscriberStore } from './embedded/subscriber-store.js';
import type { LocationStore } from './location-store.js';
import { MySqlPool, parseMySqlHost } from './mysql/pool.js';
import { mysqlTlsFromConfig } from './mysql/tls.js';
import { MySqlSubscriberStore, columnsFromConfig } from './mysql/subscriber-store.js';
import { openMySqlLocationStore } from './mysql/location-store.js';
import { openMySqlRouteStore } from './mysql/route-store.js';
import { FarmMemberTable } from './mysql/member-store.js';
import { QUORUM_WATCH_MS } from './mysql/quorum.js';
import type { RouteStore } from './route-store.js';
import type { StoreLog } from './store-log.js';
import type { LoadProgress } from './embedded/load-pacer.js';
import type { SearchableSubscriberStore } from './subscriber-store.js';

export type { LoadProgress, StoreLog };

// ---- subscribers ----

/** Where the embedded subscriber store keeps its files. */
export function embeddedSubscriberDir(config: Config): string {
  return path.join(config.serverRoot, 'data');
}

/** A configuration problem that keeps the store from opening; the message names file:line. */
export class SubscriberStoreConfigError extends Error {}

/** The MySQL connection settings of a config, checked (DB_MySQL_Username is required; the DB_MySQL_TLS files must be usable). */
export function mysqlPoolFromConfig(config: Config, log: StoreLog, database: string | undefined = config.values.DB_MySQL_DB, quorumWatchMs?: number): MySqlPool {
  const v = config.values;
  if (!v.DB_MySQL_Username) {
    const at = config.origin('DB_MySQL');
    const where = at ? `${at.file}:${at.line}` : config.file;
    throw new SubscriberStoreConfigError(`${where}: DB_MySQL is On but DB_MySQL_Username is not set: add "DB_MySQL_Username <account>" (and DB_MySQL_Password)`);
  }
  const tls = mysqlTlsFromConfig(config);
  return new MySqlPool({
    primary: parseMySqlHost(v.DB_MySQL_HostName),
    ...(v.DB_MySQL_Secondary_HostName ? { secondary: parseMySqlHost(v.DB_MySQL_Secondary_HostName) } : {}),
    user: v.DB_MySQL_Username,
    password: v.DB_MySQL_Password ?? '',
    ...(database ? { database } : {}),
    timeoutMs: v.DB_MySQL_Connect_Timeout * 1000,
    ...(tls && { tls }),
    log,
    ...(quorumWatchMs ? { quorumWatchMs } : {}),
  });
}

/**
 * The subscriber store for this configuration. `log` receives the store's messages;
 * 'debug' ones are the DBMySQL debug output (send them to ErrorLog.flag('DBMySQL', …)).
 * Close it with store.close() at stop, and at a graceful restart when any DB_MySQL
 * directive changed (open the new one first).
 */
export async function openSubscriberStore(config: Config, log: StoreLog, progress?: LoadProgress): Promise<SearchableSubscriberStore> {
  const v = config.values;
  if (!v.DB_MySQL) return EmbeddedSubscriberStore.open({ dir: embeddedSubscriberDir(config), log, progress });
  return new MySqlSubscriberStore({
    pool: mysqlPoolFromConfig(config, log),
    database: v.DB_MySQL_DB,
    table: v.DB_MySQL_SubscriberTable,
    columns: columnsFromConfig(v),
    log,
  });
}

// ---- route database ----

/** A farm on MySQL/Galera: the routes live in the shared database, not in embedded files. */
export function sharesRoutes(config: Config): boolean {
  return config.values.DB_MySQL && config.values.Cisco_Routing_Farm_Members.length > 0;
}

/** The embedded route database a configuration names (Cisco_Routing_Rendezvous_Directory / _Name). */
export function routeStoreOptions(config: Config, log: StoreLog, progress?: LoadProgress): EmbeddedRouteStoreOptions {
  const v = config.values;
  return { dir: config.path(v.Cisco_Routing_Rendezvous_Directory), name: v.Cisco_Routing_Rendezvous_Name, maxAgeOnBootSeconds: v.Cisco_Routing_Max_DB_Age_on_Boot, log, progress };
}

/**
 * The route database for this configuration; 'debug' messages are the Routing debug output.
 * The farm's shared MySQL/Galera store when Cisco_Routing_Farm_Members names members and
 * DB_MySQL is On (it loads every route before it returns, so MySQL must answer), else the
 * embedded one (its load reported to `progress`).
 */
export function openRouteStore(config: Config, log: StoreLog, progress?: LoadProgress, embedded: Partial<EmbeddedRouteStoreOptions> = {}): Promise<RouteStore> {
  if (sharesRoutes(config)) {
    return openMySqlRouteStore({ pool: mysqlPoolFromConfig(config, log, config.values.DB_MySQL_DB, QUORUM_WATCH_MS), database: config.values.DB_MySQL_DB, member: farmMemberName(config), log, closePool: true });
  }
  return openEmbeddedRouteStore({ ...routeStoreOptions(config, log, progress), ...embedded });
}

// ---- location service (registry) ----

/** A farm on MySQL/Galera: the registrations live in the shared database. */
export function sharesRegistry(config: Config): boolean {
  return config.values.DB_MySQL && config.values.Cisco_Registry_Farm_Members.length > 0;
}

/** The embedded location store a configuration names (Cisco_Registry_Rendezvous_Directory / _Name). */
export function locationStoreOptions(config: Config, log: StoreLog, progress?: LoadProgress): EmbeddedStoreOptions {
  const v = config.values;
  return { dir: config.path(v.Cisco_Registry_Rendezvous_Directory), name: v.Cisco_Registry_Rendezvous_Name, maxAgeOnBootSeconds: v.Cisco_Registry_Max_DB_Age_on_Boot, log, progress };
}

/** This member's name on the shared registry and route rows: ServerName, else the host name (64 characters at most). */
export function farmMemberName(config: Config): string {
  return (config.values.ServerName ?? os.hostname()).slice(0, 64);
}

/**
 * The location store for this configuration, to hand to the registrar (RegistrarOptions.store):
 * the farm's shared MySQL/Galera store when Cisco_Registry_Farm_Members names members and
 * DB_MySQL is On (it loads every registration before it returns, so MySQL must answer), else
 * the embedded one (its load reported to `progress`).
 */
export function openLocationStore(config: Config, log: StoreLog, progress?: LoadProgress, embedded: Partial<EmbeddedStoreOptions> = {}): Promise<LocationStore> {
  if (sharesRegistry(config)) {
    return openMySqlLocationStore({ pool: mysqlPoolFromConfig(config, log, config.values.DB_MySQL_DB, QUORUM_WATCH_MS), database: config.values.DB_MySQL_DB, member: farmMemberName(config), log, closePool: true });
  }
  return openEmbeddedLocationStore({ ...locationStoreOptions(config, log, progress), ...embedded });
}

// ---- farm members ----

/** True when this configuration makes sipd a farm member on MySQL: DB_MySQL On and farm members named. */
export function isMySqlFarm(config: Config): boolean {
  const v = config.values;
  return v.DB_MySQL && (v.Cisco_Registry_Farm_Members.length > 0 || v.Cisco_Routing_Farm_Members.length > 0);
}

/** The members named by the farm directives (registry and routing lists together), lower case, each once. */
export function namedFarmMembers(config: Config): string[] {
  const v = config.values;
  return [...new Set([...v.Cisco_Registry_Farm_Members, ...v.Cisco_Routing_Farm_Members].map((m) => m.toLowerCase()))];
}

/** The shared farm member table of a farm on MySQL (undefined otherwise), with its own pool to close. */
export function openFarmMemberTable(config: Config, log: StoreLog): { table: FarmMemberTable; close(): Promise<void> } | undefined {
  if (!isMySqlFarm(config)) return undefined;
  const pool = mysqlPoolFromConfig(config, log);
  return { table: new FarmMemberTable(pool, config.values.DB_MySQL_DB), close: () => pool.close() };
}
