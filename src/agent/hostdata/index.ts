// One host-data cache per agent process, shared by the hostagt, interfaces and sappagt
// modules: the first module to start it starts the timers, the last to release it stops them.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { INSTALL_PREFIX, VERSION } from '../../common/install.js';
import { HostDataCache } from './cache.js';
import type { HostDataOptions, HostTopic } from './cache.js';

export { HostDataCache, ourName } from './cache.js';
export type { HostDataOptions, HostTopic } from './cache.js';
export type { HostSources } from './sources.js';
export { systemSources } from './sources.js';
export { encodeDateAndTime, decodeDateAndTime } from './date-and-time.js';
export { syncTable } from './table-sync.js';
export type * from './types.js';

let shared: { cache: HostDataCache; users: number; ready: Promise<void> } | undefined;
let defaults: Pick<HostDataOptions, 'loadWindowMs' | 'cpuIntervalMs'> = {};

/**
 * hrProcessorLoad's averaging window for the cache created next (ciagent --load-window). The
 * MIB defines one minute; a shorter window is for tests and demonstrations. CPU sampling is
 * a sixth of the window, between 1 and 5 s. Call before the modules start.
 */
export function setLoadWindow(seconds: number): void {
  const ms = Math.round(seconds * 1000);
  defaults = { loadWindowMs: ms, cpuIntervalMs: Math.min(5000, Math.max(1000, Math.round(ms / 6))) };
}

/**
 * The shared cache, started (its first refresh done) before this resolves. `options` apply only
 * when this call creates it. Pair every acquire with releaseHostData().
 */
export async function acquireHostData(options: HostDataOptions & { upTime?: () => number; rootDir?: string } = {}): Promise<HostDataCache> {
  if (!shared) {
    const root = options.rootDir ?? INSTALL_PREFIX;
    const cache = new HostDataCache({ package: options.package ?? (await ourPackage(root)), ...defaults, ...options });
    shared = { cache, users: 0, ready: cache.start() };
  }
  shared.users++;
  await shared.ready;
  return shared.cache;
}

export function releaseHostData(): void {
  if (!shared) return;
  if (--shared.users <= 0) {
    shared.cache.stop();
    shared = undefined;
  }
}

/**
 * A MIB module's use of the shared cache: `follow` fills its tables once and refreshes
 * them on each change of the topics it names (a failing refresh is logged, the others go
 * on); `release` stops following and gives the cache back.
 */
export interface HostDataHold {
  readonly cache: HostDataCache;
  follow(updates: Partial<Record<HostTopic, () => void>>, failed: (topic: HostTopic, e: unknown) => void): void;
  release(): void;
}

/** acquireHostData for a MIB module, with its table refreshes wired to the cache's change events. */
export async function holdHostData(options: Parameters<typeof acquireHostData>[0] = {}): Promise<HostDataHold> {
  const cache = await acquireHostData(options);
  let listener: ((topic: HostTopic) => void) | undefined;
  let released = false;
  return {
    cache,
    follow(updates, failed) {
      for (const fn of Object.values(updates)) fn?.();
      listener = (topic) => {
        try {
          updates[topic]?.();
        } catch (e) {
          failed(topic, e);
        }
      };
      cache.on('change', listener);
    },
    release() {
      if (released) return;
      released = true;
      if (listener) cache.off('change', listener);
      releaseHostData();
    },
  };
}

/**
 * OpenSPS's own sysApplInstallPkg row. The install date is when package.json was put in
 * place (an rpm/deb install writes it; a checkout's is its last update).
 */
export async function ourPackage(root: string): Promise<NonNullable<HostDataOptions['package']>> {
  const pkgFile = path.join(root, 'package.json');
  let version = VERSION;
  let installedMs: number | undefined;
  try {
    const [text, st] = await Promise.all([fsp.readFile(pkgFile, 'utf8'), fsp.stat(pkgFile)]);
    version = (JSON.parse(text) as { version?: string }).version ?? VERSION;
    installedMs = st.mtimeMs;
  } catch {
    /* keep the compiled-in version; date unknown */
  }
  return { manufacturer: 'OpenSPS project', productName: 'OpenSPS', version, serialNumber: '', installedMs, location: root };
}
