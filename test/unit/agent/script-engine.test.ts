// Script MIB engine: registered scripts run through /bin/sh, run index rules, refusals,
// lifetime kills, exit-code mapping, expiry; and the smpop.cnf population file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScriptEngine } from '../../../src/agent/mibs/script/engine.js';
import { SCRIPT_OIDS } from '../../../src/agent/mibs/script/types.js';
import type { LaunchRow, ScriptRow } from '../../../src/agent/mibs/script/types.js';
import { DEFAULT_SMPOP, loadSmPop, parseSmPop } from '../../../src/agent/mibs/script/smpop.js';
import { formatEntryMessage } from '../../../src/agent/cnf/entry-lines.js';
import type { Varbind } from '../../../src/agent/mib-module.js';
import { REPO, waitFor } from '../../helpers/index.js';

function script(owner: string, name: string, command: string, extra: Partial<ScriptRow> = {}): ScriptRow {
  return { owner, name, descr: '', language: 1, command, adminStatus: 'enabled', lastChange: new Date(), origin: 'test', ...extra };
}

function launch(owner: string, name: string, extra: Partial<LaunchRow> = {}): LaunchRow {
  return {
    owner, name, scriptOwner: owner, scriptName: name, argument: '', maxRunning: 1, maxCompleted: 1, lifeTime: 360000, expireTime: 360000,
    lastStarted: 0, adminStatus: 'enabled', runIndexNext: 1, error: '', lastChange: new Date(), origin: 'test', ...extra,
  };
}

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smagt-'));
  const sent: Array<{ oid: string; varbinds: Varbind[] }> = [];
  const engine = new ScriptEngine({ notify: (oid, varbinds) => void sent.push({ oid, varbinds }) }, { cwd: dir, killGraceMs: 500 });
  return { dir, sent, engine, cleanup: async () => {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  } };
}

test('smLaunchStart.1.67.1.68 = 0: the registered script runs in the install directory, writes its file, and its stdout is smRunResult', async () => {
  const s = setup();
  try {
    s.engine.addScript(script('C', 'D', 'printf "%s\\n" "$1" > restarted.txt && echo "graceful restart requested"'));
    s.engine.addLaunch(launch('C', 'D', { argument: 'now' }));
    const r = s.engine.launch('C', 'D', 0);
    assert.deepEqual(r, { ok: true, runIndex: 1 });
    const run = s.engine.getRun('C', 'D', 1)!;
    assert.equal(run.state, 'initializing', 'a fresh run starts initializing');
    assert.equal(s.engine.getLaunch('C', 'D')!.lastStarted, 1, 'smLaunchStart reads the last run index');
    await waitFor('the run to execute or end', () => run.state !== 'initializing', 10_000, 5);
    const done = await s.engine.waitForRun('C', 'D', 1);
    assert.equal(done!.state, 'terminated');
    assert.equal(done!.exitCode, 'noError');
    assert.equal(done!.result.toString(), 'graceful restart requested\n');
    assert.equal(done!.error, '');
    assert.ok(done!.endTime && done!.resultTime);
    assert.equal(readFileSync(path.join(s.dir, 'restarted.txt'), 'utf8'), 'now\n', 'the argument arrives as $1');
    assert.equal(s.sent.length, 1);
    assert.equal(s.sent[0].oid, SCRIPT_OIDS.smScriptResult);
    assert.deepEqual(s.sent[0].varbinds.map((v) => [v.oid, v.type, Buffer.from(v.value as Buffer).toString()]), [
      [`${SCRIPT_OIDS.smRunResult}.1.67.1.68.1`, 'OctetString', 'graceful restart requested\n'],
    ]);
  } finally {
    await s.cleanup();
  }
});

test('run index rules: 0 picks the next unused index; a non-zero index must be unused; maxCompleted keeps the newest runs', async () => {
  const s = setup();
  try {
    s.engine.addScript(script('C', 'D', 'true'));
    s.engine.addLaunch(launch('C', 'D', { maxCompleted: 2 }));
    const first = s.engine.launch('C', 'D', 0);
    assert.deepEqual(first, { ok: true, runIndex: 1 });
    await s.engine.waitForRun('C', 'D', 1);
    assert.deepEqual(s.engine.launch('C', 'D', 7), { ok: true, runIndex: 7 });
    await s.engine.waitForRun('C', 'D', 7);
    const again = s.engine.launch('C', 'D', 7);
    assert.equal(again.ok, false);
    assert.equal(!again.ok && again.error, 'inconsistentValue');
    assert.match(!again.ok ? again.reason : '', /run index 7 is in use/);
    assert.match(s.engine.getLaunch('C', 'D')!.error, /in use/, 'smLaunchError says why');
    assert.deepEqual(s.engine.launch('C', 'D', 0), { ok: true, runIndex: 8 }, 'continues after the last index used');
    await s.engine.waitForRun('C', 'D', 8);
    assert.deepEqual(s.engine.runsOf('C', 'D').map((r) => r.index), [7, 8], 'maxCompleted 2: run 1 went');
    assert.equal(s.engine.launch('C', 'D', -1).ok, false);
  } finally {
    await s.cleanup();
  }
});

test('refused launches: disabled button, disabled or missing script, maxRunning reached', async () => {
  const s = setup();
  try {
    s.engine.addScript(script('C', 'D', 'sleep 30'));
    s.engine.addScript(script('C', 'off', 'true', { adminStatus: 'disabled' }));
    s.engine.addLaunch(launch('C', 'D'));
    s.engine.addLaunch(launch('C', 'btnOff', { scriptName: 'D', adminStatus: 'disabled' }));
    s.engine.addLaunch(launch('C', 'toOff', { scriptName: 'off' }));
    s.engine.addLaunch(launch('C', 'toNothing', { scriptName: 'nothing' }));
    const reason = (owner: string, name: string) => {
      const r = s.engine.launch(owner, name, 0);
      return r.ok ? 'launched' : `${r.error}: ${r.reason}`;
    };
    assert.match(reason('C', 'btnOff'), /^inconsistentValue: the launch button is disabled/);
    assert.match(reason('C', 'toOff'), /^inconsistentValue: script C\/off is disabled/);
    assert.match(reason('C', 'toNothing'), /^inconsistentValue: script C\/nothing is not registered/);
    assert.match(reason('X', 'Y'), /^noCreation/);
    assert.equal(reason('C', 'D'), 'launched');
    assert.match(reason('C', 'D'), /^inconsistentValue: 1 run\(s\) active, smLaunchMaxRunning is 1/);
    assert.equal(s.engine.runs.size, 1, 'refusals leave no run rows');
  } finally {
    await s.cleanup();
  }
});

test('lifetime: a run past smRunLifeTime is killed with what it started, and ends lifeTimeExceeded with smScriptAbort', async () => {
  const s = setup();
  try {
    // The script starts a child and records both pids; both must be gone afterwards.
    s.engine.addScript(script('C', 'slow', 'sleep 30 & echo $! > child.pid; echo $$ > shell.pid; wait'));
    s.engine.addLaunch(launch('C', 'slow', { lifeTime: 50 }));
    assert.equal(s.engine.launch('C', 'slow', 0).ok, true);
    const run = s.engine.getRun('C', 'slow', 1)!;
    await waitFor('the run to execute', () => run.state === 'executing', 10_000, 5);
    const done = (await s.engine.waitForRun('C', 'slow', 1))!;
    assert.equal(done.exitCode, 'lifeTimeExceeded');
    assert.equal(done.state, 'terminated');
    assert.match(done.error, /lifetime of 0.5 s ran out/);
    const childPid = Number(readFileSync(path.join(s.dir, 'child.pid'), 'utf8'));
    await waitFor('the script\'s own child to be gone', () => {
      try {
        process.kill(childPid, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000);
    assert.equal(s.sent.length, 1);
    assert.equal(s.sent[0].oid, SCRIPT_OIDS.smScriptAbort);
    const [code, end, err] = s.sent[0].varbinds;
    assert.deepEqual([code.oid, code.value], [`${SCRIPT_OIDS.smRunExitCode}.1.67.4.115.108.111.119.1`, 3]);
    assert.equal(end.oid, `${SCRIPT_OIDS.smRunEndTime}.1.67.4.115.108.111.119.1`);
    assert.equal((end.value as Buffer).length, 11, 'a DateAndTime with its UTC offset');
    assert.match(String(err.value), /lifetime/);
  } finally {
    await s.cleanup();
  }
});

test('exit codes: non-zero → runtimeError with the last stderr line; 127 (no such command) → languageError; abort → halted', async () => {
  const s = setup();
  try {
    s.engine.addScript(script('o', 'fail', 'echo working; echo "sipd is not running" >&2; exit 3'));
    s.engine.addScript(script('o', 'missing', './no-such-program'));
    s.engine.addScript(script('o', 'long', 'sleep 30'));
    for (const n of ['fail', 'missing', 'long']) s.engine.addLaunch(launch('o', n));
    s.engine.launch('o', 'fail');
    s.engine.launch('o', 'missing');
    s.engine.launch('o', 'long');
    const fail = (await s.engine.waitForRun('o', 'fail', 1))!;
    assert.deepEqual([fail.exitCode, fail.error, fail.result.toString()], ['runtimeError', 'sipd is not running', 'working\n']);
    const missing = (await s.engine.waitForRun('o', 'missing', 1))!;
    assert.equal(missing.exitCode, 'languageError');
    const long = s.engine.getRun('o', 'long', 1)!;
    await waitFor('executing', () => long.state === 'executing', 10_000, 5);
    assert.equal(s.engine.controlRun(long, 'abort'), true);
    const halted = (await s.engine.waitForRun('o', 'long', 1))!;
    assert.equal(halted.exitCode, 'halted');
    assert.deepEqual(s.sent.map((n) => n.oid), [SCRIPT_OIDS.smScriptAbort, SCRIPT_OIDS.smScriptAbort, SCRIPT_OIDS.smScriptAbort]);
  } finally {
    await s.cleanup();
  }
});

test('expiry: a finished run disappears smRunExpireTime after it ended; lifetime and expiry read as time left', async () => {
  const s = setup();
  try {
    s.engine.addScript(script('o', 'quick', 'true'));
    s.engine.addLaunch(launch('o', 'quick', { expireTime: 30, lifeTime: 6000 }));
    s.engine.launch('o', 'quick');
    const run = s.engine.getRun('o', 'quick', 1)!;
    assert.ok(s.engine.lifeTimeLeft(run) <= 6000 && s.engine.lifeTimeLeft(run) > 5000);
    await s.engine.waitForRun('o', 'quick', 1);
    assert.equal(s.engine.lifeTimeLeft(run), 0);
    assert.ok(s.engine.expireTimeLeft(run) <= 30);
    await waitFor('the run row to expire', () => s.engine.getRun('o', 'quick', 1) === undefined, 10_000, 20);
  } finally {
    await s.cleanup();
  }
});

test('smpop.cnf: the shipped file is the built-in default and registers the guide\'s launch C/D → bin/sip graceful', () => {
  assert.equal(readFileSync(path.join(REPO, 'conf', 'smpop.cnf'), 'utf8'), DEFAULT_SMPOP);
  const r = loadSmPop(path.join(REPO, 'conf', 'smpop.cnf'));
  assert.deepEqual(r.messages, []);
  assert.equal(r.usedDefault, false);
  assert.deepEqual(r.config.scripts.map((x) => [x.owner, x.name, x.command, x.adminStatus]), [['C', 'D', 'bin/sip graceful', 'enabled']]);
  assert.deepEqual(r.config.launches.map((l) => [l.owner, l.name, l.scriptOwner, l.scriptName, l.maxRunning, l.lifeTime, l.adminStatus]), [['C', 'D', 'C', 'D', 1, 6000, 'enabled']]);
  const missing = loadSmPop('/nonexistent/smpop.cnf');
  assert.equal(missing.usedDefault, true);
  assert.equal(missing.config.launches.length, 1);
  assert.ok(existsSync(path.join(REPO, 'bin', 'sip')), 'the command names the shipped bin/sip');
});

test('smpop.cnf errors name file:line and the valid values', () => {
  const r = parseSmPop(
    [
      'smScriptEntry C D "x" "" enabled', // no command
      'smScriptEntry C E "x" "true" sometimes',
      'smLaunchEntry C L C nosuch',
      'smLaunchEntry C M C E - 0',
      'smLanchEntry C N',
    ].join('\n'),
    'smpop.cnf',
  );
  const e = r.messages.filter((m) => m.severity === 'error').map(formatEntryMessage);
  assert.equal(r.ok, false);
  assert.match(e[0], /^smpop\.cnf:1:\d+: smScriptEntry field 4 \(command\): a command is required/);
  assert.match(e[1], /^smpop\.cnf:2:\d+: smScriptEntry field 5 \(admin status\): "sometimes" is not valid; use enabled\(1\) or disabled\(2\) or editing\(3\)/);
  assert.match(e[2], /^smpop\.cnf:4:\d+: smLaunchEntry field 6 \(max running\): "0" is not valid; use a whole number from 1/);
  assert.match(e[3], /^smpop\.cnf:5:1: unknown entry type "smLanchEntry" \(did you mean smLaunchEntry\?\)/);
  assert.match(e[4], /^smpop\.cnf:3:1: smLaunchEntry C\/L names script C\/nosuch, which no smScriptEntry registers/);
  assert.equal(r.config.launches.length, 0, 'a launch button without its script is not loaded');
});
