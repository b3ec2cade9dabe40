// Server-core directives owned by the resolver (RFC 3263): when SRV and NAPTR lookups
// are done, and which transport to try when NAPTR gives no answer.
import { directivesFor, expectArgs, isIPv4, isIPv6, parsePort } from '../../config/define.js';
import type { Arg, ValuesOf } from '../../config/spec.js';
import { ValueError } from '../../config/spec.js';

const d = directivesFor('dns', 'server-core');

export const TRANSPORT_PREF_ORDERS = [
  'TLS_TCP_UDP',
  'TLS_UDP_TCP',
  'TCP_TLS_UDP',
  'TCP_UDP_TLS',
  'UDP_TLS_TCP',
  'UDP_TCP_TLS',
  'TLS_TCP',
  'TLS_UDP',
  'TCP_TLS',
  'TCP_UDP',
  'UDP_TLS',
  'UDP_TCP',
  'TLS',
  'TCP',
  'UDP',
] as const;
export type TransportPrefOrder = (typeof TRANSPORT_PREF_ORDERS)[number];

/** One name server to ask: an IP address and its port. */
export interface DnsServerAddress {
  readonly host: string;
  readonly port: number;
}

/** Most name servers one resolver asks, as with resolv.conf (glibc MAXNS). */
export const MAX_DNS_SERVERS = 3;

/** `address`, `address:port`, `[v6]` or `[v6]:port`; names are refused (we cannot resolve the resolver). */
export function parseDnsServer(a: Arg, index = 0): DnsServerAddress {
  const t = a.text;
  const valid = 'an IP address with an optional port: 192.0.2.53, 192.0.2.53:5353, [2001:db8::53] or [2001:db8::53]:5353';
  let host = t;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(t);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else if (!isIPv6(t)) {
    const c = t.lastIndexOf(':');
    if (c >= 0) {
      host = t.slice(0, c);
      portText = t.slice(c + 1);
    }
  }
  if (!isIPv4(host) && !isIPv6(host)) throw new ValueError(`"${t}" is not the address of a name server`, index, valid);
  const port = portText === undefined ? 53 : parsePort({ ...a, text: portText }, index);
  return { host, port };
}

export const dnsDirectives = [
  d.onOff('SrvForFqdnOnly', {
    default: false,
    doc: 'On: look up SRV records only for hosts that look fully qualified (contain a dot and are not an IP address). Off: look them up for any host given without a port.',
  }),
  d.onOff('AllowNaptrLookup', {
    default: true,
    doc: 'Query NAPTR records to learn which transports a domain offers before the SRV lookup. Off skips NAPTR and goes straight to TransportPrefOrder.',
  }),
  d.oneOf('TransportPrefOrder', {
    values: TRANSPORT_PREF_ORDERS,
    default: 'TLS_TCP_UDP',
    doc: 'Transports to try, in order, when NAPTR is off or returns nothing; a transport left out is never tried. TLS is skipped while SipTlsEnable is Off.',
  }),
  d.custom('DnsServer', {
    type: 'address[:port] ...',
    valid: `up to ${MAX_DNS_SERVERS} IPv4 or IPv6 addresses, each with an optional port (IPv6 in brackets when a port follows)`,
    default: [] as readonly DnsServerAddress[],
    defaultText: '(the nameserver lines of /etc/resolv.conf)',
    repeat: true,
    example: ['DnsServer 192.0.2.53 [2001:db8::53]:53'],
    doc: 'Our addition: the name servers sipd asks for NAPTR, SRV, A and AAAA records (RFC 3263 and ENUM), tried in the order given. Unset, sipd uses the nameserver lines of /etc/resolv.conf as they were when it started.',
    parse: (args: readonly Arg[], prev: readonly DnsServerAddress[]) => {
      expectArgs(args, 1, MAX_DNS_SERVERS, 'address[:port] ...');
      const next = [...prev, ...args.map((a, i) => parseDnsServer(a, i))];
      if (next.length > MAX_DNS_SERVERS) throw new ValueError(`too many name servers: at most ${MAX_DNS_SERVERS} are used`, args.length - 1);
      return next;
    },
  }),
] as const;

type DnsValues = ValuesOf<typeof dnsDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends DnsValues {}
}
