// critagt.cnf reader and the shared entry-line tokenizer: the guide's example loads as
// printed; bad lines are reported with file:line:col and the values that are valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, REPO } from '../../helpers/paths.js';
import { loadCritagtCnf, parseCritagtCnf } from '../../../src/agent/mibs/critapp/critagt-cnf.js';
import { formatEntryMessage, readEntryLines } from '../../../src/agent/cnf/entry-lines.js';

const GUIDE = path.join(FIXTURES, 'agent', 'guide-critagt.cnf');

test('guide critagt.cnf example (chapter 4) loads with its five entries', () => {
  const r = loadCritagtCnf(GUIDE);
  assert.deepEqual(r.messages.filter((m) => m.severity === 'error'), []);
  assert.equal(r.ok, true);
  assert.deepEqual(r.config.procs.map((p) => [p.index, p.name]), [
    [1, 'sipd'],
    [2, 'spa'],
    [3, 'pserver'],
    [4, 'licenseMgr'],
    [5, 'mysqld'],
  ]);
  const sipd = r.config.procs[0];
  assert.deepEqual(sipd, {
    index: 1,
    name: 'sipd',
    startCommand: '/usr/local/sip/bin/sip start',
    terminateCommand: '/usr/local/sip/bin/sip stop',
    adminStatus: 'down',
    restartOnExit: false,
    restartInterval: 3000,
    trapOnExit: true,
    trapOnStart: true,
    findOnStartup: true,
    pidFile: '',
  });
  assert.equal(r.config.procs[4].startCommand, '/etc/init.d/mysql start');
  assert.equal(r.config.trapWhenNotAllRunning, false);
  // Entry 3 is printed with nine fields: loaded with the default and a warning on its line.
  const short = r.messages.find((m) => m.message.includes('critAppProcEntry 3'));
  assert.ok(short && short.severity === 'warning', JSON.stringify(r.messages));
  assert.equal(r.config.procs[2].findOnStartup, true);
  // The field-description lines printed without '#' are warnings, not entries.
  const descr = r.messages.filter((m) => m.message.includes('field description'));
  assert.equal(descr.length, 9);
});

test('bad critagt.cnf lines: file:line:col and the valid values', () => {
  const text = [
    'critAppProcEntry 1 sipd "sip start" "sip stop" 3 false 3000 true true true',
    'critAppProcEntry 2 sipd "sip start" "sip stop" up maybe 3000 true true true',
    'critAppProcEntry 0 x "a" "b" 1 true 10 true true true',
    'critAppProcEntry 4 x',
    'critAppProcEntry 5 x "a" "b" 1 true 10 true true true logs/x.pid extra',
    'critAppProcEntry 6 x "a" - down true -5 true true true',
    'critAppTrapWhenAllRunning perhaps',
    'critAppProcEntyr 7 x "a"',
    'critAppProcEntry 8 x "unterminated',
    'critAppProcEntry 9 ok "run" - up true 100 true true true',
    'critAppProcEntry 9 dup "run" - up true 100 true true true',
  ].join('\n');
  const r = parseCritagtCnf(text, 'critagt.cnf');
  assert.equal(r.ok, false);
  const errs = r.messages.filter((m) => m.severity === 'error').map(formatEntryMessage);
  const has = (re: RegExp) => assert.ok(errs.some((e) => re.test(e)), `expected ${re} in:\n${errs.join('\n')}`);
  has(/^critagt\.cnf:1:48: .*intended operation status.*"3" is not valid; use up\(1\) or down\(2\)/);
  has(/^critagt\.cnf:2:\d+: .*restart on exit.*"maybe".*true \(or 1\) or false \(or 2\)/);
  has(/^critagt\.cnf:3:\d+: .*field 1 \(index\).*1 to 2147483647/);
  has(/^critagt\.cnf:4:1: critAppProcEntry needs at least 3 fields/);
  has(/^critagt\.cnf:5:\d+: critAppProcEntry takes 10 fields/);
  has(/^critagt\.cnf:6:\d+: .*restart interval.*"-5"/);
  has(/^critagt\.cnf:7:\d+: critAppTrapWhenAllRunning: "perhaps"/);
  has(/^critagt\.cnf:8:1: unknown entry type "critAppProcEntyr" \(did you mean critAppProcEntry\?\)/);
  has(/^critagt\.cnf:9:\d+: a quoted field is not closed/);
  has(/^critagt\.cnf:11:1: critAppProcEntry index 9 is already used on line 10/);
  // The good row still loads, with '-' as "no stop command".
  const ok = r.config.procs.find((p) => p.name === 'ok');
  assert.ok(ok);
  assert.equal(ok.terminateCommand, '');
  assert.equal(ok.adminStatus, 'up');
});

test('entry lines: continuations, comments, quotes and escapes', () => {
  const text = 'a 1 \\\n  "two words" # comment\nb "say \\"hi\\"" x#y\n# whole line\nc "ends with\\"\n';
  const r = readEntryLines(text, 'f');
  assert.deepEqual(r.messages, []);
  assert.deepEqual(
    r.entries.map((e) => [e.type, e.line, e.fields.map((f) => f.text)]),
    [
      ['a', 1, ['1', 'two words']],
      ['b', 3, ['say "hi"', 'x#y']],
      ['c', 5, ['ends with\\']],
    ],
  );
});

test('a missing critagt.cnf is an error message, not an exception', () => {
  const r = loadCritagtCnf('/nonexistent/critagt.cnf');
  assert.equal(r.ok, false);
  assert.match(formatEntryMessage(r.messages[0]), /^\/nonexistent\/critagt\.cnf:0:0: cannot read the file/);
});

test('the shipped conf/critagt.cnf loads cleanly: sipd, pserver, mysqld, all intended down', () => {
  const r = loadCritagtCnf(path.join(REPO, 'conf', 'critagt.cnf'));
  assert.deepEqual(r.messages, []);
  assert.deepEqual(r.config.procs.map((p) => [p.name, p.adminStatus]), [['sipd', 'down'], ['pserver', 'down'], ['mysqld', 'down']]);
  // Relative to the install directory the agent runs commands from.
  assert.equal(r.config.procs[0].startCommand, 'bin/sip start');
  assert.equal(r.config.procs[0].terminateCommand, 'bin/sip stop');
  assert.equal(r.config.procs[0].pidFile, 'logs/sipd.pid');
  assert.equal(r.config.procs[1].startCommand, 'bin/pserver start');
  assert.equal(r.config.procs[1].pidFile, 'logs/pserver.pid');
});
