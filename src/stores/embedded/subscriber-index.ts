// Sorted indexes over the embedded subscriber store, for the provisioning GUI's search,
// sort and paging at a million subscribers. One array per sort field, ordered by the
// field in lower case, then domain, then user (unique), built the first time that field
// is asked for (sipd never asks, so it never pays) and kept up to date change by change.
// A burst of changes (an import, another process's batch) drops the arrays instead; the
// next search builds them again in one sort.
//
// A page is a binary search to the cursor and a walk of at most limit+1 matching
// entries. "equals" and "starts with" on an indexed field are a range of its array, so
// they are counted exactly at no cost; "contains" and "ends with" walk the sort array
// until the page is full, and count with one pass that stops at COUNT_CAP.
import type { Subscriber, SubscriberPage, SubscriberQuery, SubscriberSearchField } from '../subscriber-store.js';
import { compareKeys, countUpTo, finishPage, isWildcard, keysetPage, textMatches } from '../search.js';
import type { SortKey } from '../search.js';

interface Entry {
  /** The field's value in lower case. */
  readonly k: string;
  readonly s: Subscriber;
}

/** Single changes applied one by one before the arrays are dropped and rebuilt instead. */
const INCREMENTAL_LIMIT = 2000;
/** A range of another field's index no larger than this is paged directly rather than walked. */
const SMALL_RANGE = 50_000;

const keyOf = (e: Entry): SortKey => [e.k, e.s.domain, e.s.user];

function cmpEntry(a: Entry, b: Entry): number {
  if (a.k !== b.k) return a.k < b.k ? -1 : 1;
  if (a.s.domain !== b.s.domain) return a.s.domain < b.s.domain ? -1 : 1;
  return a.s.user < b.s.user ? -1 : a.s.user > b.s.user ? 1 : 0;
}

/** First index whose entry is not before `pred` says (pred true = "still before"). */
function bound(arr: readonly Entry[], before: (e: Entry) => boolean): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(arr[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SubscriberIndex {
  private readonly arrays = new Map<SubscriberSearchField, Entry[]>();
  private changes = 0;

  constructor(private readonly all: () => Iterable<Subscriber>) {}

  /** A subscriber was added, replaced or removed (old and now undefined accordingly). */
  changed(old: Subscriber | undefined, now: Subscriber | undefined): void {
    if (this.arrays.size === 0) return;
    if (++this.changes > INCREMENTAL_LIMIT) return this.reset();
    for (const [field, arr] of this.arrays) {
      if (old) {
        const e: Entry = { k: old[field].toLowerCase(), s: old };
        const i = bound(arr, (x) => cmpEntry(x, e) < 0);
        if (i < arr.length && cmpEntry(arr[i], e) === 0) arr.splice(i, 1);
      }
      if (now) {
        const e: Entry = { k: now[field].toLowerCase(), s: now };
        arr.splice(bound(arr, (x) => cmpEntry(x, e) < 0), 0, e);
      }
    }
  }

  /** Forget every array (the table was reloaded or changed in bulk). */
  reset(): void {
    this.arrays.clear();
    this.changes = 0;
  }

  private array(field: SubscriberSearchField): Entry[] {
    let arr = this.arrays.get(field);
    if (!arr) {
      arr = [];
      for (const s of this.all()) arr.push({ k: s[field].toLowerCase(), s });
      arr.sort(cmpEntry);
      this.arrays.set(field, arr);
    }
    return arr;
  }

  /** [lo, hi) of the entries of `field` whose value equals / starts with `text` (lower case). */
  private range(field: SubscriberSearchField, op: 'equals' | 'starts', text: string): [Entry[], number, number] {
    const arr = this.array(field);
    const t = text.toLowerCase();
    const lo = bound(arr, (x) => x.k < t);
    const hi = op === 'equals' ? bound(arr, (x) => x.k <= t) : bound(arr, (x) => x.k < t || x.k.startsWith(t));
    return [arr, lo, hi];
  }

  search(q: SubscriberQuery, size: number): SubscriberPage {
    const { field, op, text } = q.filter;
    const keep = (e: Entry) => textMatches(op, e.s[field], text);
    const sorted = this.array(q.sort);
    if (isWildcard(text)) return { ...this.walk(sorted, 0, sorted.length, () => true, q), count: size };
    if (op === 'equals' || op === 'starts') {
      const [arr, lo, hi] = this.range(field, op, text);
      const count = hi - lo;
      if (field === q.sort) return { ...this.walk(arr, lo, hi, () => true, q), count };
      if (count <= SMALL_RANGE) {
        const sortField = q.sort;
        const page = keysetPage(arr.slice(lo, hi), () => true, (e) => [e.s[sortField].toLowerCase(), e.s.domain, e.s.user], q);
        return { rows: page.rows.map((e) => e.s), ...(page.next && { next: page.next }), ...(page.prev && { prev: page.prev }), count };
      }
      return { ...this.walk(sorted, 0, sorted.length, keep, q), count };
    }
    return { ...this.walk(sorted, 0, sorted.length, keep, q), count: countUpTo(sorted, keep) };
  }

  /** Walk arr[lo, hi) from the cursor in the page's direction, collecting limit+1 kept entries. */
  private walk(arr: readonly Entry[], lo: number, hi: number, keep: (e: Entry) => boolean, q: SubscriberQuery) {
    const backward = q.before !== undefined;
    const forward = q.desc === backward; // ascending order walked forward, or descending walked back
    const from = backward ? q.before : q.after;
    let i: number;
    if (forward) i = from ? Math.max(lo, bound(arr, (x) => compareKeys(keyOf(x), from) <= 0)) : lo;
    else i = (from ? Math.min(hi, bound(arr, (x) => compareKeys(keyOf(x), from) < 0)) : hi) - 1;
    const buf: { k: SortKey; row: Subscriber }[] = [];
    const step = forward ? 1 : -1;
    for (; i >= lo && i < hi && buf.length <= q.limit; i += step) {
      const e = arr[i];
      if (keep(e)) buf.push({ k: keyOf(e), row: e.s });
    }
    return finishPage(buf, q);
  }
}
