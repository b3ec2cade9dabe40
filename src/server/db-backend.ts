// Where the registry and route databases are reached from outside sipd: the running sipd
// over its control socket (db-control.ts), or the store files themselves when sipd is
// stopped. Shared by sysadmin_sps_regroute and pserver, so both see the same data the
// same way. A running sipd whose socket does not answer is an error: the files are never
// opened behind a running server's back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/loader.js';
import type { RouteStore } from '../stores/route-store.js';
import type { LocationStore } from '../stores/location-store.js';
import type { StoreLog } from '../stores/store-log.js';
import { controlRequest, controlSocketPath } from './control.js';
import { DbOperations, MAX_PAGE } from './db-control.js';
import type { DbName, DbReply, DbRequest } from './db-control.js';
import { pidFileState } from '../common/pidfile.js';
import { openLocationStore, openRouteStore, sharesRegistry, sharesRoutes } from '../stores/open.js';

export interface Backend {
  /** "sipd (pid N)" or "the database files". */
  readonly describe: string;
  run(req: DbRequest): Promise<DbReply>;
  close(): Promise<void>;
}

/**
 * Stores opened on first use, closed (flushed) at the end: the embedded files, or on a
 * farm the shared MySQL/Galera tables (which the other members go on using meanwhile).
 */
class LocalBackend implements Backend {
  readonly describe: string;
  private registry: Promise<LocationStore> | undefined;
  private routes: Promise<RouteStore> | undefined;
  constructor(
    private readonly config: Config,
    private readonly log: StoreLog,
  ) {
    const shared = sharesRegistry(config) || sharesRoutes(config);
    this.describe = shared ? 'the farm database (this member\'s sipd is not running)' : 'the database files (sipd is not running)';
  }

  async run(req: DbRequest): Promise<DbReply> {
    try {
      if (req.db === 'registry') {
        this.registry ??= openLocationStore(this.config, this.log, undefined, { compactEveryMs: 0 });
        return await new DbOperations(await this.registry, undefined).run(req);
      }
      this.routes ??= openRouteStore(this.config, this.log, undefined, { compactEveryMs: 0 });
      return await new DbOperations(undefined, await this.routes).run(req);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    const settle = async (p: Promise<{ close(): Promise<void> }> | undefined) => {
      try {
        await (await p)?.close();
      } catch {
        /* never opened */
      }
    };
    await Promise.all([settle(this.registry), settle(this.routes)]);
  }
}

class SipdBackend implements Backend {
  readonly describe: string;
  constructor(
    private readonly socket: string,
    pid: number,
  ) {
    this.describe = `sipd (pid ${pid})`;
  }
  async run(req: DbRequest): Promise<DbReply> {
    try {
      return await controlRequest(this.socket, req, 120_000);
    } catch (e) {
      return { ok: false, error: `no answer from sipd on ${this.socket}: ${(e as Error).message}` };
    }
  }
  async close(): Promise<void> {}
}

/**
 * The running sipd of this configuration, or the files when it is stopped. `log`
 * receives the stores' messages when the files are opened here.
 */
export async function connectDb(config: Config, log: StoreLog): Promise<Backend> {
  const pidFile = config.path(config.values.PidFile);
  const state = pidFileState(pidFile);
  if (state.state !== 'running') return new LocalBackend(config, log);
  const socket = controlSocketPath(pidFile);
  const b = new SipdBackend(socket, state.pid);
  // The route table's info is its size, O(1); the registry's counts live bindings (a pass).
  const probe = await b.run({ cmd: 'db', db: 'routing', op: 'info' });
  const err = typeof probe.error === 'string' ? probe.error : '';
  // An answer that is no database reply comes from a sipd without the db command.
  if (probe.ok === undefined || /unknown command|unreadable answer/.test(err)) {
    throw new Error(`sipd (pid ${state.pid}) does not take database commands on its control socket ${socket}; stop it (sip stop) to edit its database files`);
  }
  if (err.startsWith('no answer from sipd') && /ENOENT/.test(err)) {
    // sipd writes its pid file before it loads its tables and opens the socket after.
    throw new Error(`sipd (pid ${state.pid}) is starting: it is still loading its databases and does not answer on ${socket} yet; try again in a moment (its database files are left alone)`);
  }
  if (err.startsWith('no answer from sipd')) {
    throw new Error(`sipd (pid ${state.pid}) is running but does not answer on ${socket}; its database files are left alone. ${err}`);
  }
  return b;
}

/** Control-socket lines stay well under its 64 KiB limit; bigger imports go by file. */
const INLINE_LIMIT = 48 * 1024;

/**
 * Import CSV text into one database, all or nothing. Small texts travel in the request;
 * larger ones by file: `sourceFile` (absolute) when the text is that whole file, else a
 * temporary file removed afterwards.
 */
export async function importCsvText(backend: Backend, db: DbName, text: string, sourceFile?: string): Promise<DbReply> {
  if (Buffer.byteLength(text) <= INLINE_LIMIT) return backend.run({ cmd: 'db', db, op: 'import', csv: text });
  if (sourceFile !== undefined) return backend.run({ cmd: 'db', db, op: 'import', file: sourceFile });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opensps-import-'));
  try {
    const f = path.join(dir, `${db}.csv`);
    writeFileSync(f, text, { mode: 0o644 });
    return await backend.run({ cmd: 'db', db, op: 'import', file: f });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Page through a database's CSV export; `chunk` gets each page of text. The total, or the error text. */
export async function eachCsvPage(backend: Backend, db: DbName, match: string | undefined, chunk: (csv: string) => void | Promise<void>): Promise<number | string> {
  let offset: number | undefined = 0;
  let total = 0;
  while (offset !== undefined) {
    const reply = await backend.run({ cmd: 'db', db, op: 'export', offset, limit: MAX_PAGE, ...(match !== undefined && { match }) });
    if (reply.ok !== true) return String(reply.error);
    await chunk(String(reply.csv));
    total = Number(reply.total);
    offset = typeof reply.next === 'number' ? reply.next : undefined;
  }
  return total;
}
