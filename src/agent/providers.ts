// Scalars and tables registered in net-snmp's tree from the module contract's definitions
// (./mib-module.ts ScalarDef, TableDef): providers with live-read hooks, SETs checked
// ('test') then applied ('commit') through the module's handler, RowStatus row creation with
// DEFVALs, index components of other tables (RFC 2578 §7.7), and the handles modules keep.
import snmp from 'net-snmp';
import type { Mib, MibNode, RawColumn, RawProvider } from 'net-snmp';
import type {
  CellSet, ColumnDef, IndexValue, LogLevel, MaxAccess, ScalarDef, ScalarHandle, SetError, SetPhase, SnmpType, SnmpValue, TableDef, TableHandle,
} from './mib-module.js';
import { isForeignIndex } from './mib-module.js';
import { nextInstance, oidToAddress, setProviderHooks, SET_ERROR_STATUS } from './net-snmp/index.js';

const T = snmp.ObjectType;
type Log = (level: LogLevel, message: string) => void;

export function typeNumber(t: SnmpType): number {
  const n = T[t];
  if (n === undefined) throw new Error(`unknown SNMP type ${t}`);
  return n;
}

function accessNumber(a: MaxAccess): number {
  return snmp.MaxAccess[a];
}

export function zeroOf(type: number): SnmpValue {
  switch (type) {
    case T.OctetString:
    case T.Opaque:
      return '';
    case T.OID:
      return '0.0';
    case T.IpAddress:
      return '0.0.0.0';
    case T.Boolean:
      return false;
    default:
      return 0;
  }
}


export function registerScalar(mib: Mib, log: Log, def: ScalarDef): ScalarHandle {
  const type = typeNumber(def.type);
  const provider: RawProvider = {
    name: def.name,
    type: snmp.MibProviderType.Scalar,
    oid: def.oid,
    scalarType: type,
    maxAccess: accessNumber(def.access),
    constraints: def.constraints,
    handler: (req) => {
      if (req.operation === snmp.PduType.SetRequest) {
        const phase: SetPhase = req.testSet ? 'test' : 'commit';
        const err = safeSet(log, def.name, () => def.set?.(req.setValue as SnmpValue, phase));
        return req.done(err ? { errorStatus: SET_ERROR_STATUS[err], type: T.Null, value: null } : undefined);
      }
      if (def.get && req.instanceNode) req.instanceNode.value = def.get();
      req.done();
    },
  };
  if (def.get) setProviderHooks(provider, { read: () => def.get?.() });
  mib.registerProvider(provider);
  mib.setScalarValue(def.name, def.value ?? (def.get ? def.get() : undefined) ?? zeroOf(type));
  return {
    name: def.name,
    get: () => (def.get ? def.get() : (mib.getScalarValue(def.name) as SnmpValue)),
    set: (value) => mib.setScalarValue(def.name, value),
  };
}

export function registerTable(mib: Mib, log: Log, def: TableDef): TableHandle {
  const columns = def.columns.map<RawColumn>((c) => ({
    number: c.number,
    name: c.name,
    type: typeNumber(c.type),
    maxAccess: accessNumber(c.access),
    ...(c.rowStatus ? { rowStatus: true } : {}),
    ...(c.defVal !== undefined ? { defVal: c.defVal } : {}),
    ...(c.constraints ? { constraints: c.constraints } : {}),
  }));
  // Index components from other tables (RFC 2578 §7.7) lead the row and the index; net-snmp
  // keeps them the same way (foreign values first) and takes their syntax from that table.
  const foreignCount = def.index.filter(isForeignIndex).length;
  def.index.forEach((ix, k) => {
    if (!isForeignIndex(ix)) return;
    if (k >= foreignCount) throw new Error(`table ${def.name}: index components of other tables must come before its own`);
    const other = mib.providers[ix.foreign];
    if (!other?.tableColumns?.some((c) => c.number === ix.column)) throw new Error(`table ${def.name}: index ${ix.foreign} column ${ix.column} is not a column of a registered table (register ${ix.foreign} first)`);
  });
  const position = new Map(def.columns.map((c, i) => [c.number, foreignCount + i]));
  // -1 for a foreign component: indexColumns.indexOf(column) is a position in the index.
  const indexColumns = def.index.map((i) => (isForeignIndex(i) ? -1 : typeof i === 'number' ? i : i.column));
  for (const n of indexColumns) if (n !== -1 && !position.has(n)) throw new Error(`table ${def.name}: index column ${n} is not among its columns`);
  const rowLength = foreignCount + def.columns.length;
  const indexOfRow = (row: readonly SnmpValue[]) => indexColumns.map((n, k) => (n === -1 ? row[k] : row[position.get(n)!]) as IndexValue);
  const rowStatusPos = def.columns.findIndex((c) => c.rowStatus);
  const Mib = mib.constructor as unknown as { getRowIndexFromOid(oid: string, index: unknown): IndexValue[] };
  const provider: RawProvider = {
    name: def.name,
    type: snmp.MibProviderType.Table,
    oid: def.oid,
    maxAccess: snmp.MaxAccess['not-accessible'],
    tableColumns: columns,
    tableIndex: def.index.map((i) =>
      typeof i === 'number' ? { columnNumber: i } : isForeignIndex(i) ? { foreign: i.foreign, columnNumber: i.column, implied: !!i.implied } : { columnNumber: i.column, implied: !!i.implied },
    ),
  };
  const stored = (c: ColumnDef) =>
    !indexColumns.includes(c.number) || !(c.access === 'not-accessible' || c.access === 'accessible-for-notify');
  const firstStored = def.columns.find(stored);
  if (!firstStored) throw new Error(`table ${def.name}: no readable column`);

  const decode = (node: MibNode): { index: IndexValue[]; column: number } => {
    const rest = node.address.slice(oidToAddress(def.oid).length);
    const column = rest[0];
    return { column, index: Mib.getRowIndexFromOid(rest.slice(1).join('.'), provider.tableIndex) };
  };
  const suffix = (index: IndexValue[]) => mib.getTableRowInstanceFromRowIndex(provider, index);
  const cellNode = (index: IndexValue[], column: number) => mib.lookup([...oidToAddress(def.oid), column, ...suffix(index)]);
  const getRow = (index: IndexValue[]): SnmpValue[] | undefined => {
    if (!cellNode(index, firstStored.number)) return undefined;
    const row: SnmpValue[] = index.slice(0, foreignCount) as SnmpValue[];
    for (const c of def.columns) {
      const at = indexColumns.indexOf(c.number);
      if (at >= 0 && !stored(c)) row.push(index[at] as SnmpValue);
      else row.push((cellNode(index, c.number)?.value as SnmpValue) ?? null);
    }
    return row;
  };
  const pendingChanged = new Map<string, IndexValue[]>();
  const flushChanged = () => {
    for (const index of pendingChanged.values()) {
      const row = getRow(index);
      try {
        if (row) def.changed?.(index, row);
        else def.destroyed?.(index);
      } catch (e) {
        log('error', `table ${def.name}: change handler failed: ${(e as Error).message}`);
      }
    }
    pendingChanged.clear();
  };

  provider.handler = (req) => {
    const node = req.instanceNode;
    if (req.operation !== snmp.PduType.SetRequest) {
      if (def.get && node) {
        const { index, column } = decode(node);
        node.value = def.get(index, column, node.value as SnmpValue);
      }
      return req.done();
    }
    if (!node) return req.done();
    const { index, column } = decode(node);
    const phase: SetPhase = req.testSet ? 'test' : 'commit';
    const cell: CellSet = { index, column, value: req.setValue as SnmpValue, row: getRow(index) ?? [] };
    const err = safeSet(log, def.name, () => def.set?.(cell, phase));
    if (err) return req.done({ errorStatus: SET_ERROR_STATUS[err], type: T.Null, value: null });
    req.done();
    if (phase === 'commit' && (def.changed || def.destroyed)) {
      if (pendingChanged.size === 0) setImmediate(flushChanged);
      pendingChanged.set(suffix(index).join('.'), index);
    }
  };
  // Row creation over SNMP (RowStatus createAndGo/createAndWait).
  provider.createHandler = (req) => {
    const index = (Array.isArray(req.row) ? req.row : [req.row]) as IndexValue[];
    const action = req.action === 'createAndWait' ? 'createAndWait' : 'createAndGo';
    let row: SnmpValue[] | undefined;
    try {
      row = def.create
        ? def.create(index, action)
        : [
            ...(index.slice(0, foreignCount) as SnmpValue[]),
            ...def.columns.map((c) => {
              const at = indexColumns.indexOf(c.number);
              if (at >= 0) return index[at] as SnmpValue;
              return c.defVal !== undefined ? c.defVal : zeroOf(typeNumber(c.type));
            }),
          ];
    } catch (e) {
      log('error', `table ${def.name}: create handler failed: ${(e as Error).message}`);
      row = undefined;
    }
    if (!row || row.length !== rowLength) return undefined;
    row = [...row];
    // The library recognises a new row by its RowStatus cell holding the create action.
    if (rowStatusPos >= 0) row[foreignCount + rowStatusPos] = snmp.RowStatus[action];
    return row;
  };
  if (def.get) {
    setProviderHooks(provider, {
      read: (node) => {
        const { index, column } = decode(node);
        return def.get?.(index, column, node.value as SnmpValue);
      },
    });
  }
  mib.registerProvider(provider);

  const handle: TableHandle = {
    name: def.name,
    setRow: (row) => {
      if (row.length !== rowLength) throw new Error(`table ${def.name}: a row needs ${rowLength} values, got ${row.length}`);
      const index = indexOfRow(row);
      if (cellNode(index, firstStored.number)) {
        // Existing row: update the cells in place (no tree reshaping).
        def.columns.forEach((c, i) => {
          if (!stored(c)) return;
          const node = cellNode(index, c.number);
          if (node) node.value = row[foreignCount + i];
          else mib.addTableRow(def.name, row);
        });
      } else {
        mib.addTableRow(def.name, row);
      }
    },
    setCell: (index, column, value) => {
      const node = cellNode(index, column);
      if (!node) return false;
      node.value = value;
      return true;
    },
    getRow,
    deleteRow: (index) => {
      if (!cellNode(index, firstStored.number)) return false;
      mib.deleteTableRow(def.name, index);
      return true;
    },
    rows: () => {
      const out: SnmpValue[][] = [];
      const colAddr = [...oidToAddress(def.oid), firstStored.number];
      let at: number[] = colAddr;
      for (;;) {
        const node = nextInstance(mib, at);
        if (!node || node.address.length <= colAddr.length || colAddr.some((p, i) => node.address[i] !== p)) break;
        const row = getRow(decode(node).index);
        if (row) out.push(row);
        at = node.address;
      }
      return out;
    },
    clear: () => {
      for (const row of handle.rows()) handle.deleteRow(indexOfRow(row));
    },
  };
  return handle;
}

function safeSet(log: Log, name: string, f: () => SetError | undefined): SetError | undefined {
  try {
    return f();
  } catch (e) {
    log('error', `${name}: SET handler failed: ${(e as Error).message}`);
    return 'genErr';
  }
}

