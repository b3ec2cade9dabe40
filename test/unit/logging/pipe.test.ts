import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PipeLogger } from '../../../src/logging/pipe.js';
import { readLines, removeDir, sleep, tempDir } from './helpers.js';

test('a program that dies is restarted, not more than once per minRestartMs, with a report', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const reports: string[] = [];
    const p = PipeLogger.start({ command: 'exit 3', cwd: root, name: 'ErrorLog', minRestartMs: 100, maxRestartMs: 400, report: (l) => reports.push(l) });
    await sleep(1200);
    await p.close();
    // 100 ms, then 200, 400, 400 …: about 4 restarts in 1.2 s; never a busy loop.
    assert.ok(p.restarts >= 2 && p.restarts <= 6, `restarts: ${p.restarts}`);
    assert.match(reports[0], /\[error\] ErrorLog: piped log program 'exit 3' exited with status 3; restarting it in/);
  } finally {
    await removeDir(root);
  }
});

test('close() while the program is down and lines wait: it returns, nothing throws', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const p = PipeLogger.start({ command: 'exit 0', cwd: root, minRestartMs: 100, report: () => {} });
    await sleep(50); // the first program has exited
    p.write('line 0\nline 1\n');
    await sleep(20);
    await p.close(); // starts the program once more for the waiting lines, ends its input, returns
  } finally {
    await removeDir(root);
  }
});

test('waiting lines are delivered when the program comes back', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    // The first run exits at once; later runs append their input to out.txt.
    const command = 'if [ -e started ]; then cat >> out.txt; else touch started; exit 1; fi';
    const p = PipeLogger.start({ command, cwd: root, minRestartMs: 200, report: () => {} });
    await sleep(100);
    for (let i = 0; i < 10; i++) p.write(`line ${i}\n`);
    await sleep(500);
    await p.close();
    assert.deepEqual(readLines(path.join(root, 'out.txt')), Array.from({ length: 10 }, (_, i) => `line ${i}`));
    assert.equal(p.restarts, 1);
  } finally {
    await removeDir(root);
  }
});

test('close() is bounded when the program ignores end of input', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const reports: string[] = [];
    const p = PipeLogger.start({ command: 'sleep 30', cwd: root, closeTimeoutMs: 300, report: (l) => reports.push(l) });
    p.write('x\n');
    const t0 = Date.now();
    await p.close();
    assert.ok(Date.now() - t0 < 3000);
    assert.match(reports.join(''), /did not exit 300 ms after end of input/);
  } finally {
    await removeDir(root);
  }
});
