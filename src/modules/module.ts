// The contract of one sipd module (docs/architecture.md "The request path"): each folder's
// index.ts exports one SipdModule — its directives, the checks that span them, and
// open(), which turns a config snapshot into the stage parts the proxy core runs.
// src/server/modules.ts lists the modules in stage order; the server opens them in that
// order, hands their parts to the core, reconfigures them on a graceful restart and
// closes them at stop. Adding a module is a new folder and one line in that list.
import type { Config } from '../config/loader.js';
import type { DirectiveOwner } from '../config/schema.js';
import type { DebugFlagName, ErrorLog } from '../logging/index.js';
import type { BoundSocket } from '../proxy/identity.js';
import type { StageParts } from '../proxy/stages.js';
import type { LocationStore } from '../stores/location-store.js';
import type { RouteStore } from '../stores/route-store.js';
import type { SubscriberStore } from '../stores/subscriber-store.js';
import type { DnsQuerier } from './dns/client.js';
import type { RadiusService } from './radius/service.js';

/** The stores sipd opens at start (src/server/stores.ts) and hands to the modules. */
export interface SipdStores {
  /** The subscriber store; a graceful restart replaces it when a DB_MySQL directive changed, so read it per use. */
  subscribers(): SubscriberStore | undefined;
  /** The route database (data/routing_db); sysadmin_sps_regroute changes it through sipd. */
  readonly routes: RouteStore;
  /** The registry's location store, open when Cisco_Registry was On at start. */
  readonly locations: LocationStore | undefined;
}

/** Services a module offers to the modules after it in the list. */
export interface SharedServices {
  /** DNS lookups through the resolver's cache (ENUM's NAPTR queries share it). */
  readonly dns: DnsQuerier;
  /** The RADIUS client (accounting, RADIUS authentication and RPMS send through it). */
  readonly radius: RadiusService;
}

/** What the modules count for RFC 4780's SIP-SERVER-MIB (server/counters.ts implements it). */
export interface ModuleCounts {
  /** Our registrar answered a REGISTER: 200 (accepted) or a refusal of 300 and above. */
  registration(accepted: boolean): void;
  /** A request failed authentication (a wrong digest response or password); `aor` is user@domain as the registry files it. */
  authFailure(aor: string): void;
  /** A module's own figures, read at each counters snapshot under its name ("<name>.<key>"); a second call for the name replaces the first. */
  provide(name: string, read: () => Record<string, number>): void;
}

/** What the server hands each module's open(). */
export interface ModuleDeps {
  readonly log: ErrorLog;
  /** The sockets sipd has bound. */
  readonly bound: readonly BoundSocket[];
  /** True when host[:port] names this server. */
  isThisServer(host: string, port: number | undefined): boolean;
  /** The other farm member at host:port, from the farm member table (absent off a MySQL farm). */
  farmMemberAt?(host: string, port: number): string | undefined;
  readonly stores: SipdStores;
  /** Stage 5 as the registrar, routing and authentication use it: every module's normalise part in turn. */
  expand(user: string, config: Config): string;
  /** Stage 2 as privacy uses it: true when an admission part trusts the address as a destination. */
  trustedDestination(address: string, config: Config): boolean;
  /** What the modules opened before this one offer. */
  readonly services: Partial<SharedServices>;
  /** The server's counters; none kept when absent (unit tests). */
  readonly counts?: ModuleCounts;
}

/** A module's stage parts, and the services it offers the modules after it. */
export interface ModuleParts extends StageParts {
  readonly provides?: Partial<SharedServices>;
}

export interface SipdModule extends DirectiveOwner {
  open(config: Config, deps: ModuleDeps): Promise<ModuleParts>;
}

/** The parts of a module that only owns directives (its feature is not built, or another module applies them). */
export const DIRECTIVES_ONLY: ModuleParts = Object.freeze({ close: () => Promise.resolve() });

/** A service from an earlier module, or an error that names the order to fix. */
export function needService<K extends keyof SharedServices>(deps: ModuleDeps, name: K, user: string): SharedServices[K] {
  const s = deps.services[name];
  if (!s) throw new Error(`the ${user} module needs the ${name} service of a module listed before it in src/server/modules.ts`);
  return s;
}

/** A module's log: debug output goes under its DebugFlag, the rest to error_log at its level. */
export function flaggedLog(log: ErrorLog, flag: DebugFlagName): (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void {
  return (level, message) => (level === 'debug' ? log.flag(flag, message) : log.log(level, message));
}
