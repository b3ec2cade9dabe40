// What every transport hands to the layer above (the bytes of one message, where they
// came from and arrived, and a way to answer on the same path) and what the layers above
// hand down: a destination and the one send call the transaction layer needs.

import type { TransportName } from './directives.js';
export type { TransportName };

/** The parts of a certificate (as Node reports it) that name its owner. */
export interface CertificateNames {
  readonly subject?: { readonly CN?: string | readonly string[] } | null;
  /** Node's text form: "DNS:a.example, IP Address:10.0.0.1, URI:sip:example.com". */
  readonly subjectaltname?: string;
}

export interface Inbound {
  readonly transport: TransportName;
  /** Peer address as the socket reports it (IPv4-mapped IPv6 addresses unwrapped). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /**
   * Set only on what arrives over a TLS connection the peer opened while
   * SipTlsMutualAuthentication is On: the names of the client certificate the handshake
   * verified (against SipTlsCACertificateFile), or null when the peer presented none.
   * The proxy's first stage matches the top Via against them (src/proxy/tls-peer.ts).
   */
  readonly tlsClientCertificate?: CertificateNames | null;
}

/**
 * Answer on the path the message came in by: to the datagram's source address and
 * port for UDP, on the same connection for TCP. Returns false when that path is gone
 * (connection closed) — the caller counts it, nothing is thrown.
 */
export type Reply = (data: Buffer) => boolean;

/** Where a request (or a response not going back on its arrival path) is sent. */
export interface Destination {
  readonly transport: TransportName;
  /** An IP address (v4 or v6, no brackets); names are resolved before this point. */
  readonly host: string;
  readonly port: number;
  /** The name a TLS server's certificate must carry (the target URI's host), when it is a name. */
  readonly serverName?: string;
}

/** What the transaction layer needs of the transports. */
export interface TxnTransport {
  /**
   * Send one message. Resolves once handed to the socket (UDP) or written on a
   * connection (TCP, opened or reused as needed); rejects with a transport error
   * (connection refused or timed out, unreachable) so the caller can fail over.
   */
  send(dest: Destination, data: Buffer): Promise<void>;
}

/** Called once per received message; must not throw (errors are caught and logged). */
export type MessageHandler = (data: Buffer, from: Inbound, reply: Reply) => void;

/** Called with transport-level events worth a line in error_log. */
export type TransportLogger = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

/** Turn "::ffff:10.0.0.1" into "10.0.0.1"; other addresses are returned as they are. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** "host:port" with IPv6 hosts in brackets; "*" for every address. */
export function hostPort(host: string | undefined, port: number): string {
  if (!host) return `*:${port}`;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
