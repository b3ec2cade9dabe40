// The manual pages (packaging/man), made from this checkout as a package makes them from
// its staged tree: each one formats with groff and man-db without a single warning, every
// command's page carries every option its --help lists, sipd.conf(5) names every directive
// of the schema, and the .cnf pages carry the shipped files' entry types.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { helpOutput, renderManPages, writeManPages, type ManPage } from '../../../packaging/man/index.js';
import { parseHelp } from '../../../packaging/man/roff.js';
import { REPO } from '../../../packaging/stage.js';
import { CONTAINERS, DIRECTIVES } from '../../../src/server/config.js';
import { requireTool } from '../../helpers/tools.js';
import { manRender } from './installed-checks.js';
import { MAN_PAGES } from './man-pages.js';

const PREFIX = '/usr/local/sip';

describe('manual pages', () => {
  let pages: ManPage[];
  let dir: string;
  const page = (name: string) => {
    const p = pages.find((x) => x.name === name);
    assert.ok(p, `no page ${name}`);
    return p;
  };
  /** The page as man shows it, overstrikes removed and hyphenation joined. */
  const shown = (name: string) => {
    const p = page(name);
    const r = manRender(path.join(dir, `${p.file}`));
    assert.equal(r.code, 0, r.out);
    return r.text.replace(/\u2010\n\s*/g, '');
  };

  before(() => {
    pages = renderManPages({ treeDir: REPO, prefix: PREFIX, version: '9.9.9' });
    dir = mkdtempSync(path.join(tmpdir(), 'man-test-'));
    writeManPages(dir, pages, false);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('there is a page for every command and configuration file, and no other', () => {
    assert.deepEqual(pages.map((p) => `${p.name}(${p.section})`).sort(), MAN_PAGES.map(([n, s]) => `${n}(${s})`).sort());
  });

  test('groff -man -ww and man --warnings format every page without a warning', () => {
    const groff = requireTool('groff', 'groff-base');
    for (const p of pages) {
      const g = spawnSync(groff, ['-man', '-Tutf8', '-ww', '-z', path.join(dir, p.file)], { encoding: 'utf8' });
      assert.equal(g.status, 0, `${p.file}: ${g.stderr}`);
      assert.equal(g.stderr, '', `${p.file}: groff warns`);
      const m = manRender(path.join(dir, p.file));
      assert.equal(m.code, 0, `${p.file}: ${m.out}`);
      assert.equal(m.out, '', `${p.file}: man --warnings`);
      assert.match(m.text, new RegExp(`^NAME\\n\\s+${p.name.replace(/\./g, '\\.')}\\s+-\\s+\\S`, 'm'), p.file);
    }
  });

  test('each command page shows its usage and every option of its --help, with the install prefix', () => {
    for (const p of pages.filter((x) => x.section === 8)) {
      const help = parseHelp(p.name, helpOutput(path.join(REPO, 'bin', p.name)));
      assert.ok(help.synopsis.length > 0, p.name);
      const text = shown(p.name).replace(/\s+/g, ' ');
      for (const item of help.body) if ('term' in item) assert.ok(text.includes(` ${item.term} `), `${p.name}(8) lacks ${item.term}`);
      assert.ok(!p.text.includes(REPO), `${p.name}(8) shows the checkout's path`);
      assert.doesNotMatch(p.text, /@PREFIX@/);
      assert.match(text, /SEE ALSO/);
    }
    assert.match(shown('sipd'), /-f FILE\n\s+configuration file \(default \/usr\/local\/sip\/conf\/sipd\.conf\)/);
    assert.match(shown('sipd'), /EXIT STATUS/);
  });

  test('parseHelp splits a term followed by a single blank at the column the other options use', () => {
    const h = parseHelp('x', 'Usage: x [-a] [-C "d"]\n         [-z]\n  -a             the a option\n  -C "dir"       spaced\n  -C "directive" one blank only\n                 and a continuation\nA closing line.\n');
    assert.deepEqual(h.synopsis, ['x [-a] [-C "d"] [-z]']);
    assert.deepEqual(h.body, [
      { term: '-a', desc: 'the a option' },
      { term: '-C "dir"', desc: 'spaced' },
      { term: '-C "directive"', desc: 'one blank only and a continuation' },
      { text: 'A closing line.', indent: 0 },
    ]);
    assert.throws(() => parseHelp('x', 'x: no such option\n'), /no "Usage:" line/);
  });

  test('sipd.conf(5) describes every directive and block of the schema', () => {
    const text = shown('sipd.conf');
    const names = [...DIRECTIVES.map((d) => d.name), ...CONTAINERS.flatMap((c) => [`<${c.name}`, ...c.children.map((d) => d.name)])];
    assert.ok(names.length > 100);
    for (const n of names) assert.ok(new RegExp(`^\\s+${n.replace(/[<.]/g, '\\$&')}\\b`, 'm').test(text), `sipd.conf(5) lacks ${n}`);
    assert.match(text, /ProxyDomain domain name\n\s+DNS domain/);
  });

  test('each .cnf page carries the entry types and the entries of the shipped file', () => {
    for (const p of pages.filter((x) => x.name.endsWith('.cnf'))) {
      const shipped = readFileSync(path.join(REPO, 'conf', p.name), 'utf8');
      const text = shown(p.name);
      for (const m of shipped.matchAll(/^# Entry type:\s*(\S+)/gm)) assert.match(text, new RegExp(`^ {3}${m[1]}\\b`, 'm'), `${p.name}(5) lacks the subsection ${m[1]}`);
      const first = shipped.split('\n').find((l) => l.trim() && !l.startsWith('#'));
      assert.ok(first, p.name);
      assert.ok(text.includes(first.trim()), `${p.name}(5) lacks its first entry: ${first}`);
    }
  });
});
