// Reading and writing sps_setup's files: each file is read once into lines, edited, and
// written through a temporary file and a rename, keeping the old file's mode and owner;
// a file holding a password is made private to root and the csps group.
import { chmodSync, chownSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface FileEdit {
  readonly file: string;
  readonly before: string | undefined;
  lines: string[];
}

export function readEdit(file: string): FileEdit {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  return { file, before, lines: (before ?? '').replace(/\r\n/g, '\n').split('\n') };
}

export const textOf = (e: FileEdit) => e.lines.join('\n').replace(/\n*$/, '\n');

interface Perms {
  mode: number;
  uid: number;
  gid: number;
}

/** Name and id pairs of /etc/passwd or /etc/group (empty when unreadable). */
function idTable(file: '/etc/passwd' | '/etc/group'): Array<[string, number]> {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .filter((f) => /^\d+$/.test(f[2] ?? ''))
      .map((f) => [f[0], Number(f[2])]);
  } catch {
    return [];
  }
}

const groupId = (name: string) => idTable('/etc/group').find(([n]) => n === name)?.[1];
/** A user's uid from /etc/passwd, if the user exists. */
export const userId = (name: string) => idTable('/etc/passwd').find(([n]) => n === name)?.[1];
export { groupId };
export const idName = (file: '/etc/passwd' | '/etc/group', id: number) => idTable(file).find(([, i]) => i === id)?.[0] ?? String(id);

/**
 * Mode and owner for a file: the old file's, or `newMode` for a new one. A file holding a
 * password (`secret`) loses group write and every right of others; run as root, where the
 * csps group exists, it becomes root:csps 0640, as the packages install it.
 */
export function permsFor(file: string, newMode: number, secret: boolean): Perms {
  let p: Perms;
  if (existsSync(file)) {
    const st = statSync(file);
    p = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } else {
    const st = statSync(path.dirname(file));
    p = { mode: newMode, uid: process.getuid?.() ?? st.uid, gid: st.gid };
  }
  if (secret) {
    p.mode &= ~0o027;
    const csps = process.geteuid?.() === 0 ? groupId('csps') : undefined;
    if (csps !== undefined) p = { mode: 0o640, uid: 0, gid: csps };
  }
  return p;
}

export function applyPerms(file: string, p: Perms): void {
  chmodSync(file, p.mode);
  if (process.geteuid?.() === 0) chownSync(file, p.uid, p.gid);
}

/** Write via a temporary file and rename, with permsFor's mode and owner from the start. */
export function writeKeeping(file: string, text: string, newMode: number, secret = false): void {
  const tmp = `${file}.sps_setup.${process.pid}`;
  const p = permsFor(file, newMode, secret);
  writeFileSync(tmp, text, { mode: p.mode & 0o600 });
  applyPerms(tmp, p);
  renameSync(tmp, file);
}

export const modeText = (m: number) => `0${(m & 0o7777).toString(8).padStart(3, '0')}`;
