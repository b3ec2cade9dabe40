// Password hashing for the web GUIs: scrypt from node:crypto (no native add-on to build on
// every platform the packages target). The stored string names its parameters, so they
// can be raised later without invalidating the hashes already written.
//
//   scrypt$N$r$p$<salt base64>$<hash base64>
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LEN = 32;
/** scrypt needs 128·N·r bytes; node's default cap (32 MiB) is exactly that, so leave headroom. */
const MAX_MEM = 128 * N * R * 2;
/** Passwords longer than this are refused before hashing: scrypt's cost grows with the input only a little, but a request body should not. */
export const MAX_PASSWORD_LENGTH = 256;
export const MIN_PASSWORD_LENGTH = 10;

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number, len: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, len, { N: n, r, p, maxmem: Math.max(MAX_MEM, 128 * n * r * 2) }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The self-describing hash of a password (a fresh random salt each time). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, N, R, P, KEY_LEN);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches `encoded`; false for a malformed hash (never throws). */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt' || password.length > MAX_PASSWORD_LENGTH) return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  // Bounds keep a tampered file from making one login cost gigabytes.
  if (![n, r, p].every(Number.isInteger) || n < 2 || n > 2 ** 20 || (n & (n - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(parts[4], 'base64');
  const want = Buffer.from(parts[5], 'base64');
  if (!salt.length || want.length < 16 || want.length > 128) return false;
  try {
    const got = await scryptAsync(password, salt, n, r, p, want.length);
    return timingSafeEqual(got, want);
  } catch {
    return false;
  }
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(user: string, password: string, oldPassword?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `the password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (password.toLowerCase() === user.toLowerCase()) return 'the password must not be the user name';
  if (oldPassword !== undefined && password === oldPassword) return 'the new password must differ from the old one';
  return null;
}

/** A random password for a new or reset account (shown or written once, must be changed). */
export function randomPassword(): string {
  // base64url of 15 bytes: 20 characters, no characters that need quoting in a shell or a form.
  return randomBytes(15).toString('base64url');
}
