// Runs the module list (modules.ts) for sipd: opens each module in order with the deps
// the server builds, collects the stage parts for the proxy core, hands each new config
// snapshot to them at a graceful restart and closes them at stop.
import type { Config } from '../config/loader.js';
import type { ModuleDeps, ModuleParts, SharedServices, SipdModule } from '../modules/module.js';
import type { NextHopResolver } from '../proxy/next-hop.js';

export class OpenModules {
  private constructor(readonly parts: readonly ModuleParts[]) {}

  /**
   * Open the modules in list order. A module sees the services of those before it;
   * number expansion and destination trust are asked of the parts per request, so
   * every module may use them whatever its place. If one fails, those opened are closed.
   */
  static async open(modules: readonly SipdModule[], config: Config, base: Omit<ModuleDeps, 'expand' | 'trustedDestination' | 'services'>): Promise<OpenModules> {
    const parts: ModuleParts[] = [];
    const services: Partial<SharedServices> = {};
    const deps: ModuleDeps = {
      ...base,
      services,
      expand: (user, c) => parts.reduce((u, p) => (p.normalise ? p.normalise.expand(u, c) : u), user),
      trustedDestination: (address, c) => parts.some((p) => p.admission?.trustedDestination?.(address, c)),
    };
    try {
      for (const m of modules) {
        const p = await m.open(config, deps);
        parts.push(p);
        Object.assign(services, p.provides);
      }
    } catch (e) {
      await new OpenModules(parts).close();
      throw e;
    }
    return new OpenModules(parts);
  }

  /** Stage 8: the first module that resolves next hops. */
  get resolver(): NextHopResolver | undefined {
    return this.parts.find((p) => p.resolver)?.resolver;
  }

  /** A new snapshot, module by module in list order, before new requests get it. */
  async reconfigure(config: Config): Promise<void> {
    for (const p of this.parts) await p.reconfigure?.(config);
  }

  async close(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.close().catch(() => undefined)));
  }
}
