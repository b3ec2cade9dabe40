// Stages 2-3 of the proxy: the access list and authentication, decided together.
//
// The guide couples them through Satisfy (Appendix B and Table 2-1):
//   Authentication Off   the access list alone decides (a refused sender gets 403).
//   Satisfy All          the sender must pass the access list (else 403, no challenge)
//                        and then authenticate.
//   Satisfy Any          authentication is skipped when access control is in use (there
//                        are `from` lines) and the sender is named by an `Allow from` line
//                        and passes the list — the guide's note, word for word; any other
//                        sender, refused by the list or not, is admitted once it
//                        authenticates (Apache's Satisfy any).
// With Authentication Off the guide calls the authentication check "successful"; under
// Satisfy Any taken literally that would make every access list void, and Apache, which
// the guide follows, still applies the list when no authentication is required, so we do.
//
// REGISTER is challenged with 401/WWW-Authenticate and answered in Authorization; every
// other method with 407/Proxy-Authenticate and Proxy-Authorization (RFC 3261 §22). ACK
// and CANCEL are never challenged (§22.1). The realm is AuthRealm for every domain,
// virtual proxy hosts included: the guide names no other, and stored HA1 values are
// made for it.
//
// An OPTIONS addressed to the proxy itself (no user part, no Route onward) is not
// challenged either: the guide has SPS challenge REGISTER and INVITE and "respond to"
// OPTIONS (Table A-2), and such a request is a keep-alive or capabilities probe
// (RFC 3261 §11) that phones and peer proxies send without credentials and would
// otherwise mark this server down. The access list still applies to it, as with
// Authentication Off. An OPTIONS to anyone else is challenged like any request.
//
// The ACK for a 2xx carries the INVITE's credentials again (§13.2.2.4). It cannot be
// challenged and is not checked (its nonce count was used by the INVITE), but with
// AuthConsumeProxyAuth On our credentials are removed from it as from the INVITE.
//
// AuthServer Radius: the challenge is still ours (a hex nonce that lives RadiusAuthSkew
// seconds), and the answer is checked by the RADIUS authentication servers (radius.ts).
// Accept admits, Reject challenges again, and when no server answers the request gets
// 503 with Retry-After and error_log says which servers were tried: never a hang, never
// a request let through unchecked.
import type { Config } from '../../config/loader.js';
import type { ErrorLog } from '../../logging/index.js';
import type { Refusal } from '../../proxy/sanity.js';
import type { AdmissionStage, RequestContext } from '../../proxy/stages.js';
import { parseAddress } from '../../sip/address.js';
import type { SipRequest } from '../../sip/message.js';
import { parseUri, uriEquals } from '../../sip/uri.js';
import type { SipUri } from '../../sip/uri.js';
import { StoreUnavailableError } from '../../stores/subscriber-store.js';
import type { StoredSecret, SubscriberStore } from '../../stores/subscriber-store.js';
import type { RadiusService } from '../radius/service.js';
import { plainAddress } from '../../transport/types.js';
import type { Inbound } from '../../transport/types.js';
import { compileAcl, systemLookup } from '../acl/evaluate.js';
import type { CompiledAcl, HostLookup } from '../acl/evaluate.js';
import { aorKey } from '../registry/aor.js';
import { normalizeHost, virtualHosts } from '../registry/this-server.js';
import type { BoundAddress } from '../registry/this-server.js';
import { basicChallenge, basicCredentials, checkBasicPassword, warnBasicOnce } from './basic.js';
import { digestAlgorithm, digestChallenge, digestCredentials, digestResponse, offeredQops, parseAuthValue, sameDigest, storedHa1 } from './digest.js';
import type { AuthValue, DigestAlgorithm, DigestCredentials } from './digest.js';
import { NonceManager } from './nonce.js';
import { authServers, basicRequest, digestRequest, radiusUserName, serverList, sipHeaderPairs } from './radius.js';
import type { RadiusAttribute } from '../radius/service.js';
import type { NonceOptions } from './nonce.js';

/** Retry-After (seconds) on a 503 when the subscriber store cannot be reached. */
export const STORE_RETRY_AFTER_S = 10;
/** Retry-After (seconds) on a 503 when no RADIUS authentication server answers. */
export const RADIUS_RETRY_AFTER_S = 10;

export type AdmissionLog = Pick<ErrorLog, 'error' | 'warn' | 'info'>;

export interface AdmissionDeps {
  /** The subscriber store in use; undefined when none could be opened. */
  readonly subscribers: () => SubscriberStore | undefined;
  readonly log: AdmissionLog;
  /** Forward resolution of host names in Allow/Deny (once per snapshot); the system resolver by default. */
  readonly lookup?: HostLookup;
  /** Clock for nonces (ms). */
  readonly now?: () => number;
  /** Number expansion (src/modules/numexp) for user names, applied when NumExpandAuthUserName is On. */
  readonly expand?: (user: string, config: Config) => string;
  /** True when host[:port] names this server (FeatureEnv.isThisServer); lets a digest uri name the proxy itself. */
  readonly isThisServer?: (host: string, port: number | undefined) => boolean;
  /** Nonce lifetime and table size, for tests. */
  readonly nonce?: Omit<NonceOptions, 'now'>;
  /** The sockets sipd bound: an AOR naming one of them is filed under our domain, as the registry does. */
  readonly bound?: readonly BoundAddress[];
  /** The RADIUS client (src/modules/radius), for AuthServer Radius; undefined when none is open. */
  readonly radius?: RadiusService;
  /** Told of each failed check (wrong digest response or password), with the AOR the request claims (RFC 4780 sipServerRegUserAuthenticationFailures). */
  readonly failed?: (aor: string) => void;
}

/** Who a request authenticated as. */
interface Authenticated {
  /** The user id looked up (domain removed, expanded). */
  readonly user: string;
  /** The From domain when virtual proxy hosts key subscribers by user@domain. */
  readonly domain?: string;
  /** The user name as the client wrote it in its credentials. */
  readonly sentUser: string;
  /** The header field value that carried the credentials. */
  readonly field: string;
}

type Outcome = { readonly ok: true; readonly who: Authenticated } | { readonly ok: false; readonly refusal: Refusal };

export class Admission implements AdmissionStage {
  private readonly acls = new WeakMap<Config, Promise<CompiledAcl>>();
  private readonly ready = new WeakMap<Config, CompiledAcl>();
  private readonly radiusLogged = new WeakSet<Config>();
  private readonly realmWarned = new Set<string>();
  private readonly nonces: NonceManager;
  private readonly lookup: HostLookup;

  constructor(private readonly deps: AdmissionDeps) {
    this.lookup = deps.lookup ?? systemLookup;
    this.nonces = new NonceManager({ ...deps.nonce, ...(deps.now && { now: deps.now }) });
  }

  /**
   * Compile the access list of a snapshot (host names resolved now, once). Call at start
   * and at each graceful restart before the snapshot takes requests; a snapshot that was
   * not prepared is compiled by its first request.
   */
  async prepare(config: Config): Promise<CompiledAcl> {
    const acl = await this.aclFor(config);
    if (config.values.Authentication && config.values.AuthScheme === 'HTTP_Basic') warnBasicOnce(this.deps.log);
    return acl;
  }

  private aclFor(config: Config): Promise<CompiledAcl> {
    let p = this.acls.get(config);
    if (!p) {
      p = compileAcl(config, this.lookup).then((acl) => {
        for (const w of acl.warnings) this.deps.log.warn(w);
        this.ready.set(config, acl);
        return acl;
      });
      this.acls.set(config, p);
    }
    return p;
  }

  /**
   * Privacy: may this downstream address receive identity headers? False (untrusted)
   * for a snapshot whose access list is not compiled yet — the safe answer.
   */
  trustedDestination(address: string, config: Config): boolean {
    return this.ready.get(config)?.trustedDestination(plainAddress(address)) ?? false;
  }

  async admit(ctx: RequestContext): Promise<Refusal | undefined> {
    const { config, req } = ctx;
    const v = config.values;
    const acl = this.ready.get(config) ?? (await this.aclFor(config));
    const source = plainAddress(ctx.source.remoteAddress);
    const allowed = acl.allowedSource(source);
    ctx.trustedSource = allowed;
    const listedSkipsAuth = v.Satisfy === 'Any' && acl.inUse && allowed && acl.coveredByAllow(source);
    if (req.method === 'ACK') {
      // As its INVITE would have been: credentials are consumed where they were checked.
      if (v.Authentication && v.AuthConsumeProxyAuth && !listedSkipsAuth) this.consumeOnAck(ctx);
      return undefined;
    }
    if (req.method === 'CANCEL') return undefined;

    if (!v.Authentication || this.probesUs(req, ctx.source)) return allowed ? undefined : forbidden('Access denied');
    if (v.Satisfy === 'All' && !allowed) return forbidden('Access denied');
    if (listedSkipsAuth) return undefined;

    const out = await this.authenticate(req, config, ctx.source);
    if (!out.ok) return out.refusal;
    const who = out.who;
    ctx.authenticatedUser = who.domain !== undefined ? `${who.user}@${who.domain}` : who.user;
    if (req.method !== 'REGISTER' && v.AuthConsumeProxyAuth) ctx.consumedCredentials = [who.field];

    // Third parties: the guide compares user names only.
    if (req.method === 'REGISTER' && !v.AuthAllow3rdPartyRegistration && !this.sameUser(req.headers.get('To'), who, config)) {
      this.deps.log.info(`REGISTER from ${source}: To user differs from authenticated user ${ctx.authenticatedUser} (AuthAllow3rdPartyRegistration Off)`);
      return forbidden('Third-party registration not allowed');
    }
    if (req.method === 'INVITE' && !v.AuthAllow3rdPartyInvite && !this.sameUser(req.headers.get('From'), who, config)) {
      this.deps.log.info(`INVITE from ${source}: From user differs from authenticated user ${ctx.authenticatedUser} (AuthAllow3rdPartyInvite Off)`);
      return forbidden('Third-party INVITE not allowed');
    }
    return undefined;
  }

  private expandUser(user: string, config: Config): string {
    return config.values.NumExpandAuthUserName && this.deps.expand ? this.deps.expand(user, config) : user;
  }

  /** Does the user part of a From/To value name the authenticated user (as sent, or both expanded)? */
  private sameUser(header: string | undefined, who: Authenticated, config: Config): boolean {
    const a = header === undefined ? undefined : parseAddress(header);
    if (!a?.ok) return false;
    const uri = a.address.uri;
    const user = uri.scheme === 'tel' ? uri.number : uri.user;
    if (!user) return false;
    const sent = userPart(who.sentUser);
    if (user === sent || user === who.user) return true;
    return this.deps.expand !== undefined && this.deps.expand(user, config) === who.user;
  }

  private async authenticate(req: SipRequest, config: Config, source: Inbound): Promise<Outcome> {
    const v = config.values;
    const register = req.method === 'REGISTER';
    const header = register ? 'Authorization' : 'Proxy-Authorization';
    const basic = v.AuthScheme === 'HTTP_Basic';
    const realm = v.AuthRealm;

    let malformed: string | undefined;
    let ours: { field: string; value: AuthValue } | undefined;
    for (const field of req.headers.fields(header)) {
      const p = parseAuthValue(field);
      if (!p.ok) {
        malformed ??= p.reason;
        continue;
      }
      const scheme = p.value.scheme.toLowerCase();
      // Credentials for other realms (a downstream proxy's) are not ours to judge.
      if (!basic && scheme === 'digest' && p.value.params.get('realm') === realm) ours = { field, value: p.value };
      if (basic && scheme === 'basic') ours = { field, value: p.value };
      if (ours) break;
    }
    if (!ours) {
      if (malformed !== undefined) return refuse({ status: 400, reason: `Malformed ${header} header: ${malformed}` });
      return this.challenge(req, config, false);
    }
    return basic ? this.checkBasic(req, config, ours.field, ours.value) : this.checkDigest(req, config, ours.field, ours.value, source);
  }

  private challenge(req: SipRequest, config: Config, stale: boolean): Outcome {
    const v = config.values;
    const register = req.method === 'REGISTER';
    const nonce = () => this.nonces.issue(v.AuthServer === 'Radius' ? 'hex' : 'base64url');
    const value =
      v.AuthScheme === 'HTTP_Basic'
        ? basicChallenge(v.AuthRealm)
        : digestChallenge({ realm: v.AuthRealm, nonce: nonce(), algorithm: v.AuthDigestAlgorithm, qop: v.AuthDigestQop, stale });
    return refuse({ status: register ? 401 : 407, headers: [[register ? 'WWW-Authenticate' : 'Proxy-Authenticate', value]] });
  }

  /** The user id to look up and the domain it lives in, from the name the client sent and the From header. */
  private keyOf(sentUser: string, req: SipRequest, config: Config): { user: string; domain?: string } | Refusal {
    const user = this.expandUser(userPart(sentUser), config);
    if (!user) return { status: 400, reason: 'Empty user name in credentials' };
    if (!(config.values.Cisco_Registry_Use_Virtual_Proxy_Host && virtualHosts(config).length > 0)) return { user };
    // Virtual proxy hosts: subscribers are keyed by user@domain, the domain taken from From.
    const from = parseAddress(req.headers.get('From') ?? '');
    if (!from.ok || from.address.uri.scheme === 'tel') return { status: 400, reason: 'From header has no SIP domain to authenticate in' };
    return { user, domain: normalizeHost(from.address.uri.host) };
  }

  /** The stored secret, or the answer to give when it cannot be had. */
  private async secretOf(user: string, domain: string | undefined, req: SipRequest, config: Config): Promise<StoredSecret | Outcome> {
    const store = this.deps.subscribers();
    if (!store) {
      this.deps.log.error('authentication: no subscriber store is open; answering 503');
      return unavailable();
    }
    try {
      const s = await store.get(user, domain);
      if (s?.secret) return s.secret;
      this.deps.log.info(`authentication: no subscriber ${domain !== undefined ? `${user}@${domain}` : user} with a password`);
      return this.challenge(req, config, false);
    } catch (e) {
      if (e instanceof StoreUnavailableError) {
        this.deps.log.warn(`authentication: subscriber store unavailable (${e.message}); answering 503`);
        return unavailable();
      }
      this.deps.log.error(`authentication: subscriber lookup failed: ${(e as Error).message}`);
      return refuse({ status: 500, reason: 'Subscriber lookup failed' });
    }
  }

  /**
   * RFC 2617 §3.2.2.5: the digest uri must name what the request is for, or a captured
   * answer could be raced to us with another Request-URI. It may be the Request-URI, or
   * (as sipp and some phones write it) this proxy itself, with no user part.
   */
  private sameTarget(digestUri: string, requestUri: string, source: Inbound): boolean {
    if (digestUri === requestUri) return true;
    const a = parseUri(digestUri);
    const b = parseUri(requestUri);
    if (!a.ok) return false;
    if (b.ok && uriEquals(a.uri, b.uri)) return true;
    if (a.uri.scheme === 'tel' || a.uri.user) return false;
    return this.namesUs(a.uri, a.uri.port ?? (a.uri.scheme === 'sips' ? 5061 : 5060), source);
  }

  /** An OPTIONS whose Request-URI is this server with no user part, and no Route left to follow. */
  private probesUs(req: SipRequest, source: Inbound): boolean {
    if (req.method !== 'OPTIONS' || req.headers.has('Route')) return false;
    const p = parseUri(req.uri);
    if (!p.ok || p.uri.scheme === 'tel' || p.uri.user) return false;
    return this.namesUs(p.uri, p.uri.port, source);
  }

  /** host[:port] is the address the request came in on, or a name/address of this server. */
  private namesUs(uri: SipUri, port: number | undefined, source: Inbound): boolean {
    if (normalizeHost(uri.host) === normalizeHost(source.localAddress) && (port === undefined || port === source.localPort)) return true;
    return this.deps.isThisServer?.(uri.host, port) ?? false;
  }

  /** The Proxy-Authorization fields of an ACK that are ours (our realm, or Basic when that is our scheme): removed when forwarded. */
  private consumeOnAck(ctx: RequestContext): void {
    const basic = ctx.config.values.AuthScheme === 'HTTP_Basic';
    const ours = ctx.req.headers.fields('Proxy-Authorization').filter((field) => {
      const p = parseAuthValue(field);
      if (!p.ok) return false;
      const scheme = p.value.scheme.toLowerCase();
      return basic ? scheme === 'basic' : scheme === 'digest' && p.value.params.get('realm') === ctx.config.values.AuthRealm;
    });
    if (ours.length) ctx.consumedCredentials = ours;
  }

  private async checkDigest(req: SipRequest, config: Config, field: string, value: AuthValue, source: Inbound): Promise<Outcome> {
    const v = config.values;
    const parsed = digestCredentials(value);
    if (!parsed.ok) return refuse({ status: 400, reason: `Malformed credentials: ${parsed.reason}` });
    const c = parsed.value;
    const algorithm = digestAlgorithm(c.algorithm);
    // A client on another algorithm or qop than we offer, or on a nonce we did not make
    // (or made before a restart): a fresh challenge tells it what we want.
    if (algorithm !== v.AuthDigestAlgorithm) return this.challenge(req, config, false);
    if (!c.qop || !offeredQops(v.AuthDigestQop).includes(c.qop)) return this.challenge(req, config, false);
    const radius = v.AuthServer === 'Radius';
    const state = this.nonces.state(c.nonce, radius ? v.RadiusAuthSkew * 1000 : undefined);
    if (state === 'invalid') return this.challenge(req, config, false);
    if (!this.sameTarget(c.uri, req.uri, source)) return refuse({ status: 400, reason: 'Digest uri does not match the Request-URI' });

    const key = this.keyOf(c.username, req, config);
    if ('status' in key) return refuse(key);
    if (radius) {
      const attributes = digestRequest(c, req.method, radiusUserName(key.user, req, config), req.body);
      if (!attributes) return refuse({ status: 400, reason: 'Credentials too long to check' });
      const judged = await this.askRadius(req, config, attributes, c.username);
      if (judged) return judged;
    } else {
      const checked = await this.checkStoredDigest(req, config, c, key, algorithm);
      if (checked) return checked;
    }
    // A correct answer on an old nonce, or a nonce count already used: a new nonce, no password prompt.
    if (state === 'stale') return this.challenge(req, config, true);
    const counted = this.nonces.count(c.nonce, parseInt(c.nc!, 16));
    if (counted !== 'ok') {
      if (counted === 'replay') this.deps.log.info(`authentication: nonce count ${c.nc} of ${c.username} already used (replay?)`);
      return this.challenge(req, config, true);
    }
    return { ok: true, who: { user: key.user, ...(key.domain !== undefined && { domain: key.domain }), sentUser: c.username, field } };
  }

  /** The subscriber store's verdict on a digest answer: undefined when it is right, else what to answer. */
  private async checkStoredDigest(req: SipRequest, config: Config, c: DigestCredentials, key: { user: string; domain?: string }, algorithm: DigestAlgorithm): Promise<Outcome | undefined> {
    const v = config.values;
    const secret = await this.secretOf(key.user, key.domain, req, config);
    if ('ok' in secret) return secret;
    const ha1 = storedHa1(secret, algorithm, c.username, v.AuthRealm);
    if (ha1 === undefined) {
      this.warnRealm(key.user, config);
      return this.challenge(req, config, false);
    }
    const expected = digestResponse({ algorithm, ha1, nonce: c.nonce, method: req.method, uri: c.uri, qop: c.qop, cnonce: c.cnonce, nc: c.nc, body: req.body });
    if (!sameDigest(expected, c.response)) {
      this.deps.log.info(`authentication failed for ${c.username}: wrong digest response (${req.method})`);
      this.countFailure(req, config);
      return this.challenge(req, config, false);
    }
    return undefined;
  }

  /**
   * Ask the RADIUS authentication servers: undefined on Access-Accept, else what to
   * answer (a new challenge on a reject, 503 when no server answered, 500 when none is
   * configured).
   */
  private async askRadius(req: SipRequest, config: Config, attributes: RadiusAttribute[], sentUser: string): Promise<Outcome | undefined> {
    const servers = authServers(config);
    const service = this.deps.radius;
    if (!service || servers.length === 0) {
      if (!this.radiusLogged.has(config)) {
        this.radiusLogged.add(config);
        this.deps.log.error(
          service
            ? 'AuthServer Radius: no RADIUS authentication server is configured (PrimaryRadiusAuthIp and PrimaryRadiusAuthSecret); requests needing authentication are answered 500'
            : 'AuthServer Radius: the RADIUS client is not running; requests needing authentication are answered 500',
        );
      }
      return refuse({ status: 500, reason: 'Authentication server not available' });
    }
    const answer = await service.access(servers, [...attributes, ...sipHeaderPairs(req, config.values.AuthIncludeSIPHeader)], 'auth');
    if (!answer) {
      this.deps.log.error(`authentication: no RADIUS authentication server answered (${serverList(servers)}) for ${sentUser} (${req.method}); answering 503 with Retry-After ${RADIUS_RETRY_AFTER_S}`);
      return refuse({ status: 503, reason: 'Authentication server not responding', headers: [['Retry-After', String(RADIUS_RETRY_AFTER_S)]] });
    }
    if (answer.code === 'Access-Accept') return undefined;
    this.deps.log.info(`authentication failed for ${sentUser}: ${answer.code} from RADIUS server ${answer.server.host}:${answer.server.port} (${req.method})`);
    this.countFailure(req, config);
    return this.challenge(req, config, false);
  }

  private async checkBasic(req: SipRequest, config: Config, field: string, value: AuthValue): Promise<Outcome> {
    warnBasicOnce(this.deps.log);
    const parsed = basicCredentials(value);
    if (!parsed.ok) return refuse({ status: 400, reason: `Malformed credentials: ${parsed.reason}` });
    const { user: sentUser, password } = parsed.value;
    const key = this.keyOf(sentUser, req, config);
    if ('status' in key) return refuse(key);
    if (config.values.AuthServer === 'Radius') {
      const judged = await this.askRadius(req, config, basicRequest(radiusUserName(key.user, req, config), password), sentUser);
      if (judged) return judged;
      return { ok: true, who: { user: key.user, ...(key.domain !== undefined && { domain: key.domain }), sentUser, field } };
    }
    const secret = await this.secretOf(key.user, key.domain, req, config);
    if ('ok' in secret) return secret;
    if (!checkBasicPassword(secret, key.user, password)) {
      this.deps.log.info(`authentication failed for ${sentUser}: wrong password (Basic, ${req.method})`);
      this.countFailure(req, config);
      return this.challenge(req, config, false);
    }
    return { ok: true, who: { user: key.user, ...(key.domain !== undefined && { domain: key.domain }), sentUser, field } };
  }

  /** A failed check, counted under the AOR the request claims: the To of a REGISTER, the From of anything else. */
  private countFailure(req: SipRequest, config: Config): void {
    const failed = this.deps.failed;
    if (!failed) return;
    const a = parseAddress(req.headers.get(req.method === 'REGISTER' ? 'To' : 'From') ?? '');
    if (!a.ok) return;
    const k = aorKey(a.address.uri, config, { registering: false, bound: this.deps.bound, expand: this.deps.expand });
    if (k.ok) failed(k.key);
  }

  private warnRealm(user: string, config: Config): void {
    // Once per user (bounded), not once per request: a phone retries every few seconds.
    if (this.realmWarned.has(user) || this.realmWarned.size >= 1000) return;
    this.realmWarned.add(user);
    this.deps.log.warn(`authentication: the stored password of ${user} was made for another realm than AuthRealm "${config.values.AuthRealm}"; set the password again`);
  }
}

/** "alice@example.com" → "alice": the domain of a user name comes from From (the guide). */
function userPart(name: string): string {
  const at = name.indexOf('@');
  return at >= 0 ? name.slice(0, at) : name;
}

function forbidden(reason: string): Refusal {
  return { status: 403, reason };
}

function refuse(refusal: Refusal): Outcome {
  return { ok: false, refusal };
}

function unavailable(): Outcome {
  return refuse({ status: 503, reason: 'Subscriber database unavailable', headers: [['Retry-After', String(STORE_RETRY_AFTER_S)]] });
}
