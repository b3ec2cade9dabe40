// Stage 7, next-hop routing from the route database (guide B-26); Cisco_Routing
// switches it per snapshot. The server opens the database (src/server/stores.ts).
import type { SipdModule } from '../module.js';
import { routingDirectives } from './directives.js';
import { StaticRouter } from './stage.js';

export const routingModule: SipdModule = {
  name: 'routing',
  sections: [{ id: 'routing', title: 'Next-hop routing', page: 26, tab: 'Routing', switch: 'Cisco_Routing' }],
  directives: routingDirectives,
  async open(_config, deps) {
    const router = new StaticRouter(deps.stores.routes, (host, port) => deps.isThisServer(host, port), {
      debug: (m) => deps.log.flag('Routing', m),
      expand: (user, c) => deps.expand(user, c),
    });
    return {
      router: { route: async (ctx, contact) => (ctx.config.values.Cisco_Routing ? router.route(ctx, contact) : undefined) },
      close: () => Promise.resolve(),
    };
  },
};
