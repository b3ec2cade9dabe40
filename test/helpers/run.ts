// Running our commands and waiting for things, always with a time limit.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BIN } from './paths.js';

export interface RunResult {
  /** Exit code; null when the process was killed (by the time limit or a signal). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface Running {
  readonly child: ChildProcess;
  readonly done: Promise<RunResult>;
}

export interface StartOptions {
  /** Environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to standard input, which is then closed; without it standard input is /dev/null. */
  readonly input?: string;
}

/** Start a program; `done` settles when it exits or, after timeoutMs, when it has been killed. */
export function start(cmd: string, args: readonly string[], timeoutMs: number, o: StartOptions = {}): Running {
  const child = spawn(cmd, args, { stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: o.env ?? process.env });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  if (o.input !== undefined) {
    child.stdin!.on('error', () => undefined); // the program may exit without reading it all
    child.stdin!.end(o.input);
  }
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise<RunResult>((resolve) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(e), timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
  return { child, done };
}

export function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return start(cmd, args, timeoutMs).done;
}

/** Run bin/sip or bin/sipd with this Node. */
export function runBin(name: 'sip' | 'sipd', args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return run(process.execPath, [path.join(BIN, name), ...args], timeoutMs);
}

/** Run any operator tool in bin/ with this Node, with standard input and environment as given (60 s by default). */
export function runTool(name: string, args: readonly string[], opts: StartOptions & { readonly timeoutMs?: number } = {}): Promise<RunResult> {
  return start(process.execPath, [path.join(BIN, name), ...args], opts.timeoutMs ?? 60_000, opts).done;
}

/** How a run ended, for assertion messages. */
export function showRun(r: Pick<RunResult, 'code' | 'stdout' | 'stderr'>): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

export function startBin(name: 'sip' | 'sipd', args: readonly string[], timeoutMs = 30_000): Running {
  return start(process.execPath, [path.join(BIN, name), ...args], timeoutMs);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll until check() returns a value other than undefined/false, or fail after timeoutMs. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
