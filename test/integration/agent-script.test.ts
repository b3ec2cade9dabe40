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
import { createScriptModule } from '../../src/agent/mibs/script/index.js';
import { createEventModule } from '../../src/agent/mibs/event/index.js';
import { readPid } from '../../src/common/pidfile.js';
import { BIN, REPO, freePort, makeServerRoot, requireTool, run, runBin, waitFor } from '../helpers/index.js';
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

test('walks of DISMAN-EVENT-MIB and DISMAN-SCRIPT-MIB: increasing OIDs, only readable objects of the MIBs, RFC index encodings', async () => {
  const tool = requireTool('snmptranslate', 'snmp');
  const root = mkdtempSync(path.join(os.tmpdir(), 'disman-walk-'));
  const agentPort = await freePort();
  const configDir = path.join(root, 'conf');
  mkdirSync(configDir);
  writeFileSync(path.join(configDir, 'snmpd.cnf'), trapSinkSnmpdCnf(await freePort()));
  // Every table populated: a trigger with its four extension rows, an objects row, an event
  // with its two extension rows, a script, a launch button and (after a press) a run.
  writeFileSync(path.join(configDir, 'eventagt.cnf'), [
    'mteTriggerEntry own trig - 20 1 1.3.6.1.2.1.1.3.0 2 - - 2 600u - - 2 1',
    'mteTriggerThresholdEntry 3 50 10 0 0 - - own ev - - - - - - own trig',
    'mteObjectsEntry objs 1 1.3.6.1.2.1.1.1.0 2 1 own',
    'mteEventEntry ev - 80 1 1 own',
    '',
  ].join('\n'));
  writeFileSync(path.join(configDir, 'smpop.cnf'), ['smScriptEntry C D "echo" "echo walked" enabled', 'smLaunchEntry C D C D - 1 3 6000 360000 enabled', ''].join('\n'));
  const logs: string[] = [];
  let core: AgentCore | undefined;
  try {
    core = await AgentCore.create({
      rootDir: root, configDir, dataDir: path.join(root, 'data'), address: '127.0.0.1', port: agentPort,
      mibDirs: [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')], log: (l, m) => logs.push(`${l}: ${m}`),
    });
    assert.deepEqual(await core.startModules([createEventModule(), createScriptModule()]), [], logs.join('\n'));
    const target = `127.0.0.1:${agentPort}`;
    // The tables registered hold exactly the columns the MIB defines (no stand-ins for
    // index objects of other tables, not even not-accessible ones).
    let tables = 0;
    for (const p of Object.values(core.agent.mib.providers)) {
      const mod = p.oid.startsWith('1.3.6.1.2.1.88.') ? 'DISMAN-EVENT-MIB' : p.oid.startsWith('1.3.6.1.2.1.64.') ? 'DISMAN-SCRIPT-MIB' : undefined;
      if (!mod || !p.tableColumns) continue;
      const mib = core.mibs.tableProvider(mod, p.name);
      assert.deepEqual(p.tableColumns.map((c) => `${c.number} ${c.name}`), (mib.tableColumns ?? []).map((c) => `${c.number} ${c.name}`), p.name);
      tables++;
    }
    assert.equal(tables, 13, 'nine DISMAN-EVENT and four DISMAN-SCRIPT tables');
    const press = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', target, LAUNCH_START, 'i', '0']);
    assert.equal(press.code, 0, press.stdout + press.stderr);
    await waitFor('run 1 to terminate', async () => /INTEGER: 7$/.test(lines((await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, RUN(10, 1)])).stdout)[0]?.[1] ?? ''), 30_000, 250);

    // (a walk that reaches the end of the MIB prints its last OID once more, as endOfMibView)
    const walk = async (base: string) => lines((await snmp('snmpbulkwalk', ['-v2c', '-c', 'cspsAdmin', target, base])).stdout).filter(([, v]) => !/No more variables/.test(v)).map(([o]) => o);
    const walks = [await walk('1.3.6.1.2.1.64'), await walk('1.3.6.1.2.1.88')];
    const oids = walks.flat();
    assert.ok(oids.length > 80, `${oids.length} instances`);
    const num = (o: string) => o.slice(1).split('.').map(Number);
    for (const w of walks) {
      for (let i = 1; i < w.length; i++) {
        const [a, b] = [num(w[i - 1]), num(w[i])];
        const k = a.findIndex((x, j) => x !== b[j]);
        assert.ok(k >= 0 ? a[k] < b[k] : a.length < b.length, `not increasing: ${w[i - 1]} then ${w[i]}`);
      }
    }
    const mibDirs = `${path.join(REPO, 'mibs')}:${path.join(REPO, 'mibs', 'base')}`;
    const mods = 'DISMAN-EVENT-MIB:DISMAN-SCRIPT-MIB';
    // -OS decodes each instance by its table's INDEX clause: a column outside the MIB has no
    // name, and a wrong index encoding shows in the decoded index.
    const r = await run(tool, ['-M', mibDirs, '-m', mods, '-OS', ...oids], 60_000);
    assert.equal(r.code, 0, r.stderr);
    const decoded = r.stdout.split('\n').filter(Boolean);
    assert.equal(decoded.length, oids.length);
    const names = new Set<string>();
    for (const line of decoded) {
      const m = /^(DISMAN-EVENT-MIB|DISMAN-SCRIPT-MIB)::([A-Za-z]+)(\..+)?$/.exec(line);
      assert.ok(m && !/(Entry|Table)$/.test(m[2]), `not an object of the MIBs: ${line}`);
      names.add(m[2]);
    }
    for (const want of ['DISMAN-EVENT-MIB::mteTriggerThresholdRising."own".\'trig\'', 'DISMAN-EVENT-MIB::mteObjectsID."own"."objs".1', 'DISMAN-EVENT-MIB::mteEventNotification."own".\'ev\'',
      'DISMAN-EVENT-MIB::mteEventSetValue."own".\'ev\'', 'DISMAN-EVENT-MIB::mteTriggerDeltaDiscontinuityID."own".\'trig\'', 'DISMAN-SCRIPT-MIB::smRunState."C"."D".1']) {
      assert.ok(decoded.includes(want), `${want} is not among the walked instances`);
    }
    const defs = await run(tool, ['-M', mibDirs, '-m', mods, '-Td', ...[...names].map((n) => `${n.startsWith('sm') ? 'DISMAN-SCRIPT-MIB' : 'DISMAN-EVENT-MIB'}::${n}`)], 60_000);
    const access = [...defs.stdout.matchAll(/MAX-ACCESS\s+([a-z-]+)/g)].map((x) => x[1]);
    assert.equal(access.length, names.size, defs.stderr);
    assert.deepEqual(access.filter((a) => !/^read-(only|write|create)$/.test(a)), [], 'every walked object is readable in the MIB');
  } finally {
    await core?.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
