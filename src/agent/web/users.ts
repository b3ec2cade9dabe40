// Dr-Web's users: the httpUserNameEntry lines of snmpd.cnf, as the guide has an administrator
// add them ("Creating a CIAgent Dr-Web User ID"):
//
//   httpUserNameEntry NAME ACCESS - STORAGE PASSWORD
//
// ACCESS is CIAgent's access level, mapped onto the web kit's roles: SystemAdmin →
// administrator, Operator → operator, ReadOnly → read-only (the role names themselves are
// accepted too). The third field is CIAgent's and kept as written. STORAGE is checked like
// every snmpd.cnf storage type. PASSWORD must be a hash made by `ciagent --hash-password`
// (scrypt, src/common/web/passwords.ts): CIAgent kept the password in clear, which anyone
// who can read the file (or a backup of it) could use, so a line with a clear-text password
// is refused with a message saying how to hash it, and that user cannot sign in.
//
// The entries are read when Dr-Web starts and on SIGHUP; each problem comes back with the
// file and line. A password changed from the page replaces that user's line in place
// (atomically, other lines byte for byte: ../cnf/cnf-rewrite.ts).
import { readFileSync } from 'node:fs';
import type { ConfigMessage } from '../../config/loader.js';
import type { Role, UserDirectory, WebUser } from '../../common/web/contract.js';
import { nearest } from '../../config/suggest.js';
import { readEntryLines } from '../cnf/entry-lines.js';
import type { EntryLine } from '../cnf/entry-lines.js';
import { cnfField, editCnfFile } from '../cnf/cnf-rewrite.js';

/** How passwords are hashed and checked (the web kit's scrypt, src/common/web/passwords.ts). */
export interface PasswordHashing {
  hash(password: string): Promise<string>;
  /** True when `password` matches `stored`; false for anything else, never throws. */
  verify(password: string, stored: string): Promise<boolean>;
  /** True when `stored` is a hash this module can verify (not a clear-text password). */
  isHash(stored: string): boolean;
  /** Why a new password is not acceptable (too short...), or undefined. */
  weakness(user: string, password: string): string | undefined;
}

/** CIAgent's access levels (and the kit's role names), case-insensitive. */
export const ACCESS_LEVELS: Readonly<Record<string, Role>> = {
  SystemAdmin: 'administrator',
  Operator: 'operator',
  ReadOnly: 'read-only',
  administrator: 'administrator',
  operator: 'operator',
  'read-only': 'read-only',
};

const STORAGE = ['other', 'volatile', 'nonVolatile', 'permanent', 'readOnly'];
export const ENTRY = 'httpUserNameEntry';
export const FORM = `${ENTRY} NAME SystemAdmin|Operator|ReadOnly - nonVolatile HASH`;

export interface HttpUser {
  readonly name: string;
  readonly role: Role;
  /** The ACCESS field as written (kept when the line is rewritten). */
  readonly access: string;
  readonly reserved: string;
  readonly storage: string;
  readonly hash: string;
  readonly line: number;
}

export interface HttpUsersResult {
  readonly users: HttpUser[];
  readonly messages: ConfigMessage[];
}

/** The usable users of snmpd.cnf's text; every bad httpUserNameEntry is a message with its line. */
export function parseHttpUsers(text: string, file: string, hashing: Pick<PasswordHashing, 'isHash'>): HttpUsersResult {
  const users: HttpUser[] = [];
  const messages: ConfigMessage[] = [];
  for (const e of readEntryLines(text, file).entries) {
    if (e.type !== ENTRY) continue;
    const problem = (col: number, message: string) => messages.push({ severity: 'error', file, line: e.line, col, message });
    const user = readEntry(e, hashing, problem);
    if (!user) continue;
    const twin = users.find((u) => u.name === user.name);
    if (twin) {
      problem(e.fields[0].col, `${ENTRY} ${user.name} is already defined on line ${twin.line}; this one is ignored`);
      continue;
    }
    users.push(user);
  }
  return { users, messages };
}

function readEntry(e: EntryLine, hashing: Pick<PasswordHashing, 'isHash'>, problem: (col: number, message: string) => void): HttpUser | undefined {
  const f = e.fields;
  if (f.length !== 5) {
    problem(1, `${ENTRY} takes 5 fields, found ${f.length}: ${FORM}`);
    return undefined;
  }
  const [name, access, reserved, storage, password] = f;
  if (name.dash || !/^[A-Za-z0-9._@-]{1,64}$/.test(name.text)) {
    problem(name.col, `${ENTRY}: user name '${name.text}' must be 1 to 64 letters, digits or . _ @ -`);
    return undefined;
  }
  const level = Object.keys(ACCESS_LEVELS).find((k) => k.toLowerCase() === access.text.toLowerCase());
  if (!level) {
    const near = nearest(access.text, Object.keys(ACCESS_LEVELS));
    problem(access.col, `${ENTRY} ${name.text}: access level '${access.text}' is not valid${near ? ` (did you mean ${near}?)` : ''}; valid: SystemAdmin (administrator), Operator (operator), ReadOnly (read-only)`);
    return undefined;
  }
  if (!STORAGE.some((s) => s.toLowerCase() === storage.text.toLowerCase())) {
    problem(storage.col, `${ENTRY} ${name.text}: storage type '${storage.text}' is not valid; valid: ${STORAGE.join(', ')}`);
    return undefined;
  }
  if (password.dash || password.text === '') {
    problem(password.col, `${ENTRY} ${name.text} has no password; make one with: ciagent --hash-password ${name.text} ${level}`);
    return undefined;
  }
  if (!hashing.isHash(password.text)) {
    problem(password.col, `${ENTRY} ${name.text} has a clear-text password, which Dr-Web refuses (anyone who can read the file could use it); replace the line with the one \`ciagent --hash-password ${name.text} ${level}\` prints`);
    return undefined;
  }
  return { name: name.text, role: ACCESS_LEVELS[level], access: access.text, reserved: reserved.dash ? '-' : reserved.text, storage: storage.text, hash: password.text, line: e.line };
}

/** The line `ciagent --hash-password` prints and a password change writes. */
export function formatHttpUser(u: Pick<HttpUser, 'name' | 'access' | 'reserved' | 'storage' | 'hash'>): string {
  return [ENTRY, cnfField(u.name), cnfField(u.access), u.reserved === '-' ? '-' : cnfField(u.reserved), cnfField(u.storage), cnfField(u.hash)].join(' ');
}

export interface HttpUserDirectoryOptions {
  /** snmpd.cnf */
  readonly file: string;
  readonly hashing: PasswordHashing;
  /** Reads the file (tests hand in text); default: readFileSync. */
  readonly read?: () => string;
}

/**
 * The kit's UserDirectory over snmpd.cnf. `load()` (at start and on SIGHUP) replaces the
 * users only when the file could be read; its messages are for the agent's log.
 */
export class HttpUserDirectory implements UserDirectory {
  private users = new Map<string, HttpUser>();

  constructor(private readonly opts: HttpUserDirectoryOptions) {}

  load(): ConfigMessage[] {
    let text: string;
    try {
      text = this.opts.read ? this.opts.read() : readFileSync(this.opts.file, 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return [{ severity: 'error', file: this.opts.file, line: 0, col: 0, message: `cannot read: ${err.code ?? err.message}; the Dr-Web users are kept as they were` }];
    }
    const { users, messages } = parseHttpUsers(text, this.opts.file, this.opts.hashing);
    this.users = new Map(users.map((u) => [u.name, u]));
    return messages;
  }

  list(): HttpUser[] {
    return [...this.users.values()];
  }

  async verify(name: string, password: string): Promise<WebUser | null> {
    const u = this.users.get(name);
    if (!u) return null;
    try {
      return (await this.opts.hashing.verify(password, u.hash)) ? { name: u.name, role: u.role } : null;
    } catch {
      return null;
    }
  }

  /** A hashed httpUserNameEntry is a password its owner chose: nothing to force. */
  mustChangePassword(_name: string): boolean {
    return false;
  }

  async changePassword(name: string, newPassword: string): Promise<void> {
    const u = this.users.get(name);
    if (!u) throw new Error(`no Dr-Web user ${name} in ${this.opts.file}`);
    const weak = this.opts.hashing.weakness(name, newPassword);
    if (weak) throw new Error(weak);
    if (await this.opts.hashing.verify(newPassword, u.hash)) throw new Error('the new password is the same as the current one');
    const next: HttpUser = { ...u, hash: await this.opts.hashing.hash(newPassword) };
    let found = false;
    editCnfFile(this.opts.file, {
      replace: (e) => {
        if (e.type !== ENTRY || e.fields[0]?.text !== name) return undefined;
        found = true;
        return formatHttpUser(next);
      },
    });
    if (!found) throw new Error(`${ENTRY} ${name} is no longer in ${this.opts.file} (edited meanwhile?); the password was not changed`);
    this.users.set(name, next);
  }
}
