// The Event MIB over the wire: the agent core with the event module and a test gauge;
// eventagt.cnf's trigger fires mteTriggerFalling / mteTriggerRising at snmptrapd with the
// hot varbinds, and an NMS adds a second trigger at run time with RowStatus
// (createAndWait → columns → active) through snmpset, then destroys it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentCore } from '../../src/agent/core.js';
import { createEventModule } from '../../src/agent/mibs/event/index.js';
import type { AgentModule } from '../../src/agent/mib-module.js';
import { REPO, freePort, waitFor } from '../helpers/index.js';
import { lines, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';

const GAUGE = '1.3.6.1.4.1.32473.99.1';
const E = '1.3.6.1.2.1.88';
const RISING = `.${E}.2.0.2`;
const FALLING = `.${E}.2.0.3`;

/** The notifications snmptrapd printed, one line each (varbinds tab-separated). */
const traps = (out: string) => out.split('\n').filter((l) => l.includes('.1.3.6.1.6.3.1.1.4.1.0 = OID:'));

/** The index of a trigger/event row: owner length-prefixed, name IMPLIED. */
const ownerName = (owner: string, name: string) => [owner.length, ...Buffer.from(owner), ...Buffer.from(name)].join('.');

test('eventagt.cnf trigger on a test gauge: falling at startup, rising when it crosses, with the hot varbinds, at snmptrapd', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'eventagt-it-'));
  const trapPort = await freePort();
  const agentPort = await freePort();
  const configDir = path.join(root, 'conf');
  mkdirSync(configDir);
  writeFileSync(path.join(configDir, 'snmpd.cnf'), trapSinkSnmpdCnf(trapPort));
  writeFileSync(
    path.join(configDir, 'eventagt.cnf'),
    [
      `mteTriggerEntry test gauge "test gauge" 20 1 ${GAUGE}.0 2 - - 2 1u - - 1 1`,
      'mteTriggerThresholdEntry 3 50 10 0 0 - - test up test down - - - - test gauge',
      'mteEventEntry up "rising" 80 1 1 test',
      'mteEventEntry down "falling" 80 1 1 test',
      'mteEventNotificationEntry 0.0 - - test up',
      'mteEventNotificationEntry 0.0 - - test down',
      '',
    ].join('\n'),
  );
  let gauge = 5;
  const gaugeModule: AgentModule = {
    name: 'test-gauge',
    start(ctx) {
      ctx.scalar({ name: 'testGauge', oid: GAUGE, type: 'Integer', access: 'read-only', get: () => gauge });
    },
    stop() {},
  };
  const trapd = await startTrapd(root, trapPort);
  const logs: string[] = [];
  let core: AgentCore | undefined;
  try {
    core = await AgentCore.create({
      rootDir: root, configDir, dataDir: path.join(root, 'data'), address: '127.0.0.1', port: agentPort,
      mibDirs: [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')], log: (l, m) => logs.push(`${l}: ${m}`),
    });
    assert.deepEqual(await core.startModules([gaugeModule, createEventModule()]), [], logs.join('\n'));
    const target = `127.0.0.1:${agentPort}`;

    const falling = await waitFor('mteTriggerFalling at startup', () => traps(trapd.output()).find((t) => t.includes(`OID: ${FALLING}`)), 20_000);
    assert.match(falling, new RegExp(`\\.${E}\\.2\\.1\\.1\\.0 = STRING: "gauge"`));
    assert.match(falling, new RegExp(`\\.${E}\\.2\\.1\\.4\\.0 = OID: \\.${GAUGE}\\.0`));
    assert.match(falling, new RegExp(`\\.${E}\\.2\\.1\\.5\\.0 = INTEGER: 5`));

    gauge = 70;
    const rising = await waitFor('mteTriggerRising after the crossing', () => traps(trapd.output()).find((t) => t.includes(`OID: ${RISING}`)), 20_000);
    assert.match(rising, new RegExp(`\\.${E}\\.2\\.1\\.5\\.0 = INTEGER: 70`));
    assert.equal(traps(trapd.output()).length, 2, 'one event per crossing');

    // The tables as an NMS sees them.
    const idx = ownerName('test', 'gauge');
    const got = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, `${E}.1.2.2.1.6.${idx}`, `${E}.1.2.2.1.15.${idx}`, `${E}.1.2.6.1.2.${idx}`, `${E}.1.2.1.0`]);
    assert.deepEqual(lines(got.stdout).map((l) => l[1]), [`OID: .${GAUGE}.0`, 'INTEGER: 1', 'INTEGER: 50', 'Counter32: 0'], got.stderr);

    // An NMS adds a trigger at run time: createAndWait, fill in, activate.
    const t2 = ownerName('nms', 't2');
    const set = (...vbs: string[]) => snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', target, ...vbs]);
    let r = await set(`${E}.1.2.2.1.15.${t2}`, 'i', '5');
    assert.equal(r.code, 0, r.stderr + logs.join('\n'));
    r = await set(
      `${E}.1.2.2.1.4.${t2}`, 'x', '20',
      `${E}.1.2.2.1.6.${t2}`, 'o', `${GAUGE}.0`,
      `${E}.1.2.2.1.11.${t2}`, 'u', '1',
      `${E}.1.2.2.1.14.${t2}`, 'i', '1',
      `${E}.1.2.6.1.1.${t2}`, 'i', '1',
      `${E}.1.2.6.1.2.${t2}`, 'i', '60',
      `${E}.1.2.6.1.3.${t2}`, 'i', '10',
      `${E}.1.2.6.1.8.${t2}`, 's', 'test',
      `${E}.1.2.6.1.9.${t2}`, 's', 'up',
    );
    assert.equal(r.code, 0, r.stderr + logs.join('\n'));
    r = await set(`${E}.1.2.2.1.15.${t2}`, 'i', '1');
    assert.equal(r.code, 0, r.stderr);
    const t2Rising = await waitFor('mteTriggerRising from the new trigger', () => traps(trapd.output()).find((t) => t.includes('STRING: "t2"')), 20_000);
    assert.match(t2Rising, new RegExp(`OID: ${RISING}`));

    // createAndGo on the event table: the row and its notification row appear with the
    // RFC 2981 defaults.
    const ev2 = ownerName('nms', 'ev2');
    r = await set(`${E}.1.4.2.1.5.${ev2}`, 'i', '4');
    assert.equal(r.code, 0, r.stderr + logs.join('\n'));
    const ev = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, `${E}.1.4.2.1.4.${ev2}`, `${E}.1.4.2.1.5.${ev2}`, `${E}.1.4.3.1.1.${ev2}`]);
    assert.deepEqual(lines(ev.stdout).map((l) => l[1]), ['INTEGER: 2', 'INTEGER: 1', 'OID: .0.0'], ev.stderr);

    // Destroy the trigger: the row and its threshold row go.
    r = await set(`${E}.1.2.2.1.15.${t2}`, 'i', '6');
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the trigger rows to go', async () => {
      const w = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, `${E}.1.2.2.1.6.${t2}`, `${E}.1.2.6.1.2.${t2}`]);
      return lines(w.stdout).every((l) => /No Such Instance/.test(l[1]));
    }, 10_000);
  } finally {
    await core?.stop();
    await trapd.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
