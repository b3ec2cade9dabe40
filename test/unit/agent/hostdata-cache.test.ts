// The host-data cache: the one-minute hrProcessorLoad average, reads that never touch the OS,
// refreshes that survive failures, ifLastChange, and row diffs into agent tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoadWindow, PercentIntegrator } from '../../../src/agent/hostdata/load-window.js';
import { HostDataCache } from '../../../src/agent/hostdata/cache.js';
import type { HostSources } from '../../../src/agent/hostdata/sources.js';
import { syncTable } from '../../../src/agent/hostdata/table-sync.js';
import type { CpuTimes, IfInfo, ProcInfo } from '../../../src/agent/hostdata/types.js';
import type { IndexValue, SnmpValue, TableHandle } from '../../../src/agent/mib-module.js';

test('hrProcessorLoad: the average over the last minute, not the last sample', () => {
  const w = new LoadWindow(60_000);
  let busy = 0;
  let total = 0;
  const feed = (t: number, pct: number) => {
    // 5 s of 100 ticks/s at pct busy
    busy += 5 * pct;
    total += 500;
    w.add(t, [{ busy, total }]);
  };
  w.add(0, [{ busy, total }]);
  assert.deepEqual(w.loads(), [0], 'one sample: no interval yet');
  // A minute of 10 % load ...
  for (let t = 5_000; t <= 60_000; t += 5_000) feed(t, 10);
  assert.deepEqual(w.loads(), [10]);
  // ... then a 100 % burst for 15 s: an instant sample would say 100, the minute says 32.5 → 33.
  for (let t = 65_000; t <= 75_000; t += 5_000) feed(t, 100);
  assert.deepEqual(w.loads(), [Math.round((45 * 10 + 15 * 100) / 60)]);
  assert.equal(w.span(), 60_000, 'the window covers exactly one minute once warmed up');
  // After another full minute at 100 %, the old 10 % has left the window.
  for (let t = 80_000; t <= 135_000; t += 5_000) feed(t, 100);
  assert.deepEqual(w.loads(), [100]);
});

test('hrProcessorLoad: uneven sampling is weighted by time, and a counter reset restarts the window', () => {
  const w = new LoadWindow(60_000);
  w.add(0, [{ busy: 0, total: 0 }]);
  w.add(50_000, [{ busy: 0, total: 5000 }]); // 50 s idle
  w.add(60_000, [{ busy: 1000, total: 6000 }]); // 10 s fully busy
  assert.deepEqual(w.loads(), [17]);
  w.add(65_000, [{ busy: 10, total: 100 }]); // counters went backwards (other source)
  assert.deepEqual(w.loads(), [0]);
});

test('where only instant percentages exist, they integrate into the same one-minute window', () => {
  const w = new LoadWindow(60_000);
  const integ = new PercentIntegrator();
  w.add(0, integ.add(0, [0, 50]));
  for (let t = 5_000; t <= 30_000; t += 5_000) w.add(t, integ.add(t, [20, 50]));
  for (let t = 35_000; t <= 60_000; t += 5_000) w.add(t, integ.add(t, [80, 50]));
  assert.deepEqual(w.loads(), [50, 50]);
});

// ---- the cache with fake sources ----

function fakeIf(index: number, descr: string, operStatus: number, inOctets = 0): IfInfo {
  return { index, descr, type: index === 1 ? 24 : 6, mtu: 1500, speed: 0, physAddress: Buffer.alloc(0), adminStatus: 1, operStatus, outQLen: 0, inOctets, inUcastPkts: 0, inNUcastPkts: 0, inDiscards: 0, inErrors: 0, outOctets: 0, outUcastPkts: 0, outNUcastPkts: 0, outDiscards: 0, outErrors: 0 };
}

function fakeProc(pid: number, argv: string[], name = 'node'): ProcInfo {
  return { pid, name, path: argv[0] ?? '', parameters: argv.slice(1).join(' '), argv, type: 4, state: 'S', status: 2, cpuCs: pid * 10, memKB: 100, startedMs: 1_700_000_000_000 };
}

class FakeSources implements HostSources {
  calls = new Map<string, number>();
  ticks: CpuTimes[] = [{ busy: 0, total: 0 }];
  ifs: IfInfo[] = [fakeIf(1, 'lo', 1), fakeIf(2, 'eth0', 1)];
  procs: ProcInfo[] = [fakeProc(1, ['/sbin/init'], 'init'), fakeProc(300, ['/usr/bin/node', '/opt/sip/bin/sipd'])];
  stamp = 'a';
  failMemory = false;
  private count(name: string) {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }
  total() {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }
  async cpu() {
    this.count('cpu');
    return { kind: 'ticks' as const, cpus: this.ticks };
  }
  async cpuModels() {
    this.count('cpuModels');
    return ['Test CPU'];
  }
  async memory() {
    this.count('memory');
    if (this.failMemory) throw new Error('meminfo unreadable');
    return { total: 8 * 2 ** 30, free: 2 * 2 ** 30, buffers: 2 ** 20, cached: 2 ** 29, swapTotal: 2 ** 30, swapUsed: 2 ** 20 };
  }
  async disks() {
    this.count('disks');
    return [{ device: '/dev/vda', mount: '/', fsType: 'ext4', blockSize: 4096, blocks: 1000, freeBlocks: 250 }];
  }
  async uptime() {
    this.count('uptime');
    return 12345;
  }
  async numUsers() {
    this.count('numUsers');
    return 2;
  }
  async maxProcesses() {
    this.count('maxProcesses');
    return 32768;
  }
  async processes() {
    this.count('processes');
    return this.procs;
  }
  async interfaces() {
    this.count('interfaces');
    return this.ifs;
  }
  async blockDevices() {
    this.count('blockDevices');
    return ['vda'];
  }
  async installed() {
    this.count('installed');
    return [{ name: 'opensps_0.1.0', installedMs: 1_764_000_000_000 }, { name: 'libc6_2.36', installedMs: undefined }];
  }
  async installedStamp() {
    this.count('installedStamp');
    return this.stamp;
  }
  async kernelCmdline() {
    this.count('kernelCmdline');
    return 'ro quiet';
  }
}

const hour = 3600_000;
function makeCache(src: FakeSources, clock = { t: 0, up: 0 }) {
  return new HostDataCache({
    sources: src,
    now: () => clock.t,
    upTime: () => clock.up,
    // Timers far in the future: the test drives refreshes itself.
    cpuIntervalMs: hour,
    fastIntervalMs: hour,
    processIntervalMs: hour,
    installedCheckMs: hour,
    selfPid: 999_999,
    package: { manufacturer: 'OpenSPS project', productName: 'OpenSPS', version: '0.1.0', serialNumber: '', installedMs: 1_764_000_000_000, location: '/opt/sip' },
  });
}

test('after start, every read comes from memory: no source is called however often the agent reads', async () => {
  const src = new FakeSources();
  const cache = makeCache(src);
  await cache.start();
  try {
    const before = src.total();
    assert.ok(before > 0);
    for (let i = 0; i < 1000; i++) {
      cache.memorySizeKB();
      cache.storage();
      cache.processors();
      cache.system();
      cache.processes();
      cache.interfaces();
      cache.devices();
      cache.installed();
      cache.installedTimes();
      cache.applPackage();
      cache.applRuns();
      cache.initialLoadDevice();
    }
    assert.equal(src.total(), before, `reads called a source: ${JSON.stringify([...src.calls])}`);
    // And what they return is what the sources said.
    assert.equal(cache.memorySizeKB(), 8 * 2 ** 20);
    assert.deepEqual(cache.storage().map((s) => [s.index, s.type, s.descr]), [
      [1, 'ram', 'Physical memory'],
      [3, 'virtualMemory', 'Virtual memory'],
      [6, 'other', 'Memory buffers'],
      [7, 'other', 'Cached memory'],
      [10, 'virtualMemory', 'Swap space'],
      [31, 'fixedDisk', '/'],
    ]);
    assert.deepEqual(cache.storage().find((s) => s.index === 31), { index: 31, type: 'fixedDisk', descr: '/', allocationUnits: 4096, size: 1000, used: 750 });
    assert.deepEqual(cache.system(), { numUsers: 2, processes: 2, maxProcesses: 32768, initialLoadParameters: 'ro quiet', uptimeCs: 12345 });
    assert.deepEqual(cache.devices().map((d) => [d.index, d.type]), [[1, 'processor'], [1025, 'network'], [1026, 'network'], [1536, 'diskStorage']]);
    assert.equal(cache.initialLoadDevice(), 1536);
    assert.deepEqual(cache.applRuns().map((r) => [r.pid, r.name]), [[300, 'sipd']]);
    assert.deepEqual(cache.installed().map((p) => [p.index, p.name]), [[1, 'opensps_0.1.0'], [2, 'libc6_2.36']]);
  } finally {
    cache.stop();
  }
});

test('hrSystemUptime keeps counting between refreshes without reading /proc again', async () => {
  const src = new FakeSources();
  const clock = { t: 0, up: 0 };
  const cache = makeCache(src, clock);
  await cache.start();
  cache.stop();
  clock.t = 2500; // 2.5 s later
  assert.equal(cache.system().uptimeCs, 12345 + 250);
});

test('processor load is served as the one-minute average of the CPU samples the cache took', async () => {
  const src = new FakeSources();
  const clock = { t: 0, up: 0 };
  const cache = makeCache(src, clock);
  await cache.start();
  cache.stop();
  for (let i = 1; i <= 12; i++) {
    clock.t = i * 5000;
    src.ticks = [{ busy: i * 125, total: i * 500 }]; // 25 % busy
    await cache.refreshCpu();
  }
  assert.deepEqual(cache.processors().map((p) => [p.index, p.descr, p.load]), [[1, 'Test CPU', 25]]);
});

test('a failing source keeps the last good data and records the error; the next refresh recovers', async () => {
  const src = new FakeSources();
  const cache = makeCache(src);
  await cache.start();
  cache.stop();
  src.failMemory = true;
  await cache.refreshFast();
  assert.equal(cache.memorySizeKB(), 8 * 2 ** 20, 'old data kept');
  assert.match(cache.errors.get('fast') ?? '', /meminfo unreadable/);
  src.failMemory = false;
  await cache.refreshFast();
  assert.equal(cache.errors.has('fast'), false);
});

test('ifLastChange: 0 for interfaces present at start, the agent uptime when operStatus changes or a new one appears', async () => {
  const src = new FakeSources();
  const clock = { t: 0, up: 0 };
  const cache = makeCache(src, clock);
  await cache.start();
  cache.stop();
  assert.deepEqual(cache.interfaces().map((i) => i.lastChange), [0, 0]);
  clock.up = 4200;
  src.ifs = [fakeIf(1, 'lo', 1), fakeIf(2, 'eth0', 2), fakeIf(5, 'tun0', 1)];
  await cache.refreshFast();
  assert.deepEqual(cache.interfaces().map((i) => [i.index, i.operStatus, i.lastChange]), [[1, 1, 0], [2, 2, 4200], [5, 1, 4200]]);
  clock.up = 9000;
  await cache.refreshFast();
  assert.deepEqual(cache.interfaces().map((i) => i.lastChange), [0, 4200, 4200], 'no change, no new timestamp');
});

test('the package list is reloaded only when the package database changed', async () => {
  const src = new FakeSources();
  const clock = { t: 0, up: 0 };
  const cache = makeCache(src, clock);
  await cache.start();
  cache.stop();
  assert.equal(src.calls.get('installed'), 1);
  await cache.refreshInstalled(false);
  assert.equal(src.calls.get('installed'), 1, 'same stamp: not reloaded');
  src.stamp = 'b';
  clock.up = 777;
  await cache.refreshInstalled(false);
  assert.equal(src.calls.get('installed'), 2);
  assert.equal(cache.installedTimes().lastUpdate, 777);
});

test('process rows follow the process list; our processes are picked out by name', async () => {
  const src = new FakeSources();
  const cache = makeCache(src);
  await cache.start();
  cache.stop();
  src.procs = [fakeProc(1, ['/sbin/init'], 'init'), fakeProc(410, ['/usr/bin/node', '/opt/sip/bin/pserver']), fakeProc(411, ['/usr/bin/vim'], 'vim')];
  await cache.refreshProcesses();
  assert.deepEqual(cache.processes().map((p) => p.pid), [1, 410, 411]);
  assert.deepEqual(cache.applRuns().map((r) => [r.pid, r.name]), [[410, 'pserver']]);
  assert.equal(cache.system().processes, 3);
});

test('timers are unref\'d: a started cache does not keep the process alive', async () => {
  const src = new FakeSources();
  const cache = new HostDataCache({ sources: src, cpuIntervalMs: 50, fastIntervalMs: 50, processIntervalMs: 50, installedCheckMs: 50 });
  await cache.start();
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const refd = handles.filter((h) => h && typeof h === 'object' && 'hasRef' in h && typeof (h as { hasRef: unknown }).hasRef === 'function' && (h as { hasRef(): boolean }).hasRef() && (h as object).constructor.name === 'Timeout');
  cache.stop();
  assert.equal(refd.length, 0);
});

// ---- row diffs ----

class FakeTable implements TableHandle {
  readonly name = 'fake';
  sets = 0;
  deletes = 0;
  clears = 0;
  private readonly map = new Map<number, SnmpValue[]>();
  setRow(row: SnmpValue[]) {
    this.sets++;
    this.map.set(row[0] as number, row);
  }
  setCell() {
    return false;
  }
  getRow(index: IndexValue[]) {
    return this.map.get(index[0] as number);
  }
  deleteRow(index: IndexValue[]) {
    this.deletes++;
    return this.map.delete(index[0] as number);
  }
  rows() {
    return [...this.map.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }
  clear() {
    this.clears++;
    this.map.clear();
  }
}

test('table rows are diffed: unchanged rows untouched, changed replaced, vanished deleted, never cleared', () => {
  const t = new FakeTable();
  const idx = (r: readonly SnmpValue[]) => [r[0] as number];
  assert.deepEqual(syncTable(t, [[1, 'a', Buffer.from('x')], [2, 'b', Buffer.from('y')], [3, 'c', Buffer.from('z')]], idx), { added: 3, changed: 0, deleted: 0 });
  t.sets = 0;
  const s = syncTable(t, [[1, 'a', Buffer.from('x')], [3, 'C', Buffer.from('z')], [4, 'd', Buffer.from('w')]], idx);
  assert.deepEqual(s, { added: 1, changed: 1, deleted: 1 });
  assert.equal(t.sets, 2, 'row 1 (equal Buffers too) was not rewritten');
  assert.equal(t.clears, 0);
  assert.deepEqual(t.rows().map((r) => r[1]), ['a', 'C', 'd']);
});
