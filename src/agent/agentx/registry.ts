// AgentX registrations (RFC 2741 §7.1.4-7.1.5) and the regions they give subagents.
//
// A registration names a subtree (optionally a range of sibling subtrees: range_subid and
// upper_bound), a priority (lower value wins) and a session. Our own MIB objects count as
// registrations too, at each provider's OID with the default priority 127, as Net-SNMP's
// master does with its own modules. For any OID the owner is the registration with the
// LONGEST subtree containing it; equal subtrees are decided by priority (ours first on a tie).
// regions() turns that rule into sorted, disjoint [start, end) runs owned by subagents, which
// is what the request path needs to walk across owners in lexicographic order.
import { compareOids } from '../net-snmp/index.js';

export const DEFAULT_PRIORITY = 127;

export interface Registration {
  readonly sessionID: number;
  readonly subtree: number[];
  /** 1-based position of the ranged sub-identifier in subtree, 0 for none. */
  readonly rangeSubid: number;
  readonly upperBound: number;
  readonly priority: number;
  /** 0: the session's timeout. */
  readonly timeoutMs: number;
  /** Registered with INSTANCE_REGISTRATION (an object instance, not a subtree). */
  readonly instance: boolean;
}

export interface Region {
  readonly start: number[];
  readonly end: number[];
  readonly registration: Registration;
}

/** The subtrees a registration stands for (a range expands to one subtree per value). */
export function expand(r: Pick<Registration, 'subtree' | 'rangeSubid' | 'upperBound'>): number[][] {
  if (r.rangeSubid === 0) return [r.subtree];
  const i = r.rangeSubid - 1;
  const out: number[][] = [];
  for (let v = r.subtree[i]; v <= r.upperBound; v++) {
    const s = [...r.subtree];
    s[i] = v;
    out.push(s);
  }
  return out;
}

/** The first OID after every OID under `subtree`. */
export function successor(subtree: readonly number[]): number[] {
  const s = [...subtree];
  while (s.length > 0) {
    const last = s.pop()!;
    if (last < 0xffffffff) return [...s, last + 1];
  }
  return [0xffffffff, 0xffffffff];
}

export function isPrefix(prefix: readonly number[], oid: readonly number[]): boolean {
  if (prefix.length > oid.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== oid[i]) return false;
  return true;
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && isPrefix(a, b);

export class Registry {
  private list: Registration[] = [];
  /** Bumped by every change (region caches key on it). */
  version = 0;

  all(): readonly Registration[] {
    return this.list;
  }

  /**
   * Add a registration; 'duplicate' when one of its subtrees is already registered with the same
   * priority, by a subagent or by our own objects (`local`).
   */
  add(r: Registration, local: readonly number[][]): 'ok' | 'duplicate' {
    for (const s of expand(r)) {
      if (r.priority === DEFAULT_PRIORITY && local.some((l) => same(l, s))) return 'duplicate';
      for (const o of this.list) {
        if (o.priority === r.priority && expand(o).some((x) => same(x, s))) return 'duplicate';
      }
    }
    this.list.push(r);
    this.version++;
    return 'ok';
  }

  /** Remove the session's registration matching exactly; false when there is none. */
  remove(sessionID: number, subtree: number[], rangeSubid: number, upperBound: number, priority: number): boolean {
    const i = this.list.findIndex(
      (o) => o.sessionID === sessionID && same(o.subtree, subtree) && o.rangeSubid === rangeSubid && (rangeSubid === 0 || o.upperBound === upperBound) && o.priority === priority,
    );
    if (i < 0) return false;
    this.list.splice(i, 1);
    this.version++;
    return true;
  }

  removeSession(sessionID: number): number {
    const before = this.list.length;
    this.list = this.list.filter((o) => o.sessionID !== sessionID);
    if (this.list.length !== before) this.version++;
    return before - this.list.length;
  }

  /** Sorted, disjoint runs of the OID space that subagents own, given our own provider OIDs. */
  regions(local: readonly number[][]): Region[] {
    interface Item {
      subtree: number[];
      priority: number;
      reg?: Registration;
    }
    const items: Item[] = [];
    for (const r of this.list) for (const s of expand(r)) items.push({ subtree: s, priority: r.priority, reg: r });
    if (items.length === 0) return [];
    // Our objects matter only where they sit inside (or exactly on) a subagent's subtree.
    for (const l of local) if (items.some((i) => i.reg && isPrefix(i.subtree, l))) items.push({ subtree: l, priority: DEFAULT_PRIORITY });
    const points: number[][] = [];
    for (const i of items) points.push(i.subtree, successor(i.subtree));
    points.sort(compareOids);
    const bounds = points.filter((p, k) => k === 0 || compareOids(points[k - 1], p) !== 0);
    const regions: Region[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const at = bounds[k];
      let best: Item | undefined;
      for (const i of items) {
        if (!isPrefix(i.subtree, at)) continue;
        if (
          !best ||
          i.subtree.length > best.subtree.length ||
          (i.subtree.length === best.subtree.length && (i.priority < best.priority || (i.priority === best.priority && !i.reg)))
        ) {
          best = i;
        }
      }
      if (!best?.reg) continue;
      const prev = regions[regions.length - 1];
      if (prev && prev.registration === best.reg && compareOids(prev.end, at) === 0) {
        regions[regions.length - 1] = { start: prev.start, end: bounds[k + 1], registration: best.reg };
      } else {
        regions.push({ start: at, end: bounds[k + 1], registration: best.reg });
      }
    }
    return regions;
  }
}

/** Binary search over sorted regions: the one containing `address`. */
export function regionAt(regions: readonly Region[], address: readonly number[]): Region | undefined {
  let lo = 0;
  let hi = regions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = regions[mid];
    if (compareOids(address as number[], r.start) < 0) hi = mid - 1;
    else if (compareOids(address as number[], r.end) >= 0) lo = mid + 1;
    else return r;
  }
  return undefined;
}

/** The first region that starts after `address`. */
export function regionAfter(regions: readonly Region[], address: readonly number[]): Region | undefined {
  let lo = 0;
  let hi = regions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareOids(regions[mid].start, address as number[]) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return regions[lo];
}
