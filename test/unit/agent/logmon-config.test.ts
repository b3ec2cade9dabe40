// logagt.cnf reader: the guide's example loads as printed; bad lines name file:line:col.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, REPO } from '../../helpers/paths.js';
import { loadLogagtCnf, parseLogagtCnf } from '../../../src/agent/mibs/log/logagt-cnf.js';
import { formatEntryMessage } from '../../../src/agent/cnf/entry-lines.js';

test('guide logagt.cnf example (chapter 4) loads: two logs, 5000000-byte limit, 10 s polls', () => {
  const r = loadLogagtCnf(path.join(FIXTURES, 'agent', 'guide-logagt.cnf'));
  assert.deepEqual(r.messages, []);
  assert.equal(r.config.globalPollInterval, 60);
  assert.deepEqual(r.config.entries[0], {
    index: 1,
    descr: 'CSPS error log',
    path: '/usr/local/sip/logs/error_log',
    regex: '',
    matchStart: 0,
    matchStop: 0,
    matchCount: 0,
    matchCommand: '',
    matchTrap: false,
    maxSize: 5000000,
    maxSizeCommand: '',
    maxSizeTrap: true,
    pollInterval: 10,
    owner: 'csps',
  });
  assert.equal(r.config.entries[1].path, '/usr/local/sip/logs/access_log');
  assert.equal(r.config.entries[1].descr, 'CSPS access log');
});

test('bad logagt.cnf lines: file:line:col and the valid values', () => {
  const text = [
    'siLogGlobalPollInterval 0',
    'siLogEntry 1 "x" /tmp/x "(" 2 0 0 0 - 2 0 100 - 1 10 2 me 1',
    'siLogEntry 2 "x" /tmp/x - 2 0 0 0 - maybe 0 100 - 1 10 2 me 1',
    'siLogEntry 3 "x"',
    'siLogEntry 4 "x" /tmp/x - 2 0 0 0 - 2 0 -1 - 1 10 2 me 1',
    'siLogEntry 5 "x" /tmp/y ERROR 2 10 5 0 - 1 0 100 - 1 0 2 me 1',
    'siLogEntri 6',
  ].join('\n');
  const r = parseLogagtCnf(text, 'logagt.cnf');
  assert.equal(r.ok, false);
  const all = r.messages.map(formatEntryMessage);
  const has = (re: RegExp) => assert.ok(all.some((e) => re.test(e)), `expected ${re} in:\n${all.join('\n')}`);
  has(/^logagt\.cnf:1:25: siLogGlobalPollInterval: "0" is not valid; use a whole number from 1 to 86400/);
  has(/^logagt\.cnf:2:\d+: siLogEntry field 4 \(regular expression\): "\(" is not a valid regular expression/);
  has(/^logagt\.cnf:3:\d+: siLogEntry field 10 \(trap on match\): "maybe" is not valid; use yes\(1\) or no\(2\)/);
  has(/^logagt\.cnf:4:1: siLogEntry needs at least 3 fields/);
  has(/^logagt\.cnf:5:\d+: siLogEntry field 12 \(maximum size\)/);
  has(/^logagt\.cnf:6:\d+: warning: siLogEntry 5: the match stop position \(5\) is before the start position \(10\)/);
  has(/^logagt\.cnf:7:1: unknown entry type "siLogEntri" \(did you mean siLogEntry\?\)/);
  // Row 5 (only a warning) is kept, with its trap switch yes(1).
  assert.deepEqual(r.config.entries.map((e) => e.index), [5]);
  assert.equal(r.config.entries[0].matchTrap, true);
});

test('the shipped conf/logagt.cnf loads cleanly: error_log and access_log at 5 MB', () => {
  const r = loadLogagtCnf(path.join(REPO, 'conf', 'logagt.cnf'));
  assert.deepEqual(r.messages, []);
  assert.deepEqual(r.config.entries.map((e) => [e.path, e.maxSize, e.maxSizeTrap]), [
    ['logs/error_log', 5242880, true],
    ['logs/access_log', 5242880, true],
  ]);
});
