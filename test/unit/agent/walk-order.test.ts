// GETBULK walks through ciagent's own tree while the table changes between requests (as the
// host-data cache does on every refresh): OIDs strictly increasing, no row twice, every row
// that stayed present answered, none that vanished ahead of the cursor. Also tables indexed
// by another table's column (RFC 2578 §7.7): the foreign index is part of the instance OID
// and of the row, but never a column of the table. Net-SNMP's snmpbulkget asks, one request
// at a time, like a manager walking.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentCore } from '../../../src/agent/core.js';
import type { TableHandle } from '../../../src/agent/mib-module.js';
import { REPO } from '../../helpers/index.js';
import { lines, snmp } from './snmp-tools.js';

const BASE = '1.3.6.1.4.1.32473.98';
const PARENT = `${BASE}.1.1`;
const CHILD = `${BASE}.2.1`;
let dir: string;
let core: AgentCore;
let target: string;
let parent: TableHandle;
let child: TableHandle;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'walk-order-'));
  writeFileSync(path.join(dir, 'snmpd.cnf'), [
    'snmpCommunityEntry t0000001 cspsAdmin adminSec localSnmpID - - nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c adminSec adminGroup nonVolatile',
    'vacmAccessEntry adminGroup - any noAuthNoPriv exact All All All nonVolatile',
    '',
  ].join('\n'));
  core = await AgentCore.create({ rootDir: REPO, configDir: dir, dataDir: dir, address: '127.0.0.1', port: 0 });
  target = `127.0.0.1:${core.address.port}`;
  parent = core.table({
    name: 'walkParentTable', oid: PARENT, index: [1],
    columns: [
      { number: 1, name: 'walkParentIndex', type: 'Integer', access: 'not-accessible' },
      { number: 2, name: 'walkParentName', type: 'OctetString', access: 'read-only' },
    ],
  });
  // INDEX { walkParentIndex, walkChildIndex }: the first is the parent table's column.
  child = core.table({
    name: 'walkChildTable', oid: CHILD, index: [{ foreign: 'walkParentTable', column: 1 }, 1],
    columns: [
      { number: 1, name: 'walkChildIndex', type: 'Integer', access: 'not-accessible' },
      { number: 2, name: 'walkChildValue', type: 'Integer', access: 'read-only' },
    ],
  });
  for (let p = 1; p <= 5; p++) {
    parent.setRow([p, `parent ${p}`]);
    for (let c = 1; c <= 30; c++) child.setRow([p, c, p * 1000 + c]);
  }
});

after(async () => {
  await core?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const key = (o: string) => o.replace(/^\./, '');
const cmp = (a: string, b: string) => {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};

test('a foreign index is in the row and the instance OID, never a column of the table', async () => {
  assert.deepEqual(child.getRow([2, 7]), [2, 7, 2007], 'row: foreign index value first, then the columns');
  assert.equal(child.rows().length, 150);
  const w = await snmp('snmpbulkwalk', ['-v2c', '-c', 'cspsAdmin', '-Cr50', target, CHILD], 60_000);
  assert.equal(w.code, 0, w.stderr);
  // (the walk ends at the end of the MIB: snmpbulkwalk prints that as one more line)
  const got = lines(w.stdout).filter(([, v]) => !/No more variables/.test(v));
  assert.equal(got.length, 150);
  // Only walkChildValue (column 2) is served; the instance is parent.child.
  for (const [o] of got) assert.match(key(o), new RegExp(`^${CHILD.replace(/\./g, '\\.')}\\.2\\.[1-5]\\.\\d+$`));
  // Not as a not-accessible column either: the old stand-in column 999 holds nothing.
  const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, `${CHILD}.2.3.4`, `${CHILD}.999.3`, `${CHILD}.999.3.4`]);
  const got2 = lines(r.stdout).map(([, v]) => v);
  assert.equal(got2[0], 'INTEGER: 3004');
  for (const v of got2.slice(1)) assert.match(v, /^No Such (Object|Instance)/);
  // A table indexed by an unknown table is refused with a message naming it.
  assert.throws(
    () => core.table({ name: 'walkBadTable', oid: `${BASE}.3.1`, index: [{ foreign: 'noSuchTable', column: 1 }], columns: [{ number: 1, name: 'walkBadValue', type: 'Integer', access: 'read-only' }] }),
    /noSuchTable column 1 is not a column of a registered table/,
  );
});

test('GETBULK walk while rows come and go between requests: increasing, no duplicates, no gaps', async () => {
  const column = `${CHILD}.2`;
  const seen: string[] = [];
  const mustNotSee = new Set<string>();
  const mustSee = new Set(child.rows().map((r) => `${column}.${r[0]}.${r[1]}`));
  let cursor = column;
  let added = 0;
  for (let requests = 0; requests < 200; requests++) {
    const r = await snmp('snmpbulkget', ['-v2c', '-c', 'cspsAdmin', '-Cn0', '-Cr9', target, cursor]);
    assert.equal(r.code, 0, r.stderr);
    const got = lines(r.stdout).map(([o, v]) => [key(o), v] as const);
    assert.ok(got.length > 0);
    let end = false;
    for (const [o, v] of got) {
      if (!o.startsWith(`${column}.`) || /endOfMibView|No more variables/.test(v)) {
        end = true;
        break;
      }
      seen.push(o);
    }
    if (end) break;
    cursor = seen[seen.length - 1];
    const [p, c] = cursor.slice(column.length + 1).split('.').map(Number);
    // Between requests: the row at the cursor goes (already answered), the next row goes
    // (never to be answered), one row appears behind the cursor, one ahead of it.
    child.deleteRow([p, c]);
    const next = child.rows().map((row) => [row[0] as number, row[1] as number]).find(([a, b]) => a > p || (a === p && b > c));
    if (next) {
      child.deleteRow(next);
      const o = `${column}.${next[0]}.${next[1]}`;
      mustSee.delete(o);
      mustNotSee.add(o);
    }
    added++;
    if (p > 1) {
      child.setRow([1, 100 + added, 1]);
      mustNotSee.add(`${column}.1.${100 + added}`);
    }
    child.setRow([5, 100 + added, 1]);
    mustSee.add(`${column}.5.${100 + added}`);
  }
  for (let i = 1; i < seen.length; i++) assert.ok(cmp(seen[i - 1], seen[i]) < 0, `not increasing: ${seen[i - 1]} then ${seen[i]}`);
  assert.equal(new Set(seen).size, seen.length, 'no instance twice');
  for (const o of mustSee) assert.ok(seen.includes(o), `${o} stayed present but was not answered`);
  for (const o of mustNotSee) assert.ok(!seen.includes(o), `${o} was answered though it was gone or behind the cursor`);
  assert.ok(seen.length > 50);
});

test('tableFromMib: an INDEX object of another registered table becomes a foreign index', async () => {
  const devices = core.tableFromMib('HOST-RESOURCES-MIB', 'hrDeviceTable');
  const cpus = core.tableFromMib('HOST-RESOURCES-MIB', 'hrProcessorTable');
  devices.setRow([3, '1.3.6.1.2.1.25.3.1.3', 'cpu', '0.0', 2, 0]);
  cpus.setRow([3, '0.0', 42]);
  assert.deepEqual(cpus.getRow([3]), [3, '0.0', 42]);
  const r = await snmp('snmpbulkwalk', ['-v2c', '-c', 'cspsAdmin', target, '1.3.6.1.2.1.25.3.3']);
  assert.deepEqual(lines(r.stdout).filter(([, v]) => !/No more variables/.test(v)).map(([o, v]) => `${o} ${v}`), [
    '.1.3.6.1.2.1.25.3.3.1.1.3 OID: .0.0',
    '.1.3.6.1.2.1.25.3.3.1.2.3 INTEGER: 42',
  ]);
});
