// The session store: in memory (pserver is one process; a restart signs everyone out, which
// is acceptable for an administration GUI), bounded, with idle expiry, and able to drop every
// session of one user when their password changes or their account goes away.
import type { Session } from 'fastify';

type Callback = (err?: unknown) => void;

interface Entry {
  session: Session;
  lastSeen: number;
}

export interface SessionStoreOptions {
  /** A session unused this long is gone. */
  readonly idleMs: number;
  /** At most this many sessions; the least recently used one makes room for a new one. */
  readonly max?: number;
  readonly now?: () => number;
}

/** The user a session belongs to (set at login), if any. */
function userOf(s: Session): string | undefined {
  return (s as unknown as { user?: { name?: string } }).user?.name;
}

export class MemorySessionStore {
  private readonly map = new Map<string, Entry>();
  private readonly max: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly o: SessionStoreOptions) {
    this.max = o.max ?? 10_000;
    this.now = o.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(1000, o.idleMs / 4)));
    this.sweeper.unref();
  }

  get(sid: string, cb: (err: unknown, s?: Session | null) => void): void {
    const e = this.map.get(sid);
    if (!e || this.now() - e.lastSeen > this.o.idleMs) {
      if (e) this.map.delete(sid);
      return cb(null, null);
    }
    e.lastSeen = this.now();
    // Re-inserting keeps the Map in least-recently-used order for eviction.
    this.map.delete(sid);
    this.map.set(sid, e);
    cb(null, e.session);
  }

  set(sid: string, session: Session, cb: Callback): void {
    this.map.delete(sid);
    if (this.map.size >= this.max) this.evictOne();
    this.map.set(sid, { session, lastSeen: this.now() });
    cb();
  }

  destroy(sid: string, cb: Callback): void {
    this.map.delete(sid);
    cb();
  }

  /** Drops every session signed in as `user` except `keep` (the caller's own, after its own password change). */
  dropUser(user: string, keep?: string): number {
    let n = 0;
    for (const [sid, e] of this.map) {
      if (sid !== keep && userOf(e.session) === user) {
        this.map.delete(sid);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.map.size;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  /** Anonymous sessions (a login page's CSRF secret) go first, so a flood of them cannot sign users out. */
  private evictOne(): void {
    for (const [sid, e] of this.map) {
      if (!userOf(e.session)) {
        this.map.delete(sid);
        return;
      }
    }
    const oldest = this.map.keys().next();
    if (!oldest.done) this.map.delete(oldest.value);
  }

  private sweep(): void {
    const limit = this.now() - this.o.idleMs;
    for (const [sid, e] of this.map) if (e.lastSeen < limit) this.map.delete(sid);
  }
}

/** Failed logins per user name: after `attempts` failures within `windowMs`, logins are refused for `lockMs`. */
export class LoginLockout {
  private readonly failures = new Map<string, number[]>();
  private readonly lockedUntil = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly o: { attempts: number; windowMs: number; lockMs: number; now?: () => number }) {
    this.now = o.now ?? Date.now;
  }

  /** The time the lock ends, when `user` is locked out now. */
  lockedTill(user: string): number | undefined {
    const key = user.toLowerCase();
    const until = this.lockedUntil.get(key);
    if (until === undefined) return undefined;
    if (until > this.now()) return until;
    this.lockedUntil.delete(key);
    return undefined;
  }

  /** Records one failure; true when it locks the account. */
  fail(user: string): boolean {
    const key = user.toLowerCase();
    const t = this.now();
    const recent = (this.failures.get(key) ?? []).filter((x) => t - x < this.o.windowMs);
    recent.push(t);
    // Bounded: a name that was never an account still takes only `attempts` numbers.
    if (recent.length > this.o.attempts) recent.shift();
    if (this.failures.size > 100_000) this.failures.clear();
    this.failures.set(key, recent);
    if (recent.length >= this.o.attempts) {
      this.lockedUntil.set(key, t + this.o.lockMs);
      this.failures.delete(key);
      return true;
    }
    return false;
  }

  succeed(user: string): void {
    this.failures.delete(user.toLowerCase());
  }
}
