// The front stages every request passes before it is forwarded or redirected
// (docs/architecture.md "The request path", stages 1-7): sanity, admission, local handling
// (REGISTER, OPTIONS to us), number expansion, translation and routing. The modules'
// stage parts run in the order of the module list; the result is the list of targets,
// or nothing when the request was answered here.
import type { Config } from '../config/loader.js';
import type { SipRequest } from '../sip/message.js';
import type { SipUri, Uri } from '../sip/uri.js';
import { parseUri } from '../sip/uri.js';
import { ALLOWED_METHODS, answer, answerOptions, isAllowedMethod } from './answer.js';
import type { Answerer } from './answer.js';
import { preprocessRoute, sipUriOf } from './forward.js';
import { checkMaxForwards, checkProxyRequire, loopVia } from './sanity.js';
import type { Refusal } from './sanity.js';
import type { ProxyDeps, RequestContext, Target } from './stages.js';
import { checkTlsPeer } from './tls-peer.js';
import { farmMemberOfVia, isOurDomain, isOurVia, isUs, isUsUri } from './us.js';

/** What the front stages hand to forwarding. */
export interface Front {
  readonly req: SipRequest;
  readonly ctx: RequestContext;
  readonly targets: Target[];
  /** The next hop came from a Route header: no translation, routing or redirect. */
  readonly byRoute: boolean;
}

export class FrontStages {
  constructor(private readonly deps: ProxyDeps) {}

  private answer(a: Answerer, r: Refusal): undefined {
    answer(a, r, this.deps.serverToken);
    return undefined;
  }

  /** Stages up to target location, shared by both modes. Returns the targets, or undefined when answered. */
  async run(a: Answerer, config: Config): Promise<Front | undefined> {
    const { deps } = this;
    const req0 = a.request;
    // First: a peer whose client certificate does not name its Via learns nothing more (an ACK is dropped, never answered).
    const tlsPeer = checkTlsPeer(req0, a.from);
    if (tlsPeer) {
      deps.log.warn(tlsPeer.log);
      return req0.method === 'ACK' ? undefined : this.answer(a, tlsPeer.refusal);
    }
    const mf = checkMaxForwards(req0);
    if (mf) {
      // OPTIONS to the proxy itself may still be answered (RFC 3261 §11.2).
      if (mf.status === 483 && req0.method === 'OPTIONS' && isUsUri(deps, req0.uri, false)) return answerOptions(a, deps.serverToken);
      return this.answer(a, mf);
    }
    // A farm is one virtual server: a request that passed another member unchanged is a loop too.
    const looped = loopVia(req0, (via) => isOurVia(deps, via) || farmMemberOfVia(deps, via) !== undefined);
    if (looped) {
      const member = isOurVia(deps, looped) ? undefined : farmMemberOfVia(deps, looped);
      deps.log.info(`loop detected: ${req0.method} ${req0.uri} (Call-ID ${req0.headers.get('Call-ID')}) came back unchanged${member ? ` (it passed farm member ${member})` : ''}`);
      return this.answer(a, { status: 482 });
    }
    const pr = checkProxyRequire(req0, config.values.IgnoreProxyRequire);
    if (pr) {
      deps.counts?.proxyRequireFailure();
      return this.answer(a, pr);
    }

    const req = preprocessRoute(req0, (u) => isUs(deps, u));
    const ctx: RequestContext = { req, source: a.from, config, trustedSource: false };

    // Stages 2-3. A CANCEL is never challenged (RFC 3261 §22.1). An ACK cannot be answered:
    // admission only marks the credentials it repeats from the INVITE for removal.
    if (req.method !== 'CANCEL') {
      for (const p of deps.parts) {
        const refusal = await p.admission?.admit(ctx);
        if (refusal && req.method !== 'ACK') return this.answer(a, refusal);
      }
    }

    const route = req.headers.first('Route');
    if (route !== undefined) {
      // Loose routing (§16.4, §16.6 step 7): the next hop is the top Route; no translation.
      const uri = sipUriOf(route);
      if (!uri) return this.answer(a, { status: 400, reason: 'Bad Route header' });
      return { req, ctx, targets: [{ uri, requestUri: undefined }], byRoute: true };
    }

    const parsed = parseUri(req.uri);
    if (!parsed.ok) {
      if (parsed.unsupportedScheme) deps.counts?.unsupportedUri();
      return this.answer(a, { status: parsed.unsupportedScheme ? 416 : 400, reason: parsed.unsupportedScheme ? undefined : `Bad Request-URI: ${parsed.reason}` });
    }
    const ruri = parsed.uri;
    const local = ruri.scheme !== 'tel' && isUs(deps, ruri);

    // Stage 4: a REGISTER to us goes to the first local part that takes it.
    if (req.method === 'REGISTER' && local) {
      for (const p of deps.parts) {
        const res = await p.local?.register(ctx);
        if (res) return void a.send(res);
      }
      return this.answer(a, { status: 403, reason: 'Registration not accepted here' });
    }
    if (local && !(ruri as SipUri).user) {
      if (req.method === 'OPTIONS') return answerOptions(a, deps.serverToken);
      if (req.method === 'ACK') return undefined;
      // Addressed to the proxy itself, which acts as a UAS here (RFC 3261 §8.2.1): a method it does not implement gets 501.
      if (!isAllowedMethod(req.method)) {
        deps.counts?.unsupportedMethod();
        return this.answer(a, { status: 501, headers: [['Allow', ALLOWED_METHODS.join(', ')]] });
      }
      return this.answer(a, { status: 404, reason: 'Not Found' });
    }

    // Stage 5: the number plan is ours, so it expands user parts whose host is this server
    // or our domain (and tel: numbers sent to us), not another domain's users. The results
    // are used for lookups only; headers stay as sent.
    const ours = local || (ruri.scheme !== 'tel' && isOurDomain(ruri, config));
    ctx.ours = ours;
    const expand = (u: string) => deps.parts.reduce((x, p) => (p.normalise ? p.normalise.expand(x, config) : x), u);
    const user = ruri.scheme === 'tel' ? ruri.number : ruri.user;
    if (user) ctx.expandedUser = ours || ruri.scheme === 'tel' ? expand(user) : user;
    const fromUri = sipUriOf(req.headers.get('From'));
    if (fromUri?.user) ctx.expandedFromUser = isUs(deps, fromUri) || isOurDomain(fromUri, config) ? expand(fromUri.user) : fromUri.user;

    // Stage 6: the first translation module with contacts wins.
    let targets = await this.translate(ctx, ruri);
    if (!targets?.length && ours) {
      for (const p of deps.parts) {
        if (!p.hooks?.noContacts) continue;
        targets = [...((await p.hooks.noContacts(ctx, ruri)) ?? [])];
        if (targets.length) break;
      }
    }
    // Nothing translated: the Request-URI itself goes to next-hop routing.
    const untranslated = !targets?.length;
    if (!targets?.length) targets = [{ uri: ruri, requestUri: undefined }];

    // Stage 7: routes for each contact; a contact naming us with no route cannot go anywhere.
    const routed = await this.routeAll(ctx, targets, a, untranslated && ours);
    if (!routed) return undefined;
    if (!routed.length) {
      if (req.method === 'ACK') return undefined;
      return this.answer(a, { status: 404, reason: 'Not Found' });
    }
    return { req, ctx, targets: routed, byRoute: false };
  }

  /** The translation chain in list order: call forward unconditional, the registry, ENUM, GKTMP (guide ch.1). */
  private async translate(ctx: RequestContext, ruri: Uri): Promise<Target[] | undefined> {
    for (const p of this.deps.parts) {
      const found = await p.translation?.translate(ctx, ruri);
      if (found?.length) return [...found];
    }
    return undefined;
  }

  /**
   * Next hops for each contact from the route database. A route's next hops become the
   * target and its failover list; a contact without a route is sent to its own host,
   * unless that host is us. Undefined when the request was answered (a blocked route).
   */
  private async routeAll(ctx: RequestContext, contacts: readonly Target[], a: Answerer, unroutedIsUs: boolean): Promise<Target[] | undefined> {
    const router = this.deps.parts.find((p) => p.router)?.router;
    const out: Target[] = [];
    for (const c of contacts) {
      let hops: readonly Target[] | undefined;
      try {
        hops = router ? await router.route(ctx, c) : undefined;
      } catch (e) {
        const status = (e as { status?: number }).status;
        if (typeof status !== 'number') throw e;
        this.deps.log.info(`${ctx.req.method} ${ctx.req.uri}: ${(e as Error).message}`);
        if (ctx.req.method !== 'ACK') this.answer(a, { status, reason: (e as Error).message.length < 60 ? (e as Error).message : undefined });
        return undefined;
      }
      if (hops?.length) {
        const extra = { q: c.q, headers: c.headers, forwarded: c.forwarded };
        out.push({ ...hops[0], ...extra, failover: hops.slice(1).map((h) => ({ ...h, ...extra })) });
      } else if (c.uri.scheme !== 'tel' && !unroutedIsUs && !isUs(this.deps, c.uri)) {
        out.push(c);
      }
    }
    return out;
  }
}
