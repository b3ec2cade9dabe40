// SIP over TCP: one listening socket per listen address. Each connection's bytes are
// cut into messages by Content-Length; answers go back on the same connection.
// Connections left idle for idleMs are closed. The connection table is shared with
// TLS (stream.ts); this file only says how plain TCP sockets are made.
import net from 'node:net';
import type { ListenAddress } from './directives.js';
import { STREAM_DEFAULTS, StreamTransport } from './stream.js';
import type { StreamFlavour, StreamOptions } from './stream.js';
import type { MessageHandler, TransportLogger } from './types.js';

export type TcpOptions = StreamOptions;

export const TCP_DEFAULTS: TcpOptions = STREAM_DEFAULTS;

const TCP: StreamFlavour = {
  transport: 'TCP',
  createServer: (onSocket) => net.createServer({ allowHalfOpen: false }, onSocket),
  connect: (host, port) => ({ socket: net.connect({ host, port }), ready: 'connect' }),
};

export class TcpTransport extends StreamTransport {
  private constructor(handler: MessageHandler, log: TransportLogger, opts: TcpOptions) {
    super(TCP, handler, log, opts);
  }

  static async listen(addresses: readonly ListenAddress[], handler: MessageHandler, log: TransportLogger, opts: TcpOptions = TCP_DEFAULTS): Promise<TcpTransport> {
    const t = new TcpTransport(handler, log, opts);
    await t.listenAll(addresses);
    return t;
  }
}
