// Where sysadmin_sps_regroute's database requests go: the running sipd over its control
// socket (src/server/db-control.ts), or the store files themselves when sipd is stopped.
// A running sipd whose socket does not answer is an error: the files are never opened
// behind a running server's back.
import type { Config } from '../../config/loader.js';
import type { RouteStore } from '../../stores/route-store.js';
import type { LocationStore } from '../../stores/location-store.js';
import { controlRequest, controlSocketPath } from '../../server/control.js';
import { DbOperations } from '../../server/db-control.js';
import type { DbReply, DbRequest } from '../../server/db-control.js';
import { pidFileState } from '../../common/pidfile.js';
import { openEmbeddedLocationStore } from '../../stores/embedded/location-store.js';
import { openEmbeddedRouteStore } from '../../stores/embedded/route-store.js';
import { locationStoreOptions, routeStoreOptions } from '../../stores/open.js';

export interface Backend {
  /** "sipd (pid N)" or "the database files". */
  readonly describe: string;
  run(req: DbRequest): Promise<DbReply>;
  close(): Promise<void>;
}

const log = (level: string, m: string) => {
  if (level === 'error' || level === 'warn') process.stderr.write(`sysadmin_sps_regroute: ${m}\n`);
};

function openLocalRouteStore(config: Config): Promise<RouteStore> {
  return openEmbeddedRouteStore({ ...routeStoreOptions(config, log), compactEveryMs: 0 });
}

function openLocalRegistry(config: Config): Promise<LocationStore> {
  return openEmbeddedLocationStore({ ...locationStoreOptions(config, log), compactEveryMs: 0 });
}

/** Stores opened on first use, closed (flushed) at the end. */
class LocalBackend implements Backend {
  readonly describe = 'the database files (sipd is not running)';
  private registry: Promise<LocationStore> | undefined;
  private routes: Promise<RouteStore> | undefined;
  constructor(private readonly config: Config) {}

  async run(req: DbRequest): Promise<DbReply> {
    try {
      if (req.db === 'registry') {
        this.registry ??= openLocalRegistry(this.config);
        return await new DbOperations(await this.registry, undefined).run(req);
      }
      this.routes ??= openLocalRouteStore(this.config);
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

/** The running sipd of this configuration, or the files when it is stopped. */
export async function connect(config: Config): Promise<Backend> {
  const pidFile = config.path(config.values.PidFile);
  const state = pidFileState(pidFile);
  if (state.state !== 'running') return new LocalBackend(config);
  const socket = controlSocketPath(pidFile);
  const b = new SipdBackend(socket, state.pid);
  const probe = await b.run({ cmd: 'db', db: 'registry', op: 'info' });
  const err = typeof probe.error === 'string' ? probe.error : '';
  // An answer that is no database reply comes from a sipd without the db command.
  if (probe.ok === undefined || /unknown command|unreadable answer/.test(err)) {
    throw new Error(`sipd (pid ${state.pid}) does not take database commands on its control socket ${socket}; stop it (sip stop) to edit its database files`);
  }
  if (err.startsWith('no answer from sipd')) {
    throw new Error(`sipd (pid ${state.pid}) is running but does not answer on ${socket}; its database files are left alone. ${err}`);
  }
  return b;
}
