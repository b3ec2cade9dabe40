// The sorted views behind the GUI's searches (src/stores/sorted-index.ts), checked against
// a model: after each round of random changes, every query (operator, field, sort column,
// direction) is paged through forward and back, and must give exactly the rows, order and
// count that sorting the whole table by hand gives: first while the views are being built
// (answered by a pass over the table), then from the views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SortedIndex, VIEW_IDLE_MS } from '../../../src/stores/sorted-index.js';
import type { IndexQuery } from '../../../src/stores/sorted-index.js';
import { compareKeys, compareParts, SEARCH_OPS, textMatches } from '../../../src/stores/search.js';
import type { SortKey } from '../../../src/stores/search.js';

interface Row {
  readonly g: string;
  readonly id: number;
  readonly name: string;
  readonly n: number;
  readonly until: number;
}
type F = 'name' | 'n' | 'g';

/** A seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

class Table {
  readonly groups = new Map<string, Row[]>();
  /** How often the index read the whole table (built a view). */
  builds = 0;
  /** The index's clock. */
  clock = 0;
  readonly index = new SortedIndex<Row, F>({
    rows: () => (this.builds++, [...this.groups.values()].flat()),
    size: () => [...this.groups.values()].flat().length,
    group: (r) => r.g,
    current: (g) => this.groups.get(g) ?? [],
    value: (r, f) => (f === 'n' ? r.n : f === 'g' ? r.g : r.name),
    tail: (r) => [r.g, r.id],
    compareTail: (a, b) => compareParts(a.g, b.g) || a.id - b.id,
    now: () => this.clock,
  });
  private next = 0;

  constructor(
    private readonly rand: () => number,
    private readonly spread = 40,
  ) {}

  /** Replace a group's rows by 0-3 new ones, as a REGISTER or a route edit would. */
  change(): void {
    const g = `G${Math.floor(this.rand() * this.spread)}`;
    const names = ['alpha', 'Alpine', 'beta', 'BETAMAX', 'gamma', 'al', 'zeta', 'Gam'];
    const rows = Array.from({ length: Math.floor(this.rand() * 4) }, () => ({
      g,
      id: this.next++,
      name: names[Math.floor(this.rand() * names.length)] + (this.rand() < 0.5 ? '' : String(Math.floor(this.rand() * 5))),
      n: Math.floor(this.rand() * 7),
      until: Math.floor(this.rand() * 10),
    }));
    if (rows.length) this.groups.set(g, rows);
    else this.groups.delete(g);
    this.index.changed(g);
  }
}

const fieldText = (r: Row, f: F) => String(f === 'n' ? r.n : f === 'g' ? r.g : r.name);
const keyOf = (r: Row, f: F): SortKey => [f === 'n' ? r.n : (f === 'g' ? r.g : r.name).toLowerCase(), r.g, r.id];

/** Page through a query both ways and compare with the model's answer; true when a view answered the first page. */
function check(t: Table, q: Omit<IndexQuery<F>, 'limit' | 'after' | 'before'>, now: number, limit: number): boolean {
  const alive = (r: Row) => r.until > now;
  const want = [...t.groups.values()]
    .flat()
    .filter((r) => alive(r) && textMatches(q.filter.op, fieldText(r, q.filter.field), q.filter.text))
    .sort((a, b) => (q.desc ? -1 : 1) * compareKeys(keyOf(a, q.sort), keyOf(b, q.sort)))
    .map((r) => r.id);
  const total = [...t.groups.values()].flat().filter(alive).length;
  const what = JSON.stringify(q);
  let page = t.index.search({ ...q, limit }, () => total, alive);
  const indexed = page.indexed;
  const got = page.rows.map((r) => r.id);
  assert.equal(page.count, want.length, `count of ${what}`);
  while (page.next) {
    page = t.index.search({ ...q, limit, after: page.next }, () => total, alive);
    got.push(...page.rows.map((r) => r.id));
  }
  assert.deepEqual(got, want, `forward pages of ${what}`);
  const back = [...page.rows.map((r) => r.id)].reverse();
  while (page.prev) {
    page = t.index.search({ ...q, limit, before: page.prev }, () => total, alive);
    back.push(...[...page.rows].reverse().map((r) => r.id));
  }
  assert.deepEqual(back, [...want].reverse(), `backward pages of ${what}`);
  return indexed;
}

test('every query pages through the same rows, order and count as sorting the table by hand, across changes', async () => {
  const rand = rng(20261207);
  const t = new Table(rand);
  for (let i = 0; i < 60; i++) t.change();
  for (let round = 0; round < 8; round++) {
    // A few changes between rounds: the views skip changed groups and merge their rows in.
    for (let i = 0; i < 1 + round * 3; i++) t.change();
    const now = Math.floor(rand() * 4);
    let indexed = 0;
    for (const pass of ['while building', 'from the views']) {
      for (const op of SEARCH_OPS)
        for (const field of ['name', 'g'] as const)
          for (const text of ['*', 'al', 'BETA', 'g1', 'a', 'zzz'])
            for (const sort of ['name', 'n', 'g'] as const)
              for (const desc of [false, true]) indexed += check(t, { filter: { field, op, text }, sort, desc }, now, 1 + ((round + text.length) % 4)) ? 1 : 0;
      if (pass === 'while building') await t.index.settled();
    }
    assert.ok(indexed > 0, `round ${round}: some answers came from the views`);
  }
});

test('a built view answers without reading the table; changes are merged in until more than DIRTY_MIN groups changed, then it is built again', async () => {
  const rand = rng(7);
  const t = new Table(rand, 1_000_000);
  for (let i = 0; i < 200; i++) t.change();
  const q = { filter: { field: 'name' as const, op: 'starts' as const, text: 'al' }, sort: 'name' as const, desc: false };
  assert.equal(check(t, q, -1, 5), false, 'the first search is a pass over the table');
  await t.index.settled();
  let reads = t.builds;
  assert.equal(check(t, q, -1, 5), true);
  assert.equal(t.builds, reads, 'a view answered: the table was not read');
  for (let i = 0; i < 1500; i++) t.change();
  reads = t.builds;
  assert.equal(check(t, q, -1, 5), true, '1,500 changed groups are merged into the view');
  assert.equal(t.builds, reads);
  for (let i = 0; i < 1000; i++) t.change();
  assert.equal(check(t, q, -1, 5), false, 'past 2,000 changed groups the view was dropped');
  await t.index.settled();
  assert.equal(check(t, q, -1, 5), true, 'and built again');
  check(t, { ...q, filter: { ...q.filter, op: 'contains', text: 'ta' } }, 2, 3);
});

test('a reset while a view is being built drops that build', async () => {
  const t = new Table(rng(11), 1_000_000);
  for (let i = 0; i < 300; i++) t.change();
  const q = { filter: { field: 'name' as const, op: 'equals' as const, text: '*' }, sort: 'n' as const, desc: true };
  check(t, q, -1, 7);
  t.index.reset();
  await t.index.settled();
  assert.equal(check(t, q, -1, 7), false, 'nothing built survived the reset');
  await t.index.settled();
  assert.equal(check(t, q, -1, 7), true);
});

test('a view of more rows than one sorted run (4,096) is merged in the right order', async () => {
  const t = new Table(rng(3), 1_000_000);
  for (let i = 0; i < 14_000; i++) t.change();
  const rows = [...t.groups.values()].flat().length;
  assert.ok(rows > 4 * 4096, `${rows} rows`);
  const qs = (['name', 'n', 'g'] as const).map((sort) => ({ filter: { field: 'name' as const, op: 'starts' as const, text: 'gam' }, sort, desc: sort === 'n' }));
  for (const q of qs) check(t, q, -1, 200);
  await t.index.settled();
  for (const q of qs) assert.equal(check(t, q, -1, 200), true);
  assert.equal(check(t, { ...qs[0], filter: { field: 'g', op: 'equals', text: '*' } }, -1, 500), true);
});

test('a view no search used for VIEW_IDLE_MS is dropped; one in use is kept', async () => {
  const t = new Table(rng(5), 1_000_000);
  for (let i = 0; i < 300; i++) t.change();
  const byName = { filter: { field: 'name' as const, op: 'equals' as const, text: '*' }, sort: 'name' as const, desc: false };
  const byN = { ...byName, sort: 'n' as const };
  check(t, byName, -1, 9);
  check(t, byN, -1, 9);
  await t.index.settled();
  assert.equal(check(t, byName, -1, 9), true);
  t.clock += VIEW_IDLE_MS - 1;
  assert.equal(check(t, byN, -1, 9), true, 'the view by n, used before, is kept');
  t.clock += 2;
  assert.equal(check(t, byN, -1, 9), true, 'still in use');
  assert.equal(check(t, byName, -1, 9), false, 'the view by name, unused for longer than VIEW_IDLE_MS, was dropped');
  await t.index.settled();
  assert.equal(check(t, byName, -1, 9), true, 'and is built again when asked for');
});
