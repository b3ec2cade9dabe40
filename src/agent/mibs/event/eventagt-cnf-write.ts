// eventagt.cnf writing: rows created over SNMP (./index.ts) saved into, and destroyed rows
// taken out of, the file the module loaded (../../cnf/cnf-rewrite.ts keeps the rest as written).
//
// One formatter per entry type the reader takes, in CIAgent's notation (numbers for
// enumerations and TruthValues, `u` on Unsigned32 values, BITS as hex octets), so that
// parseEventagtCnf(format(x)) gives x back; test/unit/agent/event-persist.test.ts checks it.
import { readFileSync } from 'node:fs';
import { cnfField, editCnfFile } from '../../cnf/cnf-rewrite.js';
import { stringField } from '../../cnf/entry-lines.js';
import type { EntryLine } from '../../cnf/entry-lines.js';
import { BOOLEAN_COMPARISON, DISCONTINUITY_TYPE, SAMPLE_TYPE, THRESHOLD_STARTUP, ROW_STATUS, bitsToBuffer, rowKey } from './types.js';
import type { EventRow, ObjectsRow, ResourceParams, RowState, TriggerRow } from './types.js';
import { EVENTAGT_FIELDS, parseEventagtCnf } from './eventagt-cnf.js';
import type { EventagtConfig } from './eventagt-cnf.js';

const truthOut = (b: boolean) => (b ? '1' : '2');
const oidOut = (oid: string) => (oid === '' ? '0.0' : oid);
const enumOut = <T extends string>(values: Readonly<Record<T, number>>, v: T) => String(values[v]);
function bitsOut<T extends string>(names: readonly T[], v: Readonly<Record<T, boolean>>): string {
  return bitsToBuffer(names.map((n, i) => (v[n] ? i : -1)).filter((i) => i >= 0)).toString('hex');
}
const statusOut = (s: RowState) => String(ROW_STATUS[s]);
const entry = (type: string, fields: string[]) => `${type} ${fields.join(' ')}`;

export function formatResourceSampleMinimum(r: ResourceParams): string {
  return entry('mteResourceSampleMinimum', [String(r.sampleMinimum)]);
}

export function formatResourceSampleInstanceMaximum(r: ResourceParams): string {
  return entry('mteResourceSampleInstanceMaximum', [`${r.sampleInstanceMaximum}u`]);
}

export function formatTriggerEntry(t: TriggerRow): string {
  return entry('mteTriggerEntry', [
    cnfField(t.owner), cnfField(t.name), cnfField(t.comment), bitsOut(['existence', 'boolean', 'threshold'], t.test),
    enumOut(SAMPLE_TYPE, t.sampleType), oidOut(t.valueId), truthOut(t.valueIdWildcard), cnfField(t.targetTag),
    cnfField(t.contextName), truthOut(t.contextNameWildcard), `${t.frequency}u`, cnfField(t.objectsOwner),
    cnfField(t.objects), truthOut(t.enabled), statusOut(t.status),
  ]);
}

export function formatTriggerDeltaEntry(t: TriggerRow): string {
  const d = t.delta;
  return entry('mteTriggerDeltaEntry', [oidOut(d.discontinuityId), truthOut(d.discontinuityIdWildcard), enumOut(DISCONTINUITY_TYPE, d.discontinuityIdType), cnfField(t.owner), cnfField(t.name)]);
}

export function formatTriggerExistenceEntry(t: TriggerRow): string {
  const x = t.existence;
  return entry('mteTriggerExistenceEntry', [
    bitsOut(['present', 'absent', 'changed'], x.test), bitsOut(['present', 'absent'], x.startup), cnfField(x.objectsOwner),
    cnfField(x.objects), cnfField(x.eventOwner), cnfField(x.event), cnfField(t.owner), cnfField(t.name),
  ]);
}

export function formatTriggerBooleanEntry(t: TriggerRow): string {
  const b = t.boolean;
  return entry('mteTriggerBooleanEntry', [
    enumOut(BOOLEAN_COMPARISON, b.comparison), String(b.value), truthOut(b.startup), cnfField(b.objectsOwner), cnfField(b.objects),
    cnfField(b.eventOwner), cnfField(b.event), cnfField(t.owner), cnfField(t.name),
  ]);
}

export function formatTriggerThresholdEntry(t: TriggerRow): string {
  const h = t.threshold;
  return entry('mteTriggerThresholdEntry', [
    enumOut(THRESHOLD_STARTUP, h.startup), String(h.rising), String(h.falling), String(h.deltaRising), String(h.deltaFalling),
    ...[h.objectsOwner, h.objects, h.risingEventOwner, h.risingEvent, h.fallingEventOwner, h.fallingEvent, h.deltaRisingEventOwner,
      h.deltaRisingEvent, h.deltaFallingEventOwner, h.deltaFallingEvent, t.owner, t.name].map(cnfField),
  ]);
}

export function formatObjectsEntry(o: ObjectsRow): string {
  return entry('mteObjectsEntry', [cnfField(o.name), `${o.index}u`, oidOut(o.id), truthOut(o.idWildcard), statusOut(o.status), cnfField(o.owner)]);
}

export function formatEventEntry(ev: EventRow): string {
  return entry('mteEventEntry', [cnfField(ev.name), cnfField(ev.comment), bitsOut(['notification', 'set'], ev.actions), truthOut(ev.enabled), statusOut(ev.status), cnfField(ev.owner)]);
}

export function formatEventNotificationEntry(ev: EventRow): string {
  const n = ev.notification;
  return entry('mteEventNotificationEntry', [oidOut(n.oid), cnfField(n.objectsOwner), cnfField(n.objects), cnfField(ev.owner), cnfField(ev.name)]);
}

export function formatEventSetEntry(ev: EventRow): string {
  const x = ev.set;
  return entry('mteEventSetEntry', [
    oidOut(x.object), truthOut(x.objectWildcard), String(x.value), cnfField(x.targetTag), cnfField(x.contextName),
    truthOut(x.contextNameWildcard), cnfField(ev.owner), cnfField(ev.name),
  ]);
}

/** A DISMAN-EVENT row as eventagt.cnf holds it: a trigger, an objects row or an event. */
export type EventagtRow = { trigger: TriggerRow } | { objects: ObjectsRow } | { event: EventRow };

/** The entries that define `r` (a trigger with its four extension entries, an event with its two). */
export function formatEventagtRow(r: EventagtRow): string[] {
  if ('trigger' in r) {
    const t = r.trigger;
    return [formatTriggerEntry(t), formatTriggerDeltaEntry(t), formatTriggerExistenceEntry(t), formatTriggerBooleanEntry(t), formatTriggerThresholdEntry(t)];
  }
  if ('objects' in r) return [formatObjectsEntry(r.objects)];
  const ev = r.event;
  return [formatEventEntry(ev), formatEventNotificationEntry(ev), formatEventSetEntry(ev)];
}

/** Which row an entry of the file belongs to (undefined for the resource entries). */
function entryRowKey(e: EntryLine): string | undefined {
  const names = EVENTAGT_FIELDS[e.type];
  if (!names || e.fields.length !== names.length) return undefined;
  const at = (name: string) => stringField(e.fields[names.indexOf(name)]);
  switch (e.type) {
    case 'mteObjectsEntry':
      return `o${rowKey(at('mteOwner'), at('mteObjectsName'), Number(at('mteObjectsIndex').replace(/u$/i, '')))}`;
    case 'mteEventEntry':
    case 'mteEventNotificationEntry':
    case 'mteEventSetEntry':
      return `e${rowKey(at('mteOwner'), at('mteEventName'))}`;
    case 'mteResourceSampleMinimum':
    case 'mteResourceSampleInstanceMaximum':
      return undefined;
    default:
      return `t${rowKey(at('mteOwner'), at('mteTriggerName'))}`;
  }
}

function rowRefKey(r: EventagtRow): string {
  if ('trigger' in r) return `t${rowKey(r.trigger.owner, r.trigger.name)}`;
  if ('objects' in r) return `o${rowKey(r.objects.owner, r.objects.name, r.objects.index)}`;
  return `e${rowKey(r.event.owner, r.event.name)}`;
}

/** The row `ref` names as `config` holds it. */
function findRow(config: EventagtConfig, r: EventagtRow): EventagtRow | undefined {
  const key = rowRefKey(r);
  const t = config.triggers.find((x) => rowRefKey({ trigger: x }) === key);
  if (t) return { trigger: t };
  const o = config.objects.find((x) => rowRefKey({ objects: x }) === key);
  if (o) return { objects: o };
  const ev = config.events.find((x) => rowRefKey({ event: x }) === key);
  return ev ? { event: ev } : undefined;
}

/**
 * The row as eventagt.cnf would give it back after formatEventagtRow (the reader's own
 * view, for comparing with a later load); throws when the entries cannot hold the row
 * (a name or comment with a line break).
 */
export function eventagtRowAsRead(r: EventagtRow, file: string): EventagtRow {
  const text = formatEventagtRow(r).join('\n') + '\n';
  const back = parseEventagtCnf(text, file);
  const got = back.ok ? findRow(back.config, r) : undefined;
  if (!got || sortedJson(got) !== sortedJson(r)) {
    throw new Error(`${rowRefKey(r).slice(1).replace(/\u0000/g, '/')} cannot be written as eventagt.cnf entries (a line break or other octets the file cannot hold)`);
  }
  return got;
}

/** JSON with object keys sorted: equal for equal rows whatever order their keys were set in. */
function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

function readTextOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Keep a row created over SNMP across restarts: its entries replace the row's entries in
 * `file` (every entry type of that row), or are appended, atomically (cnf-rewrite.ts).
 * Returns false when the file already said exactly that. Throws on I/O errors and for rows
 * the file cannot hold.
 */
export function saveEventagtRow(file: string, r: EventagtRow): boolean {
  eventagtRowAsRead(r, file);
  const lines = formatEventagtRow(r);
  const current = findRow(parseEventagtCnf(readTextOrEmpty(file), file).config, r);
  if (current && formatEventagtRow(current).join('\n') === lines.join('\n')) return false;
  const key = rowRefKey(r);
  return editCnfFile(file, { remove: (e) => entryRowKey(e) === key, append: [lines] });
}

/** A row destroyed over SNMP: its entries leave `file` (false when the file had none). */
export function removeEventagtRow(file: string, r: EventagtRow): boolean {
  const key = rowRefKey(r);
  return editCnfFile(file, { remove: (e) => entryRowKey(e) === key });
}
