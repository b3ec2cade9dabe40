// pserver's user accounts: <ServerRoot>/data/pserver/accounts.json, mode 0600, replaced
// atomically (written beside, then renamed) so a crash never leaves half a file. Passwords
// are scrypt hashes (common/web/passwords.ts). This is the kit's UserDirectory for pserver.
import { chmodSync, existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../common/atomic-file.js';
import type { Role, UserDirectory, WebUser } from '../common/web/contract.js';
import { ROLES } from '../common/web/contract.js';
import { hashPassword, passwordProblem, randomPassword, verifyPassword } from '../common/web/passwords.js';

export interface Account {
  readonly name: string;
  readonly role: Role;
  readonly hash: string;
  /** Still the initial (or reset) password: nothing but the password change is allowed. */
  readonly mustChange: boolean;
  readonly changed: string;
}

export type AccountSummary = Omit<Account, 'hash'>;

/** The guide's first account. */
export const FIRST_ADMIN = 'cspsuser';

/** Any printable characters but spaces, up to 64: the GUI shows names escaped, so no character is dangerous there. */
export function accountNameProblem(name: string): string | null {
  if (!/^[^\s\u0000-\u001f\u007f]{1,64}$/u.test(name)) return 'a user ID is 1 to 64 characters without spaces or control characters';
  return null;
}

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}

export class AccountError extends Error {}

export class AccountStore implements UserDirectory {
  private accounts: Account[];
  /** verify() of an unknown name still spends one scrypt, so timing does not tell which names exist. */
  private dummyHash: Promise<string> | undefined;

  private constructor(
    readonly file: string,
    /** Where ensureFirstAdmin leaves the one-time password; removed once it has been changed. */
    readonly initialPasswordFile: string,
  ) {
    this.accounts = AccountStore.read(file);
  }

  static open(dir: string): AccountStore {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new AccountStore(path.join(dir, 'accounts.json'), path.join(dir, 'initial-password'));
  }

  private static read(file: string): Account[] {
    if (!existsSync(file)) return [];
    const data = JSON.parse(readFileSync(file, 'utf8')) as { accounts?: unknown };
    if (!Array.isArray(data.accounts)) throw new Error(`${file}: no "accounts" list`);
    return data.accounts.map((a: Record<string, unknown>, i: number) => {
      if (typeof a.name !== 'string' || !isRole(a.role) || typeof a.hash !== 'string') throw new Error(`${file}: account ${i + 1} is malformed`);
      return { name: a.name, role: a.role, hash: a.hash, mustChange: a.mustChange === true, changed: String(a.changed ?? '') };
    });
  }

  private save(next: Account[]): void {
    writeAtomic(this.file, JSON.stringify({ version: 1, accounts: next }, null, 2) + '\n', { mode: 0o600 });
    this.accounts = next;
  }

  private find(name: string): Account | undefined {
    return this.accounts.find((a) => a.name === name);
  }

  private need(name: string): Account {
    const a = this.find(name);
    if (!a) throw new AccountError(`there is no user ${name}`);
    return a;
  }

  private replace(name: string, change: Partial<Account>): void {
    this.save(this.accounts.map((a) => (a.name === name ? { ...a, ...change, changed: new Date().toISOString() } : a)));
  }

  private administrators(): number {
    return this.accounts.filter((a) => a.role === 'administrator').length;
  }

  list(): AccountSummary[] {
    return this.accounts.map(({ hash: _hash, ...rest }) => rest).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): AccountSummary | undefined {
    const a = this.find(name);
    if (!a) return undefined;
    const { hash: _hash, ...rest } = a;
    return rest;
  }

  get count(): number {
    return this.accounts.length;
  }

  async verify(name: string, password: string): Promise<WebUser | null> {
    const a = this.find(name);
    if (!a) {
      this.dummyHash ??= hashPassword(randomPassword());
      await verifyPassword(password, await this.dummyHash);
      return null;
    }
    return (await verifyPassword(password, a.hash)) ? { name: a.name, role: a.role } : null;
  }

  mustChangePassword(name: string): boolean {
    return this.find(name)?.mustChange ?? false;
  }

  async changePassword(name: string, newPassword: string): Promise<void> {
    await this.setPassword(name, newPassword, false);
    this.forgetInitialPassword(name);
  }

  /** Checks and hashes `password` and stores it; `mustChange` makes it an initial one. */
  private async setPassword(name: string, password: string, mustChange: boolean): Promise<void> {
    this.need(name);
    const problem = passwordProblem(name, password);
    if (problem) throw new AccountError(problem);
    const hash = await hashPassword(password);
    this.replace(name, { hash, mustChange });
  }

  /** The one-time password file has served its purpose once its user chose a password (or is gone). */
  private forgetInitialPassword(name: string): void {
    try {
      if (readFileSync(this.initialPasswordFile, 'utf8').split(' ')[0] === name) unlinkSync(this.initialPasswordFile);
    } catch {
      /* no such file */
    }
  }

  /** A new account with an initial password the user must change at first login. */
  async add(name: string, role: Role, password: string): Promise<void> {
    const problem = accountNameProblem(name) ?? passwordProblem(name, password);
    if (problem) throw new AccountError(problem);
    if (this.find(name)) throw new AccountError(`user ${name} already exists`);
    const hash = await hashPassword(password);
    if (this.find(name)) throw new AccountError(`user ${name} already exists`);
    this.save([...this.accounts, { name, role, hash, mustChange: true, changed: new Date().toISOString() }]);
  }

  setRole(name: string, role: Role): void {
    const a = this.need(name);
    if (a.role === 'administrator' && role !== 'administrator' && this.administrators() === 1) {
      throw new AccountError(`${name} is the last administrator; make another user administrator first`);
    }
    this.replace(name, { role });
  }

  /** An administrator sets a new initial password; the user must change it at next login. */
  resetPassword(name: string, password: string): Promise<void> {
    return this.setPassword(name, password, true);
  }

  remove(name: string): void {
    const a = this.need(name);
    if (a.role === 'administrator' && this.administrators() === 1) throw new AccountError(`${name} is the last administrator and cannot be deleted`);
    this.save(this.accounts.filter((x) => x.name !== name));
    this.forgetInitialPassword(name);
  }

  /**
   * At first start (no account at all): the administrator `name` with a random one-time
   * password, written to initialPasswordFile (0600). Returns that password, or null when accounts exist.
   */
  async ensureFirstAdmin(name = FIRST_ADMIN, password = randomPassword()): Promise<string | null> {
    if (this.accounts.length) return null;
    await this.add(name, 'administrator', password);
    writeFileSync(this.initialPasswordFile, `${name} ${password}\n`, { mode: 0o600 });
    chmodSync(this.initialPasswordFile, 0o600);
    return password;
  }
}
