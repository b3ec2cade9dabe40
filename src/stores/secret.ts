// Subscriber secrets. We keep digest HA1 values, H(user:realm:password), rather than the
// password (RFC 7616 §3.4.2): a stolen table then does not hand out passwords that may be
// reused elsewhere, yet Digest (MD5, SHA-256 and their -sess forms) can still be checked,
// and so can Basic, by hashing the offered password the same way.
//
// The price: an HA1 is bound to the realm it was made for. Changing AuthRealm (or
// serving a subscriber under another realm) makes the stored secrets useless for Digest
// until each password is set again; a `plain` secret (legacy tables) has no such limit.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { StoredSecret } from './subscriber-store.js';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

function h(alg: 'md5' | 'sha256', text: string): string {
  return createHash(alg).update(text, 'utf8').digest('hex');
}

/** The HA1 secret for this user and realm (MD5 and SHA-256 both, so either algorithm can be offered). */
export function makeSecret(user: string, realm: string, password: string): StoredSecret {
  const a1 = `${user}:${realm}:${password}`;
  return { kind: 'ha1', realm, md5: h('md5', a1), sha256: h('sha256', a1) };
}

function sameText(a: string, b: string): boolean {
  // Hash first so that the comparison takes the same time whatever the lengths.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Does this password (from a Basic Authorization header) match the stored secret? Basic
 * carries the password itself, so it is hashed with the realm the secret was made for:
 * Basic keeps working after AuthRealm changes. `realm` (the one in force) is unused for
 * that reason and kept so callers pass the same arguments as to ha1For.
 */
export function checkBasic(secret: StoredSecret | undefined, user: string, realm: string, password: string): boolean {
  void realm;
  if (!secret) return false;
  if (secret.kind === 'plain') return sameText(secret.password, password);
  return sameText(h('sha256', `${user}:${secret.realm}:${password}`), secret.sha256);
}

/**
 * H(user:realm:password) for a digest check, lower-case hex; undefined when the stored
 * secret was made for another realm (the password must be set again under this one).
 * For the -sess algorithms this is the inner hash; sessionHa1 adds the nonces.
 */
export function ha1For(secret: StoredSecret | undefined, algorithm: DigestAlgorithm, user: string, realm: string): string | undefined {
  if (!secret) return undefined;
  const sha = algorithm === 'SHA-256' || algorithm === 'SHA-256-sess';
  if (secret.kind === 'plain') return h(sha ? 'sha256' : 'md5', `${user}:${realm}:${secret.password}`);
  if (secret.realm !== realm) return undefined;
  return sha ? secret.sha256 : secret.md5;
}

/** RFC 7616 §3.4.2: HA1 for MD5-sess / SHA-256-sess is H(H(user:realm:pass):nonce:cnonce). */
export function sessionHa1(ha1: string, algorithm: DigestAlgorithm, nonce: string, cnonce: string): string {
  if (algorithm === 'MD5-sess') return h('md5', `${ha1}:${nonce}:${cnonce}`);
  if (algorithm === 'SHA-256-sess') return h('sha256', `${ha1}:${nonce}:${cnonce}`);
  return ha1;
}

// ---- text form, for a password column ----
//
//   ha1$<realm>$<md5 hex, 32>$<sha256 hex, 64>
//
// The realm may itself hold '$', so the two hashes are taken from the end. Anything not of
// this exact shape is a legacy clear-text password.

const HA1_TEXT = /^ha1\$(.*)\$([0-9a-f]{32})\$([0-9a-f]{64})$/s;

export function encodeSecret(secret: StoredSecret): string {
  return secret.kind === 'plain' ? secret.password : `ha1$${secret.realm}$${secret.md5}$${secret.sha256}`;
}

/** The secret a password column holds; undefined for NULL or ''. */
export function decodeSecret(text: string | null | undefined): StoredSecret | undefined {
  if (text === null || text === undefined || text === '') return undefined;
  const m = HA1_TEXT.exec(text);
  if (m) return { kind: 'ha1', realm: m[1], md5: m[2], sha256: m[3] };
  return { kind: 'plain', password: text };
}
