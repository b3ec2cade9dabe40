// Call forward unconditional: the first translation module (guide ch.1, "call forward
// unconditional, registry, ENUM, GKTMP"). A call for a subscriber with a CFU destination
// goes there whether or not the subscriber is registered (figures E-4, E-5). It also
// fetches the callee's record for the other kinds of forwarding, which decide later.
import type { Target } from '../../proxy/stages.js';
import type { RequestContext, TranslationModule } from '../../proxy/stages.js';
import type { Uri } from '../../sip/uri.js';
import { SubscriberLookup } from './lookup.js';

export class CallForwardUnconditional implements TranslationModule {
  readonly name = 'callforward';

  constructor(private readonly lookup: SubscriberLookup) {}

  async translate(ctx: RequestContext, ruri: Uri): Promise<readonly Target[] | undefined> {
    if (!SubscriberLookup.isCall(ctx) || !SubscriberLookup.anyOn(ctx.config)) return undefined;
    const sub = await this.lookup.get(ctx, ruri);
    const t = this.lookup.target(ctx, sub, 'unconditional');
    if (!t) return undefined;
    this.lookup.markForwarded(ctx);
    return [t];
  }
}
