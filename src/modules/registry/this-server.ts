// "Is this host (and port) me?" — asked by the registrar to map a REGISTER's domain to
// the one it keys under, and by the proxy to tell requests for itself from requests to
// forward. Me is: ServerName, ProxyDomain, the machine's host name, IpAddrInPathHeaders,
// the addresses sipd listens on (every local address, loopback included, when it listens
// on all of them), and — with Cisco_Registry_Use_Virtual_Proxy_Host On — the domain,
// name and address of each <VirtualProxyHost>.
import { isIPv6 } from 'node:net';
import os from 'node:os';
import type { Config } from '../../config/loader.js';

/** A socket sipd has bound (structurally the proxy's BoundSocket). */
export interface BoundAddress {
  readonly transport?: string;
  /** "0.0.0.0", "::" or "" for every address. */
  readonly address: string;
  readonly port: number;
}

/** A <VirtualProxyHost> block, normalised. */
export interface VirtualHost {
  readonly id: string;
  readonly domain: string;
  readonly name?: string;
  readonly ip?: string;
}

interface Identity {
  readonly names: ReadonlySet<string>;
  readonly addresses: ReadonlySet<string>;
  readonly ports: ReadonlySet<number>;
  readonly virtualHosts: readonly VirtualHost[];
}

const ANY = new Set(['0.0.0.0', '::', '', '*']);
/** The default for `bound`: one shared array, so the identity cache still hits. */
const NONE: readonly BoundAddress[] = [];

/** Lower case, without IPv6 brackets or a trailing dot; IPv6 in its shortest form. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  h = h.replace(/\.$/, '');
  if (h.startsWith('::ffff:') && h.includes('.')) h = h.slice(7);
  if (isIPv6(h)) {
    try {
      h = new URL(`http://[${h}]/`).hostname.slice(1, -1);
    } catch {
      /* keep as written */
    }
  }
  return h;
}

/** The <VirtualProxyHost> blocks of a configuration (whatever Cisco_Registry_Use_Virtual_Proxy_Host says). */
export function virtualHosts(config: Config): VirtualHost[] {
  const out: VirtualHost[] = [];
  for (const b of config.values.VirtualProxyHost) {
    if (!b.Virtual_Proxy_Domain) continue;
    out.push({
      id: b.id,
      domain: normalizeHost(b.Virtual_Proxy_Domain),
      ...(b.Virtual_Proxy_Server_Name && { name: normalizeHost(b.Virtual_Proxy_Server_Name) }),
      ...(b.Virtual_Proxy_Server_IP && { ip: normalizeHost(b.Virtual_Proxy_Server_IP) }),
    });
  }
  return out;
}

// One Identity per (config snapshot, bound list): isThisServer runs on every request.
const cache = new WeakMap<Config, WeakMap<readonly BoundAddress[], Identity>>();

function identity(config: Config, bound: readonly BoundAddress[]): Identity {
  let byBound = cache.get(config);
  if (!byBound) cache.set(config, (byBound = new WeakMap()));
  let id = byBound.get(bound);
  if (!id) byBound.set(bound, (id = buildIdentity(config, bound)));
  return id;
}

function buildIdentity(config: Config, bound: readonly BoundAddress[]): Identity {
  const v = config.values;
  const names = new Set<string>();
  const addresses = new Set<string>();
  const ports = new Set<number>();
  for (const n of [v.ServerName, v.ProxyDomain, os.hostname()]) if (n) names.add(normalizeHost(n));
  if (v.IpAddrInPathHeaders) addresses.add(normalizeHost(v.IpAddrInPathHeaders));

  // What we listen on: the sockets actually bound, else what the file asks for.
  const listening: { address: string; port: number }[] = bound.length
    ? bound.map((b) => ({ address: b.address, port: b.port }))
    : v.Listen.length
      ? v.Listen.map((l) => ({ address: l.host ?? '', port: l.port }))
      : [{ address: '', port: v.Port }];
  if (!bound.length && v.SipTlsEnable) listening.push({ address: listening[0].address, port: v.SipTlsPort });
  let all = false;
  for (const l of listening) {
    ports.add(l.port);
    if (ANY.has(l.address)) all = true;
    else addresses.add(normalizeHost(l.address));
  }
  if (all) {
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) addresses.add(normalizeHost(a.address));
    addresses.add('127.0.0.1');
    addresses.add('::1');
  }
  if (all || addresses.has('127.0.0.1') || addresses.has('::1')) names.add('localhost');

  const vhs = v.Cisco_Registry_Use_Virtual_Proxy_Host ? virtualHosts(config) : [];
  return { names, addresses, ports, virtualHosts: vhs };
}

/**
 * True when host[:port] names this server. `port` undefined means "any port": the
 * registrar asks about domains, where the port does not matter; the proxy passes the
 * port the request is addressed to (the scheme's default when the URI has none).
 */
export function isThisServer(host: string, port: number | undefined, config: Config, bound: readonly BoundAddress[] = NONE): boolean {
  const id = identity(config, bound);
  if (port !== undefined && !id.ports.has(port)) return false;
  const h = normalizeHost(host);
  if (id.names.has(h) || id.addresses.has(h)) return true;
  return id.virtualHosts.some((vh) => vh.domain === h || vh.name === h || vh.ip === h);
}

/** The virtual proxy host a host belongs to (by its domain, name or address), when Cisco_Registry_Use_Virtual_Proxy_Host is On. */
export function virtualHostFor(host: string, config: Config, bound: readonly BoundAddress[] = NONE): VirtualHost | undefined {
  const h = normalizeHost(host);
  return identity(config, bound).virtualHosts.find((vh) => vh.domain === h || vh.name === h || vh.ip === h);
}
