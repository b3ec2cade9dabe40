// Replacing a file so that a reader, a crash or a power cut sees the old text or the new,
// never half of one: sipd.conf and persistent_tcp.conf from pserver, pserver's accounts,
// the agent's .cnf files.
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Replace the file by `text` in one step: temp file in the same directory, fsync, same mode
 * and owner, rename, fsync of the directory. A missing file is made with `newMode`; `mode`
 * sets the mode whatever the file had (a file that must stay private).
 */
export function writeAtomic(file: string, text: string, opts: { newMode?: number; mode?: number } = {}): void {
  const old = existsSync(file) ? statSync(file) : undefined;
  const st = {
    mode: opts.mode ?? old?.mode ?? opts.newMode ?? 0o644,
    uid: old?.uid ?? process.getuid?.() ?? 0,
    gid: old?.gid ?? process.getgid?.() ?? 0,
  };
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', st.mode & 0o777);
  try {
    writeSync(fd, text);
    fchmodSync(fd, st.mode & 0o777); // openSync's mode is cut by the umask
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (process.getuid?.() === 0) chownSync(tmp, st.uid, st.gid);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  // The rename is durable once the directory is on disk too.
  const dir = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
