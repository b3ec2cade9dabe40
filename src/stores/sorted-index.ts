// Sorted views over an in-memory table, for the provisioning GUI's search, sort and paging
// at a million rows (subscribers, routes, registrations). One array per field, ordered by
// the field's value (text in lower case), then by the row's unique tail key; built the
// first time the field is asked for (sipd's call path never asks, so it never pays).
//
// Changes cost one Map.set: the store names the group that changed (an AOR, a route key,
// a subscriber) and the index remembers when. A search skips the array entries of groups
// changed since the array was built and merges in those groups' current rows, sorted on
// the side. Arrays are never spliced, so a registration refresh under load costs nothing
// like a memmove of a million pointers. Once more than a twentieth of the table (at least
// DIRTY_MIN groups) has changed, the arrays are dropped and the next search sorts again.
//
// A page is a binary search to the cursor and a walk of at most limit+1 kept entries.
// "equals" and "starts with" on a text field are a range of that field's array; "contains"
// and "ends with" walk the sort array until the page is full, and count up to COUNT_CAP.
import { compareKeys, countUpTo, finishPage, isWildcard, keysetPage, textMatches } from './search.js';
import type { KeyPart, Page, PageRequest, SortKey, TextFilter } from './search.js';

/** What the index needs to know about the rows of its table. */
export interface SortedIndexSource<T, F extends string> {
  /** Every row now. */
  rows(): Iterable<T>;
  /** The unit of change a row belongs to: the store reports changes by group. */
  group(row: T): string;
  /** The rows of a group now (none once it is gone). */
  current(group: string): Iterable<T>;
  /** The value of a field: a string (compared in lower case) or a number. */
  value(row: T, field: F): KeyPart;
  /** The key parts after the value that make a row's key unique; cursors carry them. */
  tail(row: T): SortKey;
  /** compareKeys(tail(a), tail(b)) without building the keys (sorting a million rows). */
  compareTail(a: T, b: T): number;
}

export interface IndexQuery<F extends string> extends PageRequest {
  readonly filter: TextFilter<F>;
  readonly sort: F;
}

export interface IndexPage<T> extends Page<T> {
  /** Matching rows: exact for everything and for equals/starts-with, else counted up to COUNT_CAP + 1. */
  readonly count: number;
}

interface Entry<T> {
  /** The field's value, text in lower case. */
  readonly k: KeyPart;
  readonly s: T;
}

interface SortedArray<T> {
  readonly arr: Entry<T>[];
  /** The change sequence number the array was built at. */
  readonly builtAt: number;
  /** Current rows of the groups changed since, sorted; valid while freshAt is the sequence number. */
  fresh: Entry<T>[];
  freshAt: number;
}

/** [lo, hi) of the array and [flo, fhi) of its fresh rows. */
type Span = readonly [number, number, number, number];

/** Changed groups tolerated before the arrays are rebuilt: this, or a twentieth of the table. */
const DIRTY_MIN = 2000;
/** A range of another field's array no larger than this is paged directly rather than walked. */
const SMALL_RANGE = 50_000;

const norm = (v: KeyPart): KeyPart => (typeof v === 'string' ? v.toLowerCase() : v);

/** First index whose entry `before` no longer holds for (true = "still before"). */
function bound<E>(arr: readonly E[], before: (e: E) => boolean): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(arr[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedIndex<T, F extends string> {
  private readonly arrays = new Map<F, SortedArray<T>>();
  /** Group → sequence number of its last change, while any array exists. */
  private readonly dirty = new Map<string, number>();
  private seq = 0;
  private readonly cmp = (a: Entry<T>, b: Entry<T>): number => (a.k === b.k ? this.src.compareTail(a.s, b.s) : a.k < b.k ? -1 : 1);
  private readonly keyOf = (e: Entry<T>): SortKey => [e.k, ...this.src.tail(e.s)];

  constructor(private readonly src: SortedIndexSource<T, F>) {}

  /** The rows of `group` were added, changed or removed. */
  changed(group: string): void {
    if (this.arrays.size === 0) return;
    this.dirty.set(group, ++this.seq);
    if (this.dirty.size > DIRTY_MIN && this.dirty.size * 20 > (this.arrays.values().next().value?.arr.length ?? 0)) this.reset();
  }

  /** Forget every array (the table was reloaded or changed in bulk). */
  reset(): void {
    this.arrays.clear();
    this.dirty.clear();
  }

  /**
   * One page. `total` is what a search for everything counts (the table's size, or its live
   * rows); `alive`, when given, hides rows (expired bindings) from pages and counts.
   */
  search(q: IndexQuery<F>, total: number, alive?: (row: T) => boolean): IndexPage<T> {
    const { field, op, text } = q.filter;
    const live = alive ?? (() => true);
    const keep = (e: Entry<T>) => live(e.s) && textMatches(op, String(this.src.value(e.s, field)), text);
    const sorted = this.view(q.sort);
    const all: Span = [0, sorted.arr.length, 0, sorted.fresh.length];
    if (isWildcard(text)) return { ...this.page(sorted, all, (e) => live(e.s), q), count: total };
    if (op === 'equals' || op === 'starts') {
      const ranged = this.view(field);
      const span = this.range(ranged, op, text.toLowerCase());
      if (span) {
        const rangeKeep = (e: Entry<T>) => live(e.s);
        const count = !alive && !this.dirty.size ? span[1] - span[0] + span[3] - span[2] : this.count(ranged, span, rangeKeep, Infinity);
        if (field === q.sort) return { ...this.page(ranged, span, rangeKeep, q), count };
        if (count <= SMALL_RANGE) {
          const rows = [...this.entries(ranged, span, undefined, true)].filter(rangeKeep).map((e) => e.s);
          const page = keysetPage(rows, () => true, (s) => [norm(this.src.value(s, q.sort)), ...this.src.tail(s)], q);
          return { rows: page.rows, ...(page.next && { next: page.next }), ...(page.prev && { prev: page.prev }), count };
        }
        return { ...this.page(sorted, all, keep, q), count };
      }
    }
    return { ...this.page(sorted, all, keep, q), count: this.count(sorted, all, keep) };
  }

  /** The array of `field`, built if needed, with its fresh rows brought up to date. */
  private view(field: F): SortedArray<T> {
    let a = this.arrays.get(field);
    if (!a) {
      if (this.arrays.size === 0) this.dirty.clear();
      const arr: Entry<T>[] = [];
      for (const s of this.src.rows()) arr.push({ k: norm(this.src.value(s, field)), s });
      arr.sort(this.cmp);
      a = { arr, builtAt: this.seq, fresh: [], freshAt: this.seq };
      this.arrays.set(field, a);
    }
    if (a.freshAt !== this.seq) {
      const fresh: Entry<T>[] = [];
      for (const [g, at] of this.dirty) if (at > a.builtAt) for (const s of this.src.current(g)) fresh.push({ k: norm(this.src.value(s, field)), s });
      a.fresh = fresh.sort(this.cmp);
      a.freshAt = this.seq;
    }
    return a;
  }

  private stale(a: SortedArray<T>, e: Entry<T>): boolean {
    if (this.dirty.size === 0) return false;
    const at = this.dirty.get(this.src.group(e.s));
    return at !== undefined && at > a.builtAt;
  }

  /** The span of entries whose text value equals / starts with `t`; undefined for a number field. */
  private range(a: SortedArray<T>, op: 'equals' | 'starts', t: string): Span | undefined {
    const sample = a.arr[0] ?? a.fresh[0];
    if (sample && typeof sample.k !== 'string') return undefined;
    const lo = (xs: Entry<T>[]) => bound(xs, (x) => (x.k as string) < t);
    const hi = (xs: Entry<T>[]) => (op === 'equals' ? bound(xs, (x) => (x.k as string) <= t) : bound(xs, (x) => (x.k as string) < t || (x.k as string).startsWith(t)));
    return [lo(a.arr), hi(a.arr), lo(a.fresh), hi(a.fresh)];
  }

  /** Entries of the span in key order (or reverse), after `from` in that order, stale ones skipped. */
  private *entries(a: SortedArray<T>, span: Span, from: SortKey | undefined, forward: boolean): Generator<Entry<T>> {
    const [lo, hi, flo, fhi] = span;
    const { arr, fresh } = a;
    const at = (xs: Entry<T>[], l: number, h: number) =>
      forward
        ? from ? Math.max(l, bound(xs, (x) => compareKeys(this.keyOf(x), from) <= 0)) : l
        : (from ? Math.min(h, bound(xs, (x) => compareKeys(this.keyOf(x), from) < 0)) : h) - 1;
    let i = at(arr, lo, hi);
    let j = at(fresh, flo, fhi);
    const step = forward ? 1 : -1;
    const inA = () => i >= lo && i < hi;
    const inF = () => j >= flo && j < fhi;
    while (inA() || inF()) {
      if (inA() && this.stale(a, arr[i])) {
        i += step;
        continue;
      }
      // Take the array's entry when the fresh rows are done or it comes first in walk order.
      if (!inF() || (inA() && step * this.cmp(arr[i], fresh[j]) < 0)) {
        yield arr[i];
        i += step;
      } else {
        yield fresh[j];
        j += step;
      }
    }
  }

  /** limit+1 kept entries from the cursor in the page's direction, trimmed to a page. */
  private page(a: SortedArray<T>, span: Span, keep: (e: Entry<T>) => boolean, q: IndexQuery<F>): Page<T> {
    const backward = q.before !== undefined;
    const forward = q.desc === backward; // ascending walked forward, or descending walked back
    const buf: { k: SortKey; row: T }[] = [];
    for (const e of this.entries(a, span, backward ? q.before : q.after, forward)) {
      if (!keep(e)) continue;
      buf.push({ k: this.keyOf(e), row: e.s });
      if (buf.length > q.limit) break;
    }
    return finishPage(buf, q);
  }

  private count(a: SortedArray<T>, span: Span, keep: (e: Entry<T>) => boolean, cap?: number): number {
    return countUpTo(this.entries(a, span, undefined, true), keep, cap);
  }
}
