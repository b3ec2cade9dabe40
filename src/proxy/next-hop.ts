// Turning a target URI into the addresses to send to. This is the plain form — maddr or
// host, the URI's port or the scheme's default, the transport parameter, names through
// the system resolver — behind the interface the RFC 3263 resolver (NAPTR → SRV →
// A/AAAA) of the routing work replaces.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { SipUri, Uri } from '../sip/uri.js';
import { uriParam } from '../sip/uri.js';
import type { Destination, TransportName } from '../transport/types.js';

export interface NextHopResolver {
  /**
   * The destinations for a URI, best first; an empty list when the name does not
   * resolve. `defaultTransport` applies when the URI names none.
   */
  resolve(uri: Uri, defaultTransport: TransportName): Promise<Destination[]>;
}

export class ResolveError extends Error {
  constructor(
    message: string,
    /** The SIP status that fits: 416 for a scheme we cannot route, 503 otherwise. */
    readonly status: number,
  ) {
    super(message);
  }
}

function unbracket(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/**
 * The transport a URI asks for (RFC 3261 §19.1.1 transport parameter). A sips: URI is
 * always TLS: its ;transport=tcp names what TLS runs over (§26.2.2), not plain TCP.
 */
export function uriTransport(uri: SipUri, fallback: TransportName): TransportName {
  if (uri.scheme === 'sips') return 'TLS';
  const t = uriParam(uri, 'transport')?.toUpperCase();
  if (t === 'UDP' || t === 'TCP' || t === 'TLS') return t;
  return fallback;
}

/** Plain resolution: literal addresses as they are, names via getaddrinfo (A/AAAA). */
export class SystemResolver implements NextHopResolver {
  async resolve(uri: Uri, defaultTransport: TransportName): Promise<Destination[]> {
    if (uri.scheme === 'tel') throw new ResolveError('a tel: URI cannot be sent to without a route for it', 404);
    const transport = uriTransport(uri, defaultTransport);
    const host = unbracket(uriParam(uri, 'maddr') || uri.host);
    const port = uri.port ?? (transport === 'TLS' ? 5061 : 5060);
    if (isIP(host)) return [{ transport, host, port }];
    try {
      const all = await lookup(host.replace(/\.$/, ''), { all: true });
      return all.map((a) => ({ transport, host: a.address, port }));
    } catch {
      return [];
    }
  }
}
