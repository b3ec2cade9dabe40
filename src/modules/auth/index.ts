// Stages 2-3: access lists (modules/acl's directives) and authentication decide
// together under Satisfy All|Any (with AuthServer Radius, through the radius module's client); the admission part also tells privacy which
// destinations are trusted. Each snapshot's lists are compiled before requests get it.
import type { SipdModule } from '../module.js';
import { Admission } from './admission.js';
import { authDirectives } from './directives.js';

export const authModule: SipdModule = {
  name: 'auth',
  sections: [{ id: 'authentication', title: 'Authentication and authorization', page: 17, tab: 'Authentication', switch: 'Authentication' }],
  directives: authDirectives,
  async open(config, deps) {
    const admission = new Admission({
      subscribers: () => deps.stores.subscribers(),
      log: deps.log,
      expand: (user, c) => deps.expand(user, c),
      isThisServer: (host, port) => deps.isThisServer(host, port),
      bound: deps.bound,
      failed: (aor) => deps.counts?.authFailure(aor),
      ...(deps.services.radius && { radius: deps.services.radius }),
    });
    await admission.prepare(config);
    return {
      admission,
      reconfigure: async (next) => void (await admission.prepare(next)),
      close: () => Promise.resolve(),
    };
  },
};
