// The preauthorization query to RPMS (guide B-22). Not built yet: the module owns its directives only.
import type { SipdModule } from '../module.js';
import { DIRECTIVES_ONLY } from '../module.js';
import { rpmsDirectives } from './directives.js';

export const rpmsModule: SipdModule = {
  name: 'rpms',
  sections: [{ id: 'preauth', title: 'Preauthorization query (RPMS)', page: 22 }],
  directives: rpmsDirectives,
  open: async () => DIRECTIVES_ONLY,
};
