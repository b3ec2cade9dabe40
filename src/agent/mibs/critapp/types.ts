// What the critical-application supervisor (./engine.ts) shows of itself: its options, the
// read-only snapshot of a row, exits, command failures and the events it emits.
import type { CritAppProcConfig } from './critagt-cnf.js';
import type { ShellResult } from './shell.js';

export type OperStatus = 'up' | 'down' | 'starting' | 'stopping';

export interface ExitInfo {
  readonly time: Date;
  /** Exit status (0-255, or 128 + signal); null when the process was not our child. */
  readonly code: number | null;
  /** True when the exit was asked for (admin status down or a stop in progress). */
  readonly requested: boolean;
}

/** A read-only snapshot of one row. */
export interface CritAppRow extends CritAppProcConfig {
  readonly operStatus: OperStatus;
  /** 0 when not running. */
  readonly pid: number;
  readonly lastStartTime: Date | undefined;
  readonly lastExit: ExitInfo | undefined;
  readonly restartCount: number;
  /** A restart is scheduled (the row waits out its restart interval). */
  readonly restartPending: boolean;
}

export interface RunningCounts {
  readonly numProcs: number;
  readonly numRunning: number;
}

export interface CommandFailure {
  readonly which: 'start' | 'stop';
  readonly command: string;
  readonly reason: 'exit' | 'timeout' | 'noProcess' | 'noCommand' | 'spawn';
  readonly result?: ShellResult;
}

export interface CritAppEngineOptions {
  /** How often /proc is scanned, ms (default 2000). */
  pollMs?: number;
  /** Limit for a start command to produce its process, and for a stop command (default 60 s). */
  commandTimeoutMs?: number;
  /** With no stop command: SIGTERM, then SIGKILL after this long (default 10 s). */
  stopGraceMs?: number;
  /** Working directory for the commands. */
  cwd?: string;
  log?: (level: 'info' | 'warning' | 'error', message: string) => void;
}

export interface CritAppEngineEvents {
  started: [row: CritAppRow];
  exited: [row: CritAppRow, exit: ExitInfo];
  allRunning: [counts: RunningCounts];
  notAllRunning: [counts: RunningCounts];
  commandFailed: [row: CritAppRow, failure: CommandFailure];
}
