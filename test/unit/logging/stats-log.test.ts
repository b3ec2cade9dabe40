import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MemStatsLog, StatsLog, formatStatsLine } from '../../../src/logging/stats-log.js';
import { readLines, removeDir, tempDir, waitFor } from './helpers.js';

const DATE = String.raw`\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}\]`;

test('record format', () => {
  const line = formatStatsLine(new Date(2001, 3, 20, 21, 44, 51), { 'requests.INVITE': 3, 'odd name=x': 1 });
  assert.equal(line, '[Fri Apr 20 21:44:51 2001] requests.INVITE=3 odd_name_x=1\n');
});

test('StatsLog writes every interval while On, and stops when turned Off', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    let n = 0;
    const counters = () => ({ 'requests.INVITE': ++n, 'responses.2xx': 2 * n });
    const log = await StatsLog.open({ enabled: true, intervalSeconds: 0.05, serverRoot: root, counters });
    const file = path.join(root, 'logs/stats_log');
    assert.ok(await waitFor(() => fs.existsSync(file) && readLines(file).length >= 3, 3000));
    await log.reconfigure({ enabled: false, intervalSeconds: 0.05, serverRoot: root, counters });
    const count = readLines(file).length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(readLines(file).length, count);
    await log.close();
    for (const [i, l] of readLines(file).entries()) assert.match(l, new RegExp(`^${DATE} requests\\.INVITE=${i + 1} responses\\.2xx=${2 * (i + 1)}$`));
  } finally {
    await removeDir(root);
  }
});

test('StatsLog Off opens no file', { timeout: 5_000 }, async () => {
  const root = await tempDir();
  try {
    const log = await StatsLog.open({ enabled: false, intervalSeconds: 1, serverRoot: root, counters: () => ({}) });
    log.record();
    await log.close();
    assert.equal(fs.existsSync(path.join(root, 'logs/stats_log')), false);
  } finally {
    await removeDir(root);
  }
});

test('MemStatsLog writes rss, heapUsed, heapTotal, external to sharedmem_stats_log', { timeout: 5_000 }, async () => {
  const root = await tempDir();
  try {
    const memoryUsage = () => ({ rss: 1, heapUsed: 2, heapTotal: 3, external: 4, arrayBuffers: 5 });
    const log = await MemStatsLog.open({ enabled: true, intervalMinutes: 5, serverRoot: root, memoryUsage });
    log.record();
    await log.close();
    const lines = readLines(path.join(root, 'logs/sharedmem_stats_log'));
    assert.equal(lines.length, 1);
    assert.match(lines[0], new RegExp(`^${DATE} rss=1 heapUsed=2 heapTotal=3 external=4$`));
  } finally {
    await removeDir(root);
  }
});
