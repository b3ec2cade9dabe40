// The Event MIB engine (RFC 2981) in plain TypeScript: it holds the trigger, objects and
// event rows, samples each active and enabled trigger every mteTriggerFrequency seconds
// through the injected `io`, runs the existence / boolean / threshold tests per sampled
// instance and fires the events' notification and set actions. It knows no SNMP library;
// ./index.ts connects it to the agent.
//
// Samples read what an SNMP manager of this agent reads (the io of ./index.ts): our own
// objects and those of the AgentX subagents (sipd's SIP MIB). A read that fails (a subagent
// answering an error, or nothing within the master's time limit) fails that sample: it is
// counted in mteTriggerFailures with the error-status as reason, and the instances keep
// their state (a subagent that is slow is not "absent"). A trigger with a non-empty
// mteTriggerTargetTag (sampling another agent) fails each sample with badDestination;
// context names are carried into the notifications but the agent has a single context.
import { booleanTest, existenceTest, freshThresholdState, thresholdTest } from './trigger-tests.js';
import type { BooleanState, ThresholdState } from './trigger-tests.js';
import type { EventRow, ObjectsRow, ResourceParams, TriggerRow } from './types.js';
import { ZERO_DOT_ZERO, rowKey } from './types.js';
import type { SnmpType, SnmpValue, Varbind } from '../../mib-module.js';

export const EVENT_OIDS = {
  mteHotTrigger: '1.3.6.1.2.1.88.2.1.1',
  mteHotTargetName: '1.3.6.1.2.1.88.2.1.2',
  mteHotContextName: '1.3.6.1.2.1.88.2.1.3',
  mteHotOID: '1.3.6.1.2.1.88.2.1.4',
  mteHotValue: '1.3.6.1.2.1.88.2.1.5',
  mteFailedReason: '1.3.6.1.2.1.88.2.1.6',
  mteTriggerFired: '1.3.6.1.2.1.88.2.0.1',
  mteTriggerRising: '1.3.6.1.2.1.88.2.0.2',
  mteTriggerFalling: '1.3.6.1.2.1.88.2.0.3',
  mteTriggerFailure: '1.3.6.1.2.1.88.2.0.4',
  mteEventSetFailure: '1.3.6.1.2.1.88.2.0.5',
} as const;

/** FailureReason values used here (DISMAN-EVENT-MIB). */
export const FAILURE = { localResourceLack: -1, badDestination: -2, badType: -5, sampleOverrun: -6, noSuchName: 2, genErr: 5 } as const;

export interface Sampled {
  type: SnmpType;
  value: SnmpValue;
}

export interface EventIo {
  /** One instance; undefined when it does not exist. Rejects when it cannot be read (an
   *  Error with a numeric `status`, an SNMP error-status, says why; genErr otherwise). */
  sample(oid: string): Promise<Sampled | undefined>;
  /** Every instance under prefix (for wildcarded ValueIDs and objects). */
  walk(prefix: string): Promise<Array<{ oid: string } & Sampled>>;
  /** Send a notification (the agent adds sysUpTime.0 and snmpTrapOID.0). */
  notify(trapOid: string, varbinds: Varbind[]): void | Promise<void>;
  /** The set action; resolves to an error name, or undefined when the SET worked. */
  set?(oid: string, value: number): Promise<string | undefined>;
  log?(level: 'error' | 'warn' | 'info' | 'debug', message: string): void;
}

/** Why an event fired; picks the standard notification when mteEventNotification is 0.0. */
export type FireCause = 'rising' | 'falling' | 'deltaRising' | 'deltaFalling' | 'boolean' | 'present' | 'absent' | 'changed';

export interface FiredEvent {
  eventOwner: string;
  eventName: string;
  trigger: string;
  cause: FireCause;
  oid: string;
  value: number;
}

interface InstanceState {
  present: boolean;
  /** String form of the last value (existence "changed"). */
  text?: string;
  /** Last numeric sample (delta sampling and delta thresholds). */
  last?: number;
  lastType?: SnmpType;
  /** Last discontinuity-marker value seen for this instance. */
  disc?: number | string;
  /** The instance has been through a test evaluation (startup is over). */
  evaluated: boolean;
  threshold: ThresholdState;
  deltaThreshold: ThresholdState;
  boolean: BooleanState;
}

interface TriggerRuntime {
  timer?: NodeJS.Timeout;
  running: boolean;
  instances: Map<string, InstanceState>;
  /** The existence test's first sample has happened (startup is per trigger for absent non-wildcard objects). */
  sampledOnce: boolean;
}

const NUMERIC: ReadonlySet<string> = new Set(['Integer', 'Integer32', 'Counter', 'Counter32', 'Gauge', 'Gauge32', 'Unsigned32', 'TimeTicks', 'Counter64', 'Boolean']);
const COUNTER32: ReadonlySet<string> = new Set(['Counter', 'Counter32']);

function toNumber(s: Sampled): number | undefined {
  if (!NUMERIC.has(s.type)) return undefined;
  const v = s.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 2;
  if (Buffer.isBuffer(v) && v.length <= 8) return Number(v.length ? v.readUIntBE(0, Math.min(v.length, 6)) : 0);
  return undefined;
}

function asText(s: Sampled): string {
  return Buffer.isBuffer(s.value) ? s.value.toString('hex') : String(s.value);
}

const int32 = (n: number) => Math.max(-2147483648, Math.min(2147483647, Math.trunc(n)));

export class EventEngine {
  readonly triggers = new Map<string, TriggerRow>();
  readonly objects = new Map<string, ObjectsRow>();
  readonly events = new Map<string, EventRow>();
  resource: ResourceParams = { sampleMinimum: 1, sampleInstanceMaximum: 0 };
  /** mteTriggerFailures: samples that could not be taken or used. */
  triggerFailures = 0;
  /** mteEventFailures: event actions that failed. */
  eventFailures = 0;
  /** mteResourceSampleInstances / …High / …Lacks. */
  sampleInstances = 0;
  sampleInstancesHigh = 0;
  sampleInstanceLacks = 0;
  /** Every event fired, newest last (bounded): for tests and diagnostics. */
  readonly fired: FiredEvent[] = [];

  private readonly runtime = new Map<string, TriggerRuntime>();
  private started = false;

  constructor(private readonly io: EventIo) {}

  // ---- rows ------------------------------------------------------------------------

  putTrigger(row: TriggerRow): void {
    this.triggers.set(rowKey(row.owner, row.name), row);
    this.triggerChanged(row.owner, row.name);
  }
  deleteTrigger(owner: string, name: string): void {
    this.triggers.delete(rowKey(owner, name));
    this.triggerChanged(owner, name);
  }
  putObjects(row: ObjectsRow): void {
    this.objects.set(rowKey(row.owner, row.name, row.index), row);
  }
  deleteObjects(owner: string, name: string, index: number): void {
    this.objects.delete(rowKey(owner, name, index));
  }
  putEvent(row: EventRow): void {
    this.events.set(rowKey(row.owner, row.name), row);
  }
  deleteEvent(owner: string, name: string): void {
    this.events.delete(rowKey(owner, name));
  }
  getTrigger(owner: string, name: string): TriggerRow | undefined {
    return this.triggers.get(rowKey(owner, name));
  }
  getEvent(owner: string, name: string): EventRow | undefined {
    return this.events.get(rowKey(owner, name));
  }

  /**
   * Call after a trigger row changed (or was removed): it is (re)scheduled when active and
   * enabled, its per-instance state is dropped so the next sample is a startup sample.
   */
  triggerChanged(owner: string, name: string): void {
    const key = rowKey(owner, name);
    const rt = this.runtime.get(key);
    if (rt?.timer) clearInterval(rt.timer);
    this.runtime.delete(key);
    this.recountInstances();
    const row = this.triggers.get(key);
    if (!row || !this.started || !this.isLive(row)) return;
    this.schedule(key, row);
  }

  /** Start sampling every active, enabled trigger. */
  start(): void {
    this.started = true;
    for (const [key, row] of this.triggers) if (this.isLive(row) && !this.runtime.get(key)?.timer) this.schedule(key, row);
  }

  stop(): void {
    this.started = false;
    for (const rt of this.runtime.values()) if (rt.timer) clearInterval(rt.timer);
    this.runtime.clear();
  }

  isLive(row: TriggerRow): boolean {
    return row.status === 'active' && row.enabled;
  }

  private schedule(key: string, row: TriggerRow): void {
    const rt = this.runtimeOf(key);
    const seconds = Math.max(row.frequency, this.resource.sampleMinimum, 1);
    rt.timer = setInterval(() => {
      if (rt.running) {
        this.fail(row, row.valueId, FAILURE.sampleOverrun, 'the previous sample had not finished');
        return;
      }
      void this.sampleTrigger(row.owner, row.name);
    }, seconds * 1000);
    rt.timer.unref();
    // The first sample right away, so that startup events do not wait a whole period.
    setImmediate(() => void this.sampleTrigger(row.owner, row.name));
  }

  private runtimeOf(key: string): TriggerRuntime {
    let rt = this.runtime.get(key);
    if (!rt) {
      rt = { running: false, instances: new Map(), sampledOnce: false };
      this.runtime.set(key, rt);
    }
    return rt;
  }

  private recountInstances(): void {
    let n = 0;
    for (const rt of this.runtime.values()) n += rt.instances.size;
    this.sampleInstances = n;
    if (n > this.sampleInstancesHigh) this.sampleInstancesHigh = n;
  }

  // ---- sampling ----------------------------------------------------------------------

  /**
   * Take one sample of a trigger and run its tests. Timers call this; tests call it
   * directly to step through a sequence. Resolves when every fired action has been sent.
   */
  async sampleTrigger(owner: string, name: string): Promise<void> {
    const key = rowKey(owner, name);
    const row = this.triggers.get(key);
    if (!row || row.status !== 'active') return;
    const rt = this.runtimeOf(key);
    if (rt.running) return;
    rt.running = true;
    try {
      await this.sampleOnce(row, rt);
    } catch (e) {
      this.fail(row, row.valueId, failureReason(e), (e as Error).message);
    } finally {
      rt.running = false;
    }
  }

  private async sampleOnce(row: TriggerRow, rt: TriggerRuntime): Promise<void> {
    if (row.targetTag !== '') {
      this.fail(row, row.valueId, FAILURE.badDestination, `target tag "${row.targetTag}": only local sampling is supported`);
      return;
    }
    const prefix = row.valueId;
    let samples: Array<{ suffix: string; oid: string; s: Sampled }>;
    if (row.valueIdWildcard) {
      const all = await this.io.walk(prefix);
      samples = all.map((v) => ({ suffix: v.oid.slice(prefix.length), oid: v.oid, s: { type: v.type, value: v.value } }));
    } else {
      const s = await this.io.sample(prefix);
      samples = s && s.type !== 'Null' ? [{ suffix: '', oid: prefix, s }] : [];
    }

    // Instance limit across all triggers (mteResourceSampleInstanceMaximum; 0 = none).
    const max = this.resource.sampleInstanceMaximum;
    if (max > 0) {
      const others = this.sampleInstances - rt.instances.size;
      if (others + samples.length > max) {
        this.sampleInstanceLacks++;
        this.fail(row, prefix, FAILURE.localResourceLack, `${samples.length} instances would pass mteResourceSampleInstanceMaximum ${max}`);
        return;
      }
    }

    const startup = !rt.sampledOnce;
    rt.sampledOnce = true;
    const t = row.test;

    // Existence: appearances, disappearances and changes.
    if (t.existence) {
      const seen = new Set<string>();
      for (const x of samples) {
        seen.add(x.suffix);
        const st = rt.instances.get(x.suffix);
        const before = st ? { present: st.present, value: st.text } : startup ? undefined : { present: false };
        const c = existenceTest(row.existence, before, { present: true, value: asText(x.s) });
        if (c) await this.fire(row, row.existence.eventOwner, row.existence.event, c, x.oid, toNumber(x.s) ?? 0, row.existence);
      }
      const gone = [...rt.instances.entries()].filter(([suffix, st]) => st.present && !seen.has(suffix));
      for (const [suffix] of gone) {
        const c = existenceTest(row.existence, { present: true }, { present: false });
        rt.instances.get(suffix)!.present = false;
        if (c) await this.fire(row, row.existence.eventOwner, row.existence.event, c, prefix + suffix, 0, row.existence);
      }
      if (startup && !row.valueIdWildcard && samples.length === 0) {
        const c = existenceTest(row.existence, undefined, { present: false });
        if (c) await this.fire(row, row.existence.eventOwner, row.existence.event, c, prefix, 0, row.existence);
        rt.instances.set('', this.newInstance(false));
      }
    }

    if ((t.boolean || t.threshold) && samples.length === 0 && !row.valueIdWildcard) {
      this.fail(row, prefix, FAILURE.noSuchName, 'no such instance');
    }

    // Delta sampling: a discontinuity marker that moved backwards (timeTicks) or changed
    // (timeStamp, dateAndTime) means the counters restarted; that interval is not used.
    const sharedDisc = row.sampleType === 'deltaValue' && !row.delta.discontinuityIdWildcard ? await this.discontinuityMarker(row, '') : undefined;

    let badType = false;
    for (const x of samples) {
      let st = rt.instances.get(x.suffix);
      if (!st) {
        st = this.newInstance(true);
        rt.instances.set(x.suffix, st);
      }
      st.present = true;
      st.text = asText(x.s);
      if (!t.boolean && !t.threshold) continue;
      const n = toNumber(x.s);
      if (n === undefined) {
        badType = true;
        continue;
      }
      const prev = st.last;
      const prevType = st.lastType;
      st.last = n;
      st.lastType = x.s.type;

      let value = n;
      if (row.sampleType === 'deltaValue') {
        const disc = row.delta.discontinuityIdWildcard ? await this.discontinuityMarker(row, x.suffix) : sharedDisc;
        const jumped = disc !== undefined && st.disc !== undefined && this.isDiscontinuity(row, st.disc, disc);
        st.disc = disc;
        if (prev === undefined || jumped) continue; // a baseline, not yet a delta
        value = n - prev;
        if (value < 0 && prevType && COUNTER32.has(prevType) && COUNTER32.has(x.s.type)) value += 2 ** 32;
      }
      const first = !st.evaluated;
      st.evaluated = true;

      if (t.boolean) {
        const b = row.boolean;
        if (booleanTest(st.boolean, value, b.comparison, b.value, first ? b.startup : undefined)) {
          await this.fire(row, b.eventOwner, b.event, 'boolean', x.oid, n, b);
        }
      }
      if (t.threshold) {
        const th = row.threshold;
        for (const c of thresholdTest(st.threshold, value, th.rising, th.falling, first ? th.startup : undefined)) {
          const [o, e] = c === 'rising' ? [th.risingEventOwner, th.risingEvent] : [th.fallingEventOwner, th.fallingEvent];
          await this.fire(row, o, e, c, x.oid, n, th);
        }
        // Delta thresholds apply to absolute samples: the change since the last sample.
        if (row.sampleType === 'absoluteValue' && prev !== undefined && (th.deltaRisingEvent !== '' || th.deltaFallingEvent !== '')) {
          for (const c of thresholdTest(st.deltaThreshold, n - prev, th.deltaRising, th.deltaFalling, undefined)) {
            const [o, e] = c === 'rising' ? [th.deltaRisingEventOwner, th.deltaRisingEvent] : [th.deltaFallingEventOwner, th.deltaFallingEvent];
            await this.fire(row, o, e, c === 'rising' ? 'deltaRising' : 'deltaFalling', x.oid, n, th);
          }
        }
      }
    }
    if (badType) this.fail(row, prefix, FAILURE.badType, 'the sampled value is not a number');

    // Instances that vanished from a wildcard stop being tracked (boolean/threshold only).
    if (!t.existence && row.valueIdWildcard) {
      const seen = new Set(samples.map((x) => x.suffix));
      for (const suffix of [...rt.instances.keys()]) if (!seen.has(suffix)) rt.instances.delete(suffix);
    }
    this.recountInstances();
  }

  private newInstance(present: boolean): InstanceState {
    return { present, evaluated: false, threshold: freshThresholdState(), deltaThreshold: freshThresholdState(), boolean: { armed: true } };
  }

  private async discontinuityMarker(row: TriggerRow, suffix: string): Promise<number | string | undefined> {
    const s = await this.io.sample(row.delta.discontinuityId + suffix);
    if (!s) return undefined;
    return toNumber(s) ?? asText(s);
  }

  private isDiscontinuity(row: TriggerRow, before: number | string, now: number | string): boolean {
    if (row.delta.discontinuityIdType === 'timeTicks' && typeof before === 'number' && typeof now === 'number') return now < before;
    return before !== now;
  }

  private fail(row: TriggerRow, oid: string, reason: number, why: string): void {
    this.triggerFailures++;
    this.io.log?.('debug', `mteTrigger ${row.owner}/${row.name}: sample of ${oid} failed (${reason}): ${why}`);
  }

  // ---- events ------------------------------------------------------------------------

  private async fire(row: TriggerRow, eventOwner: string, eventName: string, cause: FireCause, oid: string, value: number, test: { objectsOwner: string; objects: string }): Promise<void> {
    if (eventName === '') return;
    const ev = this.events.get(rowKey(eventOwner, eventName));
    if (!ev || ev.status !== 'active' || !ev.enabled) {
      this.io.log?.('debug', `mteTrigger ${row.owner}/${row.name} fired ${cause} but event ${eventOwner}/${eventName} is missing, inactive or disabled`);
      return;
    }
    this.fired.push({ eventOwner, eventName, trigger: row.name, cause, oid, value });
    if (this.fired.length > 1000) this.fired.shift();
    const suffix = row.valueIdWildcard && oid.startsWith(row.valueId) ? oid.slice(row.valueId.length) : '';

    if (ev.actions.notification) {
      const trapOid = ev.notification.oid === ZERO_DOT_ZERO ? standardNotification(cause) : ev.notification.oid;
      const varbinds: Varbind[] = [
        { oid: `${EVENT_OIDS.mteHotTrigger}.0`, type: 'OctetString', value: row.name },
        { oid: `${EVENT_OIDS.mteHotTargetName}.0`, type: 'OctetString', value: row.targetTag },
        { oid: `${EVENT_OIDS.mteHotContextName}.0`, type: 'OctetString', value: row.contextName },
        { oid: `${EVENT_OIDS.mteHotOID}.0`, type: 'OID', value: oid },
        { oid: `${EVENT_OIDS.mteHotValue}.0`, type: 'Integer', value: int32(value) },
      ];
      varbinds.push(...(await this.objectVarbinds(row.objectsOwner, row.objects, suffix)));
      varbinds.push(...(await this.objectVarbinds(test.objectsOwner, test.objects, suffix)));
      varbinds.push(...(await this.objectVarbinds(ev.notification.objectsOwner, ev.notification.objects, suffix)));
      try {
        await this.io.notify(trapOid, varbinds);
      } catch (e) {
        this.eventFailures++;
        this.io.log?.('warn', `mteEvent ${ev.owner}/${ev.name}: notification failed: ${(e as Error).message}`);
      }
    }
    if (ev.actions.set) {
      const target = ev.set.object + (ev.set.objectWildcard ? suffix : '');
      const err = this.io.set ? await this.io.set(target, ev.set.value) : 'notWritable';
      if (err) {
        this.eventFailures++;
        this.io.log?.('warn', `mteEvent ${ev.owner}/${ev.name}: set of ${target} failed: ${err}`);
      }
    }
  }

  /** The mteObjects rows of one group, in mteObjectsIndex order, as varbinds. */
  private async objectVarbinds(owner: string, name: string, suffix: string): Promise<Varbind[]> {
    if (name === '') return [];
    const rows = [...this.objects.values()].filter((o) => o.owner === owner && o.name === name && o.status === 'active').sort((a, b) => a.index - b.index);
    const out: Varbind[] = [];
    for (const o of rows) {
      const oid = o.id + (o.idWildcard ? suffix : '');
      try {
        const s = await this.io.sample(oid);
        if (s) out.push({ oid, type: s.type, value: s.value });
      } catch (e) {
        // The notification still goes, without the object that could not be read.
        this.io.log?.('debug', `mteObjects ${owner}/${name}: ${oid} could not be read: ${(e as Error).message}`);
      }
    }
    return out;
  }
}

/** The FailureReason of a read that rejected: its SNMP error-status, else genErr. */
function failureReason(e: unknown): number {
  const status = (e as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && Number.isInteger(status) && status > 0 ? status : FAILURE.genErr;
}

/** mteEventNotification 0.0: send the RFC 2981 notification that matches the cause. */
export function standardNotification(cause: FireCause): string {
  if (cause === 'rising' || cause === 'deltaRising') return EVENT_OIDS.mteTriggerRising;
  if (cause === 'falling' || cause === 'deltaFalling') return EVENT_OIDS.mteTriggerFalling;
  return EVENT_OIDS.mteTriggerFired;
}
