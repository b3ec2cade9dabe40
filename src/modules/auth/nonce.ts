// Digest nonces: stateless to issue, cheap to check, and each usable with increasing
// nonce counts only.
//
// A nonce is base64url(issue time in ms (8 bytes) | 8 random bytes | HMAC-SHA-256 of
// those 16 bytes, first 16 bytes), keyed with a random per-process key. Checking one
// needs no table: the MAC proves we issued it, the time says how old it is. A nonce
// lives NONCE_LIFETIME_MS (300 s): long enough for a user agent to answer a challenge
// and send a few requests with it, short enough that a captured one is soon useless.
// Past that, a correct answer gets a new challenge with stale=true, and the user agent
// retries with the new nonce without asking anybody for a password. A restart of sipd
// changes the key, so every outstanding nonce becomes invalid (a fresh challenge).
// With AuthServer Radius the lifetime is RadiusAuthSkew instead (the guide: "time for
// which a challenge is valid"), and the nonce is written in hex: FreeRADIUS's digest
// module reads Digest-Nonce as a hex string when it computes MD5-sess.
//
// Replay: for each nonce that has been answered correctly we remember the highest nc.
// An answer with an nc not above it is a replay. The table is bounded: entries leave
// when their nonce expires, and when it is full the oldest go; a nonce issued no later
// than the newest one evicted is then answered stale, because we could no longer tell
// a replay of it from a first use.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const NONCE_LIFETIME_MS = 300_000;
/** Nonces whose nc we remember at most (about 100 bytes each). */
export const NONCE_TABLE_MAX = 50_000;
/** A nonce dated this far in the future (clock stepped back) is not ours. */
const FUTURE_SLACK_MS = 5_000;
const RAW_LENGTH = 32;

export type NonceState = 'valid' | 'stale' | 'invalid';
export type CountResult = 'ok' | 'replay' | 'stale';

export interface NonceOptions {
  readonly lifetimeMs?: number;
  readonly maxTracked?: number;
  readonly now?: () => number;
  /** The MAC key; random per process when not given. */
  readonly key?: Buffer;
}

interface Seen {
  readonly issuedAt: number;
  lastNc: number;
}

export class NonceManager {
  private readonly key: Buffer;
  private readonly lifetimeMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  private readonly seen = new Map<string, Seen>();
  /** Issue time of the newest nonce whose count was forgotten to make room. */
  private evictedUpTo = -Infinity;

  constructor(o: NonceOptions = {}) {
    this.key = o.key ?? randomBytes(32);
    this.lifetimeMs = o.lifetimeMs ?? NONCE_LIFETIME_MS;
    this.maxTracked = o.maxTracked ?? NONCE_TABLE_MAX;
    this.now = o.now ?? Date.now;
  }

  /** A new nonce for a challenge: base64url (43 characters), or hex (64) for RADIUS servers. */
  issue(encoding: 'base64url' | 'hex' = 'base64url'): string {
    const raw = Buffer.alloc(RAW_LENGTH);
    raw.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.now()))), 0);
    randomBytes(8).copy(raw, 8);
    this.mac(raw.subarray(0, 16)).copy(raw, 16);
    return raw.toString(encoding);
  }

  /** The issue time of a nonce we made, or undefined for anything else. */
  private issuedAt(nonce: string): number | undefined {
    let raw: Buffer;
    if (nonce.length === 43 && /^[A-Za-z0-9_-]+$/.test(nonce)) raw = Buffer.from(nonce, 'base64url');
    else if (nonce.length === 64 && /^[0-9a-f]+$/.test(nonce)) raw = Buffer.from(nonce, 'hex');
    else return undefined;
    if (raw.length !== RAW_LENGTH) return undefined;
    if (!timingSafeEqual(this.mac(raw.subarray(0, 16)), raw.subarray(16))) return undefined;
    return Number(raw.readBigUInt64BE(0));
  }

  /** Ours and fresh, ours but expired, or not ours at all (forged, mangled, from before a restart). `lifetimeMs` overrides the manager's. */
  state(nonce: string, lifetimeMs = this.lifetimeMs): NonceState {
    const t = this.issuedAt(nonce);
    if (t === undefined) return 'invalid';
    const now = this.now();
    if (t > now + FUTURE_SLACK_MS) return 'invalid';
    return now - t > lifetimeMs ? 'stale' : 'valid';
  }

  /**
   * Record nonce count `nc` for a valid nonce whose response checked out. 'replay' when
   * the count is not above the last one accepted; 'stale' when we can no longer tell.
   */
  count(nonce: string, nc: number): CountResult {
    const t = this.issuedAt(nonce);
    if (t === undefined) return 'stale';
    const entry = this.seen.get(nonce);
    if (entry) {
      if (nc <= entry.lastNc) return 'replay';
      entry.lastNc = nc;
      return 'ok';
    }
    if (t <= this.evictedUpTo) return 'stale';
    this.makeRoom();
    this.seen.set(nonce, { issuedAt: t, lastNc: nc });
    return 'ok';
  }

  /** Nonces whose counts are being remembered (for tests and status). */
  get tracked(): number {
    return this.seen.size;
  }

  private makeRoom(): void {
    if (this.seen.size < this.maxTracked) return;
    // First drop what has expired anyway; then, if still full, the oldest entries, down
    // to nine tenths so that a flood does not pay for a full sweep on every insert.
    const cutoff = this.now() - this.lifetimeMs;
    for (const [n, e] of this.seen) if (e.issuedAt < cutoff) this.seen.delete(n);
    const target = Math.min(this.maxTracked - 1, Math.floor(this.maxTracked * 0.9));
    for (const [n, e] of this.seen) {
      if (this.seen.size <= target) break;
      this.seen.delete(n);
      if (e.issuedAt > this.evictedUpTo) this.evictedUpTo = e.issuedAt;
    }
  }

  private mac(data: Buffer): Buffer {
    return createHmac('sha256', this.key).update(data).digest().subarray(0, 16);
  }
}
