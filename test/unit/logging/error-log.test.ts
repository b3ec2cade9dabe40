import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorLog } from '../../../src/logging/error-log.js';
import { DEBUG_FLAGS, LOG_LEVELS } from '../../../src/logging/directives.js';
import type { DebugFlagName, DebugFlags, LogLevelName } from '../../../src/logging/directives.js';
import { checkSequence, readLines, removeDir, repoRoot, rotatedFiles, sleep, tempDir } from './helpers.js';

function flags(on: DebugFlagName[] = []): DebugFlags {
  return Object.fromEntries(DEBUG_FLAGS.map((f) => [f, on.includes(f)])) as DebugFlags;
}

const DATE = String.raw`(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d \d\d:\d\d:\d\d \d{4}`;

test('line format as in the guide, and the logs directory is created', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const log = await ErrorLog.open({ target: { kind: 'file', path: 'logs/error_log' }, level: 'notice', debugFlags: flags(), serverRoot: root });
    const before = new Date();
    log.notice('A new sipd child process (27413) has started.');
    await log.close();
    const lines = readLines(path.join(root, 'logs/error_log'));
    assert.equal(lines.length, 1);
    assert.match(lines[0], new RegExp(String.raw`^\[${DATE}\] \[notice\] A new sipd child process \(27413\) has started\.$`));
    // The date is the local time of the call.
    const m = /^\[\w{3} (\w{3}) (\d\d) (\d\d):(\d\d):(\d\d) (\d{4})\]/.exec(lines[0])!;
    const logged = new Date(`${m[1]} ${m[2]} ${m[6]} ${m[3]}:${m[4]}:${m[5]}`);
    assert.ok(Math.abs(logged.getTime() - before.getTime()) < 2000, `${logged} vs ${before}`);
  } finally {
    await removeDir(root);
  }
});

test('LogLevel filtering: a message is written when its severity is at most LogLevel', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    for (const level of LOG_LEVELS) {
      const file = path.join(root, `error_${level}`);
      const log = await ErrorLog.open({ target: { kind: 'file', path: file }, level, debugFlags: flags(), serverRoot: root });
      for (const l of LOG_LEVELS) log[l](`message at ${l}`);
      await log.close();
      const got = readLines(file).map((s) => /\] \[(\w+)\] message at (\w+)$/.exec(s)!.slice(1));
      const want = LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1).map((l) => [l, l]);
      assert.deepEqual(got, want, `LogLevel ${level}`);
    }
  } finally {
    await removeDir(root);
  }
});

test('debug flags: written when On whatever LogLevel says, never when Off', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const file = path.join(root, 'error_log');
    const log = await ErrorLog.open({ target: { kind: 'file', path: file }, level: 'emerg', debugFlags: flags(['Parser']), serverRoot: root });
    assert.equal(log.isFlagOn('Parser'), true);
    assert.equal(log.isFlagOn('Routing'), false);
    const sipMessage = 'Received 291 bytes UDP packet from 10.80.36.85:50117\nREGISTER sip:64.102.93.77 SIP/2.0\nVia: SIP/2.0/UDP 10.80.36.85:5060\nCSeq: 101 REGISTER';
    log.flag('Parser', sipMessage);
    log.flag('Routing', 'not written');
    log.debug('not written either');
    await log.reconfigure({ target: { kind: 'file', path: file }, level: 'debug', debugFlags: flags(['Routing']), serverRoot: root });
    log.flag('Parser', 'no longer written');
    log.flag('Routing', 'route chosen');
    log.debug('a plain debug line');
    await log.close();
    const text = fs.readFileSync(file, 'utf8');
    const re = new RegExp(
      String.raw`^\[${DATE}\] \[debug\] Parser: Received 291 bytes UDP packet from 10\.80\.36\.85:50117\nREGISTER sip:64\.102\.93\.77 SIP/2\.0\nVia: SIP/2\.0/UDP 10\.80\.36\.85:5060\nCSeq: 101 REGISTER\n` +
        String.raw`\[${DATE}\] \[debug\] Routing: route chosen\n` +
        String.raw`\[${DATE}\] \[debug\] a plain debug line\n$`,
    );
    assert.match(text, re);
  } finally {
    await removeDir(root);
  }
});

test('after close, messages are ignored; close twice is fine', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const log = await ErrorLog.open({ target: { kind: 'file', path: 'logs/error_log' }, level: 'debug', debugFlags: flags(), serverRoot: root });
    log.error('one');
    await log.close();
    log.error('two');
    await log.close();
    assert.equal(readLines(path.join(root, 'logs/error_log')).length, 1);
  } finally {
    await removeDir(root);
  }
});

/** Logs numbered lines in bursts (perTurn lines, then a pause of pauseMs or one event-loop turn) until during() returns. */
async function logContinuously(log: ErrorLog, during: () => Promise<void>, perTurn = 50, pauseMs = 0): Promise<number> {
  let n = 0;
  let stop = false;
  const writer = (async () => {
    while (!stop) {
      for (let k = 0; k < perTurn; k++) log.warn(`line ${n++}`);
      await new Promise((r) => (pauseMs ? setTimeout(r, pauseMs) : setImmediate(r)));
    }
  })();
  try {
    await during();
  } finally {
    stop = true;
    await writer;
  }
  return n;
}

const pickLine = (l: string): number | undefined => {
  const m = / line (\d+)$/.exec(l);
  return m ? Number(m[1]) : undefined;
};

test('rename then reopen under continuous logging: nothing lost or duplicated', { timeout: 20_000 }, async () => {
  const root = await tempDir();
  try {
    const file = path.join(root, 'logs/error_log');
    const log = await ErrorLog.open({ target: { kind: 'file', path: 'logs/error_log' }, level: 'warn', debugFlags: flags(), serverRoot: root });
    const total = await logContinuously(log, async () => {
      for (let i = 1; i <= 3; i++) {
        await sleep(150);
        fs.renameSync(file, `${file}.${i}`);
        await sleep(20); // lines keep going to the renamed file meanwhile
        if (i === 2) await log.reconfigure({ target: { kind: 'file', path: 'logs/error_log' }, level: 'warn', debugFlags: flags(), serverRoot: root });
        else await log.reopen();
      }
      await sleep(150);
    });
    await log.close();
    const files = [...rotatedFiles(path.join(root, 'logs'), 'error_log'), file];
    assert.equal(files.length, 4);
    for (const f of files) assert.ok(readLines(f).length > 0, `${f} is empty`);
    const all = files.flatMap(readLines);
    assert.equal(checkSequence(all, pickLine), total);
    assert.equal(all.length, total);
  } finally {
    await removeDir(root);
  }
});

test('reconfigure to another file moves the lines there', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const log = await ErrorLog.open({ target: { kind: 'file', path: 'a_log' }, level: 'warn', debugFlags: flags(), serverRoot: root });
    log.warn('line 0');
    await log.reconfigure({ target: { kind: 'file', path: 'b_log' }, level: 'warn', debugFlags: flags(), serverRoot: root });
    log.warn('line 1');
    await log.close();
    assert.deepEqual(readLines(path.join(root, 'a_log')).map(pickLine), [0]);
    assert.deepEqual(readLines(path.join(root, 'b_log')).map(pickLine), [1]);
  } finally {
    await removeDir(root);
  }
});

test('pipe target: runs in ServerRoot and gets every line', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const log = await ErrorLog.open({ target: { kind: 'pipe', command: 'cat > piped.txt' }, level: 'info', debugFlags: flags(), serverRoot: root });
    for (let i = 0; i < 1000; i++) log.info(`line ${i}`);
    await log.close();
    const lines = readLines(path.join(root, 'piped.txt'));
    assert.equal(checkSequence(lines, pickLine), 1000);
  } finally {
    await removeDir(root);
  }
});

test('pipe to bin/rotatelogs 10K under continuous logging, then close: every line once', { timeout: 20_000 }, async (t) => {
  const root = await tempDir();
  try {
    const dir = path.join(root, 'logs');
    const command = `"${process.execPath}" "${path.join(repoRoot(), 'bin/rotatelogs')}" "${dir}/error_log" 10K`;
    const log = await ErrorLog.open({ target: { kind: 'pipe', command }, level: 'warn', debugFlags: flags(), serverRoot: root });
    // A busy server's rate (tens of thousands of lines a second), not a tight loop.
    const total = await logContinuously(log, () => sleep(2000), 20, 1);
    await log.close();
    const files = rotatedFiles(dir, 'error_log');
    assert.ok(files.length >= 3, `only ${files.length} files`);
    for (const f of files) assert.ok(fs.statSync(f).size <= 10 * 1024, `${f} is ${fs.statSync(f).size} bytes`);
    const all = files.flatMap(readLines);
    assert.ok(total > 1000);
    assert.equal(checkSequence(all, pickLine), total);
    assert.equal(all.length, total);
    t.diagnostic(`${total} lines in ${files.length} files`);
  } finally {
    await removeDir(root);
  }
});

test('reconfigure keeps the pipe when the command is unchanged and restarts it when it changes', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const o = (command: string, level: LogLevelName = 'warn') => ({ target: { kind: 'pipe' as const, command }, level, debugFlags: flags(), serverRoot: root });
    const log = await ErrorLog.open(o('cat > one.txt'));
    log.warn('line 0');
    await log.reconfigure(o('cat > one.txt', 'info'));
    log.info('line 1');
    await log.reconfigure(o('cat > two.txt', 'info'));
    log.info('line 2');
    await log.close();
    assert.deepEqual(readLines(path.join(root, 'one.txt')).map(pickLine), [0, 1]);
    assert.deepEqual(readLines(path.join(root, 'two.txt')).map(pickLine), [2]);
  } finally {
    await removeDir(root);
  }
});
