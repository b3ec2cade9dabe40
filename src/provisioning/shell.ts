// What the shell's own features (accounts, audit) get besides PserverDeps.
import type { PserverDeps } from './deps.js';
import type { AccountStore } from './accounts.js';
import type { AuditLog } from './audit.js';

export interface ShellDeps extends PserverDeps {
  readonly accounts: AccountStore;
  readonly auditLog: AuditLog;
}
