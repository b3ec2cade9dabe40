// The callee's subscriber record, looked up once per request and shared by the
// forwarding decisions: unconditional (a translation module, before the registry),
// unavailable when nothing is registered, and busy / no answer / unavailable once the
// call is under way (forward hooks). The hooks must decide synchronously, so the record
// is fetched when translation runs and kept beside the request's context.
import type { Config } from '../../config/loader.js';
import type { ErrorLog } from '../../logging/index.js';
import type { RequestContext } from '../../proxy/stages.js';
import type { Target } from '../../proxy/stages.js';
import type { Subscriber, SubscriberStore } from '../../stores/subscriber-store.js';
import { parseUri } from '../../sip/uri.js';
import type { Uri } from '../../sip/uri.js';
import { virtualHostFor } from '../registry/this-server.js';
import { diversionHeader } from './diversion.js';
import type { ForwardReason } from './diversion.js';

export type CallForwardLog = Pick<ErrorLog, 'info' | 'debug'>;

export interface CallForwardDeps {
  /** The subscriber store in use, or undefined when there is none. */
  subscribers(): SubscriberStore | undefined;
  readonly log: CallForwardLog;
  /**
   * The domain subscribers of this Request-URI are filed under; undefined when they are
   * keyed by user alone. Default: the Virtual_Proxy_Domain the host stands for.
   */
  domainOf?(ruri: Uri, config: Config): string | undefined;
}

/** undefined: not looked up yet; null: looked up, no subscriber (or the store was unavailable). */
type Entry = { result: Subscriber | null | undefined; pending?: Promise<Subscriber | null>; forwarded?: boolean };

/** The directive that enables forwarding for each reason, and the subscriber field holding its target. */
const FIELDS: Readonly<Record<ForwardReason, { on: 'CallForwardUnconditional' | 'CallForwardBusy' | 'CallForwardNoAnswer' | 'CallForwardUnavailable'; url: 'cfu' | 'cfb' | 'cfna' | 'cfunv' }>> = {
  unconditional: { on: 'CallForwardUnconditional', url: 'cfu' },
  'user-busy': { on: 'CallForwardBusy', url: 'cfb' },
  'no-answer': { on: 'CallForwardNoAnswer', url: 'cfna' },
  unavailable: { on: 'CallForwardUnavailable', url: 'cfunv' },
};

export class SubscriberLookup {
  private readonly entries = new WeakMap<RequestContext, Entry>();

  constructor(readonly deps: CallForwardDeps) {}

  /** True when some kind of forwarding is On, so a lookup is worth making. */
  static anyOn(config: Config): boolean {
    const v = config.values;
    return v.CallForwardUnconditional || v.CallForwardBusy || v.CallForwardNoAnswer || v.CallForwardUnavailable;
  }

  /** Only initial INVITEs (no To tag) are calls that can be forwarded. */
  static isCall(ctx: RequestContext): boolean {
    return ctx.req.method === 'INVITE' && !/;\s*tag=/i.test(ctx.req.headers.get('To') ?? '');
  }

  /** The callee's record, fetched once per request; null when there is none or the store cannot answer. */
  async get(ctx: RequestContext, ruri?: Uri): Promise<Subscriber | null> {
    const e = this.entries.get(ctx);
    if (e?.result !== undefined) return e.result;
    if (e?.pending) return e.pending;
    const entry: Entry = e ?? { result: undefined };
    this.entries.set(ctx, entry);
    entry.pending = this.fetch(ctx, ruri).then((s) => {
      entry.result = s;
      entry.pending = undefined;
      return s;
    });
    return entry.pending;
  }

  /**
   * The request has been sent to a forwarding destination before any phone of the
   * subscriber was tried (unconditional, or unavailable for want of a registration): the
   * subscriber's other forwarding no longer applies to it.
   */
  markForwarded(ctx: RequestContext): void {
    const e = this.entries.get(ctx);
    if (e) e.forwarded = true;
    else this.entries.set(ctx, { result: undefined, forwarded: true });
  }

  wasForwarded(ctx: RequestContext): boolean {
    return this.entries.get(ctx)?.forwarded === true;
  }

  /** The record when it has already been fetched: undefined while unknown. */
  peek(ctx: RequestContext): Subscriber | null | undefined {
    return this.entries.get(ctx)?.result;
  }

  private async fetch(ctx: RequestContext, ruri?: Uri): Promise<Subscriber | null> {
    const store = this.deps.subscribers();
    if (!store) return null;
    let uri = ruri;
    if (!uri) {
      const p = parseUri(ctx.req.uri);
      if (!p.ok) return null;
      uri = p.uri;
    }
    const user = ctx.expandedUser ?? (uri.scheme === 'tel' ? uri.number : uri.user);
    if (!user) return null;
    const domain = this.deps.domainOf ? this.deps.domainOf(uri, ctx.config) : uri.scheme === 'tel' ? undefined : virtualHostFor(uri.host, ctx.config)?.domain;
    try {
      return (await store.get(user, domain)) ?? null;
    } catch (e) {
      // No forwarding rather than no call: the request goes on as if the user had none.
      this.deps.log.info(`call forwarding for ${user}${domain ? '@' + domain : ''} skipped: subscriber store: ${(e as Error).message}`);
      return null;
    }
  }

  /**
   * The forwarding target of `sub` for `reason` when that forwarding is On and the
   * subscriber has a destination for it: a Target marked forwarded, carrying the
   * diversion header (sent on with the request, or returned in the 302).
   */
  target(ctx: RequestContext, sub: Subscriber | null | undefined, reason: ForwardReason): Target | undefined {
    if (!sub) return undefined;
    const f = FIELDS[reason];
    if (!ctx.config.values[f.on]) return undefined;
    const url = sub[f.url].trim();
    if (!url) return undefined;
    const p = parseUri(url);
    if (!p.ok) {
      this.deps.log.info(`subscriber ${sub.user}${sub.domain ? '@' + sub.domain : ''}: ${reason} forwarding destination "${url}" is not a valid SIP URL (${p.reason}); not forwarded`);
      return undefined;
    }
    const div = diversionHeader(ctx.config, ctx.req.uri, reason, sub);
    this.deps.log.debug(`${ctx.req.method} ${ctx.req.uri}: forwarded (${reason}) to ${url}`);
    return { uri: p.uri, requestUri: url, forwarded: true, ...(div && { headers: [div] }) };
  }
}
