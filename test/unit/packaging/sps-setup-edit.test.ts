// The in-place editing sps_setup does on sipd.conf-style text, and the launcher rewrite of
// the package staging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAnswers } from '../../../src/cli/sps-setup/answers-file.js';
import { checkAnswers, sourceRange } from '../../../src/cli/sps-setup/questions.js';
import { snmpdBlock } from '../../../src/cli/sps-setup/snmpd-block.js';
import { directiveValue, quoteArg, replaceWord, setDirective } from '../../../src/config/conf-edit.js';
import { installedLauncher } from '../../../packaging/stage.js';

test('setDirective replaces the active line in place, drops duplicates, keeps comments and blocks', () => {
  const lines = ['# Port comment', '#Port 5060', 'Port 5060', '<VirtualProxyHost a>', '  Port 7000', '</VirtualProxyHost>', 'Port \\', '  5062', ''];
  const notes = setDirective(lines, 'Port', ['5070'], 'sipd.conf');
  assert.deepEqual(lines, ['# Port comment', '#Port 5060', 'Port 5070', '<VirtualProxyHost a>', '  Port 7000', '</VirtualProxyHost>', '']);
  assert.equal(notes.length, 2);
  assert.deepEqual(setDirective(lines, 'Port', ['5070'], 'sipd.conf'), [], 'no change, no note');
});

test('setDirective without an active line: after the commented example, else appended; [] comments out', () => {
  const lines = ['#Listen 5060', '#Listen 10.23.56.78:5060', '', 'LogLevel warn'];
  setDirective(lines, 'Listen', ['10.1.1.1:5060'], 'f');
  assert.deepEqual(lines.slice(0, 3), ['#Listen 5060', '#Listen 10.23.56.78:5060', 'Listen 10.1.1.1:5060']);
  setDirective(lines, 'ServerName', ['sps1.example.com'], 'f');
  assert.equal(lines.filter((l) => l === 'ServerName sps1.example.com').length, 1);
  setDirective(lines, 'Listen', [], 'f');
  assert.ok(lines.includes('#Listen 10.1.1.1:5060'));
  assert.equal(directiveValue(lines, 'Listen'), undefined);
  assert.equal(directiveValue(lines, 'servername'), 'sps1.example.com');
});

test('quoteArg and directiveValue agree on blanks and quotes', () => {
  const lines = [`Cisco_Registry_Farm_Members ${quoteArg('a.example.com b.example.com')}`];
  assert.equal(lines[0], 'Cisco_Registry_Farm_Members "a.example.com b.example.com"');
  assert.equal(directiveValue(lines, 'Cisco_Registry_Farm_Members'), 'a.example.com b.example.com');
  assert.equal(quoteArg('plain'), 'plain');
});

test('replaceWord: whole addresses only, never in comments', () => {
  const lines = ['Listen 10.1.1.1:5060', 'Allow from 10.1.1.10', '# was 10.1.1.1', 'X udp:10.1.1.1', 'ServerName sps1', 'ErrorLog logs/sps1.log'];
  replaceWord(lines, '10.1.1.1', '10.9.9.9', 'f');
  assert.deepEqual(lines.slice(0, 4), ['Listen 10.9.9.9:5060', 'Allow from 10.1.1.10', '# was 10.1.1.1', 'X udp:10.9.9.9']);
  replaceWord(lines, 'sps1', 'sps2', 'f', ['ServerName']);
  assert.deepEqual(lines.slice(4), ['ServerName sps2', 'ErrorLog logs/sps1.log']);
});

test('parseAnswers: key=value, comments, quotes; unknown keys and bad lines with file:line', () => {
  const r = parseAnswers('# c\nhost_address = "10.1.1.1"\nmysql=yes\nhost-name=a.example.com\nbogus\nhost_adres=1\n', 'a.txt');
  assert.deepEqual(r.answers, { host_address: '10.1.1.1', mysql: 'on', host_name: 'a.example.com' });
  assert.equal(r.errors.length, 2);
  assert.match(r.errors[0], /^a\.txt:5: expected key=value/);
  assert.match(r.errors[1], /^a\.txt:6: unknown key "host_adres" \(did you mean host_address\?\)/);
});

test('installedLauncher points Node launchers at lib/ and refuses one it cannot place', () => {
  assert.equal(installedLauncher('sipd', '#!/usr/bin/env node\nimport "../dist/src/cli/sipd.js";\n'), '#!/usr/bin/env node\nimport "../lib/src/cli/sipd.js";\n');
  assert.equal(installedLauncher('x', '#!/bin/sh\nexec foo\n'), '#!/bin/sh\nexec foo\n');
  assert.throws(() => installedLauncher('odd', '#!/usr/bin/env node\nimport "./elsewhere.js";\n'), /bin\/odd: a Node launcher/);
});

test('sourceRange: ADDRESS or ADDRESS/BITS as the address and TMASK of a community source', () => {
  assert.deepEqual(sourceRange('127.0.0.1'), { address: '127.0.0.1', mask: '255.255.255.255' });
  assert.deepEqual(sourceRange('10.1.5.0/24'), { address: '10.1.5.0', mask: '255.255.255.0' });
  assert.deepEqual(sourceRange('10.1.5.0/20'), { address: '10.1.5.0', mask: '255.255.240.0' });
  assert.deepEqual(sourceRange('0.0.0.0/0'), { address: '0.0.0.0', mask: '0.0.0.0' });
  for (const bad of ['10.1.5.0/33', '10.1.5.256', 'host.example.com', '::1', '10.1.5.0/']) assert.equal(sourceRange(bad), undefined, bad);
});

test('snmpdBlock: a read-only community limited to its sources; the v3 user SHA-256/AES with one authPriv access row', () => {
  const block = snmpdBlock({ snmp_community: 'ops', snmp_community_sources: '127.0.0.1 10.1.5.0/24', snmp_v3_user: 'nms', snmp_v3_auth_password: 'auth-pass-1', snmp_v3_priv_password: 'priv-pass-1' });
  assert.ok(block.includes('snmpCommunityEntry spsSetup1 ops spsSetupSec localSnmpID - spsSetupManagers nonVolatile'));
  assert.deepEqual(block.filter((l) => l.includes(' spsSetupManagers - ')), [
    'snmpTargetAddrEntry spsSetupManager1 snmpUDPDomain 127.0.0.1:0 100 3 spsSetupManagers - nonVolatile 255.255.255.255:0',
    'snmpTargetAddrEntry spsSetupManager2 snmpUDPDomain 10.1.5.0:0 100 3 spsSetupManagers - nonVolatile 255.255.255.0:0',
  ]);
  assert.ok(block.includes('usmUserEntry localSnmpID nms usmHMAC192SHA256AuthProtocol usmAesCfb128Protocol nonVolatile auth-pass-1 priv-pass-1'));
  assert.deepEqual(block.filter((l) => l.startsWith('vacmAccessEntry spsSetupV3Group')), ['vacmAccessEntry spsSetupV3Group - usm authPriv exact spsSetupView spsSetupView spsSetupView nonVolatile']);
  assert.deepEqual(block.filter((l) => l.startsWith('vacmAccessEntry spsSetupGroup')).map((l) => l.split(' ')[7]), ['-', '-'], 'no write view for the community');
  assert.ok(!snmpdBlock({ snmp_community: 'ops', snmp_v3_user: '' }).some((l) => l.startsWith('usmUserEntry')));
});

test('checkAnswers: the SNMPv3 passphrases are both required, at least 8 characters, never echoed', () => {
  const base = { snmp_community: 'ops', snmp_community_sources: '127.0.0.1', snmp_v3_user: 'nms' };
  const errs = checkAnswers({ ...base, snmp_v3_auth_password: 'seven77', snmp_v3_priv_password: '' }).filter((e) => e.startsWith('snmp_'));
  assert.deepEqual(errs.map((e) => e.split(':')[0]), ['snmp_v3_auth_password', 'snmp_v3_priv_password']);
  assert.ok(errs.every((e) => /at least 8 characters/.test(e) && !e.includes('seven77')));
  assert.deepEqual(checkAnswers({ ...base, snmp_v3_auth_password: 'eight888', snmp_v3_priv_password: 'eight888' }).filter((e) => e.startsWith('snmp_')), []);
  assert.match(checkAnswers({ ...base, snmp_community_sources: '' }).join('\n'), /snmp_community_sources: .*at least one IPv4 address/);
});
