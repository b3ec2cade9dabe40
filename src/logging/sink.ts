// Where log lines end up: an append-only file that can be reopened after a rename, or a
// piped logger (pipe.ts). Both batch the lines of one event-loop turn into one write.

import fs from 'node:fs';
import path from 'node:path';
import type { LogTarget } from './directives.js';
import { PipeLogger } from './pipe.js';
import { errorLogDate } from './time.js';

/** Something that takes whole log lines. */
export interface LogSink {
  /** Queues text (one or more whole lines, each ending in "\n"). Never throws. */
  write(text: string): void;
  /** Starts a new file at the configured name (after a rename); nothing for a pipe. */
  reopen(): Promise<void>;
  /** Writes out everything queued and releases the file or the program. */
  close(): Promise<void>;
}

/** A log file name is taken from ServerRoot unless it is absolute. */
export function resolveLogPath(serverRoot: string, file: string): string {
  return path.resolve(serverRoot, file);
}

function openAppendFd(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(file, 'a', 0o644, (err, fd) => (err ? reject(err) : resolve(fd)));
  });
}

export interface AppendFileOptions {
  /** Which log this is, for messages. */
  readonly name?: string;
  /** Most bytes waiting for the disk before new lines are dropped (and counted). Default 64 MiB. */
  readonly maxQueuedBytes?: number;
  /** Where problems are reported. Default: process.stderr. */
  readonly report?: (line: string) => void;
}

/**
 * An append-only log file. Lines are gathered for one event-loop turn (or up to 64 KiB) and
 * handed to a write stream on an O_APPEND descriptor, so a busy server makes one write per
 * batch rather than one per line.
 *
 * reopen(): opens the name again (creating a new file if the old one was renamed away),
 * then, in one synchronous step, hands everything gathered so far to the old stream and makes
 * the new one current; the old stream is then ended, which writes its queue to the renamed
 * file. A line therefore goes to exactly one of the two files, none is lost, and the order
 * within each file is kept.
 */
export class AppendFile implements LogSink {
  readonly path: string;
  private stream: fs.WriteStream;
  private buf = '';
  private scheduled = false;
  private dropped = 0;
  private failed = false;
  private closed: Promise<void> | undefined;
  private readonly name: string;
  private readonly maxQueued: number;
  private readonly report: (line: string) => void;

  private constructor(file: string, fd: number, o: AppendFileOptions) {
    this.path = file;
    this.name = o.name ?? 'log';
    this.maxQueued = o.maxQueuedBytes ?? 64 * 1024 * 1024;
    this.report = o.report ?? ((line) => process.stderr.write(line));
    this.stream = this.makeStream(fd);
  }

  /** Opens (creating it and its directory if needed) a file for appending. */
  static async open(file: string, o: AppendFileOptions = {}): Promise<AppendFile> {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const fd = await openAppendFd(file);
    return new AppendFile(file, fd, o);
  }

  private makeStream(fd: number): fs.WriteStream {
    const s = fs.createWriteStream(this.path, { fd, autoClose: true, highWaterMark: 64 * 1024 });
    s.on('error', (err) => {
      if (s !== this.stream) return;
      this.failed = true;
      this.report(`[${errorLogDate()}] [error] ${this.name}: cannot write ${this.path}: ${err.message}\n`);
    });
    return s;
  }

  write(text: string): void {
    if (this.closed) return;
    if (this.failed || this.stream.writableLength > this.maxQueued) {
      this.drop(text);
      return;
    }
    this.buf += text;
    if (this.buf.length >= 64 * 1024) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (!this.buf) return;
    const text = this.buf;
    this.buf = '';
    if (this.failed || this.stream.destroyed) {
      this.drop(text);
      return;
    }
    this.stream.write(text);
  }

  private drop(text: string): void {
    if (this.dropped === 0) setTimeout(() => this.reportDropped(), 1000).unref();
    let n = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
    this.dropped += n || 1;
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.report(`[${errorLogDate()}] [error] ${this.name}: ${this.dropped} line(s) could not be written to ${this.path}\n`);
    this.dropped = 0;
  }

  async reopen(): Promise<void> {
    if (this.closed) return;
    await fs.promises.mkdir(path.dirname(this.path), { recursive: true });
    const fd = await openAppendFd(this.path); // on failure the old file stays in use
    if (this.closed) {
      fs.close(fd, () => {});
      return;
    }
    this.flush(); // what was gathered before the swap belongs to the old file
    const old = this.stream;
    this.stream = this.makeStream(fd);
    this.failed = false;
    await endStream(old);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.flush();
      this.reportDropped();
      const s = this.stream;
      this.closed = endStream(s);
    }
    return this.closed;
  }
}

function endStream(s: fs.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.once('close', () => resolve());
    s.once('error', () => resolve());
    s.end();
  });
}

/** Opens a sink for a LogTarget: a file under serverRoot, or a piped logger run in serverRoot. */
export async function openSink(target: LogTarget, serverRoot: string, name: string): Promise<LogSink> {
  if (target.kind === 'file') return AppendFile.open(resolveLogPath(serverRoot, target.path), { name });
  return PipeLogger.start({ command: target.command, cwd: serverRoot, name });
}

/**
 * A sink bound to a LogTarget that can change on a graceful restart. write() always goes to
 * the current sink; retarget() reopens the same file, keeps the same pipe, or opens the new
 * target, makes it current and closes the old one (which writes out its queue first).
 */
export class TargetSink implements LogSink {
  private constructor(
    private current: LogSink,
    private target: LogTarget,
    private serverRoot: string,
    private readonly name: string,
  ) {}

  static async open(target: LogTarget, serverRoot: string, name: string): Promise<TargetSink> {
    return new TargetSink(await openSink(target, serverRoot, name), target, serverRoot, name);
  }

  write(text: string): void {
    this.current.write(text);
  }

  reopen(): Promise<void> {
    return this.current.reopen();
  }

  async retarget(target: LogTarget, serverRoot: string): Promise<void> {
    const a = this.target;
    if (a.kind === 'file' && target.kind === 'file' && resolveLogPath(this.serverRoot, a.path) === resolveLogPath(serverRoot, target.path)) {
      this.target = target;
      this.serverRoot = serverRoot;
      await this.current.reopen();
      return;
    }
    if (a.kind === 'pipe' && target.kind === 'pipe' && a.command === target.command && this.serverRoot === serverRoot) {
      this.target = target;
      return;
    }
    const next = await openSink(target, serverRoot, this.name);
    const old = this.current;
    this.current = next;
    this.target = target;
    this.serverRoot = serverRoot;
    await old.close();
  }

  close(): Promise<void> {
    return this.current.close();
  }
}
