// The log-file watcher on real files: exact match counts for appended lines, rotation
// without double counting, the max-size event once per crossing, commands on match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../../helpers/run.js';
import { LogMonEngine } from '../../../src/agent/mibs/log/engine.js';
import type { SiLogConfig } from '../../../src/agent/mibs/log/logagt-cnf.js';
import { SILOG_DEFAULTS } from '../../../src/agent/mibs/log/logagt-cnf.js';

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'logmon-'));
}

function entry(over: Partial<SiLogConfig> & Pick<SiLogConfig, 'path'>): SiLogConfig {
  const { globalPollInterval: _g, ...d } = SILOG_DEFAULTS;
  // Polls are driven by pollNow() here; the timer interval is long enough not to interfere.
  return { ...d, index: 1, descr: 'test log', pollInterval: 3600, ...over };
}

test('only lines appended after start are counted, exactly, within the match window', async () => {
  const dir = tmp();
  const file = path.join(dir, 'error_log');
  writeFileSync(file, 'ERROR before the agent started\n');
  const engine = new LogMonEngine(60, [entry({ path: file, regex: 'ERROR', matchStart: 0, matchStop: 0 }), entry({ index: 2, path: file, regex: 'E', matchStart: 4, matchStop: 6 })]);
  const matches: string[] = [];
  engine.on('match', (r, line) => r.index === 1 && matches.push(line));
  try {
    await engine.start();
    assert.equal(engine.row(1)!.matchCount, 0);
    assert.equal(engine.row(1)!.size, 31);
    appendFileSync(file, 'info one\nERROR two\nwarn three\nan ERROR four\n');
    await engine.pollNow();
    assert.equal(engine.row(1)!.matchCount, 2);
    assert.deepEqual(matches, ['ERROR two', 'an ERROR four']);
    assert.equal(engine.row(1)!.lastMatch, 'an ERROR four');
    // Window 4..6: "ERROR two" has "R t" there (no E), "an ERROR four" has "ROR" → no;
    // "info one" → " on"; only a line with E at 4..6 counts.
    appendFileSync(file, 'abcdEfg\nabcdefE\nabcdefgE\n');
    await engine.pollNow();
    assert.equal(engine.row(2)!.matchCount, 2, 'E at positions 4 and 6 count, position 7 does not');
    // A line without its newline yet is not counted until it is complete.
    appendFileSync(file, 'ERROR half');
    await engine.pollNow();
    assert.equal(engine.row(1)!.matchCount, 2);
    appendFileSync(file, ' done\n');
    await engine.pollNow();
    assert.equal(engine.row(1)!.matchCount, 3);
    assert.equal(engine.row(1)!.lastMatch, 'ERROR half done');
    // Nothing new: nothing counted.
    await engine.pollNow();
    assert.equal(engine.row(1)!.matchCount, 3);
    assert.equal(engine.row(1)!.size, readFileSync(file).length);
  } finally {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rotation (rename + new file) and truncation: no line counted twice, none lost', async () => {
  const dir = tmp();
  const file = path.join(dir, 'access_log');
  writeFileSync(file, '');
  const engine = new LogMonEngine(60, [entry({ path: file, regex: 'HIT' })]);
  try {
    await engine.start();
    appendFileSync(file, 'HIT 1\nmiss\nHIT 2\n');
    await engine.pollNow();
    assert.equal(engine.row(1)!.matchCount, 2);
    // Written after the last poll, then rotated away before the next one.
    appendFileSync(file, 'HIT 3\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'HIT 4\nmiss\n');
    await engine.pollNow();
    assert.equal(engine.row(1)!.matchCount, 4, 'HIT 3 from the old file and HIT 4 from the new one, each once');
    assert.equal(engine.row(1)!.size, 11);
    await engine.pollNow();
    assert.equal(engine.row(1)!.matchCount, 4);
    // Truncated in place (copytruncate): read again from the start.
    truncateSync(file, 0);
    await engine.pollNow();
    appendFileSync(file, 'HIT 5\n');
    await engine.pollNow();
    assert.equal(engine.row(1)!.matchCount, 5);
    // Removed and re-created later: size 0 meanwhile, then the new file from its start.
    rmSync(file);
    await engine.pollNow();
    assert.equal(engine.row(1)!.size, 0);
    writeFileSync(file, 'HIT 6\nHIT 7\n');
    await engine.pollNow();
    assert.equal(engine.row(1)!.matchCount, 7);
  } finally {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('max size fires once per crossing, re-armed only below the limit; its command runs', async () => {
  const dir = tmp();
  const file = path.join(dir, 'error_log');
  const out = path.join(dir, 'max.out');
  writeFileSync(file, '');
  const engine = new LogMonEngine(60, [entry({ path: file, maxSize: 100, maxSizeCommand: `echo "$SILOG_INDEX $SILOG_SIZE" >> ${out}` })]);
  let fired = 0;
  engine.on('maxSizeExceeded', () => fired++);
  try {
    await engine.start();
    appendFileSync(file, 'x'.repeat(99) + '\n'); // exactly 100 bytes: reached
    await engine.pollNow();
    assert.equal(fired, 1);
    assert.equal(engine.row(1)!.maxSizeReached, true);
    appendFileSync(file, 'more\n');
    await engine.pollNow();
    await engine.pollNow();
    assert.equal(fired, 1, 'still above: no second event');
    await waitFor('max-size command ran', () => existsSync(out) && readFileSync(out, 'utf8').trim() === '1 100', 10_000);
    // Rotation: the new file is small, which re-arms; crossing again fires again.
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'small\n');
    await engine.pollNow();
    assert.equal(engine.row(1)!.maxSizeReached, false);
    assert.equal(fired, 1);
    appendFileSync(file, 'y'.repeat(200) + '\n');
    await engine.pollNow();
    assert.equal(fired, 2);
    await waitFor('second command ran', () => readFileSync(out, 'utf8').trim().split('\n').length === 2, 10_000);
  } finally {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the match command runs with the line in SILOG_LINE, never in the command text', async () => {
  const dir = tmp();
  const file = path.join(dir, 'error_log');
  const out = path.join(dir, 'match.out');
  writeFileSync(file, '');
  const engine = new LogMonEngine(1, [entry({ path: file, regex: 'panic', pollInterval: 0, matchCommand: `printf '%s|%s\\n' "$SILOG_COUNT" "$SILOG_LINE" >> ${out}` })]);
  try {
    await engine.start();
    appendFileSync(file, 'kernel panic; $(touch injected)\nfine\npanic again\n');
    // Polled by the timer (global interval 1 s, row interval 0).
    await waitFor('both commands ran', () => existsSync(out) && readFileSync(out, 'utf8').split('\n').filter(Boolean).length === 2, 15_000);
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean).sort();
    assert.deepEqual(lines, ['1|kernel panic; $(touch injected)', '2|panic again']);
    assert.equal(existsSync(path.join(dir, 'injected')), false);
    assert.equal(existsSync('injected'), false);
  } finally {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
