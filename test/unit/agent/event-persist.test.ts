// eventagt.cnf writing: every entry type the reader takes has a formatter whose output reads
// back as the same row (parse(format(x)) == x), and DISMAN-EVENT rows are saved into and
// removed from a file the administrator wrote without touching anything else in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  formatEventEntry, formatEventNotificationEntry, formatEventSetEntry, formatObjectsEntry, formatResourceSampleInstanceMaximum,
  formatResourceSampleMinimum, formatTriggerBooleanEntry, formatTriggerDeltaEntry, formatTriggerEntry, formatTriggerExistenceEntry,
  formatTriggerThresholdEntry, removeEventagtRow, saveEventagtRow,
} from '../../../src/agent/mibs/event/eventagt-cnf-write.js';
import { parseEventagtCnf, EVENTAGT_FIELDS } from '../../../src/agent/mibs/event/eventagt-cnf.js';
import { defaultEvent, defaultObjects, defaultTrigger } from '../../../src/agent/mibs/event/types.js';
import type { EventRow, TriggerRow } from '../../../src/agent/mibs/event/types.js';

const F = 'eventagt.cnf';
const parse = (...lines: string[]) => {
  const r = parseEventagtCnf(lines.join('\n') + '\n', F);
  assert.deepEqual(r.messages, [], lines.join('\n'));
  return r.config;
};

/** A trigger whose every field differs from the RFC 2981 DEFVALs (awkward strings included). */
function oddTrigger(): TriggerRow {
  const t = defaultTrigger('own er', 'trig "q" \\ #1');
  Object.assign(t, {
    comment: 'a comment, with # and "quotes"', test: { existence: true, boolean: false, threshold: true }, sampleType: 'deltaValue',
    valueId: '1.3.6.1.2.1.25.3.3.1.2', valueIdWildcard: true, targetTag: '-', contextName: 'ctx', contextNameWildcard: true,
    frequency: 4294967295, objectsOwner: 'oo', objects: 'objs', enabled: true, status: 'notInService',
  });
  return t;
}
function oddEvent(): EventRow {
  const ev = defaultEvent('', 'ev');
  Object.assign(ev, { comment: 'x y', actions: { notification: true, set: true }, enabled: true, status: 'active' });
  return ev;
}

test('each entry type reads back as it was written (parse(format(x)) == x)', () => {
  // Resource entries.
  const res = { sampleMinimum: 7, sampleInstanceMaximum: 4294967295 };
  assert.deepEqual(parse(formatResourceSampleMinimum(res), formatResourceSampleInstanceMaximum(res)).resource, res);

  // mteTriggerEntry alone (extensions at their defaults).
  const t = oddTrigger();
  assert.deepEqual(parse(formatTriggerEntry(t)).triggers, [t]);

  // Each trigger extension entry, its fields away from the defaults.
  const withDelta = oddTrigger();
  withDelta.delta = { discontinuityId: '1.3.6.1.2.1.1.3.0', discontinuityIdWildcard: true, discontinuityIdType: 'dateAndTime' };
  assert.deepEqual(parse(formatTriggerEntry(withDelta), formatTriggerDeltaEntry(withDelta)).triggers, [withDelta]);
  const withExistence = oddTrigger();
  withExistence.existence = { test: { present: false, absent: true, changed: true }, startup: { present: false, absent: false }, objectsOwner: 'a', objects: 'b c', eventOwner: '', event: 'e' };
  assert.deepEqual(parse(formatTriggerEntry(withExistence), formatTriggerExistenceEntry(withExistence)).triggers, [withExistence]);
  const withBoolean = oddTrigger();
  withBoolean.boolean = { comparison: 'greaterOrEqual', value: -2147483648, startup: false, objectsOwner: 'a', objects: 'b', eventOwner: 'c', event: 'd' };
  assert.deepEqual(parse(formatTriggerEntry(withBoolean), formatTriggerBooleanEntry(withBoolean)).triggers, [withBoolean]);
  const withThreshold = oddTrigger();
  withThreshold.threshold = {
    startup: 'falling', rising: 2147483647, falling: -5, deltaRising: 3, deltaFalling: -3, objectsOwner: 'o1', objects: 'o2',
    risingEventOwner: 'r1', risingEvent: 'r2', fallingEventOwner: 'f1', fallingEvent: 'f2', deltaRisingEventOwner: 'dr1',
    deltaRisingEvent: 'dr2', deltaFallingEventOwner: 'df1', deltaFallingEvent: 'df2',
  };
  assert.deepEqual(parse(formatTriggerEntry(withThreshold), formatTriggerThresholdEntry(withThreshold)).triggers, [withThreshold]);

  // mteObjectsEntry.
  const o = { ...defaultObjects('nms', 'objs', 4294967295), id: '1.3.6.1.2.1.1.1.0', idWildcard: true, status: 'notReady' as const };
  assert.deepEqual(parse(formatObjectsEntry(o)).objects, [o]);

  // mteEventEntry and its two extensions.
  const ev = oddEvent();
  assert.deepEqual(parse(formatEventEntry(ev)).events, [ev]);
  const withNotification = oddEvent();
  withNotification.notification = { oid: '1.3.6.1.2.1.88.2.0.1', objectsOwner: 'nms', objects: 'objs' };
  assert.deepEqual(parse(formatEventEntry(withNotification), formatEventNotificationEntry(withNotification)).events, [withNotification]);
  const withSet = oddEvent();
  withSet.set = { object: '1.3.6.1.4.1.32473.1.1.1.1.1.5.1', objectWildcard: true, value: -9, targetTag: 'tag', contextName: 'c', contextNameWildcard: true };
  assert.deepEqual(parse(formatEventEntry(withSet), formatEventSetEntry(withSet)).events, [withSet]);

  // Every entry type the reader knows has been written above.
  const written = [formatResourceSampleMinimum, formatResourceSampleInstanceMaximum, formatTriggerEntry, formatTriggerDeltaEntry, formatTriggerExistenceEntry,
    formatTriggerBooleanEntry, formatTriggerThresholdEntry, formatObjectsEntry, formatEventEntry, formatEventNotificationEntry, formatEventSetEntry];
  assert.equal(written.length, Object.keys(EVENTAGT_FIELDS).length);
});

test('rows are saved into and removed from the administrator\'s file; other lines stay byte for byte', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'event-persist-'));
  try {
    const file = path.join(dir, 'eventagt.cnf');
    const admin = [
      '# the administrator\'s comment',
      'mteTriggerEntry adm t1 - 20 1 1.3.6.1.2.1.1.3.0 2 - - 2 10u - - 1 1',
      'mteTriggerThresholdEntry 3 50 10 0 0 - - - - - - - - - - \\',
      '    adm t1',
      'mteEventEntry up "rising" 80 1 1 adm',
      '',
    ].join('\n');
    writeFileSync(file, admin);
    chmodSync(file, 0o640);

    const t = oddTrigger();
    t.status = 'active';
    const ev = oddEvent();
    const o = { ...defaultObjects('nms', 'objs', 1), id: '1.3.6.1.2.1.1.1.0', status: 'active' as const };
    assert.equal(saveEventagtRow(file, { trigger: t }), true);
    assert.equal(saveEventagtRow(file, { event: ev }), true);
    assert.equal(saveEventagtRow(file, { objects: o }), true);
    assert.equal(saveEventagtRow(file, { objects: o }), false, 'the file already says so');
    let text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith(admin), text);
    assert.equal(statSync(file).mode & 0o777, 0o640);
    // One comment per row, the trigger's five entries under one.
    assert.equal(text.split('\n').filter((l) => l.startsWith('# added over SNMP')).length, 3, text);
    let c = parse(text);
    assert.deepEqual(c.triggers.find((x) => x.owner === 'own er'), t);
    assert.deepEqual(c.events.find((x) => x.name === 'ev'), ev);
    assert.deepEqual(c.objects, [o]);

    // A change replaces the row's entries (all of them), nothing else.
    t.threshold.rising = 99;
    t.comment = 'changed';
    assert.equal(saveEventagtRow(file, { trigger: t }), true);
    text = readFileSync(file, 'utf8');
    c = parse(text);
    assert.deepEqual(c.triggers.find((x) => x.owner === 'own er'), t);
    assert.equal(text.split('\n').filter((l) => l.startsWith('mteTriggerThresholdEntry')).length, 2, text);

    // Removal: SNMP rows and the administrator's (with its continuation line) go; the rest stays.
    assert.equal(removeEventagtRow(file, { trigger: t }), true);
    assert.equal(removeEventagtRow(file, { event: ev }), true);
    assert.equal(removeEventagtRow(file, { trigger: defaultTrigger('adm', 't1') }), true);
    assert.equal(removeEventagtRow(file, { event: defaultEvent('adm', 'none') }), false);
    text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith('# the administrator\'s comment\nmteEventEntry up "rising" 80 1 1 adm\n# added over SNMP '), text);
    c = parse(text);
    assert.deepEqual([c.triggers.length, c.events.length, c.objects.length], [0, 1, 1]);

    // A row the file cannot hold is refused (the caller logs it), the file unchanged.
    const bad = defaultEvent('nms', 'two\nlines');
    assert.throws(() => saveEventagtRow(file, { event: bad }), /cannot be written/);
    assert.equal(readFileSync(file, 'utf8'), text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
