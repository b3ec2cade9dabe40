// Search, sort and paging for the provisioning lists (guide ch. 2: a search tool of field,
// operator and string, sortable columns, and a warning not to list everything of a large
// table). Pages are keyset pages: a page after (or before) the sort key of a row, never
// "skip N rows", so page 500 costs what page 1 costs. Rows are ordered by a key tuple whose
// first element is the sort column and whose last elements make it unique.
//
// Stores with an index use it (the embedded subscriber index, MySQL's ORDER BY … LIMIT);
// `keysetPage` is for the rest: one pass over the rows, keeping only the best limit+1 in a
// small sorted buffer, so nothing the size of the table is ever sorted.

export const SEARCH_OPS = ['equals', 'starts', 'contains', 'ends'] as const;
export type SearchOp = (typeof SEARCH_OPS)[number];
export const SEARCH_OP_LABELS: Readonly<Record<SearchOp, string>> = { equals: 'equals', starts: 'starts with', contains: 'contains', ends: 'ends with' };

/** A key tuple element. */
export type KeyPart = string | number;
export type SortKey = readonly KeyPart[];

export interface TextFilter<F extends string> {
  readonly field: F;
  readonly op: SearchOp;
  /** '' or '*' matches everything (the guide's "search string set to *"). */
  readonly text: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly desc: boolean;
  /** The page after this key (Next), or before it (Previous); neither: the first page. */
  readonly after?: SortKey;
  readonly before?: SortKey;
}

export interface Page<T> {
  readonly rows: readonly T[];
  /** Key to ask for the following page with, when there is one. */
  readonly next?: SortKey;
  /** Key to ask for the preceding page with, when there is one. */
  readonly prev?: SortKey;
}

/** Largest page a list serves. */
export const MAX_PAGE_ROWS = 500;
/** Counting stops here; more matches read "more than COUNT_CAP". */
export const COUNT_CAP = 10_000;

export function isWildcard(text: string): boolean {
  return text === '' || text === '*';
}

/** Does `value` pass the filter's operator and text? Case-insensitive. */
export function textMatches(op: SearchOp, value: string, text: string): boolean {
  if (isWildcard(text)) return true;
  const v = value.toLowerCase();
  const t = text.toLowerCase();
  switch (op) {
    case 'equals':
      return v === t;
    case 'starts':
      return v.startsWith(t);
    case 'contains':
      return v.includes(t);
    case 'ends':
      return v.endsWith(t);
  }
}

/** One element of a key against another: numbers as numbers, anything else as text. */
export function compareParts(x: KeyPart, y: KeyPart): number {
  if (x === y) return 0;
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
  const xs = String(x);
  const ys = String(y);
  return xs === ys ? 0 : xs < ys ? -1 : 1;
}

export function compareKeys(a: SortKey, b: SortKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareParts(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** A cursor as it travels in a URL: base64url of the JSON key. */
export function encodeCursor(k: SortKey): string {
  return Buffer.from(JSON.stringify(k), 'utf8').toString('base64url');
}

/** The key of a cursor, or undefined when it is not one we made. */
export function decodeCursor(text: string | undefined): SortKey | undefined {
  if (!text || text.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length === 0 || v.length > 8) return undefined;
    if (!v.every((x) => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)))) return undefined;
    return v as KeyPart[];
  } catch {
    return undefined;
  }
}

/**
 * One page of `rows` (any order) that pass `keep`, ordered by `keyOf`, in one pass: a
 * buffer of at most limit+1 rows, each insertion a binary search. O(n log limit).
 * `firstOf`, when given, is keyOf(row)[0] without building the key: a row whose sort value
 * alone rules it out (before the cursor, or after the page's last row once the buffer is
 * full) costs no key. `matched` is how many rows passed `keep`, counted in the same pass.
 */
export function keysetPage<T>(rows: Iterable<T>, keep: (row: T) => boolean, keyOf: (row: T) => SortKey, req: PageRequest, firstOf?: (row: T) => KeyPart): Page<T> & { readonly matched: number } {
  const backward = req.before !== undefined;
  // Walking backward is walking forward in the opposite order.
  const sign = (req.desc ? -1 : 1) * (backward ? -1 : 1);
  const from = backward ? req.before : req.after;
  const cmp = (a: SortKey, b: SortKey) => sign * compareKeys(a, b);
  const want = req.limit + 1;
  const buf: { k: SortKey; row: T }[] = [];
  let matched = 0;
  for (const row of rows) {
    if (!keep(row)) continue;
    matched++;
    if (firstOf) {
      const v = firstOf(row);
      if (from && sign * compareParts(v, from[0]) < 0) continue;
      if (buf.length === want && sign * compareParts(v, buf[want - 1].k[0]) > 0) continue;
    }
    const k = keyOf(row);
    if (from && cmp(k, from) <= 0) continue;
    if (buf.length === want && cmp(k, buf[want - 1].k) >= 0) continue;
    let lo = 0;
    let hi = buf.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(buf[mid].k, k) < 0) lo = mid + 1;
      else hi = mid;
    }
    buf.splice(lo, 0, { k, row });
    if (buf.length > want) buf.pop();
  }
  return { ...finishPage(buf, req), matched };
}

/** Trim an ordered buffer of up to limit+1 rows to a page with its next/prev keys. */
export function finishPage<T>(buf: { k: SortKey; row: T }[], req: PageRequest): Page<T> {
  const backward = req.before !== undefined;
  const more = buf.length > req.limit;
  const taken = buf.slice(0, req.limit);
  if (backward) taken.reverse();
  const first = taken[0]?.k;
  const last = taken[taken.length - 1]?.k;
  const hasNext = backward ? true : more;
  const hasPrev = backward ? more : req.after !== undefined;
  return {
    rows: taken.map((x) => x.row),
    ...(hasNext && last && { next: last }),
    ...(hasPrev && first && { prev: first }),
  };
}

/** How many rows pass, counting no further than `cap` + 1. */
export function countUpTo<T>(rows: Iterable<T>, keep: (row: T) => boolean, cap = COUNT_CAP): number {
  let n = 0;
  for (const r of rows) if (keep(r) && ++n > cap) break;
  return n;
}
