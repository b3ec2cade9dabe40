// The response context of one stateful request (RFC 3261 §16.5-§16.10): the branches
// it was forked to (in parallel, at most MaxForks at a time), what came back on each,
// recursion on 3xx, cancellation, and the one final answer sent upstream.
import type { Config } from '../config/loader.js';
import { buildResponse } from '../sip/message.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { contactQ, parseContacts } from '../sip/address.js';
import type { Uri } from '../sip/uri.js';
import { serializeUri } from '../sip/uri.js';
import type { ClientTxn, Destination, ServerTxn } from '../transaction/types.js';
import { hostPort } from '../transport/types.js';
import type { TransportName } from '../transport/types.js';
import { chooseBest } from './best-response.js';
import type { ProxyDeps } from './core.js';
import { forwardCopy, popVia } from './forward.js';
import { loopSuffix } from './sanity.js';

export interface Target {
  /** Where to send: the Request-URI's host, a contact, or the top Route. */
  readonly uri: Uri;
  /** The Request-URI the forwarded copy gets; undefined keeps the request's own. */
  readonly requestUri: string | undefined;
  readonly q?: number;
  /** Headers added to the copy sent to this target, or to the 3xx when it is redirected to (Diversion). */
  readonly headers?: readonly (readonly [string, string])[];
  /**
   * A call-forwarding destination: a proxy that is not Recursive answers 302 with it
   * (and its headers) instead of sending the request there itself (guide E-4 to E-11).
   */
  readonly forwarded?: boolean;
  /** Where to go next when this target fails (timeout, 503, no response): the route database's failover order. */
  readonly failover?: readonly Target[];
}

/** Upper bound on branches over the life of one request, recursion included. */
const MAX_BRANCHES_TOTAL = 20;

interface Branch {
  readonly target: Target;
  txn?: ClientTxn;
  done: boolean;
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
  recordRoute(transport: TransportName): string | undefined;
  /** Answer upstream with a response of our own. */
  answer(status: number, reason?: string): void;
  /** Send a response (already without our Via) upstream. */
  send(res: SipResponse): void;
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

  constructor(private readonly o: ForkOptions) {
    this.invite = o.request.method === 'INVITE';
  }

  start(): void {
    const { stx } = this.o;
    stx.onCancel = () => this.cancelAll('CANCEL from upstream');
    // Highest q first (RFC 3261 §16.6): equal q values are tried together.
    const sorted = [...this.o.targets].sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
    for (const t of sorted) this.enqueue(t);
    this.pump();
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
    if (this.cancelled) return this.localFinal(b, 487);
    this.send(b, dests, 0);
  }

  /** Send the branch to dests[i]; a transport failure moves on to the next address. */
  private send(b: Branch, dests: readonly Destination[], i: number): void {
    const { deps, request } = this.o;
    const dest = dests[i];
    const copy = forwardCopy(request, { requestUri: b.target.requestUri, recordRoute: this.o.recordRoute(dest.transport) });
    const via = { ...deps.identity.viaSentBy(dest.transport), branchSuffix: loopSuffix(this.o.stx.request) };
    b.txn = deps.txn.sendRequest(copy, dest, via, {
      onResponse: (res) => this.onResponse(b, res),
      onTimeout: (why) => {
        deps.log.info(`${request.method} to ${hostPort(dest.host, dest.port)} (${dest.transport}): ${why === 'no-response' ? 'no response' : 'no final response'} in time`);
        this.localFinal(b, 408);
      },
      onTransportError: (err) => {
        deps.log.info(`${request.method} to ${hostPort(dest.host, dest.port)} (${dest.transport}) failed: ${err.message}`);
        if (i + 1 < dests.length && !this.cancelled) this.send(b, dests, i + 1);
        else this.localFinal(b, 503);
      },
    });
  }

  private onResponse(b: Branch, res: SipResponse): void {
    if (b.done) {
      // A 2xx retransmission or a late 2xx on a finished branch still goes upstream (§16.7 step 5).
      if (res.status >= 200 && res.status < 300 && this.invite) this.o.send(popVia(res));
      return;
    }
    const status = res.status;
    if (status < 200) {
      if (status !== 100 && !this.finalSent) this.o.send(popVia(res));
      return;
    }
    b.done = true;
    if (status < 300) {
      this.got2xx = true;
      this.finalSent = true;
      this.o.send(popVia(res));
      // §16.7 step 10: the other branches of an answered INVITE are cancelled.
      if (this.invite) this.cancelAll('answered elsewhere', 'SIP;cause=200;text="Call completed elsewhere"');
      return;
    }
    if (status < 400 && this.o.recursive && !this.cancelled) {
      // Recursion (§16.7 step 4): try the contacts of the 3xx instead of returning it.
      const c = parseContacts(res.headers.values('Contact'));
      let added = 0;
      if (c.ok && !c.star) {
        for (const a of c.contacts) {
          if (a.uri.scheme === 'tel') continue;
          const before = this.waiting.length;
          this.enqueue({ uri: a.uri, requestUri: serializeUri(a.uri), q: contactQ(a) });
          added += this.waiting.length - before;
        }
      }
      if (added) {
        this.pump();
        return;
      }
    }
    this.finals.push({ res, local: false });
    if (status >= 600 && this.invite) this.cancelAll('global failure', undefined);
    this.pump();
  }

  private localFinal(b: Branch, status: number, reason?: string): void {
    if (b.done) return;
    b.done = true;
    this.finals.push({ res: buildResponse(this.o.stx.request, status, reason), local: true });
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
    this.finalSent = true;
    const best = chooseBest(this.finals.map((f) => f.res));
    if (!best) return this.o.answer(this.cancelled ? 487 : 500);
    const chosen = this.finals.find((f) => f.res === best.response)!;
    // A downstream 503 goes upstream as it is, as in the guide's figure E-16 (RFC 3261
    // §16.7 would have it turned into 500; see docs/decisions.md).
    if (chosen.local) return this.o.answer(chosen.res.status, chosen.res.reason);
    const up = popVia(chosen.res);
    for (const [name, value] of best.challenges) up.headers.append(name, value);
    this.o.send(up);
  }
}
