// Stage 8's contract: turning a target URI into the addresses to send to, best first.
// The dns module implements it with RFC 3263 (NAPTR → SRV → A/AAAA); the transport rule
// every resolver shares sits here.
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
