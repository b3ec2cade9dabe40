// AuthServer Radius: the Access-Request that asks a RADIUS server to check credentials.
//
// sipd still issues the challenge (its own nonce, realm AuthRealm); the server only
// judges the answer. Digest answers travel in the form of draft-sterman-aaa-sip-00,
// which is what FreeRADIUS 3.2's `digest` module reads (rlm_digest: it looks for
// Digest-Response, attribute 206, and Digest-Attributes, 207, whose value is a list of
// sub-attributes: type, length, value; radius/dictionary.sip-digest names them
// Sterman-Digest-Response and Sterman-Digest-Attributes). The RFC 5090 attributes (103-121) are not in
// FreeRADIUS 3.2's default dictionary and its digest module ignores them: a request
// carrying only those is rejected, so we do not send them. Basic (AuthScheme
// HTTP_Basic) sends the password as User-Password, which the RADIUS encoding hides
// with the shared secret (RFC 2865 §5.2).
//
// User-Name is the user name the client sent, domain removed and number-expanded
// (NumExpandAuthUserName), with @domain added when RadiusUserNameAttrAddDomain is On
// and the From domain is ProxyDomain or a Virtual_Proxy_Domain (guide, "Authentication").
// AuthIncludeSIPHeader copies whole header lines into Cisco-AVPair "sip-hdr=…".
import { createHash } from 'node:crypto';
import type { Config } from '../../config/loader.js';
import { parseAddress } from '../../sip/address.js';
import type { SipRequest } from '../../sip/message.js';
import type { RadiusAttribute, RadiusServer } from '../radius/service.js';
import { configuredServers } from '../radius/service.js';
import { radiusUserName as userNameFor } from '../radius/user-name.js';
import type { DigestCredentials } from './digest.js';

/** Sub-attribute numbers of Digest-Attributes (draft-sterman-aaa-sip-00 §3.2). */
const SUB = { realm: 1, nonce: 2, method: 3, uri: 4, qop: 5, algorithm: 6, bodyDigest: 7, cnonce: 8, nc: 9, username: 10 } as const;
/** Longest value of one RADIUS attribute (RFC 2865 §5). */
const MAX_VALUE = 253;
/** The vendor number of Cisco's VSAs. */
const CISCO = 9;

/** The authentication servers of a snapshot, primary first; a server needs an address and a secret. */
export function authServers(config: Config): RadiusServer[] {
  const v = config.values;
  return configuredServers([
    { host: v.PrimaryRadiusAuthIp, port: v.PrimaryRadiusAuthPort, secret: v.PrimaryRadiusAuthSecret },
    { host: v.SecondaryRadiusAuthIp, port: v.SecondaryRadiusAuthPort, secret: v.SecondaryRadiusAuthSecret },
  ]);
}

/** User-Name: `user`, or `user@domain` when RadiusUserNameAttrAddDomain is On and the From domain is one of ours (src/modules/radius/user-name.ts). */
export function radiusUserName(user: string, req: SipRequest, config: Config): string {
  const from = parseAddress(req.headers.get('From') ?? '');
  const domain = from.ok && from.address.uri.scheme !== 'tel' ? from.address.uri.host : undefined;
  return userNameFor(user, domain, config);
}

/** The AuthIncludeSIPHeader lines of a request, as one Cisco vendor attribute (none when nothing is listed or present). */
export function sipHeaderPairs(req: SipRequest, names: readonly string[]): RadiusAttribute[] {
  const pairs: Array<[string, unknown]> = [];
  for (const name of names) {
    for (const value of req.headers.fields(name)) pairs.push(['Cisco-AVPair', clip(`sip-hdr=${name}: ${value}`)]);
  }
  return pairs.length ? [['Vendor-Specific', CISCO, pairs]] : [];
}

/** A string cut to what fits one attribute (whole UTF-8 characters). */
function clip(text: string): string {
  let s = text;
  while (Buffer.byteLength(s) > MAX_VALUE) s = s.slice(0, -1);
  return s;
}

/**
 * The attributes checking a digest answer: User-Name, Digest-Response and the
 * Digest-Attributes, split over as many attributes as they need. Undefined when a value
 * is longer than one sub-attribute can carry (251 bytes), which no server could check.
 */
export function digestRequest(c: DigestCredentials, method: string, userName: string, body: Buffer | string | undefined): RadiusAttribute[] | undefined {
  const subs: Array<[number, string]> = [
    [SUB.realm, c.realm],
    [SUB.nonce, c.nonce],
    [SUB.method, method],
    [SUB.uri, c.uri],
    ...(c.qop ? ([[SUB.qop, c.qop]] as Array<[number, string]>) : []),
    [SUB.algorithm, c.algorithm],
    ...(c.qop === 'auth-int' ? ([[SUB.bodyDigest, createHash('md5').update(body ?? '').digest('hex')]] as Array<[number, string]>) : []),
    ...(c.cnonce !== undefined ? ([[SUB.cnonce, c.cnonce]] as Array<[number, string]>) : []),
    ...(c.nc !== undefined ? ([[SUB.nc, c.nc]] as Array<[number, string]>) : []),
    [SUB.username, c.username],
  ];
  const chunks: Buffer[] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const [type, text] of subs) {
    const value = Buffer.from(text, 'utf8');
    if (value.length + 2 > MAX_VALUE) return undefined;
    if (size + value.length + 2 > MAX_VALUE) {
      chunks.push(Buffer.concat(current));
      current = [];
      size = 0;
    }
    current.push(Buffer.from([type, value.length + 2]), value);
    size += value.length + 2;
  }
  chunks.push(Buffer.concat(current));
  return [['User-Name', clip(userName)], ['Sterman-Digest-Response', c.response], ...chunks.map((b): RadiusAttribute => ['Sterman-Digest-Attributes', b])];
}

/** The attributes checking a Basic password. */
export function basicRequest(userName: string, password: string): RadiusAttribute[] {
  return [
    ['User-Name', clip(userName)],
    ['User-Password', password],
  ];
}

/** "host:port, host:port" for log lines (never the secrets). */
export function serverList(servers: readonly RadiusServer[]): string {
  return servers.map((s) => `${s.host}:${s.port}`).join(', ');
}
