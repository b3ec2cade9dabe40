// Comma-separated values as the bulk tools and the provisioning GUI read and write them:
// RFC 4180 records (quoted fields may hold commas, doubled quotes and line breaks), '#'
// comment lines, an optional header naming the columns, and field checks whose messages
// say what is valid. The route, registration and subscriber formats are built on it
// (src/modules/routing/csv.ts, src/modules/registry/csv.ts, src/stores/subscriber-csv.ts).

export interface CsvError {
  /** 1-based line of the record (where it starts, for a record spanning lines). */
  readonly line: number;
  readonly message: string;
}

export type CsvParse<T> = { readonly ok: true; readonly entries: readonly T[] } | { readonly ok: false; readonly errors: readonly CsvError[] };

// ---- RFC 4180 records ----

export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/**
 * Split CSV text into records. Quoted fields may hold commas, doubled quotes and line
 * breaks. Blank lines and '#' comment lines (outside quotes) are skipped. Syntax errors
 * (an unterminated quote, text after a closing quote, a quote inside an unquoted field)
 * are reported with their line and the record is dropped.
 */
export function readCsvRecords(text: string): { records: CsvRecord[]; errors: CsvError[] } {
  const records: CsvRecord[] = [];
  const errors: CsvError[] = [];
  const s = text.startsWith('\ufeff') ? text.slice(1) : text; // a BOM from spreadsheet exports
  let i = 0;
  let line = 1;
  const n = s.length;
  while (i < n) {
    // At the start of a record: skip blank and comment lines.
    if (s[i] === '\n' || (s[i] === '\r' && s[i + 1] === '\n')) {
      i += s[i] === '\r' ? 2 : 1;
      line++;
      continue;
    }
    if (s[i] === '#') {
      while (i < n && s[i] !== '\n') i++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    let bad: string | undefined;
    for (;;) {
      let field = '';
      if (s[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = s[i];
          if (c === '"') {
            if (s[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) {
          errors.push({ line: start, message: `field ${fields.length + 1}: the quote opened here is never closed; close it with "` });
          return { records, errors };
        }
        if (i < n && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          bad ??= `field ${fields.length + 1}: text after the closing quote; put the whole field in quotes and double any " inside it`;
          while (i < n && s[i] !== ',' && s[i] !== '\n') i++;
        }
      } else {
        while (i < n && s[i] !== ',' && s[i] !== '\n' && !(s[i] === '\r' && s[i + 1] === '\n')) {
          if (s[i] === '"') bad ??= `field ${fields.length + 1}: a quote inside an unquoted field; put the field in double quotes and double the " inside it`;
          field += s[i];
          i++;
        }
      }
      fields.push(field);
      if (i < n && s[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // End of record.
    if (s[i] === '\r') i++;
    if (s[i] === '\n') {
      i++;
      line++;
    }
    if (bad) errors.push({ line: start, message: bad });
    else records.push({ line: start, fields });
  }
  return { records, errors };
}

/** One field as written: quoted when it holds a comma, quote, line break or outer blanks, or starts with '#'. */
export function csvField(v: string): string {
  return /[",\r\n]|^\s|\s$|^#/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + '\n';
}

// ---- columns ----

/**
 * Map a record's fields to column names, using the header when there is one.
 * Returns an error message for too many or too few fields.
 */
export function fieldsByColumn(
  fields: readonly string[],
  columns: readonly string[],
  required: number,
): { values: ReadonlyMap<string, string> } | { error: string } {
  if (fields.length > columns.length) {
    return { error: `too many fields: ${fields.length}, at most ${columns.length} (${columns.join(',')})` };
  }
  if (fields.length < required) {
    return { error: `too few fields: ${fields.length}, at least ${required} (${columns.slice(0, required).join(',')})` };
  }
  const values = new Map<string, string>();
  fields.forEach((f, k) => values.set(columns[k], f.trim()));
  return { values };
}

/**
 * Is this record a header? It is when every field names a known column. Returns the
 * column order it gives, or an error naming what is wrong with it.
 */
export function headerColumns(fields: readonly string[], known: readonly string[], required: readonly string[]): readonly string[] | { error: string } | undefined {
  const lower = new Map(known.map((k) => [k.toLowerCase(), k]));
  const names = fields.map((f) => lower.get(f.trim().toLowerCase()));
  // A header starts with a column name and is mostly column names; a data line is not
  // (a domain route for the host "label" still has a type and a next hop beside it).
  const knownCount = names.filter((x) => x !== undefined).length;
  if (names[0] === undefined || knownCount * 2 < names.length) return undefined;
  const unknown = fields.filter((_f, k) => names[k] === undefined);
  if (unknown.length) return { error: `header: unknown column ${unknown.map((u) => JSON.stringify(u)).join(', ')}; columns are ${known.join(',')}` };
  const seen = new Set<string>();
  for (const nm of names as string[]) {
    if (seen.has(nm)) return { error: `header: column ${nm} appears twice` };
    seen.add(nm);
  }
  const missing = required.filter((r) => !seen.has(r));
  if (missing.length) return { error: `header: required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing` };
  return names as string[];
}

/** A field that failed its check: the message says what is valid. */
export class Bad {
  constructor(readonly message: string) {}
}

/** Fields a line needs: up to the last required column (trailing optional ones may be left out). */
export function requiredCount(columns: readonly string[], required: readonly string[]): number {
  return Math.max(...required.map((r) => columns.indexOf(r))) + 1;
}

const TRUE_WORDS = new Set(['yes', 'y', 'true', 'on', '1']);
const FALSE_WORDS = new Set(['no', 'n', 'false', 'off', '0']);

export function parseFlag(v: string, column: string): boolean | Bad {
  const t = v.toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  return new Bad(`${column}: "${v}" is not valid; valid: yes, no (also true/false, on/off, 1/0)`);
}

export function parseIntField(v: string, column: string, min: number, max: number): number | Bad {
  if (!/^\d+$/.test(v)) return new Bad(`${column}: "${v}" is not a number; valid: ${min} to ${max}`);
  const x = Number(v);
  if (x < min || x > max) return new Bad(`${column}: ${v} is out of range; valid: ${min} to ${max}`);
  return x;
}

export interface CsvTableSpec<T> {
  /** Column names in their order without a header. */
  readonly columns: readonly string[];
  readonly required: readonly string[];
  /** The entry of one record's values (by column), or the message saying what is wrong. */
  readonly entry: (values: ReadonlyMap<string, string>) => T | string;
  /** Identity of an entry: two records with the same one are an error. */
  readonly key: (e: T) => string;
  /** The message for a repeat of the entry first seen on line `first`. */
  readonly repeated: (first: number) => string;
  readonly limit: number;
  readonly overflow: string;
}

/** Parse a CSV file of one kind of entry: every entry, or every error with its line. */
export function parseCsvTable<T>(text: string, spec: CsvTableSpec<T>): CsvParse<T> {
  const { records, errors } = readCsvRecords(text);
  const errs: CsvError[] = [...errors];
  const out: T[] = [];
  const seen = new Map<string, number>();
  let columns: readonly string[] = spec.columns;
  records.forEach((rec, k) => {
    const fail = (message: string) => void errs.push({ line: rec.line, message });
    if (k === 0) {
      const h = headerColumns(rec.fields, spec.columns, spec.required);
      if (h && 'error' in h) return fail(h.error);
      if (h) return void (columns = h);
    }
    const f = fieldsByColumn(rec.fields, columns, requiredCount(columns, spec.required));
    if ('error' in f) return fail(f.error);
    const e = spec.entry(f.values);
    if (typeof e === 'string') return fail(e);
    const id = spec.key(e);
    const first = seen.get(id);
    if (first !== undefined) return fail(spec.repeated(first));
    seen.set(id, rec.line);
    if (out.length === spec.limit) return fail(spec.overflow);
    out.push(e);
  });
  errs.sort((a, b) => a.line - b.line);
  return errs.length ? { ok: false, errors: errs } : { ok: true, entries: out };
}

/** Entries as CSV lines, the header line first unless `header` is false. */
export function formatCsvTable<T>(columns: readonly string[], entries: Iterable<T>, fields: (e: T) => readonly string[], header = true): string {
  const parts: string[] = header ? [columns.join(',') + '\n'] : [];
  for (const e of entries) parts.push(csvLine(fields(e)));
  return parts.join('');
}
