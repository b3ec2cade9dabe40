// Helpers for the agent tests: Net-SNMP's command-line tools (Debian package "snmp")
// against an agent on 127.0.0.1, always with a time limit.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, requireTool, run, start, waitFor } from '../../helpers/index.js';
import type { RunResult, Running } from '../../helpers/index.js';

export type SnmpTool = 'snmpget' | 'snmpgetnext' | 'snmpbulkget' | 'snmpbulkwalk' | 'snmpwalk' | 'snmpset';

/** Run a tool with numeric output (-On) and no MIB files; 2 s timeout, 1 retry unless args give -t/-r. */
export function snmp(tool: SnmpTool, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  const bin = requireTool(tool, 'snmp');
  const defaults = args.includes('-t') ? [] : ['-t', '2', '-r', '1'];
  return run(bin, ['-m', '', '-On', ...defaults, ...args], timeoutMs);
}

/** `OID = TYPE: value` lines of -On output as [oid, rest] pairs. */
export function lines(out: string): Array<[string, string]> {
  return out
    .split('\n')
    .filter((l) => l.startsWith('.'))
    .map((l) => {
      const i = l.indexOf(' = ');
      return [l.slice(0, i), l.slice(i + 3)] as [string, string];
    });
}

/** snmpd.cnf giving community cspsAdmin full v2c access (read and write), and no trap target. */
export function adminSnmpdCnf(): string {
  return [
    'snmpCommunityEntry t0000001 cspsAdmin proxySec localSnmpID - - nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c proxySec proxyGroup nonVolatile',
    'vacmAccessEntry proxyGroup - snmpv2c noAuthNoPriv exact All All All nonVolatile',
    'vacmViewTreeFamilyEntry All internet - included nonVolatile',
    '',
  ].join('\n');
}

/** eventagt.cnf with one threshold trigger "cpuLoad" on `cpuOid` (sampled every 20 s, absolute,
 *  startup alarm 'rising' so a quiet first sample sends nothing) and events "up" and "down"
 *  sending mteTriggerRising / mteTriggerFalling. */
export function cpuThresholdEventagtCnf(cpuOid: string, rising: number, falling: number): string {
  return [
    `mteTriggerEntry test cpuLoad "CPU load" 20 1 ${cpuOid} 2 - - 2 1u - - 1 1`,
    `mteTriggerThresholdEntry 1 ${rising} ${falling} 0 0 - - test up test down - - - - test cpuLoad`,
    'mteEventEntry up "load rising" 80 1 1 test',
    'mteEventEntry down "load falling" 80 1 1 test',
    'mteEventNotificationEntry 0.0 - - test up',
    'mteEventNotificationEntry 0.0 - - test down',
    '',
  ].join('\n');
}

/** snmpd.cnf giving community cspsAdmin full access and sending v2c traps to 127.0.0.1:trapPort. */
export function trapSinkSnmpdCnf(trapPort: number): string {
  return [
    adminSnmpdCnf().trimEnd(),
    `snmpTargetAddrEntry sink snmpUDPDomain 127.0.0.1:${trapPort} 100 3 Console v2cParams nonVolatile`,
    'snmpTargetParamsEntry v2cParams 1 snmpv2c proxySec noAuthNoPriv nonVolatile',
    '',
  ].join('\n');
}

export interface Trapd {
  readonly run: Running;
  /** Everything snmptrapd printed so far: each notification with numeric OIDs. */
  output(): string;
  stop(): Promise<void>;
}

/** One line per notification: `TRAP <version and community>: varbind~ varbind…` (snmptrapd -F). */
export const ONE_LINE_FORMAT = 'TRAP %P: %V~ %v\n';

/**
 * snmptrapd (Debian package snmptrapd) on udp:127.0.0.1:port, resolved once it listens.
 * `format` is snmptrapd's -F (e.g. ONE_LINE_FORMAT, which names the community). `conf` adds
 * snmptrapd.conf lines (createUser …); it also keeps snmptrapd's persistent state (its engine
 * ID and boots) in `dir`/snmptrapd-state.
 */
export async function startTrapd(dir: string, port: number, format?: string, conf: readonly string[] = []): Promise<Trapd> {
  const bin = requireTool('snmptrapd', 'snmptrapd');
  const file = path.join(dir, 'snmptrapd.conf');
  writeFileSync(file, ['disableAuthorization yes', ...conf, ''].join('\n'));
  const args = ['-f', '-Lo', '-On', '-n', '-m', '', '-M', '/nonexistent', '-C', '-c', file, '-p', path.join(dir, `snmptrapd-${port}.pid`), ...(format ? ['-F', format] : []), `udp:127.0.0.1:${port}`];
  const r = start(bin, args, 180_000, conf.length > 0 ? { env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(dir, 'snmptrapd-state') } } : {});
  let out = '';
  r.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async () => {
    r.child.kill('SIGTERM');
    await r.done;
  };
  try {
    await waitFor('snmptrapd listening', () => /NET-SNMP version/i.test(out), 20_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { run: r, output: () => out, stop };
}

/**
 * A ciagent in the foreground over `dir` (its .cnf files, data/, pid and log file), on
 * 127.0.0.1:`port`, that a test can stop and start again to see what survives a restart.
 * `probe` is an OID the agent answers once it is ready; `extraArgs` go on ciagent's command
 * line (e.g. `--agentx SOCKET`).
 */
export function restartableCiagent(dir: string, port: number, probe: string, extraArgs: readonly string[] = []) {
  const target = `127.0.0.1:${port}`;
  const pidFile = path.join(dir, 'ciagent.pid');
  const logFile = path.join(dir, 'ciagent_log');
  let agent: Running | undefined;
  return {
    target,
    logFile,
    /** Start it and wait until it answers `probe`. */
    async launch(): Promise<void> {
      agent = start(process.execPath, [path.join(BIN, 'ciagent'), '-f', '--config-dir', dir, '--data-dir', path.join(dir, 'data'), '--listen', `udp:${target}`, '--pid-file', pidFile, '--log-file', logFile, ...extraArgs], 600_000);
      await waitFor('the pid file', () => existsSync(pidFile), 30_000);
      await waitFor('ciagent to answer', async () => (await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', '-t', '1', '-r', '0', target, probe])).code === 0, 20_000, 250);
    },
    /** Stop it with SIGTERM; it must exit 0. */
    async halt(): Promise<void> {
      agent?.child.kill('SIGTERM');
      const end = await agent?.done;
      agent = undefined;
      assert.equal(end?.code, 0, end?.stderr);
    },
    signal(sig: NodeJS.Signals): void {
      assert.ok(agent, 'ciagent is not running');
      agent.child.kill(sig);
    },
    /** For finally blocks: SIGKILL whatever is still running. */
    async kill(): Promise<void> {
      if (!agent) return;
      agent.child.kill('SIGKILL');
      await agent.done;
      agent = undefined;
    },
    /** snmpset as cspsAdmin over v2c; must succeed. */
    async set(...vbs: string[]): Promise<void> {
      const r = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', target, ...vbs]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
    },
  };
}
