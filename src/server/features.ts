// The feature modules sipd runs in the proxy's stages (ARCHITECTURE.md "The request
// path"): opened from the config at start, given each new snapshot at a graceful
// restart, closed at stop. sipd hands `stages()` to the proxy core, which calls
// the getters per request, so a reload takes effect for the next request.
import type { Config } from '../config/loader.js';
import type { ErrorLog } from '../logging/index.js';
import type { ProxyDeps } from '../proxy/core.js';
import type { NextHopResolver } from '../proxy/next-hop.js';
import { SystemResolver } from '../proxy/next-hop.js';

export type FeatureLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

export interface FeatureEnv {
  readonly log: ErrorLog;
  /** True when host[:port] names this server. */
  isThisServer(host: string, port: number | undefined): boolean;
}

type StageDeps = Pick<ProxyDeps, 'resolver' | 'admission' | 'normalise' | 'translateFirst' | 'translateAfter' | 'router' | 'hooks'>;

export class Features {
  private config: Config;
  private readonly resolver: NextHopResolver;

  private constructor(
    config: Config,
    private readonly env: FeatureEnv,
  ) {
    this.config = config;
    this.resolver = new SystemResolver();
  }

  static async open(config: Config, env: FeatureEnv): Promise<Features> {
    const f = new Features(config, env);
    await f.reconfigure(config);
    return f;
  }

  /** What the proxy core calls in its stages. */
  stages(): StageDeps {
    return {
      resolver: this.resolver,
    };
  }

  /** A new config snapshot (start and graceful restart). */
  async reconfigure(config: Config): Promise<void> {
    this.config = config;
  }

  async close(): Promise<void> {}
}
