// How sipd names itself in the headers it adds (Via, Record-Route): chosen by
// ProxyAddressResolutionType — an IP address (IpAddrInPathHeaders, or the address it
// listens on), a host name (ServerName, or the system's), or the SRV domain
// (ProxyDomain) — plus the port of each transport.
import os from 'node:os';
import type { Config } from '../config/loader.js';
import type { ViaSentBy } from '../transaction/types.js';
import type { TransportName } from '../transport/types.js';

export interface BoundSocket {
  readonly transport: TransportName;
  readonly address: string;
  readonly port: number;
}

export interface ProxyIdentity {
  /** The host written in Via and Record-Route. */
  readonly host: string;
  /** Our port for a transport (the first socket bound for it). */
  port(transport: TransportName): number;
  viaSentBy(transport: TransportName): ViaSentBy;
  /** The Record-Route value naming our side that speaks `transport`. */
  recordRoute(transport: TransportName, o?: RecordRouteOptions): string;
  /** Every address and port we listen on. */
  readonly bound: readonly BoundSocket[];
}

export interface RecordRouteOptions {
  /** A sips: URI (only for the TLS side; RFC 3261 §16.6 step 4, §26.2.2). */
  readonly sips?: boolean;
  /** Always spell out ;transport= (double record-routing, RFC 5658), whatever AddTransportInRecordRoute says. */
  readonly transportParam?: boolean;
}

const ANY = new Set(['0.0.0.0', '::', '']);

/** First non-loopback IPv4 address of the host, else loopback. */
function hostAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function proxyIdentity(config: Config, bound: readonly BoundSocket[]): ProxyIdentity {
  const v = config.values;
  const specific = bound.find((b) => !ANY.has(b.address))?.address;
  let host: string;
  switch (v.ProxyAddressResolutionType) {
    case 'A':
      host = v.ServerName ?? os.hostname();
      break;
    case 'SRV':
      host = v.ProxyDomain ?? v.ServerName ?? os.hostname();
      break;
    default:
      host = v.IpAddrInPathHeaders ?? specific ?? hostAddress();
  }
  const srv = v.ProxyAddressResolutionType === 'SRV';
  const port = (t: TransportName): number => bound.find((b) => b.transport === t)?.port ?? bound[0]?.port ?? v.Port;
  return {
    host,
    bound,
    port,
    viaSentBy: (t) => ({ transport: t, host, port: port(t) }),
    recordRoute(t, o = {}) {
      // With SRV the domain alone is written: peers find host and port by DNS.
      const hp = srv ? bracket(host) : `${bracket(host)}:${port(t)}`;
      // The sips scheme already says TLS; transport=tls is deprecated there (RFC 3261 §26.2.2).
      const sips = o.sips === true && t === 'TLS';
      const transport = !sips && (v.AddTransportInRecordRoute || o.transportParam) ? `;transport=${t.toLowerCase()}` : '';
      return `<${sips ? 'sips' : 'sip'}:${hp}${transport};lr>`;
    },
  };
}
