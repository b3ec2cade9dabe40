// The CRITAPP-MIB module against a recording AgentContext (no SNMP): what it registers,
// what a SET of critAppAdminStatus does, and which notifications it sends with which
// varbinds. The SNMP wire path is covered by test/integration/agent-critapp*.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../../helpers/run.js';
import { createCritAppModule } from '../../../src/agent/mibs/critapp/index.js';
import { OID } from '../../../src/agent/oids.js';
import type { AgentContext, ScalarDef, ScalarHandle, SnmpValue, TableDef, TableHandle, Varbind } from '../../../src/agent/mib-module.js';

/** Records registrations and notifications; tables keep rows by their integer index. */
function recordingContext(configDir: string) {
  const scalars = new Map<string, { def: ScalarDef; value: SnmpValue }>();
  const tables = new Map<string, { def: TableDef; rows: Map<number, SnmpValue[]> }>();
  const notifications: Array<{ oid: string; varbinds: Varbind[] }> = [];
  const logs: string[] = [];
  const ctx: AgentContext = {
    configDir,
    dataDir: configDir,
    rootDir: configDir,
    log: (level, message) => logs.push(`${level}: ${message}`),
    sysUpTime: () => 0,
    scalar(def: ScalarDef): ScalarHandle {
      const entry = { def, value: def.value ?? null };
      scalars.set(def.name, entry);
      return { name: def.name, get: () => (def.get ? def.get() : entry.value), set: (v) => (entry.value = v) };
    },
    table(def: TableDef): TableHandle {
      const rows = new Map<number, SnmpValue[]>();
      tables.set(def.name, { def, rows });
      const key = (index: unknown[]) => Number(index[0]);
      return {
        name: def.name,
        setRow: (row) => void rows.set(Number(row[0]), [...row]),
        setCell: (index, column, value) => {
          const r = rows.get(key(index));
          if (!r) return false;
          r[column - 1] = value;
          return true;
        },
        getRow: (index) => rows.get(key(index)),
        deleteRow: (index) => rows.delete(key(index)),
        rows: () => [...rows.values()],
        clear: () => rows.clear(),
      };
    },
    tableFromMib: () => assert.fail('not used'),
    scalarFromMib: () => assert.fail('not used'),
    unregister: () => {},
    get: () => undefined,
    walk: () => [],
    notify: async (oid, varbinds = []) => void notifications.push({ oid, varbinds }),
  };
  return { ctx, scalars, tables, notifications, logs };
}

test('critAppProcTable from critagt.cnf: SET admin up starts, kill shows in oper status and traps', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'critapp-mib-'));
  const name = `fmib${process.pid % 100000}`;
  const bin = path.join(dir, name);
  copyFileSync('/bin/sleep', bin);
  writeFileSync(
    path.join(dir, 'critagt.cnf'),
    `critAppProcEntry 1 ${name} "exec ${bin} 60" - 2 false 3000 true true true\ncritAppTrapWhenNotAllRunning true\ncritAppTrapWhenAllRunning true\nbogusEntry 1\n`,
  );
  const { ctx, scalars, tables, notifications, logs } = recordingContext(dir);
  const mod = createCritAppModule({ engine: { pollMs: 200 } });
  let pid = 0;
  try {
    await mod.start(ctx);
    assert.ok(logs.some((l) => /^error: critagt\.cnf: .*critagt\.cnf:4:1: unknown entry type "bogusEntry"/.test(l)), logs.join('\n'));
    const table = tables.get('critAppProcTable')!;
    assert.equal(table.def.oid, OID.critAppProcEntry);
    const cell = (column: number) => table.def.get!([1], column, table.rows.get(1)![column - 1]);
    assert.equal(cell(2), name);
    assert.equal(cell(3), `exec ${bin} 60`);
    assert.equal(cell(5), 2);
    assert.equal(cell(11), 2);
    assert.equal(cell(15), -1);
    assert.deepEqual(cell(13), Buffer.alloc(8));
    assert.equal(scalars.get('critAppTrapWhenAllRunning')!.value, 1);

    // SET critAppAdminStatus.1 = 3 is refused; = 1 is accepted and answered at once.
    const row = table.rows.get(1)!;
    assert.equal(table.def.set!({ index: [1], column: 5, value: 3, row }, 'test'), 'wrongValue');
    assert.equal(table.def.set!({ index: [1], column: 11, value: 1, row }, 'test'), 'notWritable');
    assert.equal(table.def.set!({ index: [1], column: 5, value: 1, row }, 'test'), undefined);
    assert.equal(table.def.set!({ index: [1], column: 5, value: 1, row }, 'commit'), undefined);
    assert.ok([1, 3].includes(Number(cell(11))), 'starting(3) or already up(1) right after the SET');
    await waitFor('oper up', () => cell(11) === 1, 15_000);
    pid = Number(cell(12));
    assert.ok(pid > 0);
    assert.equal(scalars.get('critAppNumRunning')!.def.get!(), 1);

    const started = await waitFor('critAppProcStarted', () => notifications.find((n) => n.oid === OID.critAppProcStarted), 5_000);
    assert.deepEqual(started.varbinds.map((v) => v.oid), [`${OID.critAppProcEntry}.2.1`, `${OID.critAppProcEntry}.12.1`, `${OID.critAppProcEntry}.13.1`]);
    assert.equal(started.varbinds[1].value, pid);
    await waitFor('critAppAllRunning', () => notifications.find((n) => n.oid === OID.critAppAllRunning), 5_000);

    process.kill(pid, 'SIGKILL');
    const exited = await waitFor('critAppProcExited', () => notifications.find((n) => n.oid === OID.critAppProcExited), 15_000);
    const byOid = new Map(exited.varbinds.map((v) => [v.oid, v.value]));
    assert.equal(byOid.get(`${OID.critAppProcEntry}.15.1`), 137);
    assert.equal(byOid.get(`${OID.critAppProcEntry}.5.1`), 1, 'admin status still up: the exit was not asked for');
    const notAll = await waitFor('critAppNotAllRunning', () => notifications.find((n) => n.oid === OID.critAppNotAllRunning), 5_000);
    assert.deepEqual(notAll.varbinds.map((v) => [v.oid, v.value]), [[`${OID.critAppNumProcs}.0`, 1], [`${OID.critAppNumRunning}.0`, 0]]);
    assert.equal(cell(11), 2);
    assert.equal(cell(15), 137);
    assert.equal((cell(14) as Buffer).length, 11);
  } finally {
    await mod.stop();
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rows created over SNMP join the engine once complete; destroy stops supervising only', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'critapp-mib-'));
  writeFileSync(path.join(dir, 'critagt.cnf'), '');
  const { ctx, tables } = recordingContext(dir);
  const mod = createCritAppModule({ engine: { pollMs: 200 } });
  try {
    await mod.start(ctx);
    const table = tables.get('critAppProcTable')!;
    const row = table.def.create!([5], 'createAndWait')!;
    assert.equal(row[16], 3, 'notReady until name and start command are set');
    table.rows.set(5, row);
    assert.equal(table.def.set!({ index: [5], column: 17, value: 1, row }, 'test'), 'inconsistentValue');
    row[1] = 'nosuchprog-xyz';
    row[2] = 'exit 0';
    row[16] = 1;
    table.def.changed!([5], row);
    await waitFor('row 5 in the engine', () => mod.engine!.row(5), 5_000);
    assert.equal(table.def.get!([5], 11, null), 2);
    table.def.destroyed!([5]);
    assert.equal(mod.engine!.row(5), undefined);
  } finally {
    await mod.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reload (SIGHUP) applies a changed critagt.cnf and keeps the old one when the new has errors', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'critapp-mib-'));
  const file = path.join(dir, 'critagt.cnf');
  writeFileSync(file, 'critAppProcEntry 1 nosuchprog-a "exit 0" - 2 false 3000 true true true\n');
  const { ctx, scalars, tables, logs } = recordingContext(dir);
  const mod = createCritAppModule({ engine: { pollMs: 200 } });
  try {
    await mod.start(ctx);
    writeFileSync(file, 'critAppProcEntry 2 nosuchprog-b "exit 0" - 2 true 500 true true true\ncritAppTrapWhenAllRunning true\n');
    await mod.reload!(ctx);
    assert.deepEqual(mod.engine!.rows().map((r) => [r.index, r.name, r.restartOnExit]), [[2, 'nosuchprog-b', true]]);
    assert.deepEqual([...tables.get('critAppProcTable')!.rows.keys()], [2]);
    assert.equal(scalars.get('critAppTrapWhenAllRunning')!.value, 1);

    writeFileSync(file, 'critAppProcEntry 3 x "exit 0" - sideways\n');
    await mod.reload!(ctx);
    assert.deepEqual(mod.engine!.rows().map((r) => r.index), [2]);
    assert.ok(logs.some((l) => /critagt\.cnf:1:\d+: .*"sideways" is not valid/.test(l)), logs.join('\n'));
  } finally {
    await mod.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
