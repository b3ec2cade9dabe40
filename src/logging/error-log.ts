// The error_log: server messages filtered by LogLevel, plus the long-form output of the
// modules whose DebugFlag is On.
//
// Lines look like Apache's:
//   [Fri Apr 20 21:44:51 2001] [notice] A new sipd child process (27413) has started.
//   [Fri Apr 13 22:29:37 2001] [debug] Parser: Received 291 bytes UDP packet from 10.80.36.85:50117
//   REGISTER sip:64.102.93.77 SIP/2.0
//   ...
//
// winston carries the messages (levels, filtering, the stream to the transport); the only
// transport is ours and writes to a TargetSink (a file we can reopen, or a piped logger).
// winston's own File transport is not used: its size rotation loses lines.

import winston from 'winston';
import TransportStream from 'winston-transport';
import { DEBUG_FLAGS, LOG_LEVELS } from './directives.js';
import type { DebugFlagName, DebugFlags, LogLevelName, LogTarget } from './directives.js';
import { TargetSink } from './sink.js';
import { errorLogDate } from './time.js';

export interface ErrorLogOptions {
  readonly target: LogTarget;
  readonly level: LogLevelName;
  readonly debugFlags: DebugFlags;
  readonly serverRoot: string;
}

/** Syslog severities: emerg=0 … debug=7. A message is written when its severity ≤ LogLevel's. */
export const SEVERITY: Readonly<Record<LogLevelName, number>> = Object.freeze(
  Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i])) as Record<LogLevelName, number>,
);

/**
 * winston levels: the eight syslog ones, plus "flagged" for debug-flag output. It has the
 * highest priority so that winston's level filter always lets it through; the DebugFlag
 * decides, not LogLevel. It is printed as [debug].
 */
const WINSTON_LEVELS: Record<string, number> = { ...SEVERITY, flagged: 0 };

interface Entry {
  level: string;
  message: string;
  time: Date;
  flag?: DebugFlagName;
}

/** Formats one error_log entry (including the final newline). */
export function formatErrorLine(time: Date, level: LogLevelName, message: string, flag?: string): string {
  return flag ? `[${errorLogDate(time)}] [${level}] ${flag}: ${message}\n` : `[${errorLogDate(time)}] [${level}] ${message}\n`;
}

/** The winston transport: formats the entry and hands it to the current sink. */
class SinkTransport extends TransportStream {
  constructor(private readonly sink: TargetSink) {
    super({});
  }

  override log(info: Entry, next: () => void): void {
    const line = info.flag ? formatErrorLine(info.time, 'debug', info.message, info.flag) : formatErrorLine(info.time, info.level as LogLevelName, info.message);
    this.sink.write(line);
    next();
  }
}

/** Passes entries through untouched (winston's default would turn each one into JSON). */
const passThrough = winston.format((info) => info)();

const CLOSE_WAIT_MS = 5000;

export class ErrorLog {
  private severity: number;
  private flags: DebugFlags;
  private readonly transport: SinkTransport;
  private readonly logger: winston.Logger;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly sink: TargetSink,
    o: ErrorLogOptions,
  ) {
    this.severity = SEVERITY[o.level];
    this.flags = normaliseFlags(o.debugFlags);
    this.transport = new SinkTransport(sink);
    this.logger = winston.createLogger({
      levels: WINSTON_LEVELS,
      level: o.level,
      format: passThrough,
      transports: [this.transport],
      exitOnError: false,
    });
  }

  /** Opens the file (creating the logs directory) or starts the piped logger. */
  static async open(o: ErrorLogOptions): Promise<ErrorLog> {
    const sink = await TargetSink.open(o.target, o.serverRoot, 'ErrorLog');
    return new ErrorLog(sink, o);
  }

  /** The winston logger behind this log, for libraries that take one (the web kit); LogLevel filters it too. */
  get winston(): winston.Logger {
    return this.logger;
  }

  /** The LogLevel in force. */
  get level(): LogLevelName {
    return LOG_LEVELS[this.severity];
  }

  /** True when messages of this level are written. */
  isLevelOn(level: LogLevelName): boolean {
    return SEVERITY[level] <= this.severity;
  }

  emerg(msg: string): void {
    this.at('emerg', msg);
  }
  alert(msg: string): void {
    this.at('alert', msg);
  }
  crit(msg: string): void {
    this.at('crit', msg);
  }
  error(msg: string): void {
    this.at('error', msg);
  }
  warn(msg: string): void {
    this.at('warn', msg);
  }
  notice(msg: string): void {
    this.at('notice', msg);
  }
  info(msg: string): void {
    this.at('info', msg);
  }
  debug(msg: string): void {
    this.at('debug', msg);
  }

  /** Writes a message at the given level (if LogLevel lets it through). */
  log(level: LogLevelName, msg: string): void {
    this.at(level, msg);
  }

  /** Long-form debug output of one module; written only when that DebugFlag is On, whatever LogLevel says. */
  flag(flag: DebugFlagName, msg: string): void {
    if (!this.flags[flag] || this.closing) return;
    const e: Entry = { level: 'flagged', message: msg, time: new Date(), flag };
    this.logger.log(e as unknown as winston.LogEntry);
  }

  isFlagOn(flag: DebugFlagName): boolean {
    return this.flags[flag] === true;
  }

  private at(level: LogLevelName, msg: string): void {
    // Checked here first so that a filtered message costs nothing.
    if (SEVERITY[level] > this.severity || this.closing) return;
    const e: Entry = { level, message: msg, time: new Date() };
    this.logger.log(e as unknown as winston.LogEntry);
  }

  /**
   * New LogLevel, DebugFlags and target after a graceful restart. The same file is reopened
   * (so a file renamed before `sip graceful` is left behind and a new one started); the same
   * pipe command keeps its program; a different target is opened and the old one closed.
   */
  async reconfigure(o: ErrorLogOptions): Promise<void> {
    if (this.closing) return;
    this.severity = SEVERITY[o.level];
    this.logger.level = o.level;
    this.flags = normaliseFlags(o.debugFlags);
    // If the new target cannot be opened this throws and the old one stays in use.
    await this.sink.retarget(o.target, o.serverRoot);
  }

  /** Starts a new file at the configured name (after the old one was renamed away). */
  reopen(): Promise<void> {
    return this.sink.reopen();
  }

  /**
   * Writes out every message logged so far and closes the file, or ends the piped logger's
   * input and waits (at most about 5 s, then it is signalled) for it to exit.
   */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    // Ending the logger drains winston's stream into the transport; the transport's 'finish'
    // means every entry has been handed to the sink.
    const finished = new Promise<void>((resolve) => {
      if (this.transport.writableFinished) return resolve();
      this.transport.once('finish', () => resolve());
      this.transport.once('close', () => resolve());
    });
    this.logger.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((r) => (timer = setTimeout(r, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    await this.sink.close();
  }
}

function normaliseFlags(f: DebugFlags): DebugFlags {
  return Object.freeze(Object.fromEntries(DEBUG_FLAGS.map((n) => [n, f[n] === true]))) as DebugFlags;
}
