// The shape of src/ that docs/architecture.md describes, kept so by the suite: imports only
// point down the floors and never in a circle (dependency-cruiser with the rules in
// .dependency-cruiser.cjs), and code is not copied about (jscpd with .jscpd.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../../helpers/paths.js';

const BIN = path.join(REPO, 'node_modules', '.bin');

/** Most clones jscpd may find in src/ (5 lines and 50 tokens or more each). */
const MAX_CLONES = 4;
/** Longest source file allowed without a header line saying why it is longer. */
const MAX_LINES = 500;

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

test('imports only point down the floors and never in a circle (dependency-cruiser)', () => {
  const r = spawnSync(path.join(BIN, 'depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  assert.ok(r.stdout, `depcruise printed nothing (exit ${r.status}): ${r.stderr}`);
  const report = JSON.parse(r.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  assert.ok(report.summary.totalCruised > 100, `depcruise read only ${report.summary.totalCruised} modules`);
  const lines = report.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
  assert.deepEqual(lines, [], `dependency rules broken:\n${lines.join('\n')}`);
});

test(`src/ holds at most ${MAX_CLONES} copied blocks (jscpd)`, () => {
  const out = path.join(REPO, 'dist', 'jscpd');
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(path.join(BIN, 'jscpd'), ['--config', '.jscpd.json', '--output', out], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  const report = JSON.parse(readFileSync(path.join(out, 'jscpd-report.json'), 'utf8')) as {
    statistics: { total: { clones: number; sources: number } };
    duplicates: { lines: number; firstFile: { name: string; start: number; end: number }; secondFile: { name: string; start: number; end: number } }[];
  };
  assert.ok(report.statistics.total.sources > 100, `jscpd read only ${report.statistics.total.sources} files (exit ${r.status}): ${r.stderr}`);
  const clones = report.duplicates.map((d) => `${d.lines} lines: ${d.firstFile.name}:${d.firstFile.start}-${d.firstFile.end} ~ ${d.secondFile.name}:${d.secondFile.start}-${d.secondFile.end}`);
  assert.ok(clones.length <= MAX_CLONES, `${clones.length} clones (at most ${MAX_CLONES}):\n${clones.join('\n')}`);
});

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

test(`no file in src/ is over ${MAX_LINES} lines unless its header says why`, () => {
  const long: string[] = [];
  for (const file of sources(path.join(REPO, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines <= MAX_LINES) continue;
    // The reason is a line of the opening comment that starts "Long:".
    const header = text.slice(0, text.search(/^(import|export|const|function|class)\b/m));
    if (!/^\/\/ Long: \S/m.test(header)) long.push(`${path.relative(REPO, file)}: ${lines} lines`);
  }
  assert.deepEqual(long, [], `files over ${MAX_LINES} lines with no "// Long: why" header line:\n${long.join('\n')}`);
});
