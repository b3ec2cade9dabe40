// Finding processes by name in /proc (Linux; Solaris's /proc differs and is not read here).
//
// A process "is called NAME" when any of these holds:
//   - its command name (/proc/PID/stat's comm, which the kernel cuts to 15 characters)
//     equals NAME (cut the same way): compiled daemons such as mysqld;
//   - the last path component of argv[0] equals NAME: programs started under another
//     name with `exec -a NAME` or through a symbolic link;
//   - argv[0] is a script interpreter (node, sh, bash, perl, python…) and its first
//     non-option argument, without directories and a .js/.mjs/.cjs/.py/.pl/.sh suffix,
//     equals NAME: our own sipd and pserver run as `node …/bin/sipd`.
// Zombies (exited, not yet reaped) do not count, nor does the scanning process itself.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const COMM_MAX = 15;
const INTERPRETERS = /^(node|nodejs|sh|bash|dash|ksh|zsh|perl|python[0-9.]*|ruby)$/;
const SCRIPT_SUFFIX = /\.(js|mjs|cjs|py|pl|sh)$/;

export interface ProcInfo {
  readonly pid: number;
  readonly comm: string;
  readonly argv: readonly string[];
}

/** The names a process answers to, per the rules above. */
export function namesOf(p: ProcInfo): Set<string> {
  const names = new Set<string>([p.comm]);
  const argv0 = p.argv[0] ? path.basename(p.argv[0]) : '';
  if (argv0) names.add(argv0);
  if (INTERPRETERS.test(argv0)) {
    const script = p.argv.slice(1).find((a) => !a.startsWith('-'));
    if (script) names.add(path.basename(script).replace(SCRIPT_SUFFIX, ''));
  }
  return names;
}

/** True when process p is called `name`. */
export function processIsCalled(p: ProcInfo, name: string): boolean {
  if (p.comm === name.slice(0, COMM_MAX)) return true;
  return namesOf(p).has(name);
}

/** One process's name information; undefined when it does not exist or is a zombie. */
export async function processInfo(pid: number): Promise<ProcInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (open < 0 || close < open) return undefined;
    const state = stat.charAt(close + 2);
    if (state === 'Z' || state === 'X') return undefined;
    const comm = stat.slice(open + 1, close);
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const argv = cmdline.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
    return { pid, comm, argv };
  } catch {
    return undefined; // gone while we looked
  }
}

/** Every live process (not zombies, not this one). */
export async function listProcesses(): Promise<ProcInfo[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => pid !== process.pid);
  const found = await Promise.all(pids.map(processInfo));
  return found.filter((p): p is ProcInfo => p !== undefined);
}

/** For each wanted name, the pids of the processes called that, lowest first. */
export async function findProcesses(names: Iterable<string>): Promise<Map<string, number[]>> {
  const wanted = [...new Set(names)];
  const result = new Map<string, number[]>(wanted.map((n) => [n, []]));
  if (wanted.length === 0) return result;
  for (const p of await listProcesses()) {
    for (const n of wanted) if (processIsCalled(p, n)) result.get(n)!.push(p.pid);
  }
  for (const list of result.values()) list.sort((a, b) => a - b);
  return result;
}
