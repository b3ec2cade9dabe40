// sysadmin_sps_regroute -x and -l: pages through a database's CSV, appending it to a file
// (the guide's -x appends) or printing it, with a count at the end.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { DbName } from '../../server/db-control.js';
import { eachCsvPage } from '../../server/db-backend.js';
import type { Backend } from './backends.js';

/** Append the database(s) to a file. */
export async function exportFile(backend: Backend, file: string, dbs: readonly DbName[], out: (s: string) => void): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o644);
  } catch (e) {
    process.stderr.write(`sysadmin_sps_regroute: cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return false;
  }
  try {
    for (const db of dbs) {
      const n = await eachCsvPage(backend, db, undefined, (csv) => void writeSync(fd, csv));
      if (typeof n === 'string') {
        process.stderr.write(`sysadmin_sps_regroute: ${db} export failed: ${n}\n`);
        return false;
      }
      out(`${db}: exported ${n} entries to ${file}`);
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

export async function listDb(backend: Backend, db: DbName, match: string | undefined, out: (s: string) => void): Promise<boolean> {
  out(`# ${db} database${match !== undefined ? `, entries containing "${match}"` : ''}`);
  const n = await eachCsvPage(backend, db, match, (csv) => {
    if (csv) out(csv.replace(/\n$/, ''));
  });
  if (typeof n === 'string') {
    process.stderr.write(`sysadmin_sps_regroute: ${db}: ${n}\n`);
    return false;
  }
  out(`# ${n} ${db === 'routing' ? 'route' : 'registration'}${n === 1 ? '' : 's'}`);
  return true;
}
