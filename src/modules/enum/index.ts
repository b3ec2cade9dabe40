// Stage 6, E.164 to Request-URI translation by ENUM NAPTR lookups (guide B-25), through
// the dns module's cache; Cisco_Enum switches it per snapshot.
import type { SipdModule } from '../module.js';
import { flaggedLog, needService } from '../module.js';
import { enumDirectives } from './directives.js';
import { EnumTranslator } from './enum.js';

export const enumModule: SipdModule = {
  name: 'enum',
  sections: [{ id: 'enum', title: 'E.164 to Request-URI translation (ENUM)', page: 25, tab: 'ENUM', switch: 'Cisco_Enum' }],
  directives: enumDirectives,
  async open(_config, deps) {
    const translator = new EnumTranslator({ client: needService(deps, 'dns', 'enum'), log: flaggedLog(deps.log, 'Enum') });
    return {
      translation: { name: translator.name, translate: async (ctx, ruri) => (ctx.config.values.Cisco_Enum ? translator.translate(ctx, ruri) : undefined) },
      close: () => Promise.resolve(),
    };
  },
};
