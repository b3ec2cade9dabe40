// smpop.cnf: the Script MIB population — what CIAgent's smPopScript set over SNMP after
// smagt started, as a file the agent reads at start (and on reload). It is the only way a
// command gets into the Script MIB: over SNMP an operator can press a launch button
// (smLaunchStart) and enable/disable rows, never write a command or an argument.
//
//   smScriptEntry OWNER NAME DESCRIPTION COMMAND [ADMIN-STATUS]
//   smLaunchEntry OWNER NAME SCRIPT-OWNER SCRIPT-NAME [ARGUMENT [MAX-RUNNING [MAX-COMPLETED
//                 [LIFETIME [EXPIRE-TIME [ADMIN-STATUS]]]]]]
//
// COMMAND runs as `/bin/sh -c COMMAND` in the install directory (so `bin/sip graceful` is
// the installed sip script); ARGUMENT, when not `-`, reaches it as $1. ADMIN-STATUS is
// enabled(1)/disabled(2) (scripts also editing(3); launches also autostart(3)); LIFETIME
// and EXPIRE-TIME are centiseconds (defaults 360000, one hour, as in the MIB);
// MAX-RUNNING and MAX-COMPLETED default to 1.
import { readFileSync } from 'node:fs';
import type { ConfigMessage } from '../../../config/loader.js';
import { enumField, fieldReader, intField, isFieldDescription, readEntryLines, reporters, stringField, unknownEntryError } from '../../cnf/entry-lines.js';
import type { EntryLine, Field, FieldResult } from '../../cnf/entry-lines.js';
import { LAUNCH_ADMIN, SCRIPT_ADMIN } from './types.js';
import type { LaunchRow, ScriptRow } from './types.js';

export interface SmPopConfig {
  scripts: ScriptRow[];
  launches: LaunchRow[];
}

export interface SmPopResult {
  config: SmPopConfig;
  messages: ConfigMessage[];
  ok: boolean;
}

/** What ships in conf/smpop.cnf, and what the agent uses when that file is missing. */
export const DEFAULT_SMPOP = `# smpop.cnf — Script MIB population (DISMAN-SCRIPT-MIB), read by the SNMP agent at start.
# It replaces CIAgent's smPopScript: the rows it set over SNMP are registered here, and
# only commands registered here can ever run (SNMP can launch them, not change them).
#
# Entry type: smScriptEntry
# Entry format: OWNER NAME DESCRIPTION COMMAND [ADMIN-STATUS enabled(1)|disabled(2)]
#   COMMAND runs with /bin/sh -c in the install directory.
smScriptEntry C D "Graceful restart of sipd" "bin/sip graceful" enabled
#
# Entry type: smLaunchEntry
# Entry format: OWNER NAME SCRIPT-OWNER SCRIPT-NAME [ARGUMENT MAX-RUNNING MAX-COMPLETED
#               LIFETIME(cs) EXPIRE-TIME(cs) ADMIN-STATUS enabled(1)|disabled(2)|autostart(3)]
#   The guide's graceful restart presses this button:
#     snmpset -v2c -c cspsAdmin localhost smLaunchStart.1.67.1.68 i 0
smLaunchEntry C D C D - 1 1 6000 360000 enabled
`;

const SCRIPT_FIELDS = ['owner', 'name', 'description', 'command', 'admin status'] as const;
const LAUNCH_FIELDS = ['owner', 'name', 'script owner', 'script name', 'argument', 'max running', 'max completed', 'lifetime', 'expire time', 'admin status'] as const;
const ENTRY_TYPES = ['smScriptEntry', 'smLaunchEntry'];
const INT32_MAX = 2147483647;

function nameField(f: Field, what: string, allowEmpty: boolean): FieldResult<string> {
  const s = stringField(f);
  if (!allowEmpty && s === '') return { ok: false, message: `the ${what} is required (1 to 32 characters)` };
  if (Buffer.byteLength(s) > 32) return { ok: false, message: `the ${what} "${s}" is longer than 32 bytes` };
  return { ok: true, value: s };
}

export function parseSmPop(text: string, file: string): SmPopResult {
  const { entries, messages } = readEntryLines(text, file);
  const scripts = new Map<string, ScriptRow>();
  const launches = new Map<string, LaunchRow>();
  const { err } = reporters(file, messages);

  const read = (e: EntryLine, names: readonly string[], required: number) => {
    if (e.fields.length < required || e.fields.length > names.length) {
      err(e.line, 1, `${e.type} takes ${required === names.length ? names.length : `${required} to ${names.length}`} fields (${names.join(', ')}), found ${e.fields.length}`);
      return undefined;
    }
    return fieldReader(e, names, err);
  };

  for (const e of entries) {
    const origin = `${file}:${e.line}`;
    if (e.type === 'smScriptEntry') {
      const r = read(e, SCRIPT_FIELDS, 4);
      if (!r) continue;
      const owner = r.take(0, (f) => nameField(f, 'owner', true), '');
      const name = r.take(1, (f) => nameField(f, 'script name', false), '');
      const descr = r.take(2, (f) => ({ ok: true, value: stringField(f) }), '');
      const command = r.take(3, (f): FieldResult<string> => (stringField(f).trim() === '' ? { ok: false, message: 'a command is required, for example "bin/sip graceful"' } : { ok: true, value: stringField(f) }), '');
      const adminStatus = r.take(4, (f) => enumField(f, SCRIPT_ADMIN), 'enabled' as const);
      if (r.bad()) continue;
      const k = `${owner}\u0000${name}`;
      const earlier = scripts.get(k);
      if (earlier) {
        err(e.line, 1, `smScriptEntry ${owner}/${name} is already registered at ${earlier.origin}`);
        continue;
      }
      scripts.set(k, { owner, name, descr, language: 1, command, adminStatus, lastChange: new Date(), origin });
    } else if (e.type === 'smLaunchEntry') {
      const r = read(e, LAUNCH_FIELDS, 4);
      if (!r) continue;
      const owner = r.take(0, (f) => nameField(f, 'owner', true), '');
      const name = r.take(1, (f) => nameField(f, 'launch name', false), '');
      const scriptOwner = r.take(2, (f) => nameField(f, 'script owner', true), '');
      const scriptName = r.take(3, (f) => nameField(f, 'script name', false), '');
      const argument = r.take(4, (f) => ({ ok: true, value: stringField(f) }), '');
      const maxRunning = r.take(5, (f) => intField(f, 1, INT32_MAX), 1);
      const maxCompleted = r.take(6, (f) => intField(f, 1, INT32_MAX), 1);
      const lifeTime = r.take(7, (f) => intField(f, 0, INT32_MAX), 360000);
      const expireTime = r.take(8, (f) => intField(f, 0, INT32_MAX), 360000);
      const adminStatus = r.take(9, (f) => enumField(f, LAUNCH_ADMIN), 'enabled' as const);
      if (r.bad()) continue;
      const k = `${owner}\u0000${name}`;
      const earlier = launches.get(k);
      if (earlier) {
        err(e.line, 1, `smLaunchEntry ${owner}/${name} is already registered at ${earlier.origin}`);
        continue;
      }
      launches.set(k, {
        owner, name, scriptOwner, scriptName, argument, maxRunning, maxCompleted, lifeTime, expireTime,
        lastStarted: 0, adminStatus, runIndexNext: 1, error: '', lastChange: new Date(), origin,
      });
    } else if (isFieldDescription(e)) {
      messages.push({ severity: 'warning', file, line: e.line, col: 1, message: 'this line reads as a field description whose "#" is missing; ignored' });
    } else {
      messages.push(unknownEntryError(e, file, ENTRY_TYPES, 'smpop.cnf'));
    }
  }
  // A launch button must name a registered script (caught here, not at the first press).
  for (const l of launches.values()) {
    if (!scripts.has(`${l.scriptOwner}\u0000${l.scriptName}`)) {
      const line = Number(l.origin.slice(l.origin.lastIndexOf(':') + 1));
      const known = [...scripts.values()].map((s) => `${s.owner}/${s.name}`).join(', ') || 'none';
      err(line, 1, `smLaunchEntry ${l.owner}/${l.name} names script ${l.scriptOwner}/${l.scriptName}, which no smScriptEntry registers (registered: ${known})`);
    }
  }
  const ok = !messages.some((m) => m.severity === 'error');
  return { config: { scripts: [...scripts.values()], launches: ok ? [...launches.values()] : [...launches.values()].filter((l) => scripts.has(`${l.scriptOwner}\u0000${l.scriptName}`)) }, messages, ok };
}

/** Read smpop.cnf; when the file does not exist, the shipped default population is used. */
export function loadSmPop(file: string): SmPopResult & { usedDefault: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...parseSmPop(DEFAULT_SMPOP, `${file} (built-in default)`), usedDefault: true };
    return { config: { scripts: [], launches: [] }, messages: [{ severity: 'error', file, line: 0, col: 0, message: `cannot read the file: ${(e as Error).message}` }], ok: false, usedDefault: false };
  }
  return { ...parseSmPop(text, file), usedDefault: false };
}
