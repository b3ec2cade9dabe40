// bin/rotatelogs end to end: a real writer process pipes numbered lines into it for a few
// seconds, then its output ends; every line must be in the rotated files exactly once, in
// name order, and no line may be split between two files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/index.js';


// Writes numbered lines of varying length for `ms` milliseconds, cut into pieces at
// arbitrary byte positions (so reads end in mid-line), then records how many it wrote.
const WRITER = `
const [ms, countFile] = process.argv.slice(2);
const fs = await import('node:fs');
const end = Date.now() + Number(ms);
let n = 0;
let seed = 12345;
const rand = (k) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % k);
const write = (s) => new Promise((r) => (process.stdout.write(s) ? r() : process.stdout.once('drain', r)));
while (Date.now() < end) {
  let text = '';
  for (let k = 0; k < 60; k++) text += 'n=' + (n++) + ' ' + 'x'.repeat(rand(60)) + '\\n';
  let pos = 0;
  while (pos < text.length) {
    const len = 1 + rand(700);
    await write(text.slice(pos, pos + len));
    pos += len;
  }
  await new Promise((r) => setTimeout(r, 5));
}
fs.writeFileSync(countFile, String(n));
`;

interface Run {
  dir: string;
  files: string[];
  count: number;
  startSec: number;
  endSec: number;
}

async function runPipeline(rotateArgs: string, ms: number): Promise<Run> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'opensps-rotatelogs-'));
  const writer = path.join(dir, 'writer.mjs');
  fs.writeFileSync(writer, WRITER);
  const logs = path.join(dir, 'logs');
  const node = JSON.stringify(process.execPath);
  const cmd = `${node} ${JSON.stringify(writer)} ${ms} ${JSON.stringify(path.join(dir, 'count'))} | ${node} ${JSON.stringify(path.join(REPO, 'bin/rotatelogs'))} ${JSON.stringify(path.join(logs, 'error_log'))} ${rotateArgs}`;
  const startSec = Math.floor(Date.now() / 1000);
  const child = spawn('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), ms + 10_000);
    child.on('exit', (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  assert.equal(code, 0, `pipeline failed: ${stderr}`);
  const endSec = Math.ceil(Date.now() / 1000);
  const files = fs
    .readdirSync(logs)
    .filter((f) => f.startsWith('error_log.'))
    .sort()
    .map((f) => path.join(logs, f));
  return { dir, files, count: Number(fs.readFileSync(path.join(dir, 'count'), 'utf8')), startSec, endSec };
}

function checkAllLines(run: Run): void {
  let expected = 0;
  for (const f of run.files) {
    const text = fs.readFileSync(f, 'utf8');
    assert.ok(text.endsWith('\n'), `${f} ends in the middle of a line`);
    for (const line of text.slice(0, -1).split('\n')) {
      const m = /^n=(\d+) x*$/.exec(line);
      assert.ok(m, `${path.basename(f)}: malformed line ${JSON.stringify(line.slice(0, 80))}`);
      assert.equal(Number(m[1]), expected, `${path.basename(f)}: line out of order, lost or repeated`);
      expected++;
    }
  }
  assert.equal(expected, run.count, 'lines written by the writer vs lines in the files');
}

function suffix(f: string): number {
  return Number(/\.(\d+)$/.exec(f)![1]);
}

test('size mode (20K): every line once, in name order; no file over 20K; several files', { timeout: 20_000 }, async (t) => {
  const run = await runPipeline('20K', 3000);
  try {
    t.diagnostic(`${run.count} lines in ${run.files.length} files`);
    assert.ok(run.files.length >= 5, `only ${run.files.length} files`);
    for (const f of run.files) assert.ok(fs.statSync(f).size <= 20 * 1024, `${f}: ${fs.statSync(f).size} bytes`);
    // Names are unique (several per second get the next free number) and increase.
    const s = run.files.map(suffix);
    for (let i = 1; i < s.length; i++) assert.ok(s[i] > s[i - 1]);
    assert.ok(s[0] >= run.startSec && s[0] <= run.endSec);
    checkAllLines(run);
  } finally {
    await fs.promises.rm(run.dir, { recursive: true, force: true });
  }
});

test('time mode (1 s): every line once, in name order; one file per second that had lines', { timeout: 20_000 }, async (t) => {
  const run = await runPipeline('1', 3500);
  try {
    t.diagnostic(`${run.count} lines in ${run.files.length} files`);
    assert.ok(run.files.length >= 3, `only ${run.files.length} files`);
    for (const f of run.files) {
      const s = suffix(f);
      assert.ok(s >= run.startSec && s <= run.endSec, `${f} is outside the run`);
    }
    checkAllLines(run);
  } finally {
    await fs.promises.rm(run.dir, { recursive: true, force: true });
  }
});

test('time mode (2 s period): suffixes are multiples of the period', { timeout: 20_000 }, async () => {
  const run = await runPipeline('2', 2500);
  try {
    assert.ok(run.files.length >= 2, `only ${run.files.length} files`);
    for (const f of run.files) assert.equal(suffix(f) % 2, 0, f);
    checkAllLines(run);
  } finally {
    await fs.promises.rm(run.dir, { recursive: true, force: true });
  }
});

test('bad arguments: exit status 1 and the usage', { timeout: 10_000 }, async () => {
  const child = spawn(process.execPath, [path.join(REPO, 'bin/rotatelogs'), 'logfile', '10X'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 1);
  assert.match(stderr, /Usage: rotatelogs \[-l\] <logfile>/);
});
