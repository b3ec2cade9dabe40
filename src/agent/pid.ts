// Pid-file helpers for ciagent, on the same checks sipd's pid file uses (src/common/pidfile.ts).
import { isProgram, processExists, programPidState, readPid, removePidFile } from '../common/pidfile.js';
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
export async function stopCiagent(pidFile: string): Promise<boolean> {
  const s = ciagentPidState(pidFile);
  if (s.state !== 'running') return true;
  process.kill(s.pid, 'SIGTERM');
  for (let i = 0; i < 150; i++) {
    if (!processExists(s.pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(s.pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
  removePidFile(pidFile, s.pid);
  return !processExists(s.pid);
}
