// The critical-application supervisor against real processes: a copy of /bin/sleep under
// a unique name stands in for sipd, so the /proc name scan finds it (and nothing else).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../../helpers/run.js';
import { CritAppEngine } from '../../../src/agent/mibs/critapp/engine.js';
import type { CritAppRow, ExitInfo } from '../../../src/agent/mibs/critapp/engine.js';
import type { CritAppProcConfig } from '../../../src/agent/mibs/critapp/critagt-cnf.js';
import { findProcesses, processIsCalled } from '../../../src/agent/mibs/critapp/proc-scan.js';

let seq = 0;
/** A temporary dir with a sleep binary under a name no other process has (≤ 15 chars). */
function fakeProgram(): { dir: string; name: string; bin: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'critapp-'));
  const name = `fsipd${process.pid % 100000}x${seq++}`;
  const bin = path.join(dir, name);
  copyFileSync('/bin/sleep', bin);
  return { dir, name, bin };
}

function row(over: Partial<CritAppProcConfig> & Pick<CritAppProcConfig, 'name' | 'startCommand'>): CritAppProcConfig {
  return { index: 1, terminateCommand: '', adminStatus: 'down', restartOnExit: false, restartInterval: 50, trapOnExit: true, trapOnStart: true, findOnStartup: true, pidFile: '', ...over };
}

/** Record every event the engine emits, in order. */
function record(engine: CritAppEngine) {
  const events: Array<{ type: string; row?: CritAppRow; exit?: ExitInfo }> = [];
  engine.on('started', (r) => events.push({ type: 'started', row: r }));
  engine.on('exited', (r, exit) => events.push({ type: 'exited', row: r, exit }));
  engine.on('allRunning', () => events.push({ type: 'allRunning' }));
  engine.on('notAllRunning', () => events.push({ type: 'notAllRunning' }));
  engine.on('commandFailed', (r) => events.push({ type: 'commandFailed', row: r }));
  return events;
}

function killQuietly(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

test('start on admin up, kill -9 is seen, restart after the interval counts 1, events once per transition', async () => {
  const fake = fakeProgram();
  const engine = new CritAppEngine([row({ name: fake.name, startCommand: `exec ${fake.bin} 60`, restartOnExit: true, restartInterval: 50 })], { pollMs: 200 });
  const events = record(engine);
  const pids: number[] = [];
  try {
    await engine.start();
    assert.equal(engine.row(1)!.operStatus, 'down');
    assert.ok(engine.setAdminStatus(1, 'up'));
    const first = await waitFor('process up', () => (engine.row(1)!.operStatus === 'up' ? engine.row(1)! : undefined), 15_000);
    pids.push(first.pid);
    assert.equal((await findProcesses([fake.name])).get(fake.name)![0], first.pid, 'the pid is the real process found by name');
    assert.ok(first.lastStartTime);

    process.kill(first.pid, 'SIGKILL');
    const exited = await waitFor('exit seen', () => events.find((e) => e.type === 'exited'), 15_000);
    // We started it (the shell exec'd it), so the status is known: 128 + SIGKILL(9).
    assert.equal(exited.exit!.code, 137);
    assert.equal(exited.exit!.requested, false);
    assert.equal(exited.row!.operStatus, 'down');
    assert.equal(exited.row!.restartCount, 0);

    const second = await waitFor('restarted', () => {
      const r = engine.row(1)!;
      return r.operStatus === 'up' && r.pid !== first.pid ? r : undefined;
    }, 15_000);
    pids.push(second.pid);
    const trail = () => JSON.stringify(events.map((e) => [e.type, e.row?.pid, e.exit]));
    assert.equal(second.restartCount, 1, trail());
    assert.equal(second.lastExit?.code, 137, trail());

    // Let a few more polls pass: nothing new may be reported while nothing changes.
    await new Promise((r) => setTimeout(r, 800));
    assert.deepEqual(
      events.map((e) => e.type),
      ['started', 'allRunning', 'exited', 'notAllRunning', 'started', 'allRunning'],
    );

    // Admin down: the process is signalled (no stop command), the exit is a requested one,
    // and no restart follows.
    engine.setAdminStatus(1, 'down');
    const stopped = await waitFor('requested exit', () => events.filter((e) => e.type === 'exited')[1], 15_000);
    assert.equal(stopped.exit!.requested, true, trail());
    assert.equal(stopped.exit!.code, 143, trail());
    await new Promise((r) => setTimeout(r, 1000));
    const last = engine.row(1)!;
    assert.equal(last.operStatus, 'down');
    assert.equal(last.restartCount, 1);
    assert.equal(last.restartPending, false);
  } finally {
    await engine.stop();
    for (const p of pids) killQuietly(p);
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('findOnStartup adopts a running process instead of starting a second; its exit code is unknown', async () => {
  const fake = fakeProgram();
  const marker = path.join(fake.dir, 'started-by-agent');
  const outside = spawn(fake.bin, ['60'], { stdio: 'ignore', detached: true });
  try {
    await waitFor('outside process visible', async () => ((await findProcesses([fake.name])).get(fake.name)!.length > 0 ? true : undefined), 10_000);
    const engine = new CritAppEngine([row({ name: fake.name, startCommand: `touch ${marker}; exec ${fake.bin} 60`, adminStatus: 'up', restartOnExit: false })], { pollMs: 200 });
    const events = record(engine);
    try {
      await engine.start();
      const r = engine.row(1)!;
      assert.equal(r.operStatus, 'up');
      assert.equal(r.pid, outside.pid);
      assert.deepEqual(events.map((e) => e.type), ['started']);
      await new Promise((res) => setTimeout(res, 600));
      assert.equal(existsSync(marker), false, 'the start command must not run when the process was adopted');

      process.kill(outside.pid!, 'SIGKILL');
      const exited = await waitFor('exit seen', () => events.find((e) => e.type === 'exited'), 15_000);
      assert.equal(exited.exit!.code, null, 'not our child: status unknown');
      assert.equal(exited.exit!.requested, false);
      await waitFor('notAllRunning', () => events.find((e) => e.type === 'notAllRunning'), 5_000);
      assert.equal(engine.row(1)!.restartCount, 0, 'restartOnExit false: no restart');
      assert.equal(engine.counts().numRunning, 0);
    } finally {
      await engine.stop();
    }
  } finally {
    killQuietly(outside.pid);
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('a launcher that leaves a daemon behind, a stop command, and a failing start command', async () => {
  const fake = fakeProgram();
  const stopLog = path.join(fake.dir, 'stop.log');
  const engine = new CritAppEngine(
    [
      // Like `sip start`: the command starts the daemon in the background and exits 0.
      row({ index: 1, name: fake.name, startCommand: `${fake.bin} 60 >/dev/null 2>&1 & exit 0`, terminateCommand: `echo "$CRITAPP_NAME $CRITAPP_PID" > ${stopLog}; kill -TERM $CRITAPP_PID` }),
      row({ index: 2, name: `${fake.name}n`, startCommand: 'echo broken >&2; exit 3' }),
    ],
    { pollMs: 200 },
  );
  const events = record(engine);
  let pid = 0;
  try {
    await engine.start();
    engine.setAdminStatus(1, 'up');
    const up = await waitFor('daemon up', () => (engine.row(1)!.operStatus === 'up' ? engine.row(1)! : undefined), 15_000);
    pid = up.pid;
    engine.setAdminStatus(1, 'down');
    const exited = await waitFor('daemon stopped', () => events.find((e) => e.type === 'exited'), 15_000);
    assert.equal(exited.exit!.requested, true);
    assert.equal(exited.exit!.code, null);
    assert.equal(readFileSync(stopLog, 'utf8').trim(), `${fake.name} ${pid}`);

    engine.setAdminStatus(2, 'up');
    const failed = await waitFor('start failure reported', () => events.find((e) => e.type === 'commandFailed'), 15_000);
    assert.equal(failed.row!.index, 2);
    assert.equal(engine.row(2)!.operStatus, 'down');
  } finally {
    await engine.stop();
    killQuietly(pid);
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('rows can be added, changed and removed at run time', async () => {
  const fake = fakeProgram();
  const engine = new CritAppEngine([], { pollMs: 200 });
  let pid = 0;
  try {
    await engine.start();
    await engine.upsertRow(row({ index: 7, name: fake.name, startCommand: `exec ${fake.bin} 60`, adminStatus: 'up' }));
    const up = await waitFor('new row started', () => (engine.row(7)?.operStatus === 'up' ? engine.row(7)! : undefined), 15_000);
    pid = up.pid;
    await engine.upsertRow({ ...engine.row(7)!, restartInterval: 1234 });
    assert.equal(engine.row(7)!.restartInterval, 1234);
    assert.equal(engine.row(7)!.pid, pid, 'changing a setting keeps the process');
    assert.equal(engine.removeRow(7), true);
    assert.equal(engine.row(7), undefined);
    assert.equal((await findProcesses([fake.name])).get(fake.name)![0], pid, 'removing a row leaves its process running');
  } finally {
    await engine.stop();
    killQuietly(pid);
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('process names: program name, argv[0], and the script an interpreter runs', () => {
  const p = (comm: string, ...argv: string[]) => ({ pid: 1, comm, argv });
  assert.equal(processIsCalled(p('mysqld', '/usr/sbin/mysqld', '--user=mysql'), 'mysqld'), true);
  assert.equal(processIsCalled(p('node', '/usr/bin/node', '/opt/sip/bin/sipd', '-f', 'conf/sipd.conf'), 'sipd'), true);
  assert.equal(processIsCalled(p('node', 'node', '--enable-source-maps', '/opt/sip/dist/src/cli/sipd.js'), 'sipd'), true);
  assert.equal(processIsCalled(p('sleep', 'fakesipd', '60'), 'fakesipd'), true);
  // comm is cut to 15 characters by the kernel.
  assert.equal(processIsCalled(p('averyveryverylo', '/x/averyveryverylongname'), 'averyveryverylongname'), true);
  assert.equal(processIsCalled(p('node', '/usr/bin/node', '/opt/sip/bin/sip', 'start'), 'sipd'), false);
  assert.equal(processIsCalled(p('vim', 'vim', 'sipd'), 'sipd'), false, 'an editor with a file called sipd is not sipd');
  assert.equal(processIsCalled(p('sh', '/bin/sh', '-c', 'exec /tmp/sipd 60'), 'sipd'), false);
});
