// RFC 2782 ordering of SRV records: priority first, then a weighted draw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderByPriorityAndWeight } from '../../../src/modules/dns/srv-order.js';

const rec = (name: string, priority: number, weight: number) => ({ name, priority, weight });

/** Random numbers from a list, in turn. */
function seq(...xs: number[]): () => number {
  let i = 0;
  return () => xs[i++ % xs.length];
}

test('lower priority always first, whatever the weights', () => {
  const out = orderByPriorityAndWeight([rec('b', 20, 1000), rec('a', 10, 0), rec('c', 30, 5)], seq(0.99));
  assert.deepEqual(out.map((r) => r.name), ['a', 'b', 'c']);
});

test('the draw picks by running sums of weights (RFC 2782 usage rules)', () => {
  const items = [rec('w10', 1, 10), rec('w30', 1, 30), rec('w60', 1, 60)];
  // total 100: r = 1 + floor(x * 100); running sums 10, 40, 100; the first sum >= r wins.
  assert.deepEqual(orderByPriorityAndWeight(items, seq(0.05, 0)).map((r) => r.name), ['w10', 'w30', 'w60']); // r=6 → w10; then r=1 of 90 → w30
  assert.deepEqual(orderByPriorityAndWeight(items, seq(0.3, 0.99)).map((r) => r.name), ['w30', 'w60', 'w10']); // r=31 → w30; r=70 of 70 → w60
  assert.deepEqual(orderByPriorityAndWeight(items, seq(0.9, 0.5)).map((r) => r.name), ['w60', 'w30', 'w10']); // r=91 → w60; r=21 of 40 → w30
  assert.deepEqual(orderByPriorityAndWeight(items, seq(0.1, 0.1)).map((r) => r.name), ['w30', 'w10', 'w60']); // r=11 → w30 (first past w10's 10)
});

test('weight 0 records come after the weighted ones of their priority, in the order given', () => {
  const items = [rec('zero1', 1, 0), rec('heavy', 1, 50), rec('zero2', 1, 0), rec('other', 2, 0)];
  for (const x of [0, 0.5, 0.999]) assert.deepEqual(orderByPriorityAndWeight(items, seq(x)).map((r) => r.name), ['heavy', 'zero1', 'zero2', 'other']);
});

test('over many draws the first pick follows the weights (seeded generator, no timing)', () => {
  let s = 12345;
  const lcg = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const counts: Record<string, number> = { a: 0, b: 0 };
  for (let i = 0; i < 4000; i++) counts[orderByPriorityAndWeight([rec('a', 1, 1), rec('b', 1, 3)], lcg)[0].name]++;
  const share = counts.b / 4000;
  // Exactly its share (3 of 4), where the RFC's inclusive draw would give 3 of 5.
  assert.ok(share > 0.72 && share < 0.78, `b first in ${share} of draws, expected about 0.75`);
});

test('every record comes out exactly once; bad random values do not break it', () => {
  const items = [rec('a', 1, 1), rec('b', 1, 2), rec('c', 2, 0), rec('d', 2, 7)];
  for (const r of [() => NaN, () => 1, () => -3]) {
    const out = orderByPriorityAndWeight(items, r);
    assert.deepEqual(out.map((x) => x.name).sort(), ['a', 'b', 'c', 'd']);
  }
});
