import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Rotator, parseRotatelogsArgs, rotatedName } from '../../../src/logging/rotatelogs.js';
import type { RotateMode } from '../../../src/logging/rotatelogs.js';
import { removeDir, tempDir } from './helpers.js';

/** A clock the test moves by hand, in seconds. */
function fakeClock(startSec: number) {
  let ms = startSec * 1000;
  return { now: () => ms, set: (sec: number) => (ms = sec * 1000) };
}

function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) out[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  return out;
}

async function withDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await tempDir('opensps-rotate-');
  try {
    await fn(dir);
  } finally {
    await removeDir(dir);
  }
}

const B = (s: string) => Buffer.from(s);

test('arguments', () => {
  assert.deepEqual(parseRotatelogsArgs(['logs/error_log', '86400']), { ok: true, args: { base: 'logs/error_log', mode: { kind: 'time', seconds: 86400, offset: { minutes: 0 } } } });
  assert.deepEqual(parseRotatelogsArgs(['/x/log', '3600', '-300']), { ok: true, args: { base: '/x/log', mode: { kind: 'time', seconds: 3600, offset: { minutes: -300 } } } });
  assert.deepEqual(parseRotatelogsArgs(['-l', 'log', '60']), { ok: true, args: { base: 'log', mode: { kind: 'time', seconds: 60, offset: 'local' } } });
  assert.deepEqual(parseRotatelogsArgs(['log', '20K']), { ok: true, args: { base: 'log', mode: { kind: 'size', bytes: 20 * 1024 } } });
  assert.deepEqual(parseRotatelogsArgs(['log', '5M']), { ok: true, args: { base: 'log', mode: { kind: 'size', bytes: 5 * 1024 * 1024 } } });
  assert.deepEqual(parseRotatelogsArgs(['log', '1g']), { ok: true, args: { base: 'log', mode: { kind: 'size', bytes: 1024 ** 3 } } });
  for (const bad of [[], ['log'], ['log', '0'], ['log', '10X'], ['log', 'abc'], ['log', '60', 'x'], ['log', '60', '1', 'extra'], ['-z', 'log', '60'], ['-l', 'log', '5M'], ['log', '5M', '60'], ['log', '0K']]) {
    assert.equal(parseRotatelogsArgs(bad).ok, false, bad.join(' '));
  }
});

test('time mode: the suffix is the start of the period; a new file when the period changes; none for silent periods', async () => {
  await withDir((dir) => {
    const clock = fakeClock(1_000_010);
    const base = path.join(dir, 'error_log');
    const r = new Rotator({ base, mode: { kind: 'time', seconds: 60, offset: { minutes: 0 } }, now: clock.now });
    r.write(B('a1\na2\n'));
    clock.set(1_000_019);
    r.write(B('a3\n'));
    clock.set(1_000_020); // 1_000_020 is a multiple of 60: new period
    r.write(B('b1\n'));
    clock.set(1_000_530); // several silent periods later
    r.write(B('c1\n'));
    r.end();
    assert.deepEqual(contents(dir), {
      'error_log.0000999960': 'a1\na2\na3\n',
      'error_log.0001000020': 'b1\n',
      'error_log.0001000500': 'c1\n',
    });
  });
});

test('time mode: a line that started in one period goes whole to the period where it ends', async () => {
  await withDir((dir) => {
    const clock = fakeClock(120);
    const base = path.join(dir, 'log');
    const r = new Rotator({ base, mode: { kind: 'time', seconds: 60, offset: { minutes: 0 } }, now: clock.now });
    r.write(B('one\ntw'));
    clock.set(180);
    r.write(B('o\nthr'));
    r.write(B('ee\nfo'));
    r.end(); // an unfinished last line is written as it is
    assert.deepEqual(contents(dir), { 'log.0000000120': 'one\n', 'log.0000000180': 'two\nthree\nfo' });
  });
});

test('time mode: offset minutes shift the periods (and the suffix, as in Apache); an existing file is appended to', async () => {
  await withDir((dir) => {
    const base = path.join(dir, 'log');
    const day = 86400;
    // 2024-01-02 03:00 UTC = 2024-01-01 22:00 at UTC-5: still the local day 2024-01-01.
    const t = Date.UTC(2024, 0, 2, 3, 0, 0) / 1000;
    const localDayStart = Math.floor((t - 300 * 60) / day) * day;
    fs.writeFileSync(rotatedName(base, localDayStart), 'old\n');
    const r = new Rotator({ base, mode: { kind: 'time', seconds: day, offset: { minutes: -300 } }, now: () => t * 1000 });
    r.write(B('new\n'));
    r.end();
    assert.equal(fs.readFileSync(rotatedName(base, localDayStart), 'utf8'), 'old\nnew\n');
    assert.equal(localDayStart, Date.UTC(2024, 0, 1) / 1000); // the suffix reads as 2024-01-01 00:00
  });
});

test('time mode: a clock going back stays in the current file', async () => {
  await withDir((dir) => {
    const clock = fakeClock(600);
    const r = new Rotator({ base: path.join(dir, 'log'), mode: { kind: 'time', seconds: 60, offset: { minutes: 0 } }, now: clock.now });
    r.write(B('x\n'));
    clock.set(500);
    r.write(B('y\n'));
    r.end();
    assert.deepEqual(contents(dir), { 'log.0000000600': 'x\ny\n' });
  });
});

test('size mode: a new file before the limit would be passed; names unique and in order within one second', async () => {
  await withDir((dir) => {
    const clock = fakeClock(1_700_000_000);
    const r = new Rotator({ base: path.join(dir, 'access_log'), mode: { kind: 'size', bytes: 30 }, now: clock.now });
    // Ten-byte lines: three per file.
    const lines = Array.from({ length: 8 }, (_, i) => `line-${String(i).padStart(3, '0')}\n`);
    r.write(B(lines.join('')));
    clock.set(1_700_000_005);
    r.write(B('late-line\n')); // still fits in the third file
    r.write(B('next-line\n')); // does not: a file named by the new time
    r.end();
    assert.deepEqual(contents(dir), {
      'access_log.1700000000': lines.slice(0, 3).join(''),
      'access_log.1700000001': lines.slice(3, 6).join(''),
      'access_log.1700000002': lines.slice(6, 8).join('') + 'late-line\n',
      'access_log.1700000005': 'next-line\n',
    });
  });
});

test('size mode: an existing name is skipped; lines are never split; an over-long line gets a file of its own', async () => {
  await withDir((dir) => {
    const base = path.join(dir, 'log');
    fs.writeFileSync(rotatedName(base, 100), 'from before\n');
    fs.writeFileSync(rotatedName(base, 101), 'from before\n');
    const r = new Rotator({ base, mode: { kind: 'size', bytes: 10 }, now: () => 100_000 });
    r.write(B('abc'));
    r.write(B('de\nfgh')); // "abcde\n" (6 bytes) then "fghij\n" does not fit
    r.write(B('ij\n0123456789ABCDEF\nxy\n'));
    r.end();
    assert.deepEqual(contents(dir), {
      'log.0000000100': 'from before\n',
      'log.0000000101': 'from before\n',
      'log.0000000102': 'abcde\n',
      'log.0000000103': 'fghij\n',
      'log.0000000104': '0123456789ABCDEF\n',
      'log.0000000105': 'xy\n',
    });
  });
});

test('size mode: a line that fills the file exactly closes it', async () => {
  await withDir((dir) => {
    const r = new Rotator({ base: path.join(dir, 'log'), mode: { kind: 'size', bytes: 8 }, now: () => 5000 });
    r.write(B('1234567\n'));
    r.write(B('a\n'));
    r.end();
    assert.deepEqual(contents(dir), { 'log.0000000005': '1234567\n', 'log.0000000006': 'a\n' });
  });
});

test('partial lines: byte-by-byte input gives the same files as one write', async () => {
  await withDir(async (dir) => {
    const text = Array.from({ length: 200 }, (_, i) => `entry ${i} ${'x'.repeat(i % 37)}\n`).join('');
    const modes: RotateMode[] = [
      { kind: 'size', bytes: 1000 },
      { kind: 'time', seconds: 10, offset: { minutes: 0 } },
    ];
    for (const mode of modes) {
      const results: Record<string, string>[] = [];
      for (const step of [text.length, 1, 7, 64]) {
        const sub = path.join(dir, `${mode.kind}-${step}`);
        fs.mkdirSync(sub);
        let sec = 1000;
        const r = new Rotator({ base: path.join(sub, 'log'), mode, now: () => sec * 1000 });
        const buf = B(text);
        for (let i = 0; i < buf.length; i += step) {
          r.write(buf.subarray(i, i + step));
          if (mode.kind === 'time') sec = 1000 + Math.floor((i / buf.length) * 50);
        }
        r.end();
        const c = contents(sub);
        assert.equal(Object.values(c).join(''), text, `${mode.kind} step ${step}`);
        for (const body of Object.values(c)) assert.ok(body.endsWith('\n'), 'a file ends in the middle of a line');
        if (mode.kind === 'size') {
          for (const body of Object.values(c)) assert.ok(Buffer.byteLength(body) <= 1000);
          results.push(c);
        }
      }
      if (mode.kind === 'size') for (const c of results) assert.deepEqual(c, results[0]);
    }
  });
});

test('a very long unfinished line is written in pieces past maxLineBytes', async () => {
  await withDir((dir) => {
    const r = new Rotator({ base: path.join(dir, 'log'), mode: { kind: 'time', seconds: 60, offset: { minutes: 0 } }, now: () => 0, maxLineBytes: 16 });
    r.write(B('0123456789'));
    r.write(B('0123456789')); // 20 bytes pending > 16: written
    r.write(B('tail\n'));
    r.end();
    assert.deepEqual(contents(dir), { 'log.0000000000': '01234567890123456789tail\n' });
  });
});

test('the logs directory is created', async () => {
  await withDir((dir) => {
    const r = new Rotator({ base: path.join(dir, 'a/b/log'), mode: { kind: 'size', bytes: 100 }, now: () => 0 });
    r.write(B('x\n'));
    r.end();
    assert.equal(fs.readFileSync(path.join(dir, 'a/b/log.0000000000'), 'utf8'), 'x\n');
    assert.deepEqual(r.files, [path.join(dir, 'a/b/log.0000000000')]);
  });
});
