// Building the copy of a request that goes to one target (RFC 3261 §16.4 route
// preprocessing, §16.6 request forwarding) and the upstream copy of a response
// (§16.7 step 3: our Via removed).
import type { SipRequest, SipResponse } from '../sip/message.js';
import { parseAddress } from '../sip/address.js';
import { HeaderList, splitList } from '../sip/headers.js';
import type { HeaderField } from '../sip/headers.js';
import type { SipUri } from '../sip/uri.js';
import { parseUri, serializeUri } from '../sip/uri.js';
import { parseVia, serializeVia } from '../sip/via.js';
import type { Via } from '../sip/via.js';
import type { Inbound } from '../transport/types.js';
import { DEFAULT_MAX_FORWARDS } from './sanity.js';

/** The URI of a name-addr / addr-spec header value, when it is a SIP URI. */
export function sipUriOf(value: string | undefined): SipUri | undefined {
  if (value === undefined) return undefined;
  const a = parseAddress(value);
  if (!a.ok || a.address.uri.scheme === 'tel') return undefined;
  return a.address.uri;
}

/**
 * §16.4: if the Request-URI is one we put in a Record-Route (the previous hop is a strict
 * router), the real Request-URI is the last Route value; then a top Route naming us is
 * removed. Returns the request to continue with (a copy when anything changed).
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
  const top = sipUriOf(out.headers.first('Route'));
  if (top && isUs(top)) {
    const rest = out.headers.values('Route').slice(1);
    const headers = out.headers.clone().delete('Route');
    for (const r of rest) headers.append('Route', r);
    out = { ...out, headers };
  }
  return out;
}

export interface ForwardOptions {
  /** New Request-URI (a translated target); undefined keeps the request's. */
  readonly requestUri?: string;
  /** Record-Route value to insert, if this request is to record-route. */
  readonly recordRoute?: string;
}

/** §16.6 steps 1-5: copy, retarget, Max-Forwards, Record-Route. The Via is added by the sender. */
export function forwardCopy(req: SipRequest, o: ForwardOptions): SipRequest {
  const headers = req.headers.clone();
  const mf = req.headers.get('Max-Forwards');
  headers.set('Max-Forwards', String(mf === undefined ? DEFAULT_MAX_FORWARDS : Math.max(0, Number(mf) - 1)));
  if (o.recordRoute) headers.prepend('Record-Route', o.recordRoute);
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
  const fields: HeaderField[] = [];
  let done = false;
  for (const f of headers) {
    if (!done && f.name === 'Via') {
      done = true;
      const rest = splitList(f.value).slice(1);
      const first = value === undefined ? [] : [value];
      if (first.length || rest.length) fields.push({ name: 'Via', value: [...first, ...rest].join(', ') });
      continue;
    }
    fields.push(f);
  }
  return new HeaderList(fields);
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
