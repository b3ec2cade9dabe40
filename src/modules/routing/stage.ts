// Stage 7, next-hop routing (guide ch. 1 "Next-Hop Routing"): the static routes of the
// route database turn one contact into the next hops to try.
//
// Which key is looked up, and in which order:
//  - a tel: URI, or a SIP URI with ;user=phone: number routes only;
//  - a SIP URI for another host: NumericUsernameInterpretation decides (numericKinds).
//    A numeric user part without ;user= is tried as a number and as a URL in the
//    directive's order (E164_IP number routes first, IP_164 domain routes first, IP the
//    domain only, E164 the number only); ;user=ip or a non-numeric user part is a URL.
//    "As a URL" means the domain route of the host, with Cisco_Routing_Use_Domain_Routing
//    On and a host that is a name (domain routes do not apply to raw IP addresses). When
//    nothing matches, the core sends the request to the host itself.
//  - a SIP URI for this server: number routes by the user part (E.164 routing of our own
//    domain; the registry, the URL lookup, has already had its turn in translation),
//    except when the URI or the directive says the user is a URL (;user=ip, or
//    NumericUsernameInterpretation IP for a numeric user). Domain routes never apply.
// The number of the Request-URI itself is the one number expansion produced
// (ctx.expandedUser); another contact's is its own user part, expanded when the contact
// names this server (a registered Contact pointing back at us, guide ch. 1 "Address
// Translation"). Visual separators . - ( ) are removed first.
// Each route becomes a Target: sent to sip:nextHop[:port];transport=x (no port when the
// route has none, so the resolver looks up SRV then A), with the contact as Request-URI,
// its user part changed by the route's tech prefix (number routes only): `include`
// puts the prefix in front of the number, `strip` removes a tech prefix the number
// starts with (guide: RASTechPrefix 1919321... 001# INCLUDE, 1919456... 002# STRIP).
import { isIPv4, isIPv6 } from 'node:net';
import type { RequestContext, RouteStage } from '../../proxy/stages.js';
import type { Target } from '../../proxy/stages.js';
import type { SipUri, Uri } from '../../sip/uri.js';
import { parseUri, serializeUri, unescapeUri, uriParam } from '../../sip/uri.js';
import type { Config } from '../../config/loader.js';
import { isNumericUserPart, numericKinds } from '../numexp/interpret.js';
import { removeVisualSeparators } from '../../stores/route-pattern.js';
import type { Route, RouteStore, RouteType } from '../../stores/route-store.js';
import { selectRoutes } from './select.js';

/** Thrown by route() when a blocked route matches: the core answers with `status`. */
export class RouteBlockedError extends Error {
  readonly status = 403;
  constructor(readonly route: Route) {
    super(`Forbidden by route ${route.pattern}`);
  }
}

export interface StaticRouterOptions {
  /** In [0, 1), for the weighted order; tests inject a seeded one. */
  readonly random?: () => number;
  /** Written when DebugFlag Routing is On. */
  readonly debug?: (message: string) => void;
  /** Number expansion, for the user part of a contact (not the Request-URI) that names this server. */
  readonly expand?: (user: string, config: Config) => string;
}

export class StaticRouter implements RouteStage {
  constructor(
    private readonly store: RouteStore,
    private readonly isThisServer: (host: string, port?: number) => boolean,
    private readonly opts: StaticRouterOptions = {},
  ) {}

  async route(ctx: RequestContext, contact: Target): Promise<readonly Target[] | undefined> {
    const v = ctx.config.values;
    const uri = contact.uri;
    const debug = v.DebugFlag.Routing && this.opts.debug ? this.opts.debug : undefined;
    const isRequestUri = contact.requestUri === undefined;
    const us = uri.scheme !== 'tel' && this.isThisServer(unbracket(uri.host), uri.port);

    // The number this contact stands for, when it is looked up as one.
    const numberOf = (): string | undefined => {
      if (isRequestUri && ctx.expandedUser !== undefined) return ctx.expandedUser;
      const user = uri.scheme === 'tel' ? uri.number : uri.user;
      if (user === undefined) return undefined;
      return us && this.opts.expand ? this.opts.expand(user, ctx.config) : user;
    };

    for (const kind of this.kinds(uri, us, ctx.config)) {
      let hops: Target[] | undefined;
      if (kind === 'e164') {
        const number = numberOf();
        if (number === undefined) continue;
        const key = numberKey(number);
        hops = this.lookup(ctx, 'phone', key, contact, key, debug);
      } else if (uri.scheme !== 'tel' && !us && v.Cisco_Routing_Use_Domain_Routing && uri.hostType === 'hostname') {
        hops = this.lookup(ctx, 'ip', uri.host, contact, undefined, debug);
      }
      if (hops) return hops;
    }
    debug?.(`routing: no route for ${serializeUri(uri)}`);
    return undefined;
  }

  /** The lookups to make for a URI, in order: 'e164' number routes, 'ip' the domain route of its host. */
  private kinds(uri: Uri, us: boolean, config: Config): readonly ('e164' | 'ip')[] {
    const kinds = numericKinds(uri, config);
    if (!us || kinds.includes('e164')) return kinds;
    // This server: only number routes can apply. A user part said to be a URL (;user=ip,
    // or a numeric one under NumericUsernameInterpretation IP) was the registry's to find;
    // any other user part (a tech prefix with #, a feature code with *) is still tried.
    if (uri.scheme === 'tel' || uri.user === undefined) return [];
    const said = uriParam(uri, 'user')?.toLowerCase() === 'ip' || isNumericUserPart(uri.user, config);
    return said ? [] : ['e164'];
  }

  private lookup(ctx: RequestContext, type: RouteType, key: string, contact: Target, number: string | undefined, debug?: (m: string) => void): Target[] | undefined {
    const groups = this.store.match(type, key);
    if (!groups.length) return undefined;
    const sel = selectRoutes(groups, { lessSpecific: ctx.config.values.Cisco_Routing_Global_Less_Specific_Route_Search, random: this.opts.random });
    if (sel.kind === 'blocked') {
      debug?.(`routing: ${type === 'phone' ? 'number' : 'domain'} ${key} matches blocked route ${sel.route.pattern}`);
      throw new RouteBlockedError(sel.route);
    }
    if (!sel.routes.length) return undefined;
    debug?.(`routing: ${type === 'phone' ? 'number' : 'domain'} ${key} → ${sel.routes.map((r) => `${r.pattern} ${r.nextHop}:${r.port}/${r.transport}`).join(', ')}`);
    return sel.routes.map((r) => ({ uri: nextHopUri(r), requestUri: type === 'phone' && number !== undefined ? withTechPrefix(contact, r, number) : contact.requestUri }));
  }
}

/** The number as the route database sees it: unescaped, parameters and visual separators removed. */
export function numberKey(user: string): string {
  const semi = user.indexOf(';');
  return removeVisualSeparators(unescapeUri(semi < 0 ? user : user.slice(0, semi)));
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** sip:nextHop[:port];transport=x — no port when the route has none (SRV, then A). */
export function nextHopUri(r: Route): SipUri {
  const bare = unbracket(r.nextHop);
  const hostType: SipUri['hostType'] = isIPv6(bare) ? 'ipv6' : isIPv4(bare) ? 'ipv4' : 'hostname';
  return {
    scheme: 'sip',
    host: hostType === 'ipv6' ? `[${bare}]` : bare,
    hostType,
    ...(r.port > 0 && { port: r.port }),
    params: [{ name: 'transport', value: r.transport.toLowerCase() }],
    headers: [],
  };
}

const LEADING_TECH_PREFIX = /^[0-9]{1,3}#/;

/**
 * The Request-URI for one route of a number: the contact, its user part made the number
 * with the route's tech prefix put in front (include) or a leading one taken off (strip).
 * Unchanged (the contact's own requestUri) when the action changes nothing, and for tel:
 * URIs, whose number cannot carry a prefix.
 */
export function withTechPrefix(contact: Target, r: Route, number: string): string | undefined {
  let user: string;
  if (r.techPrefixAction === 'include') {
    if (!r.techPrefix) return contact.requestUri;
    user = number.startsWith(r.techPrefix) ? number : r.techPrefix + number;
  } else {
    if (!LEADING_TECH_PREFIX.test(number)) return contact.requestUri;
    user = number.replace(LEADING_TECH_PREFIX, '');
  }
  const base: Uri | undefined = contact.requestUri === undefined ? contact.uri : parsed(contact.requestUri);
  if (!base || base.scheme === 'tel' || base.user === undefined) return contact.requestUri;
  return serializeUri({ ...base, user: escapeUser(user) });
}

function parsed(text: string): Uri | undefined {
  const r = parseUri(text);
  return r.ok ? r.uri : undefined;
}

/** Escape what a SIP user part may not hold as it is (RFC 3261 §25.1), '#' above all. */
function escapeUser(s: string): string {
  return s.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,?/]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
  );
}
