// What the CRITAPP-MIB and LOG-MIB adapters share: each serves one RowStatus table indexed by
// an Integer32 (critAppProcTable, siLogTable) over an engine that owns the rows. Cell value
// conversions, the row a RowStatus create makes, and the copy of the engine's rows into the
// table that keeps each stored row's RowStatus.
import type { ColumnDef, IndexValue, SnmpValue, TableHandle } from '../mib-module.js';

// RowStatus values (RFC 2579).
const ROW_ACTIVE = 1;
const ROW_NOT_READY = 3;

/** TruthValue (and yes(1)/no(2) enumerations) from a boolean. */
export const truthValue = (b: boolean) => (b ? 1 : 2);
/** An OCTET STRING cell as text ('' for none). */
export const asText = (v: SnmpValue) => (Buffer.isBuffer(v) ? v.toString('utf8') : v === null || v === undefined ? '' : String(v));
export const asNumber = (v: SnmpValue) => (typeof v === 'number' ? v : Number(v));

/**
 * The row a RowStatus createAndGo/createAndWait makes at index `index[0]` (column 1): the
 * RowStatus column active (createAndGo) or notReady (createAndWait until the row is
 * complete), every other column from `fill`; undefined (noCreation) for an index below 1.
 */
export function createdRow(columns: readonly ColumnDef[], index: IndexValue[], action: 'createAndGo' | 'createAndWait', fill: (c: ColumnDef) => SnmpValue): SnmpValue[] | undefined {
  const n = Number(index[0]);
  if (!Number.isInteger(n) || n < 1) return undefined;
  return columns.map((c) => (c.number === 1 ? n : c.rowStatus ? (action === 'createAndGo' ? ROW_ACTIVE : ROW_NOT_READY) : fill(c)));
}

/**
 * Copy the engine's rows into the table; a row already stored keeps its RowStatus (at
 * `rowStatusAt` in the row). Rows created over SNMP but not complete yet exist only in the
 * table and are left alone.
 */
export function syncEngineRows<R extends { index: number }>(t: TableHandle, rows: Iterable<R>, values: (r: R) => SnmpValue[], rowStatusAt: number): void {
  for (const r of rows) {
    const stored = t.getRow([r.index]);
    const row = values(r);
    if (stored) row[rowStatusAt] = stored[rowStatusAt];
    t.setRow(row);
  }
}
