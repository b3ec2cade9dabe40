// Event MIB triggers on objects an AgentX subagent serves (as sipd serves the SIP MIB):
// ciagent's core with its AgentX master on a Unix socket in the test directory, the event
// module, and net-snmp's (npm) Subagent serving a counter and a gauge the test changes. At
// snmptrapd: an existence trigger fires absent (no subagent yet), present when it registers
// and absent again when it goes; a wildcarded delta threshold on the counter (sampled by
// walking the subagent's subtree) fires rising and then falling; a boolean test on the
// gauge fires. A second subagent that never answers makes its trigger's samples fail
// (counted, logged) while the agent keeps answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import snmpLib from 'net-snmp';
import { AgentCore } from '../../src/agent/core.js';
import { createEventModule } from '../../src/agent/mibs/event/index.js';
import { REPO, freePort, waitFor } from '../helpers/index.js';
import { lines, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';

const OURS = '1.3.6.1.4.1.32473.99.17';
const CALLS = `${OURS}.1`;
const GAUGE = `${OURS}.2`;
const SLOW = `${OURS}.3`;
const E = '1.3.6.1.2.1.88';
const FIRED = `.${E}.2.0.1`;
const RISING = `.${E}.2.0.2`;
const FALLING = `.${E}.2.0.3`;
const T = snmpLib.ObjectType;

type Callback<V> = (e: Error | null, v?: V) => void;
interface SubagentApi {
  open(cb: Callback<{ error: number }>): void;
  registerProvider(p: object, cb: Callback<{ error: number }>): void;
  getMib(): { setScalarValue(name: string, v: unknown): void };
  on(ev: string, f: (...a: unknown[]) => void): void;
  socket: { destroy(): void };
}
const call = <V>(f: (cb: Callback<V>) => void) => new Promise<V | undefined>((res, rej) => f((e, v) => (e ? rej(e) : res(v))));

/**
 * The npm Subagent (net-snmp 3.29) takes each socket read as exactly one PDU: two requests
 * that arrive in one read (the master sends the Gets of triggers sampled in the same tick
 * together) lose the second, which then times out. Its reads are split into PDUs here
 * (RFC 2741 §6.1: a 20-octet header whose last 4 octets are the payload length, in the
 * byte order of flag NETWORK_BYTE_ORDER, 0x10), so the test exercises the master, not that.
 */
function framePdus(sub: SubagentApi & { onMsg(b: Buffer): void; socket: { removeAllListeners(ev: string): void; on(ev: string, f: (b: Buffer) => void): void } }) {
  let pending = Buffer.alloc(0);
  sub.socket.removeAllListeners('data');
  sub.socket.on('data', (data) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 20) {
      const total = 20 + (pending[2] & 0x10 ? pending.readUInt32BE(16) : pending.readUInt32LE(16));
      if (pending.length < total) return;
      const pdu = pending.subarray(0, total);
      pending = pending.subarray(total);
      sub.onMsg(pdu);
    }
  });
}

/** An npm net-snmp subagent on `sock` with read-only scalars (name, oid, type, handler?). */
async function subagent(sock: string, descr: string, scalars: Array<{ name: string; oid: string; type: number; handler?: () => void }>): Promise<SubagentApi> {
  const sub = (snmpLib as unknown as { createSubagent(o: object): SubagentApi }).createSubagent({ masterPort: sock, timeout: 3, description: descr });
  sub.on('error', () => undefined);
  framePdus(sub as Parameters<typeof framePdus>[0]);
  await call((cb) => sub.open(cb));
  for (const s of scalars) {
    const r = await call<{ error: number }>((cb) =>
      sub.registerProvider({ name: s.name, type: snmpLib.MibProviderType.Scalar, oid: s.oid, scalarType: s.type, maxAccess: snmpLib.MaxAccess['read-only'], handler: s.handler }, cb),
    );
    assert.equal(r?.error, 0, `registration of ${s.oid}`);
  }
  return sub;
}

/** The notifications snmptrapd printed, one line each. */
const traps = (out: string) => out.split('\n').filter((l) => l.includes('.1.3.6.1.6.3.1.1.4.1.0 = OID:'));
/** Those of one trigger (mteHotTrigger) with one notification OID. */
const trapsOf = (out: string, trigger: string, oid: string) => traps(out).filter((t) => t.includes(`OID: ${oid}`) && t.includes(`.${E}.2.1.1.0 = STRING: "${trigger}"`));

test('Event MIB triggers on a subagent counter: existence, delta threshold and boolean fire at snmptrapd; a silent subagent is a counted failure', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'event-agentx-'));
  const trapPort = await freePort();
  const agentPort = await freePort(); // not 0: net-snmp takes port 0 as 161
  const configDir = path.join(root, 'conf');
  mkdirSync(configDir);
  writeFileSync(path.join(configDir, 'snmpd.cnf'), trapSinkSnmpdCnf(trapPort));
  writeFileSync(
    path.join(configDir, 'eventagt.cnf'),
    [
      // Existence (80) of the counter: present and absent (c0), both at startup too.
      `mteTriggerEntry test exists "subagent counter exists" 80 1 ${CALLS}.0 2 - - 2 1u - - 1 1`,
      'mteTriggerExistenceEntry c0 c0 - - test fired test exists',
      // Threshold (20) on the counter's change per sample (delta, 2): rising 10, falling 2;
      // wildcarded (1) as the SIP alarms are, so each sample walks the subagent's subtree.
      `mteTriggerEntry test calls "counter per sample" 20 2 ${CALLS} 1 - - 2 1u - - 1 1`,
      'mteTriggerThresholdEntry 1 10 2 0 0 - - test up test down - - - - test calls',
      // Boolean (40): the gauge greater (5) than 50, no event at startup.
      `mteTriggerEntry test big "gauge over 50" 40 1 ${GAUGE}.0 2 - - 2 1u - - 1 1`,
      'mteTriggerBooleanEntry 5 50 2 - - test fired test big',
      // Boolean on an object whose subagent never answers.
      `mteTriggerEntry test slow "silent subagent" 40 1 ${SLOW}.0 2 - - 2 2u - - 1 1`,
      'mteTriggerBooleanEntry 1 0 2 - - test fired test slow',
      'mteEventEntry fired "fired" 80 1 1 test',
      'mteEventEntry up "rising" 80 1 1 test',
      'mteEventEntry down "falling" 80 1 1 test',
      'mteEventNotificationEntry 0.0 - - test fired',
      'mteEventNotificationEntry 0.0 - - test up',
      'mteEventNotificationEntry 0.0 - - test down',
      '',
    ].join('\n'),
  );
  const trapd = await startTrapd(root, trapPort);
  const logs: string[] = [];
  const subs: SubagentApi[] = [];
  let core: AgentCore | undefined;
  const context = () => `snmptrapd:\n${trapd.output()}\nciagent:\n${logs.join('\n')}`;
  const waitTrap = (what: string, trigger: string, oid: string, n = 1) =>
    waitFor(what, () => trapsOf(trapd.output(), trigger, oid)[n - 1], 20_000).catch((e: Error) => assert.fail(`${e.message}\n${context()}`));
  try {
    core = await AgentCore.create({
      rootDir: root, configDir, dataDir: path.join(root, 'data'), address: '127.0.0.1', port: agentPort,
      mibDirs: [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')], log: (l, m) => logs.push(`${l}: ${m}`),
    });
    const sock = path.join(root, 'agentx');
    await core.startAgentX(sock);
    assert.deepEqual(await core.startModules([createEventModule()]), [], logs.join('\n'));
    const target = `127.0.0.1:${core.address.port}`;

    const absent = await waitTrap('absent at startup (no subagent yet)', 'exists', FIRED);
    assert.match(absent, new RegExp(`\\.${E}\\.2\\.1\\.4\\.0 = OID: \\.${CALLS}\\.0`));

    const a = await subagent(sock, 'event test subagent', [
      { name: 'calls', oid: CALLS, type: T.Counter },
      { name: 'gauge', oid: GAUGE, type: T.Integer },
    ]);
    subs.push(a);
    a.getMib().setScalarValue('calls', 0);
    a.getMib().setScalarValue('gauge', 5);
    await waitTrap('present once the subagent registered', 'exists', FIRED, 2);

    // While the counter keeps moving (50 every 100 ms) every delta is over the rising
    // threshold, whichever sample is the baseline: rising. Once it stands still: falling.
    let calls = 0;
    const rising = await waitFor('rising while the counter moves', () => {
      a.getMib().setScalarValue('calls', (calls += 50));
      return trapsOf(trapd.output(), 'calls', RISING)[0];
    }, 20_000).catch((e: Error) => assert.fail(`${e.message}\n${context()}`));
    assert.match(rising, new RegExp(`\\.${E}\\.2\\.1\\.4\\.0 = OID: \\.${CALLS}\\.0`));
    await waitTrap('falling once the counter stands still', 'calls', FALLING);

    assert.equal(trapsOf(trapd.output(), 'big', FIRED).length, 0, `gauge at 5: no boolean event\n${context()}`);
    a.getMib().setScalarValue('gauge', 70);
    const big = await waitTrap('the boolean test on the gauge', 'big', FIRED);
    assert.match(big, new RegExp(`\\.${E}\\.2\\.1\\.5\\.0 = INTEGER: 70`));

    // A subagent whose handler never answers: its trigger's samples fail after the master's
    // time limit, are counted in mteTriggerFailures and logged; the agent keeps answering.
    const failures = async () => Number(/Counter32: (\d+)/.exec(lines((await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, `${E}.1.2.1.0`])).stdout)[0]?.[1] ?? '')?.[1]);
    const b = await subagent(sock, 'silent subagent', [{ name: 'slow', oid: SLOW, type: T.Integer, handler: () => undefined }]);
    subs.push(b);
    b.getMib().setScalarValue('slow', 1);
    const before = await failures();
    await waitFor('a failed sample of the silent subagent', () => logs.find((l) => /mteTrigger test\/slow: sample of .* failed \(5\): subagent session \d+ .*did not answer a Get/.test(l)), 30_000)
      .catch((e: Error) => assert.fail(`${e.message}\n${context()}`));
    assert.ok((await failures()) > before, 'mteTriggerFailures counts it');
    const min = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', '-t', '2', '-r', '0', target, `${E}.1.1.1.0`]);
    assert.equal(lines(min.stdout)[0]?.[1], 'INTEGER: 1', `the agent still answers (mteResourceSampleMinimum)\n${min.stderr}`);
    assert.equal(trapsOf(trapd.output(), 'slow', FIRED).length, 0, 'no event from a sample that failed');

    // The first subagent goes: absent.
    a.socket.destroy();
    await waitTrap('absent once the subagent is gone', 'exists', FIRED, 3);
    assert.equal(trapsOf(trapd.output(), 'calls', RISING).length, 1, `one rising event per crossing\n${context()}`);
  } finally {
    for (const s of subs) s.socket.destroy();
    await core?.stop();
    await trapd.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
