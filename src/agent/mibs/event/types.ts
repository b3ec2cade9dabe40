// The DISMAN-EVENT-MIB (RFC 2981) rows as plain data: what eventagt.cnf loads, what the
// MIB adapter reads and writes, what the engine evaluates. No SNMP library types here.

/** RowStatus states a stored row can be in (createAndGo/createAndWait/destroy are actions). */
export type RowState = 'active' | 'notInService' | 'notReady';
export const ROW_STATUS = { active: 1, notInService: 2, notReady: 3, createAndGo: 4, createAndWait: 5, destroy: 6 } as const;

export type SampleType = 'absoluteValue' | 'deltaValue';
export const SAMPLE_TYPE = { absoluteValue: 1, deltaValue: 2 } as const;

export type ThresholdStartup = 'rising' | 'falling' | 'risingOrFalling';
export const THRESHOLD_STARTUP = { rising: 1, falling: 2, risingOrFalling: 3 } as const;

export type BooleanComparison = 'unequal' | 'equal' | 'less' | 'lessOrEqual' | 'greater' | 'greaterOrEqual';
export const BOOLEAN_COMPARISON = { unequal: 1, equal: 2, less: 3, lessOrEqual: 4, greater: 5, greaterOrEqual: 6 } as const;

export type DiscontinuityType = 'timeTicks' | 'timeStamp' | 'dateAndTime';
export const DISCONTINUITY_TYPE = { timeTicks: 1, timeStamp: 2, dateAndTime: 3 } as const;

/** mteTriggerTest BITS { existence(0), boolean(1), threshold(2) }. */
export interface TriggerTests {
  existence: boolean;
  boolean: boolean;
  threshold: boolean;
}

/** mteTriggerExistenceTest BITS { present(0), absent(1), changed(2) }. */
export interface ExistenceTests {
  present: boolean;
  absent: boolean;
  changed: boolean;
}

export interface DeltaParams {
  discontinuityId: string;
  discontinuityIdWildcard: boolean;
  discontinuityIdType: DiscontinuityType;
}

export interface ExistenceParams {
  test: ExistenceTests;
  startup: { present: boolean; absent: boolean };
  objectsOwner: string;
  objects: string;
  eventOwner: string;
  event: string;
}

export interface BooleanParams {
  comparison: BooleanComparison;
  value: number;
  startup: boolean;
  objectsOwner: string;
  objects: string;
  eventOwner: string;
  event: string;
}

export interface ThresholdParams {
  startup: ThresholdStartup;
  rising: number;
  falling: number;
  deltaRising: number;
  deltaFalling: number;
  objectsOwner: string;
  objects: string;
  risingEventOwner: string;
  risingEvent: string;
  fallingEventOwner: string;
  fallingEvent: string;
  deltaRisingEventOwner: string;
  deltaRisingEvent: string;
  deltaFallingEventOwner: string;
  deltaFallingEvent: string;
}

/** One mteTriggerEntry with its Delta/Existence/Boolean/Threshold extensions (same index). */
export interface TriggerRow {
  owner: string;
  name: string;
  comment: string;
  test: TriggerTests;
  sampleType: SampleType;
  /** Dotted numeric OID; with the wildcard set, the prefix whose instances are all sampled. */
  valueId: string;
  valueIdWildcard: boolean;
  targetTag: string;
  contextName: string;
  contextNameWildcard: boolean;
  /** Seconds between samples. */
  frequency: number;
  objectsOwner: string;
  objects: string;
  enabled: boolean;
  status: RowState;
  delta: DeltaParams;
  existence: ExistenceParams;
  boolean: BooleanParams;
  threshold: ThresholdParams;
}

export interface ObjectsRow {
  owner: string;
  name: string;
  index: number;
  id: string;
  idWildcard: boolean;
  status: RowState;
}

export interface EventSetParams {
  object: string;
  objectWildcard: boolean;
  value: number;
  targetTag: string;
  contextName: string;
  contextNameWildcard: boolean;
}

export interface EventRow {
  owner: string;
  name: string;
  comment: string;
  /** mteEventActions BITS { notification(0), set(1) }. */
  actions: { notification: boolean; set: boolean };
  enabled: boolean;
  status: RowState;
  notification: { oid: string; objectsOwner: string; objects: string };
  set: EventSetParams;
}

/** The mteResource scalars that are configuration. */
export interface ResourceParams {
  /** Smallest mteTriggerFrequency accepted, in seconds. */
  sampleMinimum: number;
  /** Most sampled instances across all triggers; 0 means no limit. */
  sampleInstanceMaximum: number;
}

export const ZERO_DOT_ZERO = '0.0';
export const SYS_UPTIME_INSTANCE = '1.3.6.1.2.1.1.3.0';

/** A trigger row holding the RFC 2981 DEFVALs. */
export function defaultTrigger(owner: string, name: string): TriggerRow {
  return {
    owner,
    name,
    comment: '',
    test: { existence: false, boolean: true, threshold: false },
    sampleType: 'absoluteValue',
    valueId: ZERO_DOT_ZERO,
    valueIdWildcard: false,
    targetTag: '',
    contextName: '',
    contextNameWildcard: false,
    frequency: 600,
    objectsOwner: '',
    objects: '',
    enabled: false,
    status: 'notReady',
    delta: { discontinuityId: SYS_UPTIME_INSTANCE, discontinuityIdWildcard: false, discontinuityIdType: 'timeTicks' },
    existence: { test: { present: true, absent: true, changed: false }, startup: { present: true, absent: true }, objectsOwner: '', objects: '', eventOwner: '', event: '' },
    boolean: { comparison: 'unequal', value: 0, startup: true, objectsOwner: '', objects: '', eventOwner: '', event: '' },
    threshold: {
      startup: 'risingOrFalling',
      rising: 0,
      falling: 0,
      deltaRising: 0,
      deltaFalling: 0,
      objectsOwner: '',
      objects: '',
      risingEventOwner: '',
      risingEvent: '',
      fallingEventOwner: '',
      fallingEvent: '',
      deltaRisingEventOwner: '',
      deltaRisingEvent: '',
      deltaFallingEventOwner: '',
      deltaFallingEvent: '',
    },
  };
}

export function defaultEvent(owner: string, name: string): EventRow {
  return {
    owner,
    name,
    comment: '',
    actions: { notification: false, set: false },
    enabled: false,
    status: 'notReady',
    notification: { oid: ZERO_DOT_ZERO, objectsOwner: '', objects: '' },
    set: { object: ZERO_DOT_ZERO, objectWildcard: false, value: 0, targetTag: '', contextName: '', contextNameWildcard: false },
  };
}

export function defaultObjects(owner: string, name: string, index: number): ObjectsRow {
  return { owner, name, index, id: ZERO_DOT_ZERO, idWildcard: false, status: 'notReady' };
}

// ---- BITS as CIAgent writes them: hex octets, bit 0 = 0x80 of the first octet ----------

/** Decode a BITS value written as hex octets ("20" = bit 2); undefined when not hex. */
export function bitsFromHex(text: string): Set<number> | undefined {
  const t = text.replace(/^0x/i, '');
  if (t === '' || t.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(t)) return undefined;
  const bits = new Set<number>();
  for (let i = 0; i < t.length; i += 2) {
    const octet = parseInt(t.slice(i, i + 2), 16);
    for (let b = 0; b < 8; b++) if (octet & (0x80 >> b)) bits.add(i * 4 + b);
  }
  return bits;
}

/** Encode bit numbers as BITS octets (the SNMP encoding of BITS). */
export function bitsToBuffer(bits: Iterable<number>, minOctets = 1): Buffer {
  const list = [...bits];
  const len = Math.max(minOctets, list.length ? Math.floor(Math.max(...list) / 8) + 1 : 0);
  const buf = Buffer.alloc(len);
  for (const b of list) buf[b >> 3] |= 0x80 >> (b & 7);
  return buf;
}

export function bitsFromBuffer(buf: Uint8Array): Set<number> {
  const bits = new Set<number>();
  for (let i = 0; i < buf.length; i++) for (let b = 0; b < 8; b++) if (buf[i] & (0x80 >> b)) bits.add(i * 8 + b);
  return bits;
}

/** Row key for maps: owner and name can hold any octets, so join with NUL. */
export const rowKey = (...parts: (string | number)[]) => parts.join('\u0000');
