// The stores sipd opens at start and hands to its modules (ModuleDeps.stores): the
// route database, the registry's location store (when Cisco_Registry is On at start) and
// the subscriber store, which a graceful restart replaces when a DB_MySQL directive
// changed. Every store sipd opens is opened here.
import type { Config } from '../config/loader.js';
import type { ErrorLog } from '../logging/index.js';
import { flaggedLog } from '../modules/module.js';
import type { SipdStores } from '../modules/module.js';
import type { LocationStore } from '../stores/location-store.js';
import { openLocationStore, openRouteStore, openSubscriberStore } from '../stores/open.js';
import type { LoadProgress } from '../stores/open.js';
import type { RouteStore } from '../stores/route-store.js';
import type { SubscriberStore } from '../stores/subscriber-store.js';

/** The DB_MySQL directives of a snapshot: the subscriber store is reopened when they change. */
const mysqlKey = (c: Config) => JSON.stringify(Object.entries(c.values).filter(([k]) => k.startsWith('DB_MySQL')));

export class OpenStores implements SipdStores {
  private subscriberStore: SubscriberStore | undefined;

  private constructor(
    private config: Config,
    private readonly log: ErrorLog,
    readonly routes: RouteStore,
    readonly locations: LocationStore | undefined,
  ) {}

  /** `progress` hears how the loads go (sipd's start tells `sip start`); the stores are used only once this resolves. */
  static async open(config: Config, log: ErrorLog, progress?: LoadProgress): Promise<OpenStores> {
    const locations = config.values.Cisco_Registry ? await openLocationStore(config, (level, m) => log.log(level, m), progress) : undefined;
    const routes = await openRouteStore(config, flaggedLog(log, 'Routing'), progress);
    const stores = new OpenStores(config, log, routes, locations);
    stores.subscriberStore = await openSubscriberStore(config, flaggedLog(log, 'DBMySQL'), progress);
    return stores;
  }

  subscribers(): SubscriberStore | undefined {
    return this.subscriberStore;
  }

  /** A new snapshot: the subscriber store is replaced when a DB_MySQL directive changed. */
  async reconfigure(config: Config): Promise<void> {
    const same = mysqlKey(config) === mysqlKey(this.config);
    this.config = config;
    if (this.subscriberStore && same) return;
    const next = await openSubscriberStore(config, flaggedLog(this.log, 'DBMySQL'));
    const old = this.subscriberStore;
    this.subscriberStore = next;
    await old?.close();
  }

  async close(): Promise<void> {
    await Promise.all([this.subscriberStore?.close(), this.routes.close(), this.locations?.close()]);
  }
}
