// Calls that have a Start and no Stop yet, on disk (ServerRoot/data/radius-spool/open-legs.jsonl),
// so that a sipd killed in the middle of calls still sends their Stops: the next sipd finds the
// legs left open and stops them at the last moment the old one was known to be alive.
//
// One line per event: `{"open":…}` when a leg's Start goes out, `{"close":id}` when its Stop
// does. Lines are written to the kernel before the call goes on (a kill -9 loses none); the
// file's modification time is refreshed every HEARTBEAT_MS while sipd runs, and is the end
// time given to legs found open (so a crash overstates a call by at most that much). The file
// is rewritten with only the open legs when most of its lines are history.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { LegRecord } from './record.js';

export const HEARTBEAT_MS = 5000;

/** What a Stop needs of a leg, as stored. */
export type OpenLegBase = Omit<LegRecord, 'status' | 'sipHeaders' | 'disconnect' | 'endStatus'>;

interface Stored {
  readonly base: Omit<OpenLegBase, 'setup' | 'connect'> & { setup: number; connect?: number };
  readonly format: 'Local' | 'GMT';
}

export interface LeftOpen {
  readonly base: OpenLegBase;
  readonly format: 'Local' | 'GMT';
  /** When the sipd that opened it was last known to run (ms since the epoch). */
  readonly lastAlive: number;
}

export class OpenLegJournal {
  private readonly file: string;
  private fd: number | undefined;
  private readonly open = new Map<string, Stored>();
  private lines = 0;
  private readonly heartbeat: ReturnType<typeof setInterval>;

  /**
   * Opens the journal. The legs an earlier sipd left open stay open in it until the caller
   * has handed their Stops over and called closed() for each (a second crash before that
   * sends them again rather than never).
   */
  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'open-legs.jsonl');
    this.leftOpen = this.read();
    for (const l of this.leftOpen) this.open.set(l.base.sessionId, fromBase(l.base, l.format));
    this.rewrite();
    this.heartbeat = setInterval(() => this.touch(), HEARTBEAT_MS);
    this.heartbeat.unref?.();
  }

  private leftOpen: LeftOpen[];

  /** The legs the previous sipd left open (empty after the first call). */
  takeLeftOpen(): LeftOpen[] {
    const l = this.leftOpen;
    this.leftOpen = [];
    return l;
  }

  private read(): LeftOpen[] {
    if (!existsSync(this.file)) return [];
    const lastAlive = statSync(this.file).mtimeMs;
    const open = new Map<string, Stored>();
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as { open?: Stored; close?: string };
        if (e.open && typeof e.open.base?.sessionId === 'string') open.set(e.open.base.sessionId, e.open);
        else if (typeof e.close === 'string') open.delete(e.close);
      } catch {
        // A line cut short by the crash: the leg it opened (if any) cannot be told apart; skip it.
      }
    }
    return [...open.values()].map((s) => ({ base: toBase(s), format: s.format, lastAlive }));
  }

  opened(base: OpenLegBase, format: 'Local' | 'GMT'): void {
    const s = fromBase(base, format);
    this.open.set(base.sessionId, s);
    this.append({ open: s });
  }

  closed(sessionId: string): void {
    if (!this.open.delete(sessionId)) return;
    this.append({ close: sessionId });
    if (this.lines > 1000 && this.lines > 4 * this.open.size) this.rewrite();
  }

  private append(e: object): void {
    try {
      this.fd ??= openSync(this.file, 'a', 0o600);
      writeSync(this.fd, `${JSON.stringify(e)}\n`);
      this.lines++;
    } catch {
      // Losing the journal only loses the crash-time Stop of this leg; the call goes on.
    }
  }

  /** Only the open legs, written to a fresh file that replaces the old one. */
  private rewrite(): void {
    this.closeFd();
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, [...this.open.values()].map((s) => `${JSON.stringify({ open: s })}\n`).join(''), { mode: 0o600 });
    renameSync(tmp, this.file);
    this.lines = this.open.size;
  }

  private touch(): void {
    try {
      const now = new Date();
      utimesSync(this.file, now, now);
    } catch {
      // The next append recreates it.
    }
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** sipd stops cleanly: every leg was stopped, so nothing is left open. */
  close(): void {
    clearInterval(this.heartbeat);
    this.closeFd();
  }
}

function fromBase(base: OpenLegBase, format: 'Local' | 'GMT'): Stored {
  const { setup, connect, ...rest } = base;
  return { base: { ...rest, setup: setup.getTime(), ...(connect ? { connect: connect.getTime() } : {}) }, format };
}

function toBase(s: Stored): OpenLegBase {
  const { setup, connect, ...rest } = s.base;
  return { ...rest, setup: new Date(setup), ...(connect !== undefined ? { connect: new Date(connect) } : {}) };
}
