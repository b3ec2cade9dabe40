// The ready-made SIP alarms of the shipped conf/eventagt.cnf: off as shipped; with their
// "#mte…" lines uncommented the file loads with the real parser without a message, and the
// rows it gives, run by the event engine over samples of the SIP MIB objects, fire the
// notifications the file's comments promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEventagtCnf } from '../../../src/agent/mibs/event/eventagt-cnf.js';
import { formatEntryMessage } from '../../../src/agent/cnf/entry-lines.js';
import { EVENT_OIDS, EventEngine } from '../../../src/agent/mibs/event/engine.js';
import type { Sampled } from '../../../src/agent/mibs/event/engine.js';
import { REPO } from '../../helpers/index.js';

const SHIPPED = path.join(REPO, 'conf', 'eventagt.cnf');
const OUTS_5XX = '1.3.6.1.4.1.32473.1.3.1.2.1.3.5';
const DISCON_TIME = '1.3.6.1.2.1.149.1.3.1.1.6';
const REG_USERS = '1.3.6.1.2.1.151.1.5.1.1.3';
const OPER_STATUS = '1.3.6.1.2.1.149.1.1.1.1.2';
const APPL = 7; // sipd's applIndex in these samples
const SIP_TRIGGERS = ['sip5xxRate', 'sipRegUsers', 'sipServiceNotUp', 'sipServiceGone'];

/** The shipped file with every commented entry line ("#mte…") turned on. */
export function uncommentedSipAlarms(text = readFileSync(SHIPPED, 'utf8')): string {
  return text.replace(/^#(mte[A-Za-z]+ )/gm, '$1');
}

test('as shipped, the SIP alarms are off: the file loads cleanly with the CPU trigger only', () => {
  const r = parseEventagtCnf(readFileSync(SHIPPED, 'utf8'), SHIPPED);
  assert.deepEqual(r.messages.map(formatEntryMessage), []);
  assert.deepEqual(r.config.triggers.map((t) => t.name), ['loadTrigger']);
});

test('uncommented, every SIP alarm line parses without an error or warning, with the documented objects and numbers', () => {
  const text = uncommentedSipAlarms();
  const shipped = readFileSync(SHIPPED, 'utf8').split('\n');
  const turnedOn = text.split('\n').filter((l, i) => l !== shipped[i]);
  assert.equal(turnedOn.length, 19, 'entry lines turned on (7 + 4 + 8)');
  const r = parseEventagtCnf(text, SHIPPED);
  assert.deepEqual(r.messages.map(formatEntryMessage), []);
  assert.equal(r.ok, true);
  const t = new Map(r.config.triggers.map((x) => [x.name, x]));
  assert.deepEqual([...t.keys()], ['loadTrigger', ...SIP_TRIGGERS]);
  for (const name of SIP_TRIGGERS) {
    const x = t.get(name)!;
    assert.deepEqual([x.owner, x.valueIdWildcard, x.enabled, x.status, x.targetTag], ['sip', true, true, 'active', ''], name);
  }

  const rate = t.get('sip5xxRate')!;
  assert.deepEqual([rate.valueId, rate.sampleType, rate.frequency, rate.test.threshold], [OUTS_5XX, 'deltaValue', 60, true]);
  assert.deepEqual([rate.threshold.rising, rate.threshold.falling, rate.threshold.risingEvent, rate.threshold.fallingEvent], [100, 10, 'sip5xxHigh', 'sip5xxNormal']);
  assert.deepEqual(rate.delta, { discontinuityId: DISCON_TIME, discontinuityIdWildcard: true, discontinuityIdType: 'timeStamp' });

  const users = t.get('sipRegUsers')!;
  assert.deepEqual([users.valueId, users.sampleType, users.test.threshold, users.threshold.falling, users.threshold.fallingEvent, users.threshold.risingEvent], [REG_USERS, 'absoluteValue', true, 0, 'sipNoRegistrations', '']);

  const notUp = t.get('sipServiceNotUp')!;
  assert.deepEqual([notUp.valueId, notUp.test.boolean, notUp.boolean.comparison, notUp.boolean.value, notUp.boolean.event], [OPER_STATUS, true, 'unequal', 2, 'sipServiceNotUp']);
  const gone = t.get('sipServiceGone')!;
  assert.deepEqual([gone.valueId, gone.test.existence, gone.existence.test, gone.existence.event], [OPER_STATUS, true, { present: false, absent: true, changed: false }, 'sipServiceGone']);

  // Every event a trigger names exists, sends a notification, and sends the standard one.
  const events = new Map(r.config.events.map((e) => [e.name, e]));
  for (const name of ['sip5xxHigh', 'sip5xxNormal', 'sipNoRegistrations', 'sipServiceNotUp', 'sipServiceGone']) {
    const e = events.get(name);
    assert.ok(e, name);
    assert.deepEqual([e.owner, e.actions.notification, e.enabled, e.status, e.notification.oid], ['sip', true, true, 'active', '0.0'], name);
  }
});

test('the uncommented SIP alarms fire in the event engine over SIP MIB samples', async () => {
  const r = parseEventagtCnf(uncommentedSipAlarms(), SHIPPED);
  const mib = new Map<string, Sampled>();
  const sent: Array<{ oid: string; trigger: string; hotOid: string; value: unknown }> = [];
  const engine = new EventEngine({
    sample: async (oid) => mib.get(oid),
    walk: async (prefix) => [...mib.entries()].filter(([oid]) => oid.startsWith(`${prefix}.`)).map(([oid, s]) => ({ oid, ...s })),
    notify: (oid, vbs) => {
      const get = (o: string) => vbs.find((v) => v.oid === `${o}.0`)?.value;
      sent.push({ oid, trigger: String(get(EVENT_OIDS.mteHotTrigger)), hotOid: String(get(EVENT_OIDS.mteHotOID)), value: get(EVENT_OIDS.mteHotValue) });
    },
  });
  for (const e of r.config.events) engine.putEvent(e);
  for (const o of r.config.objects) engine.putObjects(o);
  for (const t of r.config.triggers) engine.putTrigger(t);
  /** One sample of a trigger; the notifications it sent as [notification, hot OID, hot value]. */
  const sample = async (name: string) => {
    const before = sent.length;
    await engine.sampleTrigger('sip', name);
    return sent.slice(before).map((s) => [s.oid, s.hotOid, s.value]);
  };

  // 5xx per minute: baseline, 50 in a minute (quiet), 150 (rising), 5 (falling).
  mib.set(`${DISCON_TIME}.${APPL}`, { type: 'TimeTicks', value: 1200 });
  const outs = (n: number) => mib.set(`${OUTS_5XX}.${APPL}`, { type: 'Counter32', value: n });
  outs(1000);
  assert.deepEqual(await sample('sip5xxRate'), []);
  outs(1050);
  assert.deepEqual(await sample('sip5xxRate'), []);
  outs(1200);
  assert.deepEqual(await sample('sip5xxRate'), [[EVENT_OIDS.mteTriggerRising, `${OUTS_5XX}.${APPL}`, 1200]]);
  outs(1205);
  assert.deepEqual(await sample('sip5xxRate'), [[EVENT_OIDS.mteTriggerFalling, `${OUTS_5XX}.${APPL}`, 1205]]);
  // sipd restarted (its counters at 0, a new discontinuity time): that minute is skipped.
  mib.set(`${DISCON_TIME}.${APPL}`, { type: 'TimeTicks', value: 99000 });
  outs(3);
  assert.deepEqual(await sample('sip5xxRate'), [], 'no 2^32 jump after a counter restart');
  outs(300);
  assert.deepEqual(await sample('sip5xxRate'), [[EVENT_OIDS.mteTriggerRising, `${OUTS_5XX}.${APPL}`, 300]]);

  // Registered users: nothing for an empty registrar at start-up; falling when 2 become 0.
  const users = (n: number) => mib.set(`${REG_USERS}.${APPL}`, { type: 'Gauge32', value: n });
  users(0);
  assert.deepEqual(await sample('sipRegUsers'), []);
  users(2);
  assert.deepEqual(await sample('sipRegUsers'), []);
  users(0);
  assert.deepEqual(await sample('sipRegUsers'), [[EVENT_OIDS.mteTriggerFalling, `${REG_USERS}.${APPL}`, 0]]);
  assert.deepEqual(await sample('sipRegUsers'), [], 'once per fall');

  // Service status: up (2) is quiet; down (3) fires with the status; sipd gone fires absent.
  const status = (n: number) => mib.set(`${OPER_STATUS}.${APPL}`, { type: 'Integer', value: n });
  status(2);
  assert.deepEqual(await sample('sipServiceNotUp'), []);
  assert.deepEqual(await sample('sipServiceGone'), []);
  status(3);
  assert.deepEqual(await sample('sipServiceNotUp'), [[EVENT_OIDS.mteTriggerFired, `${OPER_STATUS}.${APPL}`, 3]]);
  mib.delete(`${OPER_STATUS}.${APPL}`);
  assert.deepEqual(await sample('sipServiceGone'), [[EVENT_OIDS.mteTriggerFired, `${OPER_STATUS}.${APPL}`, 0]]);
  engine.stop();
});
