// Running a configured command line (critagt start/stop commands, logagt match and
// max-size commands) through /bin/sh -c, asynchronously, with a time limit.
//
// The command runs in a session of its own (detached): a daemon it starts must not die
// with the agent's process group, and on timeout the whole group can be killed.
// Only the first few KiB of output are kept, for the log. Completion is the `exit` event,
// not `close`: a daemon that inherits the pipes would otherwise hold `close` off forever,
// so the pipes are dropped as soon as the shell itself exits.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

export interface ShellResult {
  /** Exit status as a POSIX shell reports it: the code, or 128 + signal number; null if it never ran. */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** Combined stdout/stderr, cut to OUTPUT_LIMIT characters. */
  readonly output: string;
  /** Set when the shell could not be started at all. */
  readonly error?: string;
}

export interface ShellRun {
  readonly child: ChildProcess;
  /** Process id of the shell (and, when the command `exec`s, of the program itself). */
  readonly pid: number | undefined;
  readonly done: Promise<ShellResult>;
  /** Kill the command's whole process group now. */
  kill(signal?: NodeJS.Signals): void;
}

export interface ShellOptions {
  /** Kill the group after this long; 0 = no limit. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const OUTPUT_LIMIT = 4096;

/** 128 + the signal's number, as sh's `$?` shows a death by signal. */
export function signalStatus(signal: NodeJS.Signals): number {
  const n = (constants.signals as Record<string, number>)[signal];
  return 128 + (n ?? 0);
}

export function runShell(command: string, opts: ShellOptions): ShellRun {
  const child = spawn('/bin/sh', ['-c', command], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  let output = '';
  const collect = (d: Buffer) => {
    if (output.length < OUTPUT_LIMIT) output = (output + d.toString()).slice(0, OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // An un-awaited detached child must not keep the agent's event loop alive by itself.
  child.unref();

  const killGroup = (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  };

  let timedOut = false;
  const timer =
    opts.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          killGroup('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
  timer?.unref();

  const done = new Promise<ShellResult>((resolve) => {
    let settled = false;
    const finish = (r: ShellResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(r);
    };
    child.once('error', (e) => finish({ status: null, signal: null, timedOut, output, error: e.message }));
    child.once('exit', (code, signal) => {
      // Give already-buffered output a moment to arrive before dropping the pipes.
      setImmediate(() => finish({ status: code ?? (signal ? signalStatus(signal) : null), signal, timedOut, output }));
    });
  });
  return { child, pid: child.pid, done, kill: killGroup };
}

/** How an engine (critapp's, logmon's) runs the administrator's commands. */
export interface CommandSettings {
  /** A command still running after this long is killed (with its process group). */
  commandTimeoutMs: number;
  /** Working directory of the commands (and base of relative paths). */
  cwd: string | undefined;
  log: (level: 'info' | 'warning' | 'error', message: string) => void;
}

/** The settings an engine's options give, with their defaults (60 s, the agent's cwd, no log). */
export function commandSettings(opts: Partial<CommandSettings>): CommandSettings {
  return { commandTimeoutMs: opts.commandTimeoutMs ?? 60_000, cwd: opts.cwd, log: opts.log ?? (() => {}) };
}
