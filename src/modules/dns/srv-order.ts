// The order to try SRV targets in (RFC 2782 "Usage rules"): lowest priority first; within
// one priority, a weighted random draw repeated until none is left. The RFC draws from
// 0 to the sum of weights inclusive, which hands the first record one extra share (with
// weights 1 and 3 the first is picked 40% of the time, not 25%); we draw from 1 to the
// sum, so each record's chance is exactly its share, and weight-0 records come after the
// others of their priority. Exported for anything else ordered by priority and weight.

export interface Weighted {
  readonly priority: number;
  readonly weight: number;
}

/** `random` returns a number in [0, 1), as Math.random does; tests inject their own. */
export function orderByPriorityAndWeight<T extends Weighted>(items: readonly T[], random: () => number = Math.random): T[] {
  const byPriority = new Map<number, T[]>();
  for (const it of items) {
    const list = byPriority.get(it.priority);
    if (list) list.push(it);
    else byPriority.set(it.priority, [it]);
  }
  const out: T[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const left = byPriority.get(priority)!.slice();
    while (left.length) {
      const total = left.reduce((s, x) => s + Math.max(0, x.weight), 0);
      // Only weight-0 records left: in the order given.
      const r = total === 0 ? 0 : 1 + Math.floor(clamp01(random()) * total);
      let sum = 0;
      let pick = 0;
      for (let i = 0; i < left.length; i++) {
        sum += Math.max(0, left[i].weight);
        if (sum >= r) {
          pick = i;
          break;
        }
      }
      out.push(left.splice(pick, 1)[0]);
    }
  }
  return out;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 0.9999999999) : 0;
}
