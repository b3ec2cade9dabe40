// Privacy (guide B-21): identity headers rewritten by the trust of sender and receiver,
// as forward hooks; which destinations are trusted comes from the admission stage.
import type { SipdModule } from '../module.js';
import { privacyDirectives } from './directives.js';
import { PrivacyHooks } from './rewrite.js';

export const privacyModule: SipdModule = {
  name: 'privacy',
  sections: [{ id: 'privacy', title: 'Privacy', page: 21, tab: 'Privacy', switch: 'Privacy' }],
  directives: privacyDirectives,
  async open(_config, deps) {
    return { hooks: new PrivacyHooks({ trustedDestination: (address, c) => deps.trustedDestination(address, c), log: deps.log }), close: () => Promise.resolve() };
  },
};
