// sysadmin_mysql_user import and export: subscribers as CSV (src/stores/subscriber-csv.ts,
// the format the provisioning GUI reads and writes too). Import is all or nothing: every
// bad line is reported with its number and nothing is written; export writes the stored
// digest secrets too, since this tool is the administrator's backup path.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { exportSubscribers, parseSubscriberCsv } from '../../stores/subscriber-csv.js';
import type { SearchableSubscriberStore } from '../../stores/subscriber-store.js';

export interface BulkIo {
  out(text: string): void;
  err(text: string): void;
}

/** import --file F: 0 when everything was imported, 1 otherwise. */
export async function importSubscriberFile(store: SearchableSubscriberStore, file: string, realm: string, io: BulkIo): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    io.err(`ERROR: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 1;
  }
  const parsed = parseSubscriberCsv(text, { realm });
  if (!parsed.ok) {
    for (const e of parsed.errors) io.err(`${file}:${e.line}: ${e.message}\n`);
    io.err(`ERROR: ${parsed.errors.length} bad line${parsed.errors.length === 1 ? '' : 's'} in ${file}; nothing was imported.\n`);
    return 1;
  }
  const r = await store.importMany(parsed.entries);
  io.out(`Imported ${parsed.entries.length} subscribers from ${file} (${r.added} new, ${r.replaced} replaced).\n`);
  return 0;
}

/** export --file F (appended, as sysadmin_sps_regroute -x does): 0 when written. */
export async function exportSubscriberFile(store: SearchableSubscriberStore, file: string, io: BulkIo): Promise<number> {
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o600);
  } catch (e) {
    io.err(`ERROR: cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 1;
  }
  try {
    const n = await exportSubscribers(store, (csv) => void writeSync(fd, csv), { secrets: true });
    io.out(`Exported ${n} subscribers to ${file}.\n`);
    return 0;
  } finally {
    closeSync(fd);
  }
}
