// Our AgentX subagent (src/common/agentx/subagent.ts, the one sipd uses) against a real
// ciagent master, read and written with Net-SNMP's tools: GET, GETNEXT walks and GETBULK in
// order with the end of its subtree respected, a SET through TestSet/CommitSet (and a wrong
// type refused), a notification at snmptrapd, and re-registration by itself after the master
// is killed and started again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '../helpers/index.js';
import { lines, restartableCiagent, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';
import type { Trapd } from '../unit/agent/snmp-tools.js';
import { AgentxSubagent } from '../../src/common/agentx/subagent.js';
import { cell, OidTree, SetError, stringIndex } from '../../src/common/agentx/tree.js';
import { VarType } from '../../src/common/agentx/pdu.js';

const BASE = [1, 3, 6, 1, 4, 1, 32473, 99, 7];
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
const B = BASE.join('.');
let dir: string;
let target: string;
let sock: string;
let trapPort: number;
let agent: ReturnType<typeof restartableCiagent>;
let trapd: Trapd | undefined;
let sub: AgentxSubagent;
let hits = 0;
const names = new Map<string, number>([['alpha', 1], ['beta', 22], ['gamma', 333]]);
const v2 = ['-v2c', '-c', 'cspsAdmin'];

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'subagent-it-'));
  trapPort = await freePort();
  sock = path.join(dir, 'agentx');
  writeFileSync(path.join(dir, 'snmpd.cnf'), trapSinkSnmpdCnf(trapPort), { mode: 0o600 });
  trapd = await startTrapd(dir, trapPort);
  agent = restartableCiagent(dir, await freePort(), SYS_UPTIME, ['--agentx', sock]);
  target = agent.target;
  await agent.launch();

  const tree = new OidTree();
  tree.scalar({ oid: [...BASE, 1], get: () => cell.counter(++hits) });
  tree.table<string>({
    entry: [...BASE, 2, 1],
    rows: () => [...names.keys()].map((n) => ({ index: stringIndex(n), row: n })),
    columns: [
      { sub: 2, get: (n) => cell.text(n) },
      {
        sub: 3,
        get: (n) => cell.gauge(names.get(n) ?? 0),
        set: (n, _i, vb) => {
          if (!n) return SetError.noCreation;
          if (vb.type !== VarType.Gauge32) return SetError.wrongType;
          const before = names.get(n)!;
          return { commit: () => names.set(n, vb.value as number), undo: () => names.set(n, before) };
        },
      },
    ],
  });
  sub = new AgentxSubagent({
    address: { kind: 'unix', path: sock }, id: BASE, descr: 'test subagent', subtrees: [BASE], tree,
    log: () => undefined, retryMinMs: 200, retryMaxMs: 1000,
  });
  sub.start();
  await waitFor('the subagent to register', () => sub.isRegistered, 30_000);
});

after(async () => {
  await sub?.stop();
  await agent?.kill();
  await trapd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('GET reads the live value each time; an unknown instance is noSuchInstance', async () => {
  const a = await snmp('snmpget', [...v2, target, `${B}.1.0`, `${B}.2.1.3.4.98.101.116.97`, `${B}.2.1.3.4.98.101.116.98`]);
  assert.equal(a.code, 0, a.stderr);
  const got = lines(a.stdout);
  assert.match(got[0][1], /^Counter32: \d+$/);
  assert.equal(got[1][1], 'Gauge32: 22');
  assert.match(got[2][1], /No Such Instance/);
  const b = await snmp('snmpget', [...v2, target, `${B}.1.0`]);
  assert.ok(Number(/\d+$/.exec(lines(b.stdout)[0][1])![0]) > Number(/\d+$/.exec(got[0][1])![0]), 'the counter is read at request time');
});

test('walks and bulk walks list the table in OID order and stop at the subtree end', async () => {
  for (const tool of ['snmpwalk', 'snmpbulkwalk'] as const) {
    const r = await snmp(tool, [...v2, ...(tool === 'snmpbulkwalk' ? ['-Cr4'] : []), target, B]);
    assert.equal(r.code, 0, r.stderr);
    // ciagent serves nothing after this subtree: the walk ends on endOfMibView, which the tools print as a last line.
    const got = lines(r.stdout).filter(([, v]) => !v.startsWith('No more variables'));
    // Rows sort by their index: length first, so beta(4) < gamma(5) = alpha(5) by octets: alpha < gamma.
    assert.deepEqual(got.map(([, v]) => v), [
      got[0][1], 'STRING: "beta"', 'STRING: "alpha"', 'STRING: "gamma"', 'Gauge32: 22', 'Gauge32: 1', 'Gauge32: 333',
    ]);
    assert.match(got[0][1], /^Counter32: /);
  }
  // A GETNEXT from the last object leaves the subtree for whatever ciagent serves next (or the end of the MIB).
  const n = await snmp('snmpgetnext', [...v2, target, `${B}.2.1.3.5.103.97.109.109.97`]);
  assert.equal(n.code, 0, n.stderr);
  const [oid, value] = lines(n.stdout)[0];
  assert.ok(!oid.startsWith(`.${B}.`) || value.startsWith('No more variables'), n.stdout);
});

test('SET goes through TestSet and CommitSet; a wrong type and a read-only column are refused', async () => {
  const ok = await snmp('snmpset', [...v2, target, `${B}.2.1.3.5.97.108.112.104.97`, 'u', '4242']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(names.get('alpha'), 4242);
  const wrong = await snmp('snmpset', [...v2, target, `${B}.2.1.3.5.97.108.112.104.97`, 's', 'text']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr + wrong.stdout, /wrongType/);
  const ro = await snmp('snmpset', [...v2, target, `${B}.2.1.2.5.97.108.112.104.97`, 's', 'x']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr + ro.stdout, /notWritable/);
  assert.equal(names.get('alpha'), 4242);
});

test('a notification from the subagent reaches snmptrapd through the master', async () => {
  assert.equal(sub.notify([...BASE, 0, 1], [{ oid: [...BASE, 1, 0], type: VarType.Counter32, value: 7 }]), true);
  await waitFor('the notification at snmptrapd', () => trapd!.output().includes(`.${B}.0.1`), 15_000);
});

test('after the master is killed and started again, the subagent registers again by itself', async () => {
  await agent.kill();
  await waitFor('the subagent to notice', () => !sub.isRegistered, 15_000);
  await agent.launch();
  await waitFor('re-registration', () => sub.isRegistered, 30_000);
  const r = await snmp('snmpget', [...v2, target, `${B}.2.1.3.4.98.101.116.97`]);
  assert.equal(lines(r.stdout)[0]?.[1], 'Gauge32: 22', r.stdout + r.stderr);
});
