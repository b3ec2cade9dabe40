// The access log (CustomLog / CommonLog): one line per answered SIP request, in a LogFormat.
//
// This is on the request path, so: the format is compiled once; a line costs one compiled
// function call and a string append; lines are batched into one write per event-loop turn;
// and %h with HostnameLookups On never waits for DNS (names are looked up in the background
// and cached; the address is logged until the name is known).

import dns from 'node:dns';
import { BUILTIN_LOG_FORMATS } from './directives.js';
import type { CustomLogSetting } from './directives.js';
import { compileLogFormat, resolveLogFormat } from './log-format.js';
import type { AccessEntry, CompiledFormat, FormatEnv } from './log-format.js';
import { TargetSink } from './sink.js';

export type { AccessEntry } from './log-format.js';

export interface AccessLogOptions {
  readonly setting: CustomLogSetting;
  /** LogFormat nicknames (the LogFormat directive's value, which includes the built-in four). */
  readonly formats: Readonly<Record<string, string>>;
  readonly hostnameLookups: boolean;
  readonly serverRoot: string;
  /** Reverse lookup used by HostnameLookups; dns.promises.reverse unless given (tests). */
  readonly reverse?: (address: string) => Promise<string[]>;
}

/** Compiles the format a CustomLog setting names; throws an Error with a readable message. */
export function compileCustomLogFormat(setting: CustomLogSetting, formats: Readonly<Record<string, string>>): CompiledFormat {
  const r = resolveLogFormat(setting.format, { ...BUILTIN_LOG_FORMATS, ...formats });
  if (!r.ok) throw new Error(`CustomLog: ${r.error}`);
  const c = compileLogFormat(r.format);
  if (!c.ok) throw new Error(`CustomLog format "${r.format}": ${c.error} (at column ${c.index + 1})`);
  return c.fn;
}

/**
 * Cache of reverse-DNS names for %h. lookup() answers at once: the cached name, or the
 * address while a lookup runs in the background.
 */
export class HostnameCache implements FormatEnv {
  private readonly names = new Map<string, { name: string; expires: number }>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly reverse: (address: string) => Promise<string[]> = (a) => dns.promises.reverse(a),
    private readonly o: { maxEntries?: number; ttlMs?: number; negativeTtlMs?: number; maxInFlight?: number } = {},
  ) {}

  host(address: string): string {
    const now = Date.now();
    const hit = this.names.get(address);
    if (hit && hit.expires > now) return hit.name;
    this.start(address);
    return hit?.name ?? address; // a stale name is better than none while it is refreshed
  }

  private start(address: string): void {
    if (this.inFlight.has(address) || this.inFlight.size >= (this.o.maxInFlight ?? 64)) return;
    this.inFlight.add(address);
    let p: Promise<string[]>;
    try {
      p = this.reverse(address);
    } catch {
      p = Promise.reject(new Error('lookup failed'));
    }
    p.then(
      (names) => this.store(address, names[0] || address, names[0] ? (this.o.ttlMs ?? 3_600_000) : (this.o.negativeTtlMs ?? 300_000)),
      () => this.store(address, address, this.o.negativeTtlMs ?? 300_000),
    ).finally(() => this.inFlight.delete(address));
  }

  private store(address: string, name: string, ttl: number): void {
    this.names.delete(address); // re-insert so the Map's order is "least recently stored" first
    this.names.set(address, { name, expires: Date.now() + ttl });
    const max = this.o.maxEntries ?? 10_000;
    while (this.names.size > max) {
      const oldest = this.names.keys().next().value;
      if (oldest === undefined) break;
      this.names.delete(oldest);
    }
  }
}

const NO_LOOKUPS: FormatEnv = { host: (a) => a };

export class AccessLog {
  private fn: CompiledFormat;
  private env: FormatEnv;
  private closed = false;

  private constructor(
    private readonly sink: TargetSink,
    fn: CompiledFormat,
    private o: AccessLogOptions,
  ) {
    this.fn = fn;
    this.env = o.hostnameLookups ? new HostnameCache(o.reverse) : NO_LOOKUPS;
  }

  /** Compiles the format (throws on a bad one) and opens the file or starts the piped logger. */
  static async open(o: AccessLogOptions): Promise<AccessLog> {
    const fn = compileCustomLogFormat(o.setting, o.formats);
    const sink = await TargetSink.open(o.setting.target, o.serverRoot, 'CustomLog');
    return new AccessLog(sink, fn, o);
  }

  /** Writes the line of one answered request. */
  log(e: AccessEntry): void {
    if (this.closed) return;
    this.sink.write(this.fn(e, this.env) + '\n');
  }

  /**
   * New settings after a graceful restart. A bad format throws and leaves everything as it
   * was; the same file is reopened, the same pipe kept, another target opened.
   */
  async reconfigure(o: AccessLogOptions): Promise<void> {
    if (this.closed) return;
    const fn = compileCustomLogFormat(o.setting, o.formats);
    await this.sink.retarget(o.setting.target, o.serverRoot);
    this.fn = fn;
    if (o.hostnameLookups !== this.o.hostnameLookups || o.reverse !== this.o.reverse) {
      this.env = o.hostnameLookups ? new HostnameCache(o.reverse) : NO_LOOKUPS;
    }
    this.o = o;
  }

  /** Starts a new file at the configured name (after the old one was renamed away). */
  reopen(): Promise<void> {
    return this.sink.reopen();
  }

  /** Writes out every line and closes the file or ends the piped logger (bounded wait). */
  close(): Promise<void> {
    this.closed = true;
    return this.sink.close();
  }
}
