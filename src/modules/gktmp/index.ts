// The GKTMP interface (guide B-14). Not built yet: the module owns its directives only.
import type { SipdModule } from '../module.js';
import { DIRECTIVES_ONLY } from '../module.js';
import { gktmpDirectives } from './directives.js';

export const gktmpModule: SipdModule = {
  name: 'gktmp',
  sections: [{ id: 'gktmp', title: 'GKTMP interface', page: 14, tab: 'GKTMP', switch: 'GktmpConnection' }],
  directives: gktmpDirectives,
  open: async () => DIRECTIVES_ONLY,
};
