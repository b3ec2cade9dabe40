// The guide's CIAgent utilities (chapter 4) against a real ciagent: every getone, setany and
// getmany line the chapter prints is run as printed, with <location> = 127.0.0.1:PORT, and
// its result checked. critagt.cnf entry 1 is a real sipd started and stopped through our
// `sip` script; logagt.cnf watches its logs; smpop.cnf's launch C/D gracefully restarts it.
// traprcv (net-snmp's snmptrapd underneath) receives the agent's own traps and one the test
// sends. A second agent with the SHIPPED snmpd.cnf (read-only community) shows the
// readable refusal of a v2c set, and a port with no agent the readable timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO, freePort, makeServerRoot, requireTool, run, runBin, runTool, showRun, sleep, start, waitFor } from '../helpers/index.js';
import type { RunResult } from '../helpers/index.js';
import { restartableCiagent } from '../unit/agent/snmp-tools.js';
import { readPid } from '../../src/common/pidfile.js';

const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
const V3_AUTH = 'utilities-auth-pass';
const V3_PRIV = 'utilities-priv-pass';

/**
 * snmpd.cnf with the guide's community cspsAdmin allowed to write, from 127.0.0.1 only: the
 * commented write example of conf/snmpd.cnf with the guide's community name. Traps go to
 * traprcv on trapPort. An SNMPv3 user (authPriv, SHA-256 and AES) may read and write too.
 */
function writableSnmpdCnf(trapPort: number): string {
  return [
    'snmpCommunityEntry t0000001 cspsAdmin adminSec localSnmpID - localOnly nonVolatile',
    'snmpTargetAddrEntry localOnlyAddr snmpUDPDomain 127.0.0.1:0 100 3 localOnly - nonVolatile 255.255.255.255:0',
    'vacmSecurityToGroupEntry snmpv1 adminSec adminGroup nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c adminSec adminGroup nonVolatile',
    'vacmAccessEntry adminGroup - snmpv1 noAuthNoPriv exact All All All nonVolatile',
    'vacmAccessEntry adminGroup - snmpv2c noAuthNoPriv exact All All All nonVolatile',
    'vacmViewTreeFamilyEntry All internet - included nonVolatile',
    `snmpTargetAddrEntry traprcv snmpUDPDomain 127.0.0.1:${trapPort} 100 3 Console v2cTrapParams nonVolatile`,
    'snmpTargetParamsEntry v2cTrapParams 1 snmpv2c adminSec noAuthNoPriv nonVolatile',
    `usmUserEntry localSnmpID nmsUser sha256 aes nonVolatile "${V3_AUTH}" "${V3_PRIV}"`,
    'vacmSecurityToGroupEntry usm nmsUser v3AdminGroup nonVolatile',
    'vacmAccessEntry v3AdminGroup - usm authPriv exact All All All nonVolatile',
    '',
  ].join('\n');
}

/** Runs one line of the guide as printed, `<location>` replaced; the command is our bin/. */
function guide(line: string, location: string): Promise<RunResult> {
  const [command, ...args] = line.replace('<location>', location).split(' ');
  return runTool(command, args, { timeoutMs: 60_000 });
}

/** The value part of net-snmp's `NAME = TYPE: value` line for the one object a command printed. */
function valueOf(r: RunResult, name: string): string {
  assert.equal(r.code, 0, showRun(r));
  const line = r.stdout.split('\n').find((l) => l.includes(`::${name} = `));
  assert.ok(line, `no ${name} in\n${showRun(r)}`);
  return line.slice(line.indexOf(' = ') + 3);
}

test('chapter 4 as printed: getone/setany/getmany against ciagent drive a real sipd; traprcv prints the traps', async () => {
  requireTool('snmpget', 'snmp');
  requireTool('snmptrapd', 'snmptrapd');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ciagent-utilities-'));
  const sr = makeServerRoot(await freePort());
  const agentPort = await freePort();
  const trapPort = await freePort();
  const sip = `'${process.execPath}' '${path.join(BIN, 'sip')}'`;
  writeFileSync(path.join(dir, 'snmpd.cnf'), writableSnmpdCnf(trapPort));
  writeFileSync(
    path.join(dir, 'critagt.cnf'),
    `critAppProcEntry 1 sipd "${sip} start -f '${sr.conf}'" "${sip} stop -f '${sr.conf}'" 2 false 3000 true true true ${sr.pidFile}\n`,
  );
  writeFileSync(
    path.join(dir, 'logagt.cnf'),
    [
      'siLogGlobalPollInterval 1',
      `siLogEntry 1 "CSPS error log" ${sr.errorLog} - 2 0 0 0 - 2 0 5242880 - 1 1 2 csps 1`,
      `siLogEntry 2 "CSPS access log" ${sr.accessLog} - 2 0 0 0 - 2 0 5242880 - 1 1 2 csps 1`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'smpop.cnf'),
    [`smScriptEntry C D "Graceful restart of sipd" "${sip} graceful -f '${sr.conf}' && echo graceful-done" enabled`, 'smLaunchEntry C D C D - 1 3 6000 360000 enabled', ''].join('\n'),
  );
  writeFileSync(path.join(dir, 'eventagt.cnf'), '');

  // traprcv on an unprivileged port, as the test's trap sink, before the agent's coldStart.
  const traprcv = start(process.execPath, [path.join(BIN, 'traprcv'), '-p', String(trapPort)], 300_000);
  let traps = '';
  traprcv.child.stdout!.on('data', (d: Buffer) => (traps += d.toString()));
  const agent = restartableCiagent(dir, agentPort, SYS_UPTIME);
  const location = agent.target;
  try {
    await waitFor('traprcv to listen', () => traps.includes('NET-SNMP version'), 20_000);
    await agent.launch();
    await waitFor('coldStart at traprcv', () => /SNMPv2-MIB::snmpTrapOID\.0 = OID: SNMPv2-MIB::coldStart/.test(traps), 20_000);
    assert.match(traps, /, TRAP2, SNMP v2c, community cspsAdmin\n/, traps);

    // Configuring the Critical Application Subagent: status, commands, start, stop.
    const status = () => guide('getone -v2c <location> cspsAdmin critAppOperStatus.1', location).then((r) => valueOf(r, 'critAppOperStatus.1'));
    assert.equal(await status(), 'INTEGER: down(2)');
    assert.equal(
      valueOf(await guide('getone -v2c <location> cspsAdmin critAppStartCommand.1', location), 'critAppStartCommand.1'),
      `STRING: ${sip} start -f '${sr.conf}'`,
    );
    // The guide prints this line with spaces inside the brackets: "< location >".
    assert.equal(
      valueOf(await guide('getone -v2c <location> cspsAdmin critAppTerminateCommand.1', location), 'critAppTerminateCommand.1'),
      `STRING: ${sip} stop -f '${sr.conf}'`,
    );

    const up = await guide('setany -v2c <location> cspsAdmin critAppAdminStatus.1 1', location);
    assert.equal(valueOf(up, 'critAppAdminStatus.1'), 'INTEGER: up(1)');
    await waitFor('critAppOperStatus.1 up(1)', async () => (await status()) === 'INTEGER: up(1)', 60_000, 300);
    const pid = readPid(sr.pidFile);
    assert.ok(pid, 'sip start wrote sipd.pid');
    assert.equal(valueOf(await guide('getone -v2c <location> cspsAdmin critAppProcessId.1', location), 'critAppProcessId.1'), `INTEGER: ${pid}`);
    await waitFor('critAppProcStarted at traprcv', () => traps.includes('OID: CRITAPP-MIB::critAppProcStarted'), 20_000);
    assert.ok(traps.includes(`CRITAPP-MIB::critAppProcessId.1 = INTEGER: ${pid}`), traps);

    // Configuring the Script Subagent: the graceful restart, run by the agent; sipd keeps its pid.
    const graceful = await guide('setany -v2c <location> cspsAdmin smLaunchStart.1.67.1.68 0', location);
    assert.equal(valueOf(graceful, 'smLaunchStart."C"."D"'), 'INTEGER: 0');
    const result = await waitFor('the graceful run to terminate', async () => {
      const r = await runTool('getone', ['-v2c', location, 'cspsAdmin', 'smRunState.1.67.1.68.1', 'smRunExitCode.1.67.1.68.1', 'smRunResult.1.67.1.68.1']);
      return r.stdout.includes('= INTEGER: terminated(7)') ? r : undefined;
    }, 60_000, 300);
    assert.match(result.stdout, /smRunExitCode\."C"\."D"\.1 = INTEGER: noError\(1\)/, showRun(result));
    assert.match(result.stdout, /graceful-done/, showRun(result));
    assert.equal(readPid(sr.pidFile), pid, 'a graceful restart keeps the process');

    // Configuring the Log-File Subagent: the sizes of error_log and access_log.
    const logSize = async (line: string, name: string) => Number(/^Gauge32: (\d+) bytes$/.exec(valueOf(await guide(line, location), name))?.[1] ?? NaN);
    await waitFor('siLogSize.1 = the size of error_log', async () => (await logSize('getone -v2c <location> cspsAdmin siLogSize.1', 'siLogSize.1')) === statSync(sr.errorLog).size, 20_000, 300);
    const access = await logSize('getone -v2c <location> cspsAdmin siLogSize.2', 'siLogSize.2');
    assert.ok(Number.isInteger(access) && access >= 0, `siLogSize.2 ${access}`);

    // Configuring the Event MIB Subagent: the load it watches.
    const load = Number(/^INTEGER: (\d+)$/.exec(valueOf(await guide('getone -v2c <location> cspsAdmin hrProcessorLoad.1', location), 'hrProcessorLoad.1'))?.[1]);
    assert.ok(load >= 0 && load <= 100, `hrProcessorLoad.1 ${load}`);

    // Checking System Status and Components.
    const memory = await guide('getmany -v2c <location> cspsAdmin hrMemorySize', location);
    assert.match(valueOf(memory, 'hrMemorySize.0'), /^INTEGER: [1-9]\d* KBytes$/);
    const storage = await guide('getmany -v2c <location> cspsAdmin hrStorageEntry', location);
    assert.equal(storage.code, 0, showRun(storage));
    const descrs = storage.stdout.split('\n').filter((l) => l.startsWith('HOST-RESOURCES-MIB::hrStorageDescr.'));
    assert.ok(descrs.length >= 2, showRun(storage));
    assert.match(storage.stdout, /hrStorageType\.\d+ = OID: HOST-RESOURCES-TYPES::hrStorageRam$/m);
    assert.match(storage.stdout, /hrStorageSize\.\d+ = INTEGER: \d+$/m);
    // Printed "if Table" in the guide.
    const ifs = await guide('getmany -v2c <location> cspsAdmin ifTable', location);
    assert.match(ifs.stdout, /^IF-MIB::ifDescr\.\d+ = STRING: lo$/m, showRun(ifs));
    assert.match(ifs.stdout, /^IF-MIB::ifOperStatus\.\d+ = INTEGER: up\(1\)$/m, showRun(ifs));
    assert.match(ifs.stdout, /^IF-MIB::ifMtu\.\d+ = INTEGER: \d+$/m, showRun(ifs));
    const installed = await guide('getmany -v2c <location> cspsAdmin sysApplInstalled', location);
    assert.match(installed.stdout, /^SYSAPPL-MIB::sysApplInstallPkgProductName\.1 = STRING: OpenSPS$/m, showRun(installed));
    assert.match(installed.stdout, /^SYSAPPL-MIB::sysApplInstallPkgVersion\.1 = STRING: \d+\.\d+\.\d+/m, showRun(installed));
    // Printed "sysAppRun": read as SYSAPPL-MIB's sysApplRun group, where sipd's process gets a
    // row at the agent's next scan of the process list (every 15 s).
    const sipdRow = new RegExp(`^SYSAPPL-MIB::sysApplRunCurrentState\\.\\d+\\.${pid} = `, 'm');
    const running = await waitFor('sipd in sysApplRunTable', async () => {
      const r = await guide('getmany -v2c <location> cspsAdmin sysAppRun', location);
      assert.equal(r.code, 0, showRun(r));
      return sipdRow.test(r.stdout) ? r : undefined;
    }, 45_000, 1000);
    assert.match(running.stdout, new RegExp(`^SYSAPPL-MIB::sysApplRunCurrentState\\.\\d+\\.${pid} = INTEGER: (running\\(1\\)|runnable\\(2\\)|waiting\\(3\\))$`, 'm'), showRun(running));
    for (const [line, value] of [
      ['getmany -v2c <location> cspsAdmin sysApplInstallPkgProductName', /^SYSAPPL-MIB::sysApplInstallPkgProductName\.1 = STRING: OpenSPS$/m],
      ['getmany -v2c <location> cspsAdmin sysApplInstallPkgDate', /^SYSAPPL-MIB::sysApplInstallPkgDate\.1 = STRING: \d{4}-\d{1,2}-\d{1,2},/m],
      ['getmany -v2c <location> cspsAdmin sysApplInstallPkgLocation', new RegExp(`^SYSAPPL-MIB::sysApplInstallPkgLocation\\.1 = STRING: ${REPO.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm')],
    ] as const) {
      const r = await guide(line, location);
      assert.equal(r.code, 0, showRun(r));
      assert.match(r.stdout, value, `${line}\n${showRun(r)}`);
      assert.equal(r.stdout.trim().split('\n').length, 1, `${line}: one installed package\n${showRun(r)}`);
    }

    // Stop it again.
    const down = await guide('setany -v2c <location> cspsAdmin critAppAdminStatus.1 2', location);
    assert.equal(valueOf(down, 'critAppAdminStatus.1'), 'INTEGER: down(2)');
    await waitFor('critAppOperStatus.1 down(2)', async () => (await status()) === 'INTEGER: down(2)', 60_000, 300);
    assert.equal(readPid(sr.pidFile), undefined, 'sip stop removed sipd.pid');
    await waitFor('critAppProcExited at traprcv', () => traps.includes('OID: CRITAPP-MIB::critAppProcExited'), 20_000);

    // An enumeration label works as well as its number; -v1 runs too (snmpwalk for getmany).
    const label = await runTool('setany', ['-v1', location, 'cspsAdmin', 'critAppRestartOnExit.1', 'true']);
    assert.match(valueOf(label, 'critAppRestartOnExit.1'), /^INTEGER: true\(1\)$/);
    const v1walk = await runTool('getmany', ['-v1', location, 'cspsAdmin', 'critAppProcName']);
    assert.equal(valueOf(v1walk, 'critAppProcName.1'), 'STRING: sipd');

    // A trap the test sends: the accepted community is printed, another is not.
    const snmptrap = requireTool('snmptrap', 'snmp');
    const send = (community: string, descr: string) =>
      run(snmptrap, ['-v2c', '-c', community, '-M', `${path.join(REPO, 'mibs', 'base')}:${path.join(REPO, 'mibs')}`, '-m', 'ALL', `127.0.0.1:${trapPort}`, '', 'siLogMaxSizeReached', 'siLogDescr.7', 's', descr], 20_000);
    assert.equal((await send('intruder', 'not-for-display')).code, 0);
    assert.equal((await send('cspsAdmin', 'test-trap-from-snmptrap')).code, 0);
    await waitFor('the test trap at traprcv', () => traps.includes('test-trap-from-snmptrap'), 20_000);
    assert.match(traps, /snmpTrapOID\.0 = OID: LOG-MIB::siLogMaxSizeReached\n {2}LOG-MIB::siLogDescr\.7 = STRING: "?test-trap-from-snmptrap"?\n/, traps);
    assert.ok(!traps.includes('not-for-display'), `a trap with another community was printed:\n${traps}`);

    // SNMPv3: net-snmp's options passed through, the user as an option or in the community's place.
    const v3 = ['-l', 'authPriv', '-a', 'SHA-256', '-A', V3_AUTH, '-x', 'AES', '-X', V3_PRIV];
    assert.equal(valueOf(await runTool('getone', ['-v3', '-u', 'nmsUser', ...v3, location, 'critAppOperStatus.1']), 'critAppOperStatus.1'), 'INTEGER: down(2)');
    assert.equal(valueOf(await runTool('setany', ['-v3', ...v3, location, 'nmsUser', 'critAppRestartOnExit.1', '2']), 'critAppRestartOnExit.1'), 'INTEGER: false(2)');
    const badPass = await runTool('getone', ['-v3', '-u', 'nmsUser', '-l', 'authPriv', '-a', 'SHA-256', '-A', 'not-the-passphrase', '-x', 'AES', '-X', V3_PRIV, '-t', '1', '-r', '0', location, 'sysUpTime.0']);
    assert.equal(badPass.code, 1, showRun(badPass));
    assert.match(badPass.stderr, /getone: the agent refused SNMPv3 user "nmsUser"/, showRun(badPass));

    // A name no MIB defines: exit 1, and where the names were looked for.
    const unknown = await runTool('getone', ['-v2c', location, 'cspsAdmin', 'critAppOperStatos.1']);
    assert.equal(unknown.code, 1, showRun(unknown));
    assert.match(unknown.stderr, /unknown object name 'critAppOperStatos\.1': no MIB module in \S*mibs\b/, showRun(unknown));

    // A read-only object: the MIB says so.
    const ro = await runTool('setany', ['-v2c', location, 'cspsAdmin', 'critAppOperStatus.1', '1']);
    assert.equal(ro.code, 1, showRun(ro));
    assert.match(ro.stderr, /notWritable/);
    assert.match(ro.stderr, /setany: critAppOperStatus\.1 cannot be written: its MIB makes it read-only\./, showRun(ro));

    // traprcv ends cleanly on SIGTERM.
    traprcv.child.kill('SIGTERM');
    const end = await traprcv.done;
    assert.equal(end.code, 0, showRun(end));
  } finally {
    await runBin('sip', ['stop', '-f', sr.conf], 30_000);
    await agent.kill();
    // SIGTERM, so that traprcv stops its snmptrapd (a SIGKILL would leave that behind).
    traprcv.child.kill('SIGTERM');
    if (!(await Promise.race([traprcv.done.then(() => true), sleep(10_000).then(() => false)]))) traprcv.child.kill('SIGKILL');
    sr.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shipped snmpd.cnf: a v2c setany is refused with the reason and the way to write; no agent: the timeout explained', async () => {
  requireTool('snmpset', 'snmp');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ciagent-utilities-ro-'));
  const agentPort = await freePort();
  copyFileSync(path.join(REPO, 'conf', 'snmpd.cnf'), path.join(dir, 'snmpd.cnf'));
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'critagt.cnf'), 'critAppProcEntry 1 sipd "true" "true" 2 false 3000 true true true\n');
  const agent = restartableCiagent(dir, agentPort, SYS_UPTIME);
  try {
    await agent.launch();
    const read = await runTool('getone', ['-v2c', agent.target, 'cspsAdmin', 'critAppOperStatus.1']);
    assert.equal(valueOf(read, 'critAppOperStatus.1'), 'INTEGER: down(2)');

    const set = await runTool('setany', ['-v2c', agent.target, 'cspsAdmin', 'critAppAdminStatus.1', '1']);
    assert.equal(set.code, 1, showRun(set));
    assert.equal(set.stdout, '');
    assert.match(set.stderr, /Reason: noAccess/, showRun(set));
    assert.match(set.stderr, /setany: the agent refused the write: community "cspsAdmin" may read but not write\. The shipped snmpd\.cnf gives cspsAdmin read access only/, showRun(set));
    assert.match(set.stderr, /docs\/snmp-agent\.md, "Granting write access"/);

    const v1 = await runTool('setany', ['-v1', agent.target, 'cspsAdmin', 'critAppAdminStatus.1', 'up']);
    assert.equal(v1.code, 1, showRun(v1));
    // SNMPv1 answers noSuchName for both a missing instance and a refused write: both are said.
    assert.match(v1.stderr, /setany: either the agent has no such instance, or .* the agent refused the write: community "cspsAdmin" may read but not write/, showRun(v1));
    assert.equal(valueOf(await runTool('getone', [agent.target, 'cspsAdmin', 'critAppAdminStatus.1']), 'critAppAdminStatus.1'), 'INTEGER: down(2)', 'nothing was written');
  } finally {
    await agent.kill();
  }

  // The same port with the agent gone: net-snmp's timeout, then what to check.
  const gone = await runTool('getone', ['-v2c', '-t', '1', '-r', '0', agent.target, 'cspsAdmin', 'critAppOperStatus.1']);
  assert.equal(gone.code, 1, showRun(gone));
  assert.match(gone.stderr, /^Timeout: No Response from /m, showRun(gone));
  assert.match(gone.stderr, new RegExp(`getone: the agent did not answer at ${agent.target.replace(/\./g, '\\.')}\\. Check that ciagent is running there`), showRun(gone));
  rmSync(dir, { recursive: true, force: true });
});

test('traprcv on a port another receiver holds: exit 1 and why', async () => {
  requireTool('snmptrapd', 'snmptrapd');
  const port = await freePort();
  const first = start(process.execPath, [path.join(BIN, 'traprcv'), '-p', String(port)], 120_000);
  let out = '';
  first.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitFor('the first traprcv to listen', () => out.includes('NET-SNMP version'), 20_000);
    const second = await runTool('traprcv', [`127.0.0.1:${port}`], { timeoutMs: 30_000 });
    assert.equal(second.code, 1, showRun(second));
    assert.match(second.stderr, new RegExp(`traprcv: 127\\.0\\.0\\.1:${port} is taken: another trap receiver`), showRun(second));
  } finally {
    first.child.kill('SIGTERM');
    await first.done;
  }
});
