// Two net-snmp defects AgentCore works around (core.ts), each shown with the library as
// shipped and then through AgentCore:
//  - RowStatus createAndGo in a table indexed by another table's column threw inside the
//    library (its create path counts and types the row without the foreign index values);
//  - an OCTET STRING SET reached handlers as Buffer.toString(), so octets that are not UTF-8
//    (a BITS value 0x80) arrived as U+FFFD.
// (This file creates the library-only agent first: AgentCore's second fix patches the
// library object once per process.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import snmpLib from 'net-snmp';
import { AgentCore } from '../../../src/agent/core.js';
import { createNetSnmpAgent } from '../../../src/agent/net-snmp/index.js';
import type { SnmpValue, TableDef } from '../../../src/agent/mib-module.js';
import { REPO, freePort } from '../../helpers/index.js';
import { lines, snmp } from './snmp-tools.js';

const BASE = '1.3.6.1.4.1.32473.99.7';
const T = snmpLib.ObjectType;
const PARENT: TableDef = {
  name: 'parentTable', oid: `${BASE}.1.1`,
  columns: [{ number: 1, name: 'parentIndex', type: 'Integer', access: 'not-accessible' }, { number: 2, name: 'parentName', type: 'OctetString', access: 'read-only' }],
  index: [1],
};
/** childTable INDEX { parentIndex, childIndex }, with a RowStatus and a binary OCTET STRING column. */
const child = (seen: SnmpValue[]): TableDef => ({
  name: 'childTable', oid: `${BASE}.2.1`,
  columns: [
    { number: 1, name: 'childIndex', type: 'Integer', access: 'not-accessible' },
    { number: 2, name: 'childBits', type: 'OctetString', access: 'read-create', defVal: Buffer.from([0]) },
    { number: 3, name: 'childStatus', type: 'Integer', access: 'read-create', rowStatus: true },
  ],
  index: [{ foreign: 'parentTable', column: 1 }, 1],
  set: (cell, phase) => {
    if (phase === 'commit' && cell.column === 2) seen.push(cell.value);
    return undefined;
  },
});

test('library as shipped: createAndGo in a foreign-indexed table fails, binary OCTET STRINGs are mangled', async () => {
  const cast = (snmpLib as unknown as { ObjectTypeUtil: { castSetValue(t: number, v: unknown): unknown } }).ObjectTypeUtil.castSetValue;
  assert.equal(cast(T.OctetString, Buffer.from([0x80])), '\ufffd');
  const port = await freePort();
  const agent = createNetSnmpAgent({ address: '127.0.0.1', port });
  try {
    await agent.listening;
    agent.raw.getAuthorizer().addCommunity('public');
    const raw = (d: TableDef) => ({
      name: d.name, type: snmpLib.MibProviderType.Table, oid: d.oid,
      tableColumns: d.columns.map((c) => ({ number: c.number, name: c.name, type: T[c.type], maxAccess: snmpLib.MaxAccess[c.access], ...(c.rowStatus ? { rowStatus: true } : {}) })),
      tableIndex: d.index.map((i) => (typeof i === 'number' ? { columnNumber: i } : { columnNumber: i.column, foreign: i.foreign })),
    });
    agent.mib.registerProvider(raw(PARENT));
    agent.mib.addTableRow('parentTable', [1, 'one']);
    agent.mib.registerProvider({ ...raw(child([])), createHandler: () => [1, 7, Buffer.from([0]), 4] });
    const r = await snmp('snmpset', ['-v2c', '-c', 'public', `127.0.0.1:${port}`, `${BASE}.2.1.3.1.7`, 'i', '4']);
    assert.notEqual(r.code, 0, `the library created the row: ${r.stdout}`);
  } finally {
    await agent.close();
  }
});

test('AgentCore: createAndGo in a foreign-indexed table works, and a SET of octet 0x80 arrives as 0x80', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'core-fixes-'));
  writeFileSync(path.join(dir, 'snmpd.cnf'), [
    'snmpCommunityEntry t0000001 public sec localSnmpID - - nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c sec grp nonVolatile',
    'vacmAccessEntry grp - snmpv2c noAuthNoPriv exact All All All nonVolatile',
    '',
  ].join('\n'));
  const port = await freePort();
  let core: AgentCore | undefined;
  try {
    core = await AgentCore.create({ rootDir: dir, configDir: dir, dataDir: path.join(dir, 'data'), address: '127.0.0.1', port, mibDirs: [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')] });
    const parent = core.table(PARENT);
    parent.setRow([1, 'one']);
    const seen: SnmpValue[] = [];
    const c = core.table(child(seen));
    const target = `127.0.0.1:${port}`;
    let r = await snmp('snmpset', ['-v2c', '-c', 'public', target, `${BASE}.2.1.3.1.7`, 'i', '4', `${BASE}.2.1.2.1.7`, 'x', '80']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(seen, [Buffer.from([0x80])]);
    r = await snmp('snmpget', ['-v2c', '-c', 'public', target, `${BASE}.2.1.2.1.7`, `${BASE}.2.1.3.1.7`]);
    assert.deepEqual(lines(r.stdout).map(([, v]) => v.trim()), ['Hex-STRING: 80', 'INTEGER: 1']);
    assert.deepEqual(c.getRow([1, 7]), [1, 7, Buffer.from([0x80]), 1], 'foreign value first, then the columns');
    // Text stays a string, as before.
    r = await snmp('snmpset', ['-v2c', '-c', 'public', target, `${BASE}.2.1.2.1.7`, 's', 'text']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(seen[1], 'text');
  } finally {
    await core?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
