// One sending interface over every transport, for the transaction layer and for
// stateless forwarding. TLS arrives with its own transport; until then a TLS target
// fails like an unreachable one, so the caller fails over or answers 503.
import type { Destination, TxnTransport } from '../transaction/types.js';
import type { TcpTransport } from './tcp.js';
import { hostPort } from './types.js';
import type { UdpTransport } from './udp.js';

export class SipTransports implements TxnTransport {
  constructor(
    private readonly udp: UdpTransport,
    private readonly tcp: TcpTransport,
  ) {}

  send(dest: Destination, data: Buffer): Promise<void> {
    switch (dest.transport) {
      case 'UDP':
        return this.udp.send(dest.host, dest.port, data);
      case 'TCP':
        return this.tcp.send(dest.host, dest.port, data);
      default:
        return Promise.reject(notEnabled(dest));
    }
  }

  /** A response sent by Via (RFC 3261 §18.2.2): over TCP, the peer's open connection is preferred. */
  sendResponse(dest: Destination, data: Buffer): Promise<void> {
    if (dest.transport === 'TCP') return this.tcp.send(dest.host, dest.port, data, true);
    return this.send(dest, data);
  }
}

function notEnabled(dest: Destination): Error {
  return new Error(`${dest.transport} to ${hostPort(dest.host, dest.port)}: this transport is not enabled`);
}
