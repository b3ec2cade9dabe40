// SIP over TCP: one listening socket per listen address. Each connection's bytes are
// cut into messages by Content-Length; answers go back on the same connection.
// Connections left idle for idleMs are closed.
import net from 'node:net';
import type { ListenAddress } from '../server/directives.js';
import { StreamFramer } from './framing.js';
import { describeBindError } from './errors.js';
import { hostPort, plainAddress } from './types.js';
import type { Inbound, MessageHandler, TransportLogger } from './types.js';
import type { BoundAddress } from './udp.js';

export interface TcpOptions {
  /** Close a connection after this long without traffic. */
  readonly idleMs: number;
  /** Connections beyond this many are refused. */
  readonly maxConnections: number;
}

export const TCP_DEFAULTS: TcpOptions = { idleMs: 5 * 60_000, maxConnections: 128 };

export class TcpTransport {
  private readonly connections = new Set<net.Socket>();
  private readonly servers: net.Server[] = [];

  private constructor(
    private readonly handler: MessageHandler,
    private readonly log: TransportLogger,
    private opts: TcpOptions,
  ) {}

  static async listen(addresses: readonly ListenAddress[], handler: MessageHandler, log: TransportLogger, opts: TcpOptions = TCP_DEFAULTS): Promise<TcpTransport> {
    const t = new TcpTransport(handler, log, opts);
    try {
      for (const a of addresses) t.servers.push(await t.listenOne(a));
    } catch (e) {
      await t.close();
      throw e;
    }
    return t;
  }

  get bound(): BoundAddress[] {
    return this.servers.map((s) => {
      const a = s.address() as net.AddressInfo;
      return { address: a.address, port: a.port };
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** New limits apply to new connections (idle time also to open ones on their next data). */
  reconfigure(opts: TcpOptions): void {
    this.opts = opts;
    for (const s of this.servers) s.maxConnections = opts.maxConnections;
    for (const c of this.connections) c.setTimeout(opts.idleMs);
  }

  async close(): Promise<void> {
    const closing = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    await Promise.all(closing);
    this.log('debug', 'TCP listeners closed');
  }

  private listenOne(a: ListenAddress): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: false }, (socket) => this.accept(socket));
      server.maxConnections = this.opts.maxConnections;
      const onError = (e: NodeJS.ErrnoException) => {
        server.close();
        const err = new Error(`cannot listen on TCP ${hostPort(a.host, a.port)}: ${describeBindError(e)}`) as NodeJS.ErrnoException;
        err.code = e.code;
        reject(err);
      };
      server.once('error', onError);
      // Without a host, Node listens on :: (dual stack) when it can, else on 0.0.0.0.
      server.listen({ host: a.host, port: a.port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (e) => this.log('error', `TCP ${hostPort(a.host, a.port)}: ${e.message}`));
        resolve(server);
      });
    });
  }

  private accept(socket: net.Socket): void {
    const from: Inbound = {
      transport: 'TCP',
      remoteAddress: plainAddress(socket.remoteAddress ?? ''),
      remotePort: socket.remotePort ?? 0,
      localAddress: plainAddress(socket.localAddress ?? ''),
      localPort: socket.localPort ?? 0,
    };
    const peer = hostPort(from.remoteAddress, from.remotePort);
    this.connections.add(socket);
    this.log('debug', `TCP connection from ${peer}`);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    socket.setTimeout(this.opts.idleMs, () => {
      this.log('debug', `TCP connection from ${peer} idle for ${Math.round(this.opts.idleMs / 1000)} s: closing it`);
      socket.destroy();
    });
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', (e) => this.log('debug', `TCP connection from ${peer}: ${e.message}`));

    const reply = (out: Buffer): boolean => {
      if (socket.destroyed || !socket.writable) return false;
      socket.write(out);
      return true;
    };
    const framer = new StreamFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) {
        if (frame.kind === 'ping') {
          reply(Buffer.from('\r\n'));
          continue;
        }
        if (frame.kind === 'error') {
          this.log('info', `TCP connection from ${peer}: ${frame.reason}; closing it`);
          // The head of the unframeable message may still be answerable (400).
          if (frame.data) this.deliver(frame.data, from, reply);
          socket.end();
          return;
        }
        this.deliver(frame.data, from, reply);
      }
    });
  }

  private deliver(data: Buffer, from: Inbound, reply: (b: Buffer) => boolean): void {
    try {
      this.handler(data, from, reply);
    } catch (e) {
      this.log('error', `TCP message from ${hostPort(from.remoteAddress, from.remotePort)} not handled: ${(e as Error).stack ?? e}`);
    }
  }
}
