// eventagt.cnf: the guide's example as printed, the shipped file, and errors that say
// where and what would be valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadEventagtCnf, parseEventagtCnf } from '../../../src/agent/mibs/event/eventagt-cnf.js';
import { formatEntryMessage } from '../../../src/agent/cnf/entry-lines.js';
import { FIXTURES, REPO } from '../../helpers/index.js';

const errors = (r: ReturnType<typeof parseEventagtCnf>) => r.messages.filter((m) => m.severity === 'error').map(formatEntryMessage);

test('guide chapter 4 eventagt.cnf example loads as printed: CPU-load trigger 75/20 every 5 s with rising/falling traps', () => {
  const r = loadEventagtCnf(path.join(FIXTURES, 'agent', 'guide-eventagt.cnf'));
  assert.deepEqual(errors(r), []);
  assert.equal(r.ok, true);
  const { resource, triggers, objects, events } = r.config;
  assert.deepEqual(resource, { sampleMinimum: 1, sampleInstanceMaximum: 0 });
  assert.equal(triggers.length, 1);
  const t = triggers[0];
  assert.deepEqual(
    [t.owner, t.name, t.test, t.sampleType, t.valueId, t.valueIdWildcard, t.frequency, t.enabled, t.status],
    ['61', 'loadTrigger', { existence: false, boolean: false, threshold: true }, 'absoluteValue', '1.3.6.1.2.1.25.3.3.1.2.1', false, 5, true, 'active'],
  );
  assert.deepEqual(
    [t.threshold.startup, t.threshold.rising, t.threshold.falling, t.threshold.risingEventOwner, t.threshold.risingEvent, t.threshold.fallingEvent],
    ['rising', 75, 20, '61', 'rising', 'falling'],
  );
  assert.deepEqual(objects, [{ owner: '61', name: 'loadValue', index: 1, id: '1.3.6.1.2.1.25.3.3.1.2.1', idWildcard: false, status: 'active' }]);
  assert.deepEqual(
    events.map((e) => [e.name, e.comment, e.actions, e.enabled, e.status, e.notification]),
    [
      ['falling', 'Falling threshold trap', { notification: true, set: false }, true, 'active', { oid: '0.0', objectsOwner: '61', objects: 'loadValue' }],
      ['rising', 'Rising threshold trap', { notification: true, set: false }, true, 'active', { oid: '0.0', objectsOwner: '61', objects: 'loadValue' }],
    ],
  );
  // The conversion damage is reported as warnings that name the lines.
  const warnings = r.messages.filter((m) => m.severity === 'warning').map((m) => m.message);
  assert.ok(warnings.some((w) => /continues the mteTriggerEntry/.test(w)), warnings.join('\n'));
  assert.ok(warnings.some((w) => /field descriptions whose "#" is missing/.test(w)));
});

test('the shipped conf/eventagt.cnf loads without a message and watches every processor (wildcard)', () => {
  const r = loadEventagtCnf(path.join(REPO, 'conf', 'eventagt.cnf'));
  assert.deepEqual(r.messages.map(formatEntryMessage), []);
  const t = r.config.triggers[0];
  assert.deepEqual([t.valueId, t.valueIdWildcard, t.threshold.rising, t.threshold.falling, t.frequency], ['1.3.6.1.2.1.25.3.3.1.2', true, 75, 20, 5]);
  assert.equal(r.config.objects[0].idWildcard, true);
});

test('errors carry file:line:col and say what is valid', () => {
  const text = [
    'mteTriggerEntry o t "c" 99 1 1.3.6.1.2.1.1.3.0 2 - - 2 10u - - 1 1', // bits 99: bit 3 and 7 unknown
    'mteTriggerEntry o t2 "c" 20 7 1.3.6.1 2 - - 2 10 - - 1 1', // sample type 7
    'mteTriggerEntry o t3 "c" 20 1 hrProcessorLoad 2 - - 2 10 - - 1 1', // not numeric
    'mteEventEntry e "x" 80 maybe 1 o', // truth value
    'mteTriggerThresholdEntry 1 75 20 0 0 - - o r o f - - - - o nosuch',
    'mteTrigerEntry o t4', // misspelt
    'mteObjectsEntry n 1 1.3.6.1 2 1', // one field short
  ].join('\n');
  const r = parseEventagtCnf(text, 'eventagt.cnf');
  const e = errors(r);
  assert.equal(r.ok, false);
  assert.match(e[0], /^eventagt\.cnf:1:\d+: mteTriggerEntry field 4 \(mteTriggerTest\): "99" is not valid; BITS are hex octets.*existence = 80, boolean = 40, threshold = 20/);
  assert.match(e[1], /^eventagt\.cnf:2:\d+: .*mteTriggerSampleType.*absoluteValue\(1\) or deltaValue\(2\)/);
  assert.match(e[2], /^eventagt\.cnf:3:\d+: .*mteTriggerValueID.*"hrProcessorLoad" is not an OBJECT IDENTIFIER; write it numerically/);
  assert.match(e[3], /^eventagt\.cnf:4:\d+: .*mteEventEnabled.*use true \(or 1\) or false \(or 2\)/);
  assert.match(e[5], /^eventagt\.cnf:6:1: unknown entry type "mteTrigerEntry" \(did you mean mteTriggerEntry\?\)/);
  assert.match(e[6], /^eventagt\.cnf:7:\d+: mteObjectsEntry takes 6 fields \(mteObjectsName, .*mteOwner\), found 5/);
  assert.match(e[4], /^eventagt\.cnf:5:1: mteTriggerThresholdEntry refers to mteTriggerEntry o\/nosuch, which this file does not define \(defined: none\)/);
  assert.equal(e.length, 7);
});

test('a file that cannot be read is an error message, not an exception', () => {
  const r = loadEventagtCnf('/nonexistent/eventagt.cnf');
  assert.equal(r.ok, false);
  assert.match(formatEntryMessage(r.messages[0]), /^\/nonexistent\/eventagt\.cnf:0:0: cannot read the file/);
});

test('extension entries may come before their trigger; delta, boolean, existence and set entries fill the rows', () => {
  const text = [
    'mteTriggerDeltaEntry 1.3.6.1.2.1.2.2.1.1 1 2 o t',
    'mteTriggerBooleanEntry 5 10 2 - - o ev o t',
    'mteTriggerExistenceEntry a0 80 - - o ev o t',
    'mteTriggerEntry o t - e0 2 1.3.6.1.2.1.2.2.1.10 1 - - 2 60u - - 1 2',
    'mteEventEntry ev - c0 1 1 o',
    'mteEventSetEntry 1.3.6.1.4.1.32473.1.1.1.1.1.5 1 2 - - 2 o ev',
  ].join('\n');
  const r = parseEventagtCnf(text, 'x.cnf');
  assert.deepEqual(errors(r), []);
  const t = r.config.triggers[0];
  assert.deepEqual(t.test, { existence: true, boolean: true, threshold: true });
  assert.equal(t.status, 'notInService');
  assert.deepEqual(t.delta, { discontinuityId: '1.3.6.1.2.1.2.2.1.1', discontinuityIdWildcard: true, discontinuityIdType: 'timeStamp' });
  assert.deepEqual([t.boolean.comparison, t.boolean.value, t.boolean.startup, t.boolean.event], ['greater', 10, false, 'ev']);
  assert.deepEqual(t.existence.test, { present: true, absent: false, changed: true });
  assert.deepEqual(t.existence.startup, { present: true, absent: false });
  const ev = r.config.events[0];
  assert.deepEqual(ev.actions, { notification: true, set: true });
  assert.deepEqual(ev.set, { object: '1.3.6.1.4.1.32473.1.1.1.1.1.5', objectWildcard: true, value: 2, targetTag: '', contextName: '', contextNameWildcard: false });
});
