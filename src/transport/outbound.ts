// One sending interface over every transport, for the transaction layer and for
// stateless forwarding. Without a TLS transport (SipTlsEnable Off) a TLS target fails
// like an unreachable one, so the caller fails over or answers 503.
import type { TcpTransport } from './tcp.js';
import type { TlsTransport } from './tls.js';
import { hostPort } from './types.js';
import type { Destination, TxnTransport } from './types.js';
import type { UdpTransport } from './udp.js';

/**
 * A destination may say which host name it was resolved from: a TLS server's
 * certificate is then checked against that name rather than the address.
 */
type NamedDestination = Destination & { readonly serverName?: string };

export class SipTransports implements TxnTransport {
  constructor(
    private readonly udp: UdpTransport,
    private readonly tcp: TcpTransport,
    private readonly tls?: TlsTransport,
  ) {}

  send(dest: Destination, data: Buffer): Promise<void> {
    return this.deliver(dest, data, false);
  }

  /** A response sent by Via (RFC 3261 §18.2.2): over TCP and TLS, the peer's open connection is preferred. */
  sendResponse(dest: Destination, data: Buffer): Promise<void> {
    return this.deliver(dest, data, true);
  }

  private deliver(dest: NamedDestination, data: Buffer, response: boolean): Promise<void> {
    switch (dest.transport) {
      case 'UDP':
        return this.udp.send(dest.host, dest.port, data);
      case 'TCP':
        return this.tcp.send(dest.host, dest.port, data, response);
      case 'TLS':
        if (!this.tls) return Promise.reject(notEnabled(dest));
        return this.tls.send(dest.host, dest.port, data, response, dest.serverName);
      default:
        return Promise.reject(notEnabled(dest));
    }
  }
}

function notEnabled(dest: Destination): Error {
  return new Error(`${dest.transport} to ${hostPort(dest.host, dest.port)}: this transport is not enabled${dest.transport === 'TLS' ? ' (SipTlsEnable is Off)' : ''}`);
}
