// The log-file watcher behind LOG-MIB (logagt's job), with no SNMP in it.
//
// Each row's file is polled every pollInterval seconds (0: the global interval). A poll
// reads only the bytes added since the previous one and counts the complete new lines
// whose match window (character positions matchStart..matchStop, both counted from 0 and
// inclusive; stop 0 = to the end of the line) matches the row's regular expression.
//
// - Start-up: a file that exists when the row starts is read from its current end: lines
//   written before the agent watched are not news. A file that appears later, or the new
//   file after a rotation, is read from its beginning.
// - Rotation: a new inode at the path (rename + new file) first drains what was still
//   unread in the old file through the descriptor we hold, then reads the new file from
//   0; a file that shrank in place (truncation, copytruncate) is read again from 0. No
//   line is counted twice and none written before the rotation is lost.
// - Size: siLogSize is the size at the last poll (0 when the file is missing). The
//   max-size event fires once when the size reaches maxSize, and is re-armed only after
//   the size has been seen below it again (e.g. after rotation).
// - Commands (match / max size) run through /bin/sh -c in the background with the row
//   in SILOG_INDEX, SILOG_PATH, SILOG_SIZE, SILOG_COUNT and the matching line in
//   SILOG_LINE (the line is never put into the command text, so it cannot inject shell).
//   At most maxEventsPerPoll match events/commands per row and poll are issued (the count
//   still counts every line) and at most MAX_RUNNING commands run at once: a burst of
//   errors must not fork-bomb the host or flood the trap sinks.
// - Events (always emitted; the SNMP adapter applies the trap switches):
//     match(row, line)          a new line matched (row.matchCount already counts it)
//     maxSizeExceeded(row)      the size reached maxSize
//     commandFailed(row, which, result)
import { EventEmitter } from 'node:events';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import type { SiLogConfig } from './logagt-cnf.js';
import { commandSettings, runShell } from '../critapp/shell.js';
import type { ShellResult } from '../critapp/shell.js';

/** A read-only snapshot of one row. */
export interface SiLogRow extends SiLogConfig {
  /** Bytes, at the last poll. */
  readonly size: number;
  readonly lastMatch: string;
  /** The max-size event has fired and the size has not dropped below maxSize since. */
  readonly maxSizeReached: boolean;
}

export interface LogMonOptions {
  /** Match events (and match commands) per row and poll; default 20. */
  maxEventsPerPoll?: number;
  /** Limit for each command; default 60 s. */
  commandTimeoutMs?: number;
  /** Most bytes read from one file in one poll (the rest waits for the next); default 8 MiB. */
  maxReadPerPoll?: number;
  /** Directory of the commands, and the base of relative file paths (default: process.cwd()). */
  cwd?: string;
  log?: (level: 'info' | 'warning' | 'error', message: string) => void;
}

export interface LogMonEvents {
  match: [row: SiLogRow, line: string];
  maxSizeExceeded: [row: SiLogRow];
  commandFailed: [row: SiLogRow, which: 'match' | 'maxSize', result: ShellResult];
}

const MAX_RUNNING = 8;
/** A "line" with no newline after this many bytes is taken as complete. */
const MAX_LINE = 64 * 1024;
const LAST_MATCH_OCTETS = 255;

interface RowState {
  cfg: SiLogConfig;
  regex: RegExp | undefined;
  fh: FileHandle | undefined;
  dev: number;
  ino: number;
  offset: number;
  partial: Buffer;
  size: number;
  matchCount: number;
  lastMatch: string;
  armed: boolean;
  /** True until the first poll: an existing file is then read from its end. */
  fresh: boolean;
  timer: NodeJS.Timeout | undefined;
  busy: Promise<void> | undefined;
  removed: boolean;
}

export class LogMonEngine extends EventEmitter<LogMonEvents> {
  private readonly rowsByIndex = new Map<number, RowState>();
  private global: number;
  private readonly maxEvents: number;
  private readonly commandTimeoutMs: number;
  private readonly maxRead: number;
  private readonly cwd: string | undefined;
  private readonly log: NonNullable<LogMonOptions['log']>;
  private commandsRunning = 0;
  private running = false;

  constructor(globalPollInterval: number, rows: readonly SiLogConfig[], opts: LogMonOptions = {}) {
    super();
    this.global = globalPollInterval;
    this.maxEvents = opts.maxEventsPerPoll ?? 20;
    this.maxRead = opts.maxReadPerPoll ?? 8 * 1024 * 1024;
    ({ commandTimeoutMs: this.commandTimeoutMs, cwd: this.cwd, log: this.log } = commandSettings(opts));
    for (const cfg of rows) this.rowsByIndex.set(cfg.index, newRow(cfg));
  }

  /** Take every row's starting point (the current end of its file) and start the timers. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await Promise.all([...this.rowsByIndex.values()].map((r) => this.pollRow(r)));
    for (const r of this.rowsByIndex.values()) this.schedule(r);
  }

  async stop(): Promise<void> {
    this.running = false;
    const rows = [...this.rowsByIndex.values()];
    for (const r of rows) if (r.timer) clearInterval(r.timer);
    await Promise.all(rows.map(async (r) => {
      r.timer = undefined;
      await r.busy;
      await closeQuietly(r.fh);
      r.fh = undefined;
      r.fresh = true;
    }));
  }

  get globalPollInterval(): number {
    return this.global;
  }

  /** Change siLogGlobalPollInterval (seconds, 1..86400); rows using it are rescheduled. */
  setGlobalPollInterval(seconds: number): void {
    this.global = seconds;
    for (const r of this.rowsByIndex.values()) if (r.cfg.pollInterval === 0) this.schedule(r);
  }

  rows(): SiLogRow[] {
    return [...this.rowsByIndex.values()].sort((a, b) => a.cfg.index - b.cfg.index).map(snapshot);
  }

  row(index: number): SiLogRow | undefined {
    const r = this.rowsByIndex.get(index);
    return r ? snapshot(r) : undefined;
  }

  /**
   * Add a row or change one (SNMP SETs). A changed path starts over (the new file is read
   * from its current end, like a row at start-up); other changes keep the read position.
   * Throws only for an invalid regular expression: check with checkRegex first.
   */
  async upsertRow(cfg: SiLogConfig): Promise<void> {
    const regex = compile(cfg.regex);
    const existing = this.rowsByIndex.get(cfg.index);
    if (existing) {
      await existing.busy;
      if (existing.cfg.path !== cfg.path) {
        await closeQuietly(existing.fh);
        Object.assign(existing, { fh: undefined, dev: 0, ino: 0, offset: 0, partial: Buffer.alloc(0), fresh: true, armed: true });
      }
      const rescheduled = existing.cfg.pollInterval !== cfg.pollInterval;
      existing.cfg = { ...cfg };
      existing.regex = regex;
      if (rescheduled) this.schedule(existing);
      if (this.running) await this.pollRow(existing);
      return;
    }
    const row = newRow(cfg);
    this.rowsByIndex.set(cfg.index, row);
    if (this.running) {
      await this.pollRow(row);
      this.schedule(row);
    }
  }

  async removeRow(index: number): Promise<boolean> {
    const row = this.rowsByIndex.get(index);
    if (!row) return false;
    row.removed = true;
    if (row.timer) clearInterval(row.timer);
    this.rowsByIndex.delete(index);
    await row.busy;
    await closeQuietly(row.fh);
    return true;
  }

  /** Poll one row (or all) now; resolves when done. */
  async pollNow(index?: number): Promise<void> {
    const rows = index === undefined ? [...this.rowsByIndex.values()] : [this.rowsByIndex.get(index)].filter((r): r is RowState => !!r);
    await Promise.all(rows.map((r) => this.pollRow(r)));
  }

  /** Relative paths (as in the shipped logagt.cnf) are taken from the install directory. */
  private resolve(file: string): string {
    return path.resolve(this.cwd ?? process.cwd(), file);
  }

  private schedule(row: RowState): void {
    if (row.timer) clearInterval(row.timer);
    row.timer = undefined;
    if (!this.running || row.removed) return;
    const seconds = row.cfg.pollInterval > 0 ? row.cfg.pollInterval : this.global;
    row.timer = setInterval(() => void this.pollRow(row), Math.max(1, seconds) * 1000);
    row.timer.unref();
  }

  /** One poll at a time per row; a poll asked for while one runs waits for it, then runs. */
  private pollRow(row: RowState): Promise<void> {
    const previous = row.busy ?? Promise.resolve();
    const next = previous.then(() => this.pollOnce(row)).catch((e: Error) => {
      this.log('error', `logmon: polling ${row.cfg.path} (row ${row.cfg.index}) failed: ${e.message}`);
    });
    row.busy = next;
    void next.then(() => {
      if (row.busy === next) row.busy = undefined;
    });
    return next;
  }

  private async pollOnce(row: RowState): Promise<void> {
    if (row.removed) return;
    const wasFresh = row.fresh;
    row.fresh = false;
    let st: Awaited<ReturnType<typeof stat>> | undefined;
    try {
      st = await stat(this.resolve(row.cfg.path));
    } catch {
      st = undefined;
    }
    if (!st || !st.isFile()) {
      // Gone (renamed away and not yet re-created, or deleted): finish the old file.
      if (row.fh) await this.switchAway(row);
      this.sized(row, 0);
      return;
    }
    if (!row.fh || st.ino !== row.ino || st.dev !== row.dev) {
      if (row.fh) await this.switchAway(row);
      try {
        row.fh = await open(this.resolve(row.cfg.path), 'r');
      } catch (e) {
        this.log('warning', `logmon: cannot open ${row.cfg.path} (row ${row.cfg.index}): ${(e as Error).message}`);
        this.sized(row, st.size);
        return;
      }
      const opened = await row.fh.stat();
      row.dev = opened.dev;
      row.ino = opened.ino;
      row.offset = wasFresh ? opened.size : 0;
      row.partial = Buffer.alloc(0);
    }
    const size = (await row.fh.stat()).size;
    if (size < row.offset) {
      // Shrunk in place: read the file again from its start.
      row.offset = 0;
      row.partial = Buffer.alloc(0);
    }
    await this.readNew(row, size);
    this.sized(row, size);
  }

  /** The file at the path is not the one we hold: read what is left of ours, then let go. */
  private async switchAway(row: RowState): Promise<void> {
    const fh = row.fh!;
    try {
      const size = (await fh.stat()).size;
      if (size >= row.offset) await this.readNew(row, size, true);
    } catch {
      /* unreadable: nothing more to get from it */
    }
    if (row.partial.length > 0) this.lines(row, [row.partial.toString('utf8')]);
    row.partial = Buffer.alloc(0);
    await closeQuietly(fh);
    row.fh = undefined;
    row.dev = 0;
    row.ino = 0;
    row.offset = 0;
  }

  /** Read [offset, end) (capped per poll unless draining) and handle the complete lines. */
  private async readNew(row: RowState, end: number, drain = false): Promise<void> {
    const fh = row.fh!;
    let budget = drain ? Infinity : this.maxRead;
    let events = 0;
    while (row.offset < end && budget > 0) {
      const want = Math.min(end - row.offset, 1024 * 1024, budget);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, row.offset);
      if (bytesRead === 0) break;
      row.offset += bytesRead;
      budget -= bytesRead;
      let data = row.partial.length ? Buffer.concat([row.partial, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
      const last = data.lastIndexOf(0x0a);
      let complete: Buffer;
      if (last >= 0) {
        complete = data.subarray(0, last);
        data = data.subarray(last + 1);
      } else {
        complete = Buffer.alloc(0);
      }
      if (data.length > MAX_LINE) {
        complete = complete.length ? Buffer.concat([complete, Buffer.from('\n'), data]) : data;
        data = Buffer.alloc(0);
      }
      row.partial = Buffer.from(data);
      if (last >= 0 || complete.length) events += this.lines(row, complete.toString('utf8').split('\n'), events);
    }
  }

  /** Count and report matching lines; returns how many events were issued. */
  private lines(row: RowState, lines: string[], issued = 0): number {
    if (!row.regex) return 0;
    const { matchStart, matchStop } = row.cfg;
    let events = 0;
    for (let line of lines) {
      if (line.endsWith('\r')) line = line.slice(0, -1);
      const window = line.slice(matchStart, matchStop > 0 ? matchStop + 1 : undefined);
      if (!row.regex.test(window)) continue;
      row.matchCount = (row.matchCount + 1) % 4294967296;
      row.lastMatch = cutOctets(line, LAST_MATCH_OCTETS);
      if (issued + events >= this.maxEvents) continue;
      events++;
      this.emit('match', snapshot(row), line);
      if (row.cfg.matchCommand) this.command(row, 'match', row.cfg.matchCommand, line);
    }
    return events;
  }

  private sized(row: RowState, size: number): void {
    row.size = size;
    const max = row.cfg.maxSize;
    if (max <= 0) {
      row.armed = true;
      return;
    }
    if (size < max) {
      row.armed = true;
      return;
    }
    if (!row.armed) return;
    row.armed = false;
    this.log('warning', `logmon: ${row.cfg.path} (row ${row.cfg.index}) is ${size} bytes, at or above its limit of ${max}`);
    this.emit('maxSizeExceeded', snapshot(row));
    if (row.cfg.maxSizeCommand) this.command(row, 'maxSize', row.cfg.maxSizeCommand, '');
  }

  private command(row: RowState, which: 'match' | 'maxSize', command: string, line: string): void {
    if (this.commandsRunning >= MAX_RUNNING) {
      this.log('warning', `logmon: not running the ${which} command of row ${row.cfg.index}: ${MAX_RUNNING} commands are still running`);
      return;
    }
    this.commandsRunning++;
    const env = {
      ...process.env,
      SILOG_INDEX: String(row.cfg.index),
      SILOG_PATH: row.cfg.path,
      SILOG_SIZE: String(row.size),
      SILOG_COUNT: String(row.matchCount),
      SILOG_LINE: line,
    };
    const run = runShell(command, { timeoutMs: this.commandTimeoutMs, env, cwd: this.cwd });
    void run.done.then((result) => {
      this.commandsRunning--;
      if (result.status !== 0 || result.error) {
        this.log('error', `logmon: ${which} command of row ${row.cfg.index} failed (status ${result.status ?? 'none'}${result.timedOut ? ', timed out' : ''}${result.error ? `, ${result.error}` : ''})`);
        this.emit('commandFailed', snapshot(row), which, result);
      }
    });
  }
}

function compile(source: string): RegExp | undefined {
  return source ? new RegExp(source) : undefined;
}

function newRow(cfg: SiLogConfig): RowState {
  return {
    cfg: { ...cfg },
    regex: compile(cfg.regex),
    fh: undefined,
    dev: 0,
    ino: 0,
    offset: 0,
    partial: Buffer.alloc(0),
    size: 0,
    matchCount: cfg.matchCount,
    lastMatch: '',
    armed: true,
    fresh: true,
    timer: undefined,
    busy: undefined,
    removed: false,
  };
}

function snapshot(row: RowState): SiLogRow {
  return { ...row.cfg, matchCount: row.matchCount, size: row.size, lastMatch: row.lastMatch, maxSizeReached: !row.armed };
}

/** At most n octets of UTF-8, not splitting a character. */
function cutOctets(s: string, n: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= n) return s;
  let end = n;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

async function closeQuietly(fh: FileHandle | undefined): Promise<void> {
  try {
    await fh?.close();
  } catch {
    /* already closed */
  }
}
