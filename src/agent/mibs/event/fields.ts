// DISMAN-EVENT-MIB (RFC 2981) row fields: for each column of the Event MIB tables that the
// engine keeps, where its value lives in the engine's row and how it looks on the wire, and
// the value checks SETs get (./index.ts leaves SYNTAX limits to these). Column numbers, types
// and access come from the MIB text (../../mib-tables.ts); fields are matched by name.
import type { CellSet, ColumnDef, IndexValue, SetError, SnmpValue } from '../../mib-module.js';
import { BOOLEAN_COMPARISON, DISCONTINUITY_TYPE, ROW_STATUS, SAMPLE_TYPE, THRESHOLD_STARTUP, bitsFromBuffer, bitsToBuffer } from './types.js';
import type { EventRow, ObjectsRow, RowState, TriggerRow } from './types.js';

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

/** One column (by its MIB name): where its value lives in the engine's row. */
export interface Field<R> {
  name: string;
  kind: Kind;
  get: (r: R) => unknown;
  put: (r: R, v: unknown) => void;
}

function field<R>(name: string, kind: Kind, get: (r: R) => unknown, put: (r: R, v: unknown) => void): Field<R> {
  return { name, kind, get, put };
}

const STATE_NUM: Record<RowState, number> = { active: 1, notInService: 2, notReady: 3 };
export const stateOf = (v: SnmpValue): RowState => (Number(v) === ROW_STATUS.notInService || Number(v) === ROW_STATUS.createAndWait ? 'notInService' : Number(v) === ROW_STATUS.notReady ? 'notReady' : 'active');

// ---- the trigger table and its extensions ------------------------------------------

type T = TriggerRow;
export const TRIGGER_FIELDS: Field<T>[] = [
  field('mteTriggerComment', TEXT255, (r) => r.comment, (r, v) => (r.comment = v as string)),
  field('mteTriggerTest', { k: 'bits', names: ['existence', 'boolean', 'threshold'] }, (r) => r.test, (r, v) => (r.test = v as T['test'])),
  field('mteTriggerSampleType', { k: 'enum', values: SAMPLE_TYPE }, (r) => r.sampleType, (r, v) => (r.sampleType = v as T['sampleType'])),
  field('mteTriggerValueID', OIDK, (r) => r.valueId, (r, v) => (r.valueId = v as string)),
  field('mteTriggerValueIDWildcard', TRUTH, (r) => r.valueIdWildcard, (r, v) => (r.valueIdWildcard = v as boolean)),
  field('mteTriggerTargetTag', TEXT255, (r) => r.targetTag, (r, v) => (r.targetTag = v as string)),
  field('mteTriggerContextName', TEXT32, (r) => r.contextName, (r, v) => (r.contextName = v as string)),
  field('mteTriggerContextNameWildcard', TRUTH, (r) => r.contextNameWildcard, (r, v) => (r.contextNameWildcard = v as boolean)),
  field('mteTriggerFrequency', UINT32, (r) => r.frequency, (r, v) => (r.frequency = v as number)),
  field('mteTriggerObjectsOwner', TEXT32, (r) => r.objectsOwner, (r, v) => (r.objectsOwner = v as string)),
  field('mteTriggerObjects', TEXT32, (r) => r.objects, (r, v) => (r.objects = v as string)),
  field('mteTriggerEnabled', TRUTH, (r) => r.enabled, (r, v) => (r.enabled = v as boolean)),
];
export const DELTA_FIELDS: Field<T>[] = [
  field('mteTriggerDeltaDiscontinuityID', OIDK, (r) => r.delta.discontinuityId, (r, v) => (r.delta.discontinuityId = v as string)),
  field('mteTriggerDeltaDiscontinuityIDWildcard', TRUTH, (r) => r.delta.discontinuityIdWildcard, (r, v) => (r.delta.discontinuityIdWildcard = v as boolean)),
  field('mteTriggerDeltaDiscontinuityIDType', { k: 'enum', values: DISCONTINUITY_TYPE }, (r) => r.delta.discontinuityIdType, (r, v) => (r.delta.discontinuityIdType = v as T['delta']['discontinuityIdType'])),
];
export const EXISTENCE_FIELDS: Field<T>[] = [
  field('mteTriggerExistenceTest', { k: 'bits', names: ['present', 'absent', 'changed'] }, (r) => r.existence.test, (r, v) => (r.existence.test = v as T['existence']['test'])),
  field('mteTriggerExistenceStartup', { k: 'bits', names: ['present', 'absent'] }, (r) => r.existence.startup, (r, v) => (r.existence.startup = v as T['existence']['startup'])),
  field('mteTriggerExistenceObjectsOwner', TEXT32, (r) => r.existence.objectsOwner, (r, v) => (r.existence.objectsOwner = v as string)),
  field('mteTriggerExistenceObjects', TEXT32, (r) => r.existence.objects, (r, v) => (r.existence.objects = v as string)),
  field('mteTriggerExistenceEventOwner', TEXT32, (r) => r.existence.eventOwner, (r, v) => (r.existence.eventOwner = v as string)),
  field('mteTriggerExistenceEvent', TEXT32, (r) => r.existence.event, (r, v) => (r.existence.event = v as string)),
];
export const BOOLEAN_FIELDS: Field<T>[] = [
  field('mteTriggerBooleanComparison', { k: 'enum', values: BOOLEAN_COMPARISON }, (r) => r.boolean.comparison, (r, v) => (r.boolean.comparison = v as T['boolean']['comparison'])),
  field('mteTriggerBooleanValue', INT32, (r) => r.boolean.value, (r, v) => (r.boolean.value = v as number)),
  field('mteTriggerBooleanStartup', TRUTH, (r) => r.boolean.startup, (r, v) => (r.boolean.startup = v as boolean)),
  field('mteTriggerBooleanObjectsOwner', TEXT32, (r) => r.boolean.objectsOwner, (r, v) => (r.boolean.objectsOwner = v as string)),
  field('mteTriggerBooleanObjects', TEXT32, (r) => r.boolean.objects, (r, v) => (r.boolean.objects = v as string)),
  field('mteTriggerBooleanEventOwner', TEXT32, (r) => r.boolean.eventOwner, (r, v) => (r.boolean.eventOwner = v as string)),
  field('mteTriggerBooleanEvent', TEXT32, (r) => r.boolean.event, (r, v) => (r.boolean.event = v as string)),
];
type TH = T['threshold'];
const th = (name: string, kind: Kind, key: keyof TH): Field<T> =>
  field(name, kind, (r) => r.threshold[key], (r, v) => ((r.threshold as unknown as Record<string, unknown>)[key] = v));
export const THRESHOLD_FIELDS: Field<T>[] = [
  th('mteTriggerThresholdStartup', { k: 'enum', values: THRESHOLD_STARTUP }, 'startup'),
  th('mteTriggerThresholdRising', INT32, 'rising'),
  th('mteTriggerThresholdFalling', INT32, 'falling'),
  th('mteTriggerThresholdDeltaRising', INT32, 'deltaRising'),
  th('mteTriggerThresholdDeltaFalling', INT32, 'deltaFalling'),
  th('mteTriggerThresholdObjectsOwner', TEXT32, 'objectsOwner'),
  th('mteTriggerThresholdObjects', TEXT32, 'objects'),
  th('mteTriggerThresholdRisingEventOwner', TEXT32, 'risingEventOwner'),
  th('mteTriggerThresholdRisingEvent', TEXT32, 'risingEvent'),
  th('mteTriggerThresholdFallingEventOwner', TEXT32, 'fallingEventOwner'),
  th('mteTriggerThresholdFallingEvent', TEXT32, 'fallingEvent'),
  th('mteTriggerThresholdDeltaRisingEventOwner', TEXT32, 'deltaRisingEventOwner'),
  th('mteTriggerThresholdDeltaRisingEvent', TEXT32, 'deltaRisingEvent'),
  th('mteTriggerThresholdDeltaFallingEventOwner', TEXT32, 'deltaFallingEventOwner'),
  th('mteTriggerThresholdDeltaFallingEvent', TEXT32, 'deltaFallingEvent'),
];

type V = EventRow;
export const EVENT_FIELDS: Field<V>[] = [
  field('mteEventComment', TEXT255, (r) => r.comment, (r, v) => (r.comment = v as string)),
  field('mteEventActions', { k: 'bits', names: ['notification', 'set'] }, (r) => r.actions, (r, v) => (r.actions = v as V['actions'])),
  field('mteEventEnabled', TRUTH, (r) => r.enabled, (r, v) => (r.enabled = v as boolean)),
];
export const NOTIFICATION_FIELDS: Field<V>[] = [
  field('mteEventNotification', OIDK, (r) => r.notification.oid, (r, v) => (r.notification.oid = v as string)),
  field('mteEventNotificationObjectsOwner', TEXT32, (r) => r.notification.objectsOwner, (r, v) => (r.notification.objectsOwner = v as string)),
  field('mteEventNotificationObjects', TEXT32, (r) => r.notification.objects, (r, v) => (r.notification.objects = v as string)),
];
export const SET_FIELDS: Field<V>[] = [
  field('mteEventSetObject', OIDK, (r) => r.set.object, (r, v) => (r.set.object = v as string)),
  field('mteEventSetObjectWildcard', TRUTH, (r) => r.set.objectWildcard, (r, v) => (r.set.objectWildcard = v as boolean)),
  field('mteEventSetValue', INT32, (r) => r.set.value, (r, v) => (r.set.value = v as number)),
  field('mteEventSetTargetTag', TEXT255, (r) => r.set.targetTag, (r, v) => (r.set.targetTag = v as string)),
  field('mteEventSetContextName', TEXT32, (r) => r.set.contextName, (r, v) => (r.set.contextName = v as string)),
  field('mteEventSetContextNameWildcard', TRUTH, (r) => r.set.contextNameWildcard, (r, v) => (r.set.contextNameWildcard = v as boolean)),
];

type O = ObjectsRow;
export const OBJECTS_FIELDS: Field<O>[] = [
  field('mteObjectsID', OIDK, (r) => r.id, (r, v) => (r.id = v as string)),
  field('mteObjectsIDWildcard', TRUTH, (r) => r.idWildcard, (r, v) => (r.idWildcard = v as boolean)),
];

/**
 * A stored row from the engine row: the foreign index values, then one value per column
 * (`own` fills the table's own index columns, in column order).
 */
export function rowFrom<R>(columns: ColumnDef[], foreign: SnmpValue[], own: SnmpValue[], fields: Field<R>[], r: R, status?: RowState): SnmpValue[] {
  const byName = new Map(fields.map((f) => [f.name, f]));
  let i = 0;
  return [
    ...foreign,
    ...columns.map((c) => {
      if (c.access === 'not-accessible') return own[i++];
      if (c.rowStatus) return STATE_NUM[status ?? 'active'];
      const f = byName.get(c.name)!;
      return toWire(f.kind, f.get(r));
    }),
  ];
}

/** Copy a stored row's writable cells into the engine row (`foreign`: how many foreign index values lead it). */
export function applyRow<R>(columns: ColumnDef[], foreign: number, values: SnmpValue[], fields: Field<R>[], r: R): void {
  const byName = new Map(fields.map((f) => [f.name, f]));
  columns.forEach((c, i) => {
    const f = byName.get(c.name);
    const v0 = values[foreign + i];
    if (f && v0 !== null && v0 !== undefined) {
      const v = fromWire(f.kind, v0);
      if (v !== undefined) f.put(r, v);
    }
  });
}

export function checkCell<R>(columns: ColumnDef[], fields: Field<R>[], cell: CellSet): SetError | undefined {
  const name = columns.find((c) => c.number === cell.column)?.name;
  const f = fields.find((x) => x.name === name);
  if (!f) return 'notWritable';
  return check(f.kind, cell.value);
}

export const idx = (v: IndexValue) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
