// Piped loggers: ErrorLog "|command" and CustomLog "|command" write their lines to the
// standard input of a program (usually bin/rotatelogs) instead of a file.
//
// The program runs as `/bin/sh -c command` in ServerRoot, in its own process group so that a
// Ctrl-C aimed at a foreground sipd does not kill it before it has written what it was sent;
// it sees end-of-file when sipd closes the log (or dies) and exits by itself.
//
// If the program dies while sipd runs, a line goes to sipd's stderr and the program is
// started again: never more than once per `minRestartMs` (1 s by default), and with a
// growing delay (up to `maxRestartMs`) while it keeps dying quickly. Lines written while no
// program runs wait in memory, up to `maxPendingBytes`; beyond that they are counted and
// dropped, and the count is reported on stderr.

import { spawn, type ChildProcess } from 'node:child_process';
import { errorLogDate } from './time.js';

export interface PipeLoggerOptions {
  /** The command after the "|", given to /bin/sh -c. */
  readonly command: string;
  /** Working directory of the program (ServerRoot). */
  readonly cwd: string;
  /** Which log this is, for messages ("ErrorLog", "CustomLog"). */
  readonly name?: string;
  /** Shortest time between two starts of the program. Default 1000 ms. */
  readonly minRestartMs?: number;
  /** Longest wait before a restart while the program keeps dying quickly. Default 30000 ms. */
  readonly maxRestartMs?: number;
  /** How long close() waits for the program to exit after end-of-file before it signals it. Default 5000 ms. */
  readonly closeTimeoutMs?: number;
  /** Most bytes kept in memory for a program that is not running or not reading. Default 64 MiB. */
  readonly maxPendingBytes?: number;
  /** Where problems are reported. Default: process.stderr. */
  readonly report?: (line: string) => void;
}

/** A child that lived at least this long is considered healthy: the restart delay starts again from the minimum. */
const HEALTHY_MS = 10_000;

export class PipeLogger {
  readonly command: string;
  private readonly cwd: string;
  private readonly name: string;
  private readonly minRestartMs: number;
  private readonly maxRestartMs: number;
  private readonly closeTimeoutMs: number;
  private readonly maxPendingBytes: number;
  private readonly report: (line: string) => void;

  private child: ChildProcess | undefined;
  private childExited: Promise<void> = Promise.resolve();
  private lastStart = 0;
  private quickDeaths = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Text waiting for the next flush (batched per event-loop turn) or for a running program. */
  private pending = '';
  private flushScheduled = false;
  private dropped = 0;
  private closing = false;
  private closed: Promise<void> | undefined;
  /** Number of times the program was started again after it died. */
  restarts = 0;

  private constructor(o: PipeLoggerOptions) {
    this.command = o.command;
    this.cwd = o.cwd;
    this.name = o.name ?? 'log';
    this.minRestartMs = o.minRestartMs ?? 1000;
    this.maxRestartMs = Math.max(o.maxRestartMs ?? 30_000, this.minRestartMs);
    this.closeTimeoutMs = o.closeTimeoutMs ?? 5000;
    this.maxPendingBytes = o.maxPendingBytes ?? 64 * 1024 * 1024;
    this.report = o.report ?? ((line) => process.stderr.write(line));
  }

  /** Starts the program at once and returns the logger. */
  static start(o: PipeLoggerOptions): PipeLogger {
    const p = new PipeLogger(o);
    p.spawnChild();
    return p;
  }

  /** Process id of the running program (the shell, or the command if the shell exec'd it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Queues text (whole lines) for the program. Never throws, never blocks. */
  write(text: string): void {
    if (this.closing) return;
    if (this.pending.length + this.backlog() > this.maxPendingBytes) {
      this.drop(text);
      return;
    }
    this.pending += text;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Pipes rotate themselves (rotatelogs); nothing to reopen. */
  async reopen(): Promise<void> {}

  /**
   * Sends what is pending, closes the program's stdin and waits for it to exit: at most
   * closeTimeoutMs, then SIGTERM to its process group, then SIGKILL after one more second.
   */
  close(): Promise<void> {
    if (!this.closed) this.closed = this.doClose();
    return this.closed;
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      // The program is down and lines are waiting: start it once more so that they are not lost.
      if (this.pending) this.spawnChild();
    }
    this.flush();
    this.reportDropped();
    const child = this.child;
    if (!child) return;
    child.stdin?.end();
    const exited = this.childExited;
    if (await within(exited, this.closeTimeoutMs)) return;
    this.report(`[${errorLogDate()}] [warn] ${this.name}: piped log program '${this.command}' did not exit ${this.closeTimeoutMs} ms after end of input; terminating it\n`);
    this.signal(child, 'SIGTERM');
    if (await within(exited, 1000)) return;
    this.signal(child, 'SIGKILL');
    await within(exited, 1000);
  }

  private signal(child: ChildProcess, sig: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig); // the whole group: the shell and what it started
    } catch {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** Bytes already handed to the program's stdin but not yet taken by it. */
  private backlog(): number {
    return this.child?.stdin?.writableLength ?? 0;
  }

  private drop(text: string): void {
    if (this.dropped === 0) setTimeout(() => this.reportDropped(), 1000).unref();
    this.dropped += countLines(text);
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.report(`[${errorLogDate()}] [error] ${this.name}: ${this.dropped} line(s) dropped: piped log program '${this.command}' is not taking input\n`);
    this.dropped = 0;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.pending) return;
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable || stdin.destroyed) return; // kept until the program runs again
    const text = this.pending;
    this.pending = '';
    stdin.write(text);
  }

  private spawnChild(): void {
    this.lastStart = Date.now();
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', this.command], {
        cwd: this.cwd,
        stdio: ['pipe', 'inherit', 'inherit'],
        detached: true,
      });
    } catch (err) {
      this.onExit(undefined, `could not be started: ${(err as Error).message}`);
      return;
    }
    this.child = child;
    let resolveExit!: () => void;
    this.childExited = new Promise<void>((r) => (resolveExit = r));
    let done = false;
    const finish = (how: string): void => {
      if (done) return;
      done = true;
      resolveExit();
      this.onExit(child, how);
    };
    child.on('error', (err) => finish(`could not be started: ${err.message}`));
    child.on('exit', (code, signal) => finish(signal ? `was killed by ${signal}` : `exited with status ${code}`));
    // EPIPE and the like: the 'exit' handler deals with the program's death.
    child.stdin?.on('error', () => {});
    // Lines that waited for this program.
    if (this.pending && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private onExit(child: ChildProcess | undefined, how: string): void {
    if (child && this.child !== child) return;
    this.child = undefined;
    if (this.closing) return;
    const lived = Date.now() - this.lastStart;
    this.quickDeaths = lived >= HEALTHY_MS ? 0 : this.quickDeaths + 1;
    const backoff = this.quickDeaths <= 1 ? 0 : Math.min(this.maxRestartMs, this.minRestartMs * 2 ** (this.quickDeaths - 1));
    const delay = Math.max(backoff, this.minRestartMs - lived, 0);
    this.report(
      `[${errorLogDate()}] [error] ${this.name}: piped log program '${this.command}' ${how}; restarting it in ${(delay / 1000).toFixed(1)} s\n`,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closing) return;
      this.restarts++;
      this.spawnChild();
    }, delay);
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n || 1;
}

/** Resolves true if p settles within ms, false otherwise. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
