// eventagt.cnf: the DISMAN-EVENT-MIB rows the agent starts with, in CIAgent's entry format.
//
//   mteResourceSampleMinimum         SECONDS
//   mteResourceSampleInstanceMaximum COUNT[u]
//   mteTriggerEntry OWNER NAME COMMENT TEST SAMPLE-TYPE VALUE-ID VALUE-ID-WILDCARD TARGET-TAG
//                   CONTEXT CONTEXT-WILDCARD FREQUENCY OBJECTS-OWNER OBJECTS ENABLED STATUS
//   mteTriggerDeltaEntry      DISCONTINUITY-ID WILDCARD TYPE                       OWNER NAME
//   mteTriggerExistenceEntry  TEST STARTUP OBJ-OWNER OBJECTS EVENT-OWNER EVENT     OWNER NAME
//   mteTriggerBooleanEntry    COMPARISON VALUE STARTUP OBJ-OWNER OBJECTS EV-OWNER EVENT OWNER NAME
//   mteTriggerThresholdEntry  STARTUP RISING FALLING DELTA-RISING DELTA-FALLING OBJ-OWNER OBJECTS
//                             RISE-EV-OWNER RISE-EV FALL-EV-OWNER FALL-EV DRISE-EV-OWNER DRISE-EV
//                             DFALL-EV-OWNER DFALL-EV OWNER NAME
//   mteObjectsEntry           NAME INDEX ID WILDCARD STATUS OWNER
//   mteEventEntry             NAME COMMENT ACTIONS ENABLED STATUS OWNER
//   mteEventNotificationEntry NOTIFICATION OBJ-OWNER OBJECTS OWNER EVENT-NAME
//   mteEventSetEntry          OBJECT WILDCARD VALUE TARGET-TAG CONTEXT CONTEXT-WILDCARD OWNER EVENT-NAME
//
// As CIAgent writes them: BITS are hex octets with bit 0 = 0x80 ("20" = threshold, "80" =
// notification); unsigned numbers may carry a `u` ("5u"); TruthValues are 1/2 or
// true/false; RowStatus is 1 (active), 2 (notInService) or 3 (notReady); OIDs are numeric,
// optionally starting with `iso`; `-` is an empty string.
//
// The guide's printed example is damaged by its text conversion, and administrators paste
// it as printed, so three layouts are repaired with a warning instead of refused:
// field-description lines that lost their `#` ("   mteOwner (text)", "Entry type: …"), such
// a description running into an entry on the same line, and an entry whose `\`
// continuation was lost (the next line starts with a value, not an entry type).
import { readFileSync } from 'node:fs';
import type { ConfigMessage } from '../../../config/loader.js';
import { enumField, intField, isFieldDescription, noErrors, readEntryLines, reporters, stringField, truthField, unknownEntryError } from '../../cnf/entry-lines.js';
import type { EntryLine, Field, FieldResult } from '../../cnf/entry-lines.js';
import {
  BOOLEAN_COMPARISON,
  DISCONTINUITY_TYPE,
  SAMPLE_TYPE,
  THRESHOLD_STARTUP,
  bitsFromHex,
  defaultEvent,
  defaultObjects,
  defaultTrigger,
  rowKey,
} from './types.js';
import type { EventRow, ObjectsRow, ResourceParams, RowState, TriggerRow } from './types.js';

export interface EventagtConfig {
  resource: ResourceParams;
  triggers: TriggerRow[];
  objects: ObjectsRow[];
  events: EventRow[];
}

export interface EventagtResult {
  config: EventagtConfig;
  messages: ConfigMessage[];
  /** True when no message is an error. */
  ok: boolean;
}

/** Field names per entry type, in file order (from the guide's "Entry format" comments). */
export const EVENTAGT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  mteResourceSampleMinimum: ['mteResourceSampleMinimum'],
  mteResourceSampleInstanceMaximum: ['mteResourceSampleInstanceMaximum'],
  mteTriggerEntry: [
    'mteOwner', 'mteTriggerName', 'mteTriggerComment', 'mteTriggerTest', 'mteTriggerSampleType', 'mteTriggerValueID',
    'mteTriggerValueIDWildcard', 'mteTriggerTargetTag', 'mteTriggerContextName', 'mteTriggerContextNameWildcard',
    'mteTriggerFrequency', 'mteTriggerObjectsOwner', 'mteTriggerObjects', 'mteTriggerEnabled', 'mteTriggerEntryStatus',
  ],
  mteTriggerDeltaEntry: ['mteTriggerDeltaDiscontinuityID', 'mteTriggerDeltaDiscontinuityIDWildcard', 'mteTriggerDeltaDiscontinuityIDType', 'mteOwner', 'mteTriggerName'],
  mteTriggerExistenceEntry: [
    'mteTriggerExistenceTest', 'mteTriggerExistenceStartup', 'mteTriggerExistenceObjectsOwner', 'mteTriggerExistenceObjects',
    'mteTriggerExistenceEventOwner', 'mteTriggerExistenceEvent', 'mteOwner', 'mteTriggerName',
  ],
  mteTriggerBooleanEntry: [
    'mteTriggerBooleanComparison', 'mteTriggerBooleanValue', 'mteTriggerBooleanStartup', 'mteTriggerBooleanObjectsOwner',
    'mteTriggerBooleanObjects', 'mteTriggerBooleanEventOwner', 'mteTriggerBooleanEvent', 'mteOwner', 'mteTriggerName',
  ],
  mteTriggerThresholdEntry: [
    'mteTriggerThresholdStartup', 'mteTriggerThresholdRising', 'mteTriggerThresholdFalling', 'mteTriggerThresholdDeltaRising',
    'mteTriggerThresholdDeltaFalling', 'mteTriggerThresholdObjectsOwner', 'mteTriggerThresholdObjects',
    'mteTriggerThresholdRisingEventOwner', 'mteTriggerThresholdRisingEvent', 'mteTriggerThresholdFallingEventOwner',
    'mteTriggerThresholdFallingEvent', 'mteTriggerThresholdDeltaRisingEventOwner', 'mteTriggerThresholdDeltaRisingEvent',
    'mteTriggerThresholdDeltaFallingEventOwner', 'mteTriggerThresholdDeltaFallingEvent', 'mteOwner', 'mteTriggerName',
  ],
  mteObjectsEntry: ['mteObjectsName', 'mteObjectsIndex', 'mteObjectsID', 'mteObjectsIDWildcard', 'mteObjectsEntryStatus', 'mteOwner'],
  mteEventEntry: ['mteEventName', 'mteEventComment', 'mteEventActions', 'mteEventEnabled', 'mteEventEntryStatus', 'mteOwner'],
  mteEventNotificationEntry: ['mteEventNotification', 'mteEventNotificationObjectsOwner', 'mteEventNotificationObjects', 'mteOwner', 'mteEventName'],
  mteEventSetEntry: [
    'mteEventSetObject', 'mteEventSetObjectWildcard', 'mteEventSetValue', 'mteEventSetTargetTag', 'mteEventSetContextName',
    'mteEventSetContextNameWildcard', 'mteOwner', 'mteEventName',
  ],
};
const ENTRY_TYPES = Object.keys(EVENTAGT_FIELDS);
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Repair the damaged layouts (see the header) and return the entries proper. */
function repairLayout(entries: EntryLine[], file: string, messages: ConfigMessage[]): EntryLine[] {
  const out: Mutable<EntryLine>[] = [];
  let descStart = 0;
  let descEnd = 0;
  const flushDescriptions = () => {
    if (descStart === 0) return;
    const where = descStart === descEnd ? `line ${descStart} reads` : `lines ${descStart}-${descEnd} read`;
    messages.push({ severity: 'warning', file, line: descStart, col: 1, message: `${where} as field descriptions whose "#" is missing; ignored (start such lines with # to silence this)` });
    descStart = 0;
  };
  const description = (line: number) => {
    if (descStart === 0) descStart = line;
    descEnd = line;
  };
  const isTypeWord = (f: Field | undefined) => !!f && !f.quoted && /^\([A-Za-z]+\)$/.test(f.text);

  for (const e0 of entries) {
    let e: Mutable<EntryLine> = { ...e0 };
    // "mteTriggerEntryStatus (integer) mteTriggerEntry 61 …": drop the description in front.
    let stripped = false;
    while (!ENTRY_TYPES.includes(e.type) && isTypeWord(e.fields[0]) && e.fields.length >= 2 && !e.fields[1].quoted) {
      e = { ...e, type: e.fields[1].text, fields: e.fields.slice(2) };
      stripped = true;
    }
    if (stripped && ENTRY_TYPES.includes(e.type)) {
      flushDescriptions();
      messages.push({ severity: 'warning', file, line: e.line, col: 1, message: `a field description without "#" runs into this ${e.type}; it is read from "${e.type}" on (put the description on its own line, starting with #)` });
    }
    if (!ENTRY_TYPES.includes(e.type)) {
      const isEntryWords = /^entry$/i.test(e.type) && /^(type|format):?$/i.test(e.fields[0]?.text ?? '');
      if (isEntryWords || isFieldDescription(e0) || (stripped && e.fields.length === 0 && isTypeWord({ ...e0.fields[0] }))) {
        description(e.line);
        continue;
      }
      // A lost `\`: the previous entry is short of fields and this line starts with a value.
      const prev = out[out.length - 1];
      if (prev && prev.endLine === e.line - 1 && prev.fields.length < EVENTAGT_FIELDS[prev.type].length) {
        flushDescriptions();
        const head: Field = { text: e.type, quoted: false, dash: e.type === '-', line: e.line, col: 1 };
        prev.fields = [...prev.fields, head, ...e.fields];
        prev.endLine = e.endLine;
        messages.push({ severity: 'warning', file, line: e.line, col: 1, message: `this line continues the ${prev.type} of line ${prev.line}, whose line before has no trailing "\\"; read as one entry (end the line before with \\)` });
        continue;
      }
      flushDescriptions();
      messages.push(unknownEntryError(e, file, ENTRY_TYPES, 'eventagt.cnf'));
      continue;
    }
    flushDescriptions();
    out.push(e);
  }
  flushDescriptions();
  return out;
}

// ---- field parsers -----------------------------------------------------------------

function unsignedField(f: Field, min: number, max: number): FieldResult<number> {
  const t = f.text.replace(/u$/i, '');
  return intField({ ...f, text: t }, min, max);
}

function oidField(f: Field): FieldResult<string> {
  let t = f.text.trim();
  if (/^iso(\.|$)/i.test(t)) t = '1' + t.slice(3);
  if (t.startsWith('.')) t = t.slice(1);
  if (/^[0-2](\.\d+)+$/.test(t) && t.split('.').every((x) => Number(x) <= UINT32_MAX)) return { ok: true, value: t.replace(/\.0+(\d)/g, '.$1') };
  return { ok: false, message: `"${f.text}" is not an OBJECT IDENTIFIER; write it numerically, e.g. 1.3.6.1.2.1.25.3.3.1.2.1 or iso.3.6.1.2.1.25.3.3.1.2.1 (0.0 for none)` };
}

function bitsField<T extends string>(f: Field, names: readonly T[]): FieldResult<Record<T, boolean>> {
  const bits = f.dash ? new Set<number>() : bitsFromHex(f.text);
  const legend = names.map((n, i) => `${n} = ${(0x80 >> i).toString(16).padStart(2, '0')}`).join(', ');
  if (!bits || [...bits].some((b) => b >= names.length)) {
    return { ok: false, message: `"${f.text}" is not valid; BITS are hex octets with bit 0 = 80: ${legend} (add them up; - for none)` };
  }
  const out = {} as Record<T, boolean>;
  names.forEach((n, i) => (out[n] = bits.has(i)));
  return { ok: true, value: out };
}

function rowStatusField(f: Field): FieldResult<RowState> {
  const r = enumField(f, { active: 1, notInService: 2, notReady: 3, createAndGo: 4, createAndWait: 5 });
  if (!r.ok) return { ok: false, message: `"${f.text}" is not valid; use active(1), notInService(2) or notReady(3)` };
  const v = r.value === 'createAndGo' ? 'active' : r.value === 'createAndWait' ? 'notInService' : r.value;
  return { ok: true, value: v };
}

function adminString(f: Field, max: number): FieldResult<string> {
  const s = stringField(f);
  if (Buffer.byteLength(s) > max) return { ok: false, message: `"${s}" is longer than ${max} bytes` };
  return { ok: true, value: s };
}

const text32 = (f: Field) => adminString(f, 32);
const text255 = (f: Field) => adminString(f, 255);
const nonEmptyName = (f: Field): FieldResult<string> => {
  const r = adminString(f, 32);
  if (r.ok && r.value === '') return { ok: false, message: 'a name is required here (1 to 32 characters); "-" is empty' };
  return r;
};

// ---- the reader --------------------------------------------------------------------

export function parseEventagtCnf(text: string, file: string): EventagtResult {
  const read = readEntryLines(text, file);
  const messages = [...read.messages];
  const entries = repairLayout(read.entries, file, messages);
  const resource: ResourceParams = { sampleMinimum: 1, sampleInstanceMaximum: 0 };
  const triggers = new Map<string, { row: TriggerRow; line: number }>();
  const objects = new Map<string, { row: ObjectsRow; line: number }>();
  const events = new Map<string, { row: EventRow; line: number }>();
  const extensions: Array<{ e: EntryLine; v: Record<string, unknown> }> = [];

  const { err } = reporters(file, messages);

  for (const e of entries) {
    const names = EVENTAGT_FIELDS[e.type];
    if (e.fields.length !== names.length) {
      const at = e.fields[names.length] ?? e.fields[e.fields.length - 1];
      err(at?.line ?? e.line, at?.col ?? 1, `${e.type} takes ${names.length} field${names.length > 1 ? 's' : ''} (${names.join(', ')}), found ${e.fields.length}`);
      continue;
    }
    let bad = false;
    const v: Record<string, unknown> = {};
    const take = <T>(i: number, parse: (f: Field) => FieldResult<T>): T => {
      const f = e.fields[i];
      const r = parse(f);
      if (r.ok) {
        v[names[i]] = r.value;
        return r.value;
      }
      err(f.line, f.col, `${e.type} field ${i + 1} (${names[i]}): ${r.message}`);
      bad = true;
      return undefined as T;
    };
    switch (e.type) {
      case 'mteResourceSampleMinimum': {
        const n = take(0, (f) => unsignedField(f, 1, INT32_MAX));
        if (!bad) resource.sampleMinimum = n;
        break;
      }
      case 'mteResourceSampleInstanceMaximum': {
        const n = take(0, (f) => unsignedField(f, 0, UINT32_MAX));
        if (!bad) resource.sampleInstanceMaximum = n;
        break;
      }
      case 'mteTriggerEntry': {
        const owner = take(0, text32);
        const name = take(1, nonEmptyName);
        const row = defaultTrigger(owner, name);
        row.comment = take(2, text255);
        row.test = take(3, (f) => bitsField(f, ['existence', 'boolean', 'threshold'] as const));
        row.sampleType = take(4, (f) => enumField(f, SAMPLE_TYPE));
        row.valueId = take(5, oidField);
        row.valueIdWildcard = take(6, truthField);
        row.targetTag = take(7, text255);
        row.contextName = take(8, text32);
        row.contextNameWildcard = take(9, truthField);
        row.frequency = take(10, (f) => unsignedField(f, 0, UINT32_MAX));
        row.objectsOwner = take(11, text32);
        row.objects = take(12, text32);
        row.enabled = take(13, truthField);
        row.status = take(14, rowStatusField);
        if (bad) break;
        const key = rowKey(owner, name);
        const earlier = triggers.get(key);
        if (earlier) {
          err(e.line, 1, `mteTriggerEntry ${owner}/${name} is already defined on line ${earlier.line}; each trigger needs its own owner and name`);
          break;
        }
        triggers.set(key, { row, line: e.line });
        break;
      }
      case 'mteObjectsEntry': {
        const name = take(0, nonEmptyName);
        const index = take(1, (f) => unsignedField(f, 1, UINT32_MAX));
        const owner = take(5, text32);
        const row = defaultObjects(owner, name, index);
        row.id = take(2, oidField);
        row.idWildcard = take(3, truthField);
        row.status = take(4, rowStatusField);
        if (bad) break;
        const key = rowKey(owner, name, index);
        const earlier = objects.get(key);
        if (earlier) {
          err(e.line, 1, `mteObjectsEntry ${owner}/${name}/${index} is already defined on line ${earlier.line}`);
          break;
        }
        objects.set(key, { row, line: e.line });
        break;
      }
      case 'mteEventEntry': {
        const name = take(0, nonEmptyName);
        const owner = take(5, text32);
        const row = defaultEvent(owner, name);
        row.comment = take(1, text255);
        row.actions = take(2, (f) => bitsField(f, ['notification', 'set'] as const));
        row.enabled = take(3, truthField);
        row.status = take(4, rowStatusField);
        if (bad) break;
        const key = rowKey(owner, name);
        const earlier = events.get(key);
        if (earlier) {
          err(e.line, 1, `mteEventEntry ${owner}/${name} is already defined on line ${earlier.line}; each event needs its own owner and name`);
          break;
        }
        events.set(key, { row, line: e.line });
        break;
      }
      case 'mteTriggerDeltaEntry':
        take(0, oidField);
        take(1, truthField);
        take(2, (f) => enumField(f, DISCONTINUITY_TYPE));
        take(3, text32);
        take(4, nonEmptyName);
        if (!bad) extensions.push({ e, v });
        break;
      case 'mteTriggerExistenceEntry':
        take(0, (f) => bitsField(f, ['present', 'absent', 'changed'] as const));
        take(1, (f) => bitsField(f, ['present', 'absent'] as const));
        for (const i of [2, 3, 4, 5, 6]) take(i, text32);
        take(7, nonEmptyName);
        if (!bad) extensions.push({ e, v });
        break;
      case 'mteTriggerBooleanEntry':
        take(0, (f) => enumField(f, BOOLEAN_COMPARISON));
        take(1, (f) => intField(f, INT32_MIN, INT32_MAX));
        take(2, truthField);
        for (const i of [3, 4, 5, 6, 7]) take(i, text32);
        take(8, nonEmptyName);
        if (!bad) extensions.push({ e, v });
        break;
      case 'mteTriggerThresholdEntry':
        take(0, (f) => enumField(f, THRESHOLD_STARTUP));
        for (const i of [1, 2, 3, 4]) take(i, (f) => intField(f, INT32_MIN, INT32_MAX));
        for (let i = 5; i <= 15; i++) take(i, text32);
        take(16, nonEmptyName);
        if (!bad) extensions.push({ e, v });
        break;
      case 'mteEventNotificationEntry':
        take(0, oidField);
        take(1, text32);
        take(2, text32);
        take(3, text32);
        take(4, nonEmptyName);
        if (!bad) extensions.push({ e, v });
        break;
      case 'mteEventSetEntry':
        take(0, oidField);
        take(1, truthField);
        take(2, (f) => intField(f, INT32_MIN, INT32_MAX));
        take(3, text255);
        take(4, text32);
        take(5, truthField);
        take(6, text32);
        take(7, nonEmptyName);
        if (!bad) extensions.push({ e, v });
        break;
    }
  }

  // Extension entries complete a trigger or event defined anywhere in the file.
  for (const { e, v } of extensions) {
    const owner = v.mteOwner as string;
    const isEvent = e.type.startsWith('mteEvent');
    const name = (isEvent ? v.mteEventName : v.mteTriggerName) as string;
    const base = isEvent ? events.get(rowKey(owner, name)) : triggers.get(rowKey(owner, name));
    if (!base) {
      const known = isEvent ? [...events.values()] : [...triggers.values()];
      const list = known.map((k) => `${k.row.owner}/${k.row.name}`).join(', ') || 'none';
      err(e.line, 1, `${e.type} refers to ${isEvent ? 'mteEventEntry' : 'mteTriggerEntry'} ${owner}/${name}, which this file does not define (defined: ${list})`);
      continue;
    }
    const g = (n: string) => v[n] as never;
    switch (e.type) {
      case 'mteTriggerDeltaEntry': {
        const t = base.row as TriggerRow;
        t.delta = { discontinuityId: g('mteTriggerDeltaDiscontinuityID'), discontinuityIdWildcard: g('mteTriggerDeltaDiscontinuityIDWildcard'), discontinuityIdType: g('mteTriggerDeltaDiscontinuityIDType') };
        break;
      }
      case 'mteTriggerExistenceEntry': {
        const t = base.row as TriggerRow;
        t.existence = {
          test: g('mteTriggerExistenceTest'),
          startup: g('mteTriggerExistenceStartup'),
          objectsOwner: g('mteTriggerExistenceObjectsOwner'),
          objects: g('mteTriggerExistenceObjects'),
          eventOwner: g('mteTriggerExistenceEventOwner'),
          event: g('mteTriggerExistenceEvent'),
        };
        break;
      }
      case 'mteTriggerBooleanEntry': {
        const t = base.row as TriggerRow;
        t.boolean = {
          comparison: g('mteTriggerBooleanComparison'),
          value: g('mteTriggerBooleanValue'),
          startup: g('mteTriggerBooleanStartup'),
          objectsOwner: g('mteTriggerBooleanObjectsOwner'),
          objects: g('mteTriggerBooleanObjects'),
          eventOwner: g('mteTriggerBooleanEventOwner'),
          event: g('mteTriggerBooleanEvent'),
        };
        break;
      }
      case 'mteTriggerThresholdEntry': {
        const t = base.row as TriggerRow;
        t.threshold = {
          startup: g('mteTriggerThresholdStartup'),
          rising: g('mteTriggerThresholdRising'),
          falling: g('mteTriggerThresholdFalling'),
          deltaRising: g('mteTriggerThresholdDeltaRising'),
          deltaFalling: g('mteTriggerThresholdDeltaFalling'),
          objectsOwner: g('mteTriggerThresholdObjectsOwner'),
          objects: g('mteTriggerThresholdObjects'),
          risingEventOwner: g('mteTriggerThresholdRisingEventOwner'),
          risingEvent: g('mteTriggerThresholdRisingEvent'),
          fallingEventOwner: g('mteTriggerThresholdFallingEventOwner'),
          fallingEvent: g('mteTriggerThresholdFallingEvent'),
          deltaRisingEventOwner: g('mteTriggerThresholdDeltaRisingEventOwner'),
          deltaRisingEvent: g('mteTriggerThresholdDeltaRisingEvent'),
          deltaFallingEventOwner: g('mteTriggerThresholdDeltaFallingEventOwner'),
          deltaFallingEvent: g('mteTriggerThresholdDeltaFallingEvent'),
        };
        break;
      }
      case 'mteEventNotificationEntry': {
        const ev = base.row as EventRow;
        ev.notification = { oid: g('mteEventNotification'), objectsOwner: g('mteEventNotificationObjectsOwner'), objects: g('mteEventNotificationObjects') };
        break;
      }
      case 'mteEventSetEntry': {
        const ev = base.row as EventRow;
        ev.set = {
          object: g('mteEventSetObject'),
          objectWildcard: g('mteEventSetObjectWildcard'),
          value: g('mteEventSetValue'),
          targetTag: g('mteEventSetTargetTag'),
          contextName: g('mteEventSetContextName'),
          contextNameWildcard: g('mteEventSetContextNameWildcard'),
        };
        break;
      }
    }
  }

  // A frequency below the minimum is raised to it (what the agent would refuse over SNMP).
  for (const { row, line } of triggers.values()) {
    if (row.frequency < resource.sampleMinimum) {
      messages.push({ severity: 'warning', file, line, col: 1, message: `mteTrigger ${row.owner}/${row.name}: frequency ${row.frequency} is below mteResourceSampleMinimum ${resource.sampleMinimum}; using ${resource.sampleMinimum}` });
      row.frequency = resource.sampleMinimum;
    }
  }

  const config: EventagtConfig = {
    resource,
    triggers: [...triggers.values()].map((x) => x.row),
    objects: [...objects.values()].map((x) => x.row),
    events: [...events.values()].map((x) => x.row),
  };
  messages.sort((a, b) => a.line - b.line); // stable: same-line messages keep their order
  return { config, messages, ok: noErrors(messages) };
}

/** Read and parse an eventagt.cnf file; an unreadable file is an error message, not an exception. */
export function loadEventagtCnf(file: string): EventagtResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return {
      config: { resource: { sampleMinimum: 1, sampleInstanceMaximum: 0 }, triggers: [], objects: [], events: [] },
      messages: [{ severity: 'error', file, line: 0, col: 0, message: `cannot read the file: ${(e as Error).message}` }],
      ok: false,
    };
  }
  return parseEventagtCnf(text, file);
}
