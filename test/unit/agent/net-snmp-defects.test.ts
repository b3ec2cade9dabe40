// Regression tests for the six net-snmp agent defects of docs/net-snmp-defects.md. Each test
// runs the same scenario against net-snmp as shipped (fixes: false) — where the defect
// must show — and against our wrapper (fixes: true) — where it must not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import snmpLib from 'net-snmp';
import type { RawProvider } from 'net-snmp';
import { createNetSnmpAgent } from '../../../src/agent/net-snmp/index.js';
import type { NetSnmpAgent } from '../../../src/agent/net-snmp/index.js';
import { MibLibrary, MibLoadError } from '../../../src/agent/mib-store.js';
import { FIXTURES, REPO, freePort, start, waitFor } from '../../helpers/index.js';
import { lines, snmp } from './snmp-tools.js';

const MIB_DIRS = [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')];
const BASE = '1.3.6.1.4.1.32473.99';
const T = snmpLib.ObjectType;

async function withAgent(fixes: boolean, setup: (a: NetSnmpAgent) => void, body: (port: number, a: NetSnmpAgent) => Promise<void>): Promise<void> {
  const port = await freePort();
  const agent = createNetSnmpAgent({ address: '127.0.0.1', port, fixes });
  try {
    await agent.listening;
    agent.raw.getAuthorizer().addCommunity('public');
    setup(agent);
    await body(port, agent);
  } finally {
    await agent.close();
  }
}

function scalar(a: NetSnmpAgent, name: string, oid: string, value: number): void {
  a.mib.registerProvider({ name, type: snmpLib.MibProviderType.Scalar, oid, scalarType: T.Integer, maxAccess: snmpLib.MaxAccess['read-only'] });
  a.mib.setScalarValue(name, value);
}

function table(a: NetSnmpAgent, rows: number): void {
  const provider: RawProvider = {
    name: 'testTable', type: snmpLib.MibProviderType.Table, oid: `${BASE}.2.1`,
    tableColumns: [
      { number: 1, name: 'testIndex', type: T.Integer, maxAccess: snmpLib.MaxAccess['read-only'] },
      { number: 2, name: 'testValue', type: T.Integer, maxAccess: snmpLib.MaxAccess['read-only'] },
    ],
    tableIndex: [{ columnName: 'testIndex' }],
  };
  a.mib.registerProvider(provider);
  for (let i = 1; i <= rows; i++) a.mib.addTableRow('testTable', [i, i * 10]);
}

test('defect 1: GETNEXT past the last object answers endOfMibView (library: noSuchObject)', async () => {
  for (const fixes of [false, true]) {
    await withAgent(fixes, (a) => scalar(a, 'last', `${BASE}.1`, 7), async (port) => {
      // An OID after the last instance (not itself an instance).
      const r = await snmp('snmpgetnext', ['-v2c', '-c', 'public', `127.0.0.1:${port}`, `${BASE}.1.5`]);
      const endOfMib = /No more variables left in this MIB View/.test(r.stdout);
      assert.equal(endOfMib, fixes, `fixes=${fixes}: ${r.stdout}${r.stderr}`);
    });
  }
});

test('defect 2: GETBULK returns max-repetitions rows of every repeater (library: caps the whole answer)', async () => {
  for (const fixes of [false, true]) {
    await withAgent(fixes, (a) => table(a, 8), async (port) => {
      const r = await snmp('snmpbulkget', ['-v2c', '-c', 'public', '-Cn0', '-Cr5', `127.0.0.1:${port}`, `${BASE}.2.1.1`, `${BASE}.2.1.2`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(lines(r.stdout).length, fixes ? 10 : 5, `fixes=${fixes}: ${r.stdout}`);
    });
  }
});

test('defect 3: a RowStatus column from a loaded MIB accepts createAndGo (library: noSuchInstance)', async () => {
  for (const fixes of [false, true]) {
    const lib = new MibLibrary({ dirs: MIB_DIRS, fixes });
    if (!fixes) {
      lib.load('SNMP-FRAMEWORK-MIB');
      lib.load('SNMP-TARGET-MIB');
    }
    const provider = lib.tableProvider('DISMAN-EVENT-MIB', 'mteTriggerTable');
    assert.equal(provider.tableColumns!.some((c) => c.rowStatus), fixes);
    // Without the RowStatus fix there is no create path, so the raw DEFVALs (defect 4)
    // cannot crash this in-process agent.
    await withAgent(fixes, (a) => a.mib.registerProvider(provider), async (port) => {
      // mteTriggerEntryStatus.<owner "a">.<IMPLIED name "b">
      const r = await snmp('snmpset', ['-v2c', '-c', 'public', `127.0.0.1:${port}`, '1.3.6.1.2.1.88.1.2.2.1.15.1.97.98', 'i', '4']);
      const get = await snmp('snmpget', ['-v2c', '-c', 'public', `127.0.0.1:${port}`, '1.3.6.1.2.1.88.1.2.2.1.15.1.97.98']);
      // The new row reads back active(1) (RFC 2579), not the createAndGo(4) that was asked.
      const created = r.code === 0 && /INTEGER: 1$/m.test(get.stdout);
      assert.equal(created, fixes, `fixes=${fixes}: ${r.stdout}${r.stderr}${get.stdout}`);
    });
  }
});

test('defect 4: createAndGo with MIB DEFVALs does not kill the agent (library: uncaught exception)', async () => {
  const child = fileURLToPath(new URL('./defect4-child.js', import.meta.url));
  for (const mode of ['unfixed', 'fixed'] as const) {
    const port = await freePort();
    const proc = start(process.execPath, [child, mode, String(port)], 60_000);
    try {
      let out = '';
      proc.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('the child agent to listen', () => out.includes('listening'), 20_000);
      const set = await snmp('snmpset', ['-v2c', '-c', 'public', '-t', '2', '-r', '0', `127.0.0.1:${port}`, '1.3.6.1.2.1.88.1.2.2.1.15.1.97.98', 'i', '4']);
      const get = await snmp('snmpget', ['-v2c', '-c', 'public', '-t', '2', '-r', '0', `127.0.0.1:${port}`, '1.3.6.1.2.1.88.1.2.2.1.15.1.97.98']);
      if (mode === 'unfixed') {
        const r = await proc.done;
        assert.notEqual(r.code, 0, 'the unfixed agent should have died');
        assert.match(r.stderr, /Invalid Integer|Error/);
        assert.match(get.stderr, /Timeout/);
      } else {
        assert.equal(set.code, 0, set.stderr);
        assert.match(get.stdout, /INTEGER: 1/, get.stdout + get.stderr);
        // The DEFVALs became values of the columns' types.
        const test = await snmp('snmpget', ['-v2c', '-c', 'public', `127.0.0.1:${port}`, '1.3.6.1.2.1.88.1.2.2.1.4.1.97.98', '1.3.6.1.2.1.88.1.2.2.1.5.1.97.98', '1.3.6.1.2.1.88.1.2.2.1.14.1.97.98']);
        const vals = lines(test.stdout).map(([, v]) => v);
        assert.deepEqual(vals.slice(1), ['INTEGER: 1', 'INTEGER: 2'], test.stdout); // absoluteValue(1), TruthValue false(2)
      }
    } finally {
      proc.child.kill('SIGKILL');
      await proc.done;
    }
  }
});

test('defect 5: a MIB file that fails to load does not poison later loads; missing imports are errors', () => {
  const dirs = [path.join(FIXTURES, 'agent', 'mibs'), ...MIB_DIRS];
  const raw = new MibLibrary({ dirs, fixes: false });
  assert.throws(() => raw.load('BAD-MIB'));
  assert.throws(() => raw.load('SNMP-FRAMEWORK-MIB'), 'library: the good module fails after the bad one');

  const ours = new MibLibrary({ dirs, fixes: true });
  assert.throws(() => ours.load('BAD-MIB'), (e: Error) => e instanceof MibLoadError && /NO-SUCH-MIB/.test(e.message));
  assert.ok(ours.load('SNMP-FRAMEWORK-MIB').getModule('SNMP-FRAMEWORK-MIB'));
  assert.ok(ours.tableProvider('DISMAN-EVENT-MIB', 'mteTriggerTable'));
});

test('defect 6: walking a large table does not sort child keys at every step', async () => {
  const rows = 1500;
  for (const fixes of [false, true]) {
    await withAgent(fixes, (a) => table(a, rows), async (port) => {
      // Count Array.prototype.sort calls made while the agent answers a bulk walk.
      const original = Array.prototype.sort;
      let sorts = 0;
      Array.prototype.sort = function (this: unknown[], ...args: Parameters<typeof original>) {
        sorts++;
        return original.apply(this, args);
      } as typeof original;
      let r;
      try {
        r = await snmp('snmpbulkwalk', ['-v2c', '-c', 'public', '-Cr50', `127.0.0.1:${port}`, `${BASE}.2.1.2`], 120_000);
      } finally {
        Array.prototype.sort = original;
      }
      assert.equal(r.code, 0, r.stderr);
      if (fixes) assert.equal(lines(r.stdout).filter(([, v]) => v.startsWith("INTEGER")).length, rows);
      if (fixes) assert.ok(sorts < 50, `fixed: ${sorts} sorts for ${rows} rows`);
      else assert.ok(sorts >= rows, `library: only ${sorts} sorts for ${rows} rows`);
    });
  }
});
