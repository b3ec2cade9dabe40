// The guide's graceful restart over SNMP: `setany … smLaunchStart.1.67.1.68 0`, done with
// Net-SNMP's snmpset against the agent core running the Script MIB module, with a
// registered command that runs our real `sip graceful` on a real sipd. snmptrapd receives
// smScriptResult; a press naming a run index in use is refused with inconsistentValue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentCore } from '../../src/agent/core.js';
import { createScriptModule } from '../../src/agent/mibs/script.js';
import { readPid } from '../../src/server/pidfile.js';
import { BIN, REPO, freePort, makeServerRoot, runBin, waitFor } from '../helpers/index.js';
import { lines, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';

const LAUNCH_START = '1.3.6.1.2.1.64.1.4.1.1.10.1.67.1.68';
const RUN = (column: number, run: number) => `1.3.6.1.2.1.64.1.4.2.1.${column}.1.67.1.68.${run}`;

test('guide: setany … smLaunchStart.1.67.1.68 0 runs `sip graceful` (snmpset, smRunTable, smScriptResult to snmptrapd)', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'smagt-it-'));
  const sr = makeServerRoot(await freePort());
  const trapPort = await freePort();
  const agentPort = await freePort();
  const configDir = path.join(root, 'conf');
  mkdirSync(configDir);
  writeFileSync(path.join(configDir, 'snmpd.cnf'), trapSinkSnmpdCnf(trapPort));
  const sip = `'${process.execPath}' '${path.join(BIN, 'sip')}'`;
  writeFileSync(
    path.join(configDir, 'smpop.cnf'),
    [
      `smScriptEntry C D "Graceful restart of sipd" "${sip} graceful -f '${sr.conf}' && echo graceful-done" enabled`,
      'smLaunchEntry C D C D - 1 3 6000 360000 enabled',
      '',
    ].join('\n'),
  );
  const trapd = await startTrapd(root, trapPort);
  const logs: string[] = [];
  let core: AgentCore | undefined;
  try {
    core = await AgentCore.create({
      rootDir: root, configDir, dataDir: path.join(root, 'data'), address: '127.0.0.1', port: agentPort,
      mibDirs: [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')], log: (l, m) => logs.push(`${l}: ${m}`),
    });
    const failed = await core.startModules([createScriptModule()]);
    assert.deepEqual(failed, [], logs.join('\n'));
    const target = `127.0.0.1:${agentPort}`;

    // smLangTable has the sh row; smScriptSource reads as the registered command.
    const lang = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, '1.3.6.1.2.1.64.1.1.1.2.1']);
    assert.match(lang.stdout, /OID: \.1\.3\.6\.1\.4\.1\.32473\.3\.1$/m, lang.stdout + lang.stderr);

    const set = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', target, LAUNCH_START, 'i', '0']);
    assert.equal(set.code, 0, set.stdout + set.stderr);
    assert.match(set.stdout, /INTEGER: 0/);
    const first = await waitFor('run 1 to terminate', async () => {
      const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, RUN(10, 1), RUN(7, 1), RUN(8, 1), LAUNCH_START]);
      return /INTEGER: 7$/m.test(lines(r.stdout)[0]?.[1] ?? '') ? { vbs: lines(r.stdout), text: r.stdout } : undefined;
    }, 60_000, 250);
    assert.equal(first.vbs[1][1], 'INTEGER: 1', `exit code noError; ${logs.join('\n')}`);
    assert.match(first.text, /STRING: "sip: [^]*graceful-done/, 'smRunResult is what the script printed');
    assert.equal(first.vbs[first.vbs.length - 1][1], 'INTEGER: 1', 'smLaunchStart reads the last run index');
    const pid = await waitFor('sipd started by sip graceful', () => readPid(sr.pidFile), 30_000);

    // smScriptResult reached the trap sink with smRunResult of run 1.
    await waitFor('smScriptResult at snmptrapd', () => trapd.output().includes('.1.3.6.1.2.1.64.2.0.2'), 20_000);
    assert.match(trapd.output(), new RegExp(`${RUN(8, 1).replace(/\./g, '\\.')} = STRING: "sip: [^"]*graceful-done`));

    // A non-zero run index that is in use is refused (inconsistentValue).
    const inUse = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', target, LAUNCH_START, 'i', '1']);
    assert.notEqual(inUse.code, 0);
    assert.match(inUse.stderr + inUse.stdout, /inconsistentValue/);

    // Second press: sipd is running, graceful keeps its pid.
    const again = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', target, LAUNCH_START, 'i', '0']);
    assert.equal(again.code, 0, again.stderr);
    const second = await waitFor('run 2 to terminate', async () => {
      const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, RUN(10, 2), RUN(7, 2)]);
      return /INTEGER: 7$/.test(lines(r.stdout)[0]?.[1] ?? '') ? lines(r.stdout) : undefined;
    }, 60_000, 250);
    assert.equal(second[1][1], 'INTEGER: 1');
    assert.equal(readPid(sr.pidFile), pid, 'a graceful restart keeps the sipd process');

    // Commands never come from the network.
    const src = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', target, '1.3.6.1.2.1.64.1.3.1.5.1.67.1.68', 's', 'rm -rf /']);
    assert.notEqual(src.code, 0);
    assert.match(src.stderr + src.stdout, /notWritable|noCreation|noAccess/);
    const create = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', target, '1.3.6.1.2.1.64.1.3.1.9.1.88.1.89', 'i', '4']);
    assert.notEqual(create.code, 0, 'no script rows created over SNMP');
  } finally {
    await core?.stop();
    await trapd.stop();
    await runBin('sip', ['stop', '-f', sr.conf], 30_000);
    sr.remove();
    rmSync(root, { recursive: true, force: true });
  }
});
