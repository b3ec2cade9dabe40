// HTTP Basic (RFC 7617), kept only because the guide keeps it for old endpoints: the
// password crosses the network in clear text. sipd accepts it only with
// AuthScheme HTTP_Basic and says once per process that it is deprecated.
import { checkBasic } from '../../stores/secret.js';
import type { StoredSecret } from '../../stores/subscriber-store.js';
import type { AuthValue, Parsed } from './digest.js';

export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

/** User and password from a parsed `Basic <base64>` value. */
export function basicCredentials(v: AuthValue): Parsed<BasicCredentials> {
  if (v.scheme.toLowerCase() !== 'basic') return { ok: false, reason: `scheme ${v.scheme} is not Basic` };
  if (!v.token68 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v.token68)) return { ok: false, reason: 'Basic credentials are not base64' };
  const text = Buffer.from(v.token68, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return { ok: false, reason: 'Basic credentials without "user:password"' };
  return { ok: true, value: { user: text.slice(0, colon), password: text.slice(colon + 1) } };
}

export function basicChallenge(realm: string): string {
  return `Basic realm="${realm.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Check a clear-text password against what the store keeps: the password itself, or an
 * HA1. Basic carries the password, so it is hashed with the realm the HA1 was made for
 * and keeps working after AuthRealm changes (Digest does not).
 */
export function checkBasicPassword(secret: StoredSecret, user: string, password: string): boolean {
  return checkBasic(secret, user, secret.kind === 'ha1' ? secret.realm : '', password);
}

let warned = false;

/** Log the deprecation once per process, the first time Basic is used. */
export function warnBasicOnce(log: { warn(msg: string): void }): void {
  if (warned) return;
  warned = true;
  log.warn('AuthScheme HTTP_Basic: passwords travel in clear text; Basic authentication is deprecated, use HTTP_Digest');
}
