// RFC 2981 trigger semantics, driven by synthetic sample sequences through the engine's
// injected sampler (no timers: each step calls sampleTrigger directly).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_OIDS, EventEngine } from '../../../src/agent/mibs/event/engine.js';
import type { EventIo, Sampled } from '../../../src/agent/mibs/event/engine.js';
import { defaultEvent, defaultObjects, defaultTrigger } from '../../../src/agent/mibs/event/types.js';
import type { ThresholdStartup, TriggerRow } from '../../../src/agent/mibs/event/types.js';
import type { Varbind } from '../../../src/agent/mib-module.js';
import { loadEventagtCnf } from '../../../src/agent/mibs/event/eventagt-cnf.js';
import { FIXTURES } from '../../helpers/index.js';
import path from 'node:path';

const LOAD = '1.3.6.1.2.1.25.3.3.1.2';

/** A fake MIB the test writes into, and the notifications the engine sent. */
function harness() {
  const mib = new Map<string, Sampled>();
  const sent: Array<{ oid: string; varbinds: Varbind[] }> = [];
  const sets: Array<{ oid: string; value: number }> = [];
  const io: EventIo = {
    sample: async (oid) => mib.get(oid),
    walk: async (prefix) =>
      [...mib.entries()]
        .filter(([oid]) => oid.startsWith(prefix + '.'))
        .map(([oid, s]) => ({ oid, ...s })),
    notify: (oid, varbinds) => {
      sent.push({ oid, varbinds });
    },
    set: async (oid, value) => {
      sets.push({ oid, value });
      return undefined;
    },
  };
  const engine = new EventEngine(io);
  const put = (oid: string, value: number, type: Sampled['type'] = 'Integer') => mib.set(oid, { type, value });
  return { mib, sent, sets, engine, put };
}

function thresholdTrigger(opts: { startup?: ThresholdStartup; wildcard?: boolean; sampleType?: 'absoluteValue' | 'deltaValue'; valueId?: string } = {}): TriggerRow {
  const t = defaultTrigger('61', 'loadTrigger');
  t.test = { existence: false, boolean: false, threshold: true };
  t.valueId = opts.valueId ?? (opts.wildcard ? LOAD : `${LOAD}.1`);
  t.valueIdWildcard = opts.wildcard ?? false;
  t.sampleType = opts.sampleType ?? 'absoluteValue';
  t.frequency = 5;
  t.enabled = true;
  t.status = 'active';
  Object.assign(t.threshold, {
    startup: opts.startup ?? 'risingOrFalling',
    rising: 75,
    falling: 20,
    risingEventOwner: '61',
    risingEvent: 'rising',
    fallingEventOwner: '61',
    fallingEvent: 'falling',
  });
  return t;
}

function addEvents(engine: EventEngine) {
  for (const name of ['rising', 'falling', 'fired', 'dRising', 'dFalling']) {
    const ev = defaultEvent('61', name);
    ev.actions.notification = true;
    ev.enabled = true;
    ev.status = 'active';
    engine.putEvent(ev);
  }
}

/** Feed a sequence of values to one instance; return the notification kinds per step. */
async function run(h: ReturnType<typeof harness>, t: TriggerRow, values: number[], oid = `${LOAD}.1`): Promise<string[][]> {
  const out: string[][] = [];
  for (const v of values) {
    h.put(oid, v);
    const before = h.sent.length;
    await h.engine.sampleTrigger(t.owner, t.name);
    out.push(h.sent.slice(before).map((s) => (s.oid === EVENT_OIDS.mteTriggerRising ? 'R' : s.oid === EVENT_OIDS.mteTriggerFalling ? 'F' : s.oid)));
  }
  return out;
}

test('startup risingOrFalling: a first sample above rising fires rising, below falling fires falling', async () => {
  for (const [first, expected] of [[80, ['R']], [10, ['F']], [50, []]] as const) {
    const h = harness();
    addEvents(h.engine);
    const t = thresholdTrigger({ startup: 'risingOrFalling' });
    h.engine.putTrigger(t);
    assert.deepEqual(await run(h, t, [first]), [[...expected]], `first sample ${first}`);
  }
});

test('startup rising (the guide\'s 1): no falling event for a low first sample, but the next rise fires', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = thresholdTrigger({ startup: 'rising' });
  h.engine.putTrigger(t);
  // 10 is below falling at startup: suppressed; later crossings count.
  assert.deepEqual(await run(h, t, [10, 50, 80, 10]), [[], [], ['R'], ['F']]);
});

test('startup falling: a high first sample is suppressed and rising stays disarmed until the value falls to the falling threshold', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = thresholdTrigger({ startup: 'falling' });
  h.engine.putTrigger(t);
  assert.deepEqual(await run(h, t, [90, 50, 90, 15, 90]), [[], [], [], ['F'], ['R']]);
});

test('hysteresis: one event per crossing; rising re-arms only at or below falling, and vice versa', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = thresholdTrigger();
  h.engine.putTrigger(t);
  const steps = await run(h, t, [50, 80, 90, 60, 80, 20, 19, 30, 10, 75, 74, 75]);
  assert.deepEqual(steps, [[], ['R'], [], [], [], ['F'], [], [], [], ['R'], [], []]);
});

test('thresholds are inclusive: exactly rising fires rising, exactly falling fires falling', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = thresholdTrigger();
  h.engine.putTrigger(t);
  assert.deepEqual(await run(h, t, [50, 75, 20]), [[], ['R'], ['F']]);
});

test('delta samples: the first sample is a baseline; thresholds test the difference; Counter32 wraps', async () => {
  const h = harness();
  addEvents(h.engine);
  const oid = '1.3.6.1.2.1.2.2.1.10.1';
  const t = thresholdTrigger({ sampleType: 'deltaValue', valueId: oid });
  t.threshold.rising = 100;
  t.threshold.falling = 10;
  h.engine.putTrigger(t);
  let ticks = 1000;
  const step = async (v: number) => {
    h.mib.set('1.3.6.1.2.1.1.3.0', { type: 'TimeTicks', value: (ticks += 500) });
    h.mib.set(oid, { type: 'Counter32', value: v });
    const before = h.sent.length;
    await h.engine.sampleTrigger(t.owner, t.name);
    return h.sent.slice(before).map((s) => (s.oid === EVENT_OIDS.mteTriggerRising ? 'R' : 'F'));
  };
  assert.deepEqual(await step(1_000_000), [], 'baseline only');
  assert.deepEqual(await step(1_000_050), [], 'delta 50: between the thresholds');
  assert.deepEqual(await step(1_000_250), ['R'], 'delta 200');
  assert.deepEqual(await step(1_000_500), [], 'delta 250: still above, no second event');
  assert.deepEqual(await step(1_000_505), ['F'], 'delta 5');
  assert.deepEqual(await step(4294967290), ['R'], 'a big jump');
  assert.deepEqual(await step(4294967295), ['F'], 'delta 5');
  // Counter32 wrap: 4294967295 → 200 is a delta of 201, not a negative number.
  assert.deepEqual(await step(200), ['R'], 'wrapped delta 201');
});

test('delta samples: a sysUpTime that went backwards (agent restart) discards that interval', async () => {
  const h = harness();
  addEvents(h.engine);
  const oid = '1.3.6.1.4.1.32473.99.1';
  const t = thresholdTrigger({ sampleType: 'deltaValue', valueId: oid });
  t.threshold.rising = 100;
  t.threshold.falling = -1000;
  h.engine.putTrigger(t);
  const step = async (uptime: number, v: number) => {
    h.mib.set('1.3.6.1.2.1.1.3.0', { type: 'TimeTicks', value: uptime });
    h.mib.set(oid, { type: 'Gauge32', value: v });
    const before = h.sent.length;
    await h.engine.sampleTrigger(t.owner, t.name);
    return h.sent.length - before;
  };
  assert.equal(await step(5000, 0), 0);
  assert.equal(await step(10, 500), 0, 'restart: no delta across it');
  assert.equal(await step(600, 1000), 1, 'next interval counts again');
});

test('wildcard ValueID: each instance has its own state; the hot OID and value name the instance', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = thresholdTrigger({ wildcard: true });
  h.engine.putTrigger(t);
  h.put(`${LOAD}.768`, 10);
  h.put(`${LOAD}.769`, 90);
  await h.engine.sampleTrigger(t.owner, t.name);
  assert.deepEqual(
    h.sent.map((s) => [s.oid, s.varbinds.find((v) => v.oid === `${EVENT_OIDS.mteHotOID}.0`)?.value]),
    [
      [EVENT_OIDS.mteTriggerFalling, `${LOAD}.768`],
      [EVENT_OIDS.mteTriggerRising, `${LOAD}.769`],
    ],
  );
  h.sent.length = 0;
  h.put(`${LOAD}.768`, 95); // 768 rises; 769 stays high: only one event
  await h.engine.sampleTrigger(t.owner, t.name);
  assert.equal(h.sent.length, 1);
  const vb = h.sent[0].varbinds;
  assert.equal(h.sent[0].oid, EVENT_OIDS.mteTriggerRising);
  assert.deepEqual(vb.slice(0, 5).map((v) => [v.oid, v.type, v.value]), [
    [`${EVENT_OIDS.mteHotTrigger}.0`, 'OctetString', 'loadTrigger'],
    [`${EVENT_OIDS.mteHotTargetName}.0`, 'OctetString', ''],
    [`${EVENT_OIDS.mteHotContextName}.0`, 'OctetString', ''],
    [`${EVENT_OIDS.mteHotOID}.0`, 'OID', `${LOAD}.768`],
    [`${EVENT_OIDS.mteHotValue}.0`, 'Integer', 95],
  ]);
  // A new instance appearing later starts with its own startup sample.
  h.sent.length = 0;
  h.put(`${LOAD}.770`, 99);
  await h.engine.sampleTrigger(t.owner, t.name);
  assert.deepEqual(h.sent.map((s) => s.varbinds[3].value), [`${LOAD}.770`]);
  assert.equal(h.engine.sampleInstances, 3);
});

test('mteObjects varbinds follow the hot ones; wildcarded objects take the fired instance', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = thresholdTrigger({ wildcard: true });
  t.objectsOwner = '61';
  t.objects = 'trig';
  h.engine.putTrigger(t);
  const ev = h.engine.getEvent('61', 'rising')!;
  ev.notification.objectsOwner = '61';
  ev.notification.objects = 'loadValue';
  const o1 = defaultObjects('61', 'loadValue', 1);
  Object.assign(o1, { id: LOAD, idWildcard: true, status: 'active' });
  const o2 = defaultObjects('61', 'trig', 1);
  Object.assign(o2, { id: '1.3.6.1.2.1.1.5.0', idWildcard: false, status: 'active' });
  h.engine.putObjects(o1);
  h.engine.putObjects(o2);
  h.mib.set('1.3.6.1.2.1.1.5.0', { type: 'OctetString', value: 'sps1' });
  h.put(`${LOAD}.3`, 88);
  await h.engine.sampleTrigger(t.owner, t.name);
  assert.equal(h.sent.length, 1);
  assert.deepEqual(h.sent[0].varbinds.slice(5).map((v) => [v.oid, v.value]), [
    ['1.3.6.1.2.1.1.5.0', 'sps1'], // trigger objects first
    [`${LOAD}.3`, 88], // then the event's, wildcarded to the instance
  ]);
});

test('a configured notification OID is used as is; 0.0 picks mteTriggerFired for boolean tests', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = defaultTrigger('o', 'bool');
  Object.assign(t, { valueId: '1.3.6.1.4.1.32473.99.2', enabled: true, status: 'active' });
  Object.assign(t.boolean, { comparison: 'greater', value: 5, startup: false, eventOwner: '61', event: 'fired' });
  h.engine.putTrigger(t);
  const seq = async (v: number) => {
    h.put('1.3.6.1.4.1.32473.99.2', v);
    const before = h.sent.length;
    await h.engine.sampleTrigger('o', 'bool');
    return h.sent.slice(before).map((s) => s.oid);
  };
  assert.deepEqual(await seq(9), [], 'true at startup, startup false: suppressed and disarmed');
  assert.deepEqual(await seq(9), [], 'still true: nothing');
  assert.deepEqual(await seq(1), []);
  assert.deepEqual(await seq(6), [EVENT_OIDS.mteTriggerFired], 'became true');
  h.engine.getEvent('61', 'fired')!.notification.oid = '1.3.6.1.4.1.32473.99.0.7';
  assert.deepEqual(await seq(0), []);
  assert.deepEqual(await seq(7), ['1.3.6.1.4.1.32473.99.0.7']);
});

test('existence test: present at startup, absent when it goes, present when it returns, changed', async () => {
  const h = harness();
  addEvents(h.engine);
  const oid = '1.3.6.1.4.1.32473.99.3';
  const t = defaultTrigger('o', 'exist');
  Object.assign(t, { valueId: oid, enabled: true, status: 'active', test: { existence: true, boolean: false, threshold: false } });
  Object.assign(t.existence, { test: { present: true, absent: true, changed: true }, eventOwner: '61', event: 'fired' });
  h.engine.putTrigger(t);
  const seq = async (v: number | undefined) => {
    if (v === undefined) h.mib.delete(oid);
    else h.put(oid, v);
    const before = h.engine.fired.length;
    await h.engine.sampleTrigger('o', 'exist');
    return h.engine.fired.slice(before).map((f) => f.cause);
  };
  assert.deepEqual(await seq(1), ['present']);
  assert.deepEqual(await seq(1), []);
  assert.deepEqual(await seq(2), ['changed']);
  assert.deepEqual(await seq(undefined), ['absent']);
  assert.deepEqual(await seq(undefined), []);
  assert.deepEqual(await seq(3), ['present']);
  assert.equal(h.engine.triggerFailures, 0, 'absence is the tested condition, not a failure');
});

test('mteTriggerFailures counts samples that fail: missing instance, non-numeric value, remote target', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = thresholdTrigger();
  h.engine.putTrigger(t);
  await h.engine.sampleTrigger(t.owner, t.name); // nothing at LOAD.1
  assert.equal(h.engine.triggerFailures, 1);
  h.mib.set(`${LOAD}.1`, { type: 'OctetString', value: 'busy' });
  await h.engine.sampleTrigger(t.owner, t.name);
  assert.equal(h.engine.triggerFailures, 2);
  t.targetTag = 'otherAgent';
  h.put(`${LOAD}.1`, 99);
  await h.engine.sampleTrigger(t.owner, t.name);
  assert.equal(h.engine.triggerFailures, 3);
  assert.equal(h.sent.length, 0);
});

test('a disabled or inactive event does not fire; the set action writes the configured value', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = thresholdTrigger();
  h.engine.putTrigger(t);
  h.engine.getEvent('61', 'rising')!.enabled = false;
  await run(h, t, [90]);
  assert.equal(h.sent.length, 0);
  const ev = h.engine.getEvent('61', 'falling')!;
  ev.actions = { notification: false, set: true };
  Object.assign(ev.set, { object: '1.3.6.1.4.1.32473.1.1.1.1.1.5.1', value: 2 });
  await run(h, t, [5]);
  assert.deepEqual(h.sets, [{ oid: '1.3.6.1.4.1.32473.1.1.1.1.1.5.1', value: 2 }]);
  assert.equal(h.sent.length, 0);
});

test('the instance limit (mteResourceSampleInstanceMaximum) refuses a sample that would pass it', async () => {
  const h = harness();
  addEvents(h.engine);
  h.engine.resource.sampleInstanceMaximum = 2;
  const t = thresholdTrigger({ wildcard: true });
  h.engine.putTrigger(t);
  for (const i of [1, 2, 3]) h.put(`${LOAD}.${i}`, 90);
  await h.engine.sampleTrigger(t.owner, t.name);
  assert.equal(h.sent.length, 0);
  assert.equal(h.engine.sampleInstanceLacks, 1);
  assert.equal(h.engine.triggerFailures, 1);
});

test('changing a trigger resets it: the next sample is a startup sample again', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = thresholdTrigger();
  h.engine.putTrigger(t);
  assert.deepEqual(await run(h, t, [90, 90]), [['R'], []]);
  h.engine.triggerChanged(t.owner, t.name);
  assert.deepEqual(await run(h, t, [90]), [['R']]);
});

test('timers: an active, enabled trigger samples on its own every mteTriggerFrequency seconds', async () => {
  const h = harness();
  addEvents(h.engine);
  const t = thresholdTrigger();
  t.frequency = 1;
  h.put(`${LOAD}.1`, 10);
  h.engine.putTrigger(t);
  h.engine.start();
  try {
    const until = Date.now() + 10_000;
    while (h.engine.fired.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.ok(h.engine.fired.some((f) => f.cause === 'falling'), 'startup falling from the immediate first sample');
    h.put(`${LOAD}.1`, 90);
    const deadline = Date.now() + 10_000;
    while (!h.engine.fired.some((f) => f.cause === 'rising') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(h.engine.fired.some((f) => f.cause === 'rising'), 'a later timed sample saw the rise');
  } finally {
    h.engine.stop();
  }
});

test('guide example as loaded from eventagt.cnf: hrProcessorLoad.1 reaching 75 sends mteTriggerRising with loadValue, 20 mteTriggerFalling', async () => {
  const cfg = loadEventagtCnf(path.join(FIXTURES, 'agent', 'guide-eventagt.cnf')).config;
  const h = harness();
  h.engine.resource = cfg.resource;
  for (const o of cfg.objects) h.engine.putObjects(o);
  for (const e of cfg.events) h.engine.putEvent(e);
  for (const t of cfg.triggers) h.engine.putTrigger(t);
  const t = cfg.triggers[0];
  const steps = await run(h, t, [10, 50, 75, 90, 40, 20, 60, 76]);
  // startup rising(1): the low first sample is not reported; then one event per crossing.
  assert.deepEqual(steps, [[], [], ['R'], [], [], ['F'], [], ['R']]);
  const first = h.sent[0].varbinds;
  assert.deepEqual(first.map((v) => [v.oid, v.value]), [
    [`${EVENT_OIDS.mteHotTrigger}.0`, 'loadTrigger'],
    [`${EVENT_OIDS.mteHotTargetName}.0`, ''],
    [`${EVENT_OIDS.mteHotContextName}.0`, ''],
    [`${EVENT_OIDS.mteHotOID}.0`, `${LOAD}.1`],
    [`${EVENT_OIDS.mteHotValue}.0`, 75],
    [`${LOAD}.1`, 75], // mteEventNotificationObjects 61/loadValue
  ]);
});
