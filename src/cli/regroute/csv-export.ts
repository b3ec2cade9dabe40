// sysadmin_sps_regroute -x and -l: pages through a database's CSV, appending it to a file
// (the guide's -x appends) or printing it, with a count at the end.
import { closeSync, openSync, writeSync } from 'node:fs';
import { MAX_PAGE } from '../../server/db-control.js';
import type { DbName } from '../../server/db-control.js';
import type { Backend } from './backends.js';

/** Page through a database's CSV; calls `chunk` with each page of text. */
async function eachCsvPage(backend: Backend, db: DbName, match: string | undefined, chunk: (csv: string) => void): Promise<number | string> {
  let offset: number | undefined = 0;
  let total = 0;
  while (offset !== undefined) {
    const reply = await backend.run({ cmd: 'db', db, op: 'export', offset, limit: MAX_PAGE, ...(match !== undefined && { match }) });
    if (reply.ok !== true) return String(reply.error);
    chunk(String(reply.csv));
    total = Number(reply.total);
    offset = typeof reply.next === 'number' ? reply.next : undefined;
  }
  return total;
}

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
      const n = await eachCsvPage(backend, db, undefined, (csv) => writeSync(fd, csv));
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
