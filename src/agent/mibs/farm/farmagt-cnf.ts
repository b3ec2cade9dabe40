// farmagt.cnf: when and how the agent runs mysql_sync_check for OPENSPS-FARM-MIB. All
// entries are optional, and so is the file:
//
//   farmCheckSchedule  "*/5 * * * *"          cron expression (5 fields, or 6 with seconds), or off
//   farmCheckConf      conf/sipd.conf          sipd.conf the tool reads (relative: to the install root)
//   farmCheckProgram   bin/mysql_sync_check    the tool (relative: to the install root)
//   farmCheckArgs      "--expect-size 3"       more arguments, split at blanks
//   farmCheckTimeout   120                     seconds a run may take before it is killed
//
// Without a schedule the check runs every 5 minutes when sipd.conf describes a farm on a
// shared database (DB_MySQL On and members named), and not at all otherwise.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigMessage } from '../../../config/loader.js';
import { readEntryLines } from '../../cnf/entry-lines.js';
import { checkCron } from './schedule.js';

export const DEFAULT_SCHEDULE = '*/5 * * * *';

export interface FarmagtConfig {
  /** The cron expression; undefined when not set (default by the farm), 'off' when switched off. */
  readonly schedule?: string;
  readonly conf: string;
  readonly program: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
}

export interface FarmagtResult {
  readonly config: FarmagtConfig;
  readonly messages: ConfigMessage[];
}

/** Read configDir/farmagt.cnf; a missing file is the defaults, bad entries are reported and skipped. */
export function loadFarmagtCnf(file: string, rootDir: string): FarmagtResult {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      return { config: defaults(rootDir), messages: [{ severity: 'error', file, line: 0, col: 0, message: `cannot read the file: ${(e as Error).message}` }] };
    }
  }
  return parseFarmagtCnf(text, file, rootDir);
}

function defaults(rootDir: string): FarmagtConfig {
  return { conf: path.join(rootDir, 'conf', 'sipd.conf'), program: path.join(rootDir, 'bin', 'mysql_sync_check'), args: [], timeoutMs: 120_000 };
}

export function parseFarmagtCnf(text: string, file: string, rootDir: string): FarmagtResult {
  const { entries, messages } = readEntryLines(text, file);
  let c: { -readonly [K in keyof FarmagtConfig]: FarmagtConfig[K] } = defaults(rootDir);
  const at = (line: number, message: string) => messages.push({ severity: 'error', file, line, col: 1, message });
  for (const e of entries) {
    const value = e.fields.map((f) => f.text).join(' ');
    if (e.fields.length !== 1) {
      at(e.line, `${e.type} takes one value (quote a value with blanks)`);
      continue;
    }
    switch (e.type) {
      case 'farmCheckSchedule':
        if (value.toLowerCase() === 'off') c = { ...c, schedule: 'off' };
        else {
          try {
            checkCron(value);
            c = { ...c, schedule: value };
          } catch (err) {
            at(e.line, `farmCheckSchedule: ${(err as Error).message}`);
          }
        }
        break;
      case 'farmCheckConf':
        c = { ...c, conf: path.resolve(rootDir, value) };
        break;
      case 'farmCheckProgram':
        c = { ...c, program: path.resolve(rootDir, value) };
        break;
      case 'farmCheckArgs':
        c = { ...c, args: value.split(/\s+/).filter(Boolean) };
        break;
      case 'farmCheckTimeout': {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < 1 || n > 3600) at(e.line, `farmCheckTimeout: "${value}" is not a number of seconds from 1 to 3600`);
        else c = { ...c, timeoutMs: n * 1000 };
        break;
      }
      default:
        at(e.line, `unknown entry ${e.type} (known: farmCheckSchedule, farmCheckConf, farmCheckProgram, farmCheckArgs, farmCheckTimeout)`);
    }
  }
  return { config: c, messages };
}

/**
 * Does this sipd.conf text describe a farm on a shared database? DB_MySQL On and a
 * Cisco_Registry_ or Cisco_Routing_Farm_Members line naming someone. Read as text: the
 * agent does not load sipd's configuration schema.
 */
export function describesFarm(sipdConf: string): boolean {
  let mysql = false;
  let members = false;
  for (const raw of sipdConf.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const value = m[2].replace(/"/g, '').trim();
    if (/^DB_MySQL$/i.test(m[1])) mysql = /^on$/i.test(value);
    if (/^Cisco_(Registry|Routing)_Farm_Members$/i.test(m[1]) && value) members = true;
  }
  return mysql && members;
}
