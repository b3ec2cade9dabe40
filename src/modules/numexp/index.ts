// Stage 5: number expansion of user parts by the <NumberPlan> rules (guide B-24); its
// normalise part also serves the registrar, routing and authentication (ModuleDeps.expand).
import type { SipdModule } from '../module.js';
import { numexpContainers, numexpDirectives } from './directives.js';
import { NumberExpander } from './expand.js';

export const numexpModule: SipdModule = {
  name: 'numexp',
  sections: [{ id: 'number-expansion', title: 'Number expansion', page: 24, tab: 'Number Expansion', switch: 'Cisco_Numexpand' }],
  directives: numexpDirectives,
  containers: numexpContainers,
  async open(_config, deps) {
    return { normalise: new NumberExpander({ debug: (m) => deps.log.flag('Numexpand', m) }), close: () => Promise.resolve() };
  },
};
