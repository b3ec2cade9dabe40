// Both halves of a background start (`sipd` without -X, `pserver start`, ciagent without
// -f). The starter spawns the program detached with an IPC channel and waits for its final
// report: ready, or the error that stopped it. A program with a long start (sipd loading a
// million routes) sends progress on the way; each message restarts the starter's idle
// deadline and is printed, so an administrator sees that the start is working. Silence
// for the idle deadline, or a start longer than the overall cap, is a failed start and the
// program is killed.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

/** What a starting program tells its starter: progress while it works, then one final report. */
export type StarterMessage =
  | { readonly type: 'progress'; readonly message: string }
  | { readonly type: 'ready'; readonly message?: string; readonly pid?: number }
  | { readonly type: 'error'; readonly message: string };

type FinalReport = Exclude<StarterMessage, { type: 'progress' }>;

/** How a start ended, as the starter saw it. */
export type StartOutcome =
  | FinalReport
  | { readonly type: 'exit'; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly type: 'spawn-error'; readonly message: string }
  | {
      readonly type: 'timeout';
      /** From the spawn to giving up. */
      readonly waitedMs: number;
      readonly idleMs: number;
      /** The last progress message, if any came. */
      readonly lastProgress?: string;
      /** True when the overall cap, not the idle deadline, ran out. */
      readonly capped: boolean;
    };

export interface BackgroundStart {
  /** The script and its arguments (run with this Node and its options). */
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** The program's stderr is appended here (Node's own fatal errors land there); without it, or when it cannot be opened, discarded. */
  readonly stderrFile?: string;
  /** Give up when the program says nothing for this long (OPENSPS_START_IDLE_MS overrides it, for tests). */
  readonly idleMs: number;
  /** And in any case after this long. Default 15 minutes. */
  readonly capMs?: number;
  /** Each progress message as it comes, e.g. printed on stdout. */
  readonly onProgress: (message: string) => void;
}

const DEFAULT_CAP_MS = 15 * 60_000;
/** The starter tells its child its idle deadline here, so that the child reports often enough (progressEveryMs). */
const CHILD_IDLE_ENV = 'OPENSPS_STARTER_IDLE_MS';

/** The idle deadline of a start: OPENSPS_START_IDLE_MS (milliseconds) when set, else `defaultMs`. */
export function startIdleMs(defaultMs: number): number {
  const v = process.env.OPENSPS_START_IDLE_MS;
  return v && /^\d{1,9}$/.test(v) && Number(v) > 0 ? Number(v) : defaultMs;
}

/** "10 s", "0.3 s", "45.2 s". */
export const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * Start the program in the background and wait for its final report, its exit, or silence.
 * Ready: the program is let go (channel closed, not waited for). An error report: it exits
 * by itself. A timeout: it is killed.
 */
export async function startInBackground(o: BackgroundStart): Promise<StartOutcome> {
  const idleMs = startIdleMs(o.idleMs);
  let errFd: number | 'ignore' = 'ignore';
  if (o.stderrFile) {
    try {
      mkdirSync(path.dirname(o.stderrFile), { recursive: true });
      errFd = openSync(o.stderrFile, 'a', 0o644);
    } catch {
      errFd = 'ignore';
    }
  }
  let child: ChildProcess;
  try {
    const env = { ...(o.env ?? process.env), [CHILD_IDLE_ENV]: String(idleMs) };
    child = spawn(process.execPath, [...process.execArgv, ...o.args], { detached: true, cwd: '/', stdio: ['ignore', 'ignore', errFd, 'ipc'], env });
  } finally {
    if (typeof errFd === 'number') closeSync(errFd);
  }
  const outcome = await waitForReport(child, idleMs, o.capMs ?? DEFAULT_CAP_MS, o.onProgress);
  if (outcome.type === 'timeout') child.kill('SIGKILL');
  else if (outcome.type === 'ready' || outcome.type === 'error') {
    if (child.connected) child.disconnect();
    child.unref();
  }
  return outcome;
}

function waitForReport(child: ChildProcess, idleMs: number, capMs: number, onProgress: (message: string) => void): Promise<StartOutcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    let lastProgress: string | undefined;
    let done = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (r: StartOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      clearTimeout(cap);
      resolve(r);
    };
    const timeout = (capped: boolean) => finish({ type: 'timeout', waitedMs: Date.now() - started, idleMs, capped, ...(lastProgress !== undefined && { lastProgress }) });
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => timeout(false), idleMs);
    };
    const cap = setTimeout(() => timeout(true), capMs);
    child.on('message', (m: unknown) => {
      if (done || !isStarterMessage(m)) return;
      if (m.type !== 'progress') return finish(m);
      lastProgress = m.message;
      onProgress(m.message);
      arm();
    });
    child.once('exit', (code, signal) => finish({ type: 'exit', code, signal }));
    child.once('error', (e) => finish({ type: 'spawn-error', message: e.message }));
    arm();
  });
}

function isStarterMessage(m: unknown): m is StarterMessage {
  if (typeof m !== 'object' || m === null) return false;
  const { type, message } = m as { type?: unknown; message?: unknown };
  if (type === 'ready') return message === undefined || typeof message === 'string';
  return (type === 'progress' || type === 'error') && typeof message === 'string';
}

// ---- the program's side ----

/** Sends the final report to the process that started us and lets it go; does nothing when run directly. */
export function reportToStarter(message: FinalReport): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      send(message, undefined, {}, () => {
        if (process.connected) process.disconnect();
        resolve();
      });
    } catch {
      resolve();
    }
  });
}

/** Tells the starter how far the start got, restarting its idle deadline; does nothing when run directly or once the channel is closed. */
export function reportProgress(message: string): void {
  if (!process.send || !process.connected) return;
  try {
    // The callback swallows a send that fails later (the starter gave up): progress is best effort.
    process.send({ type: 'progress', message } satisfies StarterMessage, undefined, {}, () => undefined);
  } catch {
    // the channel closed in between
  }
}

/** How often to send progress: once a second, or a quarter of the starter's idle deadline when that is shorter. */
export function progressEveryMs(): number {
  const idle = Number(process.env[CHILD_IDLE_ENV]);
  return Number.isFinite(idle) && idle > 0 ? Math.min(1000, Math.floor(idle / 4)) : 1000;
}

/** reportProgress at most every progressEveryMs (the first at once); undefined when run directly. */
export function throttledProgress(): ((message: () => string) => void) | undefined {
  if (!process.send) return undefined;
  const every = progressEveryMs();
  let last = -Infinity;
  return (message) => {
    const now = performance.now();
    if (now - last < every) return;
    last = now;
    reportProgress(message());
  };
}
