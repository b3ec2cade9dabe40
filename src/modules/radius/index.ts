// The RADIUS client settings shared by accounting, authentication and preauthorization
// (guide B-8). The client itself is not built yet, so the module owns its directives only.
import type { SipdModule } from '../module.js';
import { DIRECTIVES_ONLY } from '../module.js';
import { radiusDirectives } from './directives.js';

export const radiusModule: SipdModule = {
  name: 'radius',
  directives: radiusDirectives,
  open: async () => DIRECTIVES_ONLY,
};
