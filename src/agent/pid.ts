// Pid-file helpers for ciagent (src/server/pidfile.ts checks for sipd processes).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { processExists, readPid, removePidFile } from '../server/pidfile.js';

export type CiagentState = { state: 'absent' } | { state: 'running'; pid: number } | { state: 'stale'; pid?: number };

export const readCiagentPid = readPid;

/** True when pid is a live process whose command line names ciagent. */
export function isCiagent(pid: number): boolean {
  if (!processExists(pid)) return false;
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').some((arg) => ['ciagent', 'ciagent.js'].includes(path.basename(arg)));
  } catch {
    return false;
  }
}

export function ciagentPidState(file: string): CiagentState {
  if (!existsSync(file)) return { state: 'absent' };
  const pid = readPid(file);
  if (pid === undefined) return { state: 'stale' };
  return pid !== process.pid && isCiagent(pid) ? { state: 'running', pid } : { state: 'stale', pid };
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
