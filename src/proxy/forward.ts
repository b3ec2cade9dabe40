// Building the copy of a request that goes to one target (RFC 3261 §16.4 route
// preprocessing, §16.6 request forwarding, RFC 5658 double record-routing) and the
// upstream copy of a response (§16.7 step 3: our Via removed).
import type { SipRequest, SipResponse } from '../sip/message.js';
import { parseAddress } from '../sip/address.js';
import { splitList } from '../sip/headers.js';
import type { HeaderList } from '../sip/headers.js';
import type { SipUri } from '../sip/uri.js';
import { parseUri, serializeUri } from '../sip/uri.js';
import { parseVia, serializeVia } from '../sip/via.js';
import type { Via } from '../sip/via.js';
import type { Config } from '../config/loader.js';
import type { Inbound, TransportName } from '../transport/types.js';
import type { ProxyIdentity } from './identity.js';
import { DEFAULT_MAX_FORWARDS } from './sanity.js';

/** The URI of a name-addr / addr-spec header value, when it is a SIP URI. */
export function sipUriOf(value: string | undefined): SipUri | undefined {
  if (value === undefined) return undefined;
  const a = parseAddress(value);
  if (!a.ok || a.address.uri.scheme === 'tel') return undefined;
  return a.address.uri;
}

/** The Route entries naming us that preprocessRoute took off each request it returned. */
const poppedRoutes = new WeakMap<SipRequest, readonly SipUri[]>();

/**
 * The Route entries naming us that were removed from this request (preprocessRoute's
 * result), in the order they were on it; the last one is our side facing the next hop.
 * Empty for a request that carried none.
 */
export function ownRoutesRemoved(req: SipRequest): readonly SipUri[] {
  return poppedRoutes.get(req) ?? [];
}

/**
 * §16.4: if the Request-URI is one we put in a Record-Route (the previous hop is a strict
 * router), the real Request-URI is the last Route value; then the top Route values naming
 * us are removed — all of them, as the two entries of a double Record-Route (RFC 5658 §3)
 * come back one after the other. Returns the request to continue with (a copy when
 * anything changed).
 */
export function preprocessRoute(req: SipRequest, isUs: (uri: SipUri) => boolean): SipRequest {
  let out = req;
  const reqUri = parseUri(req.uri);
  const routes = req.headers.values('Route');
  if (reqUri.ok && reqUri.uri.scheme !== 'tel' && !reqUri.uri.user && isUs(reqUri.uri) && routes.length) {
    const last = parseAddress(routes[routes.length - 1]);
    if (last.ok) {
      const headers = req.headers.clone().delete('Route');
      for (const r of routes.slice(0, -1)) headers.append('Route', r);
      out = { ...req, uri: serializeUri(last.address.uri), headers };
    }
  }
  const rest = out.headers.values('Route');
  const popped: SipUri[] = [];
  for (let top = sipUriOf(rest[0]); top && isUs(top); top = sipUriOf(rest[0])) {
    popped.push(top);
    rest.shift();
  }
  if (popped.length) {
    const headers = out.headers.clone().delete('Route');
    for (const r of rest) headers.append('Route', r);
    out = { ...out, headers };
    poppedRoutes.set(out, popped);
  }
  return out;
}

/**
 * RFC 3261 §16.6 step 4: the Record-Route must be sips: when the Request-URI is, or
 * when the top Route (after our own entries were removed) is.
 */
export function isSipsRequest(req: SipRequest): boolean {
  if (/^\s*sips:/i.test(req.uri)) return true;
  return sipUriOf(req.headers.first('Route'))?.scheme === 'sips';
}

/**
 * The Record-Route values to insert into a forwarded copy, top first; empty when this
 * request does not record-route. Only initial INVITEs (no To tag) of a proxy with
 * AddRecordRoute On open a dialog whose route set is recorded. When the request came in
 * over one transport and leaves over another, two entries go in (RFC 5658 double
 * record-routing): on top our side the callee talks to, below it our side the caller
 * talks to, each with its transport spelt out, so the in-dialog requests of either end
 * reach us over the transport that end used. A TLS side of a sips request is sips:.
 */
export function recordRouteValues(
  req: SipRequest,
  config: Config,
  identity: Pick<ProxyIdentity, 'recordRoute'>,
  inbound: TransportName,
  outbound: TransportName,
): string[] {
  const v = config.values;
  if (!v.AddRecordRoute || v.ServerType !== 'Proxy') return [];
  if (req.method !== 'INVITE' || /;\s*tag=/i.test(req.headers.get('To') ?? '')) return [];
  const sips = isSipsRequest(req);
  if (inbound === outbound) return [identity.recordRoute(outbound, { sips })];
  return [identity.recordRoute(outbound, { sips, transportParam: true }), identity.recordRoute(inbound, { sips, transportParam: true })];
}

export interface ForwardOptions {
  /** New Request-URI (a translated target); undefined keeps the request's. */
  readonly requestUri?: string;
  /** Record-Route value(s) to insert, top first, if this request is to record-route. */
  readonly recordRoute?: string | readonly string[];
}

/** §16.6 steps 1-5: copy, retarget, Max-Forwards, Record-Route. The Via is added by the sender. */
export function forwardCopy(req: SipRequest, o: ForwardOptions): SipRequest {
  const headers = req.headers.clone();
  const mf = req.headers.get('Max-Forwards');
  headers.set('Max-Forwards', String(mf === undefined ? DEFAULT_MAX_FORWARDS : Math.max(0, Number(mf) - 1)));
  const rr = typeof o.recordRoute === 'string' ? [o.recordRoute] : (o.recordRoute ?? []);
  for (const value of [...rr].reverse()) headers.prepend('Record-Route', value);
  return { ...req, uri: o.requestUri ?? req.uri, headers };
}

/**
 * §18.2.1: note where the request really came from in its top Via — `received` when
 * the sent-by host is not the source address, and the source port in a bare `rport`
 * (RFC 3581) — so responses find their way back through NATs.
 */
export function stampReceived(req: SipRequest, from: Inbound): SipRequest {
  const topValue = req.headers.first('Via');
  if (topValue === undefined) return req;
  const parsed = parseVia(topValue);
  if (!parsed.ok) return req;
  const v = parsed.via;
  const host = v.host.replace(/^\[(.*)\]$/, '$1');
  const needReceived = host !== from.remoteAddress;
  const needRport = v.rport === true;
  if (!needReceived && !needRport) return req;
  const params = v.params.filter((p) => !['received', 'rport'].includes(p.name.toLowerCase()));
  // RFC 3581 §4: with rport, received is added even when it equals the sent-by host.
  params.push({ name: 'received', value: from.remoteAddress });
  if (v.rport !== undefined) params.push({ name: 'rport', value: String(from.remotePort) });
  const stamped: Via = { ...v, params };
  return { ...req, headers: withTopVia(req.headers, serializeVia(stamped)) };
}

/**
 * The header list with its top Via value replaced (`value`) or removed (undefined);
 * every other field keeps its place.
 */
function withTopVia(headers: HeaderList, value: string | undefined): HeaderList {
  const out = headers.clone();
  // The first Via field may hold several values (a comma list): only its first one is replaced.
  const field = headers.get('Via');
  if (field === undefined) return out;
  const rest = splitList(field).slice(1);
  const values = value === undefined ? rest : [value, ...rest];
  return out.replaceFirst('Via', values.length ? values.join(', ') : undefined);
}

/** The response with its top Via (ours) removed, to go upstream. */
export function popVia(res: SipResponse): SipResponse {
  return { ...res, headers: withTopVia(res.headers, undefined) };
}

/** The Via a response is sent back to (§18.2.2): received/rport override sent-by. */
export function responseTarget(res: SipResponse): { transport: string; host: string; port: number } | undefined {
  const top = res.headers.first('Via');
  if (top === undefined) return undefined;
  const p = parseVia(top);
  if (!p.ok) return undefined;
  const v = p.via;
  const host = (v.maddr ?? v.received ?? v.host).replace(/^\[(.*)\]$/, '$1');
  const port = typeof v.rport === 'number' ? v.rport : (v.port ?? (v.transport === 'TLS' ? 5061 : 5060));
  return { transport: v.transport, host, port };
}
