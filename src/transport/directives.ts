// Directives owned by the transports: packet marking, TCP connection handling, and the
// TLS listener (section "tls"). sipd speaks TLS 1.2 and 1.3 only.
import { directivesFor, parseHost, parsePort } from '../config/define.js';
import { ValueError } from '../config/spec.js';
import type { Arg, ValuesOf, Check } from '../config/spec.js';

const d = directivesFor('transport', 'server-core');

export const TRANSPORTS = ['UDP', 'TCP', 'TLS'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** An address and port a transport binds (the Listen directive, src/server/directives.ts). */
export interface ListenAddress {
  /** Undefined means every local address. */
  readonly host?: string;
  readonly port: number;
}

/** `Listen 5060`, `Listen 10.23.56.78:5060`, `Listen [::1]:5060` — a port is always required. */
export function parseListen(a: Arg): ListenAddress {
  const t = a.text;
  if (/^\d+$/.test(t)) return { port: parsePort(a) };
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(t) ?? /^([^:]+):(\d+)$/.exec(t);
  if (!m) {
    throw new ValueError(`"${t}" needs a port: write PORT or IP:PORT (an address alone is not accepted)`, 0, 'PORT, IP:PORT, [IPv6]:PORT');
  }
  const host = parseHost({ ...a, text: m[1] });
  const port = parsePort({ ...a, text: m[2] });
  return { host, port };
}

function parsePath(a: Arg): string {
  if (!a.text.trim()) throw new ValueError('the file name is empty', 0);
  return a.text;
}

export const transportDirectives = [
  d.hex('DiffServValue', {
    default: 0x60,
    min: 0x00,
    max: 0xff,
    noEffect: 'Node.js 20 cannot set the IP TOS byte of a socket; mark SIP packets in the host firewall instead (docs/proxy.md)',
    doc: 'The TOS/DS byte (the DSCP times 4) the original server put in every SIP packet it sent: 0x60 is class selector 3, for call signalling. sipd leaves the byte at 0; to mark SIP traffic, have the host firewall set the DSCP on packets from the SIP ports (docs/proxy.md shows nftables and iptables rules).',
  }),
  d.oneOf('SipRouteHeaderTransportType', {
    values: TRANSPORTS,
    default: 'UDP',
    doc: 'Transport used toward a Route header URI that carries no ;transport= parameter; an explicit parameter always wins.',
  }),
  d.int('SipTcpMaxTCPConnections', {
    default: 128,
    min: 1,
    max: 65535,
    doc: 'Most SIP connections over TCP and TLS (inbound and outbound together) open at the same time. The process\'s open-file limit must allow at least this many.',
  }),
  d.int('SipTcpMaxConnectTimeout', {
    default: 1000,
    min: 150,
    max: 10000,
    unit: 'ms',
    doc: 'How long to wait for an outgoing TCP or TLS connection to be established before treating the destination as unreachable.',
  }),
  d.onOff('SipTcpReuseConnection', {
    default: false,
    doc: 'Send later transactions to the same peer over the connection already open to it rather than opening a new one. Turn it On only when every peer does the same (leave Off toward Cisco IOS gateways); persistent peers are listed in conf/persistent_tcp.conf.',
  }),
  d.onOff('SipTlsEnable', {
    default: false,
    restart: 'restart',
    section: 'tls',
    doc: 'Accept and place SIP over TLS (sips: URIs), using SipTlsCertificateFile and SipTlsCertificateKeyFile. Only TLS 1.2 and 1.3 are negotiated, with current cipher suites; the original\'s TLSv1/SSLv23 handshakes and 3DES suite are obsolete and refused.',
  }),
  d.onOff('AllowSipTlsConversionToSip', {
    default: false,
    section: 'tls',
    doc: 'Let a request that arrived as sips: be delivered to a plain sip: contact, dropping TLS on the next hop. This weakens security: turn it On only for endpoints known not to handle TLS.',
  }),
  d.int('SipTlsPort', {
    default: 5061,
    min: 1,
    max: 65535,
    restart: 'restart',
    section: 'tls',
    doc: 'Port on which sipd accepts TLS connections.',
  }),
  d.int('SipTlsSessionTimeout', {
    default: 300,
    min: 1,
    max: 86400,
    unit: 'seconds',
    section: 'tls',
    doc: 'Lifetime of a cached TLS session on the server side; after it a client must do a full handshake again.',
  }),
  d.optText('SipTlsCertificateFile', {
    type: 'path',
    restart: 'restart',
    section: 'tls',
    check: parsePath,
    example: ['SipTlsCertificateFile conf/tls/server.pem'],
    doc: 'PEM file holding this server\'s certificate (followed by any intermediate certificates). A relative path is taken from ServerRoot.',
  }),
  d.optText('SipTlsCertificateKeyFile', {
    type: 'path',
    restart: 'restart',
    section: 'tls',
    check: parsePath,
    example: ['SipTlsCertificateKeyFile conf/tls/server.key'],
    doc: 'PEM file holding the private key of that certificate; make it readable only by the account sipd runs as.',
  }),
  d.optText('SipTlsCACertificateFile', {
    type: 'path',
    restart: 'restart',
    section: 'tls',
    check: parsePath,
    example: ['SipTlsCACertificateFile conf/tls/ca.pem'],
    doc: 'PEM file of the certificate authorities trusted to sign peers\' certificates, used to verify servers sipd connects to and, with mutual authentication, its clients.',
  }),
  d.onOff('SipTlsMutualAuthentication', {
    default: false,
    section: 'tls',
    doc: 'Ask connecting clients for a certificate, check it against SipTlsCACertificateFile, and match its names against the Via header of what they send.',
  }),
] as const;


const tlsFiles: Check = (v) => {
  if (!v.SipTlsEnable) return [];
  const missing = (['SipTlsCertificateFile', 'SipTlsCertificateKeyFile'] as const).filter((n) => !v[n]);
  return missing.length ? [{ directive: 'SipTlsEnable', message: `TLS is On but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set` }] : [];
};

/** Checks across the transport directives, run after the whole file is read. */
export const transportChecks: readonly Check[] = [tlsFiles];

type TransportValues = ValuesOf<typeof transportDirectives>;
declare module '../config/values.js' {
  interface ConfigValues extends TransportValues {}
}
