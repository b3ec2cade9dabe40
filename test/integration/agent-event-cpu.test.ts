// The guide's use of the Event MIB: eventagt watches hrProcessorLoad.1 against rising and
// falling thresholds and traps when the CPU load crosses them. A real `ciagent -f` (all
// modules, hrProcessorLoad averaged over 10 s via --load-window) and real CPU burners: busy
// loops on every core until mteTriggerRising reaches snmptrapd, then mteTriggerFalling once they
// stop. The burners run at nice 19 (nice time counts as busy, so the CPUs are fully loaded
// while other work on a shared machine still goes first) and end by themselves after 90 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, freePort, sleep, start, waitFor } from '../helpers/index.js';
import type { Running } from '../helpers/index.js';
import { cpuThresholdEventagtCnf, lines, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';

const HR_PROCESSOR_LOAD_1 = '1.3.6.1.2.1.25.3.3.1.2.1';
const E = '1.3.6.1.2.1.88';
const RISING = `.${E}.2.0.2`;
const FALLING = `.${E}.2.0.3`;
const HOT_VALUE = new RegExp(`\\.${E.replace(/\./g, '\\.')}\\.2\\.1\\.5\\.0 = INTEGER: (\\d+)`);

/** Busy percentage of cpu0 (hrProcessorLoad.1) over `ms`, from /proc/stat. */
async function cpu0Busy(ms: number): Promise<number> {
  const sample = () => {
    const f = /^cpu0\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1].trim().split(/\s+/).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  };
  const a = sample();
  await sleep(ms);
  const b = sample();
  return b.total > a.total ? (100 * (b.busy - a.busy)) / (b.total - a.total) : 0;
}

const trapsOf = (out: string, oid: string) => out.split('\n').filter((l) => l.includes(`.1.3.6.1.6.3.1.1.4.1.0 = OID: ${oid}`));

test('eventagt on hrProcessorLoad.1: a CPU burner brings mteTriggerRising, stopping it mteTriggerFalling', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'event-cpu-'));
  const trapPort = await freePort();
  const port = await freePort();
  // Thresholds above what the shared machine does anyway (other tests, other users): the
  // burners take cpu0 to ~100% whatever else runs, and falling sits well above the quiet load.
  // A very busy machine gets a little time (bounded) to calm down first.
  let baseline = await cpu0Busy(5000);
  for (let i = 0; i < 3 && baseline > 65; i++) baseline = await cpu0Busy(5000);
  const falling = Math.round(Math.min(80, Math.max(40, baseline + 25)));
  const rising = 92;
  writeFileSync(path.join(dir, 'snmpd.cnf'), trapSinkSnmpdCnf(trapPort));
  writeFileSync(path.join(dir, 'eventagt.cnf'), cpuThresholdEventagtCnf(HR_PROCESSOR_LOAD_1, rising, falling));
  const trapd = await startTrapd(dir, trapPort);
  const burners: ChildProcess[] = [];
  let agent: Running | undefined;
  const stopBurners = () => {
    for (const b of burners.splice(0)) b.kill('SIGKILL');
  };
  // hrProcessorLoad.1 as the agent reports it, polled while we wait (for failure messages).
  const loads: string[] = [];
  const poll = async () => {
    const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', `127.0.0.1:${port}`, HR_PROCESSOR_LOAD_1]);
    loads.push(lines(r.stdout)[0]?.[1]?.replace('INTEGER: ', '') ?? '?');
  };
  let checks = 0;
  const waitTrap = (what: string, oid: string, ms: number) =>
    waitFor(what, async () => {
      if (checks++ % 8 === 0) await poll();
      return trapsOf(trapd.output(), oid)[0];
    }, ms, 250).catch((e: Error) => assert.fail(`${e.message}\n${context()}`));
  const context = () => `baseline cpu0 ${baseline.toFixed(0)}%, thresholds ${rising}/${falling}, hrProcessorLoad.1 seen: ${loads.join(' ')}\nsnmptrapd:\n${trapd.output()}`;
  try {
    agent = start(process.execPath, [
      path.join(BIN, 'ciagent'), '-f', '--config-dir', dir, '--data-dir', path.join(dir, 'data'), '--listen', `udp:127.0.0.1:${port}`,
      '--pid-file', path.join(dir, 'ciagent.pid'), '--log-file', path.join(dir, 'ciagent_log'), '--load-window', '10',
    ], 200_000);
    await waitFor('ciagent to start', () => trapsOf(trapd.output(), '.1.3.6.1.6.3.1.1.5.1').length > 0 || agent!.child.exitCode !== null, 60_000);
    assert.equal(agent.child.exitCode, null, agent.child.exitCode !== null ? readFileSync(path.join(dir, 'ciagent_log'), 'utf8') : '');
    assert.equal(trapsOf(trapd.output(), RISING).length, 0, `no rising event before the burners run\n${context()}`);

    for (let i = 0; i < os.availableParallelism(); i++) {
      const b = spawn(process.execPath, ['-e', 'const end = Date.now() + 90000; while (Date.now() < end) {}'], { stdio: 'ignore' });
      if (b.pid) os.setPriority(b.pid, 19);
      burners.push(b);
    }
    const risingTrap = await waitTrap('mteTriggerRising while the CPUs burn', RISING, 60_000);
    assert.ok(Number(HOT_VALUE.exec(risingTrap)?.[1]) >= rising, `${risingTrap}\n${context()}`);
    assert.match(risingTrap, new RegExp(`OID: \\.${HR_PROCESSOR_LOAD_1.replace(/\./g, '\\.')}`));

    stopBurners();
    loads.push('| stopped');
    const fallingTrap = await waitTrap('mteTriggerFalling after the burners stop', FALLING, 75_000);
    assert.ok(Number(HOT_VALUE.exec(fallingTrap)?.[1]) <= falling, `${fallingTrap}\n${context()}`);
    assert.equal(trapsOf(trapd.output(), RISING).length, 1, `one rising event per crossing\n${context()}`);
  } finally {
    stopBurners();
    agent?.child.kill('SIGTERM');
    await agent?.done;
    await trapd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
