// SIP over UDP: one datagram socket per listen address; each datagram is one message.
// Responses go back to the datagram's source address and port (the simple reading of
// RFC 3261 §18.2.2 for requests arriving without maddr; received/rport match it).
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from './directives.js';
import { hostPort, plainAddress } from './types.js';
import type { Inbound, MessageHandler, TransportLogger } from './types.js';
import { describeBindError } from './errors.js';

export interface BoundAddress {
  readonly address: string;
  readonly port: number;
}

export class UdpTransport {
  /** Each socket's bound address, read once: socket.address() is a system call, and socketFor runs for every send. */
  private readonly locals: readonly AddressInfo[];

  private constructor(
    private readonly sockets: dgram.Socket[],
    private readonly log: TransportLogger,
  ) {
    this.locals = sockets.map((s) => s.address());
  }

  /** Bind every address, or fail with a message naming the one that could not be bound. */
  static async bind(addresses: readonly ListenAddress[], handler: MessageHandler, log: TransportLogger): Promise<UdpTransport> {
    const sockets: dgram.Socket[] = [];
    try {
      for (const a of addresses) sockets.push(await bindOne(a, handler, log));
    } catch (e) {
      for (const s of sockets) s.close();
      throw e;
    }
    return new UdpTransport(sockets, log);
  }

  get bound(): BoundAddress[] {
    return this.sockets.map((s) => {
      const a = s.address();
      return { address: a.address, port: a.port };
    });
  }

  /**
   * Send a datagram to host:port from a listening socket, so that the peer sees our
   * SIP port as the source (responses and symmetric-NAT peers rely on it). The first
   * socket of the right family wins; a dual-stack socket serves both families.
   */
  send(host: string, port: number, data: Buffer): Promise<void> {
    const socket = this.socketFor(host);
    if (!socket) return Promise.reject(new Error(`no UDP socket can reach ${hostPort(host, port)}`));
    return new Promise((resolve, reject) => {
      socket.send(data, port, host, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The local address and port a datagram to host would leave from. */
  localFor(host: string): BoundAddress | undefined {
    const s = this.socketFor(host);
    if (!s) return undefined;
    const a = this.locals[this.sockets.indexOf(s)];
    return { address: plainAddress(a.address), port: a.port };
  }

  private socketFor(host: string): dgram.Socket | undefined {
    const v6 = host.includes(':');
    let fallback: dgram.Socket | undefined;
    for (let i = 0; i < this.sockets.length; i++) {
      const s = this.sockets[i];
      const a = this.locals[i];
      const isV6 = a.family === 'IPv6';
      if (v6 === isV6 && !(isV6 && a.address.startsWith('::ffff:'))) return s;
      // An IPv6 socket bound to every address also reaches IPv4 peers (mapped).
      if (!v6 && isV6 && a.address === '::') fallback ??= s;
    }
    return fallback;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            try {
              s.close(() => resolve());
            } catch {
              resolve();
            }
          }),
      ),
    );
    this.log('debug', 'UDP sockets closed');
  }
}

/**
 * dgram resolves the destination of every send, and dns.lookup answers even an address
 * literal on the next tick. Every SIP destination here is already an address, so it is
 * answered at once and the datagram leaves without that extra turn; names still go to
 * dns.lookup.
 */
function literalFirst(host: string, family: unknown, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const f = isIP(host);
  if (f) callback(null, host, f);
  else dns.lookup(host, family as dns.LookupOneOptions, callback);
}

function bindOne(a: ListenAddress, handler: MessageHandler, log: TransportLogger): Promise<dgram.Socket> {
  if (a.host) return bindFamily(a.host.includes(':') ? 'udp6' : 'udp4', a.host, a.port, handler, log);
  // Every address: one dual-stack socket when the host has IPv6, else IPv4 only.
  return bindFamily('udp6', '::', a.port, handler, log).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EAFNOSUPPORT' || e.code === 'EADDRNOTAVAIL' || e.code === 'EINVAL') return bindFamily('udp4', '0.0.0.0', a.port, handler, log);
    throw e;
  });
}

function bindFamily(type: 'udp4' | 'udp6', host: string, port: number, handler: MessageHandler, log: TransportLogger): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type, ipv6Only: false, reuseAddr: false, lookup: literalFirst });
    const onBindError = (e: NodeJS.ErrnoException) => {
      socket.close();
      const err = new Error(`cannot listen on UDP ${hostPort(host, port)}: ${describeBindError(e)}`) as NodeJS.ErrnoException;
      err.code = e.code;
      reject(err);
    };
    socket.once('error', onBindError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onBindError);
      socket.on('error', (e) => log('error', `UDP ${hostPort(host, port)}: ${e.message}`));
      const local = socket.address();
      socket.on('message', (data, rinfo) => {
        const from: Inbound = {
          transport: 'UDP',
          remoteAddress: plainAddress(rinfo.address),
          remotePort: rinfo.port,
          localAddress: plainAddress(local.address),
          localPort: local.port,
        };
        const reply = (out: Buffer): boolean => {
          socket.send(out, rinfo.port, rinfo.address, (err) => {
            if (err) log('warn', `UDP send to ${hostPort(from.remoteAddress, from.remotePort)} failed: ${err.message}`);
          });
          return true;
        };
        try {
          handler(data, from, reply);
        } catch (e) {
          log('error', `UDP message from ${hostPort(from.remoteAddress, from.remotePort)} not handled: ${(e as Error).stack ?? e}`);
        }
      });
      resolve(socket);
    });
  });
}
