// Sorted views over an in-memory table, for the provisioning GUI's search, sort and paging
// at a million rows (subscribers, routes, registrations). One array per field, ordered by
// the field's value (text in lower case), then by the row's unique tail key; built the
// first time the field is asked for (sipd's call path never asks, so it never pays).
//
// A view is built in the background, in slices of a few milliseconds (a copy of the rows,
// then a merge sort), because sorting a million rows in one go takes seconds and sipd must
// keep answering SIP meanwhile. Until it is ready, searches are answered by one pass over
// the table, as a store without views would be.
//
// Changes cost one Map.set: the store names the group that changed (an AOR, a route key,
// a subscriber) and the index remembers when. A search skips the array entries of groups
// changed since the array was begun and merges in those groups' current rows, sorted on
// the side. Arrays are never spliced, so a registration refresh under load costs nothing
// like a memmove of a million pointers. Once more than a twentieth of the table (at least
// DIRTY_MIN groups) has changed, the arrays are dropped and built again. A view no search
// used for VIEW_IDLE_MS is dropped too, so that a column sorted once does not hold its
// memory for good.
//
// A page is a binary search to the cursor and a walk of at most limit+1 kept entries.
// "equals" and "starts with" on a text field are a range of that field's array; "contains"
// and "ends with" are one pass over the table that keeps the page's rows and counts.
import { compareKeys, finishPage, isWildcard, keysetPage, textMatches } from './search.js';
import type { KeyPart, Page, PageRequest, SortKey, TextFilter } from './search.js';

/** What the index needs to know about the rows of its table. */
export interface SortedIndexSource<T, F extends string> {
  /** Every row now. */
  rows(): Iterable<T>;
  /** How many rows there are (how much change makes rebuilding the views worth it). */
  size(): number;
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
  /** Clock for dropping idle views (ms); tests move it. Default Date.now. */
  now?(): number;
}

export interface IndexQuery<F extends string> extends PageRequest {
  readonly filter: TextFilter<F>;
  readonly sort: F;
}

export interface IndexPage<T> extends Page<T> {
  /** Matching rows, exact. */
  readonly count: number;
  /** Whether a sorted view answered (false: one pass over the table, as while a view is built). */
  readonly indexed: boolean;
}

interface Entry<T> {
  /** The field's value, text in lower case. */
  readonly k: KeyPart;
  readonly s: T;
}

interface SortedArray<T> {
  readonly arr: Entry<T>[];
  /** The change sequence number when the array's copy of the rows was begun. */
  readonly builtAt: number;
  /** Current rows of the groups changed since, sorted; valid while freshAt is the sequence number. */
  fresh: Entry<T>[];
  freshAt: number;
  /** When a search last used it (views unused for VIEW_IDLE_MS are dropped). */
  usedAt: number;
}

/** [lo, hi) of the array and [flo, fhi) of its fresh rows. */
type Span = readonly [number, number, number, number];

/** Changed groups tolerated before the arrays are rebuilt: this, or a twentieth of the table. */
const DIRTY_MIN = 2000;
/** A range of another field's array no larger than this is paged directly rather than walked. */
const SMALL_RANGE = 50_000;

/** A view no search used for this long is dropped: each holds an entry per row (tens of MB at a million). */
export const VIEW_IDLE_MS = 15 * 60_000;
/** Work done between two yields to the event loop while a view is built. */
const SLICE_MS = 10;
/** Rows sorted at once (natively) before the merge passes. */
const RUN = 4096;

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
  /** Views being built; a reset makes them stale through `generation`. */
  private readonly building = new Map<F, Promise<void>>();
  private generation = 0;
  /** Group → sequence number of its last change, while any array exists or is being built. */
  private readonly dirty = new Map<string, number>();
  private seq = 0;
  private readonly cmp = (a: Entry<T>, b: Entry<T>): number => (a.k === b.k ? this.src.compareTail(a.s, b.s) : a.k < b.k ? -1 : 1);
  private readonly keyOf = (e: Entry<T>): SortKey => [e.k, ...this.src.tail(e.s)];

  constructor(private readonly src: SortedIndexSource<T, F>) {}

  /** The rows of `group` were added, changed or removed. */
  changed(group: string): void {
    if (this.arrays.size === 0 && this.building.size === 0) return;
    this.dirty.set(group, ++this.seq);
    if (this.dirty.size > DIRTY_MIN && this.dirty.size * 20 > this.src.size()) this.reset();
  }

  /** Forget every array (the table was reloaded or changed in bulk); builds under way are dropped. */
  reset(): void {
    this.arrays.clear();
    this.building.clear();
    this.dirty.clear();
    this.generation++;
  }

  /** Resolves once no view is being built (tests and benchmarks wait for the indexed answers). */
  async settled(): Promise<void> {
    while (this.building.size) await Promise.all(this.building.values());
  }

  /**
   * One page. `total` gives what a search for everything counts (the table's size, or its
   * live rows); `alive`, when given, hides rows (expired bindings) from pages and counts.
   */
  search(q: IndexQuery<F>, total: () => number, alive?: (row: T) => boolean): IndexPage<T> {
    const { field, op, text } = q.filter;
    const live = alive ?? (() => true);
    const sorted = this.view(q.sort);
    if (sorted && isWildcard(text)) return { ...this.page(sorted, [0, sorted.arr.length, 0, sorted.fresh.length], (e) => live(e.s), q).page, count: total(), indexed: true };
    const ranged = (op === 'equals' || op === 'starts') && !isWildcard(text) ? this.view(field) : undefined;
    const span = ranged && this.range(ranged, op as 'equals' | 'starts', text.toLowerCase());
    if (ranged && span) {
      const rangeKeep = (e: Entry<T>) => live(e.s);
      // Without hidden or changed rows the span's length is the count.
      const exact = !alive && !this.dirty.size ? span[1] - span[0] + span[3] - span[2] : undefined;
      if (field === q.sort) {
        const r = this.page(ranged, span, rangeKeep, q, exact === undefined ? Infinity : undefined);
        return { ...r.page, count: exact ?? r.matched ?? this.count(ranged, span, rangeKeep, Infinity), indexed: true };
      }
      const count = exact ?? this.count(ranged, span, rangeKeep, Infinity);
      if (count <= SMALL_RANGE) {
        const rows: T[] = [];
        this.walk(ranged, span, undefined, true, (e) => (rangeKeep(e) && rows.push(e.s), true));
        const page = keysetPage(rows, () => true, (s) => [norm(this.src.value(s, q.sort)), ...this.src.tail(s)], q);
        return { rows: page.rows, ...(page.next && { next: page.next }), ...(page.prev && { prev: page.prev }), count, indexed: true };
      }
    }
    const r = this.scan(q, live);
    // A filter no view answers (contains, ends with, a big range of another field) is a scan too, views or not.
    return { rows: r.rows, ...(r.next && { next: r.next }), ...(r.prev && { prev: r.prev }), count: isWildcard(text) ? total() : r.matched, indexed: false };
  }

  /**
   * A page by one pass over the table in its own order, keeping the page's rows in a small
   * sorted buffer: for filters no array answers (contains, ends with, a big range of another
   * field). Walking a sorted array instead would visit every row too, but in an order that
   * jumps around memory, and measured five to ten times slower at a million rows.
   */
  private scan(q: IndexQuery<F>, live: (row: T) => boolean): Page<T> & { readonly matched: number } {
    const { field, op, text } = q.filter;
    const keep = (s: T) => live(s) && textMatches(op, String(this.src.value(s, field)), text);
    const first = (s: T) => norm(this.src.value(s, q.sort));
    return keysetPage(this.src.rows(), keep, (s) => [first(s), ...this.src.tail(s)], q, first);
  }

  /** The array of `field` with its fresh rows brought up to date, or undefined while it is being built. */
  private view(field: F): SortedArray<T> | undefined {
    const now = this.src.now?.() ?? Date.now();
    for (const [f, v] of this.arrays) if (f !== field && now - v.usedAt > VIEW_IDLE_MS) this.arrays.delete(f);
    const a = this.arrays.get(field);
    if (a) a.usedAt = now;
    if (!a) {
      if (!this.building.has(field)) this.building.set(field, this.build(field));
      return undefined;
    }
    if (a.freshAt !== this.seq) {
      const fresh: Entry<T>[] = [];
      for (const [g, at] of this.dirty) if (at > a.builtAt) for (const s of this.src.current(g)) fresh.push({ k: norm(this.src.value(s, field)), s });
      a.fresh = fresh.sort(this.cmp);
      a.freshAt = this.seq;
    }
    return a;
  }

  /**
   * Copy the rows and merge-sort them, yielding to the event loop every SLICE_MS. Rows
   * changed while this runs are marked in `dirty` after `builtAt`, so whatever version of
   * them the copy caught is skipped and their current rows merged in, as for any change.
   */
  private async build(field: F): Promise<void> {
    const gen = this.generation;
    if (this.arrays.size === 0 && this.building.size === 0) this.dirty.clear();
    const builtAt = this.seq;
    let sliceStart = performance.now();
    // true when this build was dropped by a reset meanwhile
    const pause = async (): Promise<boolean> => {
      if (performance.now() - sliceStart < SLICE_MS) return false;
      await new Promise((r) => setImmediate(r));
      sliceStart = performance.now();
      return gen !== this.generation;
    };
    let src: Entry<T>[] = [];
    let n = 0;
    for (const s of this.src.rows()) {
      src.push({ k: norm(this.src.value(s, field)), s });
      if ((++n & 1023) === 0 && (await pause())) return;
    }
    // Sorted runs, then bottom-up merges of pairs of runs.
    for (let lo = 0; lo < src.length; lo += RUN) {
      const run = src.slice(lo, lo + RUN).sort(this.cmp);
      for (let k = 0; k < run.length; k++) src[lo + k] = run[k];
      if (await pause()) return;
    }
    let dst: Entry<T>[] = new Array<Entry<T>>(src.length);
    for (let width = RUN; width < src.length; width *= 2) {
      for (let lo = 0; lo < src.length; lo += 2 * width) {
        const mid = Math.min(lo + width, src.length);
        const hi = Math.min(lo + 2 * width, src.length);
        let i = lo;
        let j = mid;
        for (let k = lo; k < hi; k++) {
          dst[k] = j >= hi || (i < mid && this.cmp(src[i], src[j]) <= 0) ? src[i++] : src[j++];
          if ((k & 4095) === 0 && (await pause())) return;
        }
      }
      [src, dst] = [dst, src];
    }
    if (gen !== this.generation) return;
    this.arrays.set(field, { arr: src, builtAt, fresh: [], freshAt: -1, usedAt: this.src.now?.() ?? Date.now() });
    this.building.delete(field);
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

  /**
   * Visit the entries of the span in key order (or reverse), after `from` in that order,
   * stale ones skipped, until `visit` returns false. Plain loops rather than a generator:
   * a "contains" search visits every entry.
   */
  private walk(a: SortedArray<T>, span: Span, from: SortKey | undefined, forward: boolean, visit: (e: Entry<T>) => boolean): void {
    const [lo, hi, flo, fhi] = span;
    const { arr, fresh } = a;
    const at = (xs: Entry<T>[], l: number, h: number) =>
      forward
        ? from ? Math.max(l, bound(xs, (x) => compareKeys(this.keyOf(x), from) <= 0)) : l
        : (from ? Math.min(h, bound(xs, (x) => compareKeys(this.keyOf(x), from) < 0)) : h) - 1;
    let i = at(arr, lo, hi);
    let j = at(fresh, flo, fhi);
    const step = forward ? 1 : -1;
    if (this.dirty.size === 0) {
      for (; i >= lo && i < hi; i += step) if (!visit(arr[i])) return;
      return;
    }
    for (;;) {
      const inA = i >= lo && i < hi;
      const inF = j >= flo && j < fhi;
      if (!inA && !inF) return;
      if (inA && this.stale(a, arr[i])) {
        i += step;
        continue;
      }
      let e: Entry<T>;
      // Take the array's entry when the fresh rows are done or it comes first in walk order.
      if (!inF || (inA && step * this.cmp(arr[i], fresh[j]) < 0)) e = arr[(i += step) - step];
      else e = fresh[(j += step) - step];
      if (!visit(e)) return;
    }
  }

  /**
   * limit+1 kept entries from the cursor in the page's direction, trimmed to a page. With
   * `countCap` and no cursor the same walk goes on counting matches, up to countCap + 1
   * (a range's count comes with its first page).
   */
  private page(a: SortedArray<T>, span: Span, keep: (e: Entry<T>) => boolean, q: IndexQuery<F>, countCap?: number): { page: Page<T>; matched?: number } {
    const backward = q.before !== undefined;
    const forward = q.desc === backward; // ascending walked forward, or descending walked back
    const from = backward ? q.before : q.after;
    const counting = countCap !== undefined && from === undefined;
    const buf: { k: SortKey; row: T }[] = [];
    let matched = 0;
    this.walk(a, span, from, forward, (e) => {
      if (!keep(e)) return true;
      matched++;
      if (buf.length <= q.limit) buf.push({ k: this.keyOf(e), row: e.s });
      return counting ? matched <= countCap : buf.length <= q.limit;
    });
    return { page: finishPage(buf, q), ...(counting && { matched }) };
  }

  private count(a: SortedArray<T>, span: Span, keep: (e: Entry<T>) => boolean, cap: number): number {
    let n = 0;
    this.walk(a, span, undefined, true, (e) => !keep(e) || ++n <= cap);
    return n;
  }
}
