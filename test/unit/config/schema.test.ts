// Every directive in the schema: its default applies when absent, its range or list of
// valid values is enforced with the standard message, and the generated files match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTAINERS, DIRECTIVES } from '../../../src/server/config.js';
import type { AnyContainer, AnyDirective } from '../../../src/config/spec.js';
import { formatMessage, parseConfig } from '../../../src/server/config.js';
import { renderDefaultConf, renderDirectiveDocs } from '../../../src/server/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const directives = DIRECTIVES as readonly AnyDirective[];
const containers = CONTAINERS as readonly AnyContainer[];

// Lines that keep cross-directive checks satisfied while one directive is taken to its limits.
const COMPANIONS: Readonly<Record<string, readonly string[]>> = {
  SipT3InMs: ['SipMaxT3InMs 3600000'],
  SipMaxT3InMs: ['SipT3InMs 1000'],
  SipTlsEnable: ['SipTlsCertificateFile conf/cert.pem', 'SipTlsCertificateKeyFile conf/key.pem'],
};

/** Wrap a child directive's line in its block so it is in the right context. */
function inContext(spec: AnyDirective, line: string): { text: string; lineNo: number } {
  if (spec.context === 'main') return { text: [line, ...(COMPANIONS[spec.name] ?? [])].join('\n'), lineNo: 1 };
  const c = containers.find((x) => x.name === spec.context)!;
  const id = c.id.kind === 'int' ? String(c.id.min) : 'T';
  const required = (c.required ?? []).filter((r) => r !== spec.name).map((r) => `${r} required.example.com`);
  return { text: [`<${c.name} ${id}>`, line, ...required, `</${c.name}>`].join('\n'), lineNo: 2 };
}

function valueOf(spec: AnyDirective, argText: string): unknown {
  const { text } = inContext(spec, `${spec.name} ${argText}`);
  const r = parseConfig(text, '/x/conf/t.conf');
  if (!r.ok) assert.fail(`${spec.name} ${argText}: ${r.errors.map(formatMessage).join('; ')}`);
  const v = r.config.values as unknown as Record<string, unknown>;
  if (spec.context === 'main') return v[spec.name];
  const blocks = v[spec.context] as Record<string, unknown>[];
  return blocks[0][spec.name];
}

function errorOf(spec: AnyDirective, argText: string): string {
  const { text, lineNo } = inContext(spec, `${spec.name} ${argText}`);
  const r = parseConfig(text, 't.conf');
  assert.equal(r.ok, false, `${spec.name} ${argText} should be rejected`);
  const msgs = r.ok ? [] : r.errors.map(formatMessage);
  assert.equal(msgs.length, 1, msgs.join('\n'));
  assert.match(msgs[0], new RegExp(`^t\\.conf:${lineNo}:\\d+: `));
  return msgs[0].replace(/^t\.conf:\d+:\d+: /, '');
}

test('the schema covers the guide: well over 150 directives, each documented and owned', () => {
  const all = [...directives, ...containers.flatMap((c) => c.children)];
  assert.ok(all.length >= 160, `only ${all.length} directives`);
  const names = new Set<string>();
  for (const s of all) {
    assert.ok(!names.has(s.name.toLowerCase()), `${s.name} declared twice`);
    names.add(s.name.toLowerCase());
    assert.ok(s.doc.length > 20, `${s.name} has no real doc`);
    assert.ok(s.owner, `${s.name} has no owner`);
  }
  assert.deepEqual(containers.map((c) => c.name).sort(), ['NumberPlan', 'RASGatekeeperCluster', 'VirtualProxyHost']);
});

test('directives documented as having no effect carry the reason sipd logs at start, and the generated files say so', () => {
  const documented = directives.filter((s) => /has no effect/.test(s.doc)).map((s) => s.name);
  const flagged = directives.filter((s) => s.noEffect).map((s) => s.name);
  for (const name of documented) assert.ok(flagged.includes(name), `${name} says it has no effect but has no noEffect reason`);
  assert.ok(flagged.includes('StartServers') && flagged.includes('SharedMemorySize') && flagged.includes('GktmpConnection'));
  const docs = renderDirectiveDocs();
  const conf = renderDefaultConf();
  for (const s of [...directives, ...containers, ...containers.flatMap((c) => c.children)]) {
    if (!s.noEffect) continue;
    const row = docs.split('\n').find((l) => l.startsWith(`| \`${s.name}\``) || l.startsWith(`| \`<${s.name} `) || l.startsWith(`| ↳ \`${s.name}\``));
    assert.ok(row?.includes(`**No effect:** ${s.noEffect}.`), `docs row of ${s.name}: ${row}`);
    assert.ok(conf.replace(/\n# /g, ' ').includes(`NO EFFECT in sipd: ${s.noEffect}.`), `sipd.conf comment of ${s.name}`);
  }
  assert.match(docs, /^## GKTMP interface \(not built: no effect\)$/m);
  assert.doesNotMatch(docs, /^## Accounting \(RADIUS\) \(not built/m);
});

test('every directive has its default when the file does not set it', () => {
  const r = parseConfig('', '/x/conf/t.conf');
  assert.ok(r.ok);
  const v = r.config.values as unknown as Record<string, unknown>;
  for (const s of directives) {
    if (s.name === 'ServerRoot') continue;
    assert.deepEqual(v[s.name], s.default, s.name);
  }
  assert.equal(v.ServerRoot, '/x');
  for (const c of containers) assert.deepEqual(v[c.name], [], c.name);
});

test('guide defaults that administrators rely on', () => {
  const r = parseConfig('', '/x/conf/t.conf');
  assert.ok(r.ok);
  const v = r.config.values;
  assert.equal(v.MaxForks, 5);
  assert.equal(v.SipT1InMs, 500);
  assert.equal(v.SipT2InMs, 4000);
  assert.equal(v.SipT3InMs, 60000);
  assert.equal(v.SipMaxT3InMs, 180000);
  assert.equal(v.SipT4InMs, 32000);
  assert.equal(v.MaxInviteRetxCount, 6);
  assert.equal(v.MaxNonInviteRetxCount, 10);
  assert.equal(v.DiffServValue, 0x60);
  assert.equal(v.TransportPrefOrder, 'TLS_TCP_UDP');
  assert.equal(v.ServerType, 'Proxy');
  assert.equal(v.StatefulServer, true);
  assert.equal(v.AddRecordRoute, false);
  assert.equal(v.RegistryCleanupRate, 180000);
  assert.equal(v.AuthRealm, 'CISCO');
  assert.equal(v.SipTlsPort, 5061);
  assert.equal(v.CallForwardNoAnswerTimer, 24000);
  assert.equal(v.Cisco_Enum_Global_Domain, 'e164.arpa');
  assert.equal(v.Cisco_Registry_Max_DB_Age_on_Boot, 86400);
  assert.equal(v.SIPStatsInterval, 3600);
  assert.equal(v.PidFile, 'logs/sipd.pid');
  assert.equal(v.User, 'csps');
});

for (const s of [...directives, ...containers.flatMap((c) => c.children)]) {
  if (s.type === 'On|Off') {
    test(`${s.name}: On/Off`, () => {
      assert.equal(valueOf(s, 'On'), true);
      assert.equal(valueOf(s, 'off'), false);
      assert.equal(errorOf(s, 'maybe'), `${s.name}: "maybe" is not valid; valid: On, Off`);
    });
    continue;
  }
  const range = /^(-?\d+) to (\d+)$/.exec(s.valid);
  if (s.type.startsWith('integer') && range) {
    const [min, max] = [Number(range[1]), Number(range[2])];
    test(`${s.name}: integer ${min} to ${max}`, () => {
      assert.equal(valueOf(s, String(min)), min);
      assert.equal(valueOf(s, String(max)), max);
      assert.equal(errorOf(s, String(min - 1)), `${s.name}: ${min - 1} is out of range; valid: ${min} to ${max}`);
      assert.equal(errorOf(s, String(max + 1)), `${s.name}: ${max + 1} is out of range; valid: ${min} to ${max}`);
      assert.equal(errorOf(s, '1x'), `${s.name}: "1x" is not an integer; valid: ${min} to ${max}`);
    });
    continue;
  }
  const hexRange = /^0x([0-9a-f]+) to 0x([0-9a-f]+)$/.exec(s.valid);
  if (s.type === 'hex' && hexRange) {
    const [min, max] = [parseInt(hexRange[1], 16), parseInt(hexRange[2], 16)];
    test(`${s.name}: hex 0x${min.toString(16)} to 0x${max.toString(16)}`, () => {
      assert.equal(valueOf(s, `0x${max.toString(16)}`), max);
      assert.equal(valueOf(s, `0X${min.toString(16).toUpperCase()}`), min);
      assert.equal(errorOf(s, `0x${(max + 1).toString(16)}`), `${s.name}: 0x${(max + 1).toString(16)} is out of range; valid: ${s.valid}`);
    });
    continue;
  }
  const choices = s.type.split('|');
  if (choices.length > 1 && s.valid === choices.join(', ')) {
    test(`${s.name}: one of ${s.valid}`, () => {
      for (const c of choices) {
        assert.equal(valueOf(s, c), c);
        assert.equal(valueOf(s, c.toLowerCase()), c, 'values are case-insensitive');
      }
      assert.equal(errorOf(s, 'bogus'), `${s.name}: "bogus" is not valid; valid: ${s.valid}`);
    });
  }
}

test('docs/directives.md and conf/sipd.conf are what the schema generates (run npm run gen)', () => {
  assert.equal(readFileSync(path.join(root, 'docs/directives.md'), 'utf8'), renderDirectiveDocs() + '\n');
  assert.equal(readFileSync(path.join(root, 'conf/sipd.conf'), 'utf8'), renderDefaultConf() + '\n');
});

test('the directive reference lists every directive with type, default, range and restart class', () => {
  const doc = renderDirectiveDocs();
  for (const s of [...directives, ...containers.flatMap((c) => c.children)]) {
    const row = doc.split('\n').find((l) => l.includes(`\`${s.name}\``));
    assert.ok(row, `${s.name} missing from docs`);
    assert.ok(row.includes(s.restart === 'restart' ? '| full |' : '| graceful |'), s.name);
  }
});
