// The Farm/Proxies tabs made from the schema, the sipd.conf writer pserver saves with, and
// the required-operation marks.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { renderDefaultConf } from '../../../src/server/config.js';
import { SIPD_SCHEMA } from '../../../src/server/modules.js';
import { applyTab, farmTabs, findTab, tabSlug } from '../../../src/provisioning/directives-form.js';
import { checkConf, saveConf, textDigest } from '../../../src/provisioning/conf-save.js';
import { requiredOperation } from '../../../src/provisioning/operations.js';
import { blockText, directiveArgs, setBlocks } from '../../../src/config/conf-edit.js';

function scratch(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'farm-conf-'));
  mkdirSync(path.join(dir, 'conf'));
  const file = path.join(dir, 'conf', 'sipd.conf');
  writeFileSync(file, text);
  return { dir, file };
}

test('every directive and block of the schema lands in exactly one tab, and the tabs are those of Table 2-1', () => {
  const seen = new Map<string, string>();
  for (const t of SIPD_SCHEMA.tabs) {
    for (const e of [...t.directives, ...t.containers]) {
      assert.equal(seen.get(e.name), undefined, `${e.name} is in ${seen.get(e.name)} and ${t.name}`);
      seen.set(e.name, t.name);
    }
  }
  assert.equal(seen.size, SIPD_SCHEMA.directives.length + SIPD_SCHEMA.containers.length);
  const table21 = ['Access Control', 'Accounting', 'Authentication', 'Call Forward', 'Debug and Logs', 'ENUM', 'Farming', 'GKTMP', 'MySQL', 'Number Expansion', 'Privacy', 'RAS', 'Registry', 'Routing', 'RPMS', 'Server Directives', 'SIP Server Core', 'Virtual Proxy Host'];
  assert.deepEqual(SIPD_SCHEMA.tabs.map((t) => t.name).sort(), [...table21].sort());
  assert.equal(seen.get('Cisco_Registry_Farm_Members'), 'Farming');
  assert.equal(seen.get('ErrorLog'), 'Debug and Logs', "the logging owner's tab");
  assert.equal(seen.get('HostnameLookups'), 'Server Directives', "the directive's own tab wins over its owner's");
  assert.equal(seen.get('NumberPlan'), 'Number Expansion');
});

test('a field shows type, default, range and help from the schema; dependents are dimmed while their switch is Off', () => {
  const text = 'Cisco_Enum Off\nCisco_Routing On\n';
  const tabs = farmTabs(SIPD_SCHEMA, text);
  const enumTab = tabs.find((t) => t.name === 'ENUM')!;
  const domain = enumTab.fields.find((f) => f.name === 'Cisco_Enum_Global_Domain')!;
  assert.equal(domain.defaultText, 'e164.arpa');
  assert.ok(domain.doc.length > 20);
  assert.equal(domain.dimmedBy, 'Cisco_Enum');
  assert.equal(enumTab.fields.find((f) => f.name === 'Cisco_Enum')!.dimmedBy, undefined, 'the switch itself is never dimmed');
  assert.equal(enumTab.fields.find((f) => f.name === 'Cisco_Enum')!.kind, 'onoff');
  const routing = tabs.find((t) => t.name === 'Routing')!;
  assert.ok(routing.fields.every((f) => f.dimmedBy === undefined));
  const core = tabs.find((t) => t.name === 'SIP Server Core')!;
  const t1 = core.fields.find((f) => f.name === 'SipT1InMs')!;
  assert.equal(t1.valid, '50 to 10000');
  assert.equal(core.fields.find((f) => f.name === 'ServerType')!.kind, 'choice');
  assert.equal(tabSlug('SIP Server Core'), 'sip-server-core');
});

test('applyTab changes only the submitted fields and keeps comments, unknown and other lines', () => {
  const text = ['# my comment about T1', 'SipT1InMs 500', '# keep me', 'MaxForks 5', 'Listen 5060', 'Listen 127.0.0.1:5070', '', '<NumberPlan Global>', '  NumExp 5.... +1303555', '</NumberPlan>', ''].join('\n');
  const core = findTab(SIPD_SCHEMA, 'sip-server-core')!;
  const r = applyTab(core, text, 'sipd.conf', { SipT1InMs: '700', MaxForks: '5' });
  assert.deepEqual(r.changed, ['SipT1InMs']);
  assert.ok(r.text.includes('# my comment about T1\nSipT1InMs 700\n# keep me\nMaxForks 5'));
  const server = findTab(SIPD_SCHEMA, 'server-directives')!;
  const r2 = applyTab(server, r.text, 'sipd.conf', { Listen: '5060\r\n\r\n127.0.0.1:5080\n' });
  assert.deepEqual(directiveArgs(r2.text.split('\n'), 'Listen'), ['5060', '127.0.0.1:5080']);
  const numexp = findTab(SIPD_SCHEMA, 'number-expansion')!;
  const r3 = applyTab(numexp, r2.text, 'sipd.conf', { NumberPlan: '<NumberPlan Global>\n  NumExp 6.... +1303556\n</NumberPlan>' });
  assert.equal(blockText(r3.text.split('\n'), 'NumberPlan'), '<NumberPlan Global>\n  NumExp 6.... +1303556\n</NumberPlan>');
  assert.ok(r3.text.startsWith('# my comment about T1\n'));
  const lines = r3.text.split('\n');
  assert.deepEqual(setBlocks(lines, 'NumberPlan', '', 'f'), ['f:8: <NumberPlan> blocks removed']);
  assert.equal(blockText(lines, 'NumberPlan'), '');
  // Emptying a field comments the directive out, so its default applies.
  const r4 = applyTab(core, r3.text, 'sipd.conf', { SipT1InMs: '' });
  assert.ok(r4.text.includes('#SipT1InMs 700'));
});

test('a bad value is refused with the message sipd -t prints, naming the field, and nothing is written', () => {
  const good = renderDefaultConf();
  const { dir, file } = scratch(good);
  try {
    const bad = good + '\nSipT1InMs 10\n';
    const r = saveConf(file, bad);
    assert.equal(r.ok, false);
    if (r.ok) return;
    const line = bad.split('\n').length - 1;
    assert.deepEqual(r.errors, [{ field: 'SipT1InMs', text: `${file}:${line}:11: SipT1InMs: 10 is out of range; valid: 50 to 10000` }]);
    assert.equal(readFileSync(file, 'utf8'), good, 'the file is untouched');
    const cross = checkConf('Cisco_Routing_Farm_Members nosuch..host\n', file);
    assert.equal(cross.ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a good text replaces the file atomically, keeping its mode, with no temporary file left', () => {
  const { dir, file } = scratch('# admin note\nMaxForks 5\n');
  try {
    chmodSync(file, 0o640);
    const before = readFileSync(file, 'utf8');
    const r = saveConf(file, '# admin note\nMaxForks 6\n', textDigest(before));
    assert.equal(r.ok, true);
    assert.equal(readFileSync(file, 'utf8'), '# admin note\nMaxForks 6\n');
    assert.equal(statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(path.dirname(file)), ['sipd.conf']);
    const stale = saveConf(file, '# admin note\nMaxForks 7\n', textDigest(before));
    assert.equal(stale.ok, false, 'an edit started from an older text is refused');
    assert.equal(readFileSync(file, 'utf8'), '# admin note\nMaxForks 6\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('required operation: none when the texts agree, graceful for a graceful directive, restart for a restart one or a pending one', () => {
  const base = 'MaxForks 5\nSipT1InMs 500\n';
  assert.deepEqual(requiredOperation('/x/conf/sipd.conf', base + '# only a comment\n', { text: base, pending: [] }), { operation: 'none', graceful: [], restart: [] });
  const g = requiredOperation('/x/conf/sipd.conf', 'MaxForks 6\nSipT1InMs 500\n', { text: base, pending: [] });
  assert.equal(g.operation, 'graceful');
  assert.deepEqual(g.graceful, ['MaxForks']);
  const r = requiredOperation('/x/conf/sipd.conf', base + 'Port 5070\n', { text: base, pending: [] });
  assert.equal(r.operation, 'restart');
  assert.deepEqual(r.restart, ['Port']);
  const p = requiredOperation('/x/conf/sipd.conf', base, { text: base, pending: ['StatefulServer'] });
  assert.equal(p.operation, 'restart', 'sipd still runs an old value');
  const blocks = requiredOperation('/x/conf/sipd.conf', '\n\n<NumberPlan G>\nNumExp 5 6\n</NumberPlan>\n', { text: '<NumberPlan G>\nNumExp 5 6\n</NumberPlan>\n', pending: [] });
  assert.equal(blocks.operation, 'none', 'a block moved down is the same block');
});
