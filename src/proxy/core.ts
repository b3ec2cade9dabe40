// The proxy core: every request sipd does not simply answer passes here, through the
// stages of ARCHITECTURE.md in order — sanity, local handling (registrar, OPTIONS to
// us), target location, then forwarding (stateful with forking, or stateless) or a
// redirect. Features of later work (ACL, authentication, translation modules, routing,
// RFC 3263) plug into the stages without the core knowing them.
import type { Config } from '../config/loader.js';
import type { ErrorLog } from '../logging/index.js';
import { buildResponse, serializeMessage, statelessTag } from '../sip/message.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import type { SipUri, Uri } from '../sip/uri.js';
import { parseUri, serializeUri } from '../sip/uri.js';
import { parseVia } from '../sip/via.js';
import type { Via } from '../sip/via.js';
import { statelessBranch } from '../transaction/branch.js';
import type { ServerTxn, TransactionLayerApi } from '../transaction/types.js';
import type { SipTransports } from '../transport/outbound.js';
import { hostPort } from '../transport/types.js';
import type { Destination, Inbound, Reply, TransportName } from '../transport/types.js';
import { ForkContext, secureDestinations } from './fork.js';
import type { Target } from './fork.js';
import { forwardCopy, popVia, preprocessRoute, recordRouteValues, responseTarget, sipUriOf, stampReceived } from './forward.js';
import type { ProxyIdentity } from './identity.js';
import type { NextHopResolver } from './next-hop.js';
import { checkLoop, checkMaxForwards, checkProxyRequire, loopSuffix } from './sanity.js';
import type { Refusal } from './sanity.js';
import { checkTlsPeer } from './tls-peer.js';
import type { AdmissionStage, ForwardHooks, NormaliseStage, RequestContext, RouteStage, TranslationModule } from './stages.js';

/** What the proxy needs of the registrar (src/modules/registry). */
export interface RegistrarPort {
  handleRegister(req: SipRequest, source: Inbound): Promise<SipResponse>;
  /** Current contacts of the AOR a URI names, best (highest q) first. */
  lookup(uri: Uri, config: Config): readonly { readonly contact: string; readonly q: number }[];
}

/** Methods sipd handles; advertised in Allow. */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'PRACK', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE'] as const;

/** Option tags for Supported: none (an empty Supported is valid, RFC 3261 §20.37). */
export const SUPPORTED_OPTION_TAGS: readonly string[] = [];

export interface ProxyDeps {
  readonly txn: TransactionLayerApi;
  readonly transports: SipTransports;
  readonly identity: ProxyIdentity;
  readonly resolver: NextHopResolver;
  readonly registrar: () => RegistrarPort | undefined;
  /** Stages 2-3: access lists and authentication. */
  readonly admission?: () => AdmissionStage | undefined;
  /** Stage 5: number expansion. */
  readonly normalise?: () => NormaliseStage | undefined;
  /** Stage 6 in the guide's order, before the registry: call forward unconditional. */
  readonly translateFirst?: () => readonly TranslationModule[];
  /** Stage 6 after the registry: ENUM, GKTMP. */
  readonly translateAfter?: () => readonly TranslationModule[];
  /** Stage 7: the route database. */
  readonly router?: () => RouteStage | undefined;
  /** Stage 9 and the response side: privacy, call forwarding. */
  readonly hooks?: () => readonly ForwardHooks[];
  readonly log: ErrorLog;
  readonly serverToken: string;
  /** True when host[:port] names this server (its addresses, names, domains, virtual hosts). */
  isThisServer(host: string, port: number | undefined): boolean;
  /** Every response sipd sends upstream (answered or forwarded), for the access log and counters. */
  sent(req: SipRequest, res: SipResponse, from: Inbound, bytes: number): void;
}

/** What the front stages hand to forwarding. */
interface Front {
  readonly req: SipRequest;
  readonly ctx: RequestContext;
  readonly targets: Target[];
  /** The next hop came from a Route header: no translation, routing or redirect. */
  readonly byRoute: boolean;
}

/** One sending context for the local answers of a request: a server transaction, or a bare reply path. */
interface Answerer {
  readonly request: SipRequest;
  readonly from: Inbound;
  send(res: SipResponse): void;
  /** The To tag to use for answers (stable for stateless answers). */
  readonly tag: string | undefined;
}

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
  constructor(private readonly d: ProxyDeps) {}

  // ---- requests ----

  onRequest(req: SipRequest, from: Inbound, reply: Reply, config: Config): void {
    const stamped = stampReceived(req, from);
    if (!config.values.StatefulServer) {
      void this.stateless(stamped, from, reply, config).catch((e) => this.crash('stateless request', e));
      return;
    }
    const r = this.d.txn.receiveRequest(stamped, from, reply);
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
    this.d.log.error(`internal error handling a ${what}: ${(e as Error)?.stack ?? e}`);
  }

  private txnAnswerer(stx: ServerTxn): Answerer {
    return {
      request: stx.request,
      from: stx.source,
      tag: undefined,
      send: (res) => {
        if (stx.respond(res)) this.d.sent(stx.request, res, stx.source, stx.lastSentBytes);
      },
    };
  }

  private answerTxn(stx: ServerTxn, status: number, reason?: string, headers: readonly (readonly [string, string])[] = []): void {
    this.answer(this.txnAnswerer(stx), { status, reason, headers });
  }

  private answer(a: Answerer, r: Refusal & { body?: Buffer }): void {
    const headers: (readonly [string, string])[] = [...(r.headers ?? []), ['Server', this.d.serverToken]];
    a.send(buildResponse(a.request, r.status, r.reason, { toTag: a.tag, headers, body: r.body }));
  }

  /** Stages up to target location, shared by both modes. Returns the targets, or undefined when answered. */
  private async front(a: Answerer, config: Config): Promise<Front | undefined> {
    const v = config.values;
    const req0 = a.request;
    // First: a peer whose client certificate does not name its Via learns nothing more (an ACK is dropped, never answered).
    const tlsPeer = checkTlsPeer(req0, a.from);
    if (tlsPeer) {
      this.d.log.warn(tlsPeer.log);
      return req0.method === 'ACK' ? undefined : void this.answer(a, tlsPeer.refusal);
    }
    const mf = checkMaxForwards(req0);
    if (mf) {
      // OPTIONS to the proxy itself may still be answered (RFC 3261 §11.2).
      if (mf.status === 483 && req0.method === 'OPTIONS' && this.isUsUri(req0.uri, false)) return this.answerOptions(a);
      return void this.answer(a, mf);
    }
    const loop = checkLoop(req0, (via) => this.isOurVia(via));
    if (loop) {
      this.d.log.info(`loop detected: ${req0.method} ${req0.uri} (Call-ID ${req0.headers.get('Call-ID')}) came back unchanged`);
      return void this.answer(a, loop);
    }
    const pr = checkProxyRequire(req0, v.IgnoreProxyRequire);
    if (pr) return void this.answer(a, pr);

    const req = preprocessRoute(req0, (u) => this.isUs(u));
    const ctx: RequestContext = { req, source: a.from, config, trustedSource: false };

    // Stages 2-3. A CANCEL is never challenged (RFC 3261 §22.1). An ACK cannot be answered:
    // admission only marks the credentials it repeats from the INVITE for removal.
    const admission = this.d.admission?.();
    if (admission && req.method !== 'CANCEL') {
      const refusal = await admission.admit(ctx);
      if (refusal && req.method !== 'ACK') return void this.answer(a, refusal);
    }

    const route = req.headers.first('Route');
    if (route !== undefined) {
      // Loose routing (§16.4, §16.6 step 7): the next hop is the top Route; no translation.
      const uri = sipUriOf(route);
      if (!uri) return void this.answer(a, { status: 400, reason: 'Bad Route header' });
      return { req, ctx, targets: [{ uri, requestUri: undefined }], byRoute: true };
    }

    const parsed = parseUri(req.uri);
    if (!parsed.ok) return void this.answer(a, { status: parsed.unsupportedScheme ? 416 : 400, reason: parsed.unsupportedScheme ? undefined : `Bad Request-URI: ${parsed.reason}` });
    const ruri = parsed.uri;
    const local = ruri.scheme !== 'tel' && this.isUs(ruri);

    if (req.method === 'REGISTER' && local) {
      const registrar = v.Cisco_Registry ? this.d.registrar() : undefined;
      if (!registrar) return void this.answer(a, { status: 403, reason: 'Registration not accepted here' });
      const res = await registrar.handleRegister(req, a.from);
      return void a.send(res);
    }
    if (local && !(ruri as SipUri).user) {
      if (req.method === 'OPTIONS') return this.answerOptions(a);
      if (req.method === 'ACK') return undefined;
      return void this.answer(a, { status: 404, reason: 'Not Found' });
    }

    // Stage 5: the number plan is ours, so it expands user parts whose host is this server
    // or our domain (and tel: numbers sent to us), not another domain's users. The results
    // are used for lookups only; headers stay as sent.
    const ours = local || (ruri.scheme !== 'tel' && this.isOurDomain(ruri, config));
    const norm = this.d.normalise?.();
    const expand = (u: string) => (norm ? norm.expand(u, config) : u);
    const user = ruri.scheme === 'tel' ? ruri.number : ruri.user;
    if (user) ctx.expandedUser = ours || ruri.scheme === 'tel' ? expand(user) : user;
    const fromUri = sipUriOf(req.headers.get('From'));
    if (fromUri?.user) ctx.expandedFromUser = this.isUs(fromUri) || this.isOurDomain(fromUri, config) ? expand(fromUri.user) : fromUri.user;

    // Stage 6: the first translation module with contacts wins.
    let targets = await this.translate(ctx, ruri, ours);
    if (!targets?.length) {
      for (const h of this.d.hooks?.() ?? []) {
        if (!ours || !h.noContacts) continue;
        targets = [...((await h.noContacts(ctx, ruri)) ?? [])];
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
      return void this.answer(a, { status: 404, reason: 'Not Found' });
    }
    return { req, ctx, targets: routed, byRoute: false };
  }

  /** Call forward unconditional, then the registry, then ENUM and GKTMP (guide ch.1). */
  private async translate(ctx: RequestContext, ruri: Uri, ours: boolean): Promise<Target[] | undefined> {
    const chain: TranslationModule[] = [...(this.d.translateFirst?.() ?? []), this.registryTranslator(ours), ...(this.d.translateAfter?.() ?? [])];
    for (const m of chain) {
      const found = await m.translate(ctx, ruri);
      if (found?.length) return [...found];
    }
    return undefined;
  }

  /** The registry as a translation module: the bindings of an AOR in our domains. */
  private registryTranslator(ours: boolean): TranslationModule {
    return {
      name: 'registry',
      translate: async (ctx, ruri) => {
        const registrar = ours && ctx.config.values.Cisco_Registry ? this.d.registrar() : undefined;
        if (!registrar) return undefined;
        const targets: Target[] = [];
        for (const b of registrar.lookup(ruri, ctx.config)) {
          const u = parseUri(b.contact);
          if (u.ok) targets.push({ uri: u.uri, requestUri: b.contact, q: b.q });
        }
        return targets;
      },
    };
  }

  /**
   * Next hops for each contact from the route database. A route's next hops become the
   * target and its failover list; a contact without a route is sent to its own host,
   * unless that host is us. Undefined when the request was answered (a blocked route).
   */
  private async routeAll(ctx: RequestContext, contacts: readonly Target[], a: Answerer, unroutedIsUs: boolean): Promise<Target[] | undefined> {
    const router = ctx.config.values.Cisco_Routing ? this.d.router?.() : undefined;
    const out: Target[] = [];
    for (const c of contacts) {
      let hops: readonly Target[] | undefined;
      try {
        hops = router ? await router.route(ctx, c) : undefined;
      } catch (e) {
        const status = (e as { status?: number }).status;
        if (typeof status !== 'number') throw e;
        this.d.log.info(`${ctx.req.method} ${ctx.req.uri}: ${(e as Error).message}`);
        if (ctx.req.method !== 'ACK') this.answer(a, { status, reason: (e as Error).message.length < 60 ? (e as Error).message : undefined });
        return undefined;
      }
      if (hops?.length) {
        const extra = { q: c.q, headers: c.headers, forwarded: c.forwarded };
        out.push({ ...hops[0], ...extra, failover: hops.slice(1).map((h) => ({ ...h, ...extra })) });
      } else if (c.uri.scheme !== 'tel' && !unroutedIsUs && !this.isUs(c.uri)) {
        out.push(c);
      }
    }
    return out;
  }

  private answerOptions(a: Answerer): undefined {
    this.answer(a, {
      status: 200,
      headers: [
        ['Allow', ALLOWED_METHODS.join(', ')],
        ['Accept', 'application/sdp'],
        ['Supported', SUPPORTED_OPTION_TAGS.join(', ')],
      ],
    });
    return undefined;
  }

  private async stateful(stx: ServerTxn, config: Config): Promise<void> {
    const a = this.txnAnswerer(stx);
    const req0 = stx.request;
    if (req0.method === 'CANCEL') {
      // A CANCEL matching no transaction of ours (RFC 3261 §9.2).
      return this.answerTxn(stx, 481, 'Call/Transaction Does Not Exist');
    }
    // §16.2: an INVITE is answered 100 at once, so the caller stops retransmitting.
    if (req0.method === 'INVITE') stx.respond(buildResponse(req0, 100, 'Trying', { headers: [['Server', this.d.serverToken]] }));
    const front = await this.front(a, config);
    if (!front) return;
    const prefs = callerPreferences(front.req, config);
    if ((config.values.ServerType === 'Redirect' || prefs.redirect) && !front.byRoute) return this.redirect(a, await this.redirectTargets(front.targets, config));
    // A call-forward target reached through a proxy that does not recurse is redirected to (guide E-5, E-7, E-9, E-11).
    const fwd = front.targets.find((t) => t.forwarded);
    if (fwd && !config.values.Recursive) return this.redirect(a, [fwd]);
    const fork = new ForkContext({
      stx,
      request: front.req,
      targets: prefs.fork ? front.targets : front.targets.slice(0, 1),
      config,
      deps: this.d,
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

  /** The forward hooks, with the removal of credentials we consumed first. */
  private hooks(): ForwardHooks[] {
    return [CONSUME_CREDENTIALS, ...(this.d.hooks?.() ?? [])];
  }

  /** Redirect server: 302 with the one contact, 300 with several (guide E-1), q kept. */
  /**
   * SipResolveLocalContactsInRedirectMode: contacts go out as the addresses next-hop
   * resolution finds for them (user part and parameters kept, host:port replaced), so the
   * caller needs no lookup of its own. A contact that does not resolve is left as it is.
   */
  private async redirectTargets(targets: readonly Target[], config: Config): Promise<Target[]> {
    if (!config.values.SipResolveLocalContactsInRedirectMode) return [...targets];
    const out: Target[] = [];
    for (const t of targets) {
      const d = t.uri.scheme === 'tel' ? [] : await this.d.resolver.resolve(t.uri, config.values.SipRouteHeaderTransportType).catch(() => []);
      if (!d[0] || t.uri.scheme === 'tel') {
        out.push(t);
        continue;
      }
      const host = d[0].host.includes(':') ? `[${d[0].host}]` : d[0].host;
      const params = t.uri.params.filter((p) => p.name.toLowerCase() !== 'maddr');
      const uri = { ...t.uri, host, hostType: d[0].host.includes(':') ? ('ipv6' as const) : ('ipv4' as const), port: d[0].port, params };
      out.push({ uri, requestUri: serializeUri(uri), q: t.q });
    }
    return out;
  }

  private redirect(a: Answerer, targets: readonly Target[]): void {
    if (a.request.method === 'ACK') return;
    const contacts = targets.map((t) => {
      const c = this.redirectContact(t);
      return t.q !== undefined && t.q !== 1 ? `<${c}>;q=${t.q}` : `<${c}>`;
    });
    const status = contacts.length > 1 ? 300 : 302;
    const extra = targets.flatMap((t) => t.headers ?? []);
    this.answer(a, { status, headers: [...contacts.map((c) => ['Contact', c] as const), ...extra] });
  }

  /**
   * The Contact a redirect gives for a target. A routed target (its Request-URI names us,
   * its next hop a gateway) is given as the number at the next hop, so the caller can
   * reach the gateway directly.
   */
  private redirectContact(t: Target): string {
    const text = t.requestUri ?? serializeUri(t.uri);
    if (t.requestUri === undefined || t.uri.scheme === 'tel') return text;
    const r = parseUri(t.requestUri);
    if (!r.ok || r.uri.scheme === 'tel' || !this.isUs(r.uri)) return text;
    const hop = t.uri;
    const params = [...r.uri.params.filter((p) => !['transport', 'maddr'].includes(p.name.toLowerCase())), ...hop.params.filter((p) => p.name.toLowerCase() === 'transport')];
    return serializeUri({ ...r.uri, host: hop.host, hostType: hop.hostType, port: hop.port, params });
  }

  /** Record-Route for a copy leaving over `outbound` of a request that came in over `inbound` (one entry, or two: RFC 5658). */
  private recordRouteFor(req: SipRequest, config: Config, inbound: TransportName, outbound: TransportName): readonly string[] {
    return recordRouteValues(req, config, this.d.identity, inbound, outbound);
  }

  // ---- stateless ----

  private async stateless(req: SipRequest, from: Inbound, reply: Reply, config: Config): Promise<void> {
    const a: Answerer = {
      request: req,
      from,
      tag: statelessTag(req),
      send: (res) => {
        const out = serializeMessage(res);
        if (reply(out)) this.d.sent(req, res, from, out.length);
      },
    };
    if (req.method === 'CANCEL' || req.method === 'ACK') {
      // Nothing to match them against: send them the same way as the request they belong to.
      const front = await this.front({ ...a, send: () => undefined }, config);
      if (front) await this.sendStateless(front.ctx, front.targets[0]);
      return;
    }
    const front = await this.front(a, config);
    if (!front) return;
    if (config.values.ServerType === 'Redirect' && !front.byRoute) return this.redirect(a, await this.redirectTargets(front.targets, config));
    // §16.11: a stateless proxy forwards to exactly one target.
    const fwd = front.targets.find((t) => t.forwarded);
    if (fwd && !config.values.Recursive) return this.redirect(a, [fwd]);
    const ok = await this.sendStateless(front.ctx, front.targets[0]);
    if (!ok) this.answer(a, { status: 503 });
  }

  /** A request with no transaction (stateless mode; the ACK of a 2xx). */
  private async forwardStateless(req: SipRequest, from: Inbound, config: Config): Promise<void> {
    // Nothing can be answered; the real source still lets admission see who sent it.
    const sink: Answerer = { request: req, from, tag: undefined, send: () => undefined };
    const front = await this.front(sink, config);
    if (front) await this.sendStateless(front.ctx, front.targets[0]);
  }

  private async sendStateless(ctx: RequestContext, target: Target): Promise<boolean> {
    const { req, config } = ctx;
    let dests: Destination[];
    try {
      dests = await this.d.resolver.resolve(target.uri, config.values.SipRouteHeaderTransportType);
    } catch (e) {
      this.d.log.info(`cannot forward ${req.method} to ${serializeUri(target.uri)}: ${(e as Error).message}`);
      return false;
    }
    const dest = secureDestinations(ctx, target, dests)[0];
    if (!dest) {
      this.d.log.info(`cannot forward ${req.method}: ${serializeUri(target.uri)} ${dests.length ? 'offers no TLS for a request that came over TLS' : 'does not resolve'}`);
      return false;
    }
    const copy = forwardCopy(req, { requestUri: target.requestUri, recordRoute: this.recordRouteFor(req, config, ctx.source.transport, dest.transport) });
    for (const [name, value] of [...(target.headers ?? [])].reverse()) copy.headers.prepend(name, value);
    for (const h of this.hooks()) h.outgoing?.(ctx, copy, dest);
    const sentBy = this.d.identity.viaSentBy(dest.transport);
    const via = `SIP/2.0/${dest.transport} ${hostPort(sentBy.host, sentBy.port)};branch=${statelessBranch(req)}${loopSuffix(req)}`;
    copy.headers.prepend('Via', via);
    try {
      await this.d.transports.send(dest, serializeMessage(copy));
      return true;
    } catch (e) {
      this.d.log.info(`${req.method} to ${hostPort(dest.host, dest.port)} (${dest.transport}) not sent: ${(e as Error).message}`);
      return false;
    }
  }

  // ---- responses ----

  onResponse(res: SipResponse, from: Inbound, config: Config): void {
    if (config.values.StatefulServer && this.d.txn.receiveResponse(res, from)) return;
    // No transaction: a 2xx retransmission, or stateless mode. Forward by Via (§16.7, §16.11).
    void this.forwardResponseStateless(res).catch((e) => this.crash('response', e));
  }

  private async forwardResponseStateless(res: SipResponse): Promise<void> {
    const top = res.headers.first('Via');
    const via = top === undefined ? undefined : parseVia(top);
    if (!via?.ok || !this.isOurVia(via.via)) {
      this.d.log.debug(`dropped a ${res.status} response whose top Via is not ours`);
      return;
    }
    const up = popVia(res);
    const t = responseTarget(up);
    if (!t) return;
    const transport = t.transport === 'TCP' ? 'TCP' : t.transport === 'TLS' ? 'TLS' : 'UDP';
    let host = t.host;
    if (!/^[\d.]+$/.test(host) && !host.includes(':')) {
      const d = await this.d.resolver.resolve({ scheme: 'sip', host, hostType: 'hostname', params: [], headers: [] }, transport);
      if (!d[0]) return;
      host = d[0].host;
    }
    try {
      await this.d.transports.sendResponse({ transport, host, port: t.port }, serializeMessage(up));
    } catch (e) {
      this.d.log.info(`${res.status} response to ${hostPort(host, t.port)} not sent: ${(e as Error).message}`);
    }
  }

  // ---- who we are ----

  isOurVia(v: Via): boolean {
    const host = v.host.replace(/^\[(.*)\]$/, '$1');
    const t = (['UDP', 'TCP', 'TLS'] as const).find((x) => x === v.transport) ?? 'UDP';
    const port = v.port ?? (t === 'TLS' ? 5061 : 5060);
    return this.d.isThisServer(host, port) || (host === this.d.identity.host && port === this.d.identity.port(t));
  }

  private isUs(uri: SipUri | Uri): boolean {
    if (uri.scheme === 'tel') return false;
    const host = uri.host.replace(/^\[(.*)\]$/, '$1');
    return this.d.isThisServer(host, uri.port);
  }

  private isUsUri(text: string, withUser: boolean): boolean {
    const p = parseUri(text);
    return p.ok && p.uri.scheme !== 'tel' && (withUser || !p.uri.user) && this.isUs(p.uri);
  }

  /** A Request-URI in our ProxyDomain (the registry answers for it even by name). */
  private isOurDomain(uri: SipUri, config: Config): boolean {
    const d = config.values.ProxyDomain?.toLowerCase();
    return !!d && uri.host.toLowerCase() === d;
  }
}

