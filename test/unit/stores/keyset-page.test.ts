// keysetPage's shortcut (firstOf: rule a row out by its sort value before building its key)
// and its one-pass match count: every page, both directions, both orders, with and without
// the shortcut, equals the page of the fully sorted rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKeys, keysetPage } from '../../../src/stores/search.js';
import type { PageRequest, SortKey } from '../../../src/stores/search.js';
import { seeded } from '../../helpers/seeded.js';

interface Row {
  readonly name: string;
  readonly prio: number;
}

test('keysetPage with firstOf: the same pages as the full sort; matched counts every row that passes', () => {
  const rnd = seeded(14);
  // Few distinct sort values, so that ties (decided by the rest of the key) are common.
  const rows: Row[] = Array.from({ length: 600 }, (_, i) => ({ name: `n${String(Math.floor(rnd() * 1e6)).padStart(6, '0')}-${i}`, prio: Math.floor(rnd() * 7) }));
  const keep = (r: Row) => r.prio !== 3;
  let keysBuilt = 0;
  for (const sort of ['prio', 'name'] as const) {
    const keyOf = (r: Row): SortKey => {
      keysBuilt++;
      return [r[sort], r.name];
    };
    for (const desc of [false, true]) {
      const sorted = rows.filter(keep).sort((a, b) => (desc ? -1 : 1) * compareKeys(keyOf(a), keyOf(b)));
      const expectKeys = sorted.map((r) => r.name);
      const all: string[] = [];
      let req: PageRequest = { limit: 25, desc };
      for (let pages = 0; pages < 100; pages++) {
        keysBuilt = 0;
        const fast = keysetPage(rows, keep, keyOf, req, (r) => r[sort]);
        const fastKeys = keysBuilt;
        const slow = keysetPage(rows, keep, keyOf, req);
        assert.deepEqual(fast, slow, `${sort} ${desc ? 'desc' : 'asc'} page ${pages}`);
        assert.equal(fast.matched, sorted.length);
        if (sort === 'name' && pages > 0) assert.ok(fastKeys < sorted.length, `the shortcut built ${fastKeys} keys for ${sorted.length} rows`);
        all.push(...fast.rows.map((r) => r.name));
        if (!fast.next) break;
        req = { limit: 25, desc, after: fast.next };
      }
      assert.deepEqual(all, expectKeys, `${sort} ${desc ? 'desc' : 'asc'}: every row once, in order`);
      // And backward from the end: the page before the last key is the 25 rows before it.
      const last = keyOf(sorted[sorted.length - 1]);
      const back = keysetPage(rows, keep, keyOf, { limit: 25, desc, before: last }, (r) => r[sort]);
      assert.deepEqual(back.rows.map((r) => r.name), expectKeys.slice(-26, -1));
      assert.deepEqual(back, keysetPage(rows, keep, keyOf, { limit: 25, desc, before: last }));
    }
  }
});
