// sipd's SIP sockets: UDP and TCP on every Listen address (or Port), TLS on SipTlsPort
// when SipTlsEnable is On. Bound once at start (the sockets need a full restart); a
// graceful restart only adjusts their limits and TLS settings.
import type { Config } from '../config/loader.js';
import type { ErrorLog } from '../logging/index.js';
import type { BoundSocket } from '../proxy/identity.js';
import { SipTransports } from '../transport/outbound.js';
import type { PersistentPeer } from '../transport/persistent.js';
import type { StreamConnection } from '../transport/stream.js';
import { TcpTransport } from '../transport/tcp.js';
import type { TcpOptions } from '../transport/tcp.js';
import { TlsTransport, loadTlsCredentials, tlsListenAddresses, tlsSettingsFrom } from '../transport/tls.js';
import { hostPort } from '../transport/types.js';
import type { Inbound, Reply, TransportLogger } from '../transport/types.js';
import { UdpTransport } from '../transport/udp.js';
import type { ListenAddress } from '../transport/directives.js';

export type MessageHandler = (data: Buffer, from: Inbound, reply: Reply) => void;

function listenAddresses(c: Config): ListenAddress[] {
  const listen = c.values.Listen as readonly ListenAddress[];
  return listen.length ? [...listen] : [{ port: c.values.Port }];
}

export class Listeners {
  private udp: UdpTransport | undefined;
  private tcp: TcpTransport | undefined;
  private tls: TlsTransport | undefined;

  constructor(
    private readonly log: ErrorLog,
    private readonly tcpOptions: TcpOptions,
  ) {}

  /** Bind every socket; on failure the ones already bound stay for close(). */
  async bind(c: Config, handler: MessageHandler): Promise<void> {
    const log = this.log;
    const addresses = listenAddresses(c);
    const tlog: TransportLogger = (level, message) => {
      if (level === 'debug' && log.isFlagOn('SipTcp') && message.startsWith('TCP')) log.flag('SipTcp', message);
      else if (level === 'debug' && log.isFlagOn('SipTls') && message.startsWith('TLS')) log.flag('SipTls', message);
      else log.log(level, message);
    };
    this.udp = await UdpTransport.bind(addresses, handler, tlog);
    this.tcp = await TcpTransport.listen(addresses, handler, tlog, this.tcpLimits(c));
    if (c.values.SipTlsEnable) {
      // Unusable certificate or key files stop the start.
      const creds = loadTlsCredentials(c);
      if (!creds.ok) throw new Error(`TLS cannot be enabled: ${creds.errors.join('; ')}`);
      for (const w of creds.warnings) log.warn(w);
      this.tls = await TlsTransport.listen(tlsListenAddresses(addresses, c.values.SipTlsPort), handler, tlog, this.tcpLimits(c), creds.credentials, tlsSettingsFrom(c));
    }
  }

  private tcpLimits(c: Config): TcpOptions {
    return {
      ...this.tcpOptions,
      maxConnections: c.values.SipTcpMaxTCPConnections,
      connectTimeoutMs: c.values.SipTcpMaxConnectTimeout,
      reuseInbound: c.values.SipTcpReuseConnection,
    };
  }

  /** The outbound side over the bound sockets (after bind). */
  transports(): SipTransports {
    return new SipTransports(this.udp!, this.tcp!, this.tls);
  }

  bound(): BoundSocket[] {
    return [
      ...(this.udp?.bound ?? []).map((b) => ({ transport: 'UDP' as const, address: b.address, port: b.port })),
      ...(this.tcp?.bound ?? []).map((b) => ({ transport: 'TCP' as const, address: b.address, port: b.port })),
      ...(this.tls?.bound ?? []).map((b) => ({ transport: 'TLS' as const, address: b.address, port: b.port })),
    ];
  }

  /** "UDP 0.0.0.0:5060" for the start message, or "udp:0.0.0.0:5060" for sip status. */
  describe(style: 'log' | 'status'): string[] {
    return this.bound().map((b) => (style === 'log' ? `${b.transport} ${hostPort(b.address, b.port)}` : `${b.transport.toLowerCase()}:${hostPort(b.address, b.port)}`));
  }

  get tcpConnections(): number {
    return this.tcp?.connectionCount ?? 0;
  }

  /** Open TCP and TLS connections, and the persistent peers with whether each is connected. */
  connections(): { connections: StreamConnection[]; persistent: { transport: 'TCP' | 'TLS'; peer: string; up: boolean }[] } {
    return {
      connections: [...(this.tcp?.connectionList() ?? []), ...(this.tls?.connectionList() ?? [])],
      persistent: [...(this.tcp?.persistentPeers() ?? []), ...(this.tls?.persistentPeers() ?? [])],
    };
  }

  setPersistent(peers: readonly PersistentPeer[]): void {
    this.tcp?.setPersistent(peers);
  }

  /** A new snapshot: connection limits and TLS settings. */
  reconfigure(c: Config): void {
    this.tcp?.reconfigure(this.tcpLimits(c));
    this.tls?.reconfigure(this.tcpLimits(c));
    this.tls?.reconfigureTls(tlsSettingsFrom(c));
  }

  close(): Promise<unknown>[] {
    return [this.udp?.close(), this.tcp?.close(), this.tls?.close()].filter((p): p is Promise<void> => p !== undefined);
  }
}
