// Mutual TLS authentication, second half (guide ch. 1 "TLS Server Behavior"): a request
// on a TLS connection the client opened must carry, in its top Via, a host the client's
// certificate names. The TLS transport hands the certificate's names up on the Inbound
// (src/transport/tls.ts); the match is made here, in the proxy's first stage, so that the
// 403 is counted and written to access_log like any other answer.
import type { SipRequest } from '../sip/message.js';
import { parseVia } from '../sip/via.js';
import { certificateMatchesHost, checkSipServerIdentity } from '../transport/tls.js';
import { hostPort } from '../transport/types.js';
import type { Inbound } from '../transport/types.js';
import type { Refusal } from './sanity.js';

/**
 * The 403 for a request whose top Via sent-by the client certificate does not name, with
 * the error_log line saying why; undefined when there is nothing to check (no mutual
 * authentication on this message, no parseable top Via) or the certificate names it.
 */
export function checkTlsPeer(req: SipRequest, from: Inbound): { readonly refusal: Refusal; readonly log: string } | undefined {
  const cert = from.tlsClientCertificate;
  if (cert === undefined) return undefined;
  const top = req.headers.first('Via');
  const via = top === undefined ? undefined : parseVia(top);
  if (!via?.ok) return undefined;
  const host = via.via.host.replace(/^\[(.*)\]$/, '$1');
  if (cert && certificateMatchesHost(cert, host)) return undefined;
  const why = cert ? checkSipServerIdentity(host, cert)!.message : 'no client certificate';
  return {
    refusal: { status: 403, reason: 'Via Does Not Match TLS Certificate' },
    log: `TLS ${req.method} from ${hostPort(from.remoteAddress, from.remotePort)} refused: its Via sent-by ${via.via.host} does not match the client certificate (${why})`,
  };
}
