// CRITAPP-MIB over SNMP, as the guide's chapter 4 uses it: `snmpset critAppAdminStatus.1 1`
// starts the process, `snmpget critAppOperStatus.1` shows its real state, and a real
// snmptrapd receives critAppProcStarted / critAppProcExited / critAppNotAllRunning.
// A copy of /bin/sleep under a unique name stands in for sipd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/paths.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/run.js';
import { lines, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';
import { AgentCore } from '../../src/agent/core.js';
import { createCritAppModule } from '../../src/agent/mibs/critapp/index.js';
import { OID } from '../../src/agent/oids.js';

const E = OID.critAppProcEntry;

test('critagt over SNMP: SET admin status starts the process, GET shows it, traps on start and exit', async () => {
  const snmpget = (oid: string) => snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', `127.0.0.1:${agentPort}`, oid]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-critapp-'));
  const conf = path.join(dir, 'conf');
  mkdirSync(conf);
  const name = `fsnmp${process.pid % 100000}`;
  const bin = path.join(dir, name);
  copyFileSync('/bin/sleep', bin);
  const agentPort = await freePort();
  const trapPort = await freePort();
  writeFileSync(
    path.join(conf, 'snmpd.cnf'),
    trapSinkSnmpdCnf(trapPort),
  );
  writeFileSync(
    path.join(conf, 'critagt.cnf'),
    [
      `critAppProcEntry 1 ${name} "exec ${bin} 60" - 2 false 3000 true true true`,
      'critAppTrapWhenNotAllRunning true',
      'critAppTrapWhenAllRunning true',
    ].join('\n') + '\n',
  );

  const trapd = await startTrapd(dir, trapPort);
  let core: AgentCore | undefined;
  let pid = 0;
  try {
    core = await AgentCore.create({ rootDir: dir, configDir: conf, dataDir: path.join(dir, 'data'), address: '127.0.0.1', port: agentPort, mibDirs: [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')] });
    assert.deepEqual(await core.startModules([createCritAppModule({ engine: { pollMs: 300 } })]), []);

    const get = async (col: number) => {
      const r = await snmpget(`${E}.${col}.1`);
      assert.equal(r.code, 0, r.stderr);
      return lines(r.stdout)[0][1];
    };
    assert.equal(await get(11), 'INTEGER: 2', 'critAppOperStatus.1 down');
    assert.equal(await get(3), `STRING: "exec ${bin} 60"`, 'critAppStartCommand.1');
    assert.equal(await get(15), 'INTEGER: -1', 'no exit yet');

    const set = (col: number, value: string) => snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', `127.0.0.1:${agentPort}`, `${E}.${col}.1`, 'i', value]);
    const bad = await set(5, '3');
    // RFC 3416 §4.2.5: wrongValue (net-snmp's library alone answered v1's badValue).
    assert.match(bad.stderr + bad.stdout, /wrongValue/);
    assert.equal(await get(5), 'INTEGER: 2', 'the refused SET changed nothing');
    const ro = await set(11, '1');
    assert.match(ro.stderr + ro.stdout, /notWritable/);
    const ok = await set(5, '1');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /INTEGER: 1/);

    await waitFor('critAppOperStatus.1 up', async () => (await get(11)) === 'INTEGER: 1', 20_000, 300);
    pid = Number((await get(12)).replace('INTEGER: ', ''));
    assert.ok(pid > 0);
    const numRunning = await snmpget(`${OID.critAppNumRunning}.0`);
    assert.match(numRunning.stdout, /Gauge32: 1/);
    await waitFor('critAppProcStarted trap', () => trapd.output().includes(`${OID.critAppProcStarted}`), 15_000);
    assert.ok(trapd.output().includes(`${E}.12.1 = INTEGER: ${pid}`), trapd.output());

    process.kill(pid, 'SIGKILL');
    await waitFor('critAppProcExited trap', () => trapd.output().includes(`${OID.critAppProcExited}`), 15_000);
    await waitFor('critAppNotAllRunning trap', () => trapd.output().includes(`${OID.critAppNotAllRunning}`), 15_000);
    assert.ok(trapd.output().includes(`${E}.15.1 = INTEGER: 137`), trapd.output());
    assert.equal(await get(11), 'INTEGER: 2');
    assert.equal(await get(15), 'INTEGER: 137');
  } finally {
    await core?.stop();
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    trapd.run.child.kill('SIGTERM');
    await trapd.run.done;
    rmSync(dir, { recursive: true, force: true });
  }
});
