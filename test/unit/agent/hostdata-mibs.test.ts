// The hostagt, interfaces and sappagt adapters against a recording AgentContext, on this
// machine's real /proc and /sys: what they register and the rows they keep.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentContext, IndexValue, ScalarDef, ScalarHandle, SnmpValue, TableDef, TableHandle } from '../../../src/agent/mib-module.js';
import { isForeignIndex } from '../../../src/agent/mib-module.js';
import { hostModule } from '../../../src/agent/mibs/host-resources/index.js';
import { interfacesModule } from '../../../src/agent/mibs/interfaces/index.js';
import { sysApplModule } from '../../../src/agent/mibs/sysappl/index.js';
import { decodeDateAndTime } from '../../../src/agent/hostdata/date-and-time.js';
import { REPO } from '../../helpers/paths.js';

class RecordingTable implements TableHandle {
  readonly rowsByKey = new Map<string, SnmpValue[]>();
  writes = 0;
  constructor(readonly def: TableDef) {}
  get name() {
    return this.def.name;
  }
  private key(index: IndexValue[]) {
    return index.map(String).join('.');
  }
  /** Foreign index values (another table's column) lead the row, then the columns. */
  private get foreign() {
    return this.def.index.filter(isForeignIndex).length;
  }
  private indexOf(row: SnmpValue[]): IndexValue[] {
    return this.def.index.map((ix, k) => {
      if (isForeignIndex(ix)) return row[k] as IndexValue;
      const n = typeof ix === 'number' ? ix : ix.column;
      return row[this.foreign + this.def.columns.findIndex((c) => c.number === n)] as IndexValue;
    });
  }
  setRow(row: SnmpValue[]) {
    assert.equal(row.length, this.foreign + this.def.columns.length, `${this.def.name}: row has one value per foreign index and column`);
    this.writes++;
    this.rowsByKey.set(this.key(this.indexOf(row)), row);
  }
  setCell() {
    return false;
  }
  getRow(index: IndexValue[]) {
    return this.rowsByKey.get(this.key(index));
  }
  deleteRow(index: IndexValue[]) {
    return this.rowsByKey.delete(this.key(index));
  }
  rows() {
    return [...this.rowsByKey.values()];
  }
  clear() {
    throw new Error(`${this.def.name} was cleared instead of diffed`);
  }
  /** Value of column `name` in the row with this index. */
  cell(index: IndexValue[], name: string): SnmpValue | undefined {
    const at = this.def.columns.findIndex((c) => c.name === name);
    assert.ok(at >= 0, `${this.def.name} has no column ${name}`);
    return this.getRow(index)?.[this.foreign + at];
  }
}

function recordingContext() {
  const scalars = new Map<string, ScalarDef>();
  const tables = new Map<string, RecordingTable>();
  const logs: string[] = [];
  const ctx: AgentContext = {
    configDir: REPO,
    dataDir: REPO,
    rootDir: REPO,
    log: (level, message) => void logs.push(`${level}: ${message}`),
    sysUpTime: () => 0,
    scalar(def): ScalarHandle {
      assert.ok(!scalars.has(def.name), `${def.name} registered twice`);
      scalars.set(def.name, def);
      return { name: def.name, get: () => (def.get ? def.get() : (def.value ?? null)), set: () => undefined };
    },
    table(def) {
      assert.ok(!tables.has(def.name), `${def.name} registered twice`);
      const t = new RecordingTable(def);
      tables.set(def.name, t);
      return t;
    },
    tableFromMib: () => assert.fail('not used'),
    scalarFromMib: () => assert.fail('not used'),
    unregister: () => undefined,
    get: () => undefined,
    walk: () => [],
    notify: async () => undefined,
  };
  const value = (name: string) => {
    const d = scalars.get(name);
    assert.ok(d, `${name} not registered`);
    return d.get ? d.get() : d.value;
  };
  return { ctx, scalars, tables, logs, value };
}

test('hostagt, interfaces and sappagt register the guide\'s objects and fill them from this host', async () => {
  const { ctx, tables, value, logs } = recordingContext();
  await hostModule.start(ctx);
  await interfacesModule.start(ctx);
  await sysApplModule.start(ctx);
  try {
    // hrSystem, hrMemorySize
    assert.ok((value('hrMemorySize') as number) > 0);
    assert.ok((value('hrSystemUptime') as number) > 0);
    const date = decodeDateAndTime(value('hrSystemDate') as Buffer)!;
    assert.ok(Math.abs(date.getTime() - Date.now()) < 5000, 'hrSystemDate is now');
    assert.ok((value('hrSystemProcesses') as number) > 1);

    // hrStorageTable: physical memory at index 1, and at least one fixed disk
    const storage = tables.get('hrStorageTable')!;
    assert.equal(storage.cell([1], 'hrStorageDescr'), 'Physical memory');
    assert.equal(storage.cell([1], 'hrStorageType'), '1.3.6.1.2.1.25.2.1.2');
    assert.equal(storage.cell([1], 'hrStorageSize'), value('hrMemorySize'));
    assert.ok(storage.rows().some((r) => r[1] === '1.3.6.1.2.1.25.2.1.4'), 'a fixedDisk row');

    // hrProcessorTable: one row per CPU from 1 (the guide reads hrProcessorLoad.1), load 0..100
    const cpus = tables.get('hrProcessorTable')!;
    const loads = cpus.rows().map((r) => [r[0], r[2]]);
    assert.ok(loads.length >= 1 && loads[0][0] === 1);
    for (const [, l] of loads) assert.ok(typeof l === 'number' && l >= 0 && l <= 100);
    assert.equal(tables.get('hrDeviceTable')!.cell([1], 'hrDeviceType'), '1.3.6.1.2.1.25.3.1.3');

    // hrSWRunTable / PerfTable: this very process
    const swRun = tables.get('hrSWRunTable')!;
    assert.equal(swRun.cell([process.pid], 'hrSWRunPath'), process.argv0, 'argv[0] as this process was started');
    assert.equal(swRun.cell([process.pid], 'hrSWRunType'), 4);
    assert.ok((tables.get('hrSWRunPerfTable')!.cell([process.pid], 'hrSWRunPerfMem') as number) > 1000, 'a node process uses more than 1 MB');
    assert.ok(tables.get('hrSWInstalledTable')!.rows().length > 0, 'packages from dpkg-query or rpm');

    // ifTable: lo is there as softwareLoopback
    const ifTable = tables.get('ifTable')!;
    const lo = ifTable.rows().find((r) => r[1] === 'lo');
    assert.ok(lo, 'ifDescr lo');
    assert.equal(lo[2], 24);
    assert.equal(lo[7], 1, 'lo is up');
    assert.equal(value('ifNumber'), ifTable.rows().length);

    // SYSAPPL: our package, and this process counted as ciagent (it is the agent here)
    const pkg = tables.get('sysApplInstallPkgTable')!;
    assert.equal(pkg.cell([1], 'sysApplInstallPkgProductName'), 'OpenSPS');
    assert.equal(pkg.cell([1], 'sysApplInstallPkgLocation'), REPO);
    const runs = tables.get('sysApplRunTable')!;
    assert.ok([1, 2].includes(runs.cell([1, process.pid], 'sysApplRunCurrentState') as number), 'running or runnable');
    assert.deepEqual(logs, []);
  } finally {
    await sysApplModule.stop();
    await interfacesModule.stop();
    await hostModule.stop();
  }
});
