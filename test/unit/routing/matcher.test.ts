// The route index against a plain reference: every pattern turned into a regular
// expression and tried one by one. Random tables and keys; the index must find exactly
// the same patterns, most specific first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumberIndex, RouteMatcher } from '../../../src/stores/embedded/route-matcher.js';
import { compareNumberSpecificity, parseNumberPattern } from '../../../src/stores/route-pattern.js';
import type { NumberPattern } from '../../../src/stores/route-pattern.js';
import { routeKey } from '../../../src/stores/route-store.js';
import { route, seeded } from './helpers.js';

function toRegExp(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '.') re += '[0-9]';
    else if (c === '\\') {
      re += '\\*';
      i++;
    } else if (c === '*') re += '.*';
    else re += c === '+' ? '\\+' : c;
  }
  return new RegExp(`^${re}$`);
}

function randomPattern(rnd: () => number): string {
  const alphabet = '0123.';
  let s = rnd() < 0.2 ? '+' : '';
  const len = 1 + Math.floor(rnd() * 6);
  for (let i = 0; i < len; i++) s += rnd() < 0.05 ? '\\*' : alphabet[Math.floor(rnd() * alphabet.length)];
  if (rnd() < 0.3) s += '*';
  return s;
}

function randomKey(rnd: () => number): string {
  let s = rnd() < 0.2 ? '+' : '';
  const len = Math.floor(rnd() * 8);
  for (let i = 0; i < len; i++) s += rnd() < 0.03 ? '*' : '0123'[Math.floor(rnd() * 4)];
  return s;
}

test('random tables: the index finds exactly what a linear scan of regular expressions finds, in specificity order', () => {
  const rnd = seeded(42);
  for (let round = 0; round < 20; round++) {
    const patterns = [...new Set(Array.from({ length: 60 }, () => randomPattern(rnd)))];
    const m = new RouteMatcher();
    for (const p of patterns) m.put(route(p));
    const parsed = new Map(patterns.map((p) => [p, parseNumberPattern(p)]));
    for (let k = 0; k < 300; k++) {
      const key = randomKey(rnd);
      const want = patterns
        .filter((p) => toRegExp(p).test(key))
        .map((p) => (parsed.get(p) as { pattern: NumberPattern }).pattern)
        .sort(compareNumberSpecificity)
        .map((p) => p.text);
      const got = m.match('phone', key).map((g) => g[0].pattern);
      assert.deepEqual(got, want, `key ${key} in table ${patterns.join(' ')}`);
    }
    // Removing half the patterns leaves an index that agrees with the rest.
    const removed = patterns.filter((_, i) => i % 2 === 0);
    for (const p of removed) assert.ok(m.remove(routeKey(route(p))), `remove ${p}`);
    const left = patterns.filter((_, i) => i % 2 === 1);
    assert.equal(m.size(), left.length);
    for (let k = 0; k < 100; k++) {
      const key = randomKey(rnd);
      const want = new Set(left.filter((p) => toRegExp(p).test(key)));
      const got = new Set(m.match('phone', key).map((g) => g[0].pattern));
      assert.deepEqual(got, want, `after removal, key ${key}`);
    }
  }
});

test('removing every pattern leaves an empty index (no dangling levels)', () => {
  const idx = new NumberIndex<string>();
  const list = ['9..5*', '9..', '9..5', '9*', '.', '*', '\\*69'];
  for (const t of list) {
    const p = parseNumberPattern(t);
    assert.ok(p.ok);
    assert.ok(idx.ensure(p.pattern, t, t).created);
  }
  assert.equal(idx.size, list.length);
  for (const t of list) {
    const p = parseNumberPattern(t);
    assert.ok(p.ok);
    assert.ok(idx.delete(p.pattern), t);
    assert.ok(!idx.delete(p.pattern), `${t} twice`);
  }
  assert.equal(idx.size, 0);
  assert.deepEqual([...idx.groups()], []);
  const out: unknown[] = [];
  idx.collect('9125', out as never);
  assert.equal(out.length, 0);
});

test('several next hops share one pattern; the same routeKey replaces', () => {
  const m = new RouteMatcher();
  m.put(route('1408*', { nextHop: 'a.example.com' }));
  m.put(route('1408*', { nextHop: 'b.example.com' }));
  assert.equal(m.put(route('1408*', { nextHop: 'A.example.com', priority: 7 }))?.priority, 1, 'host names compare without case');
  assert.equal(m.size(), 2);
  const [g] = m.match('phone', '14085550122');
  assert.deepEqual(g.map((r) => `${r.nextHop}/${r.priority}`).sort(), ['A.example.com/7', 'b.example.com/1']);
  assert.equal(m.all().length, 2);
});

test('domain routes: deeper patterns first, an exact host before a star at the same depth', () => {
  const m = new RouteMatcher();
  for (const p of ['.*', '.com.*', '.com.ibm.*', '.com.ibm.us', '.com.ibm.us.*']) m.put(route(p, { type: 'ip' }));
  assert.deepEqual(
    m.match('ip', 'us.ibm.com').map((g) => g[0].pattern),
    ['.com.ibm.us', '.com.ibm.us.*', '.com.ibm.*', '.com.*', '.*'],
  );
  assert.deepEqual(
    m.match('ip', 'x.us.ibm.com').map((g) => g[0].pattern),
    ['.com.ibm.us.*', '.com.ibm.*', '.com.*', '.*'],
  );
  assert.equal(m.remove(routeKey(route('.com.ibm.us', { type: 'ip' })))?.pattern, '.com.ibm.us');
  assert.deepEqual(m.match('ip', 'us.ibm.com').map((g) => g[0].pattern), ['.com.ibm.us.*', '.com.ibm.*', '.com.*', '.*']);
});
