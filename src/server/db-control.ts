// The registry and route databases over the control socket (sysadmin_sps_regroute):
// list, add, remove, import and export while sipd runs, so a change is seen by the very
// next request. The same operations run against store files opened directly when sipd
// is stopped (DbOperations is shared by both).
//
//   {"cmd":"db","db":"routing","op":"info"}
//   {"cmd":"db","db":"routing","op":"list","offset":0,"limit":1000,"match":"+1408"}
//   {"cmd":"db","db":"registry","op":"export","offset":0,"limit":5000}     → CSV text page
//   {"cmd":"db","db":"routing","op":"import","csv":"9*,phone,gw.example.com\n"}
//   {"cmd":"db","db":"routing","op":"import","file":"/abs/path/routes.csv"}
//   {"cmd":"db","db":"routing","op":"remove","keys":[{"pattern":"9*","type":"phone","nextHop":"gw","port":0}]}
//   {"cmd":"db","db":"registry","op":"remove","keys":[{"aor":"2000@companya.com","contact":"sip:2000@10.1.1.20"}]}
//
// An import (also how single entries are added: "csv" with one line) is parsed and
// checked completely before anything is written: any error, overflow included, writes
// nothing and the reply lists the errors with their lines.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocationStore } from '../stores/location-store.js';
import { formatRegistrationCsv, importRegistrations, liveBindings, parseRegistrationCsv, registrationKey } from '../modules/registry/csv.js';
import type { CsvError } from '../modules/routing/csv.js';
import { formatRouteCsv, importRoutes, parseRouteCsv } from '../modules/routing/csv.js';
import type { Route, RouteStore, RouteType } from '../stores/route-store.js';
import { routeKey } from '../stores/route-store.js';
import { searchRegistry, searchRoutes, validateSearch } from './db-search.js';
import type { DbSearch } from './db-search.js';

export type DbName = 'routing' | 'registry';

export interface RouteKeyFields {
  readonly pattern: string;
  readonly type: RouteType;
  readonly nextHop: string;
  readonly port: number;
}
export interface RegistrationKeyFields {
  readonly aor: string;
  readonly contact: string;
}

export type DbRequest =
  | { readonly cmd: 'db'; readonly db: DbName; readonly op: 'info' }
  | { readonly cmd: 'db'; readonly db: DbName; readonly op: 'list' | 'export'; readonly offset: number; readonly limit: number; readonly match?: string }
  | ({ readonly cmd: 'db'; readonly db: DbName; readonly op: 'search' } & DbSearch)
  | { readonly cmd: 'db'; readonly db: DbName; readonly op: 'import'; readonly csv?: string; readonly file?: string }
  | { readonly cmd: 'db'; readonly db: 'routing'; readonly op: 'remove'; readonly keys: readonly RouteKeyFields[] }
  | { readonly cmd: 'db'; readonly db: 'registry'; readonly op: 'remove'; readonly keys: readonly RegistrationKeyFields[] };

export type DbReply = Record<string, unknown>;

/** The most entries one list/export page carries (keeps each reply line a sane size). */
export const MAX_PAGE = 10_000;
/** Errors reported for one import; the count says how many more there were. */
const MAX_ERRORS = 200;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Check a decoded {"cmd":"db",…} object; a string is the error to send back. */
export function validateDbRequest(o: Record<string, unknown>): DbRequest | string {
  const db = o.db;
  if (db !== 'routing' && db !== 'registry') return 'db: "db" must be "routing" or "registry"';
  switch (o.op) {
    case 'info':
      return { cmd: 'db', db, op: 'info' };
    case 'list':
    case 'export': {
      const offset = o.offset ?? 0;
      const limit = o.limit ?? 1000;
      if (!isCount(offset)) return `db ${o.op}: "offset" must be an integer from 0`;
      if (!isCount(limit) || limit < 1 || limit > MAX_PAGE) return `db ${o.op}: "limit" must be an integer from 1 to ${MAX_PAGE}`;
      if (o.match !== undefined && typeof o.match !== 'string') return `db ${o.op}: "match" must be a string`;
      return { cmd: 'db', db, op: o.op, offset, limit, ...(typeof o.match === 'string' && { match: o.match }) };
    }
    case 'search': {
      const s = validateSearch(db, o);
      return typeof s === 'string' ? s : { cmd: 'db', db, op: 'search', ...s };
    }
    case 'import': {
      const hasCsv = typeof o.csv === 'string';
      const hasFile = typeof o.file === 'string' && path.isAbsolute(o.file);
      if (hasCsv === hasFile) return 'db import: give either "csv" (the text) or "file" (an absolute path sipd can read)';
      return hasCsv ? { cmd: 'db', db, op: 'import', csv: o.csv as string } : { cmd: 'db', db, op: 'import', file: o.file as string };
    }
    case 'remove': {
      if (!Array.isArray(o.keys) || o.keys.length === 0) return 'db remove: "keys" must be a non-empty array';
      if (db === 'routing') {
        const keys: RouteKeyFields[] = [];
        for (const k of o.keys) {
          if (!isObj(k) || typeof k.pattern !== 'string' || (k.type !== 'phone' && k.type !== 'ip') || typeof k.nextHop !== 'string' || !isCount(k.port)) {
            return 'db remove: each routing key is {"pattern":string,"type":"phone"|"ip","nextHop":string,"port":integer}';
          }
          keys.push({ pattern: k.pattern, type: k.type, nextHop: k.nextHop, port: k.port });
        }
        return { cmd: 'db', db, op: 'remove', keys };
      }
      const keys: RegistrationKeyFields[] = [];
      for (const k of o.keys) {
        if (!isObj(k) || typeof k.aor !== 'string' || typeof k.contact !== 'string') return 'db remove: each registry key is {"aor":string,"contact":string}';
        keys.push({ aor: k.aor, contact: k.contact });
      }
      return { cmd: 'db', db, op: 'remove', keys };
    }
    default:
      return `db: unknown op ${JSON.stringify(o.op)}; known: info, list, search, export, import, remove`;
  }
}

/** A page of a list. */
function page<T>(all: readonly T[], offset: number, limit: number): { items: readonly T[]; next?: number } {
  const items = all.slice(offset, offset + limit);
  return offset + limit < all.length ? { items, next: offset + limit } : { items };
}

function errorReply(errors: readonly CsvError[]): DbReply {
  return {
    ok: false,
    error: `${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was imported`,
    errors: errors.slice(0, MAX_ERRORS),
    ...(errors.length > MAX_ERRORS && { moreErrors: errors.length - MAX_ERRORS }),
  };
}

/** The database operations over whichever stores are open. */
export class DbOperations {
  constructor(
    private readonly registry: LocationStore | undefined,
    private readonly routes: RouteStore | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async run(req: DbRequest): Promise<DbReply> {
    if (req.db === 'routing' && !this.routes) return { ok: false, error: 'the route database is not open (Cisco_Routing Off, or no route store in this sipd)' };
    if (req.db === 'registry' && !this.registry) return { ok: false, error: 'the registry database is not open (Cisco_Registry Off)' };
    return req.db === 'routing' ? this.routing(req as DbRequest & { db: 'routing' }, this.routes!) : this.registryOp(req as DbRequest & { db: 'registry' }, this.registry!);
  }

  private async text(req: { csv?: string; file?: string }): Promise<string | DbReply> {
    if (req.csv !== undefined) return req.csv;
    try {
      return await readFile(req.file!, 'utf8');
    } catch (e) {
      return { ok: false, error: `cannot read ${req.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
    }
  }

  private async routing(req: DbRequest & { db: 'routing' }, store: RouteStore): Promise<DbReply> {
    switch (req.op) {
      case 'info':
        return { ok: true, db: 'routing', size: store.size() };
      case 'search':
        return searchRoutes(store, req);
      case 'list':
      case 'export': {
        const m = req.match;
        const all = m === undefined ? store.all() : store.all().filter((r) => r.pattern.includes(m) || r.nextHop.includes(m) || r.label.includes(m));
        const p = page(all, req.offset, req.limit);
        return req.op === 'list'
          ? { ok: true, total: all.length, entries: p.items, ...(p.next !== undefined && { next: p.next }) }
          : { ok: true, total: all.length, csv: formatRouteCsv(p.items, { header: req.offset === 0 }), ...(p.next !== undefined && { next: p.next }) };
      }
      case 'import': {
        const text = await this.text(req);
        if (typeof text !== 'string') return text;
        const parsed = parseRouteCsv(text);
        if (!parsed.ok) return errorReply(parsed.errors);
        try {
          return { ok: true, ...(await importRoutes(store, parsed.entries)) };
        } catch (e) {
          return { ok: false, error: (e as Error).message };
        }
      }
      case 'remove': {
        const removed = await store.remove(req.keys.map((k) => routeKey(k)));
        return { ok: true, removed };
      }
    }
  }

  private async registryOp(req: DbRequest & { db: 'registry' }, store: LocationStore): Promise<DbReply> {
    const now = this.now();
    switch (req.op) {
      case 'info':
        return { ok: true, db: 'registry', size: store.size(), active: store.activeCount(now) };
      case 'search':
        return searchRegistry(store, req, now);
      case 'list':
      case 'export': {
        const m = req.match;
        const all = [...liveBindings(store, now)].filter((b) => m === undefined || b.aor.includes(m) || b.contact.includes(m));
        const p = page(all, req.offset, req.limit);
        if (req.op === 'export') return { ok: true, total: all.length, csv: formatRegistrationCsv(p.items, { header: req.offset === 0 }), ...(p.next !== undefined && { next: p.next }) };
        const entries = p.items.map((b) => ({ aor: b.aor, contact: b.contact, q: b.q, static: b.static, expires: Number.isFinite(b.expiresAt) ? new Date(b.expiresAt).toISOString() : null }));
        return { ok: true, total: all.length, entries, ...(p.next !== undefined && { next: p.next }) };
      }
      case 'import': {
        const text = await this.text(req);
        if (typeof text !== 'string') return text;
        const parsed = parseRegistrationCsv(text, { now });
        if (!parsed.ok) return errorReply(parsed.errors);
        try {
          return { ok: true, ...(await importRegistrations(store, parsed.entries, { now })), expired: parsed.expired ?? 0 };
        } catch (e) {
          return { ok: false, error: (e as Error).message };
        }
      }
      case 'remove': {
        let removed = 0;
        for (const k of req.keys) {
          const key = registrationKey(k.aor);
          const aor = 'key' in key ? key.key : k.aor;
          const list = store.get(aor);
          const b = list.find((x) => x.contact === k.contact);
          if (!b) continue;
          if (b.static) {
            if (await store.removeStatic(aor, k.contact)) removed++;
          } else {
            await store.put(
              aor,
              list.filter((x) => !x.static && x.contact !== k.contact && x.expiresAt > now),
            );
            removed++;
          }
        }
        return { ok: true, removed };
      }
    }
  }
}

/** The control-socket handler sipd calls for {"cmd":"db"}, with the stores it opened (stores.ts). */
export function handleDbControl(req: DbRequest, locations: LocationStore | undefined, routes: RouteStore | undefined): Promise<DbReply> {
  return new DbOperations(locations, routes).run(req);
}

export type { Route };
