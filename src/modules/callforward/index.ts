// Call forwarding (guide B-23): unconditional forwarding is the first translation
// module of stage 6; busy, no answer and unavailable act through the forward hooks.
// Both look subscribers up in the subscriber store.
import type { SipdModule } from '../module.js';
import { callforwardDirectives } from './directives.js';
import { callForwarding } from './hooks.js';
import { SubscriberLookup } from './lookup.js';

export const callforwardModule: SipdModule = {
  name: 'callforward',
  sections: [{ id: 'call-forwarding', title: 'Call forwarding', page: 23, tab: 'Call Forward' }],
  directives: callforwardDirectives,
  async open(_config, deps) {
    const cf = callForwarding(new SubscriberLookup({ subscribers: () => deps.stores.subscribers(), log: deps.log }));
    return { translation: cf.unconditional, hooks: cf.hooks, close: () => Promise.resolve() };
  },
};
