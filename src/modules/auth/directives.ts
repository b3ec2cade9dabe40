// Directives of the authentication module: whether requests must be authenticated,
// with which scheme, checked locally or by RADIUS.
import { directivesFor, parseHost } from '../../config/define.js';
import { ValueError } from '../../config/spec.js';
import type { Arg, ValuesOf } from '../../config/spec.js';
import { parseIncludedHeader, parseSecret } from '../accounting/directives.js';

const d = directivesFor('auth', 'authentication');

function parseRealm(a: Arg): string {
  if (!a.text || /["\\\r\n]/.test(a.text)) throw new ValueError(`"${a.text}" cannot be used as a realm (no quotes or backslashes)`, 0);
  return a.text;
}

export const authDirectives = [
  d.onOff('Authentication', {
    default: false,
    doc: 'Challenge requests and process only those whose credentials check out. A sender already let in by an Allow line is not challenged when Satisfy is Any.',
  }),
  d.text('AuthRealm', {
    default: 'CISCO',
    type: 'realm',
    check: parseRealm,
    doc: 'Realm named in challenges; user agents pick their credentials by it, and digest passwords are hashed with it.',
  }),
  d.oneOf('AuthServer', {
    values: ['Proxy', 'Radius'],
    default: 'Proxy',
    doc: 'Who checks credentials: Proxy means sipd itself, against the subscriber store; Radius means the RADIUS authentication servers below (sipd still sends the challenge). When no RADIUS server answers, the request gets 503 with Retry-After and error_log names the servers tried.',
  }),
  d.oneOf('AuthScheme', {
    values: ['HTTP_Digest', 'HTTP_Basic'],
    default: 'HTTP_Digest',
    doc: 'Challenge scheme. HTTP_Basic sends the password in clear text: it is deprecated and kept only for old endpoints; use HTTP_Digest.',
  }),
  d.oneOf('AuthDigestQop', {
    values: ['auth', 'auth-int', 'both'],
    default: 'auth',
    aliases: { none: 'auth' },
    doc: 'Quality of protection offered in digest challenges: auth (identity only), auth-int (identity and message body), or both (client chooses). The older value none is read as auth.',
  }),
  d.oneOf('AuthDigestAlgorithm', {
    values: ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'],
    default: 'MD5',
    doc: 'Digest algorithm put in challenges and expected in answers. SHA-256 and SHA-256-sess (RFC 8760) are an addition to the original server; stay on MD5 while any client lacks them.',
  }),
  d.onOff('AuthConsumeProxyAuth', {
    default: true,
    doc: 'Remove the Proxy-Authorization header once checked, before forwarding. Turn it Off when a downstream element needs it to know who sent the request.',
  }),
  d.onOff('AuthAllow3rdPartyRegistration', {
    default: false,
    doc: 'Let one user register contacts for another. Off rejects a REGISTER whose To user differs from the authenticated user (or the From user).',
  }),
  d.onOff('AuthAllow3rdPartyInvite', {
    default: true,
    doc: 'Let the From user of an INVITE differ from the user who authenticated it. Off requires them to match.',
  }),
  d.onOff('NumExpandAuthUserName', {
    default: true,
    section: 'server-core',
    doc: 'Run the user name from Authorization/Proxy-Authorization headers through the number-expansion rules before looking it up.',
  }),
  d.int('RadiusAuthSkew', {
    default: 30,
    min: 1,
    max: 3600,
    unit: 'seconds',
    doc: 'How long a challenge stays valid when RADIUS servers check the answers (AuthServer Radius); an answer on an older nonce gets a new challenge with stale=true. sipd\'s own digest challenges (AuthServer Proxy) stay valid for 300 seconds whatever this says.',
  }),
  d.optText('PrimaryRadiusAuthIp', {
    type: 'host name or IP address',
    check: (a: Arg) => parseHost(a),
    doc: 'RADIUS server asked first when AuthServer is Radius.',
  }),
  d.int('PrimaryRadiusAuthPort', { default: 1812, min: 1, max: 65535, doc: 'UDP port of the primary authentication server (1812 is the standard port).' }),
  d.optText('PrimaryRadiusAuthSecret', {
    type: 'secret',
    check: parseSecret,
    doc: 'Shared secret with the primary authentication server. Never logged; keep this file readable only by csps.',
  }),
  d.optText('SecondaryRadiusAuthIp', {
    type: 'host name or IP address',
    check: (a: Arg) => parseHost(a),
    doc: 'RADIUS server asked while the primary does not answer.',
  }),
  d.int('SecondaryRadiusAuthPort', { default: 1812, min: 1, max: 65535, doc: 'UDP port of the secondary authentication server.' }),
  d.optText('SecondaryRadiusAuthSecret', {
    type: 'secret',
    check: parseSecret,
    doc: 'Shared secret with the secondary authentication server. Never logged.',
  }),
  d.repeated('AuthIncludeSIPHeader', {
    type: 'SIP header name',
    maxCount: 50,
    item: (args: readonly Arg[]) => parseIncludedHeader(args),
    example: ['AuthIncludeSIPHeader User-Agent'],
    doc: 'Copy this SIP header, as a whole "Name: value" line, into a Cisco-AVPair sip-hdr attribute of the Access-Requests sent to authenticate (AuthServer Radius). One header per line, at most 50.',
  }),
] as const;

type AuthValues = ValuesOf<typeof authDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends AuthValues {}
}
