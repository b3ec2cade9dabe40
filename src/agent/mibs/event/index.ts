// DISMAN-EVENT-MIB (eventagt): the Event MIB tables over the event engine.
//
// Rows come from eventagt.cnf (configDir) and can be added, changed and removed over SNMP:
// mteTriggerTable, mteObjectsTable and mteEventTable take RowStatus createAndGo /
// createAndWait / active / notInService / destroy. The Delta, Existence, Boolean and
// Threshold rows of a trigger (and the Notification and Set rows of an event) share its
// index and appear and disappear with it, as RFC 2981 has them.
//
// The tables' stored rows hold the configuration; after every committed SET the row is
// read back into the engine (`changed`), which reschedules the trigger. Counters are live.
//
// Tables whose INDEX holds another table's columns (mteOwner is mteTriggerTable's; the
// extension tables are indexed like their trigger or event) declare those as foreign index
// components (../../mib-module.ts ForeignIndexDef): their rows carry the foreign values first, then
// their own columns, and no column exists that RFC 2981 does not define.
//
// Rows created over SNMP are written to the eventagt.cnf the module loaded once they are
// active (and taken out when destroyed), so they survive a restart (see "persistence" in start()).
import path from 'node:path';
import type { AgentContext, AgentModule, CellSet, ColumnDef, IndexDef, IndexValue, MaxAccess, SetError, SetPhase, SnmpType, SnmpValue, TableHandle } from '../../mib-module.js';
import { OID } from '../../oids.js';
import { formatEntryMessage } from '../../cnf/entry-lines.js';
import { eventagtRowAsRead, loadEventagtCnf, removeEventagtRow, saveEventagtRow } from './eventagt-cnf.js';
import type { EventagtRow } from './eventagt-cnf.js';
import { EventEngine } from './engine.js';
import type { EventIo } from './engine.js';
import {
  BOOLEAN_COMPARISON, DISCONTINUITY_TYPE, ROW_STATUS, SAMPLE_TYPE, THRESHOLD_STARTUP,
  bitsFromBuffer, bitsToBuffer, defaultEvent, defaultObjects, defaultTrigger,
} from './types.js';
import type { EventRow, ObjectsRow, RowState, TriggerRow } from './types.js';
import { rowKey } from './types.js';
import type { EventagtConfig } from './eventagt-cnf.js';

const E = OID.dismanEventMIB;
export const EVENT_MIB_OIDS = {
  mteResourceSampleMinimum: `${E}.1.1.1`,
  mteResourceSampleInstanceMaximum: `${E}.1.1.2`,
  mteResourceSampleInstances: `${E}.1.1.3`,
  mteResourceSampleInstancesHigh: `${E}.1.1.4`,
  mteResourceSampleInstanceLacks: `${E}.1.1.5`,
  mteTriggerFailures: `${E}.1.2.1`,
  mteTriggerEntry: `${E}.1.2.2.1`,
  mteTriggerDeltaEntry: `${E}.1.2.3.1`,
  mteTriggerExistenceEntry: `${E}.1.2.4.1`,
  mteTriggerBooleanEntry: `${E}.1.2.5.1`,
  mteTriggerThresholdEntry: `${E}.1.2.6.1`,
  mteObjectsEntry: `${E}.1.3.1.1`,
  mteEventFailures: `${E}.1.4.1`,
  mteEventEntry: `${E}.1.4.2.1`,
  mteEventNotificationEntry: `${E}.1.4.3.1`,
  mteEventSetEntry: `${E}.1.4.4.1`,
} as const;

// ---- value kinds: how a row field looks on the wire --------------------------------

type Kind =
  | { k: 'text'; max: number }
  | { k: 'oid' }
  | { k: 'truth' }
  | { k: 'int'; min: number; max: number }
  | { k: 'enum'; values: Record<string, number> }
  | { k: 'bits'; names: readonly string[] };

const TEXT32: Kind = { k: 'text', max: 32 };
const TEXT255: Kind = { k: 'text', max: 255 };
const OIDK: Kind = { k: 'oid' };
const TRUTH: Kind = { k: 'truth' };
const INT32: Kind = { k: 'int', min: -2147483648, max: 2147483647 };
const UINT32: Kind = { k: 'int', min: 0, max: 4294967295 };

const asText = (v: SnmpValue) => (Buffer.isBuffer(v) ? v.toString('utf8') : v === null || v === undefined ? '' : String(v));

function wireType(kind: Kind): SnmpType {
  switch (kind.k) {
    case 'text':
    case 'bits':
      return 'OctetString';
    case 'oid':
      return 'OID';
    default:
      return kind === UINT32 ? 'Unsigned32' : 'Integer';
  }
}

function toWire(kind: Kind, v: unknown): SnmpValue {
  switch (kind.k) {
    case 'text':
    case 'oid':
      return String(v);
    case 'truth':
      return v ? 1 : 2;
    case 'int':
      return Number(v);
    case 'enum':
      return kind.values[String(v)];
    case 'bits': {
      const o = v as Record<string, boolean>;
      return bitsToBuffer(kind.names.map((n, i) => (o[n] ? i : -1)).filter((i) => i >= 0));
    }
  }
}

function fromWire(kind: Kind, v: SnmpValue): unknown {
  switch (kind.k) {
    case 'text':
      return asText(v);
    case 'oid':
      return asText(v).replace(/^\./, '');
    case 'truth':
      return Number(v) === 1;
    case 'int':
      return Number(v);
    case 'enum':
      return Object.keys(kind.values).find((n) => kind.values[n] === Number(v));
    case 'bits': {
      const bits = Buffer.isBuffer(v) ? bitsFromBuffer(v) : bitsFromBuffer(Buffer.from(asText(v), 'latin1'));
      const out: Record<string, boolean> = {};
      kind.names.forEach((n, i) => (out[n] = bits.has(i)));
      return out;
    }
  }
}

function check(kind: Kind, v: SnmpValue): SetError | undefined {
  switch (kind.k) {
    case 'text':
      return Buffer.byteLength(asText(v)) > kind.max ? 'wrongLength' : undefined;
    case 'oid':
      return /^\.?[0-2](\.\d+)+$/.test(asText(v)) ? undefined : 'wrongValue';
    case 'truth':
      return v === 1 || v === 2 ? undefined : 'wrongValue';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= kind.min && v <= kind.max ? undefined : 'wrongValue';
    case 'enum':
      return Object.values(kind.values).includes(Number(v)) ? undefined : 'wrongValue';
    case 'bits': {
      if (!Buffer.isBuffer(v) && typeof v !== 'string') return 'wrongType';
      const bits = Buffer.isBuffer(v) ? bitsFromBuffer(v) : bitsFromBuffer(Buffer.from(v, 'latin1'));
      return [...bits].some((b) => b >= kind.names.length) ? 'wrongValue' : undefined;
    }
  }
}

/** One column: where its value lives in the engine's row. */
interface Field<R> {
  n: number;
  name: string;
  kind: Kind;
  access: MaxAccess;
  get: (r: R) => unknown;
  put: (r: R, v: unknown) => void;
}

function field<R>(n: number, name: string, kind: Kind, get: (r: R) => unknown, put: (r: R, v: unknown) => void, access: MaxAccess = 'read-create'): Field<R> {
  return { n, name, kind, access, get, put };
}

const RS_COL = (n: number, name: string): ColumnDef => ({ number: n, name, type: 'Integer', access: 'read-create', rowStatus: true });
const STATE_NUM: Record<RowState, number> = { active: 1, notInService: 2, notReady: 3 };
const stateOf = (v: SnmpValue): RowState => (Number(v) === ROW_STATUS.notInService || Number(v) === ROW_STATUS.createAndWait ? 'notInService' : Number(v) === ROW_STATUS.notReady ? 'notReady' : 'active');

// ---- the trigger table and its extensions ------------------------------------------

type T = TriggerRow;
const TRIGGER_FIELDS: Field<T>[] = [
  field(3, 'mteTriggerComment', TEXT255, (r) => r.comment, (r, v) => (r.comment = v as string)),
  field(4, 'mteTriggerTest', { k: 'bits', names: ['existence', 'boolean', 'threshold'] }, (r) => r.test, (r, v) => (r.test = v as T['test'])),
  field(5, 'mteTriggerSampleType', { k: 'enum', values: SAMPLE_TYPE }, (r) => r.sampleType, (r, v) => (r.sampleType = v as T['sampleType'])),
  field(6, 'mteTriggerValueID', OIDK, (r) => r.valueId, (r, v) => (r.valueId = v as string)),
  field(7, 'mteTriggerValueIDWildcard', TRUTH, (r) => r.valueIdWildcard, (r, v) => (r.valueIdWildcard = v as boolean)),
  field(8, 'mteTriggerTargetTag', TEXT255, (r) => r.targetTag, (r, v) => (r.targetTag = v as string)),
  field(9, 'mteTriggerContextName', TEXT32, (r) => r.contextName, (r, v) => (r.contextName = v as string)),
  field(10, 'mteTriggerContextNameWildcard', TRUTH, (r) => r.contextNameWildcard, (r, v) => (r.contextNameWildcard = v as boolean)),
  field(11, 'mteTriggerFrequency', UINT32, (r) => r.frequency, (r, v) => (r.frequency = v as number)),
  field(12, 'mteTriggerObjectsOwner', TEXT32, (r) => r.objectsOwner, (r, v) => (r.objectsOwner = v as string)),
  field(13, 'mteTriggerObjects', TEXT32, (r) => r.objects, (r, v) => (r.objects = v as string)),
  field(14, 'mteTriggerEnabled', TRUTH, (r) => r.enabled, (r, v) => (r.enabled = v as boolean)),
];
const DELTA_FIELDS: Field<T>[] = [
  field(1, 'mteTriggerDeltaDiscontinuityID', OIDK, (r) => r.delta.discontinuityId, (r, v) => (r.delta.discontinuityId = v as string), 'read-write'),
  field(2, 'mteTriggerDeltaDiscontinuityIDWildcard', TRUTH, (r) => r.delta.discontinuityIdWildcard, (r, v) => (r.delta.discontinuityIdWildcard = v as boolean), 'read-write'),
  field(3, 'mteTriggerDeltaDiscontinuityIDType', { k: 'enum', values: DISCONTINUITY_TYPE }, (r) => r.delta.discontinuityIdType, (r, v) => (r.delta.discontinuityIdType = v as T['delta']['discontinuityIdType']), 'read-write'),
];
const EXISTENCE_FIELDS: Field<T>[] = [
  field(1, 'mteTriggerExistenceTest', { k: 'bits', names: ['present', 'absent', 'changed'] }, (r) => r.existence.test, (r, v) => (r.existence.test = v as T['existence']['test']), 'read-write'),
  field(2, 'mteTriggerExistenceStartup', { k: 'bits', names: ['present', 'absent'] }, (r) => r.existence.startup, (r, v) => (r.existence.startup = v as T['existence']['startup']), 'read-write'),
  field(3, 'mteTriggerExistenceObjectsOwner', TEXT32, (r) => r.existence.objectsOwner, (r, v) => (r.existence.objectsOwner = v as string), 'read-write'),
  field(4, 'mteTriggerExistenceObjects', TEXT32, (r) => r.existence.objects, (r, v) => (r.existence.objects = v as string), 'read-write'),
  field(5, 'mteTriggerExistenceEventOwner', TEXT32, (r) => r.existence.eventOwner, (r, v) => (r.existence.eventOwner = v as string), 'read-write'),
  field(6, 'mteTriggerExistenceEvent', TEXT32, (r) => r.existence.event, (r, v) => (r.existence.event = v as string), 'read-write'),
];
const BOOLEAN_FIELDS: Field<T>[] = [
  field(1, 'mteTriggerBooleanComparison', { k: 'enum', values: BOOLEAN_COMPARISON }, (r) => r.boolean.comparison, (r, v) => (r.boolean.comparison = v as T['boolean']['comparison']), 'read-write'),
  field(2, 'mteTriggerBooleanValue', INT32, (r) => r.boolean.value, (r, v) => (r.boolean.value = v as number), 'read-write'),
  field(3, 'mteTriggerBooleanStartup', TRUTH, (r) => r.boolean.startup, (r, v) => (r.boolean.startup = v as boolean), 'read-write'),
  field(4, 'mteTriggerBooleanObjectsOwner', TEXT32, (r) => r.boolean.objectsOwner, (r, v) => (r.boolean.objectsOwner = v as string), 'read-write'),
  field(5, 'mteTriggerBooleanObjects', TEXT32, (r) => r.boolean.objects, (r, v) => (r.boolean.objects = v as string), 'read-write'),
  field(6, 'mteTriggerBooleanEventOwner', TEXT32, (r) => r.boolean.eventOwner, (r, v) => (r.boolean.eventOwner = v as string), 'read-write'),
  field(7, 'mteTriggerBooleanEvent', TEXT32, (r) => r.boolean.event, (r, v) => (r.boolean.event = v as string), 'read-write'),
];
type TH = T['threshold'];
const th = (n: number, name: string, kind: Kind, key: keyof TH): Field<T> =>
  field(n, name, kind, (r) => r.threshold[key], (r, v) => ((r.threshold as unknown as Record<string, unknown>)[key] = v), 'read-write');
const THRESHOLD_FIELDS: Field<T>[] = [
  th(1, 'mteTriggerThresholdStartup', { k: 'enum', values: THRESHOLD_STARTUP }, 'startup'),
  th(2, 'mteTriggerThresholdRising', INT32, 'rising'),
  th(3, 'mteTriggerThresholdFalling', INT32, 'falling'),
  th(4, 'mteTriggerThresholdDeltaRising', INT32, 'deltaRising'),
  th(5, 'mteTriggerThresholdDeltaFalling', INT32, 'deltaFalling'),
  th(6, 'mteTriggerThresholdObjectsOwner', TEXT32, 'objectsOwner'),
  th(7, 'mteTriggerThresholdObjects', TEXT32, 'objects'),
  th(8, 'mteTriggerThresholdRisingEventOwner', TEXT32, 'risingEventOwner'),
  th(9, 'mteTriggerThresholdRisingEvent', TEXT32, 'risingEvent'),
  th(10, 'mteTriggerThresholdFallingEventOwner', TEXT32, 'fallingEventOwner'),
  th(11, 'mteTriggerThresholdFallingEvent', TEXT32, 'fallingEvent'),
  th(12, 'mteTriggerThresholdDeltaRisingEventOwner', TEXT32, 'deltaRisingEventOwner'),
  th(13, 'mteTriggerThresholdDeltaRisingEvent', TEXT32, 'deltaRisingEvent'),
  th(14, 'mteTriggerThresholdDeltaFallingEventOwner', TEXT32, 'deltaFallingEventOwner'),
  th(15, 'mteTriggerThresholdDeltaFallingEvent', TEXT32, 'deltaFallingEvent'),
];

type V = EventRow;
const EVENT_FIELDS: Field<V>[] = [
  field(2, 'mteEventComment', TEXT255, (r) => r.comment, (r, v) => (r.comment = v as string)),
  field(3, 'mteEventActions', { k: 'bits', names: ['notification', 'set'] }, (r) => r.actions, (r, v) => (r.actions = v as V['actions'])),
  field(4, 'mteEventEnabled', TRUTH, (r) => r.enabled, (r, v) => (r.enabled = v as boolean)),
];
const NOTIFICATION_FIELDS: Field<V>[] = [
  field(1, 'mteEventNotification', OIDK, (r) => r.notification.oid, (r, v) => (r.notification.oid = v as string), 'read-write'),
  field(2, 'mteEventNotificationObjectsOwner', TEXT32, (r) => r.notification.objectsOwner, (r, v) => (r.notification.objectsOwner = v as string), 'read-write'),
  field(3, 'mteEventNotificationObjects', TEXT32, (r) => r.notification.objects, (r, v) => (r.notification.objects = v as string), 'read-write'),
];
const SET_FIELDS: Field<V>[] = [
  field(1, 'mteEventSetObject', OIDK, (r) => r.set.object, (r, v) => (r.set.object = v as string), 'read-write'),
  field(2, 'mteEventSetObjectWildcard', TRUTH, (r) => r.set.objectWildcard, (r, v) => (r.set.objectWildcard = v as boolean), 'read-write'),
  field(3, 'mteEventSetValue', INT32, (r) => r.set.value, (r, v) => (r.set.value = v as number), 'read-write'),
  field(4, 'mteEventSetTargetTag', TEXT255, (r) => r.set.targetTag, (r, v) => (r.set.targetTag = v as string), 'read-write'),
  field(5, 'mteEventSetContextName', TEXT32, (r) => r.set.contextName, (r, v) => (r.set.contextName = v as string), 'read-write'),
  field(6, 'mteEventSetContextNameWildcard', TRUTH, (r) => r.set.contextNameWildcard, (r, v) => (r.set.contextNameWildcard = v as boolean), 'read-write'),
];

type O = ObjectsRow;
const OBJECTS_FIELDS: Field<O>[] = [
  field(3, 'mteObjectsID', OIDK, (r) => r.id, (r, v) => (r.id = v as string)),
  field(4, 'mteObjectsIDWildcard', TRUTH, (r) => r.idWildcard, (r, v) => (r.idWildcard = v as boolean)),
];

/** Columns of a table: index columns, then the fields, then a RowStatus column if any. */
function columnsOf<R>(index: Array<{ n: number; name: string; type: SnmpType }>, fields: Field<R>[], rowStatus?: { n: number; name: string }): ColumnDef[] {
  const cols: ColumnDef[] = index.map((i) => ({ number: i.n, name: i.name, type: i.type, access: 'not-accessible' as MaxAccess }));
  for (const f of fields) cols.push({ number: f.n, name: f.name, type: wireType(f.kind), access: f.access, defVal: undefined });
  if (rowStatus) cols.push(RS_COL(rowStatus.n, rowStatus.name));
  return cols.sort((a, b) => a.number - b.number);
}

/**
 * A stored row from the engine row: the foreign index values, then one value per column
 * (`own` fills the table's own index columns, in column order).
 */
function rowFrom<R>(columns: ColumnDef[], foreign: SnmpValue[], own: SnmpValue[], fields: Field<R>[], r: R, status?: RowState): SnmpValue[] {
  const byN = new Map(fields.map((f) => [f.n, f]));
  let i = 0;
  return [
    ...foreign,
    ...columns.map((c) => {
      if (c.access === 'not-accessible') return own[i++];
      if (c.rowStatus) return STATE_NUM[status ?? 'active'];
      const f = byN.get(c.number)!;
      return toWire(f.kind, f.get(r));
    }),
  ];
}

/** Copy a stored row's writable cells into the engine row (`foreign`: how many foreign index values lead it). */
function applyRow<R>(columns: ColumnDef[], foreign: number, values: SnmpValue[], fields: Field<R>[], r: R): void {
  const byN = new Map(fields.map((f) => [f.n, f]));
  columns.forEach((c, i) => {
    const f = byN.get(c.number);
    const v0 = values[foreign + i];
    if (f && v0 !== null && v0 !== undefined) {
      const v = fromWire(f.kind, v0);
      if (v !== undefined) f.put(r, v);
    }
  });
}

function checkCell<R>(fields: Field<R>[], cell: CellSet): SetError | undefined {
  const f = fields.find((x) => x.n === cell.column);
  if (!f) return 'notWritable';
  return check(f.kind, cell.value);
}

const idx = (v: IndexValue) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

// Index components that are columns of other tables (RFC 2981 INDEX clauses).
const OWNER: IndexDef = { foreign: 'mteTriggerTable', column: 1 };
const TRIGGER_INDEX: IndexDef[] = [OWNER, { foreign: 'mteTriggerTable', column: 2, implied: true }];
const EVENT_INDEX: IndexDef[] = [OWNER, { foreign: 'mteEventTable', column: 1, implied: true }];

export interface EventModuleOptions {
  /** Default: <configDir>/eventagt.cnf. */
  configFile?: string;
}

/** The rows a file defined, each as JSON at load time (SNMP changes later mutate the rows). */
interface FileRows {
  resource: string;
  triggers: Map<string, string>;
  objects: Map<string, string>;
  events: Map<string, string>;
}

function fileRows(c: EventagtConfig): FileRows {
  return {
    resource: JSON.stringify(c.resource),
    triggers: new Map(c.triggers.map((t) => [rowKey(t.owner, t.name), JSON.stringify(t)])),
    objects: new Map(c.objects.map((o) => [rowKey(o.owner, o.name, o.index), JSON.stringify(o)])),
    events: new Map(c.events.map((ev) => [rowKey(ev.owner, ev.name), JSON.stringify(ev)])),
  };
}

export function createEventModule(opts: EventModuleOptions = {}): AgentModule & { readonly engine: EventEngine | undefined } {
  let engine: EventEngine | undefined;
  let reloadFile: ((ctx: AgentContext) => void) | undefined;

  return {
    name: 'event',
    get engine() {
      return engine;
    },

    start(ctx: AgentContext) {
      const file = opts.configFile ?? path.join(ctx.configDir, 'eventagt.cnf');
      const loaded = loadEventagtCnf(file);
      for (const m of loaded.messages) ctx.log(m.severity === 'error' ? 'error' : 'warn', `eventagt.cnf: ${formatEntryMessage(m)}`);

      const io: EventIo = {
        sample: async (oid) => {
          const v = ctx.get(oid);
          return v ? { type: v.type, value: v.value } : undefined;
        },
        walk: async (prefix) => ctx.walk(prefix).map((v) => ({ oid: v.oid, type: v.type, value: v.value })),
        notify: (trapOid, varbinds) => ctx.notify(trapOid, varbinds),
        log: (level, message) => ctx.log(level, message),
      };
      const e = new EventEngine(io);
      engine = e;
      let fromFile = fileRows(loaded.config);
      e.resource = { ...loaded.config.resource };
      for (const t of loaded.config.triggers) e.putTrigger(t);
      for (const o of loaded.config.objects) e.putObjects(o);
      for (const ev of loaded.config.events) e.putEvent(ev);

      // ---- scalars
      ctx.scalar({
        name: 'mteResourceSampleMinimum', oid: EVENT_MIB_OIDS.mteResourceSampleMinimum, type: 'Integer', access: 'read-write',
        get: () => e.resource.sampleMinimum,
        set: (v, phase) => {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2147483647) return 'wrongValue';
          if (phase === 'commit') e.resource.sampleMinimum = v;
          return undefined;
        },
      });
      ctx.scalar({
        name: 'mteResourceSampleInstanceMaximum', oid: EVENT_MIB_OIDS.mteResourceSampleInstanceMaximum, type: 'Unsigned32', access: 'read-write',
        get: () => e.resource.sampleInstanceMaximum,
        set: (v, phase) => {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 4294967295) return 'wrongValue';
          if (phase === 'commit') e.resource.sampleInstanceMaximum = v;
          return undefined;
        },
      });
      ctx.scalar({ name: 'mteResourceSampleInstances', oid: EVENT_MIB_OIDS.mteResourceSampleInstances, type: 'Gauge32', access: 'read-only', get: () => e.sampleInstances });
      ctx.scalar({ name: 'mteResourceSampleInstancesHigh', oid: EVENT_MIB_OIDS.mteResourceSampleInstancesHigh, type: 'Gauge32', access: 'read-only', get: () => e.sampleInstancesHigh });
      ctx.scalar({ name: 'mteResourceSampleInstanceLacks', oid: EVENT_MIB_OIDS.mteResourceSampleInstanceLacks, type: 'Counter32', access: 'read-only', get: () => e.sampleInstanceLacks % 2 ** 32 });
      ctx.scalar({ name: 'mteTriggerFailures', oid: EVENT_MIB_OIDS.mteTriggerFailures, type: 'Counter32', access: 'read-only', get: () => e.triggerFailures % 2 ** 32 });
      ctx.scalar({ name: 'mteEventFailures', oid: EVENT_MIB_OIDS.mteEventFailures, type: 'Counter32', access: 'read-only', get: () => e.eventFailures % 2 ** 32 });

      // ---- persistence of rows created over SNMP
      // Rows created over SNMP in this run are written to the file when they become active
      // and again whenever they change after that (a trigger's threshold cells can only be
      // set once its row exists, so creating one takes several PDUs). Rows that came from
      // the file are not rewritten by SETs of their cells (as critagt.cnf); destroying any
      // row takes it out of the file. `fromFile` is kept as if the file had been re-read, so
      // a SIGHUP leaves the rows written here running untouched.
      const created = new Set<string>(); // 't'/'o'/'e' + row key
      const persist = (what: string, r: EventagtRow, map: Map<string, string>, key: string, write: () => boolean, removing = false) => {
        try {
          if (write()) ctx.log('info', `eventagt.cnf: ${what} over SNMP; ${file} updated`);
          if (removing) map.delete(key);
          else map.set(key, JSON.stringify(Object.values(eventagtRowAsRead(r, file))[0]));
        } catch (err) {
          ctx.log('error', `eventagt.cnf: ${what} over SNMP, but ${file} cannot be written (${(err as Error).message}); the change lasts until ciagent restarts`);
        }
      };
      const saveTrigger = (t: TriggerRow) => {
        const k = rowKey(t.owner, t.name);
        if (!created.has(`t${k}`) || (t.status !== 'active' && !fromFile.triggers.has(k))) return;
        persist(`trigger ${t.owner}/${t.name} was set`, { trigger: t }, fromFile.triggers, k, () => saveEventagtRow(file, { trigger: t }));
      };
      const saveObjects = (o: ObjectsRow) => {
        const k = rowKey(o.owner, o.name, o.index);
        if (!created.has(`o${k}`) || (o.status !== 'active' && !fromFile.objects.has(k))) return;
        persist(`objects ${o.owner}/${o.name}/${o.index} was set`, { objects: o }, fromFile.objects, k, () => saveEventagtRow(file, { objects: o }));
      };
      const saveEvent = (ev: EventRow) => {
        const k = rowKey(ev.owner, ev.name);
        if (!created.has(`e${k}`) || (ev.status !== 'active' && !fromFile.events.has(k))) return;
        persist(`event ${ev.owner}/${ev.name} was set`, { event: ev }, fromFile.events, k, () => saveEventagtRow(file, { event: ev }));
      };

      // ---- trigger table + extensions (registered after it: they take its index columns)
      const trigCols = columnsOf([{ n: 1, name: 'mteOwner', type: 'OctetString' }, { n: 2, name: 'mteTriggerName', type: 'OctetString' }], TRIGGER_FIELDS, { n: 15, name: 'mteTriggerEntryStatus' });
      const trigRow = (t: TriggerRow, status: RowState) => rowFrom(trigCols, [], [t.owner, t.name], TRIGGER_FIELDS, t, status);
      const trig: TableHandle = ctx.table({
        name: 'mteTriggerTable', oid: EVENT_MIB_OIDS.mteTriggerEntry, columns: trigCols, index: [1, { column: 2, implied: true }],
        set: (cell, phase) => {
          if (cell.column === 15) return undefined; // RowStatus: the core runs the state machine
          if (phase === 'test') {
            const err = checkCell(TRIGGER_FIELDS, cell);
            if (err) return err;
            if (cell.column === 11 && Number(cell.value) < e.resource.sampleMinimum) return 'wrongValue';
          }
          return undefined;
        },
        create: (index, action) => {
          const owner = idx(index[0]);
          const name = idx(index[1]);
          if (name === '' || Buffer.byteLength(name) > 32 || Buffer.byteLength(owner) > 32) return undefined;
          created.add(`t${rowKey(owner, name)}`);
          return trigRow(defaultTrigger(owner, name), action === 'createAndGo' ? 'active' : 'notInService');
        },
        destroyed: (index) => {
          const [owner, name] = [idx(index[0]), idx(index[1])];
          e.deleteTrigger(owner, name);
          for (const x of ext) x.handle.deleteRow([owner, name]);
          const k = rowKey(owner, name);
          created.delete(`t${k}`);
          const r = { trigger: defaultTrigger(owner, name) };
          persist(`trigger ${owner}/${name} was destroyed`, r, fromFile.triggers, k, () => removeEventagtRow(file, r), true);
        },
        changed: (index, row) => {
          const [owner, name] = [idx(index[0]), idx(index[1])];
          const existing = e.getTrigger(owner, name);
          const t = existing ?? defaultTrigger(owner, name);
          applyRow(trigCols, 0, row, TRIGGER_FIELDS, t);
          t.status = stateOf(row[trigCols.findIndex((c) => c.rowStatus)]);
          if (!existing) {
            e.putTrigger(t);
            for (const x of ext) x.handle.setRow(rowFrom(x.columns, [owner, name], [], x.fields, t));
          } else e.triggerChanged(owner, name);
          saveTrigger(t);
        },
      });
      const ext = [
        { name: 'mteTriggerDeltaTable', oid: EVENT_MIB_OIDS.mteTriggerDeltaEntry, fields: DELTA_FIELDS },
        { name: 'mteTriggerExistenceTable', oid: EVENT_MIB_OIDS.mteTriggerExistenceEntry, fields: EXISTENCE_FIELDS },
        { name: 'mteTriggerBooleanTable', oid: EVENT_MIB_OIDS.mteTriggerBooleanEntry, fields: BOOLEAN_FIELDS },
        { name: 'mteTriggerThresholdTable', oid: EVENT_MIB_OIDS.mteTriggerThresholdEntry, fields: THRESHOLD_FIELDS },
      ].map((x) => {
        const columns = columnsOf([], x.fields);
        const handle: TableHandle = ctx.table({
          name: x.name, oid: x.oid, columns, index: TRIGGER_INDEX,
          set: (cell, phase) => {
            const t = e.getTrigger(idx(cell.index[0]), idx(cell.index[1]));
            if (!t) return 'noCreation';
            return phase === 'test' ? checkCell(x.fields, cell) : undefined;
          },
          create: () => undefined, // rows come with their mteTriggerEntry
          changed: (index, row) => {
            const t = e.getTrigger(idx(index[0]), idx(index[1]));
            if (!t) return;
            applyRow(columns, 2, row, x.fields, t);
            e.triggerChanged(t.owner, t.name);
            saveTrigger(t);
          },
        });
        return { handle, columns, fields: x.fields };
      });
      const putTriggerRows = (t: TriggerRow) => {
        trig.setRow(trigRow(t, t.status));
        for (const x of ext) x.handle.setRow(rowFrom(x.columns, [t.owner, t.name], [], x.fields, t));
      };
      for (const t of e.triggers.values()) putTriggerRows(t);

      // ---- objects table: INDEX { mteOwner, mteObjectsName, mteObjectsIndex }
      const objCols = columnsOf([{ n: 1, name: 'mteObjectsName', type: 'OctetString' }, { n: 2, name: 'mteObjectsIndex', type: 'Unsigned32' }], OBJECTS_FIELDS, { n: 5, name: 'mteObjectsEntryStatus' });
      const rowFromObjects = (o: ObjectsRow, status: RowState) => rowFrom(objCols, [o.owner], [o.name, o.index], OBJECTS_FIELDS, o, status);
      const objs: TableHandle = ctx.table({
        name: 'mteObjectsTable', oid: EVENT_MIB_OIDS.mteObjectsEntry, columns: objCols, index: [OWNER, 1, 2],
        set: (cell, phase) => (cell.column === 5 || phase === 'commit' ? undefined : checkCell(OBJECTS_FIELDS, cell)),
        create: (index, action) => {
          const [owner, name, n] = [idx(index[0]), idx(index[1]), Number(index[2])];
          if (name === '' || !Number.isInteger(n) || n < 1) return undefined;
          created.add(`o${rowKey(owner, name, n)}`);
          return rowFromObjects(defaultObjects(owner, name, n), action === 'createAndGo' ? 'active' : 'notInService');
        },
        destroyed: (index) => {
          const [owner, name, n] = [idx(index[0]), idx(index[1]), Number(index[2])];
          e.deleteObjects(owner, name, n);
          const k = rowKey(owner, name, n);
          created.delete(`o${k}`);
          const r = { objects: defaultObjects(owner, name, n) };
          persist(`objects ${owner}/${name}/${n} was destroyed`, r, fromFile.objects, k, () => removeEventagtRow(file, r), true);
        },
        changed: (index, row) => {
          const [owner, name, n] = [idx(index[0]), idx(index[1]), Number(index[2])];
          const o = e.objects.get(rowKey(owner, name, n)) ?? defaultObjects(owner, name, n);
          applyRow(objCols, 1, row, OBJECTS_FIELDS, o);
          o.status = stateOf(row[1 + objCols.findIndex((c) => c.rowStatus)]);
          e.putObjects(o);
          saveObjects(o);
        },
      });
      for (const o of e.objects.values()) objs.setRow(rowFromObjects(o, o.status));

      // ---- event table + notification/set extensions: INDEX { mteOwner, IMPLIED mteEventName }
      const evCols = columnsOf([{ n: 1, name: 'mteEventName', type: 'OctetString' }], EVENT_FIELDS, { n: 5, name: 'mteEventEntryStatus' });
      const evRow = (ev: EventRow, status: RowState) => rowFrom(evCols, [ev.owner], [ev.name], EVENT_FIELDS, ev, status);
      const evs: TableHandle = ctx.table({
        name: 'mteEventTable', oid: EVENT_MIB_OIDS.mteEventEntry, columns: evCols, index: [OWNER, { column: 1, implied: true }],
        set: (cell, phase) => (cell.column === 5 || phase === 'commit' ? undefined : checkCell(EVENT_FIELDS, cell)),
        create: (index, action) => {
          const [owner, name] = [idx(index[0]), idx(index[1])];
          if (name === '' || Buffer.byteLength(name) > 32) return undefined;
          created.add(`e${rowKey(owner, name)}`);
          return evRow(defaultEvent(owner, name), action === 'createAndGo' ? 'active' : 'notInService');
        },
        destroyed: (index) => {
          const [owner, name] = [idx(index[0]), idx(index[1])];
          e.deleteEvent(owner, name);
          for (const x of evExt) x.handle.deleteRow([owner, name]);
          const k = rowKey(owner, name);
          created.delete(`e${k}`);
          const r = { event: defaultEvent(owner, name) };
          persist(`event ${owner}/${name} was destroyed`, r, fromFile.events, k, () => removeEventagtRow(file, r), true);
        },
        changed: (index, row) => {
          const [owner, name] = [idx(index[0]), idx(index[1])];
          const existing = e.getEvent(owner, name);
          const ev = existing ?? defaultEvent(owner, name);
          applyRow(evCols, 1, row, EVENT_FIELDS, ev);
          ev.status = stateOf(row[1 + evCols.findIndex((c) => c.rowStatus)]);
          if (!existing) {
            e.putEvent(ev);
            for (const x of evExt) x.handle.setRow(extRow(x, ev));
          }
          saveEvent(ev);
        },
      });
      const evExt = [
        { name: 'mteEventNotificationTable', oid: EVENT_MIB_OIDS.mteEventNotificationEntry, fields: NOTIFICATION_FIELDS },
        { name: 'mteEventSetTable', oid: EVENT_MIB_OIDS.mteEventSetEntry, fields: SET_FIELDS },
      ].map((x) => {
        const columns = columnsOf([], x.fields);
        const handle: TableHandle = ctx.table({
          name: x.name, oid: x.oid, columns, index: EVENT_INDEX,
          set: (cell, phase) => {
            if (!e.getEvent(idx(cell.index[0]), idx(cell.index[1]))) return 'noCreation';
            return phase === 'test' ? checkCell(x.fields, cell) : undefined;
          },
          create: () => undefined,
          changed: (index, row) => {
            const ev = e.getEvent(idx(index[0]), idx(index[1]));
            if (!ev) return;
            applyRow(columns, 2, row, x.fields, ev);
            saveEvent(ev);
          },
        });
        return { handle, columns, fields: x.fields };
      });
      const extRow = <R>(x: { columns: ColumnDef[]; fields: Field<R>[] }, r: R & { owner: string; name: string }) => rowFrom(x.columns, [r.owner, r.name], [], x.fields, r);
      for (const ev of e.events.values()) {
        evs.setRow(evRow(ev, ev.status));
        for (const x of evExt) x.handle.setRow(extRow(x, ev));
      }

      /**
       * SIGHUP: compare the file with what it said at the last load. Rows it added, changed or
       * removed are put, replaced or deleted; rows it did not change are left exactly as they
       * run (sampling state, SNMP changes, SNMP deletions), so an unchanged trigger does not
       * start over and fire its startup event again. Rows created over SNMP are not touched
       * unless the file now defines the same index.
       */
      reloadFile = (rctx) => {
        const again = loadEventagtCnf(file);
        for (const m of again.messages) rctx.log(m.severity === 'error' ? 'error' : 'warn', `eventagt.cnf: ${formatEntryMessage(m)}`);
        if (!again.ok) {
          rctx.log('error', 'eventagt.cnf has errors; the running configuration is kept');
          return;
        }
        const next = fileRows(again.config);
        const before = fromFile;
        fromFile = next;
        if (next.resource !== before.resource) e.resource = { ...again.config.resource };
        let changes = 0;
        // Events and objects first, so that a trigger (re)started below finds them.
        for (const [k, json] of before.events) {
          if (next.events.has(k)) continue;
          const { owner, name } = JSON.parse(json) as EventRow;
          e.deleteEvent(owner, name);
          evs.deleteRow([owner, name]);
          for (const x of evExt) x.handle.deleteRow([owner, name]);
          changes++;
        }
        for (const ev of again.config.events) {
          const k = rowKey(ev.owner, ev.name);
          if (before.events.get(k) === next.events.get(k)) continue;
          e.putEvent(ev);
          evs.setRow(evRow(ev, ev.status));
          for (const x of evExt) x.handle.setRow(extRow(x, ev));
          changes++;
        }
        for (const [k, json] of before.objects) {
          if (next.objects.has(k)) continue;
          const { owner, name, index } = JSON.parse(json) as ObjectsRow;
          e.deleteObjects(owner, name, index);
          objs.deleteRow([owner, name, index]);
          changes++;
        }
        for (const o of again.config.objects) {
          const k = rowKey(o.owner, o.name, o.index);
          if (before.objects.get(k) === next.objects.get(k)) continue;
          e.putObjects(o);
          objs.setRow(rowFromObjects(o, o.status));
          changes++;
        }
        for (const [k, json] of before.triggers) {
          if (next.triggers.has(k)) continue;
          const { owner, name } = JSON.parse(json) as TriggerRow;
          e.deleteTrigger(owner, name);
          trig.deleteRow([owner, name]);
          for (const x of ext) x.handle.deleteRow([owner, name]);
          changes++;
        }
        for (const t of again.config.triggers) {
          const k = rowKey(t.owner, t.name);
          if (before.triggers.get(k) === next.triggers.get(k)) continue;
          e.putTrigger(t); // a new or changed trigger starts over (its startup sample)
          putTriggerRows(t);
          changes++;
        }
        rctx.log('info', `eventagt.cnf re-read: ${changes} row(s) added, changed or removed`);
      };

      e.start();
    },

    reload(ctx: AgentContext) {
      reloadFile?.(ctx);
    },

    stop() {
      engine?.stop();
    },
  };
}

/** The module ciagent loads (configDir/eventagt.cnf). */
export const eventModule = createEventModule();
