// Connections to the primary MySQL server and its optional secondary
// (DB_MySQL_HostName, DB_MySQL_Secondary_HostName), with the guide's rule for
// DB_MySQL_Connect_Timeout: a server that does not answer in time is marked bad, calls go
// to the other one (or fail at once when both are bad) instead of waiting, and the mark
// is lifted as soon as the server answers again. A background probe every `retryMs`
// finds out; the primary is preferred whenever it is good.
//
// Every call has one deadline, the connect timeout, covering the wait for a connection,
// connecting and the query. When it passes, the connection in use is destroyed and the
// server marked bad: a hung server (accepts TCP, never answers) costs one timeout, after
// which calls fail straight away until it is back.
//
// We keep our own small pool (a few connections per server) rather than mysql2's Pool so
// that a dead server's connections can be dropped at once and nothing lingers at close.
import net from 'node:net';
import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import { StoreUnavailableError } from '../subscriber-store.js';
import type { StoreLog } from '../store-log.js';
import { describeTlsError, mysqlSslOption } from './tls.js';
import type { MySqlTls } from './tls.js';
import { QuorumWatch } from './quorum.js';
import type { WsrepReading } from './quorum.js';


export interface MySqlEndpoint {
  readonly host: string;
  readonly port: number;
}

export const MYSQL_DEFAULT_PORT = 3306;

/** "host", "host:port", "[v6]:port" or a bare IPv6 address. */
export function parseMySqlHost(text: string): MySqlEndpoint {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) return { host: bracket[1], port: bracket[2] ? Number(bracket[2]) : MYSQL_DEFAULT_PORT };
  const hp = /^([^:]+):(\d+)$/.exec(text);
  if (hp) return { host: hp[1], port: Number(hp[2]) };
  return { host: text, port: MYSQL_DEFAULT_PORT };
}

export function endpointText(e: MySqlEndpoint): string {
  return `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

export interface MySqlPoolOptions {
  readonly primary: MySqlEndpoint;
  readonly secondary?: MySqlEndpoint;
  readonly user: string;
  readonly password: string;
  /** Database to use; omit for server-level work (install_mysql_db). */
  readonly database?: string;
  /** DB_MySQL_Connect_Timeout in ms: the connect timeout and every call's deadline. */
  readonly timeoutMs: number;
  /** How often a bad server is tried again. Default 1000 ms. */
  readonly retryMs?: number;
  /** Connections per server. Default 4. */
  readonly connectionsPerServer?: number;
  readonly log: StoreLog;
  /** TLS (DB_MySQL_TLS …, from mysqlTlsFromConfig); plain TCP when undefined. */
  readonly tls?: MySqlTls | undefined;
  /**
   * Read each server's Galera status (wsrep_cluster_status, wsrep_ready) this often, so that
   * leaving and rejoining the primary component is found without a write (quorum.ts).
   * Off by default: the errors statements get still say when a node refused them.
   */
  readonly quorumWatchMs?: number;
}

/** What every MySQL connection is opened with: the one place TLS and the timeout are applied. */
export interface MySqlConnectSettings {
  readonly user: string;
  readonly password: string;
  readonly database?: string;
  readonly timeoutMs: number;
  readonly tls?: MySqlTls | undefined;
}

/** mysql2's connection options for `e` (bigNumberStrings: counts that must not lose digits). */
export function mysqlConnectOptions(e: MySqlEndpoint, o: MySqlConnectSettings, extra: { bigNumberStrings?: boolean } = {}): mysql.ConnectionOptions {
  return {
    host: e.host,
    port: e.port,
    user: o.user,
    password: o.password,
    ...(o.database ? { database: o.database } : {}),
    connectTimeout: o.timeoutMs,
    charset: 'utf8mb4',
    supportBigNumbers: true,
    ...extra,
    ...(o.tls && { ssl: mysqlSslOption(o.tls) }),
    ...(o.tls?.mode === 'Verify' && net.isIP(e.host) && { stream: () => socketNamedFor(e) }),
  };
}

/**
 * A TCP connection to `e` for Verify with an IP address. mysql2 gives Node no server name
 * for an IP, and Node then checks the certificate against "localhost" (the name it falls
 * back to when the socket has no _host, which net sets only after a name lookup). Setting it
 * makes Node check the IP against the certificate's IP subjectAltNames before anything is
 * sent; should a later Node ignore it, the check fails rather than passes.
 */
function socketNamedFor(e: MySqlEndpoint): net.Socket {
  const s = net.connect({ host: e.host, port: e.port });
  (s as unknown as { _host?: string })._host = e.host;
  s.setNoDelay(true);
  s.once('connect', () => s.setKeepAlive(true));
  return s;
}

export type ServerRole = 'primary' | 'secondary';

/** The deadline of a call passed. */
export class MySqlTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  readonly fatal = true;
}

// Errors that say the server (not the statement) is the problem.
const DOWN_CODES = new Set([
  'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'ER_HOST_NOT_PRIVILEGED', 'ER_HOST_IS_BLOCKED',
]);

/** A statement that only reads (a causal-read prefix allowed). */
const READ_ONLY = /^\s*(SET STATEMENT .*? FOR\s+)?(SELECT|SHOW)\b/is;

export function isServerDown(e: unknown): boolean {
  const x = e as { code?: string; fatal?: boolean } | undefined;
  return !!x && (x.fatal === true || (typeof x.code === 'string' && DOWN_CODES.has(x.code)));
}

interface Waiter {
  resolve(c: Connection | undefined): void;
}

class Server {
  bad = false;
  stopped = false;
  lastError: unknown;
  private idle: Connection[] = [];
  private open = 0;
  private waiters: Waiter[] = [];
  private probeTimer: NodeJS.Timeout | undefined;
  readonly quorum: QuorumWatch;

  constructor(
    readonly role: ServerRole,
    readonly endpoint: MySqlEndpoint,
    private readonly o: MySqlPoolOptions,
    readStatus: () => Promise<WsrepReading>,
  ) {
    this.quorum = new QuorumWatch({ address: endpointText(endpoint), read: readStatus, log: o.log, intervalMs: o.quorumWatchMs ?? 0 });
    if (o.quorumWatchMs) this.quorum.start();
  }

  get name(): string {
    return `${this.role} MySQL server ${endpointText(this.endpoint)}`;
  }

  connect(): Promise<Connection> {
    return mysql.createConnection(mysqlConnectOptions(this.endpoint, this.o));
  }

  /** A connection: an idle one, a new one, or the next one released (undefined if `gaveUp` first). */
  async acquire(gaveUp: () => boolean): Promise<Connection | undefined> {
    const c = this.idle.pop();
    if (c) return c;
    if (this.open < (this.o.connectionsPerServer ?? 4)) {
      this.open++;
      try {
        const conn = await this.connect();
        let gone = false;
        const drop = () => {
          if (gone) return;
          gone = true;
          this.open--;
          this.idle = this.idle.filter((x) => x !== conn);
          this.wakeOne();
        };
        conn.on('error', drop);
        conn.on('end', drop);
        (conn as unknown as { __drop: () => void }).__drop = drop;
        return conn;
      } catch (e) {
        this.open--;
        this.wakeOne();
        throw e;
      }
    }
    return new Promise<Connection | undefined>((resolve) => {
      const w: Waiter = {
        resolve: (conn) => {
          if (gaveUp()) {
            if (conn) this.release(conn);
            resolve(undefined);
          } else resolve(conn);
        },
      };
      this.waiters.push(w);
    }).then((conn) => conn ?? (gaveUp() ? undefined : this.acquire(gaveUp)));
  }

  private wakeOne(): void {
    this.waiters.shift()?.resolve(undefined);
  }

  release(conn: Connection): void {
    if (this.bad) return this.destroy(conn);
    const w = this.waiters.shift();
    if (w) w.resolve(conn);
    else this.idle.push(conn);
  }

  destroy(conn: Connection): void {
    (conn as unknown as { __drop?: () => void }).__drop?.();
    conn.destroy();
  }

  dropAll(): void {
    for (const c of [...this.idle]) this.destroy(c);
    this.idle = [];
    while (this.waiters.length) this.wakeOne();
  }

  markBad(e: unknown, onUp: () => void): void {
    this.lastError = e;
    if (this.bad) return;
    this.bad = true;
    this.dropAll();
    this.scheduleProbe(onUp);
  }

  private scheduleProbe(onUp: () => void): void {
    this.probeTimer = setTimeout(() => void this.probe(onUp), this.o.retryMs ?? 1000);
    this.probeTimer.unref();
  }

  private async probe(onUp: () => void): Promise<void> {
    this.probeTimer = undefined;
    if (!this.bad) return;
    let conn: Connection | undefined;
    try {
      conn = await this.connect();
      conn.on('error', () => undefined);
      await conn.query('SELECT 1');
      this.bad = false;
      this.lastError = undefined;
      onUp();
    } catch (e) {
      this.lastError = e;
      if (!this.stopped) this.scheduleProbe(onUp);
    } finally {
      conn?.destroy();
    }
  }

  stop(): void {
    this.stopped = true;
    this.quorum.stop();
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.bad = true;
    this.dropAll();
  }
}

export class MySqlPool {
  private readonly servers: Server[];
  private closed = false;

  constructor(private readonly o: MySqlPoolOptions) {
    const server = (role: ServerRole, e: MySqlEndpoint): Server => {
      const s: Server = new Server(role, e, o, () => this.readWsrep(s));
      return s;
    };
    this.servers = [server('primary', o.primary)];
    if (o.secondary) this.servers.push(server('secondary', o.secondary));
  }

  /** The primary server's place in its Galera cluster, as last seen (quorum.ts). */
  get quorum(): QuorumWatch {
    return this.servers[0].quorum;
  }

  /** wsrep_cluster_status and wsrep_ready of one server (not counted as a statement it took: a non-Primary node answers SHOW STATUS too). */
  private async readWsrep(s: Server): Promise<WsrepReading> {
    if (s.bad || this.closed) throw new Error('not in use');
    const rows = await this.runOn<{ Variable_name: string; Value: string }[]>(s, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status', 'wsrep_ready')", [], this.o.timeoutMs);
    const v = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
    return { clusterStatus: v.get('wsrep_cluster_status'), ready: v.get('wsrep_ready') };
  }

  /** Where calls go now; undefined while every server is marked bad. */
  get active(): ServerRole | undefined {
    return this.servers.find((s) => !s.bad)?.role;
  }

  get timeoutMs(): number {
    return this.o.timeoutMs;
  }

  /**
   * Run one statement (values bound with `?`, identifiers with `??`) and return mysql2's
   * result: rows for SELECT, a ResultSetHeader otherwise. Statement errors (duplicate key,
   * unknown column …) are thrown as mysql2 gives them; a server that cannot be used marks
   * it bad, the other server is tried within the same deadline, and when none is left a
   * StoreUnavailableError (cause: the last driver error) is thrown.
   */
  async query<T = unknown>(sql: string, values: readonly unknown[] = []): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('the MySQL connection is closed');
    const deadline = Date.now() + this.o.timeoutMs;
    let last: unknown;
    let tried = 0;
    for (const s of this.servers) {
      if (s.bad) continue;
      const left = deadline - Date.now();
      if (left <= 0) break;
      tried++;
      try {
        const result = await this.runOn<T>(s, sql, values, left);
        // Only a write proves the node is in the primary component: with wsrep_dirty_reads a non-Primary node answers reads.
        if (!READ_ONLY.test(sql)) s.quorum.noteSuccess();
        // Written under DebugFlag DBMySQL: the statement text has placeholders, never values, so no secret reaches the log.
        this.o.log('debug', `${s.name}: ${sql} -> ${Array.isArray(result) ? `${result.length} row(s)` : `${(result as { affectedRows?: number }).affectedRows ?? 0} row(s) changed`}`);
        return result;
      } catch (e) {
        if (!isServerDown(e)) throw s.quorum.noteError(e);
        last = e;
        this.markBad(s, e);
      }
    }
    if (!tried) last = this.servers.map((s) => s.lastError).find((e) => e !== undefined);
    const names = this.servers.map((s) => endpointText(s.endpoint)).join(' and ');
    throw new StoreUnavailableError(`MySQL is unavailable (${names} marked down): ${describeMySqlError(last)}`, { cause: last });
  }

  private runOn<T>(s: Server, sql: string, values: readonly unknown[], ms: number): Promise<T> {
    return this.useOn(s, ms, async (c) => (await c.query(sql, values as unknown[]))[0] as T);
  }

  /** `use` one connection of `s` within `ms`; past it the connection is destroyed and a MySqlTimeoutError thrown. */
  private async useOn<T>(s: Server, ms: number, use: (c: Connection) => Promise<T>): Promise<T> {
    let timedOut = false;
    let conn: Connection | undefined;
    const work = (async () => {
      const c = await s.acquire(() => timedOut);
      if (!c) throw new MySqlTimeoutError('gave up waiting for a connection');
      if (timedOut) {
        // Connected only after the deadline: nobody is waiting for this call any more.
        s.release(c);
        throw new MySqlTimeoutError('timed out');
      }
      conn = c;
      return use(c);
    })();
    work.catch(() => undefined); // settled later by a destroyed connection after the deadline
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new MySqlTimeoutError(`no answer from ${s.name} within ${this.o.timeoutMs} ms`));
      }, ms);
    });
    try {
      const r = await Promise.race([work, deadline]);
      return r;
    } catch (e) {
      if (conn) {
        const c: Connection = conn;
        conn = undefined;
        if (isServerDown(e)) s.destroy(c);
        else s.release(c);
      }
      throw e;
    } finally {
      clearTimeout(timer);
      if (conn) s.release(conn);
    }
  }

  /**
   * Run `fn` in one transaction on one connection of the server in use (BEGIN … COMMIT,
   * ROLLBACK on any error). Statement errors are thrown as mysql2 gives them (a Galera
   * certification conflict is ER_LOCK_DEADLOCK: the caller may retry); a server that
   * cannot be used is marked bad and StoreUnavailableError thrown, without retrying
   * elsewhere, since part of the work may have run. `timeoutMs` bounds the whole transaction
   * (DB_MySQL_Connect_Timeout by default; a bulk import passes a longer one).
   */
  async transaction<T>(fn: (db: { query<R = unknown>(sql: string, values?: readonly unknown[]): Promise<R> }) => Promise<T>, timeoutMs = this.o.timeoutMs): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('the MySQL connection is closed');
    const s = this.servers.find((x) => !x.bad);
    if (!s) {
      const last = this.servers.map((x) => x.lastError).find((e) => e !== undefined);
      throw new StoreUnavailableError(`MySQL is unavailable (every server marked down): ${describeMySqlError(last)}`, { cause: last });
    }
    try {
      return await this.useOn(s, timeoutMs, async (c) => {
        await c.query('BEGIN');
        try {
          const r = await fn({ query: async <R>(sql: string, values: readonly unknown[] = []) => (await c.query(sql, values as unknown[]))[0] as R });
          await c.query('COMMIT');
          s.quorum.noteSuccess();
          return r;
        } catch (e) {
          if (!isServerDown(e)) await c.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      });
    } catch (e) {
      if (!isServerDown(e)) throw s.quorum.noteError(e);
      this.markBad(s, e);
      throw new StoreUnavailableError(`MySQL is unavailable (${s.name}): ${describeMySqlError(e)}`, { cause: e });
    }
  }

  private markBad(s: Server, e: unknown): void {
    if (s.bad) return;
    const other = this.servers.find((x) => x !== s && !x.bad);
    s.markBad(e, () => {
      if (this.closed) return;
      this.o.log('info', `${s.name} answers again; calls go to the ${this.active ?? s.role}`);
    });
    this.o.log('warn', `${s.name} marked bad: ${describeMySqlError(e)}; ${other ? `using the ${other.role} until it is back` : 'no other server: subscriber lookups fail until one is back'}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.servers) s.stop();
  }
}

/** The MySQL error in the guide's terms where it names one ("Error 1045: Access denied …"). */
export function describeMySqlError(e: unknown): string {
  if (e === undefined) return 'no server could be reached';
  const tlsProblem = describeTlsError(e);
  if (tlsProblem) return tlsProblem;
  const x = e as { errno?: number; code?: string; message?: string; sqlMessage?: string };
  const msg = x.sqlMessage ?? x.message ?? String(e);
  if (typeof x.errno === 'number' && x.errno > 0 && x.sqlMessage) return `Error ${x.errno}: ${msg}`;
  if (x.code && !msg.includes(x.code)) return `${msg} (${x.code})`;
  return msg;
}
