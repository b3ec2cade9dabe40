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
import { Admission } from '../modules/auth/admission.js';
import { callForwarding } from '../modules/callforward/hooks.js';
import type { CallForwardHooks } from '../modules/callforward/hooks.js';
import type { CallForwardUnconditional } from '../modules/callforward/cfu.js';
import { SubscriberLookup } from '../modules/callforward/lookup.js';
import { NumberExpander } from '../modules/numexp/expand.js';
import { PrivacyHooks } from '../modules/privacy/rewrite.js';
import type { ForwardHooks } from '../proxy/stages.js';
import type { SubscriberStore } from '../stores/subscriber-store.js';
import { openSubscriberStore, routeStoreOptions } from '../stores/open.js';
import type { RouteStore } from '../stores/route-store.js';
import { StaticRouter } from '../modules/routing/stage.js';
import { openEmbeddedRouteStore } from '../stores/embedded/route-store.js';

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
  private subscribers: SubscriberStore | undefined;
  /** The route database (data/routing_db), opened at start; sysadmin_sps_regroute changes it through sipd. */
  routeStore: RouteStore | undefined;
  private router: StaticRouter | undefined;
  private readonly numexp: NumberExpander;
  private readonly admission: Admission;
  private readonly cfu: CallForwardUnconditional;
  private readonly cfHooks: CallForwardHooks;
  private readonly privacy: PrivacyHooks;
  /** Call forwarding first, so privacy sees the Diversion it adds. */
  private readonly hooks: readonly ForwardHooks[];

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
    this.numexp = new NumberExpander({ debug: (m) => log.flag('Numexpand', m) });
    this.resolver = new Rfc3263Resolver(() => this.config, { client: this.dnsCache, log: (l, m) => log.log(l, m) });
    this.enumTranslator = new EnumTranslator({ client: this.dnsCache, log: (l, m) => (l === 'debug' ? log.flag('Enum', m) : log.log(l, m)) });
    this.admission = new Admission({
      subscribers: () => this.subscribers,
      log,
      expand: (user, c) => this.numexp.expand(user, c),
      isThisServer: env.isThisServer,
    });
    const cf = callForwarding(new SubscriberLookup({ subscribers: () => this.subscribers, log }));
    this.cfu = cf.unconditional;
    this.cfHooks = cf.hooks;
    this.privacy = new PrivacyHooks({ trustedDestination: (address, c) => this.admission.trustedDestination(address, c), log });
    this.hooks = [this.cfHooks, this.privacy];
  }

  static async open(config: Config, env: FeatureEnv): Promise<Features> {
    const f = new Features(config, env);
    const log = env.log;
    f.routeStore = await openEmbeddedRouteStore(routeStoreOptions(config, (l, m) => (l === 'debug' ? log.flag('Routing', m) : log.log(l, m))));
    f.router = new StaticRouter(f.routeStore, env.isThisServer, { debug: (m) => log.flag('Routing', m), expand: (user, c) => f.expandUser(user, c) });
    await f.reconfigure(config);
    return f;
  }

  /** Number expansion (stage 5) as the registrar and routing use it; logs under DebugFlag Numexpand. */
  expandUser(user: string, config: Config): string {
    return this.numexp.expand(user, config);
  }

  /** What the proxy core calls in its stages. */
  stages(): StageDeps {
    return {
      resolver: this.resolver,
      admission: () => this.admission,
      normalise: () => this.numexp,
      translateFirst: () => [this.cfu],
      translateAfter: () => this.translateAfter(),
      router: () => this.router,
      hooks: () => this.hooks,
    };
  }

  /** Translation after the registry: ENUM (GKTMP is not built). */
  private translateAfter(): TranslationModule[] {
    return this.config.values.Cisco_Enum ? [this.enumTranslator] : [];
  }

  /** A new config snapshot (start and graceful restart). */
  async reconfigure(config: Config): Promise<void> {
    await this.openSubscribers(config);
    await this.admission.prepare(config);
    this.config = config;
    const servers = dnsServersOf(config);
    if (JSON.stringify(servers) !== this.dnsServers) {
      this.dnsServers = JSON.stringify(servers);
      this.dns.setServers(servers);
      this.dnsCache.clear();
    }
  }

  /** The subscriber store: opened at start, replaced when a DB_MySQL directive changed. */
  private async openSubscribers(config: Config): Promise<void> {
    const key = (c: Config) => JSON.stringify(Object.entries(c.values).filter(([k]) => k.startsWith('DB_MySQL')));
    if (this.subscribers && key(config) === key(this.config)) return;
    const log = this.env.log;
    const next = await openSubscriberStore(config, (l, m) => (l === 'debug' ? log.flag('DBMySQL', m) : log.log(l, m)));
    const old = this.subscribers;
    this.subscribers = next;
    await old?.close();
  }

  async close(): Promise<void> {
    await Promise.all([this.subscribers?.close(), this.routeStore?.close()]);
  }
}
