// The million-row route and registry tables the benchmarks load into sipd
// (gui-search.ts, start-load.ts): patterns and AORs scattered over the table, so that
// insertion order is not sort order, and a few hundred next hops and labels.
import type { Config } from '../src/config/loader.js';
import { openEmbeddedLocationStore } from '../src/stores/embedded/location-store.js';
import { openEmbeddedRouteStore } from '../src/stores/embedded/route-store.js';
import type { Binding } from '../src/stores/location-store.js';
import { locationStoreOptions, routeStoreOptions } from '../src/stores/open.js';
import type { Route } from '../src/stores/route-store.js';

export const userName = (i: number) => `u${String(i).padStart(7, '0')}`;

export class BigTables {
  constructor(readonly rows: number) {}

  private scatter(i: number): number {
    return (i * 7919) % this.rows;
  }

  route(i: number): Route {
    const n = this.scatter(i);
    return {
      pattern: `+1${String(n).padStart(9, '0')}`, type: 'phone', nextHop: `gw${n % 64}.carrier${n % 8}.example.net`, port: 5060, transport: 'UDP',
      priority: n % 10, weight: 1 + (n % 100), techPrefix: '', techPrefixAction: 'include', allowLessSpecific: true, block: false, inService: true, label: `carrier ${n % 8}`,
    };
  }

  binding(i: number, now: number): Binding {
    const user = userName(this.scatter(i));
    const host = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    return { aor: `${user}@example.com`, contact: `sip:${user}@${host}:5060`, q: 1, expiresAt: now + 7 * 86_400_000, callId: `c${i}`, cseq: 1, static: false, updatedAt: now, received: { transport: 'UDP', address: host, port: 5060 } };
  }

  /** Write both tables into the store files of this configuration (sipd stopped), as an import and a million REGISTERs would leave them. */
  async write(config: Config): Promise<void> {
    const log = () => undefined;
    const routes = await openEmbeddedRouteStore({ ...routeStoreOptions(config, log), compactEveryMs: 0 });
    await routes.replaceAll(Array.from({ length: this.rows }, (_, i) => this.route(i)));
    await routes.close();
    const reg = await openEmbeddedLocationStore({ ...locationStoreOptions(config, log), compactEveryMs: 0, sync: false });
    const now = Date.now();
    for (let i = 0; i < this.rows; i += 10_000) {
      const w: Promise<void>[] = [];
      for (let k = i; k < Math.min(this.rows, i + 10_000); k++) {
        const b = this.binding(k, now);
        w.push(reg.put(b.aor, [b]));
      }
      await Promise.all(w);
    }
    await reg.close();
  }
}
