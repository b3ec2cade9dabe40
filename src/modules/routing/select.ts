// The order in which the routes found for one request are tried.
//
// Matching patterns arrive most specific first, each with its routes. Routes out of
// service are left out, and a pattern with none in service is as if it did not exist
// (so a less specific route takes over, which is what taking a route out of service is
// for). Within a pattern: lowest priority first, and among equal priorities a weighted
// random order drawn as RFC 2782 describes (weight 0 first in the list, a running sum,
// a number drawn from 0 to the total inclusive), so a route of weight 0 has a small
// chance to go first and is otherwise tried after the others. With
// Cisco_Routing_Global_Less_Specific_Route_Search On, the routes of the next less specific
// pattern follow, and so on, but never past a pattern one of whose routes has
// AllowLessSpecificRoute Off (the guide: such a route stops the search). With the
// directive Off only the most specific pattern is used.
//
// A blocked route (in service) refuses the call: when it belongs to the first pattern,
// routing ends there with 403. Reached only through the less specific search, it ends the
// search instead (the routes already listed have been tried by then and a refusal can
// no longer be sent).
import type { Route } from '../../stores/route-store.js';

export interface SelectOptions {
  /** Cisco_Routing_Global_Less_Specific_Route_Search. */
  readonly lessSpecific: boolean;
  /** In [0, 1), as Math.random; tests inject a seeded one. */
  readonly random?: () => number;
}

export type Selection =
  | { readonly kind: 'routes'; readonly routes: readonly Route[] }
  /** The most specific pattern in service is blocked: answer 403. */
  | { readonly kind: 'blocked'; readonly route: Route };

export function selectRoutes(groups: readonly (readonly Route[])[], opts: SelectOptions): Selection {
  const out: Route[] = [];
  for (const group of groups) {
    const live = group.filter((r) => r.inService);
    if (!live.length) continue;
    const blocked = live.find((r) => r.block);
    if (blocked) {
      if (!out.length) return { kind: 'blocked', route: blocked };
      break;
    }
    out.push(...orderByPriorityAndWeight(live, opts.random ?? Math.random));
    if (!opts.lessSpecific || live.some((r) => !r.allowLessSpecific)) break;
  }
  return { kind: 'routes', routes: out };
}

/** RFC 2782 "Usage rules": by priority, then repeated weighted draws without replacement. */
export function orderByPriorityAndWeight<T extends { readonly priority: number; readonly weight: number }>(items: readonly T[], random: () => number): T[] {
  const sorted = [...items].sort((a, b) => a.priority - b.priority);
  const out: T[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j].priority === sorted[i].priority) j++;
    // Zero weights first, as the RFC arranges them before the running sums are taken.
    const left = sorted.slice(i, j).sort((a, b) => Number(a.weight !== 0) - Number(b.weight !== 0));
    while (left.length > 1) {
      const total = left.reduce((s, x) => s + x.weight, 0);
      const r = Math.min(total, Math.floor(Math.min(Math.max(random(), 0), 1 - Number.EPSILON) * (total + 1)));
      let sum = 0;
      let pick = left.length - 1;
      for (let k = 0; k < left.length; k++) {
        sum += left[k].weight;
        if (sum >= r) {
          pick = k;
          break;
        }
      }
      out.push(left.splice(pick, 1)[0]);
    }
    out.push(...left);
    i = j;
  }
  return out;
}
