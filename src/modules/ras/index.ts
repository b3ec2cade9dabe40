// H.323 RAS (guide B-29). Not built yet: the module owns its directives only.
import type { SipdModule } from '../module.js';
import { DIRECTIVES_ONLY } from '../module.js';
import { rasContainers, rasDirectives } from './directives.js';

export const rasModule: SipdModule = {
  name: 'ras',
  sections: [{ id: 'ras', title: 'H.323 RAS', page: 29, tab: 'RAS', switch: 'RASModule' }],
  directives: rasDirectives,
  containers: rasContainers,
  open: async () => DIRECTIVES_ONLY,
};
