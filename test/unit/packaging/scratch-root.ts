// A scratch root directory in which package scripts really run (rpm --root and dpkg --root
// chroot into it): /bin/sh and the few programs the scripts use, copied from this host with
// the libraries ldd names, plus an /etc holding only root. Fake service tools (systemctl,
// update-rc.d) record how they were called, so the tests can see what the scripts asked for.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireTool } from '../../helpers/tools.js';

/** Programs the install scripts call, and the Debian packages that provide them. */
const TOOLS: [string, string][] = [
  ['sh', 'dash'], ['mkdir', 'coreutils'], ['chown', 'coreutils'], ['chgrp', 'coreutils'], ['chmod', 'coreutils'],
  ['mv', 'coreutils'], ['rm', 'coreutils'], ['cp', 'coreutils'], ['ln', 'coreutils'], ['cat', 'coreutils'],
  ['cmp', 'diffutils'], ['sed', 'sed'], ['grep', 'grep'], ['getent', 'libc-bin'], ['groupadd', 'passwd'], ['useradd', 'passwd'],
];

function copyWithLibs(root: string, file: string): void {
  const real = file;
  const libs = execFileSync('ldd', [real], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /=>\s*(\/\S+)/.exec(l)?.[1] ?? /^\s*(\/\S+)\s*\(/.exec(l)?.[1])
    .filter((x): x is string => !!x);
  for (const f of [real, ...libs]) {
    const dst = path.join(root, f);
    if (existsSync(dst)) continue;
    mkdirSync(path.dirname(dst), { recursive: true });
    copyFileSync(f, dst);
    chmodSync(dst, 0o755);
  }
}

export function makeScratchRoot(prefix = 'pkgroot-'): string {
  requireTool('ldd', 'libc-bin');
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(root, 0o755);
  for (const [name, deb] of TOOLS) {
    const found = requireTool(name, deb);
    // Keep the path the scripts expect: /bin/sh, /usr/sbin/useradd, …
    const where = name === 'sh' ? '/bin/sh' : found;
    copyWithLibs(root, found);
    if (where !== found) {
      mkdirSync(path.dirname(path.join(root, where)), { recursive: true });
      copyFileSync(found, path.join(root, where));
      chmodSync(path.join(root, where), 0o755);
    }
  }
  for (const d of ['etc', 'tmp', 'dev', 'var/log', 'usr/bin', 'usr/sbin', 'bin']) mkdirSync(path.join(root, d), { recursive: true });
  // Scripts send output to /dev/null: a real device node where we may make one (root with
  // CAP_MKNOD), else a plain file, which serves as well for writing.
  const devNull = path.join(root, 'dev/null');
  if (spawnSync('mknod', ['-m', '666', devNull, 'c', '1', '3']).status !== 0) writeFileSync(devNull, '', { mode: 0o666 });
  writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\n');
  writeFileSync(path.join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 });
  writeFileSync(path.join(root, 'etc/gshadow'), 'root:*::\n', { mode: 0o600 });
  return root;
}

/** Install a fake `name` in the root that appends its arguments to /var/log/NAME.calls. */
export function addRecordingTool(root: string, name: string, dir = '/usr/bin'): void {
  const f = path.join(root, dir, name);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, `#!/bin/sh\necho "$*" >> /var/log/${name}.calls\nexit 0\n`, { mode: 0o755 });
}

export function recordedCalls(root: string, name: string): string[] {
  const f = path.join(root, 'var/log', `${name}.calls`);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}

/** uid and gid of a user in the root's own /etc/passwd. */
export function accountIn(root: string, user: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync(path.join(root, 'etc/passwd'), 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === user) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

export function groupIn(root: string, group: string): number | undefined {
  for (const line of readFileSync(path.join(root, 'etc/group'), 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === group) return Number(f[2]);
  }
  return undefined;
}
