// DISMAN-SCRIPT-MIB (RFC 3165) rows as plain data, and the enumerations the engine uses.

export const SCRIPT_OIDS = {
  scriptMIB: '1.3.6.1.2.1.64',
  smRunExitCode: '1.3.6.1.2.1.64.1.4.2.1.7',
  smRunResult: '1.3.6.1.2.1.64.1.4.2.1.8',
  smRunEndTime: '1.3.6.1.2.1.64.1.4.2.1.4',
  smRunError: '1.3.6.1.2.1.64.1.4.2.1.11',
  smScriptAbort: '1.3.6.1.2.1.64.2.0.1',
  smScriptResult: '1.3.6.1.2.1.64.2.0.2',
  smScriptException: '1.3.6.1.2.1.64.2.0.3',
} as const;

/**
 * smLangLanguage of the one language we run, POSIX sh. IANA-LANGUAGE-MIB has no entry for
 * it, so it is named under our own enterprise arc: openSps.3 (openSpsLanguages) .1 (sh).
 * (openSps.1 holds our MIB modules, openSps.2 the products/sysObjectID arc of oids.ts.)
 * openSps is 1.3.6.1.4.1.32473 until a Private Enterprise Number is registered (see
 * mibs/OPENSPS-SMI); the vendor OID is openSps itself.
 */
export const OPENSPS_ENTERPRISE = '1.3.6.1.4.1.32473';
export const SH_LANGUAGE_OID = `${OPENSPS_ENTERPRISE}.3.1`;

export const SCRIPT_ADMIN = { enabled: 1, disabled: 2, editing: 3 } as const;
export type ScriptAdminStatus = keyof typeof SCRIPT_ADMIN;
export const SCRIPT_OPER = {
  enabled: 1, disabled: 2, editing: 3, retrieving: 4, compiling: 5, noSuchScript: 6, accessDenied: 7, wrongLanguage: 8,
  wrongVersion: 9, compilationFailed: 10, noResourcesLeft: 11, unknownProtocol: 12, protocolFailure: 13, genericError: 14,
} as const;
export type ScriptOperStatus = keyof typeof SCRIPT_OPER;

export const LAUNCH_ADMIN = { enabled: 1, disabled: 2, autostart: 3 } as const;
export type LaunchAdminStatus = keyof typeof LAUNCH_ADMIN;
export const LAUNCH_OPER = { enabled: 1, disabled: 2, expired: 3 } as const;
export type LaunchOperStatus = keyof typeof LAUNCH_OPER;

export const RUN_CONTROL = { abort: 1, suspend: 2, resume: 3, nop: 4 } as const;
export type RunControl = keyof typeof RUN_CONTROL;

export const RUN_STATE = { initializing: 1, executing: 2, suspending: 3, suspended: 4, resuming: 5, aborting: 6, terminated: 7 } as const;
export type RunState = keyof typeof RUN_STATE;

export const EXIT_CODE = {
  noError: 1, halted: 2, lifeTimeExceeded: 3, noResourcesLeft: 4, languageError: 5, runtimeError: 6, invalidArgument: 7, securityViolation: 8, genericError: 9,
} as const;
export type ExitCode = keyof typeof EXIT_CODE;

export interface LangRow {
  index: number;
  language: string;
  version: string;
  vendor: string;
  revision: string;
  descr: string;
}

/** A script the administrator registered: `command` runs with /bin/sh -c. */
export interface ScriptRow {
  owner: string;
  name: string;
  descr: string;
  /** smLangIndex of the language (1 = sh). */
  language: number;
  command: string;
  adminStatus: ScriptAdminStatus;
  lastChange: Date;
  /** File and line it was registered on. */
  origin: string;
}

export interface LaunchRow {
  owner: string;
  name: string;
  scriptOwner: string;
  scriptName: string;
  argument: string;
  maxRunning: number;
  maxCompleted: number;
  /** Centiseconds. */
  lifeTime: number;
  /** Centiseconds. */
  expireTime: number;
  /** smLaunchStart as read: the last run index launched, 0 if none. */
  lastStarted: number;
  adminStatus: LaunchAdminStatus;
  runIndexNext: number;
  error: string;
  lastChange: Date;
  origin: string;
}

export interface RunRow {
  launchOwner: string;
  launchName: string;
  index: number;
  argument: string;
  startTime: Date;
  endTime?: Date;
  /** Centiseconds the run may still execute, counted from `lifeTimeFrom`. */
  lifeTime: number;
  lifeTimeFrom: number;
  /** Centiseconds the row stays after termination, counted from `expireFrom`. */
  expireTime: number;
  expireFrom?: number;
  exitCode: ExitCode;
  result: Buffer;
  state: RunState;
  error: string;
  resultTime?: Date;
  errorTime?: Date;
}

/** RFC 2579 DateAndTime (11 octets, with the UTC offset); undefined → the "unknown" value. */
export function dateAndTime(d: Date | undefined): Buffer {
  if (!d) return Buffer.alloc(8);
  const b = Buffer.alloc(11);
  b.writeUInt16BE(d.getUTCFullYear(), 0);
  b[2] = d.getUTCMonth() + 1;
  b[3] = d.getUTCDate();
  b[4] = d.getUTCHours();
  b[5] = d.getUTCMinutes();
  b[6] = d.getUTCSeconds();
  b[7] = Math.floor(d.getUTCMilliseconds() / 100);
  b[8] = '+'.charCodeAt(0);
  b[9] = 0;
  b[10] = 0;
  return b;
}

/** The index part of a row OID for {owner, name}: both length-prefixed (no IMPLIED here). */
export function ownerNameIndex(owner: string, name: string): string {
  const enc = (s: string) => {
    const bytes = [...Buffer.from(s, 'utf8')];
    return [bytes.length, ...bytes].join('.');
  };
  return `${enc(owner)}.${enc(name)}`;
}
