// The argument rules getone, setany and getmany share (src/cli/snmp-utility.ts): the
// guide's order, <location> forms, SNMPv3 options, and the guide's misprinted names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, objectName, parseLocation, parseRequest } from '../../../src/cli/snmp-utility.js';

test('<location>: host, host:port, transport prefixes and IPv6; port 161 by default', () => {
  assert.deepEqual(parseLocation('localhost'), { spec: 'udp:localhost:161', display: 'localhost:161' });
  assert.deepEqual(parseLocation('10.1.1.9:1161'), { spec: 'udp:10.1.1.9:1161', display: '10.1.1.9:1161' });
  assert.deepEqual(parseLocation('udp:sps1.example.com:161'), { spec: 'udp:sps1.example.com:161', display: 'sps1.example.com:161' });
  assert.deepEqual(parseLocation('tcp:127.0.0.1:1161'), { spec: 'tcp:127.0.0.1:1161', display: '127.0.0.1:1161' });
  assert.deepEqual(parseLocation('[::1]:1161'), { spec: 'udp6:[::1]:1161', display: '[::1]:1161' });
  assert.deepEqual(parseLocation('[fe80::1]'), { spec: 'udp6:[fe80::1]:161', display: '[fe80::1]:161' });
  assert.deepEqual(parseLocation('::1'), { spec: 'udp6:[::1]:161', display: '[::1]:161' });
  assert.deepEqual(parseLocation('udp6:[::1]:16200', 162), { spec: 'udp6:[::1]:16200', display: '[::1]:16200' });
  for (const bad of ['', ':161', 'host:0', 'host:65536', 'host:x', '-host', 'ho st', '[zz::1]:161', 'a;b']) {
    assert.throws(() => parseLocation(bad), UsageError, bad);
  }
});

test('the guide\'s order: -v2c <location> <community> <object>; v2c by default', () => {
  const r = parseRequest(['-v2c', 'localhost', 'cspsAdmin', 'critAppOperStatus.1']);
  assert.ok(typeof r === 'object');
  assert.equal(r.version, '2c');
  assert.equal(r.principal, 'cspsAdmin');
  assert.deepEqual(r.toolArgs, ['-v', '2c', '-c', 'cspsAdmin']);
  assert.deepEqual(r.rest, ['critAppOperStatus.1']);
  const d = parseRequest(['localhost', 'public', 'sysUpTime.0', '-t', '2', '-r', '0']);
  assert.ok(typeof d === 'object');
  assert.deepEqual(d.toolArgs, ['-v', '2c', '-c', 'public', '-t', '2', '-r', '0']);
  assert.equal(parseRequest(['--help']), 'help');
  assert.equal(parseRequest(['localhost', '--version']), 'version');
});

test('SNMPv3: the options pass through, the user as -u or in the community\'s place', () => {
  const sec = ['-l', 'authPriv', '-a', 'SHA-256', '-A', 'authpassphrase', '-x', 'AES', '-X', 'privpassphrase'];
  const a = parseRequest(['-v3', '-u', 'nms', ...sec, 'host', 'critAppAdminStatus.1', '1']);
  const b = parseRequest(['-v3', ...sec, 'host', 'nms', 'critAppAdminStatus.1', '1']);
  assert.ok(typeof a === 'object' && typeof b === 'object');
  assert.deepEqual(a.toolArgs, ['-v', '3', '-u', 'nms', ...sec]);
  assert.deepEqual(b.toolArgs, a.toolArgs);
  assert.deepEqual(a.rest, ['critAppAdminStatus.1', '1']);
  assert.deepEqual(b.rest, a.rest);
});

test('usage errors: unknown options, v3 options without -v3, two versions, a missing community', () => {
  for (const argv of [['--no-such-option'], ['-v2c', '-u', 'nms', 'host', 'c', 'o'], ['-v1', '-v3', 'host', 'u', 'o'], ['-v3', 'host'], ['-v2c'], ['-v2c', 'host'], ['-t', 'soon', 'host', 'c', 'o'], ['-v', '4', 'h', 'c', 'o']]) {
    assert.throws(() => parseRequest(argv), UsageError, argv.join(' '));
  }
  // setany's value may be a negative number, and only there.
  const neg = parseRequest(['host', 'c', 'obj.1', '-1'], { allowNegativeLast: true });
  assert.ok(typeof neg === 'object');
  assert.deepEqual(neg.rest, ['obj.1', '-1']);
  assert.throws(() => parseRequest(['host', 'c', 'obj.1', '-1']), UsageError);
});

test('object names: the guide\'s "sysAppRun" is sysApplRun; option-like words are refused', () => {
  assert.equal(objectName('sysAppRun'), 'sysApplRun');
  assert.equal(objectName('sysAppRun.1'), 'sysApplRun.1');
  assert.equal(objectName('sysApplInstalled'), 'sysApplInstalled');
  assert.equal(objectName('critAppOperStatus.1'), 'critAppOperStatus.1');
  assert.equal(objectName('.1.3.6.1.2.1.1.3.0'), '.1.3.6.1.2.1.1.3.0');
  assert.throws(() => objectName('-Ox'), UsageError);
});
