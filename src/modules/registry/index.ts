// Registry services (guide B-27): the registrar answers REGISTER for our domains
// (stage 4), and the registry is the translation module that turns an AOR of ours into
// its registered contacts (stage 6, after call forward unconditional). Both follow
// Cisco_Registry per snapshot; with it Off at start there is no registrar at all, and
// a REGISTER to us gets the core's 403.
import { parseUri } from '../../sip/uri.js';
import type { Target } from '../../proxy/stages.js';
import type { SipdModule } from '../module.js';
import { DIRECTIVES_ONLY, flaggedLog } from '../module.js';
import { registryDirectives } from './directives.js';
import { Registrar } from './registrar.js';

export const registryModule: SipdModule = {
  name: 'registry',
  sections: [{ id: 'registry', title: 'Registry services', page: 27, tab: 'Registry', switch: 'Cisco_Registry' }],
  directives: registryDirectives,
  async open(config, deps) {
    if (!config.values.Cisco_Registry) return DIRECTIVES_ONLY;
    // Registrar decisions (refusals, binding changes, lookups) go under DebugFlag Registry.
    const registrar = await Registrar.open(config, flaggedLog(deps.log, 'Registry'), {
      bound: deps.bound,
      ...(deps.stores.locations && { store: deps.stores.locations }),
      expand: (user, c) => deps.expand(user, c),
    });
    return {
      local: {
        register: async (ctx) => {
          if (!ctx.config.values.Cisco_Registry) return undefined;
          const res = await registrar.handleRegister(ctx.req, ctx.source);
          // sipServerRegStatsAcceptedRegs / RejectedRegs: what this registrar answered.
          if (res.status >= 200) deps.counts?.registration(res.status < 300);
          return res;
        },
      },
      translation: {
        name: 'registry',
        translate: async (ctx, ruri) => {
          if (!ctx.ours || !ctx.config.values.Cisco_Registry) return undefined;
          const targets: Target[] = [];
          for (const b of registrar.lookup(ruri, ctx.config)) {
            const u = parseUri(b.contact);
            if (u.ok) targets.push({ uri: u.uri, requestUri: b.contact, q: b.q });
          }
          return targets;
        },
      },
      reconfigure: (next) => registrar.reconfigure(next),
      close: () => registrar.close(),
    };
  },
};
