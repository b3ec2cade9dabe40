// Bring a table's rows in line with a fresh list without clearing it: rows whose values are
// unchanged are left alone, changed rows are replaced, vanished rows deleted. A walk running
// across a refresh therefore never sees the table empty.
import type { IndexValue, SnmpValue, TableHandle } from '../mib-module.js';

function sameValue(a: SnmpValue, b: SnmpValue): boolean {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) {
    const ba = Buffer.isBuffer(a) ? a : Buffer.from(String(a ?? ''));
    const bb = Buffer.isBuffer(b) ? b : Buffer.from(String(b ?? ''));
    return ba.equals(bb);
  }
  return a === b;
}

export interface SyncStats {
  added: number;
  changed: number;
  deleted: number;
}

/**
 * `rows` are full rows (index columns included, in column order); `indexOf` extracts a row's
 * index values; `keyOf` turns index values into a map key.
 */
export function syncTable(table: TableHandle, rows: readonly SnmpValue[][], indexOf: (row: readonly SnmpValue[]) => IndexValue[]): SyncStats {
  const keyOf = (idx: readonly IndexValue[]) => idx.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : String(v))).join('\u0000');
  const stats: SyncStats = { added: 0, changed: 0, deleted: 0 };
  const wanted = new Set<string>();
  for (const row of rows) {
    const idx = indexOf(row);
    wanted.add(keyOf(idx));
    const old = table.getRow(idx);
    if (!old) {
      table.setRow([...row]);
      stats.added++;
    } else if (old.length !== row.length || row.some((v, i) => !sameValue(v, old[i]))) {
      table.setRow([...row]);
      stats.changed++;
    }
  }
  for (const old of table.rows()) {
    const idx = indexOf(old);
    if (!wanted.has(keyOf(idx))) {
      table.deleteRow(idx);
      stats.deleted++;
    }
  }
  return stats;
}
