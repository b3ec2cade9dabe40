// Table and scalar definitions read from the MIB text this agent serves (mibs/ and mibs/base/
// under the install prefix, shipped beside the code), so no module types a MIB's column list
// by hand: names, numbers, types, MAX-ACCESS, SYNTAX limits, DEFVALs, INDEX and AUGMENTS all
// come from the OBJECT-TYPEs (through mib-store.ts, where library defects 3, 4 and 5 of
// docs/net-snmp-defects.md are fixed). Where a module deliberately serves a column differently
// from the MIB, it says so in `columns` with the reason beside it.
import path from 'node:path';
import snmp from 'net-snmp';
import type { RawProvider } from 'net-snmp';
import { INSTALL_PREFIX } from '../common/install.js';
import { MibLibrary } from './mib-store.js';
import type { ColumnDef, Constraints, ForeignIndexDef, IndexDef, MaxAccess, ScalarDef, SnmpType, SnmpValue, TableDef } from './mib-module.js';

const T = snmp.ObjectType;
const TYPE_NAMES: Record<number, SnmpType> = {
  [T.Boolean]: 'Boolean', [T.Integer]: 'Integer', [T.BitString]: 'BitString', [T.OctetString]: 'OctetString',
  [T.Null]: 'Null', [T.OID]: 'OID', [T.IpAddress]: 'IpAddress', [T.Counter]: 'Counter', [T.Gauge]: 'Gauge',
  [T.TimeTicks]: 'TimeTicks', [T.Opaque]: 'Opaque', [T.Counter64]: 'Counter64',
};

export function typeName(n: number): SnmpType {
  return TYPE_NAMES[n] ?? 'OctetString';
}

/** How a module serves one column differently from its OBJECT-TYPE; null removes the MIB's. */
export interface ColumnOverride {
  type?: SnmpType;
  access?: MaxAccess;
  defVal?: SnmpValue | null;
  constraints?: Constraints | null;
}

export interface MibTableOptions {
  /** Serve every column at most read-only, without SYNTAX limits: the MIB's writes are not
   *  implemented (a SET answers notWritable, as for any read-only object). */
  readOnly?: boolean;
  /** Deviations from the MIB text, by column name. */
  columns?: Record<string, ColumnOverride>;
  /** The columns whose SYNTAX limits the agent checks (default: every column); the module's
   *  set handler checks the others itself. */
  limits?: readonly string[];
  /** The columns that keep their DEFVAL (default: every column); for tables whose module
   *  builds new rows itself (a `create` handler). */
  defVals?: readonly string[];
}

/** The columns, INDEX and OID of a table as the MIB text defines them. */
export type MibTableDef = Pick<TableDef, 'name' | 'oid' | 'columns' | 'index'>;

let shipped: MibLibrary | undefined;

/** Our own MIB text (mibs/, mibs/base/ under the install prefix), loaded once per process. */
export function shippedMibs(): MibLibrary {
  shipped ??= new MibLibrary({ dirs: [path.join(INSTALL_PREFIX, 'mibs'), path.join(INSTALL_PREFIX, 'mibs', 'base')] });
  return shipped;
}

function columnOf(c: NonNullable<RawProvider['tableColumns']>[number], options: MibTableOptions): ColumnDef {
  const override = options.columns?.[c.name] ?? {};
  let access = (snmp.MaxAccess[c.maxAccess] as MaxAccess) ?? 'not-accessible';
  if (options.readOnly && (access === 'read-write' || access === 'read-create')) access = 'read-only';
  const out: ColumnDef = { number: c.number, name: c.name, type: override.type ?? typeName(c.type), access: override.access ?? access };
  if (c.rowStatus) out.rowStatus = true;
  const mibDefVal = !options.defVals || options.defVals.includes(c.name) ? (c.defVal as SnmpValue | undefined) : undefined;
  const defVal = override.defVal === undefined ? mibDefVal : override.defVal;
  if (defVal !== undefined && defVal !== null) out.defVal = defVal;
  const checked = !options.readOnly && (!options.limits || options.limits.includes(c.name));
  const constraints = override.constraints === undefined ? (checked ? (c.constraints as Constraints | undefined) : undefined) : override.constraints;
  if (constraints) out.constraints = constraints;
  return out;
}

/**
 * The definition of `tableName` (or its Entry name) in `mibModule`. An INDEX object that is not
 * one of the table's columns (RFC 2578 §7.7) becomes a foreign index component: a column of
 * another table of the same module, else what `elsewhere` finds among registered tables. A
 * table that AUGMENTS another is indexed by that table's INDEX, as foreign components.
 */
export function tableDefFromMib(
  mibModule: string,
  tableName: string,
  options: MibTableOptions = {},
  mibs: MibLibrary = shippedMibs(),
  elsewhere?: (columnName: string) => ForeignIndexDef | undefined,
): MibTableDef {
  const p = mibs.tableProvider(mibModule, tableName);
  for (const name of [...Object.keys(options.columns ?? {}), ...(options.limits ?? []), ...(options.defVals ?? [])]) {
    if (!p.tableColumns?.some((c) => c.name === name)) throw new Error(`table ${tableName}: ${mibModule} has no column ${name}`);
  }
  const columns = (p.tableColumns ?? []).map((c) => columnOf(c, options));
  return { name: p.tableName ?? tableName, oid: p.oid, columns, index: indexOf(mibModule, p, mibs, elsewhere) };
}

function indexOf(mibModule: string, p: RawProvider, mibs: MibLibrary, elsewhere?: (columnName: string) => ForeignIndexDef | undefined): IndexDef[] {
  const name = p.tableName ?? p.name;
  if (p.tableAugments) {
    const base = mibs.tableProvider(mibModule, p.tableAugments);
    return indexOf(mibModule, base, mibs, elsewhere).map((i) => (typeof i === 'object' && i.foreign !== undefined ? i : { foreign: base.tableName ?? base.name, column: typeof i === 'number' ? i : i.column, ...(typeof i === 'object' && i.implied ? { implied: true } : {}) }));
  }
  const tables = mibs.providers(mibModule).filter((o) => o.tableColumns);
  return (p.tableIndex ?? []).map((i): IndexDef => {
    const own = p.tableColumns?.find((c) => c.name === i.columnName || c.number === i.columnNumber);
    if (own) return i.implied ? { column: own.number, implied: true } : own.number;
    const other = tables.find((o) => o.tableColumns?.some((c) => c.name === i.columnName));
    const column = other?.tableColumns?.find((c) => c.name === i.columnName)?.number;
    if (other && column !== undefined) return { foreign: other.tableName ?? other.name, column, ...(i.implied ? { implied: true } : {}) };
    const found = i.columnName === undefined ? undefined : elsewhere?.(i.columnName);
    if (found) return { ...found, ...(i.implied ? { implied: true } : {}) };
    throw new Error(`table ${name}: index ${i.columnName ?? i.columnNumber} is neither one of its columns nor a column of a registered table`);
  });
}

/** A scalar's definition (name, OID, type, MAX-ACCESS, SYNTAX limits, DEFVAL) from the MIB text. */
export function scalarDefFromMib(mibModule: string, scalarName: string, mibs: MibLibrary = shippedMibs()): Pick<ScalarDef, 'name' | 'oid' | 'type' | 'access' | 'constraints' | 'value'> {
  const p = mibs.scalarProvider(mibModule, scalarName);
  return {
    name: p.name,
    oid: p.oid,
    type: typeName(p.scalarType ?? T.Integer),
    access: (snmp.MaxAccess[p.maxAccess ?? 0] as MaxAccess) ?? 'read-only',
    ...(p.constraints ? { constraints: p.constraints as Constraints } : {}),
    ...(p.defVal !== undefined ? { value: p.defVal as SnmpValue } : {}),
  };
}
