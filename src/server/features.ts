// The feature modules sipd runs in the proxy's stages (ARCHITECTURE.md "The request
// path"): opened from the config at start, given each new snapshot at a graceful
// restart, closed at stop. sipd hands `stages()` to the proxy core, which calls
// the getters per request, so a reload takes effect for the next request.
import type { Config } from '../config/loader.js';
import type { ErrorLog } from '../logging/index.js';
import type { ProxyDeps } from '../proxy/core.js';
import type { NextHopResolver } from '../proxy/next-hop.js';
import type { TranslationModule } from '../proxy/stages.js';
import { DnsCache } from '../modules/dns/cache.js';
import { DnsClient, dnsServersOf } from '../modules/dns/client.js';
import { Rfc3263Resolver } from '../modules/dns/rfc3263.js';
import { EnumTranslator } from '../modules/enum/enum.js';

export type FeatureLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

export interface FeatureEnv {
  readonly log: ErrorLog;
  /** True when host[:port] names this server. */
  isThisServer(host: string, port: number | undefined): boolean;
}

type StageDeps = Pick<ProxyDeps, 'resolver' | 'admission' | 'normalise' | 'translateFirst' | 'translateAfter' | 'router' | 'hooks'>;

export class Features {
  private config: Config;
  private readonly dns: DnsClient;
  private dnsServers: string;
  private readonly dnsCache: DnsCache;
  private readonly resolver: NextHopResolver;
  private readonly enumTranslator: EnumTranslator;

  private constructor(
    config: Config,
    private readonly env: FeatureEnv,
  ) {
    this.config = config;
    const servers = dnsServersOf(config);
    this.dnsServers = JSON.stringify(servers);
    this.dns = new DnsClient({ servers });
    this.dnsCache = new DnsCache(this.dns);
    const log = env.log;
    this.resolver = new Rfc3263Resolver(() => this.config, { client: this.dnsCache, log: (l, m) => log.log(l, m) });
    this.enumTranslator = new EnumTranslator({ client: this.dnsCache, log: (l, m) => (l === 'debug' ? log.flag('Enum', m) : log.log(l, m)) });
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
      translateAfter: () => this.translateAfter(),
    };
  }

  /** Translation after the registry: ENUM (GKTMP is not built). */
  private translateAfter(): TranslationModule[] {
    return this.config.values.Cisco_Enum ? [this.enumTranslator] : [];
  }

  /** A new config snapshot (start and graceful restart). */
  async reconfigure(config: Config): Promise<void> {
    this.config = config;
    const servers = dnsServersOf(config);
    if (JSON.stringify(servers) !== this.dnsServers) {
      this.dnsServers = JSON.stringify(servers);
      this.dns.setServers(servers);
      this.dnsCache.clear();
    }
  }

  async close(): Promise<void> {}
}
