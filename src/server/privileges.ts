// Dropping root. sipd started by root binds its sockets and opens its logs first, then
// hands the log directories to User/Group and switches to that account for good.
// Started by anyone else it simply keeps its own account (User/Group do not apply).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Account {
  readonly uid: number;
  readonly gid: number;
  /** Name of the user, when known (used for the supplementary groups). */
  readonly userName?: string;
  readonly groupName?: string;
}

export type AccountResult = { readonly ok: true; readonly account: Account } | { readonly ok: false; readonly error: string };

interface Where {
  /** "file:line" where User / Group were set, for messages. */
  readonly user?: string;
  readonly group?: string;
}

/** True when this process may change its user (it runs as root). */
export function isRoot(): boolean {
  return typeof process.geteuid === 'function' && process.geteuid() === 0;
}

/** One line of the passwd or group database: getent where it exists, else the flat file. */
function lookup(db: 'passwd' | 'group', key: string): string[] | undefined {
  try {
    const out = execFileSync('getent', [db, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    const line = out.split('\n')[0];
    return line ? line.split(':') : undefined;
  } catch (e) {
    // getent exits 2 for "not found"; only fall back to the file when getent is missing.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  const file = `/etc/${db}`;
  if (!existsSync(file)) return undefined;
  const numeric = /^\d+$/.test(key);
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = line.split(':');
    if (f.length < 3) continue;
    if (numeric ? f[2] === key : f[0] === key) return f;
  }
  return undefined;
}

/**
 * Resolve User and Group (names, or #id as in Apache) to numeric ids. A name that
 * does not exist is an error that says how to create it or what to change.
 */
export function resolveAccount(user: string, group: string, where: Where = {}): AccountResult {
  const u = user.trim();
  const g = group.trim();
  let uid: number;
  let userName: string | undefined;
  if (/^#\d+$/.test(u)) {
    uid = Number(u.slice(1));
    const entry = lookup('passwd', String(uid));
    userName = entry?.[0];
  } else {
    const entry = lookup('passwd', u);
    if (!entry) {
      const grp = g.startsWith('#') ? u : g;
      return {
        ok: false,
        error:
          `User "${u}"${where.user ? ` (${where.user})` : ''} does not exist on this host. ` +
          `Create the account, e.g. "groupadd -r ${grp}; useradd -r -g ${grp} -s /sbin/nologin ${u}", ` +
          `or set User to an existing account in sipd.conf (or with -c "User name").`,
      };
    }
    uid = Number(entry[2]);
    userName = entry[0];
  }
  let gid: number;
  let groupName: string | undefined;
  if (/^#\d+$/.test(g)) {
    gid = Number(g.slice(1));
    groupName = lookup('group', String(gid))?.[0];
  } else {
    const entry = lookup('group', g);
    if (!entry) {
      return {
        ok: false,
        error:
          `Group "${g}"${where.group ? ` (${where.group})` : ''} does not exist on this host. ` +
          `Create it, e.g. "groupadd -r ${g}", or set Group to an existing group in sipd.conf (or with -c "Group name").`,
      };
    }
    gid = Number(entry[2]);
    groupName = entry[0];
  }
  return { ok: true, account: { uid, gid, userName, groupName } };
}

/**
 * Give the directories holding these files (and the files themselves, when they
 * exist) to the account, so it can reopen and rotate its logs after the switch.
 */
export function chownForAccount(files: readonly string[], account: Account): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const paths = [...new Set(files.map((f) => path.dirname(f)))].concat(files);
  for (const p of paths) {
    if (seen.has(p) || !existsSync(p)) continue;
    seen.add(p);
    try {
      chownSync(p, account.uid, account.gid);
    } catch (e) {
      problems.push(`cannot give ${p} to ${account.uid}:${account.gid}: ${(e as Error).message}`);
    }
  }
  return problems;
}

/** Switch to the account for good: supplementary groups, then group, then user. */
export function switchTo(account: Account): void {
  // process.initgroups exists on POSIX but is missing from @types/node 20.
  const initgroups = (process as unknown as { initgroups?: (user: string, extraGroup: number) => void }).initgroups;
  if (account.userName && typeof initgroups === 'function') initgroups.call(process, account.userName, account.gid);
  else if (typeof process.setgroups === 'function') process.setgroups([account.gid]);
  process.setgid!(account.gid);
  process.setuid!(account.uid);
}
