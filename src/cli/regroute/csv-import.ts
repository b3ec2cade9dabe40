// sysadmin_sps_regroute -i: reads a CSV file (src/modules/routing/csv.ts,
// src/modules/registry/csv.ts) and imports it, split by database when -m both names
// both; nothing is imported when any line is wrong.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REGISTRATION_COLUMNS } from '../../modules/registry/csv.js';
import { ROUTE_COLUMNS, readCsvRecords } from '../../modules/routing/csv.js';
import type { CsvError } from '../../modules/routing/csv.js';
import type { DbName, DbReply } from '../../server/db-control.js';
import { importCsvText } from '../../server/db-backend.js';
import type { Backend } from './backends.js';

interface Section {
  readonly db: DbName;
  /** The file's text with every line outside the section blanked, so line numbers stay right. */
  readonly text: string;
}

function isHeader(fields: readonly string[], columns: readonly string[]): boolean {
  return fields.length > 0 && fields[0].trim().toLowerCase() === columns[0].toLowerCase();
}

/**
 * Split an import file by database. With one database the whole file is its. With both,
 * each header line (pattern,… or aor,…) starts a part for its database; lines before
 * the first header are an error, since nothing says which database they are for.
 */
export function splitSections(text: string, dbs: readonly DbName[]): { sections: Section[]; errors: CsvError[] } {
  if (dbs.length === 1) return { sections: [{ db: dbs[0], text }], errors: [] };
  const { records } = readCsvRecords(text);
  const lines = text.split('\n');
  const starts: { line: number; db: DbName }[] = [];
  const errors: CsvError[] = [];
  for (const r of records) {
    if (isHeader(r.fields, ROUTE_COLUMNS)) starts.push({ line: r.line, db: 'routing' });
    else if (isHeader(r.fields, REGISTRATION_COLUMNS)) starts.push({ line: r.line, db: 'registry' });
    else if (starts.length === 0) {
      errors.push({ line: r.line, message: `with -m both, a part must start with its header line (${ROUTE_COLUMNS.slice(0, 3).join(',')},… for routes, ${REGISTRATION_COLUMNS.slice(0, 2).join(',')},… for registrations); or give -m routing or -m registry` });
      break;
    }
  }
  const sections: Section[] = [];
  starts.forEach((s, k) => {
    const end = k + 1 < starts.length ? starts[k + 1].line - 1 : lines.length;
    const part = lines.map((l, i) => (i + 1 >= s.line && i + 1 <= end ? l : '')).join('\n');
    const prev = sections.find((x) => x.db === s.db);
    if (prev) errors.push({ line: s.line, message: `a second ${s.db} part; put every ${s.db} entry under one header` });
    else sections.push({ db: s.db, text: part });
  });
  return { sections, errors };
}

function printErrors(file: string, reply: DbReply): void {
  const errs = Array.isArray(reply.errors) ? (reply.errors as CsvError[]) : [];
  for (const e of errs) process.stderr.write(`${file}:${e.line}: ${e.message}\n`);
  if (typeof reply.moreErrors === 'number') process.stderr.write(`${file}: … and ${reply.moreErrors} more errors\n`);
}

/** Import a file into the chosen database(s). True when everything was imported. */
export async function importFile(backend: Backend, file: string, dbs: readonly DbName[], out: (s: string) => void): Promise<boolean> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    process.stderr.write(`sysadmin_sps_regroute: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return false;
  }
  const { sections, errors } = splitSections(text, dbs);
  if (errors.length) {
    printErrors(file, { errors });
    process.stderr.write(`sysadmin_sps_regroute: ${file}: nothing was imported\n`);
    return false;
  }
  if (sections.length === 0) {
    out(`${file}: no entries to import`);
    return true;
  }
  for (const s of sections) {
    const reply = await importCsvText(backend, s.db, s.text, sections.length === 1 ? abs : undefined);
    if (reply.ok !== true) {
      printErrors(file, reply);
      process.stderr.write(`sysadmin_sps_regroute: ${s.db} import from ${file} failed: ${String(reply.error)}\n`);
      return false;
    }
    const expired = typeof reply.expired === 'number' && reply.expired > 0 ? `, ${reply.expired} already expired and skipped` : '';
    out(`${s.db}: imported ${Number(reply.added) + Number(reply.replaced)} entries from ${file} (${reply.added} new, ${reply.replaced} replaced${expired})`);
  }
  return true;
}
