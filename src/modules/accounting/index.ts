// RADIUS accounting (guide B-15). Not built yet: the module owns its directives only.
import type { SipdModule } from '../module.js';
import { DIRECTIVES_ONLY } from '../module.js';
import { accountingDirectives } from './directives.js';

export const accountingModule: SipdModule = {
  name: 'accounting',
  sections: [{ id: 'accounting', title: 'Accounting (RADIUS)', page: 15 }],
  directives: accountingDirectives,
  open: async () => DIRECTIVES_ONLY,
};
