// Pid-file helpers for ciagent, on the same checks sipd's pid file uses (src/common/pidfile.ts).
import { isProgram, programPidState, readPid, stopProgram } from '../common/pidfile.js';
import type { PidFileState } from '../common/pidfile.js';

export type CiagentState = PidFileState;

export const readCiagentPid = readPid;

/** True when pid is a live process whose command line names ciagent. */
export function isCiagent(pid: number): boolean {
  return isProgram(pid, 'ciagent');
}

export function ciagentPidState(file: string): CiagentState {
  return programPidState(file, 'ciagent');
}

/** SIGTERM, wait up to 15 s, then SIGKILL. True when no ciagent runs afterwards. */
export function stopCiagent(pidFile: string): Promise<boolean> {
  return stopProgram(pidFile, 'ciagent');
}
