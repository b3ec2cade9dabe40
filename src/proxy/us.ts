// "Is this us?" as the proxy's stages ask it: a URI naming this server (loose routing,
// local requests, routed contacts), a Via we put there (loops, responses), or a URI in
// our ProxyDomain.
import type { Config } from '../config/loader.js';
import type { SipUri, Uri } from '../sip/uri.js';
import { parseUri } from '../sip/uri.js';
import type { Via } from '../sip/via.js';
import type { ProxyDeps } from './stages.js';

type Who = Pick<ProxyDeps, 'isThisServer' | 'identity'> & Partial<Pick<ProxyDeps, 'farmMemberAt'>>;

export function isUs(d: Who, uri: SipUri | Uri): boolean {
  if (uri.scheme === 'tel') return false;
  const host = uri.host.replace(/^\[(.*)\]$/, '$1');
  return d.isThisServer(host, uri.port);
}

/** A URI naming this server, with no user part unless `withUser`. */
export function isUsUri(d: Who, text: string, withUser: boolean): boolean {
  const p = parseUri(text);
  return p.ok && p.uri.scheme !== 'tel' && (withUser || !p.uri.user) && isUs(d, p.uri);
}

function viaHostPort(v: Via): { host: string; port: number; t: 'UDP' | 'TCP' | 'TLS' } {
  const host = v.host.replace(/^\[(.*)\]$/, '$1');
  const t = (['UDP', 'TCP', 'TLS'] as const).find((x) => x === v.transport) ?? 'UDP';
  return { host, port: v.port ?? (t === 'TLS' ? 5061 : 5060), t };
}

export function isOurVia(d: Who, v: Via): boolean {
  const { host, port, t } = viaHostPort(v);
  return d.isThisServer(host, port) || (host === d.identity.host && port === d.identity.port(t));
}

/** The other farm member that put this Via there, if any: the farm is one virtual server for loop detection. */
export function farmMemberOfVia(d: Who, v: Via): string | undefined {
  if (!d.farmMemberAt) return undefined;
  const { host, port } = viaHostPort(v);
  return d.farmMemberAt(host, port);
}

/** A Request-URI in our ProxyDomain (the registry answers for it even by name). */
export function isOurDomain(uri: SipUri, config: Config): boolean {
  const d = config.values.ProxyDomain?.toLowerCase();
  return !!d && uri.host.toLowerCase() === d;
}
