// Locating SIP servers (RFC 3263 §4): from a target URI to the addresses to try, in the
// order to try them. A literal address is used as it is; a name with a port gets its A
// and AAAA records; a name without one goes through NAPTR (which transports the domain
// offers, AllowNaptrLookup), then SRV (which hosts, by priority and weight), then A/AAAA.
// When NAPTR is off or gives nothing usable, SRV is tried per transport in the order of
// TransportPrefOrder; with SrvForFqdnOnly On, names without a dot skip straight to A/AAAA.
// When DNS gives no address at all, the system resolver (getaddrinfo: /etc/hosts) has the
// last word. The proxy core tries the list in order on transport error, timeout and 503.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Config } from '../../config/loader.js';
import type { NextHopResolver } from '../../proxy/next-hop.js';
import { ResolveError, uriTransport } from '../../proxy/next-hop.js';
import type { Uri } from '../../sip/uri.js';
import { uriParam } from '../../sip/uri.js';
import type { Destination, TransportName } from '../../transport/types.js';
import type { DnsQuerier, DnsReply, NaptrData, QueryType, SrvData } from './client.js';
import { canonicalName, isFailure } from './client.js';
import type { TransportPrefOrder } from './directives.js';
import { orderByPriorityAndWeight } from './srv-order.js';

export type DnsLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

export interface Rfc3263Deps {
  /** Usually a DnsCache in front of a DnsClient. */
  readonly client: DnsQuerier;
  readonly log?: DnsLog;
  /** The last resort when DNS gives nothing (default: getaddrinfo); false turns it off. */
  readonly system?: ((host: string) => Promise<readonly string[]>) | false;
  /** [0, 1) for the SRV weight draw (default Math.random). */
  readonly random?: () => number;
}

/** NAPTR services of RFC 3263 §4.1 and the transport each one means. */
const NAPTR_SERVICES: Readonly<Record<string, TransportName>> = { 'sip+d2u': 'UDP', 'sip+d2t': 'TCP', 'sips+d2t': 'TLS' };

/** SRV owner-name prefixes (RFC 3263 §4.1). */
const SRV_PREFIX: Readonly<Record<TransportName, string>> = { UDP: '_sip._udp.', TCP: '_sip._tcp.', TLS: '_sips._tcp.' };

/** SRV targets expanded per lookup at most, and addresses returned at most (a bound on work per request). */
const MAX_SRV_TARGETS = 16;
const MAX_DESTINATIONS = 32;

export function defaultPort(t: TransportName): number {
  return t === 'TLS' ? 5061 : 5060;
}

/** TransportPrefOrder as a list, e.g. TCP_UDP → [TCP, UDP]. */
export function transportPreference(order: TransportPrefOrder): TransportName[] {
  return order.split('_') as TransportName[];
}

/** Per RFC 3263 and the guide: an FQDN is a host that is not an IP address and contains a dot. */
export function isFqdn(host: string): boolean {
  return !isIP(host) && host.replace(/\.$/, '').includes('.');
}

async function systemLookup(host: string): Promise<readonly string[]> {
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}

/** What one resolve() saw go wrong, so that an empty result can say why. */
interface Trace {
  failure?: string;
}

export class Rfc3263Resolver implements NextHopResolver {
  private readonly random: () => number;

  /** `config` is read on every call, so a graceful restart's new snapshot applies to the next request. */
  constructor(
    private readonly config: () => Config,
    private readonly deps: Rfc3263Deps,
  ) {
    this.random = deps.random ?? Math.random;
  }

  async resolve(uri: Uri, defaultTransport: TransportName): Promise<Destination[]> {
    if (uri.scheme === 'tel') throw new ResolveError('a tel: URI cannot be sent to without a route for it', 404);
    const v = this.config().values;
    const tlsOn = v.SipTlsEnable;
    const sips = uri.scheme === 'sips';
    if (sips && !tlsOn) throw new ResolveError('a sips: URI needs TLS, and SipTlsEnable is Off', 416);
    const host = (uriParam(uri, 'maddr') || uri.host).replace(/^\[(.*)\]$/, '$1');

    // RFC 3263 §4.1: a numeric address, or a port, fixes everything but the transport.
    if (isIP(host)) {
      const transport = uriTransport(uri, defaultTransport);
      return [{ transport, host, port: uri.port ?? defaultPort(transport) }];
    }
    const name = canonicalName(host);
    const trace: Trace = {};
    const explicit = uriParam(uri, 'transport') !== undefined ? uriTransport(uri, defaultTransport) : undefined;
    const fixed: TransportName | undefined = sips ? 'TLS' : explicit;
    let dests: Destination[] = [];

    if (uri.port !== undefined) {
      const transport = fixed ?? uriTransport(uri, defaultTransport);
      dests = await this.addresses(name, transport, uri.port, trace);
    } else if (!v.SrvForFqdnOnly || isFqdn(name)) {
      if (explicit) {
        dests = await this.srv(name, explicit, trace);
      } else {
        const usable = (t: TransportName) => (sips ? t === 'TLS' : t !== 'TLS' || tlsOn);
        if (v.AllowNaptrLookup) dests = await this.naptr(name, usable, trace);
        for (const t of transportPreference(v.TransportPrefOrder).filter(usable)) {
          if (dests.length) break;
          dests = await this.srv(name, t, trace);
        }
      }
    } else {
      this.debug(`${name} is not fully qualified: no SRV lookup (SrvForFqdnOnly On)`);
    }

    if (!dests.length && uri.port === undefined) {
      const transport = fixed ?? uriTransport(uri, defaultTransport);
      dests = await this.addresses(name, transport, defaultPort(transport), trace);
    }
    if (!dests.length && this.deps.system !== false) {
      const transport = fixed ?? uriTransport(uri, defaultTransport);
      const port = uri.port ?? defaultPort(transport);
      const found = await (this.deps.system ?? systemLookup)(name);
      dests = found.filter((a) => isIP(a)).map((a) => ({ transport, host: a, port }));
      if (dests.length) this.debug(`${name}: DNS gave no address; the system resolver gave ${found.join(', ')}`);
    }
    if (!dests.length && trace.failure) throw new ResolveError(`DNS lookup of ${name} failed: ${trace.failure}`, 503);
    return dedupe(dests).slice(0, MAX_DESTINATIONS);
  }

  /** NAPTR records of the domain that name SIP over a transport we can use, best first; the first whose SRV gives addresses wins. */
  private async naptr(name: string, usable: (t: TransportName) => boolean, trace: Trace): Promise<Destination[]> {
    const reply = await this.ask(name, 'NAPTR', trace);
    const candidates = reply.answers
      .map((r) => r.data)
      .filter((n) => n.flags.toLowerCase() === 's' && n.replacement !== '' && NAPTR_SERVICES[n.services.toLowerCase()] !== undefined)
      .filter((n) => usable(NAPTR_SERVICES[n.services.toLowerCase()]))
      .sort((a: NaptrData, b: NaptrData) => a.order - b.order || a.preference - b.preference);
    if (reply.answers.length && !candidates.length) this.debug(`${name}: no NAPTR record names a SIP transport in use here`);
    for (const n of candidates) {
      const transport = NAPTR_SERVICES[n.services.toLowerCase()];
      const dests = await this.srvRecords(n.replacement, transport, trace);
      this.debug(`${name}: NAPTR ${n.order} ${n.preference} ${n.services} → ${n.replacement}: ${dests.length} address(es)`);
      if (dests.length) return dests;
    }
    return [];
  }

  private srv(name: string, transport: TransportName, trace: Trace): Promise<Destination[]> {
    return this.srvRecords(SRV_PREFIX[transport] + name, transport, trace);
  }

  /** The SRV targets of one owner name in RFC 2782 order, each expanded to its addresses. */
  private async srvRecords(owner: string, transport: TransportName, trace: Trace): Promise<Destination[]> {
    const reply = await this.ask(owner, 'SRV', trace);
    const records = reply.answers.map((r) => r.data).filter((s: SrvData) => s.target !== '' && s.port > 0);
    const ordered = orderByPriorityAndWeight(records, this.random).slice(0, MAX_SRV_TARGETS);
    const expanded = await Promise.all(ordered.map((s) => this.addresses(s.target, transport, s.port, trace)));
    const dests = expanded.flat();
    if (ordered.length) this.debug(`SRV ${owner}: ${ordered.map((s) => `${s.priority}/${s.weight} ${s.target}:${s.port}`).join(', ')}`);
    return dests;
  }

  /** A then AAAA records of a name (asked together). */
  private async addresses(name: string, transport: TransportName, port: number, trace: Trace): Promise<Destination[]> {
    if (isIP(name)) return [{ transport, host: name, port }];
    const [a, aaaa] = await Promise.all([this.ask(name, 'A', trace), this.ask(name, 'AAAA', trace)]);
    return [...a.answers, ...aaaa.answers].map((r) => ({ transport, host: r.data, port }));
  }

  private async ask<T extends QueryType>(name: string, type: T, trace: Trace): Promise<DnsReply<T>> {
    const reply = await this.deps.client.query(name, type);
    if (isFailure(reply)) {
      trace.failure ??= reply.error ?? reply.rcode;
      this.deps.log?.('info', `DNS ${type} ${name}: ${reply.error ?? reply.rcode}`);
    }
    return reply;
  }

  private debug(message: string): void {
    this.deps.log?.('debug', message);
  }
}

function dedupe(dests: readonly Destination[]): Destination[] {
  const seen = new Set<string>();
  return dests.filter((d) => {
    const k = `${d.transport} ${d.host} ${d.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
