// What Dr-Web shows, from fake engines: the chart's hour of hrProcessorLoad (a ring, NaN for
// a processor that had no sample), a critical application's row, and the small formatters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadHistory, critAppView, duration, humanBytes } from '../../../../src/agent/web/sources.js';
import type { DrWebSources } from '../../../../src/agent/web/sources.js';
import type { HostDataCache } from '../../../../src/agent/hostdata/index.js';

function sourcesWith(loads: () => number[]): DrWebSources {
  const host = { processors: () => loads().map((load, i) => ({ index: i + 1, descr: 'cpu', load })) } as unknown as HostDataCache;
  return { critapp: () => undefined, logmon: () => undefined, events: () => undefined, host: () => host, setThresholds: () => false };
}

test('LoadHistory keeps the last N samples per processor, in uPlot\'s layout', () => {
  let now: number[] = [10, 20];
  const h = new LoadHistory(sourcesWith(() => now), 10_000, 3);
  h.sample(1_000_000);
  h.sample(1_010_000);
  now = [30, 40, 50]; // a processor appears (hot-plugged): earlier samples are NaN for it
  h.sample(1_020_000);
  h.sample(1_030_000);
  const s = h.series();
  assert.deepEqual(s.labels, ['CPU 1', 'CPU 2', 'CPU 3']);
  assert.deepEqual(s.data[0], [1010, 1020, 1030], 'the oldest sample left the ring');
  assert.deepEqual(s.data[1], [10, 30, 30]);
  assert.deepEqual(s.data[2], [20, 40, 40]);
  assert.equal(s.data[3].length, 3);
  assert.ok(Number.isNaN(s.data[3][0]));
  assert.deepEqual(s.data[3].slice(1), [50, 50]);
  now = []; // no processors known (cache not filled yet): no sample, nothing breaks
  h.sample(1_040_000);
  assert.deepEqual(h.series().data[0], [1010, 1020, 1030]);
});

test('a critical application\'s row: intended and actual status, exit status unknown when not our child', () => {
  const base = {
    index: 1, name: 'sipd', startCommand: 'bin/sip start', terminateCommand: 'bin/sip stop', adminStatus: 'up' as const, restartOnExit: true,
    restartInterval: 3000, trapOnExit: true, trapOnStart: true, findOnStartup: true, pidFile: 'logs/sipd.pid', operStatus: 'starting' as const,
    pid: 0, lastStartTime: undefined, lastExit: undefined, restartCount: 2, restartPending: false,
  };
  assert.deepEqual(critAppView(base), {
    index: 1, name: 'sipd', admin: 'up', oper: 'starting', pid: 0, lastStart: '', lastExit: '', lastExitCode: '', restarts: 2, restartOnExit: true,
  });
  const exited = critAppView({ ...base, operStatus: 'down', lastStartTime: new Date('2026-01-02T03:04:05.678Z'), lastExit: { time: new Date('2026-01-02T04:00:00Z'), code: null, requested: false } });
  assert.equal(exited.lastStart, '2026-01-02T03:04:05Z');
  assert.equal(exited.lastExit, '2026-01-02T04:00:00Z');
  assert.equal(exited.lastExitCode, 'unknown');
  assert.equal(critAppView({ ...base, lastExit: { time: new Date(0), code: 143, requested: true } }).lastExitCode, '143');
});

test('duration and humanBytes', () => {
  assert.equal(duration(0), '00:00:00');
  assert.equal(duration(3 * 86400 + 4 * 3600 + 5 * 60 + 6.9), '3d 04:05:06');
  assert.equal(humanBytes(512), '512 B');
  assert.equal(humanBytes(1536), '1.5 KiB');
  assert.equal(humanBytes(25 * 1024 ** 3), '25.0 GiB');
});
