// ciagent as an AgentX master (RFC 2741) with real subagents: Debian's snmpd run as a
// subagent (`snmpd -X`, its UCD-SNMP-MIB and NET-SNMP objects) and net-snmp's (npm) Subagent.
// Through ciagent's SNMP port, with Net-SNMP's tools: v2c and v3 reads of subagent objects, a
// walk across the boundary in lexicographic order, VACM on subagent objects, a SET through
// TestSet/CommitSet, a subagent that never answers (genErr), a subagent's notification at
// snmptrapd, a duplicate registration refused, and a killed subagent's subtree gone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import snmpLib from 'net-snmp';
import { BIN, freePort, REPO, requireTool, start, waitFor } from '../helpers/index.js';
import { AgentCore } from '../../src/agent/core.js';
import type { Running } from '../helpers/index.js';
import { lines, snmp, startTrapd } from '../unit/agent/snmp-tools.js';
import type { Trapd } from '../unit/agent/snmp-tools.js';

const UCD = '1.3.6.1.4.1.2021';
const MEM_TOTAL_REAL = `${UCD}.4.5.0`;
const LA_LOAD_1 = `${UCD}.10.1.3.1`;
const OURS = '1.3.6.1.4.1.32473.99';
const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const V3 = ['-v3', '-l', 'authPriv', '-u', 'axuser', '-a', 'SHA', '-A', 'axuser-auth-pass', '-x', 'AES', '-X', 'axuser-priv-pass'];

let dir: string;
let target: string;
let sock: string;
let agent: Running | undefined;
let subagentSnmpd: Running | undefined;
let trapd: Trapd | undefined;

const v2 = (community = 'cspsAdmin') => ['-v2c', '-c', community];
const logText = () => {
  try {
    return readFileSync(path.join(dir, 'ciagent_log'), 'utf8');
  } catch {
    return '';
  }
};

before(async () => {
  const snmpd = requireTool('snmpd', 'snmpd');
  dir = mkdtempSync(path.join(os.tmpdir(), 'agentx-it-'));
  const port = await freePort();
  const trapPort = await freePort();
  target = `127.0.0.1:${port}`;
  sock = path.join(dir, 'run', 'agentx');
  writeFileSync(
    path.join(dir, 'snmpd.cnf'),
    [
      'snmpCommunityEntry t0000001 cspsAdmin adminSec localSnmpID - - nonVolatile',
      'snmpCommunityEntry t0000002 limited limitedSec localSnmpID - - nonVolatile',
      'vacmSecurityToGroupEntry snmpv2c adminSec adminGroup nonVolatile',
      'vacmSecurityToGroupEntry snmpv2c limitedSec limitedGroup nonVolatile',
      'vacmSecurityToGroupEntry usm axuser adminGroup nonVolatile',
      'vacmAccessEntry adminGroup - any noAuthNoPriv exact All All All nonVolatile',
      'vacmAccessEntry limitedGroup - snmpv2c noAuthNoPriv exact noMemory - - nonVolatile',
      'vacmViewTreeFamilyEntry noMemory internet - included nonVolatile',
      `vacmViewTreeFamilyEntry noMemory ${UCD}.4 - excluded nonVolatile`,
      'usmUserEntry localSnmpID axuser sha aes nonVolatile axuser-auth-pass axuser-priv-pass',
      `snmpTargetAddrEntry sink snmpUDPDomain 127.0.0.1:${trapPort} 100 3 Console v2cParams nonVolatile`,
      'snmpTargetParamsEntry v2cParams 1 snmpv2c adminSec noAuthNoPriv nonVolatile',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  trapd = await startTrapd(dir, trapPort);
  agent = start(process.execPath, [
    path.join(BIN, 'ciagent'), '-f', '--config-dir', dir, '--data-dir', path.join(dir, 'data'), '--listen', `udp:${target}`,
    '--pid-file', path.join(dir, 'ciagent.pid'), '--log-file', path.join(dir, 'ciagent_log'), '--agentx', sock,
  ], 300_000);
  await waitFor('ciagent to start with its AgentX master', () => /ciagent started on udp/.test(logText()) || agent!.child.exitCode !== null, 60_000);
  assert.match(logText(), /AgentX master listening on /, logText());

  // Debian's snmpd as a subagent: no UDP port of its own, our socket, its own persistent dir.
  writeFileSync(path.join(dir, 'subagent.conf'), `agentXSocket ${sock}\nagentXTimeout 5\n`);
  subagentSnmpd = start(snmpd, ['-f', '-Lo', '-X', '-C', '-c', path.join(dir, 'subagent.conf'), '-p', path.join(dir, 'subagent.pid'), '-M', '/nonexistent'], 300_000, { env: {
    ...process.env, SNMP_PERSISTENT_DIR: path.join(dir, 'subagent-state'), MIBS: '',
  } });
  await waitFor('snmpd to register UCD-SNMP-MIB through ciagent', async () => {
    const r = await snmp('snmpget', [...v2(), target, MEM_TOTAL_REAL]);
    return /INTEGER: \d+/.test(r.stdout);
  }, 60_000, 500);
});

after(async () => {
  subagentSnmpd?.child.kill('SIGTERM');
  agent?.child.kill('SIGTERM');
  await Promise.all([subagentSnmpd?.done, agent?.done]);
  await trapd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the AgentX socket is private to the agent user', () => {
  const st = statSync(sock);
  assert.ok(st.isSocket());
  assert.equal(st.mode & 0o777, 0o600);
});

test('v2c and v3 GETs return the subagent values next to our own', async () => {
  for (const auth of [v2(), V3]) {
    const r = await snmp('snmpget', [...auth, target, MEM_TOTAL_REAL, SYS_DESCR, LA_LOAD_1]);
    assert.equal(r.code, 0, r.stderr);
    const got = lines(r.stdout);
    assert.match(got[0][1], /^INTEGER: \d+$/);
    assert.match(got[1][1], /^STRING: "OpenSPS ciagent/);
    assert.match(got[2][1], /^STRING: "\d+\.\d+"$/);
  }
  // memTotalReal as snmpd itself knows it: /proc/meminfo's MemTotal.
  const memTotal = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
  const r = await snmp('snmpget', [...v2(), target, MEM_TOTAL_REAL]);
  assert.equal(lines(r.stdout)[0][1], `INTEGER: ${memTotal}`);
});

test('a bulk walk of enterprises crosses from the subagent into our objects in order', async () => {
  for (const auth of [v2(), V3]) {
    const r = await snmp('snmpbulkwalk', [...auth, '-Cr25', target, '1.3.6.1.4.1'], 120_000);
    assert.equal(r.code, 0, r.stderr);
    const oids = lines(r.stdout).map(([o]) => o.slice(1).split('.').map(Number));
    for (let i = 1; i < oids.length; i++) {
      const [a, b] = [oids[i - 1], oids[i]];
      const k = a.findIndex((x, j) => x !== b[j]);
      assert.ok(k >= 0 ? a[k] < b[k] : a.length < b.length, `not increasing: ${a.join('.')} then ${b.join('.')}`);
    }
    const under = (p: string) => oids.filter((o) => o.join('.').startsWith(`${p}.`)).length;
    assert.ok(under(UCD) > 10, 'UCD-SNMP-MIB objects from the subagent');
    assert.ok(under('1.3.6.1.4.1.32473') > 0, 'our own enterprise objects after them');
  }
});

test('VACM applies to subagent objects: an excluded subtree is absent to GET and walks', async () => {
  const r = await snmp('snmpget', [...v2('limited'), target, MEM_TOTAL_REAL, LA_LOAD_1]);
  const got = lines(r.stdout);
  assert.match(got[0][1], /No Such Object/);
  assert.match(got[1][1], /^STRING:/);
  const w = await snmp('snmpbulkwalk', [...v2('limited'), target, UCD], 60_000);
  assert.equal(w.code, 0, w.stderr);
  const oids = lines(w.stdout).map(([o]) => o);
  assert.ok(oids.some((o) => o.startsWith(`.${UCD}.10.`)), 'laTable is in the view');
  assert.ok(!oids.some((o) => o.startsWith(`.${UCD}.4.`)), 'memory group is not');
  const set = await snmp('snmpset', [...v2('limited'), target, `${UCD}.100.10.0`, 'i', '1']);
  assert.match(set.stderr, /noAccess/);
});

test("net-snmp's npm Subagent: GET, SET, a handler that never answers (genErr), Notify, duplicate refused", async () => {
  type SubagentApi = {
    open(cb: (e: Error | null, pdu?: { error: number }) => void): void;
    registerProvider(p: object, cb: (e: Error | null, pdu?: { error: number }) => void): void;
    getMib(): { setScalarValue(name: string, v: unknown): void; getScalarValue(name: string): unknown };
    notify(oid: string, vbs: object[], cb: (e: Error | null) => void): void;
    close(cb: (e: Error | null) => void): void;
    on(ev: string, f: (...a: unknown[]) => void): void;
    socket: { destroy(): void };
  };
  const sub = (snmpLib as unknown as { createSubagent(o: object): SubagentApi }).createSubagent({ masterPort: sock, timeout: 3, description: 'npm test subagent' });
  sub.on('error', () => undefined);
  const call = <T>(f: (cb: (e: Error | null, v?: T) => void) => void) => new Promise<T | undefined>((res, rej) => f((e, v) => (e ? rej(e) : res(v))));
  try {
    await call((cb) => sub.open(cb));
    const T = snmpLib.ObjectType;
    const answered = await call<{ error: number }>((cb) =>
      sub.registerProvider({ name: 'axValue', type: snmpLib.MibProviderType.Scalar, oid: `${OURS}.7`, scalarType: T.Integer, maxAccess: snmpLib.MaxAccess['read-write'] }, cb),
    );
    assert.equal(answered?.error, 0);
    sub.getMib().setScalarValue('axValue', 42);
    const slow = await call<{ error: number }>((cb) =>
      sub.registerProvider({ name: 'axSlow', type: snmpLib.MibProviderType.Scalar, oid: `${OURS}.8`, scalarType: T.Integer, maxAccess: snmpLib.MaxAccess['read-only'], handler: () => undefined }, cb),
    );
    assert.equal(slow?.error, 0);
    sub.getMib().setScalarValue('axSlow', 1);
    const dup = await call<{ error: number }>((cb) =>
      sub.registerProvider({ name: 'axDup', type: snmpLib.MibProviderType.Scalar, oid: '1.3.6.1.2.1.1.1', scalarType: T.OctetString, maxAccess: snmpLib.MaxAccess['read-only'] }, cb),
    );
    assert.equal(dup?.error, 263, 'sysDescr is ours: duplicateRegistration');

    let r = await snmp('snmpget', [...v2(), target, `${OURS}.7.0`]);
    assert.equal(lines(r.stdout)[0]?.[1], 'INTEGER: 42', r.stderr);
    r = await snmp('snmpset', [...V3, target, `${OURS}.7.0`, 'i', '43']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sub.getMib().getScalarValue('axValue'), 43);
    r = await snmp('snmpget', [...v2(), target, `${OURS}.7.0`]);
    assert.equal(lines(r.stdout)[0]?.[1], 'INTEGER: 43');
    // One SET for one of our objects (sysContact) and the subagent's.
    r = await snmp('snmpset', [...v2(), target, '1.3.6.1.2.1.1.4.0', 's', 'agentx-admin', `${OURS}.7.0`, 'i', '44']);
    assert.equal(r.code, 0, r.stderr);
    r = await snmp('snmpget', [...v2(), target, '1.3.6.1.2.1.1.4.0', `${OURS}.7.0`]);
    assert.deepEqual(lines(r.stdout).map(([, v]) => v), ['STRING: "agentx-admin"', 'INTEGER: 44']);

    // The registration's own timeout (net-snmp registers with 5 s) applies: genErr after it.
    r = await snmp('snmpget', [...v2(), '-t', '15', '-r', '0', target, `${OURS}.8.0`]);
    assert.match(r.stderr, /genError|General error/i, r.stdout + r.stderr);
    assert.match(logText(), /did not answer a Get within 5 s/);

    await call((cb) => sub.notify(`${OURS}.0.1`, [{ oid: `${OURS}.7.0`, type: T.Integer, value: 7 }], cb));
    const trap = await waitFor('the subagent notification at snmptrapd', () => trapd!.output().split('\n').find((l) => l.includes(`OID: .${OURS}.0.1`)), 20_000);
    assert.match(trap, new RegExp(`\\.${OURS.replace(/\./g, '\\.')}\\.7\\.0 = INTEGER: 7`));
  } finally {
    sub.socket.destroy();
  }
  // Its connection gone, its subtree is gone.
  await waitFor('the npm subagent registrations to go', async () => {
    const r = await snmp('snmpget', [...v2(), target, `${OURS}.7.0`]);
    return /No Such Object/.test(r.stdout);
  }, 20_000, 300);
});

test('killing the subagent removes its subtrees: noSuchObject, and walks skip them', async () => {
  subagentSnmpd!.child.kill('SIGKILL');
  await subagentSnmpd!.done;
  await waitFor('UCD-SNMP-MIB to go', async () => {
    const r = await snmp('snmpget', [...v2(), target, MEM_TOTAL_REAL]);
    return /No Such Object/.test(r.stdout);
  }, 20_000, 300);
  const w = await snmp('snmpbulkwalk', [...v2(), target, '1.3.6.1.4.1'], 60_000);
  assert.equal(w.code, 0, w.stderr);
  const oids = lines(w.stdout).map(([o]) => o);
  assert.ok(!oids.some((o) => o.startsWith(`.${UCD}.`)));
  assert.ok(oids.some((o) => o.startsWith('.1.3.6.1.4.1.32473.')));
  assert.match(logText(), /AgentX session \d+ \(Net-SNMP AgentX sub-agent\) ended: connection closed; \d+ registration\(s\) removed/);
});

// ciagent's core in this process, so the test can count the AgentX requests the master sends,
// with a second snmpd subagent of its own (the one above is gone by now).
describe('AgentX round trips and a subagent that stops answering (in-process master)', () => {
  let dir2: string;
  let core: AgentCore | undefined;
  let sub: Running | undefined;
  let target2: string;
  const logs: string[] = [];
  const snmpdSession = () => core!.agentx!.describe().find((s) => s.descr === 'Net-SNMP AgentX sub-agent');

  before(async () => {
    const snmpd = requireTool('snmpd', 'snmpd');
    dir2 = mkdtempSync(path.join(os.tmpdir(), 'agentx-rt-'));
    writeFileSync(path.join(dir2, 'snmpd.cnf'), [
      'snmpCommunityEntry t0000001 cspsAdmin adminSec localSnmpID - - nonVolatile',
      'vacmSecurityToGroupEntry snmpv2c adminSec adminGroup nonVolatile',
      'vacmAccessEntry adminGroup - any noAuthNoPriv exact All All All nonVolatile',
      '',
    ].join('\n'));
    core = await AgentCore.create({ rootDir: REPO, configDir: dir2, dataDir: dir2, address: '127.0.0.1', port: 0, log: (l, m) => logs.push(`${l}: ${m}`) });
    target2 = `127.0.0.1:${core.address.port}`;
    const sock2 = path.join(dir2, 'agentx');
    // A short time limit so that three timeouts take seconds, not a quarter of a minute.
    await core.startAgentX(sock2, { defaultTimeoutMs: 1500 });
    writeFileSync(path.join(dir2, 'subagent.conf'), `agentXSocket ${sock2}\n`);
    sub = start(snmpd, ['-f', '-Lo', '-X', '-C', '-c', path.join(dir2, 'subagent.conf'), '-p', path.join(dir2, 'subagent.pid'), '-M', '/nonexistent'], 300_000, { env: {
      ...process.env, SNMP_PERSISTENT_DIR: path.join(dir2, 'subagent-state'), MIBS: '',
    } });
    await waitFor('the second snmpd to register UCD-SNMP-MIB', async () => /INTEGER: \d+/.test((await snmp('snmpget', [...v2(), target2, MEM_TOTAL_REAL])).stdout), 60_000, 500);
  });

  after(async () => {
    if (sub && sub.child.exitCode === null) {
      sub.child.kill('SIGCONT');
      sub.child.kill('SIGTERM');
    }
    await sub?.done;
    await core?.stop();
    rmSync(dir2, { recursive: true, force: true });
  });

  test('a GETBULK walk of a subagent subtree costs one AgentX GetBulk per response, not one GetNext per object', async () => {
    const count = () => snmpdSession()?.requests ?? 0;
    let before = count();
    const walk = await snmp('snmpwalk', [...v2(), target2, UCD], 120_000);
    assert.equal(walk.code, 0, walk.stderr);
    const viaNext = count() - before;
    before = count();
    const bulk = await snmp('snmpbulkwalk', [...v2(), '-Cr50', target2, UCD], 120_000);
    assert.equal(bulk.code, 0, bulk.stderr);
    const viaBulk = count() - before;
    const objects = lines(bulk.stdout);
    assert.ok(objects.length > 50, `UCD-SNMP-MIB from the subagent (${objects.length} objects)`);
    // Same objects, same order, no duplicates, as with GETNEXT.
    assert.deepEqual(objects.map(([o]) => o), lines(walk.stdout).map(([o]) => o));
    assert.equal(new Set(objects.map(([o]) => o)).size, objects.length);
    assert.ok(viaNext >= objects.length, `GETNEXT walk: ${viaNext} AgentX requests for ${objects.length} objects`);
    assert.ok(viaBulk * 10 <= objects.length, `GETBULK walk: ${viaBulk} AgentX requests for ${objects.length} objects`);
  });

  test('a subagent that stops answering is closed after 3 timeouts (reason timeouts) and walks skip it', async () => {
    assert.ok(snmpdSession(), 'the snmpd session is open');
    sub!.child.kill('SIGSTOP');
    try {
      // Three requests at once: three AgentX Gets that all time out (genErr to the manager).
      const gets = await Promise.all([1, 2, 3].map(() => snmp('snmpget', [...v2(), '-t', '10', '-r', '0', target2, MEM_TOTAL_REAL])));
      for (const g of gets) assert.match(g.stderr + g.stdout, /genError|General error/i);
      await waitFor('the master to close the session', () => logs.some((l) => /did not answer 3 requests in a row: closing it \(reason timeouts\)/.test(l)), 10_000);
      assert.equal(snmpdSession(), undefined, 'session gone');
      assert.ok(logs.some((l) => /ended: closed by the master after 3 consecutive timeouts; \d+ registration\(s\) removed/.test(l)), logs.join('\n'));
      // Its objects are gone (noSuchObject, not genErr after a wait), and a walk skips them.
      const r = await snmp('snmpget', [...v2(), '-t', '10', '-r', '0', target2, MEM_TOTAL_REAL]);
      assert.match(r.stdout, /No Such Object/);
      const w = await snmp('snmpbulkwalk', [...v2(), '-t', '10', '-r', '0', target2, '1.3.6.1.4.1'], 60_000);
      assert.equal(w.code, 0, w.stderr);
      assert.ok(!lines(w.stdout).some(([o]) => o.startsWith(`.${UCD}.`)));
    } finally {
      sub!.child.kill('SIGCONT');
    }
  });
});
