// The preauthorization query to RPMS (guide B-22): an admission part after
// authentication that asks a resource pool manager about new INVITEs from listed
// previous hops, through the radius module's client (preauth.ts).
import type { SipdModule } from '../module.js';
import { flaggedLog, needService } from '../module.js';
import { rpmsDirectives } from './directives.js';
import { Preauthorizer } from './preauth.js';

export const rpmsModule: SipdModule = {
  name: 'rpms',
  sections: [{ id: 'preauth', title: 'Preauthorization query (RPMS)', page: 22, tab: 'RPMS', switch: 'PreAuthorization' }],
  directives: rpmsDirectives,
  async open(config, deps) {
    const preauth = new Preauthorizer({ radius: needService(deps, 'radius', 'rpms'), log: flaggedLog(deps.log, 'RPMS') });
    if (config.values.PreAuthorization) await preauth.prepare(config);
    return {
      admission: preauth,
      reconfigure: async (next) => void (next.values.PreAuthorization && (await preauth.prepare(next))),
      close: () => Promise.resolve(),
    };
  },
};
