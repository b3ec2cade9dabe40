// The proxy core: every request sipd does not simply answer passes here, through the
// stages of docs/architecture.md in order — the front stages (front.ts: sanity, admission,
// local handling, number expansion, translation, routing), then forwarding (stateful
// with forking, or stateless) or a redirect (redirect.ts). The modules plug into the
// stages through their StageParts (stages.ts); the core knows stages, not features.
import type { Config } from '../config/loader.js';
import { buildResponse, serializeMessage, statelessTag } from '../sip/message.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { serializeUri } from '../sip/uri.js';
import { parseVia } from '../sip/via.js';
import { statelessBranch } from '../transaction/branch.js';
import { cseqMethod } from '../transaction/keys.js';
import type { ServerTxn } from '../transaction/types.js';
import { hostPort } from '../transport/types.js';
import type { Destination, Inbound, Reply, TransportName } from '../transport/types.js';
import { answer } from './answer.js';
import type { Answerer } from './answer.js';
import { ForkContext, secureDestinations } from './fork.js';
import { popVia, forwardCopy, recordRouteValues, responseTarget, stampReceived } from './forward.js';
import { FrontStages } from './front.js';
import { redirect, redirectTargets } from './redirect.js';
import { loopSuffix } from './sanity.js';
import type { ForwardHooks, ProxyDeps, RequestContext, Target } from './stages.js';
import { isOurVia } from './us.js';

export { ALLOWED_METHODS, SUPPORTED_OPTION_TAGS } from './answer.js';

/**
 * Request-Disposition (RFC 3841 §9.1), honoured when UseCallerPreferences is On: the
 * caller may ask for a redirect instead of proxying, no forking, sequential instead of
 * parallel forking, and no recursion on 3xx.
 */
export function callerPreferences(req: SipRequest, config: Config): { redirect: boolean; fork: boolean; sequential: boolean; recurse: boolean } {
  const out = { redirect: false, fork: true, sequential: false, recurse: config.values.Recursive };
  if (!config.values.UseCallerPreferences) return out;
  for (const d of req.headers.values('Request-Disposition').map((x) => x.toLowerCase())) {
    if (d === 'redirect') out.redirect = true;
    else if (d === 'proxy') out.redirect = false;
    else if (d === 'no-fork') out.fork = false;
    else if (d === 'fork') out.fork = true;
    else if (d === 'sequential') out.sequential = true;
    else if (d === 'parallel') out.sequential = false;
    else if (d === 'no-recurse') out.recurse = false;
    else if (d === 'recurse') out.recurse = true;
  }
  return out;
}

/** Credentials the admission stage used up do not travel further (AuthConsumeProxyAuth). */
const CONSUME_CREDENTIALS: ForwardHooks = {
  outgoing(ctx, copy) {
    const used = ctx.consumedCredentials;
    if (!used?.length) return;
    const keep = copy.headers.fields('Proxy-Authorization').filter((v) => !used.includes(v));
    copy.headers.delete('Proxy-Authorization');
    for (const v of keep) copy.headers.append('Proxy-Authorization', v);
  },
};

export class ProxyCore {
  private readonly front: FrontStages;

  constructor(private readonly deps: ProxyDeps) {
    this.front = new FrontStages(deps);
  }

  // ---- requests ----

  onRequest(req: SipRequest, from: Inbound, reply: Reply, config: Config): void {
    const stamped = stampReceived(req, from);
    if (!config.values.StatefulServer) {
      // Stateless, a retransmission cannot be told from a new request.
      this.deps.counts?.requestReceived(stamped.method, false);
      void this.stateless(stamped, from, reply, config).catch((e) => this.crash('stateless request', e));
      return;
    }
    const r = this.deps.txn.receiveRequest(stamped, from, reply);
    switch (r.kind) {
      case 'retransmission':
      case 'ack-absorbed':
        return;
      case 'stray-ack':
        // The ACK of a 2xx is its own transaction-less request (RFC 3261 §16.7 step 10 aftermath).
        void this.forwardStateless(stamped, from, config).catch((e) => this.crash('ACK', e));
        return;
      case 'new':
        void this.stateful(r.txn, config).catch((e) => {
          this.crash(`${stamped.method} request`, e);
          if (!r.txn.finished) this.answerTxn(r.txn, 500, 'Server Internal Error');
        });
    }
  }

  private crash(what: string, e: unknown): void {
    this.deps.log.error(`internal error handling a ${what}: ${(e as Error)?.stack ?? e}`);
  }

  private txnAnswerer(stx: ServerTxn): Answerer {
    return {
      request: stx.request,
      from: stx.source,
      tag: undefined,
      send: (res) => {
        if (stx.respond(res)) this.deps.sent(stx.request, res, stx.source, stx.lastSentBytes);
      },
    };
  }

  private answerTxn(stx: ServerTxn, status: number, reason?: string, headers: readonly (readonly [string, string])[] = []): void {
    this.answer(this.txnAnswerer(stx), { status, reason, headers });
  }

  private answer(a: Answerer, r: { status: number; reason?: string; headers?: readonly (readonly [string, string])[] }): void {
    answer(a, r, this.deps.serverToken);
  }

  private async stateful(stx: ServerTxn, config: Config): Promise<void> {
    const a = this.txnAnswerer(stx);
    const req0 = stx.request;
    if (req0.method === 'CANCEL') {
      // A CANCEL matching no transaction of ours (RFC 3261 §9.2).
      return this.answerTxn(stx, 481, 'Call/Transaction Does Not Exist');
    }
    // §16.2: an INVITE is answered 100 at once, so the caller stops retransmitting.
    if (req0.method === 'INVITE') stx.respond(buildResponse(req0, 100, 'Trying', { headers: [['Server', this.deps.serverToken]] }));
    const front = await this.front.run(a, config);
    if (!front) return;
    const prefs = callerPreferences(front.req, config);
    if ((config.values.ServerType === 'Redirect' || prefs.redirect) && !front.byRoute) return redirect(this.deps, a, await redirectTargets(this.deps, front.targets, config));
    // A call-forward target reached through a proxy that does not recurse is redirected to (guide E-5, E-7, E-9, E-11).
    const fwd = front.targets.find((t) => t.forwarded);
    if (fwd && !config.values.Recursive) return redirect(this.deps, a, [fwd]);
    const fork = new ForkContext({
      stx,
      request: front.req,
      targets: prefs.fork ? front.targets : front.targets.slice(0, 1),
      config,
      deps: this.deps,
      ctx: front.ctx,
      hooks: this.hooks(),
      sequential: prefs.sequential,
      recursive: prefs.recurse,
      recordRoute: (t) => this.recordRouteFor(front.req, config, front.ctx.source.transport, t),
      answer: (status, reason, headers) => this.answerTxn(stx, status, reason, headers),
      send: (res) => a.send(res),
    });
    fork.start();
  }

  /** The forward hooks, with the removal of credentials we consumed first, then the modules' in list order. */
  private hooks(): ForwardHooks[] {
    return [CONSUME_CREDENTIALS, ...this.deps.parts.flatMap((p) => (p.hooks ? [p.hooks] : []))];
  }

  /** Record-Route for a copy leaving over `outbound` of a request that came in over `inbound` (one entry, or two: RFC 5658). */
  private recordRouteFor(req: SipRequest, config: Config, inbound: TransportName, outbound: TransportName): readonly string[] {
    return recordRouteValues(req, config, this.deps.identity, inbound, outbound);
  }

  // ---- stateless ----

  private async stateless(req: SipRequest, from: Inbound, reply: Reply, config: Config): Promise<void> {
    const a: Answerer = {
      request: req,
      from,
      tag: statelessTag(req),
      send: (res) => {
        const out = serializeMessage(res);
        if (!reply(out)) return;
        this.deps.counts?.responseSent(res, req.method, false);
        this.deps.sent(req, res, from, out.length);
      },
    };
    if (req.method === 'CANCEL' || req.method === 'ACK') {
      // Nothing to match them against: send them the same way as the request they belong to.
      const front = await this.front.run({ ...a, send: () => undefined }, config);
      if (front) await this.sendStateless(front.ctx, front.targets[0]);
      return;
    }
    const front = await this.front.run(a, config);
    if (!front) return;
    if (config.values.ServerType === 'Redirect' && !front.byRoute) return redirect(this.deps, a, await redirectTargets(this.deps, front.targets, config));
    // §16.11: a stateless proxy forwards to exactly one target.
    const fwd = front.targets.find((t) => t.forwarded);
    if (fwd && !config.values.Recursive) return redirect(this.deps, a, [fwd]);
    const ok = await this.sendStateless(front.ctx, front.targets[0]);
    if (!ok) this.answer(a, { status: 503 });
  }

  /** A request with no transaction (stateless mode; the ACK of a 2xx). */
  private async forwardStateless(req: SipRequest, from: Inbound, config: Config): Promise<void> {
    // Nothing can be answered; the real source still lets admission see who sent it.
    const sink: Answerer = { request: req, from, tag: undefined, send: () => undefined };
    const front = await this.front.run(sink, config);
    if (front) await this.sendStateless(front.ctx, front.targets[0]);
  }

  private async sendStateless(ctx: RequestContext, target: Target): Promise<boolean> {
    const { req, config } = ctx;
    let dests: Destination[];
    try {
      dests = await this.deps.resolver.resolve(target.uri, config.values.SipRouteHeaderTransportType);
    } catch (e) {
      this.deps.log.info(`cannot forward ${req.method} to ${serializeUri(target.uri)}: ${(e as Error).message}`);
      return false;
    }
    const dest = secureDestinations(ctx, target, dests)[0];
    if (!dest) {
      this.deps.log.info(`cannot forward ${req.method}: ${serializeUri(target.uri)} ${dests.length ? 'offers no TLS for a request that came over TLS' : 'does not resolve'}`);
      return false;
    }
    const copy = forwardCopy(req, { requestUri: target.requestUri, recordRoute: this.recordRouteFor(req, config, ctx.source.transport, dest.transport) });
    for (const [name, value] of [...(target.headers ?? [])].reverse()) copy.headers.prepend(name, value);
    for (const h of this.hooks()) h.outgoing?.(ctx, copy, dest);
    const sentBy = this.deps.identity.viaSentBy(dest.transport);
    const via = `SIP/2.0/${dest.transport} ${hostPort(sentBy.host, sentBy.port)};branch=${statelessBranch(req)}${loopSuffix(req)}`;
    copy.headers.prepend('Via', via);
    try {
      await this.deps.transports.send(dest, serializeMessage(copy));
      this.deps.counts?.requestSent(req.method, false);
      return true;
    } catch (e) {
      this.deps.log.info(`${req.method} to ${hostPort(dest.host, dest.port)} (${dest.transport}) not sent: ${(e as Error).message}`);
      return false;
    }
  }

  // ---- responses ----

  onResponse(res: SipResponse, from: Inbound, config: Config): void {
    if (config.values.StatefulServer && this.deps.txn.receiveResponse(res, from)) return;
    // Unmatched (a 2xx retransmission, or stateless mode): counted as new, as it cannot be told apart.
    this.deps.counts?.responseReceived(res, cseqMethod(res) ?? '', false);
    // No transaction: a 2xx retransmission, or stateless mode. Forward by Via (§16.7, §16.11).
    void this.forwardResponseStateless(res).catch((e) => this.crash('response', e));
  }

  private async forwardResponseStateless(res: SipResponse): Promise<void> {
    const top = res.headers.first('Via');
    const via = top === undefined ? undefined : parseVia(top);
    if (!via?.ok || !isOurVia(this.deps, via.via)) {
      this.deps.log.debug(`dropped a ${res.status} response whose top Via is not ours`);
      this.deps.counts?.discarded();
      return;
    }
    const up = popVia(res);
    const t = responseTarget(up);
    if (!t) return;
    const transport = t.transport === 'TCP' ? 'TCP' : t.transport === 'TLS' ? 'TLS' : 'UDP';
    let host = t.host;
    if (!/^[\d.]+$/.test(host) && !host.includes(':')) {
      const d = await this.deps.resolver.resolve({ scheme: 'sip', host, hostType: 'hostname', params: [], headers: [] }, transport);
      if (!d[0]) return;
      host = d[0].host;
    }
    try {
      await this.deps.transports.sendResponse({ transport, host, port: t.port }, serializeMessage(up));
      this.deps.counts?.responseSent(up, cseqMethod(up) ?? '', false);
    } catch (e) {
      this.deps.log.info(`${res.status} response to ${hostPort(host, t.port)} not sent: ${(e as Error).message}`);
    }
  }
}
