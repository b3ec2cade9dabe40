// Call forwarding once the call is under way (guide Appendix B "Configuring Call
// Forwarding", figures E-6 to E-11):
// - busy: the callee answered 486 Busy Here;
// - no answer: the callee rang for CallForwardNoAnswerTimer without answering;
// - unavailable: the subscriber has no registration at all, or its phones gave no
//   response whatever within CallForwardUnavailableTimer.
// A Recursive proxy sends the call on to the destination itself (ctl.divert); one that is
// not answers 302 with the destination as Contact and the diversion header (ctl.redirect).
// Each call is forwarded at most once here; a destination that is itself one of our
// subscribers comes back to us as a new request and gets its own forwarding.
import type { Target } from '../../proxy/stages.js';
import type { ForkControl, ForwardHooks, RequestContext } from '../../proxy/stages.js';
import type { SipResponse } from '../../sip/message.js';
import type { Uri } from '../../sip/uri.js';
import { CallForwardUnconditional } from './cfu.js';
import type { ForwardReason } from './diversion.js';
import { SubscriberLookup } from './lookup.js';

interface CallState {
  readonly ctl: ForkControl;
  readonly timers: ReturnType<typeof setTimeout>[];
  /** The no-answer timer runs from the first ringing response. */
  noAnswerArmed: boolean;
  /** Forwarded already, or the fork has ended. */
  over: boolean;
}

export class CallForwardHooks implements ForwardHooks {
  private readonly calls = new WeakMap<RequestContext, CallState>();

  constructor(private readonly lookup: SubscriberLookup) {}

  /** Not registered: forward as unavailable (figures E-10, E-11 for the subscriber with no binding). */
  async noContacts(ctx: RequestContext, ruri: Uri): Promise<readonly Target[] | undefined> {
    if (!SubscriberLookup.isCall(ctx) || !ctx.config.values.CallForwardUnavailable) return undefined;
    const sub = await this.lookup.get(ctx, ruri);
    const t = this.lookup.target(ctx, sub, 'unavailable');
    if (!t) return undefined;
    this.lookup.markForwarded(ctx);
    return [t];
  }

  forkStarted(ctx: RequestContext, ctl: ForkControl): (() => void) | undefined {
    const v = ctx.config.values;
    if (!SubscriberLookup.isCall(ctx) || !(v.CallForwardNoAnswer || v.CallForwardUnavailable || v.CallForwardBusy)) return undefined;
    // Already on its way to a forwarding destination: that destination's own answer stands.
    if (this.lookup.wasForwarded(ctx)) return undefined;
    const state: CallState = { ctl, timers: [], noAnswerArmed: false, over: false };
    this.calls.set(ctx, state);
    const arm = () => {
      if (state.over) return;
      if (v.CallForwardUnavailable && this.lookup.target(ctx, this.lookup.peek(ctx), 'unavailable')) {
        this.after(state, v.CallForwardUnavailableTimer, () => {
          // Any answer at all (even 100 Trying) shows a live phone: that is no answer, not unavailable.
          if (!state.ctl.anyResponse) this.forward(ctx, state, 'unavailable');
        });
      }
      // A phone may already have rung while the record was being fetched.
      if (ctl.ringing) this.armNoAnswer(ctx, state);
    };
    if (this.lookup.peek(ctx) !== undefined) arm();
    else void this.lookup.get(ctx).then(arm);
    return () => {
      state.over = true;
      for (const t of state.timers) clearTimeout(t);
      state.timers.length = 0;
    };
  }

  upstream(ctx: RequestContext, res: SipResponse): void {
    // Provisional responses reach upstream through here: the first ring starts the no-answer wait.
    if (res.status <= 100 || res.status >= 200) return;
    const state = this.calls.get(ctx);
    if (state && !state.over) this.armNoAnswer(ctx, state);
  }

  beforeFinal(ctx: RequestContext, best: SipResponse, ctl: ForkControl): boolean {
    const state = this.calls.get(ctx);
    if (!state || state.over) return false;
    const sub = this.lookup.peek(ctx);
    let reason: ForwardReason | undefined;
    if (best.status === 486) reason = 'user-busy';
    else if (best.status === 408 && !ctl.anyResponse) reason = 'unavailable';
    else if (best.status === 408 && ctl.ringing) reason = 'no-answer';
    if (!reason || !this.lookup.target(ctx, sub, reason)) return false;
    return this.forward(ctx, state, reason);
  }

  private armNoAnswer(ctx: RequestContext, state: CallState): void {
    const v = ctx.config.values;
    if (state.noAnswerArmed || !v.CallForwardNoAnswer || !this.lookup.target(ctx, this.lookup.peek(ctx), 'no-answer')) return;
    state.noAnswerArmed = true;
    this.after(state, v.CallForwardNoAnswerTimer, () => this.forward(ctx, state, 'no-answer'));
  }

  private after(state: CallState, ms: number, f: () => void): void {
    const t = setTimeout(() => {
      if (!state.over) f();
    }, ms);
    t.unref?.();
    state.timers.push(t);
  }

  /** Take the call to the subscriber's destination for `reason`; false when there is none. */
  private forward(ctx: RequestContext, state: CallState, reason: ForwardReason): boolean {
    const target = this.lookup.target(ctx, this.lookup.peek(ctx), reason);
    if (!target || state.over) return false;
    state.over = true;
    for (const t of state.timers) clearTimeout(t);
    state.timers.length = 0;
    if (ctx.config.values.Recursive) {
      state.ctl.divert([target]);
    } else {
      state.ctl.redirect(302, [['Contact', `<${target.requestUri}>`], ...(target.headers ?? [])]);
    }
    return true;
  }
}

/** Both halves of call forwarding over one shared subscriber lookup. */
export function callForwarding(lookup: SubscriberLookup): { unconditional: CallForwardUnconditional; hooks: CallForwardHooks } {
  return { unconditional: new CallForwardUnconditional(lookup), hooks: new CallForwardHooks(lookup) };
}
