// The "search" operation of the database control command: one keyset page of routes or
// live registrations, filtered by field, operator and text, sorted by a column (the
// provisioning GUI's lists). The tables are in memory in sipd, and the embedded stores keep
// sorted views of them (src/stores/sorted-index.ts), so a page of a million routes is a
// binary search and a short walk. A store without views is paged by one pass that keeps
// only the page's rows in a small sorted buffer (src/stores/search.ts).
//
//   {"cmd":"db","db":"routing","op":"search","field":"pattern","match":"starts","text":"9",
//    "sort":"priority","desc":false,"limit":50,"after":["…"]}
//   → {"ok":true,"entries":[…],"count":N,"next":[…],"prev":[…]}
import type { Binding, LocationStore } from '../stores/location-store.js';
import type { Route, RouteStore } from '../stores/route-store.js';
import { routeKey } from '../stores/route-store.js';
import { SEARCH_OPS, MAX_PAGE_ROWS, isWildcard, keysetPage, textMatches } from '../stores/search.js';
import type { SearchOp, SortKey } from '../stores/search.js';
import type { IndexPage, IndexQuery } from '../stores/sorted-index.js';

export const ROUTE_SEARCH_FIELDS = ['pattern', 'type', 'nextHop', 'transport', 'label'] as const;
export const ROUTE_SORT_FIELDS = ['pattern', 'nextHop', 'port', 'priority', 'weight', 'label'] as const;
export const REGISTRY_SEARCH_FIELDS = ['aor', 'contact'] as const;
export const REGISTRY_SORT_FIELDS = ['aor', 'contact', 'expires'] as const;

export interface DbSearch {
  readonly field: string;
  readonly match: SearchOp;
  readonly text: string;
  readonly sort: string;
  readonly desc: boolean;
  readonly limit: number;
  readonly after?: SortKey;
  readonly before?: SortKey;
}

const isKey = (x: unknown): x is SortKey =>
  Array.isArray(x) && x.length > 0 && x.length <= 8 && x.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)));

/** Check the search fields of a {"cmd":"db","op":"search"} object; a string is the error. */
export function validateSearch(db: 'routing' | 'registry', o: Record<string, unknown>): DbSearch | string {
  const fields: readonly string[] = db === 'routing' ? ROUTE_SEARCH_FIELDS : REGISTRY_SEARCH_FIELDS;
  const sorts: readonly string[] = db === 'routing' ? ROUTE_SORT_FIELDS : REGISTRY_SORT_FIELDS;
  const field = o.field ?? fields[0];
  const sort = o.sort ?? sorts[0];
  const match = o.match ?? 'contains';
  const limit = o.limit ?? 50;
  if (typeof field !== 'string' || !fields.includes(field)) return `db search: "field" must be one of ${fields.join(', ')}`;
  if (typeof sort !== 'string' || !sorts.includes(sort)) return `db search: "sort" must be one of ${sorts.join(', ')}`;
  if (!SEARCH_OPS.includes(match as SearchOp)) return `db search: "match" must be one of ${SEARCH_OPS.join(', ')}`;
  if (o.text !== undefined && (typeof o.text !== 'string' || o.text.length > 255)) return 'db search: "text" must be a string of at most 255 characters';
  if (o.desc !== undefined && typeof o.desc !== 'boolean') return 'db search: "desc" must be true or false';
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_PAGE_ROWS) return `db search: "limit" must be an integer from 1 to ${MAX_PAGE_ROWS}`;
  if (o.after !== undefined && !isKey(o.after)) return 'db search: "after" must be a key array from an earlier reply';
  if (o.before !== undefined && !isKey(o.before)) return 'db search: "before" must be a key array from an earlier reply';
  if (o.after !== undefined && o.before !== undefined) return 'db search: give "after" or "before", not both';
  return {
    field,
    match: match as SearchOp,
    text: typeof o.text === 'string' ? o.text : '',
    sort,
    desc: o.desc === true,
    limit: limit as number,
    ...(o.after !== undefined && { after: o.after as SortKey }),
    ...(o.before !== undefined && { before: o.before as SortKey }),
  };
}

function routeValue(r: Route, f: string): string | number {
  const v = (r as unknown as Record<string, unknown>)[f];
  return typeof v === 'number' ? v : String(v ?? '');
}

const indexQuery = (s: DbSearch): IndexQuery<string> => ({ ...s, filter: { field: s.field, op: s.match, text: s.text } });

const reply = <T>(page: IndexPage<T>, entries: readonly unknown[]): Record<string, unknown> => ({
  ok: true,
  entries,
  count: page.count,
  indexed: page.indexed,
  ...(page.next && { next: page.next }),
  ...(page.prev && { prev: page.prev }),
});

/** A page from a store's sorted views, or (a store without them) from one pass over its rows. */
function pageOf<T>(s: DbSearch, indexed: ((q: IndexQuery<string>) => IndexPage<T>) | undefined, rows: () => Iterable<T>, value: (row: T, f: string) => string | number, tail: (row: T) => SortKey, total: () => number): IndexPage<T> {
  if (indexed) return indexed(indexQuery(s));
  const keep = (row: T) => textMatches(s.match, String(value(row, s.field)), s.text);
  const page = keysetPage(rows(), keep, (row) => [value(row, s.sort), ...tail(row)], s, (row) => value(row, s.sort));
  return { ...page, count: isWildcard(s.text) ? total() : page.matched, indexed: false };
}

export function searchRoutes(store: RouteStore, s: DbSearch): Record<string, unknown> {
  const page = pageOf(s, store.search?.bind(store), () => store.each?.() ?? store.all(), routeValue, (r) => [routeKey(r)], () => store.size());
  return reply(page, page.rows);
}

export interface RegistrationRow {
  readonly aor: string;
  readonly contact: string;
  readonly q: number;
  readonly static: boolean;
  /** ISO time, or null for a static registration. */
  readonly expires: string | null;
  readonly received?: string;
}

function* live(store: LocationStore, now: number): IterableIterator<Binding> {
  for (const [, list] of store.entries()) for (const b of list) if (b.expiresAt > now) yield b;
}

const bindingValue = (b: Binding, f: string): string | number => (f === 'expires' ? (Number.isFinite(b.expiresAt) ? b.expiresAt : Number.MAX_SAFE_INTEGER) : f === 'aor' ? b.aor : b.contact);

export function searchRegistry(store: LocationStore, s: DbSearch, now: number): Record<string, unknown> {
  const indexed = store.search && ((q: IndexQuery<string>) => store.search!(q, now));
  const page = pageOf(s, indexed, () => live(store, now), bindingValue, (b) => [b.aor, b.contact], () => store.activeCount(now));
  const entries: RegistrationRow[] = page.rows.map((b) => ({
    aor: b.aor,
    contact: b.contact,
    q: b.q,
    static: b.static,
    expires: Number.isFinite(b.expiresAt) ? new Date(b.expiresAt).toISOString() : null,
    ...(b.received && { received: `${b.received.transport} ${b.received.address}:${b.received.port}` }),
  }));
  return reply(page, entries);
}
