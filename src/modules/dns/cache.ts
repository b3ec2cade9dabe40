// A DNS cache in front of the client: answers are kept for their TTL, negative answers
// (NXDOMAIN, NODATA) for the SOA minimum of RFC 2308 §5 under a cap, server failures for
// a few seconds (RFC 2308 §7 allows up to five minutes) so that a dead name server does
// not cost every call its timeouts. Concurrent questions for the same name and type share
// one query. The size is bounded: the least recently used entry goes first.
import type { DnsQuerier, DnsRecord, DnsReply, QueryType } from './client.js';
import { canonicalName, isFailure } from './client.js';

export interface DnsCacheOptions {
  /** Entries kept at most (default 10,000). */
  readonly maxEntries?: number;
  /** Ceiling on a positive answer's TTL, seconds (default one day). */
  readonly maxTtl?: number;
  /** Ceiling on a negative answer's lifetime, seconds (default 600; RFC 2308 suggests one to three hours at most). */
  readonly maxNegativeTtl?: number;
  /** How long a failure (timeout, SERVFAIL…) is remembered, seconds (default 5; 0 never). */
  readonly failureTtl?: number;
  /** Milliseconds since the epoch; injectable so that tests can move time. */
  readonly now?: () => number;
}

interface Entry {
  readonly reply: DnsReply;
  /** Milliseconds since the epoch. */
  readonly stored: number;
  readonly expires: number;
}

export interface DnsCacheStats {
  hits: number;
  misses: number;
  entries: number;
}

export class DnsCache implements DnsQuerier {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<DnsReply>>();
  private readonly maxEntries: number;
  private readonly maxTtl: number;
  private readonly maxNegativeTtl: number;
  private readonly failureTtl: number;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly upstream: DnsQuerier,
    o: DnsCacheOptions = {},
  ) {
    this.maxEntries = Math.max(1, o.maxEntries ?? 10_000);
    this.maxTtl = o.maxTtl ?? 86_400;
    this.maxNegativeTtl = o.maxNegativeTtl ?? 600;
    this.failureTtl = o.failureTtl ?? 5;
    this.now = o.now ?? Date.now;
  }

  async query<T extends QueryType>(name: string, type: T): Promise<DnsReply<T>> {
    const n = canonicalName(name);
    const key = `${type} ${n}`;
    const now = this.now();
    // A name that does not exist has no records of any type (RFC 2308 §5).
    const hit = this.fresh(key, now) ?? this.fresh(`NXDOMAIN ${n}`, now);
    if (hit) {
      this.hits++;
      return aged(hit, now) as DnsReply<T>;
    }
    this.misses++;
    const pending = this.inFlight.get(key);
    if (pending) return (await pending) as DnsReply<T>;
    const p = this.upstream.query(n, type).then(
      (reply) => {
        this.store(key, n, reply);
        return reply;
      },
      (e: unknown) => ({ rcode: 'ERROR', answers: [], error: String(e) }) as DnsReply,
    );
    this.inFlight.set(key, p);
    try {
      return (await p) as DnsReply<T>;
    } finally {
      this.inFlight.delete(key);
    }
  }

  stats(): DnsCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size };
  }

  /** Forget everything (new name servers at a graceful restart). */
  clear(): void {
    this.entries.clear();
  }

  private fresh(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    // Most recently used moves to the end of the Map's order.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  private store(key: string, name: string, reply: DnsReply): void {
    const ttl = this.lifetime(reply);
    if (!(ttl > 0)) return;
    const now = this.now();
    const entry: Entry = { reply, stored: now, expires: now + ttl * 1000 };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (reply.rcode === 'NXDOMAIN') this.entries.set(`NXDOMAIN ${name}`, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Seconds to keep a reply; 0 not at all. */
  private lifetime(reply: DnsReply): number {
    if (isFailure(reply)) return this.failureTtl;
    if (reply.answers.length) return Math.min(this.maxTtl, ...reply.answers.map((a) => a.ttl));
    // RFC 2308 §5: a negative answer without an SOA is not cached.
    return reply.soaMinimum === undefined ? 0 : Math.min(this.maxNegativeTtl, reply.soaMinimum);
  }
}

/** The reply with TTLs lowered by the time spent in the cache. */
function aged(e: Entry, now: number): DnsReply {
  const spent = Math.floor((now - e.stored) / 1000);
  if (spent <= 0) return e.reply;
  const answers = e.reply.answers.map((a: DnsRecord) => ({ ...a, ttl: Math.max(0, a.ttl - spent) }));
  return { ...e.reply, answers, ...(e.reply.soaMinimum !== undefined ? { soaMinimum: Math.max(0, e.reply.soaMinimum - spent) } : {}) };
}
