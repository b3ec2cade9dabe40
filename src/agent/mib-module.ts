// The contract between ciagent's core and its MIB modules.
//
// A module is a small object with start/stop. In start() it registers its scalars and
// tables through the context, starts its own pollers (unref'd timers) and keeps the
// handles to update rows later. Request handlers (get/set below) run on the request
// path: they must be synchronous and only read memory (a cache refreshed on a timer).
//
// Tables come from the MIB text (mibs/*, our own files): no module types a column list.
// `tableDefFromMib` (./mib-tables.ts) reads a table's columns (number, name, type, MAX-ACCESS,
// SYNTAX limits, DEFVAL, RowStatus) and its INDEX, foreign components and AUGMENTS included;
// the module adds its handlers and says where it serves a column differently from the MIB.
// `ctx.tableFromMib(module, table, handlers)` does the same in one call. RowStatus
// createAndGo/createAndWait/destroy work on every table that has a RowStatus column.
// Numeric OIDs of scalars and notifications come from ./oids.ts.
//
// Example: DEMO-MIB (mibs/DEMO-MIB) defines demoPolls (Counter32, read-only) and demoTable
// (INDEX { demoIndex }; demoName, a DisplayString, read-create; demoRowStatus).
//
//   import type { AgentModule, AgentContext, TableHandle } from '../../mib-module.js';
//   import { tableDefFromMib } from '../../mib-tables.js';
//   import { OID } from '../../oids.js';
//
//   let timer: NodeJS.Timeout | undefined;
//   export const demoModule: AgentModule = {                      // src/agent/mibs/demo/index.ts
//     name: 'demo',
//     start(ctx: AgentContext) {
//       let polls = 0;
//       ctx.scalarFromMib('DEMO-MIB', 'demoPolls', { get: () => polls });
//       const table: TableHandle = ctx.table({
//         ...tableDefFromMib('DEMO-MIB', 'demoTable', {
//           // Deviations from the MIB, each with its reason: here an empty default name.
//           columns: { demoName: { defVal: '' } },
//         }),
//         set: (cell, phase) => (phase === 'test' && String(cell.value).length > 32 ? 'wrongLength' : undefined),
//       });
//       table.setRow([1, 'first', 1]);                               // every column, index included
//       timer = setInterval(() => { polls++; table.setCell([1], 2, `poll ${polls}`); }, 5000).unref();
//       void ctx.notify(`${OID.openSps}.99.0.1`, [{ oid: `${OID.openSps}.99.1.0`, type: 'Counter', value: polls }]);
//     },
//     stop() { clearInterval(timer); },
//   };
//
// Then add the module to the list in ./mib-modules.ts. Options of tableDefFromMib:
// `readOnly` (serve the MIB's writable columns read-only), `limits` / `defVals` (the columns
// whose SYNTAX limits / DEFVALs apply, when the module checks values or builds rows itself),
// `columns` (per-column deviations). ctx.table with a hand-made TableDef remains for tests.

/** Value types, as net-snmp names them (Integer32/Counter32/Gauge32/Unsigned32 are aliases). */
export type SnmpType =
  | 'Boolean' | 'Integer' | 'Integer32' | 'BitString' | 'OctetString' | 'Null' | 'OID' | 'IpAddress'
  | 'Counter' | 'Counter32' | 'Gauge' | 'Gauge32' | 'Unsigned32' | 'TimeTicks' | 'Opaque' | 'Counter64';

/**
 * A value as net-snmp carries it: Integer/Counter/Gauge/TimeTicks → number; OctetString →
 * string or Buffer (reads give Buffer after a SET); OID → dotted string; IpAddress → dotted
 * quad string; Counter64 → number or 8-byte Buffer; null for Null.
 */
export type SnmpValue = number | bigint | string | Buffer | boolean | null;

export type MaxAccess = 'not-accessible' | 'accessible-for-notify' | 'read-only' | 'read-write' | 'read-create';

/** Errors a SET handler may answer with (RFC 3416 names). */
export type SetError =
  | 'wrongValue' | 'wrongType' | 'wrongLength' | 'wrongEncoding' | 'inconsistentValue'
  | 'resourceUnavailable' | 'commitFailed' | 'noCreation' | 'notWritable' | 'inconsistentName' | 'genErr';

/** SETs run twice: once to check every varbind ('test'), then to apply ('commit'). */
export type SetPhase = 'test' | 'commit';

export interface Constraints {
  ranges?: Array<{ min: number; max: number }>;
  sizes?: Array<{ min: number; max: number }>;
  /** number → label, e.g. { 1: 'up', 2: 'down' } */
  enumeration?: Record<number, string>;
}

export interface Varbind {
  oid: string;
  type: SnmpType;
  value: SnmpValue;
}

export interface ScalarDef {
  /** MIB object name, e.g. 'sysContact' (also the provider name: unique in the agent). */
  name: string;
  /** Object OID WITHOUT the trailing .0. */
  oid: string;
  type: SnmpType;
  access: MaxAccess;
  /** Initial value (when no `get`). */
  value?: SnmpValue;
  /** Live value, called on every read; must be synchronous and cheap. */
  get?: () => SnmpValue;
  /** Check ('test') then apply ('commit') a SET; return an error to refuse. Without `set`
   *  a writable scalar just stores the value. */
  set?: (value: SnmpValue, phase: SetPhase) => SetError | undefined;
  constraints?: Constraints;
}

export interface ColumnDef {
  number: number;
  name: string;
  type: SnmpType;
  access: MaxAccess;
  /** This column is the row's RowStatus (RFC 2579): enables createAndGo/createAndWait/destroy. */
  rowStatus?: boolean;
  /** Value given to the column when a row is created over SNMP. */
  defVal?: SnmpValue;
  constraints?: Constraints;
}

/**
 * An INDEX object that is a column of another table (RFC 2578 §7.7 allows INDEX objects from
 * elsewhere: hrProcessorEntry is indexed by hrDeviceIndex, sysApplRunEntry by
 * sysApplInstallPkgIndex). `foreign` names that table as registered in this agent (it must be
 * registered first; its column gives the syntax); the value is carried in the row and the
 * instance OID but is never served as a column of this table. Foreign components come first
 * in `index`, before the table's own index columns.
 */
export interface ForeignIndexDef {
  foreign: string;
  /** The other table's column number. */
  column: number;
  implied?: boolean;
}

/** An index component: a column number of this table, `{ column, implied: true }` (last
 *  index only), or a column of another table (ForeignIndexDef). */
export type IndexDef = number | { column: number; implied?: boolean; foreign?: undefined } | ForeignIndexDef;

export function isForeignIndex(i: IndexDef): i is ForeignIndexDef {
  return typeof i === 'object' && typeof i.foreign === 'string';
}

/** One index component: number for integer indexes, string for OctetString/OID/IpAddress. */
export type IndexValue = number | string | Buffer;

export interface CellSet {
  index: IndexValue[];
  column: number;
  value: SnmpValue;
  /** The current row (as TableHandle.setRow takes it), after a RowStatus create already filled. */
  row: SnmpValue[];
}

export interface TableDef {
  /** The table's name, e.g. 'ifTable' (unique in the agent). */
  name: string;
  /** The conceptual row (Entry) OID, e.g. '1.3.6.1.2.1.2.2.1' for ifEntry. */
  oid: string;
  /** Every column, in column-number order; this table's own index columns included (usually
   *  not-accessible). Index objects of other tables are not columns: see ForeignIndexDef. */
  columns: ColumnDef[];
  index: IndexDef[];
  /** Live cell value, called on every read of a cell; return `current` to keep the stored one. */
  get?: (index: IndexValue[], column: number, current: SnmpValue) => SnmpValue;
  /** Check/apply a SET of one cell (RowStatus cells too; value is the requested RowStatus). */
  set?: (cell: CellSet, phase: SetPhase) => SetError | undefined;
  /** Row creation over SNMP (RowStatus createAndGo/createAndWait): return the full row, or
   *  undefined to refuse (noCreation). Default: index values, RowStatus, every column's defVal. */
  create?: (index: IndexValue[], action: 'createAndGo' | 'createAndWait') => SnmpValue[] | undefined;
  /** Told after a row was destroyed over SNMP (RowStatus destroy). */
  destroyed?: (index: IndexValue[]) => void;
  /** Told after a SET changed cells of a row (commit done), including rows just created. */
  changed?: (index: IndexValue[], row: SnmpValue[]) => void;
}

export interface ScalarHandle {
  readonly name: string;
  get(): SnmpValue;
  /** Replace the stored value (ignored for reads while a `get` is defined). */
  set(value: SnmpValue): void;
}

export interface TableHandle {
  readonly name: string;
  /** Add or replace a row: the values of the foreign index components (ForeignIndexDef, in
   *  `index` order) first, then one value per column in `columns` order, own index columns
   *  included. getRow/rows/CellSet.row/create use the same layout. */
  setRow(row: SnmpValue[]): void;
  /** Change one cell of an existing row; false when the row does not exist. */
  setCell(index: IndexValue[], column: number, value: SnmpValue): boolean;
  getRow(index: IndexValue[]): SnmpValue[] | undefined;
  deleteRow(index: IndexValue[]): boolean;
  /** Every row, in index order. */
  rows(): SnmpValue[][];
  clear(): void;
}

/** Handlers for a table or scalar whose definition comes from a MIB file (see tableFromMib). */
export type TableHandlers = Pick<TableDef, 'get' | 'set' | 'create' | 'destroyed' | 'changed'>;
export type ScalarHandlers = Pick<ScalarDef, 'get' | 'set' | 'value'>;

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface AgentContext {
  /** Directory holding snmpd.cnf, critagt.cnf, logagt.cnf, eventagt.cnf … */
  readonly configDir: string;
  /** Writable directory for state that survives restarts (engine id, saved rows …). */
  readonly dataDir: string;
  /** Install/repository root (bin/, logs/, mibs/ live under it). */
  readonly rootDir: string;
  log(level: LogLevel, message: string): void;
  /** Centiseconds since the agent started (sysUpTime). */
  sysUpTime(): number;

  scalar(def: ScalarDef): ScalarHandle;
  table(def: TableDef): TableHandle;
  /** Definitions from mibs/<module> (loaded once, shared): OBJECT-TYPE names as the MIB has them. */
  tableFromMib(mibModule: string, tableName: string, handlers?: TableHandlers): TableHandle;
  scalarFromMib(mibModule: string, scalarName: string, handlers?: ScalarHandlers): ScalarHandle;
  /** Remove what this module registered (tables or scalars by name). */
  unregister(name: string): void;

  /** Read an instance from the agent's own MIB (live `get` applied); undefined when absent. */
  get(oid: string): Varbind | undefined;
  /** Every instance strictly under `prefix`, in OID order (live `get` applied). */
  walk(prefix: string): Varbind[];
  /**
   * get() through the tree an SNMP manager sees: our readable objects and the regions AgentX
   * subagents registered (asked with the master's time limit). Rejects when a subagent
   * answers an error or nothing in time, with an Error whose numeric `status` is the SNMP
   * error-status a manager would get (genErr on a timeout). ciagent always provides it;
   * optional so that contexts built by tests may leave it out.
   */
  read?(oid: string): Promise<Varbind | undefined>;
  /** walk() through the same tree as read(): every instance strictly under `prefix`. */
  readAll?(prefix: string): Promise<Varbind[]>;

  /**
   * Send a notification to every configured target (snmpTargetAddrEntry): SNMPv2-Trap or,
   * where snmpd.cnf asks for it, InformRequest for v2c/v3 targets (sysUpTime.0 and
   * snmpTrapOID.0 are prepended for you), an RFC 3584 v1 Trap for v1 targets. Resolves once
   * sent (an inform's answer is not awaited). Never rejects; failures are logged.
   */
  notify(trapOid: string, varbinds?: Varbind[]): Promise<void>;
}

export interface AgentModule {
  name: string;
  start(ctx: AgentContext): Promise<void> | void;
  stop(): Promise<void> | void;
  /** Optional: SIGHUP — re-read this module's configuration. */
  reload?(ctx: AgentContext): Promise<void> | void;
}
