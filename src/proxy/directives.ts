// Server-core directives owned by the proxy core: what kind of server sipd is (proxy or
// redirect, stateful or not), how it forks and recurses, and what it writes in the
// Via / Record-Route headers it adds.
import { directivesFor, parseDomainName, parseIpAddress, parseToken } from '../config/define.js';
import type { Arg, ValuesOf } from '../config/spec.js';

const d = directivesFor('proxy', 'server-core');

/**
 * Why the original farm's ports have no effect (the start-up notice): OpenSPS farm members
 * keep their shared state in the MySQL/Galera cluster, which replicates it, instead of
 * talking to each other over ports of their own.
 */
export const FARM_PORT_NO_EFFECT =
  'farm members share their state through the MySQL/Galera database (DB_MySQL, install_mysql_db), not over ports between members, so sipd opens no such port';

export const proxyDirectives = [
  d.text('CSPSVersion', {
    default: '2.2',
    noEffect: 'it only records the release a file was written for, and sipd reads every file the same way',
    doc: 'Release of the original server a file was written for (files from it carry CSPSVersion 2.2). sipd accepts it so that such files load, and reads them all alike.',
  }),
  d.optText('ProxyDomain', {
    type: 'domain name',
    check: (a: Arg) => parseDomainName(a),
    example: ['ProxyDomain example.com'],
    doc: 'DNS domain this server is responsible for, as a fully qualified suffix such as example.com or sip.example.com. No default; it is needed when ProxyAddressResolutionType is SRV and to decide which requests are for local users.',
  }),
  d.onOff('StatefulServer', {
    default: true,
    restart: 'restart',
    doc: 'On keeps a transaction for every request: sipd retransmits what it forwards, forks, and returns the best final answer upstream. Off forwards each request and response as it comes and forgets it.',
  }),
  d.onOff('SipResolveLocalContactsInRedirectMode', {
    default: false,
    doc: 'In redirect mode, run the contacts found for a local user through next-hop routing and put the routed addresses in the 3xx response, instead of the registered contacts as they are.',
  }),
  d.onOff('UseCallerPreferences', {
    default: true,
    doc: 'Let the calling user agent\'s preferences (proxy or redirect, parallel or sequential forking, recursion, target choice) take precedence over this file\'s settings. Off ignores them.',
  }),
  d.oneOf('ServerType', {
    values: ['Proxy', 'Redirect'],
    default: 'Proxy',
    doc: 'Proxy forwards requests toward their destination. Redirect answers each request with a 3xx response listing where to send it instead.',
  }),
  d.onOff('Recursive', {
    default: true,
    doc: 'When a downstream server answers 3xx, try the contacts it returned. Off passes the best response (the lowest class) back upstream instead.',
  }),
  d.int('MaxForks', {
    default: 5,
    min: 1,
    max: 6,
    doc: 'Most branches of one request open at the same time; the remaining targets, in q order, are tried as branches fail. Forking needs transaction state, so this only matters with StatefulServer On.',
  }),
  d.onOff('AddRecordRoute', {
    default: false,
    doc: 'Insert a Record-Route header naming this server into initial INVITEs so that later requests of the dialog come back through it. Only applies when ServerType is Proxy.',
  }),
  d.onOff('AddTransportInRecordRoute', {
    default: false,
    doc: 'Put an explicit ;transport= parameter in the Record-Route URI. Useful when ProxyAddressResolutionType is not SRV and peers cannot do NAPTR/SRV lookups to discover the transport.',
  }),
  d.oneOf('ProxyAddressResolutionType', {
    values: ['IP', 'A', 'SRV'],
    default: 'IP',
    doc: 'What this server writes for itself in Via and Record-Route. IP: an IP address (see IpAddrInPathHeaders); A: ServerName, or the host name when ServerName is unset; SRV: ProxyDomain, for domains published with SRV records.',
  }),
  d.optText('IpAddrInPathHeaders', {
    type: 'IP address',
    check: (a: Arg) => parseIpAddress(a),
    doc: 'Address to write in Via and Record-Route when ProxyAddressResolutionType is IP; pick one on a multihomed host. When unset, sipd uses the first address its own host name resolves to.',
  }),
  d.words('IgnoreProxyRequire', {
    type: 'list of option tags',
    check: (a: Arg, i: number) => parseToken(a, 'option tag', i),
    example: ['IgnoreProxyRequire com.example.foo'],
    doc: 'Option tags in Proxy-Require that sipd treats as understood, so requests carrying them are processed rather than refused with 420 Bad Extension. Give several per line or repeat the line.',
  }),
  d.int('SharedMemorySize', {
    default: 128000000,
    min: 32000000,
    max: 512000000,
    unit: 'bytes',
    restart: 'restart',
    noEffect: 'sipd keeps transactions in its own heap, which grows as needed',
    doc: 'Accepted for compatibility and has no effect: the original server sized a shared-memory segment for its transaction blocks, while sipd keeps transactions in its own heap, which grows as needed.',
  }),
  d.int('Sip_Token_Port', {
    noEffect: FARM_PORT_NO_EFFECT,
    default: 22794,
    min: 1,
    max: 65535,
    restart: 'restart',
    doc: 'Port of the original farm synchronisation service, accepted so that existing files load.',
  }),
  d.int('Sip_Services_Port', {
    noEffect: FARM_PORT_NO_EFFECT,
    default: 52931,
    min: 1,
    max: 65535,
    restart: 'restart',
    doc: 'Service port of the original farm synchronisation service on each member, accepted so that existing files load.',
  }),
] as const;

type ProxyValues = ValuesOf<typeof proxyDirectives>;
declare module '../config/values.js' {
  interface ConfigValues extends ProxyValues {}
}
