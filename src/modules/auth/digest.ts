// HTTP Digest as SIP uses it (RFC 3261 §22.4 over RFC 2617, with RFC 7616's SHA-256
// and the -sess variants): reading Authorization / Proxy-Authorization values, building
// challenges, and computing the expected response from a stored HA1.
//
// Parsing never throws: a peer can send anything, and a bad header must become a 400 or
// a fresh challenge, never a crash.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ha1For } from '../../stores/secret.js';
import type { StoredSecret } from '../../stores/subscriber-store.js';

export const DIGEST_ALGORITHMS = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];
export type Qop = 'auth' | 'auth-int';
/** What AuthDigestQop offers. */
export type QopOffer = 'auth' | 'auth-int' | 'both';

/** Longest credentials value we read; real ones are a few hundred bytes. */
export const MAX_CREDENTIALS_LENGTH = 4096;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** One credentials (or challenge) value: the scheme and its parameters, or a token68 (Basic). */
export interface AuthValue {
  /** As written; compare case-insensitively. */
  readonly scheme: string;
  /** Parameter names lower-cased; quoted values unquoted and unescaped. */
  readonly params: ReadonlyMap<string, string>;
  /** The single token after the scheme, for schemes such as Basic. */
  readonly token68?: string;
}

const TOKEN_CHAR = /[A-Za-z0-9\-.!%*_+`'~]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Parse `scheme param=value, param="quoted", …` or `scheme token68`. */
export function parseAuthValue(value: string): Parsed<AuthValue> {
  if (value.length > MAX_CREDENTIALS_LENGTH) return bad(`longer than ${MAX_CREDENTIALS_LENGTH} characters`);
  const s = value.trim();
  let i = 0;
  while (i < s.length && TOKEN_CHAR.test(s[i])) i++;
  const scheme = s.slice(0, i);
  if (!scheme) return bad('no authentication scheme');
  const rest = s.slice(i).trim();
  if (i < s.length && !/\s/.test(s[i])) return bad(`unexpected "${s[i]}" after the scheme`);
  if (rest && TOKEN68.test(rest) && !/=[^=]/.test(rest)) return { ok: true, value: { scheme, params: new Map(), token68: rest } };
  const params = new Map<string, string>();
  let j = 0;
  const skipWs = () => {
    while (j < rest.length && (rest[j] === ' ' || rest[j] === '\t')) j++;
  };
  while (j < rest.length) {
    skipWs();
    const start = j;
    while (j < rest.length && TOKEN_CHAR.test(rest[j])) j++;
    const name = rest.slice(start, j).toLowerCase();
    if (!name) return bad(`expected a parameter name at "${rest.slice(j, j + 20)}"`);
    skipWs();
    if (rest[j] !== '=') return bad(`parameter "${name}" has no value`);
    j++;
    skipWs();
    let val: string;
    if (rest[j] === '"') {
      j++;
      let out = '';
      let closed = false;
      while (j < rest.length) {
        const ch = rest[j];
        if (ch === '\\' && j + 1 < rest.length) {
          out += rest[j + 1];
          j += 2;
        } else if (ch === '"') {
          closed = true;
          j++;
          break;
        } else {
          out += ch;
          j++;
        }
      }
      if (!closed) return bad(`parameter "${name}" has an unterminated quoted value`);
      val = out;
    } else {
      const vs = j;
      while (j < rest.length && TOKEN_CHAR.test(rest[j])) j++;
      val = rest.slice(vs, j);
      if (!val) return bad(`parameter "${name}" has an empty value`);
    }
    if (params.has(name)) return bad(`parameter "${name}" appears twice`);
    params.set(name, val);
    skipWs();
    if (j < rest.length) {
      if (rest[j] !== ',') return bad(`expected a comma after parameter "${name}"`);
      j++;
      skipWs();
      if (j >= rest.length) return bad('trailing comma');
    }
  }
  return { ok: true, value: { scheme, params } };
}

export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  /** Lower-case hex as sent. */
  readonly response: string;
  /** As sent (MD5 when absent); may be one we do not support — the caller compares. */
  readonly algorithm: string;
  readonly qop?: Qop;
  readonly cnonce?: string;
  /** The nonce count as 8 hex digits, exactly as sent (it is part of the hash). */
  readonly nc?: string;
  readonly opaque?: string;
}

/** Digest credentials from a parsed value: the RFC 2617 required fields, and cnonce/nc with a qop. */
export function digestCredentials(v: AuthValue): Parsed<DigestCredentials> {
  if (v.scheme.toLowerCase() !== 'digest') return bad(`scheme ${v.scheme} is not Digest`);
  const p = v.params;
  for (const name of ['username', 'realm', 'nonce', 'uri', 'response']) if (!p.has(name)) return bad(`Digest credentials without ${name}`);
  if (p.has('username*') || p.get('userhash') === 'true') return bad('hashed or extended user names (RFC 7616 userhash, username*) are not supported');
  const response = p.get('response')!.toLowerCase();
  if (!/^[0-9a-f]{32}$|^[0-9a-f]{64}$/.test(response)) return bad('response is not 32 or 64 hex digits');
  const qopText = p.get('qop');
  let qop: Qop | undefined;
  if (qopText !== undefined) {
    const q = qopText.toLowerCase();
    if (q !== 'auth' && q !== 'auth-int') return bad(`qop "${qopText}" is not auth or auth-int`);
    qop = q;
    if (!p.get('cnonce')) return bad('qop given without cnonce');
    const nc = p.get('nc');
    if (nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc)) return bad('qop given without an 8-digit hex nc');
  }
  return {
    ok: true,
    value: {
      username: p.get('username')!,
      realm: p.get('realm')!,
      nonce: p.get('nonce')!,
      uri: p.get('uri')!,
      response,
      algorithm: p.get('algorithm') ?? 'MD5',
      ...(qop && { qop, cnonce: p.get('cnonce')!, nc: p.get('nc')! }),
      ...(p.has('opaque') && { opaque: p.get('opaque')! }),
    },
  };
}

/** The canonical spelling of a supported algorithm (case-insensitive), or undefined. */
export function digestAlgorithm(text: string): DigestAlgorithm | undefined {
  return DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === text.toLowerCase());
}

function hashName(alg: DigestAlgorithm): 'md5' | 'sha256' {
  return alg.startsWith('SHA-256') ? 'sha256' : 'md5';
}

/** H(data) in lower-case hex with the algorithm's hash. */
export function hashHex(alg: DigestAlgorithm, data: string | Buffer): string {
  return createHash(hashName(alg)).update(data).digest('hex');
}

/** H(username:realm:password), the per-realm secret a store keeps (for -sess too: the session part is added per nonce). */
export function computeHa1(alg: DigestAlgorithm, username: string, realm: string, password: string): string {
  return hashHex(alg, `${username}:${realm}:${password}`);
}

/**
 * The HA1 to check a response with. Plain passwords are hashed with the user name as the
 * client sent it; stored HA1 values only serve the realm they were made for (undefined
 * otherwise: the password must be set again after AuthRealm changes).
 */
export function storedHa1(secret: StoredSecret, alg: DigestAlgorithm, username: string, realm: string): string | undefined {
  return ha1For(secret, alg, username, realm)?.toLowerCase() || undefined;
}

export interface ResponseInput {
  readonly algorithm: DigestAlgorithm;
  /** H(username:realm:password), without the -sess part. */
  readonly ha1: string;
  readonly nonce: string;
  readonly method: string;
  readonly uri: string;
  readonly qop?: Qop;
  readonly cnonce?: string;
  readonly nc?: string;
  /** The message body, for qop=auth-int. */
  readonly body?: Buffer;
}

/** The request-digest (RFC 2617 §3.2.2.1, RFC 7616 §3.4.1); RFC 2069's form when there is no qop. */
export function digestResponse(i: ResponseInput): string {
  const alg = i.algorithm;
  const sess = alg.endsWith('-sess');
  const ha1 = sess ? hashHex(alg, `${i.ha1}:${i.nonce}:${i.cnonce ?? ''}`) : i.ha1;
  const ha2 = i.qop === 'auth-int' ? hashHex(alg, `${i.method}:${i.uri}:${hashHex(alg, i.body ?? Buffer.alloc(0))}`) : hashHex(alg, `${i.method}:${i.uri}`);
  if (!i.qop) return hashHex(alg, `${ha1}:${i.nonce}:${ha2}`);
  return hashHex(alg, `${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${ha2}`);
}

/** Compare two hex digests without leaking where they differ. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The qop values a client may answer with, for what AuthDigestQop offers. */
export function offeredQops(offer: QopOffer): readonly Qop[] {
  return offer === 'both' ? ['auth', 'auth-int'] : [offer];
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** A WWW-Authenticate / Proxy-Authenticate value. */
export function digestChallenge(o: { realm: string; nonce: string; algorithm: DigestAlgorithm; qop: QopOffer; stale?: boolean }): string {
  const parts = [`realm=${quote(o.realm)}`, `nonce=${quote(o.nonce)}`, `algorithm=${o.algorithm}`, `qop=${quote(offeredQops(o.qop).join(','))}`];
  if (o.stale) parts.push('stale=true');
  return `Digest ${parts.join(', ')}`;
}

function bad(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
