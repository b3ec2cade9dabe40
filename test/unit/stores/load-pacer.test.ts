// A long load gives the event loop a turn between slices and says how far it got
// (src/stores/embedded/load-pacer.ts), also through replayRecords, without changing what
// it applies or logs. A slice of 0 ms makes every look at the clock end a slice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replayRecords } from '../../../src/stores/embedded/journal-file.js';
import { encodeRecord } from '../../../src/stores/embedded/journal-format.js';
import { LoadPacer, runNow, runPaced } from '../../../src/stores/embedded/load-pacer.js';

test('the clock is looked at every 256 items; a used-up slice pauses with the count so far', async () => {
  const heard: [string, number][] = [];
  let n = 0;
  const pacer = new LoadPacer('loading routes', (what, k) => heard.push([what, k]), () => n, 0);
  for (let i = 1; i < 256; i++) assert.equal(pacer.due(), false);
  assert.equal(pacer.due(), true);
  assert.equal(pacer.due(512), true, 'a batch of 512 rows counts as 512');
  n = 768;
  let turned = false;
  setImmediate(() => (turned = true));
  await pacer.pause();
  assert.ok(turned, 'the event loop ran what was waiting');
  assert.deepEqual(heard, [['loading routes', 768]]);
});

test('replayRecords with a pacer applies and logs what it does without one, pausing on the way', async () => {
  const good = Array.from({ length: 1000 }, (_, i) => encodeRecord({ i }));
  const damaged = Buffer.from(good[500].replace('{', '['));
  const torn = encodeRecord({ i: 'torn' }).slice(0, -4);
  const data = Buffer.concat([...good.slice(0, 500).map((l) => Buffer.from(l)), damaged, ...good.slice(501).map((l) => Buffer.from(l)), Buffer.from(torn)]);
  const run = async (pacer?: LoadPacer) => {
    const seen: unknown[] = [];
    const logs: string[] = [];
    const r = await replayRecords(data, 'test journal', (_l, m) => logs.push(m), (rec) => (seen.push(rec), 'applied'), pacer);
    return { r, seen, logs };
  };
  const plain = await run();
  let pauses = 0;
  const paced = await run(new LoadPacer('loading', () => pauses++, () => 0, 0));
  assert.deepEqual(paced, plain);
  assert.equal(pauses, 3, 'one pause per 256 records');
  assert.deepEqual(plain.r, { applied: 999, clean: false });
  assert.equal(plain.logs.length, 2);
  assert.match(plain.logs[0], /skipped a damaged record at byte \d+/);
  assert.match(plain.logs[1], /ignored an incomplete record at byte \d+ \(\d+ bytes, the write a crash interrupted\)/);
});

test('runNow runs a stepwise load to its end in one go; runPaced gives the event loop turns', async () => {
  function* steps(): Generator<void, number, undefined> {
    for (let i = 0; i < 600; i++) yield;
    return 600;
  }
  let turned = false;
  setImmediate(() => (turned = true));
  assert.equal(runNow(steps()), 600);
  assert.equal(turned, false);
  assert.equal(await runPaced(steps(), new LoadPacer('x', undefined, () => 0, 0)), 600);
  assert.equal(turned, true);
});
