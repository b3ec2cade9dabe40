// The LOG-MIB module against a recording AgentContext (no SNMP): siLogSize is live,
// siLogGlobalPollInterval is writable within 1..86400, and the notifications carry the
// MIB's varbinds and honour the trap switches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogModule } from '../../../src/agent/mibs/log/index.js';
import { OID } from '../../../src/agent/oids.js';
import type { AgentContext, ScalarDef, SnmpValue, TableDef, TableHandle, Varbind } from '../../../src/agent/mib-module.js';

function recordingContext(dir: string) {
  const scalars = new Map<string, ScalarDef>();
  const tables = new Map<string, { def: TableDef; rows: Map<number, SnmpValue[]> }>();
  const notifications: Array<{ oid: string; varbinds: Varbind[] }> = [];
  const ctx: AgentContext = {
    configDir: path.join(dir, 'conf'),
    dataDir: dir,
    rootDir: dir,
    log: () => {},
    sysUpTime: () => 0,
    scalar(def) {
      scalars.set(def.name, def);
      return { name: def.name, get: () => def.get?.() ?? def.value ?? null, set: () => {} };
    },
    table(def): TableHandle {
      const rows = new Map<number, SnmpValue[]>();
      tables.set(def.name, { def, rows });
      return {
        name: def.name,
        setRow: (row) => void rows.set(Number(row[0]), [...row]),
        setCell: (index, column, value) => {
          const r = rows.get(Number(index[0]));
          if (r) r[column - 1] = value;
          return !!r;
        },
        getRow: (index) => rows.get(Number(index[0])),
        deleteRow: (index) => rows.delete(Number(index[0])),
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
  return { ctx, scalars, tables, notifications };
}

test('siLogTable: relative paths from the install dir, live size, match and max-size notifications', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'logmon-mib-'));
  mkdirSync(path.join(dir, 'conf'));
  mkdirSync(path.join(dir, 'logs'));
  writeFileSync(path.join(dir, 'logs', 'error_log'), '');
  writeFileSync(path.join(dir, 'logs', 'access_log'), '');
  writeFileSync(
    path.join(dir, 'conf', 'logagt.cnf'),
    [
      'siLogGlobalPollInterval 60',
      'siLogEntry 1 "CSPS error log" logs/error_log "\\[error\\]" 2 0 0 0 - 1 0 64 - 1 3600 2 csps 1',
      'siLogEntry 2 "CSPS access log" logs/access_log INVITE 2 0 0 0 - 2 0 64 - 2 3600 2 csps 1',
    ].join('\n'),
  );
  const { ctx, scalars, tables, notifications } = recordingContext(dir);
  const mod = createLogModule();
  try {
    await mod.start(ctx);
    const table = tables.get('siLogTable')!;
    assert.equal(table.def.oid, OID.siLogEntry);
    const cell = (index: number, column: number) => table.def.get!([index], column, table.rows.get(index)![column - 1]);
    assert.equal(cell(1, 3), 'logs/error_log');
    assert.equal(cell(1, 10), 0);

    appendFileSync(path.join(dir, 'logs', 'error_log'), '[error] one\n[notice] two\n[error] three, and the file passes 64 bytes now\n');
    appendFileSync(path.join(dir, 'logs', 'access_log'), 'INVITE sip:a@b\n'.repeat(5));
    await mod.engine!.pollNow();
    assert.equal(cell(1, 7), 2);
    assert.equal(cell(1, 16), '[error] three, and the file passes 64 bytes now');
    const size = statSync(path.join(dir, 'logs', 'error_log')).size;
    assert.ok(size >= 64);
    assert.equal(cell(1, 10), size);
    assert.equal(cell(2, 7), 5);

    const found = notifications.filter((n) => n.oid === OID.siLogMatchFound);
    assert.equal(found.length, 2, 'row 1 traps on match (yes); row 2 does not (no)');
    assert.deepEqual(found[1].varbinds.map((v) => v.oid), [2, 3, 7, 16].map((c) => `${OID.siLogEntry}.${c}.1`));
    const max = notifications.filter((n) => n.oid === OID.siLogMaxSizeReached);
    assert.equal(max.length, 1, 'row 1 reached 64 bytes and traps; row 2 reached it but its trap is off');
    assert.deepEqual(max[0].varbinds.map((v) => v.value), ['CSPS error log', 'logs/error_log', size, 64]);

    const global = scalars.get('siLogGlobalPollInterval')!;
    assert.equal(global.get!(), 60);
    assert.equal(global.set!(0, 'test'), 'wrongValue');
    assert.equal(global.set!(86401, 'test'), 'wrongValue');
    assert.equal(global.set!(30, 'test'), undefined);
    global.set!(30, 'commit');
    assert.equal(global.get!(), 30);

    const row = table.rows.get(1)!;
    assert.equal(table.def.set!({ index: [1], column: 4, value: '(', row }, 'test'), 'wrongValue');
    assert.equal(table.def.set!({ index: [1], column: 10, value: 5, row }, 'test'), 'notWritable');
  } finally {
    await mod.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
