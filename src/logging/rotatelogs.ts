// rotatelogs: reads log lines on stdin and writes them to logfile.<unix-time>, starting a
// new file every N seconds or every N bytes. Modelled on Apache's program of that name:
//
//   rotatelogs [-l] logfile {seconds | size(B|K|M|G)} [offset-minutes]
//
// Time mode (a number of seconds): the suffix is the start of the current period, that is
// the time (plus the offset) rounded down to a multiple of the period. With an offset of
// N minutes (or -l: the local time's offset from UTC) periods begin at local boundaries;
// as in Apache, the offset is part of the suffix. If the file of the current period exists
// already (rotatelogs was restarted), it is appended to. No file is created for a period in
// which nothing is logged.
//
// Size mode (a number followed by B, K, M or G): a new file is started when the next line
// would make the current one larger than the limit; a single line larger than the limit is
// written alone in a file. The suffix is the time the file was opened; when that name is
// taken (several files in one second), the next free integer above it is used, so names
// stay unique and sort (by name, which is also by number) in the order they were written.
//
// Both modes: a line is never split over two files (an incomplete line waits for its end;
// only a line longer than maxLineBytes, 1 MiB by default, is written in pieces), every byte
// read is written exactly once, and on end of input the rest is written and the file closed.

import fs from 'node:fs';
import path from 'node:path';

export type RotateMode =
  | { readonly kind: 'time'; readonly seconds: number; readonly offset: { readonly minutes: number } | 'local' }
  | { readonly kind: 'size'; readonly bytes: number };

export interface RotatelogsArgs {
  /** logfile, as given (relative names are taken from the working directory). */
  readonly base: string;
  readonly mode: RotateMode;
}

export interface RotatorOptions extends RotatelogsArgs {
  /** The clock, in milliseconds since the epoch (Date.now by default; tests pass a fake one). */
  readonly now?: () => number;
  /** Where write problems are reported (stderr by default). */
  readonly report?: (message: string) => void;
  /** Longest incomplete line kept in memory before it is written anyway. Default 1 MiB. */
  readonly maxLineBytes?: number;
}

export const ROTATELOGS_USAGE = `Usage: rotatelogs [-l] <logfile> {<rotation seconds>|<rotation size>(B|K|M|G)} [<offset minutes from UTC>]

Reads log lines on standard input and writes them to <logfile>.<unix-time>.

  <rotation seconds>   start a new file every so many seconds; the suffix is the start of
                       the period (e.g. 86400: one file per day)
  <size>(B|K|M|G)      start a new file before one would grow past this size; the suffix
                       is the time the file was opened (e.g. 5M)
  <offset minutes>     shift period boundaries from UTC (e.g. -300 for UTC-5)
  -l                   use the local time's offset from UTC instead
  --help, --version    this text, or the OpenSPS version

Example, in sipd.conf:
  ErrorLog "|/usr/local/sip/bin/rotatelogs /usr/local/sip/logs/error_log 86400"
`;

const UNITS: Record<string, number> = { B: 1, K: 1024, M: 1024 * 1024, G: 1024 * 1024 * 1024 };

/** Parses the command line (without node and the script). */
export function parseRotatelogsArgs(argv: readonly string[]): { ok: true; args: RotatelogsArgs } | { ok: false; error: string } {
  let local = false;
  const rest: string[] = [];
  for (const a of argv) {
    if (a === '-l' && rest.length === 0) local = true;
    else if (a.startsWith('-') && rest.length === 0 && a !== '-') return { ok: false, error: `unknown option ${a}` };
    else rest.push(a);
  }
  if (rest.length < 2 || rest.length > 3) return { ok: false, error: rest.length < 2 ? 'too few arguments' : 'too many arguments' };
  const [base, spec, off] = rest;
  if (!base) return { ok: false, error: 'the log file name is empty' };
  let mode: RotateMode;
  const size = /^(\d+)([BKMG])$/i.exec(spec);
  if (size) {
    const bytes = Number(size[1]) * UNITS[size[2].toUpperCase()];
    if (!(bytes > 0) || !Number.isSafeInteger(bytes)) return { ok: false, error: `invalid rotation size "${spec}"` };
    if (off !== undefined) return { ok: false, error: 'an offset only applies to rotation by time' };
    mode = { kind: 'size', bytes };
  } else if (/^\d+$/.test(spec)) {
    const seconds = Number(spec);
    if (!(seconds > 0) || !Number.isSafeInteger(seconds)) return { ok: false, error: `invalid rotation time "${spec}"` };
    let minutes = 0;
    if (off !== undefined) {
      if (!/^[-+]?\d+$/.test(off) || Math.abs(Number(off)) > 24 * 60) return { ok: false, error: `invalid offset "${off}" (minutes from UTC)` };
      minutes = Number(off);
    }
    mode = { kind: 'time', seconds, offset: local ? 'local' : { minutes } };
  } else {
    return { ok: false, error: `"${spec}" is neither a number of seconds nor a size such as 10M` };
  }
  if (local && mode.kind === 'size') return { ok: false, error: '-l only applies to rotation by time' };
  return { ok: true, args: { base, mode } };
}

/** Name of the file for a suffix: logfile.NNNNNNNNNN (10 digits, so names sort by time). */
export function rotatedName(base: string, suffix: number): string {
  return `${base}.${String(suffix).padStart(10, '0')}`;
}

const NL = 0x0a;

export class Rotator {
  private readonly base: string;
  private readonly mode: RotateMode;
  private readonly now: () => number;
  private readonly report: (m: string) => void;
  private readonly maxLine: number;

  private fd: number | undefined;
  private fileName: string | undefined;
  /** Time mode: start of the period of the open file. Size mode: suffix of the open file. */
  private suffix = -Infinity;
  private size = 0;
  private partial: Buffer[] = [];
  private partialLen = 0;
  private ended = false;
  /** Every file this rotator has written to, in order. */
  readonly files: string[] = [];

  constructor(o: RotatorOptions) {
    this.base = o.base;
    this.mode = o.mode;
    this.now = o.now ?? Date.now;
    this.report = o.report ?? ((m) => process.stderr.write(`rotatelogs: ${m}\n`));
    this.maxLine = o.maxLineBytes ?? 1024 * 1024;
  }

  /** The file being written, if any. */
  get current(): string | undefined {
    return this.fileName;
  }

  /** Takes the next piece of input, which may begin or end in the middle of a line. */
  write(chunk: Buffer): void {
    if (this.ended || chunk.length === 0) return;
    const last = chunk.lastIndexOf(NL);
    if (last === -1) {
      this.partial.push(Buffer.from(chunk)); // a copy: the caller may reuse its buffer
      this.partialLen += chunk.length;
      if (this.partialLen > this.maxLine) this.emit(this.takePartial());
      return;
    }
    let whole = chunk.subarray(0, last + 1);
    if (this.partialLen) {
      this.partial.push(whole);
      this.partialLen += whole.length;
      whole = this.takePartial();
    }
    if (last + 1 < chunk.length) {
      // Copy: the caller may reuse its buffer.
      const rest = Buffer.from(chunk.subarray(last + 1));
      this.partial.push(rest);
      this.partialLen = rest.length;
    }
    this.emit(whole);
  }

  /** End of input: writes an unfinished last line as it is and closes the file. */
  end(): void {
    if (this.ended) return;
    if (this.partialLen) this.emit(this.takePartial());
    this.ended = true;
    this.closeFile();
  }

  private takePartial(): Buffer {
    const b = this.partial.length === 1 ? this.partial[0] : Buffer.concat(this.partial, this.partialLen);
    this.partial = [];
    this.partialLen = 0;
    return b;
  }

  /** Writes whole lines (or an over-long piece), rotating as needed. */
  private emit(data: Buffer): void {
    if (this.mode.kind === 'time') this.emitTimed(data, this.mode);
    else this.emitSized(data, this.mode.bytes);
  }

  private emitTimed(data: Buffer, mode: Extract<RotateMode, { kind: 'time' }>): void {
    const nowMs = this.now();
    const offsetSec = mode.offset === 'local' ? -new Date(nowMs).getTimezoneOffset() * 60 : mode.offset.minutes * 60;
    const t = Math.floor(nowMs / 1000) + offsetSec;
    const start = Math.floor(t / mode.seconds) * mode.seconds;
    // Only forward: if the clock goes back, stay in the current file.
    if (this.fd === undefined || start > this.suffix) {
      this.closeFile();
      this.suffix = Math.max(start, this.suffix);
      this.openFile(rotatedName(this.base, this.suffix), 'a');
    }
    this.put(data);
  }

  private emitSized(data: Buffer, limit: number): void {
    let pos = 0;
    while (pos < data.length) {
      if (this.fd === undefined) this.openNextSized();
      const room = limit - this.size;
      // Longest run of whole lines from pos that fits in the room left.
      let end = pos;
      for (;;) {
        const nl = data.indexOf(NL, end);
        const lineEnd = nl === -1 ? data.length : nl + 1;
        if (lineEnd - pos > room) break;
        end = lineEnd;
        if (end >= data.length) break;
      }
      if (end === pos) {
        if (this.size > 0) {
          this.closeFile(); // the next line does not fit: new file
          continue;
        }
        // A single line larger than the limit: it gets a file of its own.
        const nl = data.indexOf(NL, pos);
        end = nl === -1 ? data.length : nl + 1;
      }
      this.put(data.subarray(pos, end));
      pos = end;
      if (this.size >= limit) this.closeFile();
    }
  }

  private openNextSized(): void {
    let n = Math.max(Math.floor(this.now() / 1000), this.suffix + 1);
    for (let tries = 0; ; tries++, n++) {
      const name = rotatedName(this.base, n);
      try {
        this.openFile(name, 'ax');
        this.suffix = n;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 1_000_000) throw err;
      }
    }
  }

  private openFile(name: string, flags: 'a' | 'ax'): void {
    let fd: number;
    try {
      fd = fs.openSync(name, flags, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fs.mkdirSync(path.dirname(name), { recursive: true });
      fd = fs.openSync(name, flags, 0o644);
    }
    this.fd = fd;
    this.fileName = name;
    this.size = fs.fstatSync(fd).size;
    this.files.push(name);
  }

  private put(data: Buffer): void {
    if (this.fd === undefined) return;
    let off = 0;
    try {
      while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off);
    } catch (err) {
      this.report(`error writing ${this.fileName}: ${(err as Error).message}; ${data.length - off} bytes lost`);
      this.closeFile(); // opened again (or a new one) with the next line
    }
    this.size += off;
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch (err) {
      this.report(`error closing ${this.fileName}: ${(err as Error).message}`);
    }
    this.fd = undefined;
  }
}
