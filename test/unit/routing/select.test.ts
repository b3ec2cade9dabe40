// The order routes are tried in: priority, then weight (RFC 2782), then less specific
// patterns when Cisco_Routing_Global_Less_Specific_Route_Search allows; blocked and out
// of service routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Route } from '../../../src/stores/route-store.js';
import { selectRoutes } from '../../../src/modules/routing/select.js';
import { route, seeded } from './helpers.js';

const hops = (s: ReturnType<typeof selectRoutes>) => (s.kind === 'routes' ? s.routes.map((r) => r.nextHop) : [`blocked ${s.route.pattern}`]);

test('priority first: a lower priority is always tried before a higher one, whatever the weights', () => {
  const rnd = seeded(1);
  const g = [route('1*', { nextHop: 'backup', priority: 2, weight: 65535 }), route('1*', { nextHop: 'main', priority: 1, weight: 1 }), route('1*', { nextHop: 'last', priority: 9, weight: 0 })];
  for (let i = 0; i < 200; i++) assert.deepEqual(hops(selectRoutes([g], { lessSpecific: false, random: rnd })), ['main', 'backup', 'last']);
});

test('within a priority, the first tried is drawn by weight: 3:1 goes first 4 times in 5 (RFC 2782 draws 0..total inclusive)', () => {
  const rnd = seeded(7);
  const g = [route('1*', { nextHop: 'heavy', weight: 3 }), route('1*', { nextHop: 'light', weight: 1 })];
  let heavyFirst = 0;
  const draws = 4000;
  for (let i = 0; i < draws; i++) {
    const order = hops(selectRoutes([g], { lessSpecific: false, random: rnd }));
    assert.deepEqual([...order].sort(), ['heavy', 'light'], 'each route once');
    if (order[0] === 'heavy') heavyFirst++;
  }
  const share = heavyFirst / draws;
  assert.ok(share > 0.75 && share < 0.85, `heavy first in ${share}`);
});

test('weight 0 gets a small chance to go first (RFC 2782), not none and not an equal one', () => {
  const rnd = seeded(11);
  const g = [route('1*', { nextHop: 'zero', weight: 0 }), route('1*', { nextHop: 'ten', weight: 10 })];
  let zeroFirst = 0;
  const draws = 4000;
  for (let i = 0; i < draws; i++) if (hops(selectRoutes([g], { lessSpecific: false, random: rnd }))[0] === 'zero') zeroFirst++;
  const share = zeroFirst / draws;
  assert.ok(share > 0.02 && share < 0.2, `zero-weight first in ${share} (RFC 2782 gives 1/11)`);
});

const specific = [route('1408.......', { nextHop: 'sj-gw' })];
const national = [route('1*', { nextHop: 'us-gw' })];
const anything = [route('*', { nextHop: 'default-gw' })];

test('Cisco_Routing_Global_Less_Specific_Route_Search Off: only the most specific pattern', () => {
  assert.deepEqual(hops(selectRoutes([specific, national, anything], { lessSpecific: false })), ['sj-gw']);
});

test('Cisco_Routing_Global_Less_Specific_Route_Search On: the less specific patterns follow, in order', () => {
  assert.deepEqual(hops(selectRoutes([specific, national, anything], { lessSpecific: true })), ['sj-gw', 'us-gw', 'default-gw']);
});

test('AllowLessSpecificRoute Off on a route stops the search after its pattern', () => {
  const stop = [route('1*', { nextHop: 'us-gw', allowLessSpecific: false }), route('1*', { nextHop: 'us-gw2' })];
  assert.deepEqual(hops(selectRoutes([specific, stop, anything], { lessSpecific: true })).sort(), ['sj-gw', 'us-gw', 'us-gw2'].sort());
  const first = [route('1408.......', { nextHop: 'sj-gw', allowLessSpecific: false })];
  assert.deepEqual(hops(selectRoutes([first, national, anything], { lessSpecific: true })), ['sj-gw']);
});

test('a blocked route on the most specific pattern refuses the call; further down it ends the search', () => {
  const blocked = [route('1900*', { block: true, nextHop: '' }), route('1900*', { nextHop: 'gw' })];
  assert.deepEqual(hops(selectRoutes([blocked, national], { lessSpecific: true })), ['blocked 1900*']);
  const blockedLater = [route('1*', { block: true })];
  assert.deepEqual(hops(selectRoutes([specific, blockedLater, anything], { lessSpecific: true })), ['sj-gw']);
});

test('out of service routes are skipped; a pattern with none in service gives way to the next', () => {
  const half = [route('1408.......', { nextHop: 'down', inService: false }), route('1408.......', { nextHop: 'up' })];
  assert.deepEqual(hops(selectRoutes([half, national], { lessSpecific: false })), ['up']);
  const none: Route[] = [route('1408.......', { nextHop: 'down', inService: false })];
  assert.deepEqual(hops(selectRoutes([none, national], { lessSpecific: false })), ['us-gw']);
  const blockedButOff = [route('1408.......', { block: true, inService: false })];
  assert.deepEqual(hops(selectRoutes([blockedButOff, national], { lessSpecific: false })), ['us-gw'], 'a block out of service blocks nothing');
  assert.deepEqual(hops(selectRoutes([], { lessSpecific: true })), []);
});
