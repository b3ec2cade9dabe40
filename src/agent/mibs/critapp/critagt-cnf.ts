// critagt.cnf: the critical-application table's start-up rows and its two trap switches.
//
//   critAppProcEntry INDEX NAME START-CMD STOP-CMD ADMIN RESTART-ON-EXIT RESTART-INTERVAL
//                    TRAP-ON-EXIT TRAP-ON-START FIND-ON-STARTUP [PID-FILE]
//   critAppTrapWhenNotAllRunning true|false
//   critAppTrapWhenAllRunning    true|false
//
// ADMIN is up(1)/down(2); the switches are true/false (or 1/2); RESTART-INTERVAL is in
// centiseconds. Fields missing at the end of an entry take the CRITAPP-MIB defaults with a
// warning (the guide's own example prints one entry with its last field missing).
// A `-` stop command means "signal the process" (critAppTerminateCommand empty).
// PID-FILE is OpenSPS's addition (critAppPidFile): when given, the process is the one whose
// pid that file holds (and that is called NAME), not any process called NAME — needed
// when several instances of a program run on one host. Without it the field is not
// missing: CIAgent files have ten fields.
// A bad entry is reported (file:line:col) and left out; the rest of the file still loads.
import { readFileSync } from 'node:fs';
import type { ConfigMessage } from '../../../config/loader.js';
import { cnfField, editCnfFile } from '../../cnf/cnf-rewrite.js';
import { enumField, fieldDescriptionWarning, fieldReader, indexClaims, intField, isFieldDescription, noErrors, readEntryLines, reporters, stringField, truthField, unknownEntryError } from '../../cnf/entry-lines.js';
import type { EntryLine, Report } from '../../cnf/entry-lines.js';

export type AdminStatus = 'up' | 'down';
export const ADMIN_STATUS = { up: 1, down: 2 } as const;

/** One critAppProcEntry: the configured (writable) columns of a critAppProcTable row. */
export interface CritAppProcConfig {
  index: number;
  name: string;
  startCommand: string;
  /** Empty: stop by signalling the process (SIGTERM, then SIGKILL). */
  terminateCommand: string;
  adminStatus: AdminStatus;
  restartOnExit: boolean;
  /** Centiseconds between an unexpected exit and the restart. */
  restartInterval: number;
  trapOnExit: boolean;
  trapOnStart: boolean;
  findOnStartup: boolean;
  /** Pid file naming the process (relative to the install directory); empty: find by name. */
  pidFile: string;
}

export interface CritagtConfig {
  procs: CritAppProcConfig[];
  trapWhenNotAllRunning: boolean;
  trapWhenAllRunning: boolean;
}

export interface CritagtResult {
  config: CritagtConfig;
  messages: ConfigMessage[];
  /** True when no message is an error. */
  ok: boolean;
}

/** The CRITAPP-MIB DEFVALs, used for fields an entry leaves out. */
export const CRITAPP_DEFAULTS = {
  adminStatus: 'down' as AdminStatus,
  restartOnExit: false,
  restartInterval: 3000,
  trapOnExit: true,
  trapOnStart: true,
  findOnStartup: true,
  pidFile: '',
};

const PROC_FIELDS = [
  'index',
  'process name',
  'start command',
  'stop command',
  'intended operation status',
  'restart on exit',
  'restart interval',
  'send trap on exit',
  'send trap on start',
  'find process on startup',
  'pid file',
] as const;
/** CIAgent's ten fields; the eleventh (pid file) is ours and optional. */
const PROC_CIAGENT_FIELDS = 10;
/** Index, name and start command cannot be defaulted. */
const PROC_REQUIRED = 3;

const ENTRY_TYPES = ['critAppProcEntry', 'critAppTrapWhenNotAllRunning', 'critAppTrapWhenAllRunning'];
const INT32_MAX = 2147483647;

export function parseCritagtCnf(text: string, file: string): CritagtResult {
  const { entries, messages } = readEntryLines(text, file);
  const config: CritagtConfig = { procs: [], trapWhenNotAllRunning: false, trapWhenAllRunning: false };
  const { err, warn } = reporters(file, messages);
  const claim = indexClaims('critAppProcEntry', err);

  for (const e of entries) {
    switch (e.type) {
      case 'critAppProcEntry': {
        const row = readProcEntry(e, err, warn);
        if (row && claim(row.index, e.line)) config.procs.push(row);
        break;
      }
      case 'critAppTrapWhenNotAllRunning':
      case 'critAppTrapWhenAllRunning': {
        if (e.fields.length !== 1) {
          err(e.line, 1, `${e.type} takes one field (true or false), found ${e.fields.length}`);
          break;
        }
        const v = truthField(e.fields[0]);
        if (!v.ok) {
          err(e.fields[0].line, e.fields[0].col, `${e.type}: ${v.message}`);
          break;
        }
        if (e.type === 'critAppTrapWhenNotAllRunning') config.trapWhenNotAllRunning = v.value;
        else config.trapWhenAllRunning = v.value;
        break;
      }
      default: {
        messages.push(isFieldDescription(e) ? fieldDescriptionWarning(e, file) : unknownEntryError(e, file, ENTRY_TYPES, 'critagt.cnf'));
      }
    }
  }
  return { config, messages, ok: noErrors(messages) };
}

function readProcEntry(e: EntryLine, err: Report, warn: Report): CritAppProcConfig | undefined {
  const f = e.fields;
  if (f.length < PROC_REQUIRED) {
    err(e.line, 1, `critAppProcEntry needs at least ${PROC_REQUIRED} fields (${PROC_FIELDS.slice(0, PROC_REQUIRED).join(', ')}), found ${f.length}`);
    return undefined;
  }
  if (f.length > PROC_FIELDS.length) {
    const extra = f[PROC_FIELDS.length];
    err(extra.line, extra.col, `critAppProcEntry takes ${PROC_CIAGENT_FIELDS} fields (${PROC_FIELDS.slice(0, PROC_CIAGENT_FIELDS).join(', ')}) and an optional pid file, found ${f.length}`);
    return undefined;
  }
  const reader = fieldReader(e, PROC_FIELDS, err);
  const take = reader.take;

  const index = take(0, (x) => intField(x, 1, INT32_MAX), 0);
  const name = stringField(f[1]);
  if (name === '' || name.length > 255) {
    err(f[1].line, f[1].col, 'critAppProcEntry field 2 (process name): give the name the process runs under, 1 to 255 characters (for example sipd)');
    reader.fail();
  }
  const startCommand = stringField(f[2]);
  if (startCommand === '') {
    err(f[2].line, f[2].col, 'critAppProcEntry field 3 (start command): a start command is required, for example "/usr/local/sip/bin/sip start"');
    reader.fail();
  }
  const d = CRITAPP_DEFAULTS;
  const row: CritAppProcConfig = {
    index,
    name,
    startCommand,
    terminateCommand: f[3] ? stringField(f[3]) : '',
    adminStatus: take(4, (x) => enumField(x, ADMIN_STATUS), d.adminStatus),
    restartOnExit: take(5, truthField, d.restartOnExit),
    restartInterval: take(6, (x) => intField(x, 0, INT32_MAX), d.restartInterval),
    trapOnExit: take(7, truthField, d.trapOnExit),
    trapOnStart: take(8, truthField, d.trapOnStart),
    findOnStartup: take(9, truthField, d.findOnStartup),
    pidFile: f[10] ? stringField(f[10]) : d.pidFile,
  };
  if (reader.bad()) return undefined;
  if (f.length < PROC_CIAGENT_FIELDS) {
    const defaults: string[] = [];
    const shown: Record<number, string> = {
      3: 'stop command = none (the process is signalled)',
      4: `intended operation status = ${d.adminStatus}`,
      5: `restart on exit = ${d.restartOnExit}`,
      6: `restart interval = ${d.restartInterval}`,
      7: `send trap on exit = ${d.trapOnExit}`,
      8: `send trap on start = ${d.trapOnStart}`,
      9: `find process on startup = ${d.findOnStartup}`,
    };
    for (let i = f.length; i < PROC_CIAGENT_FIELDS; i++) defaults.push(shown[i]);
    warn(e.endLine, 1, `critAppProcEntry ${index} (${name}) has ${f.length} of ${PROC_CIAGENT_FIELDS} fields; using ${defaults.join(', ')}`);
  }
  return row;
}

/** Read and parse a critagt.cnf file; a missing or unreadable file is an error message, not an exception. */
export function loadCritagtCnf(file: string): CritagtResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const message = `cannot read the file: ${(e as Error).message}`;
    return {
      config: { procs: [], trapWhenNotAllRunning: false, trapWhenAllRunning: false },
      messages: [{ severity: 'error', file, line: 0, col: 0, message }],
      ok: false,
    };
  }
  return parseCritagtCnf(text, file);
}

/** One critAppProcEntry line for `p`, in the order and notation readProcEntry reads. */
export function formatCritAppProcEntry(p: CritAppProcConfig): string {
  const fields = [
    String(p.index),
    cnfField(p.name),
    cnfField(p.startCommand),
    cnfField(p.terminateCommand),
    String(ADMIN_STATUS[p.adminStatus]),
    String(p.restartOnExit),
    String(p.restartInterval),
    String(p.trapOnExit),
    String(p.trapOnStart),
    String(p.findOnStartup),
  ];
  if (p.pidFile !== '') fields.push(cnfField(p.pidFile));
  return `critAppProcEntry ${fields.join(' ')}`;
}

/** True for the critAppProcEntry entry (or entries) of row `index`. */
function isProcEntry(index: number) {
  return (e: EntryLine) => e.type === 'critAppProcEntry' && e.fields.length > 0 && !e.fields[0].quoted && Number(e.fields[0].text) === index;
}

/**
 * Keep a row created over SNMP across restarts: its entry replaces any entry with the same
 * index in `file`, or is appended. Returns false when the file already said exactly that.
 */
export function saveCritAppRow(file: string, p: CritAppProcConfig): boolean {
  const line = formatCritAppProcEntry(p);
  const current = parseCritagtCnf(readTextOrEmpty(file), file).config.procs.find((x) => x.index === p.index);
  if (current && formatCritAppProcEntry(current) === line) return false;
  return editCnfFile(file, { remove: isProcEntry(p.index), append: [line] });
}

function readTextOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A row destroyed over SNMP: its entry leaves `file` (false when the file had none). */
export function removeCritAppRow(file: string, index: number): boolean {
  return editCnfFile(file, { remove: isProcEntry(index) });
}
