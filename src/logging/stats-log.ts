// Periodic statistics logs:
//   SIPStatsLog On           -> <ServerRoot>/logs/stats_log, every SIPStatsInterval seconds
//   SharedMemoryStatsLog On  -> <ServerRoot>/logs/sharedmem_stats_log, every SharedMemoryStatsInterval minutes
//
// One line per record: the date as in error_log, then name=value pairs:
//   [Fri Apr 20 21:44:51 2001] requests.INVITE=120 requests.REGISTER=5400 responses.2xx=5480
// sipd has no shared-memory segment, so the memory log reports the process's own memory
// (bytes): rss, heapUsed, heapTotal, external.

import { AppendFile, resolveLogPath } from './sink.js';
import { errorLogDate } from './time.js';

export type Counters = Readonly<Record<string, number>>;

/** Formats one record (with its newline). Names lose whitespace and "=" so that the line stays parseable. */
export function formatStatsLine(time: Date, values: Counters): string {
  let s = `[${errorLogDate(time)}]`;
  for (const [k, v] of Object.entries(values)) s += ` ${k.replace(/[\s=]+/g, '_')}=${v}`;
  return s + '\n';
}

interface PeriodicSettings {
  readonly enabled: boolean;
  readonly periodMs: number;
  readonly serverRoot: string;
}

/** Writes a record every period while enabled; the file is opened only while enabled. */
abstract class PeriodicLog {
  private file: AppendFile | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settings: PeriodicSettings;
  private closed = false;

  protected constructor(
    private readonly relPath: string,
    private readonly name: string,
    s: PeriodicSettings,
  ) {
    this.settings = s;
  }

  protected abstract values(): Counters;

  protected async apply(s: PeriodicSettings): Promise<void> {
    const prev = this.settings;
    this.settings = s;
    const wanted = s.enabled ? resolveLogPath(s.serverRoot, this.relPath) : undefined;
    if (this.file && this.file.path !== wanted) {
      const old = this.file;
      this.file = undefined;
      await old.close();
    }
    if (wanted) {
      if (!this.file) this.file = await AppendFile.open(wanted, { name: this.name });
      else await this.file.reopen(); // same file: start a new one if it was renamed away
    }
    if (!s.enabled) this.stopTimer();
    else if (!this.timer || prev.periodMs !== s.periodMs) {
      this.stopTimer();
      this.timer = setInterval(() => this.record(), s.periodMs);
      this.timer.unref();
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** True while records are being written. */
  get enabled(): boolean {
    return !this.closed && this.settings.enabled;
  }

  /** Writes one record now (no-op while disabled). */
  record(time: Date = new Date()): void {
    if (!this.file || this.closed) return;
    let line: string;
    try {
      line = formatStatsLine(time, this.values());
    } catch (err) {
      line = `[${errorLogDate(time)}] counters unavailable: ${(err as Error).message}\n`;
    }
    this.file.write(line);
  }

  /** Starts a new file at the same name (after a rename). */
  async reopen(): Promise<void> {
    await this.file?.reopen();
  }

  /** Stops the timer and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopTimer();
    const f = this.file;
    this.file = undefined;
    await f?.close();
  }
}

export interface StatsLogOptions {
  /** SIPStatsLog */
  readonly enabled: boolean;
  /** SIPStatsInterval, in seconds */
  readonly intervalSeconds: number;
  readonly serverRoot: string;
  /** Current counter values (requests by method, responses by class, …). */
  readonly counters: () => Counters;
}

/** logs/stats_log: SIP counters every SIPStatsInterval seconds while SIPStatsLog is On. */
export class StatsLog extends PeriodicLog {
  private counters: () => Counters;

  private constructor(o: StatsLogOptions) {
    super('logs/stats_log', 'SIPStatsLog', toSettings(o.enabled, o.intervalSeconds * 1000, o.serverRoot));
    this.counters = o.counters;
  }

  static async open(o: StatsLogOptions): Promise<StatsLog> {
    const l = new StatsLog(o);
    await l.apply(toSettings(o.enabled, o.intervalSeconds * 1000, o.serverRoot));
    return l;
  }

  protected values(): Counters {
    return this.counters();
  }

  /** New SIPStatsLog / SIPStatsInterval after a graceful restart (the counters provider may change too). */
  async reconfigure(o: StatsLogOptions): Promise<void> {
    this.counters = o.counters;
    await this.apply(toSettings(o.enabled, o.intervalSeconds * 1000, o.serverRoot));
  }
}

export interface MemStatsLogOptions {
  /** SharedMemoryStatsLog */
  readonly enabled: boolean;
  /** SharedMemoryStatsInterval, in minutes */
  readonly intervalMinutes: number;
  readonly serverRoot: string;
  /** For tests; process.memoryUsage by default. */
  readonly memoryUsage?: () => NodeJS.MemoryUsage;
}

/** logs/sharedmem_stats_log: process memory every SharedMemoryStatsInterval minutes while SharedMemoryStatsLog is On. */
export class MemStatsLog extends PeriodicLog {
  private usage: () => NodeJS.MemoryUsage;

  private constructor(o: MemStatsLogOptions) {
    super('logs/sharedmem_stats_log', 'SharedMemoryStatsLog', toSettings(o.enabled, o.intervalMinutes * 60_000, o.serverRoot));
    this.usage = o.memoryUsage ?? (() => process.memoryUsage());
  }

  static async open(o: MemStatsLogOptions): Promise<MemStatsLog> {
    const l = new MemStatsLog(o);
    await l.apply(toSettings(o.enabled, o.intervalMinutes * 60_000, o.serverRoot));
    return l;
  }

  protected values(): Counters {
    const m = this.usage();
    return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
  }

  async reconfigure(o: MemStatsLogOptions): Promise<void> {
    if (o.memoryUsage) this.usage = o.memoryUsage;
    await this.apply(toSettings(o.enabled, o.intervalMinutes * 60_000, o.serverRoot));
  }
}

function toSettings(enabled: boolean, periodMs: number, serverRoot: string): PeriodicSettings {
  // setInterval's limit is 2^31-1 ms; the directives' maxima are far below it.
  return { enabled, periodMs: Math.min(Math.max(1, Math.round(periodMs)), 2 ** 31 - 1), serverRoot };
}
