// The connection table shared by the stream transports (TCP, TLS): listening sockets,
// one framer per connection, the idle timeout, the connection limit, reuse of the
// newest connection to a peer, and the persistent peers of persistent_tcp.conf.
// A flavour (tcp.ts, tls.ts) supplies only how sockets are made and what a
// connection's messages must pass before they are delivered.
import type net from 'node:net';
import type { ListenAddress } from './directives.js';
import { StreamFramer } from './framing.js';
import { describeBindError } from './errors.js';
import { hostPort, plainAddress } from './types.js';
import type { Inbound, MessageHandler, Reply, TransportLogger } from './types.js';
import type { BoundAddress } from './udp.js';

/** After a framing error, how long answers to earlier messages on the connection may still be written. */
const CLOSE_LINGER_MS = 250;

export interface StreamOptions {
  /** Close a connection after this long without traffic. */
  readonly idleMs: number;
  /** Connections beyond this many are refused. */
  readonly maxConnections: number;
  /** SipTcpMaxConnectTimeout: an outgoing connect (and, for TLS, its handshake) taking longer counts as unreachable. */
  readonly connectTimeoutMs: number;
  /** SipTcpReuseConnection: also send new requests over connections the peer opened. */
  readonly reuseInbound: boolean;
}

export const STREAM_DEFAULTS: StreamOptions = { idleMs: 5 * 60_000, maxConnections: 128, connectTimeoutMs: 1000, reuseInbound: false };

export type Direction = 'in' | 'out';

export interface StreamConnection {
  readonly transport: 'TCP' | 'TLS';
  readonly peer: string;
  readonly local: string;
  readonly direction: Direction;
  readonly since: string;
  readonly persistent: boolean;
}

/** What differs between TCP and TLS. */
export interface StreamFlavour {
  readonly transport: 'TCP' | 'TLS';
  /** A listening server that calls onSocket with each connection ready for SIP (after the handshake for TLS). */
  createServer(onSocket: (socket: net.Socket) => void): net.Server;
  /**
   * Start an outgoing connection. `ready` is the event after which it carries SIP
   * ('connect', or 'secureConnect' once the peer's certificate has been checked).
   * `serverName` is the host name the target was found by, when there was one.
   */
  connect(host: string, port: number, serverName: string | undefined): { socket: net.Socket; ready: 'connect' | 'secureConnect' };
  /**
   * What the flavour adds to where each message received on a connection came from
   * (TLS: the client certificate); `from` as it is when there is nothing to add.
   */
  inbound?(from: Inbound, socket: net.Socket, direction: Direction): Inbound;
}

export class StreamTransport {
  private readonly connections = new Set<net.Socket>();
  private readonly servers: net.Server[] = [];
  /** Open connections by peer "host:port", for sending: ours ('out') and, with reuse, the peer's ('in'). */
  private readonly byPeer = new Map<string, { socket: net.Socket; direction: Direction }>();
  /** Connects in progress, so that concurrent sends to one peer share one connection. */
  private readonly connecting = new Map<string, Promise<net.Socket>>();
  /** What `connectionList` reports of each open connection. */
  private readonly described = new Map<net.Socket, { peer: string; local: string; direction: Direction; since: number }>();
  /** Peers kept connected, never closed for idleness. */
  private persistent = new Map<string, { host: string; port: number; timer?: NodeJS.Timeout }>();
  private closed = false;
  protected readonly name: 'TCP' | 'TLS';

  protected constructor(
    private readonly flavour: StreamFlavour,
    private readonly handler: MessageHandler,
    protected readonly log: TransportLogger,
    protected opts: StreamOptions,
  ) {
    this.name = flavour.transport;
  }

  /** Listen on every address, or close what was opened and fail naming the address. */
  protected async listenAll(addresses: readonly ListenAddress[]): Promise<void> {
    try {
      for (const a of addresses) this.servers.push(await this.listenOne(a));
    } catch (e) {
      await this.close();
      throw e;
    }
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

  /** The open connections (for the control socket's "connections"): peer, our side, who opened it, since when, kept by persistent_tcp.conf. */
  connectionList(): StreamConnection[] {
    return [...this.described.values()].map((c) => ({ transport: this.name, ...c, since: new Date(c.since).toISOString(), persistent: this.persistent.has(c.peer) }));
  }

  /** The peers of persistent_tcp.conf, each with whether a connection to it is open now. */
  persistentPeers(): { transport: 'TCP' | 'TLS'; peer: string; up: boolean }[] {
    return [...this.persistent.keys()].map((peer) => ({ transport: this.name, peer, up: this.byPeer.has(peer) }));
  }

  /** The listening servers (TLS reconfigures their security context). */
  protected get listeners(): readonly net.Server[] {
    return this.servers;
  }

  /** New limits apply to new connections (idle time also to open ones on their next data). */
  reconfigure(opts: StreamOptions): void {
    this.opts = opts;
    for (const s of this.servers) s.maxConnections = opts.maxConnections;
    for (const c of this.connections) c.setTimeout(opts.idleMs);
  }

  /**
   * Send a message to host:port over an open connection to it, opening one when there
   * is none (within connectTimeoutMs). Rejects when the peer cannot be reached. Responses pass
   * `anyConnection`: they belong on the peer's own connection whatever the reuse setting.
   */
  async send(host: string, port: number, data: Buffer, anyConnection = false, serverName?: string): Promise<void> {
    const socket = await this.connectionTo(host, port, anyConnection, serverName);
    await new Promise<void>((resolve, reject) => {
      socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  private connectionTo(host: string, port: number, anyConnection: boolean, serverName?: string): Promise<net.Socket> {
    const key = hostPort(host, port);
    const open = this.byPeer.get(key);
    if (open && !open.socket.destroyed && open.socket.writable && (open.direction === 'out' || anyConnection || this.opts.reuseInbound)) return Promise.resolve(open.socket);
    const pending = this.connecting.get(key);
    if (pending) return pending;
    const name = this.name;
    if (this.connections.size >= this.opts.maxConnections) return Promise.reject(new Error(`${name} connection limit (${this.opts.maxConnections}) reached; not connecting to ${key}`));
    const p = new Promise<net.Socket>((resolve, reject) => {
      let socket: net.Socket;
      let ready: 'connect' | 'secureConnect';
      try {
        ({ socket, ready } = this.flavour.connect(host, port, serverName));
      } catch (e) {
        reject(new Error(`${name} connect to ${key} failed: ${(e as Error).message}`));
        return;
      }
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`${name} connect to ${key} timed out after ${this.opts.connectTimeoutMs} ms`));
      }, this.opts.connectTimeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`${name} connect to ${key} failed: ${e.message}`));
      });
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        this.attach(socket, 'out');
        resolve(socket);
      });
    });
    this.connecting.set(key, p);
    const done = () => this.connecting.delete(key);
    p.then(done, done);
    return p;
  }

  /**
   * Keep a connection open to each of these peers (persistent_tcp.conf), reconnecting
   * after a loss; peers no longer listed are released to the idle timeout.
   */
  setPersistent(peers: readonly { host: string; port: number }[]): void {
    const next = new Map(peers.map((p) => [hostPort(p.host, p.port), { host: p.host, port: p.port }] as const));
    for (const [key, old] of this.persistent) {
      if (next.has(key)) continue;
      clearTimeout(old.timer);
      this.byPeer.get(key)?.socket.setTimeout(this.opts.idleMs);
    }
    this.persistent = new Map([...next].map(([k, v]) => [k, this.persistent.get(k) ?? v]));
    for (const key of this.persistent.keys()) this.keepUp(key, 0);
  }

  private keepUp(key: string, delayMs: number): void {
    const p = this.persistent.get(key);
    if (!p || this.closed) return;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.connectionTo(p.host, p.port, false).then(
        (socket) => {
          socket.setTimeout(0);
          this.log('info', `persistent ${this.name} connection to ${key} is up`);
          socket.once('close', () => this.keepUp(key, 5000));
        },
        (e: Error) => {
          this.log('warn', `persistent ${this.name} peer ${key}: ${e.message}; retrying in 30 s`);
          this.keepUp(key, 30_000);
        },
      );
    }, delayMs);
    p.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.persistent.values()) clearTimeout(p.timer);
    const closing = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    await Promise.all(closing);
    this.log('debug', `${this.name} listeners closed`);
  }

  private listenOne(a: ListenAddress): Promise<net.Server> {
    const name = this.name;
    return new Promise((resolve, reject) => {
      const server = this.flavour.createServer((socket) => this.attach(socket, 'in'));
      server.maxConnections = this.opts.maxConnections;
      const onError = (e: NodeJS.ErrnoException) => {
        server.close();
        const err = new Error(`cannot listen on ${name} ${hostPort(a.host, a.port)}: ${describeBindError(e)}`) as NodeJS.ErrnoException;
        err.code = e.code;
        reject(err);
      };
      server.once('error', onError);
      // Without a host, Node listens on :: (dual stack) when it can, else on 0.0.0.0.
      server.listen({ host: a.host, port: a.port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (e) => this.log('error', `${name} ${hostPort(a.host, a.port)}: ${e.message}`));
        resolve(server);
      });
    });
  }

  private attach(socket: net.Socket, direction: Direction): void {
    const from: Inbound = {
      transport: this.name,
      remoteAddress: plainAddress(socket.remoteAddress ?? ''),
      remotePort: socket.remotePort ?? 0,
      localAddress: plainAddress(socket.localAddress ?? ''),
      localPort: socket.localPort ?? 0,
    };
    const peer = hostPort(from.remoteAddress, from.remotePort);
    const what = direction === 'in' ? `${this.name} connection from ${peer}` : `${this.name} connection to ${peer}`;
    this.connections.add(socket);
    this.described.set(socket, { peer, local: hostPort(from.localAddress, from.localPort), direction, since: Date.now() });
    // The newest connection to a peer is the one used for sending to it.
    this.byPeer.set(peer, { socket, direction });
    this.log('debug', what);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    socket.setTimeout(this.opts.idleMs, () => {
      this.log('debug', `${what} idle for ${Math.round(this.opts.idleMs / 1000)} s: closing it`);
      socket.destroy();
    });
    socket.on('close', () => {
      this.log('debug', `${what} closed`);
      this.connections.delete(socket);
      this.described.delete(socket);
      if (this.byPeer.get(peer)?.socket === socket) this.byPeer.delete(peer);
    });
    socket.on('error', (e) => this.log('debug', `${what}: ${e.message}`));

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
          this.log('info', `${what}: ${frame.reason}; closing it`);
          // The head of the unframeable message may still be answerable (400).
          if (frame.data) this.deliver(frame.data, from, reply, socket, direction);
          // Read no more, but let answers to the requests before it go out first.
          socket.pause();
          socket.removeAllListeners('data');
          setTimeout(() => socket.end(), CLOSE_LINGER_MS).unref();
          return;
        }
        this.deliver(frame.data, from, reply, socket, direction);
      }
    });
  }

  private deliver(data: Buffer, from: Inbound, reply: Reply, socket: net.Socket, direction: Direction): void {
    try {
      this.handler(data, this.flavour.inbound ? this.flavour.inbound(from, socket, direction) : from, reply);
    } catch (e) {
      this.log('error', `${this.name} message from ${hostPort(from.remoteAddress, from.remotePort)} not handled: ${(e as Error).stack ?? e}`);
    }
  }
}
