// The in-place editing sps_setup does on sipd.conf-style text, and the launcher rewrite of
// the package staging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAnswers } from '../../../src/cli/sps-setup/answers-file.js';
import { directiveValue, quoteArg, replaceWord, setDirective } from '../../../src/cli/sps-setup/conf-edit.js';
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
