// The objects an AgentX subagent serves, as an ordered OID tree whose values are read at
// request time (no copies to keep in step). Scalars and conceptual tables; a table lists its
// rows on demand and the tree sorts them once per request PDU, so a GetBulk of many rows
// sorts a table once, not once per step. Sets follow RFC 2741's two phases: test every
// varbind (each column's set() returns a plan or an SNMP error-status), then commit, or undo.
import { VarType } from './pdu.js';
import type { Varbind } from './pdu.js';

export type Value = Varbind['value'];
export interface Cell {
  type: number;
  value: Value;
}

/** What a column's set() returns once the value passed its test. */
export interface SetPlan {
  commit(): void;
  undo(): void;
}

/** SNMP error-status values a set may return (RFC 3416 §3). */
export const SetError = {
  noError: 0, genErr: 5, noAccess: 6, wrongType: 7, wrongLength: 8, wrongValue: 10, noCreation: 11,
  inconsistentValue: 12, resourceUnavailable: 13, commitFailed: 14, undoFailed: 15, notWritable: 17, inconsistentName: 18,
} as const;

export interface ScalarDef {
  /** The object's OID, without the .0 instance. */
  oid: number[];
  get(): Cell | undefined;
  set?(vb: Varbind): SetPlan | number;
}

export interface ColumnDef<R> {
  sub: number;
  get(row: R): Cell | undefined;
  /** row is undefined when the index names no row (creation through RowStatus). */
  set?(row: R | undefined, index: number[], vb: Varbind): SetPlan | number;
}

export interface TableDef<R> {
  /** The entry's OID (…Table.1). */
  entry: number[];
  columns: ColumnDef<R>[];
  rows(): Iterable<{ index: number[]; row: R }>;
}

type Row = { index: number[]; row: unknown };

interface Node {
  oid: number[];
  scalar?: ScalarDef;
  table?: TableDef<unknown>;
  sorted?: Row[];
  sortedAt?: number;
}

export function compareOids(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length - b.length;
}

function startsWith(oid: readonly number[], prefix: readonly number[]): boolean {
  if (oid.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (oid[i] !== prefix[i]) return false;
  return true;
}

/** An OID index for a string (length, then octets: SnmpAdminString, SipTCMethodName). */
export function stringIndex(s: string): number[] {
  const b = Buffer.from(s, 'utf8');
  return [b.length, ...b];
}

/** The string a length-prefixed index starts with, and what follows it; undefined if malformed. */
export function readStringIndex(index: readonly number[]): { text: string; rest: number[] } | undefined {
  const n = index[0];
  if (n === undefined || index.length < 1 + n || index.slice(1, 1 + n).some((x) => x > 255)) return undefined;
  return { text: Buffer.from(index.slice(1, 1 + n)).toString('utf8'), rest: index.slice(1 + n) };
}

export class OidTree {
  private readonly nodes: Node[] = [];
  private epoch = 0;

  scalar(def: ScalarDef): void {
    this.add({ oid: def.oid, scalar: def });
  }

  table<R>(def: TableDef<R>): void {
    const columns = [...def.columns].sort((a, b) => a.sub - b.sub);
    this.add({ oid: def.entry, table: { ...def, columns } as unknown as TableDef<unknown> });
  }

  private add(node: Node): void {
    if (this.nodes.some((n) => startsWith(n.oid, node.oid) || startsWith(node.oid, n.oid))) throw new Error(`OID ${node.oid.join('.')} overlaps an object already in the tree`);
    this.nodes.push(node);
    this.nodes.sort((a, b) => compareOids(a.oid, b.oid));
  }

  /** Call once per request PDU: tables are re-read (sorted) at most once per request. */
  beginRequest(): void {
    this.epoch++;
  }

  private rows(node: Node): Row[] {
    if (node.sortedAt !== this.epoch || !node.sorted) {
      node.sorted = [...node.table!.rows()].sort((a, b) => compareOids(a.index, b.index));
      node.sortedAt = this.epoch;
    }
    return node.sorted;
  }

  private nodeFor(oid: readonly number[]): Node | undefined {
    return this.nodes.find((n) => startsWith(oid, n.oid));
  }

  get(oid: number[]): Varbind {
    const miss = (type: number): Varbind => ({ oid, type, value: null });
    const node = this.nodeFor(oid);
    if (!node) return miss(VarType.NoSuchObject);
    if (node.scalar) {
      if (oid.length !== node.oid.length + 1 || oid[oid.length - 1] !== 0) return miss(VarType.NoSuchInstance);
      const c = node.scalar.get();
      return c ? { oid, ...c } : miss(VarType.NoSuchInstance);
    }
    const col = node.table!.columns.find((c) => c.sub === oid[node.oid.length]);
    if (!col) return miss(VarType.NoSuchObject);
    const index = oid.slice(node.oid.length + 1);
    const row = this.find(node, index);
    const c = row && col.get(row.row);
    return c ? { oid, ...c } : miss(VarType.NoSuchInstance);
  }

  private find(node: Node, index: readonly number[]): Row | undefined {
    const rows = this.rows(node);
    let lo = 0;
    let hi = rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareOids(rows[mid].index, index);
      if (c === 0) return rows[mid];
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /**
   * The first instance after `start` (at or after it when `include`), below `end` when end is
   * not empty (RFC 2741 §5.2 search range); endOfMibView at `start` when there is none.
   */
  next(start: number[], include = false, end: number[] = []): Varbind {
    const after = (oid: readonly number[]) => {
      const c = compareOids(oid, start);
      return c > 0 || (include && c === 0);
    };
    for (const node of this.nodes) {
      const found = node.scalar ? this.nextScalar(node, after) : this.nextInTable(node, start, after);
      if (!found) continue;
      if (end.length > 0 && compareOids(found.oid, end) >= 0) break;
      return found;
    }
    return { oid: start, type: VarType.EndOfMibView, value: null };
  }

  private nextScalar(node: Node, after: (oid: readonly number[]) => boolean): Varbind | undefined {
    const oid = [...node.oid, 0];
    if (!after(oid)) return undefined;
    const c = node.scalar!.get();
    return c ? { oid, ...c } : undefined;
  }

  private nextInTable(node: Node, start: readonly number[], after: (oid: readonly number[]) => boolean): Varbind | undefined {
    const rows = this.rows(node);
    if (rows.length === 0) return undefined;
    for (const col of node.table!.columns) {
      const prefix = [...node.oid, col.sub];
      // Rows are sorted, so the first row past `start` is found by bisection.
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (after([...prefix, ...rows[mid].index])) hi = mid;
        else lo = mid + 1;
      }
      // A column may have no value in some rows (not applicable): skip those.
      for (let i = lo; i < rows.length; i++) {
        const c = col.get(rows[i].row);
        if (c) return { oid: [...prefix, ...rows[i].index], ...c };
      }
    }
    return undefined;
  }

  /** RFC 2741 TestSet for one varbind: a plan to commit later, or an SNMP error-status. */
  testSet(vb: Varbind): SetPlan | number {
    const node = this.nodeFor(vb.oid);
    if (!node) return SetError.notWritable;
    if (node.scalar) {
      if (vb.oid.length !== node.oid.length + 1 || vb.oid[vb.oid.length - 1] !== 0) return SetError.noCreation;
      return node.scalar.set ? node.scalar.set(vb) : SetError.notWritable;
    }
    const col = node.table!.columns.find((c) => c.sub === vb.oid[node.oid.length]);
    if (!col?.set) return SetError.notWritable;
    const index = vb.oid.slice(node.oid.length + 1);
    return col.set(this.find(node, index)?.row, index, vb);
  }
}

/** Cells of the usual SMI types. */
export const cell = {
  integer: (n: number): Cell => ({ type: VarType.Integer, value: n | 0 }),
  /** Unsigned32 travels as Gauge32 (RFC 2578 §7.1.12: the same encoding). */
  unsigned: (n: number): Cell => ({ type: VarType.Gauge32, value: Math.max(0, Math.min(n, 2 ** 32 - 1)) >>> 0 }),
  gauge: (n: number): Cell => ({ type: VarType.Gauge32, value: Math.max(0, Math.min(n, 2 ** 32 - 1)) >>> 0 }),
  counter: (n: number): Cell => ({ type: VarType.Counter32, value: n % 2 ** 32 }),
  ticks: (n: number): Cell => ({ type: VarType.TimeTicks, value: Math.max(0, Math.floor(n)) % 2 ** 32 }),
  text: (s: string): Cell => ({ type: VarType.OctetString, value: Buffer.from(s, 'utf8') }),
  octets: (b: Buffer): Cell => ({ type: VarType.OctetString, value: b }),
  truth: (b: boolean): Cell => ({ type: VarType.Integer, value: b ? 1 : 2 }),
  /** BITS (RFC 2578 §7.1.4): bit 0 is the high bit of the first octet. */
  bits: (on: readonly number[]): Cell => {
    const b = Buffer.alloc(on.length ? (Math.max(...on) >> 3) + 1 : 1);
    for (const n of on) b[n >> 3] |= 0x80 >> (n & 7);
    return { type: VarType.OctetString, value: b };
  },
};
