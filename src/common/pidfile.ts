// The pid file: written at start, read by the sip control script, removed at stop.
// A pid file naming a live sipd stops a second one from starting; one naming a dead
// process (or some other program that reused the pid) is stale and is replaced.
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type PidFileState =
  | { readonly state: 'absent' }
  | { readonly state: 'running'; readonly pid: number }
  /** The file exists but names no live sipd (or holds no pid at all). */
  | { readonly state: 'stale'; readonly pid?: number };

/** Read the pid in a pid file; undefined when missing or unreadable. */
export function readPid(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^\s*(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const pid = Number(m[1]);
  return pid > 0 ? pid : undefined;
}

/**
 * True when a live process has this pid (whoever owns it). A zombie — exited, not yet
 * reaped by its parent (often init, for a daemon) — counts as gone.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // /proc/PID/stat: "pid (comm) S ..." — comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false; // no /proc here, or the process just went away
  }
}

/**
 * True when the process looks like a sipd: on systems with /proc its program or
 * script is named sipd; elsewhere any live process is given the benefit of the doubt.
 */
export function isSipd(pid: number): boolean {
  return isProgram(pid, 'sipd');
}

/** True when pid is a live process running the program `name` (bin/NAME or dist/src/cli/NAME.js). */
export function isProgram(pid: number, name: string): boolean {
  if (!processExists(pid)) return false;
  // Without /proc (Solaris) a live pid is taken at its word.
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1')
      .split('\0')
      .some((arg) => [name, `${name}.js`].includes(path.basename(arg)));
  } catch {
    return false;
  }
}

export function pidFileState(file: string): PidFileState {
  return programPidState(file, 'sipd');
}

/** What a pid file says about the program `name`: absent, stale, or running with its pid. */
export function programPidState(file: string, name: string): PidFileState {
  if (!existsSync(file)) return { state: 'absent' };
  const pid = readPid(file);
  if (pid === undefined) return { state: 'stale' };
  if (pid !== process.pid && isProgram(pid, name)) return { state: 'running', pid };
  return { state: 'stale', pid };
}

/** Write our pid atomically (temporary file, then rename), creating the directory. */
export function writePidFile(file: string, pid: number = process.pid): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${pid}.tmp`;
  writeFileSync(tmp, `${pid}\n`, { mode: 0o644 });
  renameSync(tmp, file);
}

/** Remove the pid file if it still names this process (never someone else's). */
export function removePidFile(file: string, pid: number = process.pid): void {
  if (readPid(file) !== pid) return;
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/** Remove a pid file whatever it says (for stale files). */
export function removeStalePidFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/**
 * Stop the program `name` whose pid a pid file holds: SIGTERM, wait up to waitMs, then
 * SIGKILL (and remove the file it could not). True when it no longer runs afterwards.
 */
export async function stopProgram(pidFile: string, name: string, waitMs = 15_000): Promise<boolean> {
  const s = programPidState(pidFile, name);
  if (s.state !== 'running') return true;
  if (await terminate([s.pid], waitMs)) return true;
  removePidFile(pidFile, s.pid); // killed: it could not remove its own
  return !processExists(s.pid);
}

/** SIGTERM these processes, wait up to waitMs for them to go, then SIGKILL the rest. True when all went in time. */
export async function terminate(pids: readonly number[], waitMs: number): Promise<boolean> {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone meanwhile, or not ours */
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  for (const until = Date.now() + waitMs; Date.now() < until; ) {
    if (!pids.some(processExists)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const pid of pids) if (processExists(pid)) signal(pid, 'SIGKILL');
  return false;
}

/** Where a background sipd's stderr goes: beside the pid file (Node's own fatal errors land there). */
export function daemonStderrPath(pidFile: string): string {
  return path.join(path.dirname(pidFile), 'sipd.stderr');
}
