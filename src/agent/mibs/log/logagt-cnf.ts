// logagt.cnf: the log-file table's start-up rows and the global poll interval.
//
//   siLogGlobalPollInterval SECONDS
//   siLogEntry INDEX DESCR PATH REGEX (kept) START STOP MATCHES MATCH-CMD MATCH-TRAP
//              SIZE MAX-SIZE MAX-CMD MAX-TRAP POLL (kept) OWNER (kept) [saved state …]
//
// This is CIAgent's field order. The three "(kept)" fields and anything after OWNER's
// successor (CIAgent appends its saved read position there) have no LOG-MIB column and are
// read past. SIZE is the size at the time CIAgent saved the file; the size is measured
// live, so it is ignored too. MATCHES seeds siLogMatchCount. REGEX, MATCH-CMD and MAX-CMD
// may be `-` for none; the traps are yes(1)/no(2); POLL 0 means the global interval.
// Fields missing at the end take LOG-MIB defaults with a warning.
import { readFileSync } from 'node:fs';
import type { ConfigMessage } from '../../../config/loader.js';
import { enumField, fieldDescriptionWarning, fieldReader, indexClaims, intField, isFieldDescription, noErrors, readEntryLines, reporters, stringField, unknownEntryError } from '../../cnf/entry-lines.js';
import type { EntryLine, Field, FieldResult, Report } from '../../cnf/entry-lines.js';

export const YES_NO = { yes: 1, no: 2 } as const;

/** One siLogEntry: the configured columns of a siLogTable row. */
export interface SiLogConfig {
  index: number;
  descr: string;
  path: string;
  /** Empty: no matching. */
  regex: string;
  /** First character position (from 0) of each line the expression sees. */
  matchStart: number;
  /** Last character position (inclusive) the expression sees; 0 = end of line. */
  matchStop: number;
  /** Initial siLogMatchCount. */
  matchCount: number;
  matchCommand: string;
  matchTrap: boolean;
  /** 0 disables the size check. */
  maxSize: number;
  maxSizeCommand: string;
  maxSizeTrap: boolean;
  /** Seconds; 0 = siLogGlobalPollInterval. */
  pollInterval: number;
  owner: string;
}

export interface LogagtConfig {
  globalPollInterval: number;
  entries: SiLogConfig[];
}

export interface LogagtResult {
  config: LogagtConfig;
  messages: ConfigMessage[];
  ok: boolean;
}

export const SILOG_DEFAULTS = {
  globalPollInterval: 60,
  regex: '',
  matchStart: 0,
  matchStop: 0,
  matchCount: 0,
  matchCommand: '',
  matchTrap: false,
  maxSize: 0,
  maxSizeCommand: '',
  maxSizeTrap: true,
  pollInterval: 0,
  owner: '',
};

const FIELDS = [
  'index',
  'description',
  'path',
  'regular expression',
  '(kept as is)',
  'match start position',
  'match stop position',
  'matches so far',
  'command on match',
  'trap on match',
  'current size',
  'maximum size',
  'command on maximum size',
  'trap on maximum size',
  'poll interval',
  '(kept as is)',
  'owner',
  '(kept as is)',
] as const;
const REQUIRED = 3;
const ENTRY_TYPES = ['siLogGlobalPollInterval', 'siLogEntry'];
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;

export function parseLogagtCnf(text: string, file: string): LogagtResult {
  const { entries, messages } = readEntryLines(text, file);
  const config: LogagtConfig = { globalPollInterval: SILOG_DEFAULTS.globalPollInterval, entries: [] };
  const { err, warn } = reporters(file, messages);
  const claim = indexClaims('siLogEntry', err);

  for (const e of entries) {
    switch (e.type) {
      case 'siLogGlobalPollInterval': {
        if (e.fields.length !== 1) {
          err(e.line, 1, `siLogGlobalPollInterval takes one field (seconds, 1 to 86400), found ${e.fields.length}`);
          break;
        }
        const v = intField(e.fields[0], 1, 86400);
        if (v.ok) config.globalPollInterval = v.value;
        else err(e.fields[0].line, e.fields[0].col, `siLogGlobalPollInterval: ${v.message}`);
        break;
      }
      case 'siLogEntry': {
        const row = readLogEntry(e, err, warn);
        if (row && claim(row.index, e.line)) config.entries.push(row);
        break;
      }
      default: {
        messages.push(isFieldDescription(e) ? fieldDescriptionWarning(e, file) : unknownEntryError(e, file, ENTRY_TYPES, 'logagt.cnf'));
      }
    }
  }
  return { config, messages, ok: noErrors(messages) };
}

/** A JavaScript regular expression, or a message saying why it is not one. */
export function checkRegex(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (e) {
    return `"${source}" is not a valid regular expression (${(e as Error).message}); write it in JavaScript/POSIX extended syntax, or - for none`;
  }
}

function readLogEntry(e: EntryLine, err: Report, warn: Report): SiLogConfig | undefined {
  const f = e.fields;
  if (f.length < REQUIRED) {
    err(e.line, 1, `siLogEntry needs at least ${REQUIRED} fields (index, description, path), found ${f.length}`);
    return undefined;
  }
  const reader = fieldReader(e, FIELDS, err);
  const take = reader.take;
  const str = (i: number, fallback: string) => (f[i] ? stringField(f[i]) : fallback);
  const yesNo = (x: Field): FieldResult<boolean> => {
    const r = enumField(x, YES_NO);
    return r.ok ? { ok: true, value: r.value === 'yes' } : r;
  };
  const d = SILOG_DEFAULTS;

  const index = take(0, (x) => intField(x, 1, INT32_MAX), 0);
  const path = stringField(f[2]);
  if (path === '' || path.length > 255) {
    err(f[2].line, f[2].col, 'siLogEntry field 3 (path): give the full path of the file to watch (1 to 255 characters)');
    reader.fail();
  }
  const regex = str(3, d.regex);
  if (regex !== '') {
    const problem = checkRegex(regex);
    if (problem) {
      err(f[3].line, f[3].col, `siLogEntry field 4 (regular expression): ${problem}`);
      reader.fail();
    }
  }
  const row: SiLogConfig = {
    index,
    descr: stringField(f[1]),
    path,
    regex,
    matchStart: take(5, (x) => intField(x, 0, INT32_MAX), d.matchStart),
    matchStop: take(6, (x) => intField(x, 0, INT32_MAX), d.matchStop),
    matchCount: take(7, (x) => intField(x, 0, UINT32_MAX), d.matchCount),
    matchCommand: str(8, d.matchCommand),
    matchTrap: take(9, yesNo, d.matchTrap),
    maxSize: take(11, (x) => intField(x, 0, UINT32_MAX), d.maxSize),
    maxSizeCommand: str(12, d.maxSizeCommand),
    maxSizeTrap: take(13, yesNo, d.maxSizeTrap),
    pollInterval: take(14, (x) => intField(x, 0, 86400), d.pollInterval),
    owner: str(16, d.owner),
  };
  // Field 11 (size at save time) must still be a number if present, so typos show.
  take(10, (x) => intField(x, 0, Number.MAX_SAFE_INTEGER), 0);
  if (reader.bad()) return undefined;
  if (row.matchStop !== 0 && row.matchStop < row.matchStart) {
    warn(f[6].line, f[6].col, `siLogEntry ${index}: the match stop position (${row.matchStop}) is before the start position (${row.matchStart}), so no line can match; use 0 for "to the end of the line"`);
  }
  if (f.length < FIELDS.length) {
    warn(e.endLine, 1, `siLogEntry ${index} has ${f.length} of ${FIELDS.length} fields; the missing ones take their defaults`);
  }
  return row;
}

export function loadLogagtCnf(file: string): LogagtResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return {
      config: { globalPollInterval: SILOG_DEFAULTS.globalPollInterval, entries: [] },
      messages: [{ severity: 'error', file, line: 0, col: 0, message: `cannot read the file: ${(e as Error).message}` }],
      ok: false,
    };
  }
  return parseLogagtCnf(text, file);
}
