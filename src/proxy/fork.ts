// The response context of one stateful request (RFC 3261 §16.5-§16.10): the branches
// it was forked to (in parallel, at most MaxForks at a time), what came back on each,
// recursion on 3xx, cancellation, and the one final answer sent upstream.
import type { Config } from '../config/loader.js';
import { buildResponse } from '../sip/message.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { contactQ, parseContacts } from '../sip/address.js';
import { serializeUri, uriParam } from '../sip/uri.js';
import { tlsDowngradeAllowed } from '../transport/tls.js';
import type { ClientTxn, ServerTxn } from '../transaction/types.js';
import type { Destination, TransportName } from '../transport/types.js';
import { hostPort } from '../transport/types.js';
import { chooseBest } from './best-response.js';
import { forwardCopy, ownRoutesRemoved, popVia } from './forward.js';
import { loopSuffix } from './sanity.js';
import type { BranchInfo, ForkControl, ForwardHooks, ProxyDeps, RequestContext, Target } from './stages.js';

/** Upper bound on branches over the life of one request, recursion included. */
const MAX_BRANCHES_TOTAL = 20;

/** Upper bound on call-forward diversions of one request (a forwarding loop guard). */
const MAX_DIVERSIONS = 5;

interface Branch {
  readonly target: Target;
  txn?: ClientTxn;
  /** The last copy sent, and where (for the branchFinal hooks). */
  copy?: SipRequest;
  dest?: Destination;
  done: boolean;
  /** The addresses the target resolved to, and which one is being tried. */
  dests?: readonly Destination[];
  destIndex?: number;
}

export interface ForkOptions {
  readonly stx: ServerTxn;
  readonly request: SipRequest;
  readonly targets: readonly Target[];
  readonly config: Config;
  readonly deps: ProxyDeps;
  /** One branch at a time (caller preference) instead of up to MaxForks in parallel. */
  readonly sequential: boolean;
  /** Try the contacts of a 3xx (Recursive, or the caller's preference). */
  readonly recursive: boolean;
  /** What the stages learnt about the request, for the hooks. */
  readonly ctx: RequestContext;
  readonly hooks: readonly ForwardHooks[];
  /** Record-Route value(s), top first, for a copy leaving over `transport`. */
  recordRoute(transport: TransportName): readonly string[] | undefined;
  /** Answer upstream with a response of our own. */
  answer(status: number, reason?: string, headers?: readonly (readonly [string, string])[]): void;
  /** Send a response (already without our Via) upstream. */
  send(res: SipResponse): void;
}

/**
 * The destinations a request may leave by: no TLS-to-plain downgrade unless
 * AllowSipTlsConversionToSip is On, and TLS ones named for the certificate check.
 * An in-dialog request whose Route named our sips: side toward the next hop (the
 * record-route of a sips dialog) must leave over TLS too, whatever it arrived by.
 */
export function secureDestinations(ctx: RequestContext, target: Target, dests: readonly Destination[]): Destination[] {
  const allow = ctx.config.values.AllowSipTlsConversionToSip;
  const name = target.uri.scheme !== 'tel' && target.uri.hostType === 'hostname' && !uriParam(target.uri, 'maddr') ? target.uri.host : undefined;
  const sipsHop = ownRoutesRemoved(ctx.req).at(-1)?.scheme === 'sips';
  return dests
    .filter((d) => tlsDowngradeAllowed(ctx.source.transport, ctx.req.uri, d.transport, allow))
    .filter((d) => allow || !sipsHop || d.transport === 'TLS')
    .map((d) => (d.transport === 'TLS' && name && !d.serverName ? { ...d, serverName: name } : d));
}

export class ForkContext {
  private readonly branches: Branch[] = [];
  private readonly waiting: Target[] = [];
  private readonly tried = new Set<string>();
  /** Final responses kept for the best-response choice; `local` ones are ours (408/503) with no Via to pop. */
  private readonly finals: { res: SipResponse; local: boolean }[] = [];
  private finalSent = false;
  private got2xx = false;
  private cancelled = false;
  private readonly invite: boolean;
  private ringing = false;
  private anyResponse = false;
  private diversions = 0;
  private cleanups: (() => void)[] = [];
  private readonly ctl: ForkControl;

  constructor(private readonly o: ForkOptions) {
    this.invite = o.request.method === 'INVITE';
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.ctl = {
      get ringing() {
        return self.ringing;
      },
      get anyResponse() {
        return self.anyResponse;
      },
      divert: (targets) => this.divert(targets),
      redirect: (status, headers) => this.redirectUpstream(status, headers),
    };
  }

  start(): void {
    const { stx } = this.o;
    stx.onCancel = () => this.cancelAll('CANCEL from upstream');
    if (this.invite) {
      for (const h of this.o.hooks) {
        const done = h.forkStarted?.(this.o.ctx, this.ctl);
        if (done) this.cleanups.push(done);
      }
    }
    // Highest q first (RFC 3261 §16.6): equal q values are tried together.
    const sorted = [...this.o.targets].sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
    for (const t of sorted) this.enqueue(t);
    this.pump();
  }

  /** The final answer has gone upstream: timers armed by hooks are no longer wanted. */
  private ended(): void {
    this.finalSent = true;
    const c = this.cleanups;
    this.cleanups = [];
    for (const f of c) f();
  }

  /** Send a response upstream after the hooks have seen it. */
  private up(res: SipResponse): void {
    for (const h of this.o.hooks) h.upstream?.(this.o.ctx, res);
    this.o.send(res);
  }

  /** The hooks learn a branch's final response. */
  private branchFinal(b: Branch, res: SipResponse): void {
    const info: BranchInfo = { target: b.target, dest: b.dest, copy: b.copy };
    for (const h of this.o.hooks) h.branchFinal?.(this.o.ctx, info, res);
  }

  /** The hooks learn the final answer that went upstream. */
  private finalUp(res: SipResponse): void {
    for (const h of this.o.hooks) h.finalUpstream?.(this.o.ctx, res);
  }

  /** Answer upstream with our own final response, and tell the hooks. */
  private answerLocal(status: number, reason?: string, headers?: readonly (readonly [string, string])[]): void {
    this.o.answer(status, reason, headers);
    this.finalUp(buildResponse(this.o.stx.request, status, reason, headers ? { headers } : undefined));
  }

  /** Stop the open branches without letting their answers count (they are being replaced). */
  private abandonPending(why: string): void {
    this.waiting.length = 0;
    for (const b of this.branches) {
      if (b.done) continue;
      b.done = true;
      if (b.txn) {
        this.o.deps.log.debug(`cancelling the branch to ${serializeUri(b.target.uri)}: ${why}`);
        b.txn.cancel();
      }
    }
  }

  /** Call forwarding through a recursive proxy: send the request on to new targets. */
  private divert(targets: readonly Target[]): void {
    if (this.finalSent || this.cancelled || this.got2xx) return;
    if (++this.diversions > MAX_DIVERSIONS) {
      this.o.deps.log.info(`${this.o.request.method} ${this.o.request.uri}: more than ${MAX_DIVERSIONS} diversions, giving up`);
      return;
    }
    this.abandonPending('call forwarded');
    this.finals.length = 0;
    for (const t of targets) {
      this.tried.delete(t.requestUri ?? serializeUri(t.uri));
      this.enqueue(t);
    }
    this.pump();
  }

  /** Call forwarding through a non-recursive proxy: answer upstream with a redirect. */
  private redirectUpstream(status: number, headers: readonly (readonly [string, string])[]): void {
    if (this.finalSent || this.got2xx) return;
    this.abandonPending('redirected');
    this.ended();
    this.answerLocal(status, undefined, headers);
  }

  private enqueue(t: Target): void {
    const key = t.requestUri ?? serializeUri(t.uri);
    if (this.tried.has(key)) return;
    this.tried.add(key);
    this.waiting.push(t);
  }

  private get active(): number {
    return this.branches.filter((b) => !b.done).length;
  }

  /** Start waiting targets while fewer than MaxForks branches are open. */
  private pump(): void {
    const max = this.o.sequential ? 1 : this.o.config.values.MaxForks;
    while (this.waiting.length && this.active < max && this.branches.length < MAX_BRANCHES_TOTAL && !this.cancelled && !this.got2xx) {
      const t = this.waiting.shift()!;
      const b: Branch = { target: t, done: false };
      this.branches.push(b);
      void this.launch(b).catch((e) => {
        this.o.deps.log.error(`branch to ${serializeUri(t.uri)} failed: ${(e as Error).stack ?? e}`);
        this.localFinal(b, 500);
      });
    }
    this.maybeFinish();
  }

  private async launch(b: Branch): Promise<void> {
    const { deps, config, request } = this.o;
    let dests: Destination[];
    try {
      dests = await deps.resolver.resolve(b.target.uri, config.values.SipRouteHeaderTransportType);
    } catch (e) {
      const status = (e as { status?: number }).status ?? 503;
      deps.log.info(`cannot forward ${request.method} to ${serializeUri(b.target.uri)}: ${(e as Error).message}`);
      return this.localFinal(b, status);
    }
    if (!dests.length) {
      deps.log.info(`cannot forward ${request.method}: ${serializeUri(b.target.uri)} does not resolve`);
      return this.localFinal(b, 404, 'Not Found');
    }
    const secure = secureDestinations(this.o.ctx, b.target, dests);
    if (!secure.length) {
      deps.log.info(`${request.method} ${request.uri} arrived over TLS (or is sips:) and ${serializeUri(b.target.uri)} offers no TLS; AllowSipTlsConversionToSip is Off`);
      return this.localFinal(b, 403, 'TLS required for this destination');
    }
    if (this.cancelled) return this.localFinal(b, 487);
    b.dests = secure;
    this.send(b, 0);
  }

  /**
   * Try the next address of the branch's target (RFC 3263 §4.3: on a transport error,
   * a timeout with no response at all, or a 503). False when there is none left.
   */
  private nextDestination(b: Branch): boolean {
    const i = (b.destIndex ?? 0) + 1;
    if (!b.dests || i >= b.dests.length || this.cancelled || this.got2xx) return false;
    this.send(b, i);
    return true;
  }

  /** Send the branch to its i-th address. */
  private send(b: Branch, i: number): void {
    const { deps, request, ctx } = this.o;
    const dest = b.dests![i];
    b.destIndex = i;
    const copy = forwardCopy(request, { requestUri: b.target.requestUri, recordRoute: this.o.recordRoute(dest.transport) });
    // The target's own headers (a Diversion) go on top, in the order given.
    for (const [name, value] of [...(b.target.headers ?? [])].reverse()) copy.headers.prepend(name, value);
    for (const h of this.o.hooks) h.outgoing?.(ctx, copy, dest);
    b.copy = copy;
    b.dest = dest;
    const via = { ...deps.identity.viaSentBy(dest.transport), branchSuffix: loopSuffix(this.o.stx.request) };
    b.txn = deps.txn.sendRequest(copy, dest, via, {
      onResponse: (res) => this.onResponse(b, res),
      onTimeout: (why) => {
        deps.log.info(`${request.method} to ${hostPort(dest.host, dest.port)} (${dest.transport}): ${why === 'no-response' ? 'no response' : 'no final response'} in time`);
        // Only a hop that never answered is dead; one that rang and timed out is not.
        if (why === 'no-response' && !b.done && this.nextDestination(b)) return;
        this.localFinal(b, 408, undefined, why === 'no-response');
      },
      onTransportError: (err) => {
        deps.log.info(`${request.method} to ${hostPort(dest.host, dest.port)} (${dest.transport}) failed: ${err.message}`);
        if (!b.done && this.nextDestination(b)) return;
        this.localFinal(b, 503, undefined, true);
      },
    });
  }

  /**
   * The route database's failover (guide ch.1 "Next-Hop Routing"): when a target fails
   * for want of a working next hop, the next route in its failover list is tried in a
   * new branch.
   */
  private failover(b: Branch): boolean {
    const next = b.target.failover;
    if (!next?.length || this.cancelled || this.got2xx || this.branches.length >= MAX_BRANCHES_TOTAL) return false;
    const t: Target = { ...next[0], failover: next.slice(1) };
    this.o.deps.log.debug(`${this.o.request.method} ${this.o.request.uri}: ${serializeUri(b.target.uri)} failed, trying ${serializeUri(t.uri)}`);
    const nb: Branch = { target: t, done: false };
    this.branches.push(nb);
    void this.launch(nb).catch((e) => {
      this.o.deps.log.error(`branch to ${serializeUri(t.uri)} failed: ${(e as Error).stack ?? e}`);
      this.localFinal(nb, 500);
    });
    return true;
  }

  private onResponse(b: Branch, res: SipResponse): void {
    if (b.done) {
      // A 2xx retransmission or a late 2xx on a finished branch still goes upstream (§16.7 step 5).
      if (res.status >= 200 && res.status < 300 && this.invite) this.up(popVia(res));
      return;
    }
    const status = res.status;
    this.anyResponse = true;
    if (status < 200) {
      if (status !== 100) this.ringing = true;
      if (status !== 100 && !this.finalSent) this.up(popVia(res));
      return;
    }
    if (status === 503 && this.nextDestination(b)) return;
    b.done = true;
    this.branchFinal(b, res);
    if (status < 300) {
      this.got2xx = true;
      this.ended();
      const up = popVia(res);
      this.up(up);
      this.finalUp(up);
      // §16.7 step 10: the other branches of an answered INVITE are cancelled.
      if (this.invite) this.cancelAll('answered elsewhere', 'SIP;cause=200;text="Call completed elsewhere"');
      return;
    }
    if (status < 400 && this.o.recursive && !this.cancelled) {
      // Recursion (§16.7 step 4): try the contacts of the 3xx instead of returning it.
      const c = parseContacts(res.headers.values('Contact'));
      // The redirecting party's Diversion travels on to the new targets (after privacy has
      // had its say on a 3xx from an untrusted sender, guide E-29).
      for (const h of this.o.hooks) h.upstream?.(this.o.ctx, res);
      const diversion = res.headers.values('Diversion').map((v) => ['Diversion', v] as const);
      let added = 0;
      if (c.ok && !c.star) {
        for (const a of c.contacts) {
          if (a.uri.scheme === 'tel') continue;
          const before = this.waiting.length;
          this.enqueue({ uri: a.uri, requestUri: serializeUri(a.uri), q: contactQ(a), ...(diversion.length ? { headers: diversion } : {}) });
          added += this.waiting.length - before;
        }
      }
      if (added) {
        this.pump();
        return;
      }
    }
    this.finals.push({ res, local: false });
    if (status === 503) this.failover(b);
    if (status >= 600 && this.invite) this.cancelAll('global failure', undefined);
    this.pump();
  }

  /** A branch ended without an answer from downstream; `canFailOver` when the next hop looked dead. */
  private localFinal(b: Branch, status: number, reason?: string, canFailOver = false): void {
    if (b.done) return;
    b.done = true;
    const res = buildResponse(this.o.stx.request, status, reason);
    this.branchFinal(b, res);
    this.finals.push({ res, local: true });
    if (canFailOver) this.failover(b);
    this.pump();
  }

  private cancelAll(why: string, reason?: string): void {
    const pending = this.branches.filter((b) => !b.done && b.txn);
    if (!this.cancelled && pending.length) this.o.deps.log.debug(`cancelling ${pending.length} pending branch(es) of ${this.o.request.method} ${this.o.request.uri}: ${why}`);
    this.cancelled = true;
    this.waiting.length = 0;
    for (const b of pending) b.txn!.cancel(reason);
  }

  private maybeFinish(): void {
    if (this.finalSent || this.active > 0 || this.waiting.length) return;
    const best = chooseBest(this.finals.map((f) => f.res));
    if (best && !this.cancelled && this.invite) {
      // Call forward busy / unavailable may take the call elsewhere instead.
      for (const h of this.o.hooks) {
        if (h.beforeFinal?.(this.o.ctx, best.response, this.ctl)) {
          if (this.finalSent || this.active > 0 || this.waiting.length) return;
        }
      }
    }
    this.ended();
    if (!best) return this.answerLocal(this.cancelled ? 487 : 500);
    const chosen = this.finals.find((f) => f.res === best.response)!;
    // A downstream 503 goes upstream as it is, as in the guide's figure E-16 (RFC 3261
    // §16.7 would have it turned into 500; see docs/decisions.md).
    if (chosen.local) return this.answerLocal(chosen.res.status, chosen.res.reason);
    const up = popVia(chosen.res);
    for (const [name, value] of best.challenges) up.headers.append(name, value);
    this.up(up);
    this.finalUp(up);
  }
}
