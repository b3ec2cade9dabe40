// Server-core directives owned by the resolver (RFC 3263): when SRV and NAPTR lookups
// are done, and which transport to try when NAPTR gives no answer.
import { directivesFor } from '../../config/define.js';

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
] as const;
