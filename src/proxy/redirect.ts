// Redirect answers (guide E-1): 302 with one contact, 300 with several, q kept; the
// answer of a redirect server, of a caller asking for one (RFC 3841), and of a proxy that
// does not recurse meeting a call-forward target.
import type { Config } from '../config/loader.js';
import { parseUri, serializeUri } from '../sip/uri.js';
import { answer } from './answer.js';
import type { Answerer } from './answer.js';
import type { ProxyDeps, Target } from './stages.js';
import { isUs } from './us.js';

/**
 * SipResolveLocalContactsInRedirectMode: contacts go out as the addresses next-hop
 * resolution finds for them (user part and parameters kept, host:port replaced), so the
 * caller needs no lookup of its own. A contact that does not resolve is left as it is.
 */
export async function redirectTargets(deps: ProxyDeps, targets: readonly Target[], config: Config): Promise<Target[]> {
  if (!config.values.SipResolveLocalContactsInRedirectMode) return [...targets];
  const out: Target[] = [];
  for (const t of targets) {
    const d = t.uri.scheme === 'tel' ? [] : await deps.resolver.resolve(t.uri, config.values.SipRouteHeaderTransportType).catch(() => []);
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

export function redirect(deps: ProxyDeps, a: Answerer, targets: readonly Target[]): void {
  if (a.request.method === 'ACK') return;
  const contacts = targets.map((t) => {
    const c = redirectContact(deps, t);
    return t.q !== undefined && t.q !== 1 ? `<${c}>;q=${t.q}` : `<${c}>`;
  });
  const status = contacts.length > 1 ? 300 : 302;
  const extra = targets.flatMap((t) => t.headers ?? []);
  answer(a, { status, headers: [...contacts.map((c) => ['Contact', c] as const), ...extra] }, deps.serverToken);
}

/**
 * The Contact a redirect gives for a target. A routed target (its Request-URI names us,
 * its next hop a gateway) is given as the number at the next hop, so the caller can
 * reach the gateway directly.
 */
function redirectContact(deps: ProxyDeps, t: Target): string {
  const text = t.requestUri ?? serializeUri(t.uri);
  if (t.requestUri === undefined || t.uri.scheme === 'tel') return text;
  const r = parseUri(t.requestUri);
  if (!r.ok || r.uri.scheme === 'tel' || !isUs(deps, r.uri)) return text;
  const hop = t.uri;
  const params = [...r.uri.params.filter((p) => !['transport', 'maddr'].includes(p.name.toLowerCase())), ...hop.params.filter((p) => p.name.toLowerCase() === 'transport')];
  return serializeUri({ ...r.uri, host: hop.host, hostType: hop.hostType, port: hop.port, params });
}
