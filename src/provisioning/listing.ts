// The search / sort / paging bar every provisioning list shares (guide ch. 2: a search tool
// of field, operator and string; sortable columns; no "show all" of a huge table): the
// query string it reads, checked, and the links it draws (web/views/partials/listbar.eta).
// Pages are keyset pages (src/stores/search.ts): Next carries the last row's key, Previous
// the first row's, so every page costs the same however deep it is.
import { SEARCH_OPS, SEARCH_OP_LABELS, decodeCursor, encodeCursor } from '../stores/search.js';
import type { SearchOp, SortKey } from '../stores/search.js';

export const PAGE_SIZES = [25, 50, 100, 500] as const;
export const DEFAULT_PAGE_SIZE = 50;

export interface ListSpec {
  /** Path of the page, e.g. "/subscribers" (the API path is "/api" + this). */
  readonly path: string;
  /** Searchable fields: value → label. */
  readonly fields: Readonly<Record<string, string>>;
  /** Sortable columns: value → label. */
  readonly sorts: Readonly<Record<string, string>>;
}

export interface ListQuery {
  readonly field: string;
  readonly op: SearchOp;
  readonly q: string;
  readonly sort: string;
  readonly desc: boolean;
  readonly limit: number;
  readonly after?: SortKey;
  readonly before?: SortKey;
}

/** The query string's keys, for the API schemas. */
export function listQuerySchema(spec: ListSpec) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      field: { type: 'string', enum: Object.keys(spec.fields) },
      op: { type: 'string', enum: [...SEARCH_OPS] },
      q: { type: 'string', maxLength: 255, description: "the search string; empty or * lists everything (a page at a time)" },
      sort: { type: 'string', enum: Object.keys(spec.sorts) },
      dir: { type: 'string', enum: ['asc', 'desc'] },
      limit: { type: 'integer', minimum: 1, maximum: 500 },
      after: { type: 'string', maxLength: 4096, description: 'the "next" cursor of the previous answer' },
      before: { type: 'string', maxLength: 4096, description: 'the "prev" cursor of the previous answer' },
    },
  } as const;
}

/** The list query a request asks for, or the message saying what is wrong with it. */
export function parseListQuery(spec: ListSpec, raw: unknown): ListQuery | string {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const s = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : typeof o[k] === 'number' ? String(o[k]) : undefined);
  const fields = Object.keys(spec.fields);
  const sorts = Object.keys(spec.sorts);
  const field = s('field') ?? fields[0];
  if (!fields.includes(field)) return `field must be one of ${fields.join(', ')}`;
  const op = s('op') ?? 'starts';
  if (!SEARCH_OPS.includes(op as SearchOp)) return `op must be one of ${SEARCH_OPS.join(', ')}`;
  const q = s('q') ?? '';
  if (q.length > 255) return 'the search string is longer than 255 characters';
  const sort = s('sort') ?? sorts[0];
  if (!sorts.includes(sort)) return `sort must be one of ${sorts.join(', ')}`;
  const dir = s('dir') ?? 'asc';
  if (dir !== 'asc' && dir !== 'desc') return 'dir must be asc or desc';
  const limit = Number(s('limit') ?? DEFAULT_PAGE_SIZE);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) return 'limit must be a whole number from 1 to 500';
  const after = s('after') ? decodeCursor(s('after')) : undefined;
  const before = s('before') ? decodeCursor(s('before')) : undefined;
  if ((s('after') && !after) || (s('before') && !before)) return 'the page cursor is not valid; start again from the first page';
  if (after && before) return 'give after or before, not both';
  return { field, op: op as SearchOp, q, sort, desc: dir === 'desc', limit, ...(after && { after }), ...(before && { before }) };
}

/** The query string for this list with some keys changed ('' or undefined drops a key). */
export function listHref(spec: ListSpec, lq: ListQuery, change: Record<string, string | undefined> = {}): string {
  const base: Record<string, string | undefined> = {
    field: lq.field,
    op: lq.op,
    q: lq.q || undefined,
    sort: lq.sort,
    dir: lq.desc ? 'desc' : undefined,
    limit: lq.limit === DEFAULT_PAGE_SIZE ? undefined : String(lq.limit),
    ...change,
  };
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(base)) if (v) p.set(k, v);
  const qs = p.toString();
  return qs ? `${spec.path}?${qs}` : spec.path;
}

/** What the list bar partial draws: the form's state, sort links per column, pager links. */
export function listBar(spec: ListSpec, lq: ListQuery, page: { next?: SortKey; prev?: SortKey; count: number; cap: number }) {
  const sortLinks: Record<string, { href: string; mark: string }> = {};
  for (const k of Object.keys(spec.sorts)) {
    const on = lq.sort === k;
    sortLinks[k] = { href: listHref(spec, lq, { sort: k, dir: on && !lq.desc ? 'desc' : undefined }), mark: on ? (lq.desc ? '▼' : '▲') : '' };
  }
  return {
    path: spec.path,
    fields: Object.entries(spec.fields),
    ops: SEARCH_OPS.map((o) => [o, SEARCH_OP_LABELS[o]] as const),
    sizes: PAGE_SIZES,
    query: { field: lq.field, op: lq.op, q: lq.q, sort: lq.sort, dir: lq.desc ? 'desc' : 'asc', limit: lq.limit },
    sortLinks,
    first: lq.after || lq.before ? listHref(spec, lq) : '',
    next: page.next ? listHref(spec, lq, { after: encodeCursor(page.next) }) : '',
    prev: page.prev ? listHref(spec, lq, { before: encodeCursor(page.prev) }) : '',
    countText: page.count > page.cap ? `more than ${page.cap.toLocaleString('en-US')} match; narrow the search` : `${page.count.toLocaleString('en-US')} ${page.count === 1 ? 'match' : 'match'}${page.count === 1 ? '' : 'es'}`,
    exportHref: listHref({ ...spec, path: `${spec.path}/export.csv` }, lq),
  };
}

/** The cursors of a page as the API returns them. */
export function apiCursors(page: { next?: SortKey; prev?: SortKey }): { next?: string; prev?: string } {
  return { ...(page.next && { next: encodeCursor(page.next) }), ...(page.prev && { prev: encodeCursor(page.prev) }) };
}
