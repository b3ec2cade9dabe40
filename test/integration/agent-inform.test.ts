// Acknowledged notifications (RFC 3413 §3, snmpd.cnf snmpNotifyEntry): a real snmptrapd
// answers ciagent's InformRequests (v2c and v3 authPriv), a target set for traps still gets
// SNMPv2-Traps, an inform nobody answers ends counted in OPENSPS-NOTIFY-MIB and logged, and
// the critapp "process exited" inform sent while snmptrapd is down for 5 s arrives once it
// is back on the same port. snmptrapd's %P prints the PDU type (TRAP2 or INFORM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/paths.js';
import { freePort } from '../helpers/ports.js';
import { sleep, waitFor } from '../helpers/run.js';
import { lines, restartableCiagent, snmp, startTrapd } from '../unit/agent/snmp-tools.js';
import type { Trapd } from '../unit/agent/snmp-tools.js';
import { AgentCore } from '../../src/agent/core.js';
import { OID } from '../../src/agent/oids.js';

const FORMAT = 'NOTE %P: %V~ %v\n';
const ARC = '1.3.6.1.4.1.32473.99';
const COUNTERS = `${OID.openSps}.1.4.1`;
const MIB_DIRS = [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')];
const AUTH = 'inform-auth-pass';
const PRIV = 'inform-priv-pass';

const access = [
  'snmpCommunityEntry t1 cspsAdmin proxySec localSnmpID - - nonVolatile',
  'snmpCommunityEntry t2 trapComm trapSec localSnmpID - - nonVolatile',
  'vacmSecurityToGroupEntry snmpv2c proxySec proxyGroup nonVolatile',
  'vacmSecurityToGroupEntry snmpv2c trapSec proxyGroup nonVolatile',
  'vacmSecurityToGroupEntry snmpv1 proxySec proxyGroup nonVolatile',
  'vacmSecurityToGroupEntry usm informUser proxyGroup nonVolatile',
  'vacmAccessEntry proxyGroup - snmpv2c noAuthNoPriv exact All All All nonVolatile',
  'vacmAccessEntry proxyGroup - snmpv1 noAuthNoPriv exact All - All nonVolatile',
  'vacmAccessEntry proxyGroup - usm authPriv exact All - All nonVolatile',
  'vacmViewTreeFamilyEntry All internet - included nonVolatile',
  `usmUserEntry localSnmpID informUser sha256 aes nonVolatile ${AUTH} ${PRIV}`,
  'snmpTargetParamsEntry v2cParams 1 snmpv2c proxySec noAuthNoPriv nonVolatile',
  'snmpTargetParamsEntry trapParams 1 snmpv2c trapSec noAuthNoPriv nonVolatile',
  'snmpTargetParamsEntry v3Params 3 usm informUser authPriv nonVolatile',
  'snmpNotifyEntry toInform informs inform nonVolatile',
  'snmpNotifyEntry toTrap traps trap nonVolatile',
];

/** Each notification snmptrapd printed: its PDU line prefix and notification OID. */
function received(trapd: Trapd): Array<{ pdu: string; oid: string }> {
  return trapd
    .output()
    .split('\n')
    .filter((l) => l.startsWith('NOTE '))
    .map((l) => ({ pdu: l.slice(5, l.indexOf(':')), oid: /\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: \.([\d.]+)/.exec(l)?.[1] ?? '' }));
}

async function counters(port: number): Promise<{ sent: number; acknowledged: number; unacknowledged: number; retransmissions: number }> {
  const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', `127.0.0.1:${port}`, ...[1, 2, 3, 4].map((n) => `${COUNTERS}.${n}.0`)]);
  assert.equal(r.code, 0, r.stderr);
  const v = lines(r.stdout).map(([, value]) => {
    assert.match(value, /^Counter32: \d+$/);
    return Number(value.replace('Counter32: ', ''));
  });
  return { sent: v[0], acknowledged: v[1], unacknowledged: v[2], retransmissions: v[3] };
}

async function withAgent(conf: string[], body: (core: AgentCore, logs: string[], dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-inform-'));
  writeFileSync(path.join(dir, 'snmpd.cnf'), [...access, ...conf, ''].join('\n'), { mode: 0o600 });
  const logs: string[] = [];
  let core: AgentCore | undefined;
  try {
    core = await AgentCore.create({ rootDir: dir, configDir: dir, dataDir: path.join(dir, 'data'), address: '127.0.0.1', port: await freePort(), mibDirs: MIB_DIRS, log: (level, m) => logs.push(`${level}: ${m}`) });
    await body(core, logs, dir);
  } finally {
    await core?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// The targets below wait 5 s (500 cs) before a retry, so that a slow machine does not cause
// one: these tests count exactly one copy of each inform.
test('a v2c inform is received once and acknowledged; a target set for traps gets a plain trap', async () => {
  const trapPort = await freePort();
  const trapdDir = mkdtempSync(path.join(os.tmpdir(), 'agent-inform-trapd-'));
  const trapd = await startTrapd(trapdDir, trapPort, FORMAT);
  try {
    await withAgent(
      [
        `snmpTargetAddrEntry informSink snmpUDPDomain 127.0.0.1:${trapPort} 500 3 informs v2cParams nonVolatile`,
        `snmpTargetAddrEntry trapSink snmpUDPDomain 127.0.0.1:${trapPort} 500 3 traps trapParams nonVolatile`,
      ],
      async (core) => {
        const before = core.agent.counters.snmpOutTraps;
        await core.notify(`${ARC}.0.1`, [{ oid: `${ARC}.1.0`, type: 'Integer', value: 7 }]);
        await core.originator.settled();
        await waitFor('the trap and the inform at snmptrapd', () => received(trapd).length >= 2, 15_000);
        const got = received(trapd);
        assert.deepEqual(
          got.map((g) => g.pdu).sort(),
          ['INFORM, SNMP v2c, community cspsAdmin', 'TRAP2, SNMP v2c, community trapComm'],
          trapd.output(),
        );
        assert.ok(got.every((g) => g.oid === `${ARC}.0.1`));
        const c = await counters(core.address.port);
        assert.deepEqual(c, { sent: 1, acknowledged: 1, unacknowledged: 0, retransmissions: 0 });
        assert.equal(received(trapd).length, 2, 'acknowledged at once: the inform was not sent again');
        assert.equal(core.agent.counters.snmpOutTraps - before, 2, 'one notification to each target');
      },
    );
  } finally {
    await trapd.stop();
    rmSync(trapdDir, { recursive: true, force: true });
  }
});

test('SNMPv3 authPriv informs: snmptrapd (the authoritative engine) is discovered and acknowledges each', async () => {
  const trapPort = await freePort();
  const trapdDir = mkdtempSync(path.join(os.tmpdir(), 'agent-inform-trapd-'));
  // For an inform the receiver is authoritative: snmptrapd's own engine ID, a plain createUser.
  const trapd = await startTrapd(trapdDir, trapPort, FORMAT, [`createUser informUser SHA-256 "${AUTH}" AES "${PRIV}"`]);
  try {
    await withAgent([`snmpTargetAddrEntry v3Sink snmpUDPDomain 127.0.0.1:${trapPort} 500 3 informs v3Params nonVolatile`], async (core) => {
      await core.notify(`${ARC}.0.1`);
      await core.originator.settled();
      // The second goes out with the engine ID and time the first learnt.
      await core.notify(`${ARC}.0.2`);
      await core.originator.settled();
      // snmptrapd may answer before its line reaches our pipe.
      await waitFor('both informs printed by snmptrapd', () => received(trapd).length >= 2, 15_000);
      const got = received(trapd);
      assert.deepEqual(got, [
        { pdu: 'INFORM, SNMP v3, user informUser, context ', oid: `${ARC}.0.1` },
        { pdu: 'INFORM, SNMP v3, user informUser, context ', oid: `${ARC}.0.2` },
      ], trapd.output());
      assert.deepEqual(await counters(core.address.port), { sent: 2, acknowledged: 2, unacknowledged: 0, retransmissions: 0 });
    });
  } finally {
    await trapd.stop();
    rmSync(trapdDir, { recursive: true, force: true });
  }
});

test('SNMPv3 informs go on after the receiver restarts (same engine ID, its engine time from zero)', async () => {
  const trapPort = await freePort();
  const trapdDir = mkdtempSync(path.join(os.tmpdir(), 'agent-inform-trapd-'));
  const user = [`createUser informUser SHA-256 "${AUTH}" AES "${PRIV}"`];
  let trapd: Trapd | undefined = await startTrapd(trapdDir, trapPort, FORMAT, user);
  try {
    await withAgent([`snmpTargetAddrEntry v3Sink snmpUDPDomain 127.0.0.1:${trapPort} 500 3 informs v3Params nonVolatile`], async (core) => {
      await core.notify(`${ARC}.0.1`);
      await core.originator.settled();
      await trapd!.stop();
      // Same persistent directory: the same engine ID (snmptrapd 5.9 keeps engineBoots at 1).
      trapd = await startTrapd(trapdDir, trapPort, FORMAT, user);
      await core.notify(`${ARC}.0.2`);
      await core.originator.settled();
      await waitFor('the second inform at the restarted snmptrapd', () => received(trapd!).length >= 1, 15_000);
      assert.deepEqual(received(trapd).map((r) => r.oid), [`${ARC}.0.2`], trapd.output());
      const c = await counters(core.address.port);
      assert.deepEqual([c.sent, c.acknowledged, c.unacknowledged], [2, 2, 0]);
    });
  } finally {
    await trapd?.stop();
    rmSync(trapdDir, { recursive: true, force: true });
  }
});

test('an inform to a port nobody answers is retried, then counted unacknowledged and logged at warn', async () => {
  const deadPort = await freePort();
  // 20 cs timeout, 2 retries: three copies 200 ms apart, then given up.
  await withAgent([`snmpTargetAddrEntry deadSink snmpUDPDomain 127.0.0.1:${deadPort} 20 2 informs v2cParams nonVolatile`], async (core, logs) => {
    await core.notify(`${ARC}.0.3`);
    await core.originator.settled();
    assert.deepEqual(await counters(core.address.port), { sent: 1, acknowledged: 0, unacknowledged: 1, retransmissions: 2 });
    assert.ok(
      logs.some((l) => l.startsWith('warn: ') && l.includes(`inform ${ARC}.0.3 to target deadSink not acknowledged`)),
      logs.join('\n'),
    );
  });
});

test('an inform waiting for an answer at SIGHUP goes on retrying on its old socket until it gives up', async () => {
  const deadPort = await freePort();
  await withAgent([`snmpTargetAddrEntry deadSink snmpUDPDomain 127.0.0.1:${deadPort} 20 3 informs v2cParams nonVolatile`], async (core) => {
    await core.notify(`${ARC}.0.5`);
    assert.deepEqual(core.reloadConfig(), []);
    await core.originator.settled();
    // Closing the old socket at the reload would have ended it at once, with fewer retries.
    assert.deepEqual(await counters(core.address.port), { sent: 1, acknowledged: 0, unacknowledged: 1, retransmissions: 3 });
  });
});

test('a v1 target asked for informs is warned about at start, naming its line, and gets traps', async () => {
  const trapPort = await freePort();
  const trapdDir = mkdtempSync(path.join(os.tmpdir(), 'agent-inform-trapd-'));
  const trapd = await startTrapd(trapdDir, trapPort, FORMAT);
  try {
    await withAgent(
      [
        'snmpTargetParamsEntry v1Params 0 snmpv1 proxySec noAuthNoPriv nonVolatile',
        `snmpTargetAddrEntry v1Sink snmpUDPDomain 127.0.0.1:${trapPort} 100 3 informs v1Params nonVolatile`,
      ],
      async (core, logs, dir) => {
        const line = access.length + 2;
        assert.ok(
          logs.some((l) => l === `warn: ${path.join(dir, 'snmpd.cnf')}:${line}:1: snmpTargetAddrEntry v1Sink: SNMPv1 (parameters v1Params) has no InformRequest; it gets traps instead`),
          logs.join('\n'),
        );
        await core.notify(`${ARC}.0.4`);
        await waitFor('the v1 trap', () => received(trapd).length >= 1, 15_000);
        assert.equal(received(trapd)[0].pdu, 'TRAP, SNMP v1, community cspsAdmin');
        assert.equal((await counters(core.address.port)).sent, 0);
      },
    );
  } finally {
    await trapd.stop();
    rmSync(trapdDir, { recursive: true, force: true });
  }
});

test("critapp's process-exited inform, sent while snmptrapd is down for 5 s, arrives after it restarts", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-inform-critapp-'));
  const trapPort = await freePort();
  const name = `finf${process.pid % 100000}`;
  const bin = path.join(dir, name);
  copyFileSync('/bin/sleep', bin);
  // 1 s timeout, 30 retries: the inform keeps trying for 31 s, enough for a 5 s outage and a
  // slow restart.
  writeFileSync(
    path.join(dir, 'snmpd.cnf'),
    [...access, `snmpTargetAddrEntry nms snmpUDPDomain 127.0.0.1:${trapPort} 100 30 informs v2cParams nonVolatile`, ''].join('\n'),
    { mode: 0o600 },
  );
  writeFileSync(
    path.join(dir, 'critagt.cnf'),
    [`critAppProcEntry 1 ${name} "exec ${bin} 120" - 2 false 3000 true true true`, 'critAppTrapWhenNotAllRunning false', 'critAppTrapWhenAllRunning false', ''].join('\n'),
  );
  const agent = restartableCiagent(dir, await freePort(), `${OID.sysUpTime}.0`);
  const port = Number(agent.target.split(':')[1]);
  const E = OID.critAppProcEntry;
  let trapd: Trapd | undefined = await startTrapd(dir, trapPort, FORMAT);
  let pid = 0;
  try {
    await agent.launch();
    await agent.set(`${E}.5.1`, 'i', '1');
    await waitFor('critAppProcStarted as an inform', () => received(trapd!).some((r) => r.oid === OID.critAppProcStarted && r.pdu.startsWith('INFORM')), 20_000, 200);
    const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', agent.target, `${E}.12.1`]);
    pid = Number(lines(r.stdout)[0][1].replace('INTEGER: ', ''));
    assert.ok(pid > 0, r.stdout);
    await waitFor('the informs so far acknowledged', async () => {
      const c = await counters(port);
      return c.sent > 0 && c.acknowledged === c.sent;
    }, 15_000, 200);
    const sentBefore = (await counters(port)).sent;

    await trapd.stop();
    trapd = undefined;
    const downAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitFor('critAppProcExited sent', async () => (await counters(port)).sent > sentBefore, 15_000, 200);
    await waitFor('a retransmission while snmptrapd is down', async () => (await counters(port)).retransmissions > 0, 15_000, 200);
    await sleep(Math.max(0, 5_000 - (Date.now() - downAt)));

    trapd = await startTrapd(dir, trapPort, FORMAT);
    await waitFor('critAppProcExited after the restart', () => received(trapd!).some((x) => x.oid === OID.critAppProcExited), 40_000, 200);
    assert.equal(received(trapd).filter((x) => x.oid === OID.critAppProcExited)[0].pdu, 'INFORM, SNMP v2c, community cspsAdmin');
    const c = await waitFor('the inform acknowledged', async () => {
      const now = await counters(port);
      return now.acknowledged === now.sent ? now : undefined;
    }, 15_000, 200);
    assert.equal(c.unacknowledged, 0);
    assert.doesNotMatch(readFileSync(agent.logFile, 'utf8'), /not acknowledged/);
    await agent.halt();
  } finally {
    await agent.kill();
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await trapd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
