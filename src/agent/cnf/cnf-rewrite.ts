// Writing rows that were created or destroyed over SNMP back into a CIAgent-format file
// (critagt.cnf), the way EMANATE keeps nonVolatile rows: the file is re-read just before
// the change (so an administrator's edits since the agent loaded it are kept), only the
// entries concerned are removed or appended, every other line — comments, blank lines,
// continuation layout — stays byte for byte, and the result replaces the file atomically
// (temporary file in the same directory, then rename), keeping the file's mode.
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../../common/atomic-file.js';
import { readEntryLines } from './entry-lines.js';
import type { EntryLine } from './entry-lines.js';

/** The comment ciagent writes above an entry it appends. */
export const SNMP_MARK = '# added over SNMP';

export interface CnfEdit {
  /** Entries to take out (with the SNMP_MARK comment right above them, if any). */
  remove?: (e: EntryLine) => boolean;
  /** Entries to append, each below an SNMP_MARK comment; a list of lines (one row written
   *  as several entries, e.g. a trigger and its extension entries) shares one comment. */
  append?: Array<string | string[]>;
  /** Entries to rewrite where they stand (a Dr-Web password change): the new line, or
   *  undefined to keep the entry. The entry's physical lines are replaced by this one. */
  replace?: (e: EntryLine) => string | undefined;
}

/** Apply `edit` to the text of a file; undefined when nothing would change. */
export function editCnfText(text: string, file: string, edit: CnfEdit): string | undefined {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  // split leaves one empty element after a final newline: keep it out of the line list.
  const finalNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  const drop = new Set<number>();
  if (edit.remove) {
    for (const e of readEntryLines(text, file).entries) {
      if (!edit.remove(e)) continue;
      for (let n = e.line; n <= e.endLine; n++) drop.add(n - 1);
      if (e.line >= 2 && lines[e.line - 2].startsWith(SNMP_MARK)) drop.add(e.line - 2);
    }
  }
  const instead = new Map<number, string>();
  if (edit.replace) {
    for (const e of readEntryLines(text, file).entries) {
      const line = drop.has(e.line - 1) ? undefined : edit.replace(e);
      if (line === undefined) continue;
      for (let n = e.line; n <= e.endLine; n++) drop.add(n - 1);
      instead.set(e.line - 1, line);
    }
  }
  const append = edit.append ?? [];
  if (drop.size === 0 && append.length === 0) return undefined;
  const kept = lines.flatMap((l, i) => (instead.has(i) ? [instead.get(i)!] : drop.has(i) ? [] : [l]));
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  for (const group of append) kept.push(`${SNMP_MARK} ${stamp}`, ...(typeof group === 'string' ? [group] : group));
  return kept.length === 0 ? '' : kept.join(eol) + eol;
}

/**
 * Edit a file in place, atomically. A missing file counts as empty (and is created with
 * mode 0644). Returns false when nothing had to change. Throws on I/O errors.
 */
export function editCnfFile(file: string, edit: CnfEdit): boolean {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const next = editCnfText(text, file, edit);
  if (next === undefined) return false;
  writeAtomic(file, next);
  return true;
}

/** A field as the entry-line reader reads it back: `-` for empty, quoted when needed. */
export function cnfField(value: string): string {
  if (value === '') return '-';
  if (/^[^\s"#\\]+$/.test(value) && value !== '-') return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
