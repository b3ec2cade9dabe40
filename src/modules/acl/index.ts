// Access control and trust lists (guide B-19). The lists are applied by the auth
// module's admission part, because Satisfy All|Any decides access and authentication
// together; this module owns the directives.
import type { SipdModule } from '../module.js';
import { DIRECTIVES_ONLY } from '../module.js';
import { aclDirectives } from './directives.js';

export const aclModule: SipdModule = {
  name: 'acl',
  sections: [{ id: 'access-control', title: 'Access control and trust lists', page: 19, tab: 'Access Control' }],
  directives: aclDirectives,
  open: async () => DIRECTIVES_ONLY,
};
