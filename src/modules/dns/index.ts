// Stage 8, next-hop resolution (RFC 3263) through a caching DNS client; the cache is
// offered to later modules (ENUM). DnsServers changes at a graceful restart reach the
// client at once and empty the cache.
import type { Config } from '../../config/loader.js';
import type { SipdModule } from '../module.js';
import { DnsCache } from './cache.js';
import { DnsClient, dnsServersOf } from './client.js';
import { dnsDirectives } from './directives.js';
import { Rfc3263Resolver } from './rfc3263.js';

export const dnsModule: SipdModule = {
  name: 'dns',
  directives: dnsDirectives,
  async open(config, deps) {
    let current: Config = config;
    let servers = JSON.stringify(dnsServersOf(config));
    const client = new DnsClient({ servers: dnsServersOf(config) });
    const cache = new DnsCache(client);
    const resolver = new Rfc3263Resolver(() => current, { client: cache, log: (l, m) => deps.log.log(l, m) });
    return {
      resolver,
      provides: { dns: cache },
      reconfigure(next) {
        current = next;
        const now = dnsServersOf(next);
        if (JSON.stringify(now) === servers) return;
        servers = JSON.stringify(now);
        client.setServers(now);
        cache.clear();
      },
      close: () => Promise.resolve(),
    };
  },
};
