// The contract between the proxy core and the feature modules that plug into its
// stages (docs/architecture.md "The request path"). The core knows these shapes, not the
// features: access control and authentication admit a request, the registrar answers
// REGISTER, translation modules turn the Request-URI into contacts, routing turns a
// contact into next hops, and the forward hooks adjust what goes out (privacy) and what
// happens when a call is not answered (call forwarding). A module contributes its
// StageParts; the core, the fork and the modules all import from here, never the reverse.
import type { Config } from '../config/loader.js';
import type { ErrorLog } from '../logging/index.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import type { Uri } from '../sip/uri.js';
import type { TrafficCounts, TransactionLayerApi } from '../transaction/types.js';
import type { SipTransports } from '../transport/outbound.js';
import type { Destination, Inbound } from '../transport/types.js';
import type { ProxyIdentity } from './identity.js';
import type { NextHopResolver } from './next-hop.js';
import type { Refusal } from './sanity.js';

/** Where a request goes: a contact or next hop, with what the copy sent there gets. */
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

/** What the stages learn about one request as it passes through them. */
export interface RequestContext {
  /** The request after Route preprocessing. Stages read it; only the forward hooks change copies of it. */
  readonly req: SipRequest;
  readonly source: Inbound;
  readonly config: Config;
  /** Stage 2: the sender matched the upstream access list (`Allow from`); privacy treats it as trusted. */
  trustedSource: boolean;
  /** Stage 3: the user the request authenticated as (`user`, or `user@domain` with virtual proxy hosts). */
  authenticatedUser?: string;
  /** Stage 3: Proxy-Authorization values meant for us, removed from forwarded copies (AuthConsumeProxyAuth On). */
  consumedCredentials?: readonly string[];
  /** Stage 5: the Request-URI's user part after number expansion; headers are never rewritten. */
  expandedUser?: string;
  /** Stage 5: the From user after number expansion (accounting, call forwarding, privacy). */
  expandedFromUser?: string;
  /** Stage 5: the Request-URI names this server or ProxyDomain, so our number plan and registry apply to it. */
  ours?: boolean;
}

/** Stages 2-3: access lists and authentication decide together (Satisfy All|Any). */
export interface AdmissionStage {
  /** Undefined to let the request go on; otherwise the answer to send (403, or 401/407 with a challenge). */
  admit(ctx: RequestContext): Promise<Refusal | undefined>;
  /** True when `address` (an IP address) passes the "Allow to" / "Deny to" lists: privacy trusts it. */
  trustedDestination?(address: string, config: Config): boolean;
}

/** Stage 4: a REGISTER addressed to this server (src/modules/registry). */
export interface LocalStage {
  /** The answer to send, or undefined when this part does not take the request (the core then answers 403). */
  register(ctx: RequestContext): Promise<SipResponse | undefined>;
}

/** Stage 5: number expansion of user parts (src/modules/numexp). */
export interface NormaliseStage {
  /** The user part as routing and the registry see it; the same string when nothing applies. */
  expand(user: string, config: Config): string;
}

/** Stage 6: one translation module. The first to return contacts ends the chain. */
export interface TranslationModule {
  readonly name: string;
  /** Contacts for the Request-URI, or undefined/empty to let the next module try. */
  translate(ctx: RequestContext, ruri: Uri): Promise<readonly Target[] | undefined>;
}

/** Stage 7: static number and domain routes (src/modules/routing). */
export interface RouteStage {
  /**
   * The next hops for one contact, in the order to try them (priority, then weight,
   * then less specific routes when allowed): each is a Target whose `uri` is where to
   * send and whose `requestUri` the copy gets. Undefined when no route matches: the
   * contact is then sent to its own host.
   */
  route(ctx: RequestContext, contact: Target): Promise<readonly Target[] | undefined>;
}

/** What a call-forwarding policy may do with a fork in progress. */
export interface ForkControl {
  /** True once any branch has sent a provisional response above 100 (the callee rings). */
  readonly ringing: boolean;
  /** True once any branch has answered anything, provisional or final. */
  readonly anyResponse: boolean;
  /** Cancel what is pending and send the request on to these targets instead (a recursive proxy). */
  divert(targets: readonly Target[]): void;
  /** Cancel what is pending and answer upstream with this redirect (a non-recursive proxy). */
  redirect(status: number, headers: readonly (readonly [string, string])[]): void;
}

/** One branch of a stateful fork, as the response hooks see it. */
export interface BranchInfo {
  readonly target: Target;
  /** Where the copy went last; undefined when it could not be sent anywhere (no address, TLS refused). */
  readonly dest?: Destination;
  /** The copy sent there (after the outgoing hooks); undefined when none was sent. */
  readonly copy?: SipRequest;
}

/** Stage 9 and the response side. */
export interface ForwardHooks {
  /** Adjust the copy about to be sent to `dest` (privacy: identity headers by trust of sender and receiver). */
  outgoing?(ctx: RequestContext, copy: SipRequest, dest: Destination): void;
  /** Adjust a response about to go upstream (privacy on a 3xx's Diversion). */
  upstream?(ctx: RequestContext, res: SipResponse): void;
  /**
   * A stateful INVITE fork has started toward its targets. The hook may arm timers
   * (no answer, unavailable) that act through `ctl`; it returns a function the core
   * calls when the fork ends, to clear them.
   */
  forkStarted?(ctx: RequestContext, ctl: ForkControl): (() => void) | undefined;
  /**
   * The fork is about to send `best` upstream as its final answer. Return true when the
   * hook acted through `ctl` instead (call forward busy / unavailable).
   */
  beforeFinal?(ctx: RequestContext, best: SipResponse, ctl: ForkControl): boolean;
  /**
   * A branch of a stateful request has its final response: from downstream, or ours
   * (408, 503...) when none came (accounting's client-side records).
   */
  branchFinal?(ctx: RequestContext, branch: BranchInfo, res: SipResponse): void;
  /**
   * A stateful request's final answer has gone upstream: each 2xx, or the one best
   * non-2xx, forwarded or our own (accounting's server-side records).
   */
  finalUpstream?(ctx: RequestContext, res: SipResponse): void;
  /** Translation found no contact for a request to our domain: a chance to forward as unavailable. */
  noContacts?(ctx: RequestContext, ruri: Uri): Promise<readonly Target[] | undefined>;
}

/**
 * What one module contributes to the stages, opened from a config snapshot. Every part
 * is optional; the core runs each kind in the order of the module list
 * (src/server/modules.ts): admissions in turn until one refuses, the first local part
 * that answers a REGISTER, the translation chain until one finds contacts, the first
 * router and resolver, and every module's forward hooks.
 */
export interface StageParts {
  readonly admission?: AdmissionStage;
  readonly local?: LocalStage;
  readonly normalise?: NormaliseStage;
  readonly translation?: TranslationModule;
  readonly router?: RouteStage;
  readonly resolver?: NextHopResolver;
  readonly hooks?: ForwardHooks;
  /** A new config snapshot (graceful restart), applied before new requests get it. */
  reconfigure?(config: Config): Promise<void> | void;
  close(): Promise<void>;
}

/**
 * What the proxy counts for RFC 4780 (server/counters.ts implements it): its stateless
 * traffic through the transaction layer's calls, and the refusals of stage 1 and of
 * requests addressed to the proxy itself.
 */
export interface ProxyCounts extends TrafficCounts {
  /** A Request-URI with a scheme we do not support, answered 416 (sipCommonOtherStatsNumUnsupportedUris). */
  unsupportedUri(): void;
  /** A request to the proxy itself with a method it does not implement, answered 501 (…NumUnsupportedMethods). */
  unsupportedMethod(): void;
  /** A Proxy-Require naming an extension we do not support, answered 420 (sipServerProxyStatProxyReqFailures). */
  proxyRequireFailure(): void;
  /** A message dropped without an answer (…OtherwiseDiscardedMsgs). */
  discarded(): void;
}

/** What the proxy core works with: the layers below it and the modules' stage parts. */
export interface ProxyDeps {
  readonly txn: TransactionLayerApi;
  readonly transports: SipTransports;
  readonly identity: ProxyIdentity;
  /** Stage 8: next-hop resolution (RFC 3263). */
  readonly resolver: NextHopResolver;
  /** Every module's parts, in the order of the module list. */
  readonly parts: readonly StageParts[];
  readonly log: ErrorLog;
  readonly serverToken: string;
  /** True when host[:port] names this server (its addresses, names, domains, virtual hosts). */
  isThisServer(host: string, port: number | undefined): boolean;
  /** The other farm member at this Via sent-by host:port (farm members act as one server for loop detection); absent off a farm. */
  farmMemberAt?(host: string, port: number): string | undefined;
  /** The RFC 4780 counters; none kept when absent (unit tests). */
  readonly counts?: ProxyCounts;
  /** Every response sipd sends upstream (answered or forwarded), for the access log and counters. */
  sent(req: SipRequest, res: SipResponse, from: Inbound, bytes: number): void;
}
