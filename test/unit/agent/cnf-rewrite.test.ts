// Rows created/destroyed over SNMP written back into critagt.cnf: other lines stay as the
// administrator wrote them, entries (with continuations) leave whole, and what is written
// reads back as the same row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SNMP_MARK, cnfField, editCnfText } from '../../../src/agent/cnf/cnf-rewrite.js';
import { formatCritAppProcEntry, parseCritagtCnf, removeCritAppRow, saveCritAppRow } from '../../../src/agent/mibs/critapp/critagt-cnf.js';
import type { CritAppProcConfig } from '../../../src/agent/mibs/critapp/critagt-cnf.js';

const ADMIN_FILE = [
  '# critagt.cnf (administrator)',
  'critAppProcEntry 1 sipd \\',
  '    "bin/sip start" \\',
  '    "bin/sip stop" 2 false 3000 \\',
  '    true true true logs/sipd.pid',
  '',
  '   # indented comment kept',
  'critAppProcEntry 2 mysqld "/etc/init.d/mysql start" "/etc/init.d/mysql stop" 2 false 3000 true true true',
  'critAppTrapWhenAllRunning true',
  '',
].join('\n');

const row = (over: Partial<CritAppProcConfig> = {}): CritAppProcConfig => ({
  index: 7, name: 'worker', startCommand: 'exec "/opt/my app/run" --flag \\x', terminateCommand: '', adminStatus: 'down',
  restartOnExit: true, restartInterval: 500, trapOnExit: false, trapOnStart: true, findOnStartup: false, pidFile: '', ...over,
});

test('a written entry reads back as the same row, whatever its strings hold', () => {
  for (const r of [row(), row({ name: '-', terminateCommand: 'kill "$(cat x)" # not a comment', pidFile: 'run/w.pid', adminStatus: 'up' }), row({ startCommand: 'ends with a quote"' }), row({ startCommand: 'ends with a backslash\\' })]) {
    const parsed = parseCritagtCnf(`${formatCritAppProcEntry(r)}\n`, 'x.cnf');
    assert.deepEqual(parsed.messages, []);
    assert.deepEqual(parsed.config.procs, [r]);
  }
  assert.equal(cnfField(''), '-');
  assert.equal(cnfField('-'), '"-"');
  assert.equal(cnfField('plain'), 'plain');
});

test('removing an entry takes its continuation lines (and only them); appending keeps the rest byte for byte', () => {
  const removed = editCnfText(ADMIN_FILE, 'x', { remove: (e) => e.type === 'critAppProcEntry' && e.fields[0].text === '1' })!;
  assert.equal(removed, ADMIN_FILE.split('\n').filter((_, i) => i < 1 || i > 4).join('\n'));
  const appended = editCnfText(ADMIN_FILE, 'x', { append: ['critAppProcEntry 9 a b - 2 false 0 true true true'] })!;
  assert.ok(appended.startsWith(ADMIN_FILE), 'the administrator\'s text is untouched');
  assert.match(appended.slice(ADMIN_FILE.length), new RegExp(`^${SNMP_MARK} \\S+\\ncritAppProcEntry 9 a b - 2 false 0 true true true\\n$`));
  // Removing an appended entry removes its marker comment too: back to the original.
  assert.equal(editCnfText(appended, 'x', { remove: (e) => e.fields[0]?.text === '9' }), ADMIN_FILE);
  assert.equal(editCnfText(ADMIN_FILE, 'x', { remove: () => false }), undefined, 'nothing to do: no rewrite');
  // CRLF files stay CRLF; a file without a final newline gets one only after our lines.
  const crlf = ADMIN_FILE.replace(/\n/g, '\r\n');
  assert.equal(editCnfText(crlf, 'x', { append: ['critAppTrapWhenNotAllRunning true'] })!.split('\r\n').length, crlf.split('\r\n').length + 2);
});

test('saveCritAppRow / removeCritAppRow edit the file atomically, keep its mode, and are idempotent', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cnf-rewrite-'));
  try {
    const file = path.join(dir, 'critagt.cnf');
    writeFileSync(file, ADMIN_FILE, { mode: 0o600 });
    assert.equal(saveCritAppRow(file, row()), true);
    assert.equal(saveCritAppRow(file, row()), false, 'already there: no second copy');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['critagt.cnf'], 'no temporary file left');
    let parsed = parseCritagtCnf(readFileSync(file, 'utf8'), file);
    assert.ok(parsed.ok, JSON.stringify(parsed.messages));
    assert.deepEqual(parsed.config.procs.map((p) => p.index), [1, 2, 7]);
    assert.deepEqual(parsed.config.procs[2], row());
    assert.equal(parsed.config.trapWhenAllRunning, true);

    assert.equal(saveCritAppRow(file, row({ adminStatus: 'up' })), true, 'a changed row replaces its entry');
    assert.equal(removeCritAppRow(file, 1), true, "the administrator's row destroyed over SNMP");
    assert.equal(removeCritAppRow(file, 1), false);
    parsed = parseCritagtCnf(readFileSync(file, 'utf8'), file);
    assert.deepEqual(parsed.config.procs.map((p) => [p.index, p.adminStatus]), [[2, 'down'], [7, 'up']]);
    assert.match(readFileSync(file, 'utf8'), /^# critagt\.cnf \(administrator\)\n\n {3}# indented comment kept\n/);

    const missing = path.join(dir, 'new.cnf');
    assert.equal(saveCritAppRow(missing, row()), true, 'a missing file is created');
    assert.deepEqual(parseCritagtCnf(readFileSync(missing, 'utf8'), missing).config.procs, [row()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
