// The line format shared by CIAgent's configuration files (snmpd.cnf, critagt.cnf,
// logagt.cnf, eventagt.cnf): one entry per logical line, `<entryType> field field …`.
//
//   - `#` at the start of a token begins a comment that runs to the end of the line;
//   - a `\` as the last character of a line (outside quotes) joins the next line;
//   - a field in double quotes may hold blanks; inside quotes `\"` is a quote and `\\` a
//     backslash, every other backslash is kept as written (the files carry C-like
//     escapes such as `\r\n` in saved state, which the readers do not interpret);
//   - a `\"` that ends a physical line closes the string (keeping the backslash): a
//     quoted field cannot continue onto the next line, and the guide's own logagt.cnf
//     example ends a line like that;
//   - an unquoted `-` means "empty / not set"; readers see it through `Field.dash`.
//
// Problems are returned as messages with file, line and column; nothing here throws.
import type { ConfigMessage } from '../../config/loader.js';
import { nearest } from '../../config/suggest.js';

export interface Field {
  /** The text with quotes removed and escapes applied. */
  readonly text: string;
  /** True when the field was written in double quotes. */
  readonly quoted: boolean;
  /** An unquoted `-`: the field is deliberately left empty. */
  readonly dash: boolean;
  readonly line: number;
  readonly col: number;
}

export interface EntryLine {
  /** The first token: the entry type, e.g. critAppProcEntry. */
  readonly type: string;
  readonly fields: readonly Field[];
  /** Physical line (1-based) where the entry starts. */
  readonly line: number;
  /** Last physical line the entry uses (after continuations). */
  readonly endLine: number;
}

export interface EntryLinesResult {
  readonly entries: EntryLine[];
  readonly messages: ConfigMessage[];
}

/** Split a configuration text into entries. */
export function readEntryLines(text: string, file: string): EntryLinesResult {
  const entries: EntryLine[] = [];
  const messages: ConfigMessage[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);

  let tokens: Field[] = [];
  let startLine = 0;
  let continuing = false;

  const flush = (endLine: number) => {
    if (tokens.length > 0) {
      const [head, ...rest] = tokens;
      if (head.quoted) {
        messages.push({ severity: 'error', file, line: head.line, col: head.col, message: `an entry must start with its entry type, not a quoted string ("${head.text}")` });
      } else {
        entries.push({ type: head.text, fields: rest, line: startLine, endLine });
      }
    }
    tokens = [];
    continuing = false;
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    if (!continuing) startLine = lineNo;
    const r = tokenizeLine(raw, lineNo, file, messages);
    tokens.push(...r.fields);
    if (r.continues) {
      continuing = true;
      if (i === lines.length - 1) {
        messages.push({ severity: 'warning', file, line: lineNo, col: raw.length, message: 'the last line ends with a "\\" continuation but no line follows' });
        flush(lineNo);
      }
    } else {
      flush(lineNo);
    }
  }
  return { entries, messages };
}

interface LineTokens {
  fields: Field[];
  continues: boolean;
}

function tokenizeLine(raw: string, lineNo: number, file: string, messages: ConfigMessage[]): LineTokens {
  const fields: Field[] = [];
  let continues = false;
  let pos = 0;
  const n = raw.length;
  const isBlank = (c: string) => c === ' ' || c === '\t' || c === '\f' || c === '\v';

  while (pos < n) {
    while (pos < n && isBlank(raw[pos])) pos++;
    if (pos >= n) break;
    const col = pos + 1;
    const c = raw[pos];
    if (c === '#') break; // comment to end of line
    if (c === '\\' && raw.slice(pos + 1).trim() === '') {
      continues = true;
      break;
    }
    if (c === '"') {
      pos++;
      let text = '';
      let closed = false;
      while (pos < n) {
        const d = raw[pos];
        if (d === '\\' && pos + 1 < n) {
          const e = raw[pos + 1];
          if (e === '"' && pos + 2 === n) {
            // `\"` ending the line: the backslash is data, the quote closes the field.
            text += '\\';
            pos += 2;
            closed = true;
            break;
          }
          if (e === '"' || e === '\\') {
            text += e;
            pos += 2;
            continue;
          }
          text += d;
          pos++;
          continue;
        }
        if (d === '"') {
          pos++;
          closed = true;
          break;
        }
        text += d;
        pos++;
      }
      if (!closed) {
        messages.push({ severity: 'error', file, line: lineNo, col, message: 'a quoted field is not closed on this line (a closing " is missing; a quoted field cannot span lines)' });
      }
      fields.push({ text, quoted: true, dash: false, line: lineNo, col });
      if (pos < n && !isBlank(raw[pos])) {
        messages.push({ severity: 'error', file, line: lineNo, col: pos + 1, message: 'a quoted field must be followed by a blank or the end of the line' });
        while (pos < n && !isBlank(raw[pos])) pos++;
      }
      continue;
    }
    let text = '';
    while (pos < n && !isBlank(raw[pos])) {
      text += raw[pos];
      pos++;
    }
    // A word ending in `\` at the end of the line: the word, then a continuation.
    if (text.length > 1 && text.endsWith('\\') && raw.slice(pos).trim() === '') {
      fields.push({ text: text.slice(0, -1), quoted: false, dash: false, line: lineNo, col });
      continues = true;
      break;
    }
    fields.push({ text, quoted: false, dash: text === '-', line: lineNo, col });
  }
  return { fields, continues };
}

/** "file:line:col: message" for a message of these readers (same shape as sipd.conf's). */
export function formatEntryMessage(m: ConfigMessage): string {
  return `${m.file}:${m.line}:${m.col}: ${m.severity === 'warning' ? 'warning: ' : ''}${m.message}`;
}

// ---- field values -------------------------------------------------------------------
// Each reader describes its fields; these turn one field into a value or a message that
// names the entry, the field and the values that would have been accepted.

export type FieldResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** An integer in [min, max], written in decimal. */
export function intField(f: Field, min: number, max: number): FieldResult<number> {
  if (!f.quoted && /^-?\d+$/.test(f.text)) {
    const v = Number(f.text);
    if (Number.isSafeInteger(v) && v >= min && v <= max) return { ok: true, value: v };
  }
  return { ok: false, message: `"${f.text}" is not valid; use a whole number from ${min} to ${max}` };
}

/**
 * A TruthValue: true/false as CIAgent writes it, or the SNMP numbers true(1)/false(2).
 */
export function truthField(f: Field): FieldResult<boolean> {
  switch (f.text.toLowerCase()) {
    case 'true':
    case '1':
      return { ok: true, value: true };
    case 'false':
    case '2':
      return { ok: true, value: false };
  }
  return { ok: false, message: `"${f.text}" is not valid; use true (or 1) or false (or 2)` };
}

/** One of an enumeration such as up(1)/down(2): the name or the number. */
export function enumField<T extends string>(f: Field, values: Readonly<Record<T, number>>): FieldResult<T> {
  const t = f.text.toLowerCase();
  for (const [name, num] of Object.entries(values) as [T, number][]) {
    if (t === name.toLowerCase() || t === String(num) || t === `${name.toLowerCase()}(${num})`) return { ok: true, value: name };
  }
  const valid = (Object.entries(values) as [T, number][]).map(([name, num]) => `${name}(${num})`).join(' or ');
  return { ok: false, message: `"${f.text}" is not valid; use ${valid} (the name or the number)` };
}

/** A string field: an unquoted `-` means empty. */
export function stringField(f: Field): string {
  return f.dash ? '' : f.text;
}

// ---- field descriptions that lost their '#' -------------------------------------------
// The guide's examples print "Entry format" comment blocks whose continuation lines have
// no '#' in the text we have ("   octetString - process name", "   mteOwner (text)").
// An administrator who pastes the example gets those lines too, so readers skip them with
// a warning instead of refusing the file.

const DESCRIPTION_TYPES = new Set(['integer', 'octetstring', 'unsigned', 'counter', 'gauge', 'timeticks', 'objectid', 'text', 'bits', 'ipaddress']);

/** True for `<type> - words…` and `<name> (<type>)` lines: a field description, not an entry. */
export function isFieldDescription(e: EntryLine): boolean {
  if (DESCRIPTION_TYPES.has(e.type.toLowerCase()) && e.fields.length > 0 && e.fields[0].dash) return true;
  return e.fields.length === 1 && !e.fields[0].quoted && /^\([A-Za-z]+\)$/.test(e.fields[0].text);
}

export function fieldDescriptionWarning(e: EntryLine, file: string): ConfigMessage {
  return {
    severity: 'warning',
    file,
    line: e.line,
    col: 1,
    message: `"${e.type} ${e.fields.map((f) => f.text).join(' ')}" reads as a field description whose "#" is missing; it is ignored (start the line with # to silence this)`,
  };
}

/** An entry type `label` (e.g. critagt.cnf) does not know: the nearest known type and the full list. */
export function unknownEntryError(e: EntryLine, file: string, known: readonly string[], label: string): ConfigMessage {
  const guess = nearest(e.type, known);
  return { severity: 'error', file, line: e.line, col: 1, message: `unknown entry type "${e.type}"${guess ? ` (did you mean ${guess}?)` : ''}; ${label} knows ${known.join(', ')}` };
}

/** Reports a problem at a line and column of the file being read. */
export type Report = (line: number, col: number, message: string) => void;

/** Error and warning reporters that add file:line:col messages to `messages`. */
export function reporters(file: string, messages: ConfigMessage[]): { err: Report; warn: Report } {
  return {
    err: (line, col, message) => messages.push({ severity: 'error', file, line, col, message }),
    warn: (line, col, message) => messages.push({ severity: 'warning', file, line, col, message }),
  };
}

/** True when none of the messages is an error (warnings do not stop a file from loading). */
export function noErrors(messages: readonly ConfigMessage[]): boolean {
  return !messages.some((m) => m.severity === 'error');
}

/**
 * The row indexes one entry type has used so far: a second entry with the same index is
 * an error that names the line of the first. `claim` says whether the row may be kept.
 */
export function indexClaims(type: string, err: Report): (index: number, line: number) => boolean {
  const seen = new Map<number, number>();
  return (index, line) => {
    const earlier = seen.get(index);
    if (earlier !== undefined) {
      err(line, 1, `${type} index ${index} is already used on line ${earlier}; each entry needs its own index`);
      return false;
    }
    seen.set(index, line);
    return true;
  };
}

/**
 * Reads one entry's fields by position. `take` parses field i (the fallback when the
 * entry is shorter), reporting a bad field as `<type> field N (<name>): <why>`; `fail`
 * marks the entry bad for a check made outside `take`; `bad` says whether anything was.
 */
export function fieldReader(e: EntryLine, names: readonly string[], err: Report) {
  let bad = false;
  return {
    take<T>(i: number, parse: (f: Field) => FieldResult<T>, fallback: T): T {
      const f = e.fields[i];
      if (!f) return fallback;
      const r = parse(f);
      if (r.ok) return r.value;
      err(f.line, f.col, `${e.type} field ${i + 1} (${names[i]}): ${r.message}`);
      bad = true;
      return fallback;
    },
    fail(): void {
      bad = true;
    },
    bad: (): boolean => bad,
  };
}
