// The starter's side of a background start (src/common/starter.ts) against tiny child
// scripts written to a temporary directory: progress keeps a start alive past its idle
// deadline, silence is a timeout (and the child is killed), an exit or an error report
// ends the wait with what happened.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { processExists } from '../../../src/common/pidfile.js';
import { startInBackground } from '../../../src/common/starter.js';
import type { StartOutcome } from '../../../src/common/starter.js';
import { waitFor } from '../../helpers/run.js';

/** The compiled starter.js the children import (this file is dist/test/unit/common/). */
const STARTER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'common', 'starter.js');

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'starter-test-'));
  // The idle deadline of these tests is theirs: an inherited override would change it.
  delete process.env.OPENSPS_START_IDLE_MS;
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A child script: `body` runs with the child's side of starter.ts in scope. */
function child(name: string, body: string): string {
  const file = path.join(dir, `${name}.mjs`);
  writeFileSync(file, `import { progressEveryMs, reportProgress, reportToStarter } from ${JSON.stringify(STARTER)};\n${body}\n`);
  return file;
}

async function start(script: string, o: { idleMs: number; capMs?: number }): Promise<{ outcome: StartOutcome; progress: string[] }> {
  const progress: string[] = [];
  const outcome = await startInBackground({ args: [script], idleMs: o.idleMs, capMs: o.capMs, stderrFile: path.join(dir, 'stderr'), onProgress: (m) => progress.push(m) });
  return { outcome, progress };
}

test('a child that keeps sending progress is waited for past the idle deadline, and its ready accepted', async () => {
  // 30 messages 100 ms apart: 3 s of work against an idle deadline of 1 s (which also
  // leaves Node time to start the child on a busy machine).
  const script = child('progress', `
    let n = 0;
    const tick = setInterval(() => {
      reportProgress('loading routes: ' + ++n);
      if (n === 30) {
        clearInterval(tick);
        void reportToStarter({ type: 'ready', message: 'up' });
      }
    }, 100);`);
  const { outcome, progress } = await start(script, { idleMs: 1000 });
  assert.deepEqual(outcome, { type: 'ready', message: 'up' });
  assert.deepEqual(progress, Array.from({ length: 30 }, (_, i) => `loading routes: ${i + 1}`));
});

test('a child that goes silent is reported as a timeout, with its last progress, and killed', async () => {
  const script = child('silent', `
    reportProgress(String(process.pid));
    setInterval(() => undefined, 60_000);`);
  const { outcome, progress } = await start(script, { idleMs: 1500 });
  assert.ok(outcome.type === 'timeout' && !outcome.capped && outcome.idleMs === 1500, JSON.stringify(outcome));
  const pid = Number(progress[0]);
  assert.equal(outcome.lastProgress, String(pid));
  await waitFor(`the silent child (pid ${pid}) to be killed`, () => !processExists(pid), 5000, 20);
});

test('progress does not keep a start alive past the overall cap', async () => {
  const script = child('endless', `setInterval(() => reportProgress('still loading'), 50);`);
  const { outcome, progress } = await start(script, { idleMs: 5000, capMs: 2000 });
  assert.ok(outcome.type === 'timeout' && outcome.capped && outcome.lastProgress === 'still loading', JSON.stringify(outcome));
  assert.ok(progress.length > 0 && progress.every((m) => m === 'still loading'));
});

test('a child that exits during start is reported with its exit code; an error report with its message', async () => {
  const exits = child('exits', 'process.exit(3);');
  assert.deepEqual((await start(exits, { idleMs: 5000 })).outcome, { type: 'exit', code: 3, signal: null });
  const fails = child('fails', `await reportToStarter({ type: 'error', message: 'cannot bind 127.0.0.1:5060' }); process.exit(1);`);
  assert.deepEqual((await start(fails, { idleMs: 5000 })).outcome, { type: 'error', message: 'cannot bind 127.0.0.1:5060' });
});

test('a child learns how often to report: a quarter of its starter\'s idle deadline, at most once a second', async () => {
  const script = child('every', `await reportToStarter({ type: 'ready', message: String(progressEveryMs()) });`);
  assert.deepEqual((await start(script, { idleMs: 2000 })).outcome, { type: 'ready', message: '500' });
  assert.deepEqual((await start(script, { idleMs: 10_000 })).outcome, { type: 'ready', message: '1000' });
});

test('reportProgress and reportToStarter do nothing when the program runs directly', async () => {
  const direct = child('direct', `reportProgress('x'); await reportToStarter({ type: 'ready' }); console.log('done');`);
  const r = spawnSync(process.execPath, [direct], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'done\n');
});
