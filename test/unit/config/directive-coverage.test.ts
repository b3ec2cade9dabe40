// Every directive sipd accepts either does something or says it does not: it is read by
// code in src/ outside the files that declare directives, or it carries `noEffect`, so
// that `sipd -t` warns where it is set and sipd logs a notice at start. A directive
// added with no code reading it fails here until it is marked.
//
// "Read" is decided on the syntax tree of each source file, so comments and strings do
// not count: `values.Name`, `values?.Name`, `values['Name']` and `const { Name } = values`
// do. sps_setup lists names as strings to rewrite the file; that is not reading them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { CONTAINERS, DIRECTIVES, parseConfig } from '../../../src/server/config.js';
import { logNoEffect } from '../../../src/server/no-effect.js';
import type { AnyContainer, AnyDirective } from '../../../src/config/spec.js';
import { REPO } from '../../helpers/paths.js';

interface Source {
  readonly file: string;
  readonly text: string;
}

/** Files that declare directives: their own checks only validate values, they do not act on them. */
function declaresDirectives(file: string): boolean {
  return path.basename(file) === 'directives.ts';
}

/** Property names read anywhere in the sources (outside the directive declarations). */
function propertiesRead(sources: readonly Source[]): Set<string> {
  const read = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n)) read.add(n.name.text);
    else if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression)) read.add(n.argumentExpression.text);
    else if (ts.isBindingElement(n) && ts.isObjectBindingPattern(n.parent)) {
      const key = n.propertyName ?? n.name;
      if (ts.isIdentifier(key) || ts.isStringLiteralLike(key)) read.add(key.text);
    }
    ts.forEachChild(n, visit);
  };
  for (const s of sources) {
    if (declaresDirectives(s.file)) continue;
    visit(ts.createSourceFile(s.file, s.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  }
  return read;
}

/** The names of `names` that no source reads. */
function unread(names: readonly string[], sources: readonly Source[]): string[] {
  const read = propertiesRead(sources);
  return names.filter((n) => !read.has(n));
}

function srcFiles(dir: string): Source[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return srcFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [{ file: path.relative(REPO, p), text: readFileSync(p, 'utf8') }] : [];
  });
}

const directives = DIRECTIVES as readonly AnyDirective[];
const containers = CONTAINERS as readonly AnyContainer[];
const all: readonly { name: string; noEffect?: string }[] = [...directives, ...containers, ...containers.flatMap((c) => c.children)];
const SRC = srcFiles(path.join(REPO, 'src'));

test('the check sees reads in code and ignores comments, strings and directive declarations', () => {
  const sources: Source[] = [
    { file: 'src/a/use.ts', text: 'export const f = (c: any) => c.values.Read_By_Dot + c.values?.Read_Optional;' },
    { file: 'src/a/more.ts', text: "export function g(v: any) { const { Read_Destructured, x: _x } = v; return v['Read_Indexed'] + Read_Destructured; }" },
    { file: 'src/a/talk.ts', text: "// values.Only_In_A_Comment\nexport const s = 'Only_In_A_String'; export const list = ['Only_In_A_List'];" },
    { file: 'src/a/directives.ts', text: 'export const check = (v: any) => v.Only_In_Directives;' },
  ];
  const names = ['Read_By_Dot', 'Read_Optional', 'Read_Destructured', 'Read_Indexed', 'Only_In_A_Comment', 'Only_In_A_String', 'Only_In_A_List', 'Only_In_Directives'];
  assert.deepEqual(unread(names, sources), ['Only_In_A_Comment', 'Only_In_A_String', 'Only_In_A_List', 'Only_In_Directives']);
  // A directive added to the real schema with nothing reading it is caught.
  assert.deepEqual(unread(['Zz_Added_But_Never_Read'], SRC), ['Zz_Added_But_Never_Read']);
});

test('every directive and block is read by code in src/ or carries noEffect', () => {
  assert.ok(SRC.length > 100, `read only ${SRC.length} source files`);
  const silent = unread(
    all.filter((s) => !s.noEffect).map((s) => s.name),
    SRC,
  );
  assert.deepEqual(silent, [], `accepted but read by nothing, and not marked noEffect (say why, naming the feature): ${silent.join(', ')}`);
});

test('no directive marked noEffect is read by code: once a feature is built, its marks go', () => {
  const marked = all.filter((s) => s.noEffect).map((s) => s.name);
  const stillUnread = new Set(unread(marked, SRC));
  assert.deepEqual(
    marked.filter((n) => !stillUnread.has(n)),
    [],
  );
  // Each reason names what is missing or why it cannot apply, for the notice at start.
  for (const s of all) if (s.noEffect) assert.ok(s.noEffect.length > 20 && !/[.]$/.test(s.noEffect), `${s.name}: "${s.noEffect}"`);
});

test('the unbuilt features of the issue are marked, each with its area', () => {
  const reason = (name: string) => all.find((s) => s.name === name)?.noEffect ?? '';
  assert.match(reason('GktmpConnection'), /GKTMP/);
  assert.match(reason('RASModule'), /RAS/);
  assert.match(reason('RASGatekeeperCluster'), /RAS/);
  for (const port of ['Cisco_Registry_Remote_Update_Port', 'Cisco_Routing_Remote_Update_Port', 'Sip_Token_Port', 'Sip_Services_Port']) assert.match(reason(port), /MySQL\/Galera/);
  assert.match(reason('DiffServValue'), /TOS/);
  assert.match(reason('CSPSVersion'), /release/);
});

test('a file setting such directives loads, and the config lists each line that sets one', () => {
  const text = ['GktmpConnection On', 'DiffServValue 0xB8', 'Port 5060', '<RASGatekeeperCluster 1>', 'RASGatekeeper gk1.example.com 1719', '</RASGatekeeperCluster>', 'StartServers 3'].join('\n');
  const r = parseConfig(text, '/x/conf/t.conf');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual(
    r.config.noEffect.map((u) => `${u.file}:${u.line}:${u.col} ${u.name}`),
    // The block's own line stands for the lines inside it.
    ['/x/conf/t.conf:1:1 GktmpConnection', '/x/conf/t.conf:2:1 DiffServValue', '/x/conf/t.conf:4:1 <RASGatekeeperCluster>', '/x/conf/t.conf:7:1 StartServers'],
  );
  assert.deepEqual(r.warnings, []);
});

test('the original farm ports give a start-up notice each: the farm shares its state through MySQL/Galera, no member port is opened', () => {
  const ports = ['Cisco_Registry_Remote_Update_Port 22913', 'Cisco_Routing_Remote_Update_Port 22913', 'Sip_Token_Port 22794', 'Sip_Services_Port 52931'];
  const r = parseConfig(['DB_MySQL On', ...ports].join('\n'), '/x/conf/farm.conf');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const notices: string[] = [];
  logNoEffect({ notice: (m: string) => void notices.push(m) }, r.config);
  assert.deepEqual(
    notices.map((m) => m.replace(/: farm members share .*$/, '')),
    ports.map((p, i) => `${p.split(' ')[0]} (/x/conf/farm.conf:${i + 2}) has no effect`),
  );
  for (const m of notices) assert.match(m, /share their state through the MySQL\/Galera database .*, so sipd opens no such port$/);
});
