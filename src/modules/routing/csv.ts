// Bulk routes as comma-separated values (guide ch. 2 "How to Import and Export Bulk
// Routing and Registry Data"; Appendix C, sysadmin_sps_regroute -i / -x).
//
// One route per record, RFC 4180 quoting (a field holding a comma, quote or line break
// is written in double quotes, a quote inside doubled). Blank lines and lines starting
// with '#' are skipped. An optional header line names the columns (any order); without
// one the columns are, in this order:
//
//   pattern,type,nextHop,port,transport,priority,weight,techPrefix,techPrefixAction,
//   allowLessSpecific,block,inService,label
//
// Only the first three are required; missing trailing fields take the defaults below.
// Parsing either gives every route or every error (line number and what is valid), so an
// import with any error writes nothing. The generic CSV reader and writer are in
// src/common/csv.ts (re-exported here for the registry format and older imports).
import { parsePattern } from '../../stores/route-pattern.js';
import type { Route, RouteStore, RouteType, TechPrefixAction } from '../../stores/route-store.js';
import { TECH_PREFIX, checkRoute, routeKey, validNextHop } from '../../stores/route-store.js';
import { Bad, csvLine, parseCsvTable, parseFlag, parseIntField } from '../../common/csv.js';
import type { CsvParse } from '../../common/csv.js';

// The generic reader and writer live in common/ (the subscriber format in stores/ uses them too).
export { Bad, csvField, csvLine, fieldsByColumn, headerColumns, parseFlag, parseIntField, readCsvRecords, requiredCount } from '../../common/csv.js';
export type { CsvError, CsvParse, CsvRecord } from '../../common/csv.js';

/** The most routes a table holds (import overflow). No directive sets it. */
export const ROUTE_LIMIT = 1_000_000;

// ---- routes ----

export const ROUTE_COLUMNS = [
  'pattern',
  'type',
  'nextHop',
  'port',
  'transport',
  'priority',
  'weight',
  'techPrefix',
  'techPrefixAction',
  'allowLessSpecific',
  'block',
  'inService',
  'label',
] as const satisfies readonly (keyof Route)[];

const REQUIRED_ROUTE_COLUMNS = ['pattern', 'type', 'nextHop'];

/** The value of a column left out. */
export const ROUTE_DEFAULTS: Omit<Route, 'pattern' | 'type' | 'nextHop'> = {
  port: 0,
  transport: 'UDP',
  priority: 1,
  weight: 1,
  techPrefix: '',
  techPrefixAction: 'include',
  allowLessSpecific: false,
  block: false,
  inService: true,
  label: '',
};

/**
 * Is the pattern one a route of this type can hold? A message naming what is valid, or
 * undefined when it is fine (the route pattern parser decides: src/stores/route-pattern.ts).
 */
export function checkRoutePattern(pattern: string, type: RouteType): string | undefined {
  const p = parsePattern(type, pattern);
  return p.ok ? undefined : p.reason;
}

function parseType(v: string): RouteType | Bad {
  const t = v.toLowerCase().replace(/^user=/, '');
  if (t === 'phone' || t === 'ip') return t;
  return new Bad(`type: "${v}" is not valid; valid: phone (number routes, user=phone), ip (domain routes, user=ip)`);
}

function parseTransport(v: string): Route['transport'] | Bad {
  const t = v.toUpperCase();
  if (t === 'UDP' || t === 'TCP' || t === 'TLS') return t;
  return new Bad(`transport: "${v}" is not valid; valid: UDP, TCP, TLS`);
}

function parseAction(v: string): TechPrefixAction | Bad {
  const t = v.toLowerCase();
  if (t === 'include' || t === 'strip') return t;
  return new Bad(`techPrefixAction: "${v}" is not valid; valid: include, strip`);
}

function checkNextHop(v: string): string | undefined {
  return validNextHop(v) ? undefined : `nextHop: "${v}" is not a host name or IP address`;
}

/** One record to a route, or the first problem with it. */
function routeFromValues(values: ReadonlyMap<string, string>): Route | string {
  const get = (c: string): string | undefined => {
    const v = values.get(c);
    return v === undefined || v === '' ? undefined : v;
  };
  const problems: string[] = [];
  const pick = <T>(r: T | Bad): T => {
    if (r instanceof Bad) problems.push(r.message);
    return r as T;
  };
  const pattern = values.get('pattern') ?? '';
  const type = pick<RouteType>(parseType(values.get('type') ?? ''));
  const block = get('block') === undefined ? ROUTE_DEFAULTS.block : pick<boolean>(parseFlag(get('block')!, 'block'));
  const nextHop = values.get('nextHop') ?? '';
  // The pattern's syntax depends on the type, so a bad type ends the checks here.
  if (problems.length && type !== 'phone' && type !== 'ip') return problems.join('; ');
  const patternProblem = checkRoutePattern(pattern, type);
  if (patternProblem) problems.push(patternProblem);
  // A blocked route refuses calls, so it needs nowhere to send them.
  if (nextHop === '' && block !== true) problems.push('nextHop is empty; valid: a host name or IP address (only a blocked route may leave it empty)');
  else if (nextHop !== '') {
    const p = checkNextHop(nextHop);
    if (p) problems.push(p);
  }
  const num = (c: string, def: number, max: number) => (get(c) === undefined ? def : pick<number>(parseIntField(get(c)!, c, 0, max)));
  const port = num('port', ROUTE_DEFAULTS.port, 65535);
  const priority = num('priority', ROUTE_DEFAULTS.priority, 65535);
  const weight = num('weight', ROUTE_DEFAULTS.weight, 65535);
  const transport = get('transport') === undefined ? ROUTE_DEFAULTS.transport : pick<Route['transport']>(parseTransport(get('transport')!));
  const techPrefix = get('techPrefix') ?? ROUTE_DEFAULTS.techPrefix;
  if (techPrefix !== '' && !TECH_PREFIX.test(techPrefix)) problems.push(`techPrefix: "${techPrefix}" is not valid; valid: empty, or 1 to 3 digits followed by # (e.g. 001#)`);
  const techPrefixAction = get('techPrefixAction') === undefined ? ROUTE_DEFAULTS.techPrefixAction : pick<TechPrefixAction>(parseAction(get('techPrefixAction')!));
  const flag = (c: string, def: boolean) => (get(c) === undefined ? def : pick<boolean>(parseFlag(get(c)!, c)));
  const allowLessSpecific = flag('allowLessSpecific', ROUTE_DEFAULTS.allowLessSpecific);
  const inService = flag('inService', ROUTE_DEFAULTS.inService);
  const label = values.get('label') ?? '';
  if (label.length > 255) problems.push(`label: ${label.length} characters; at most 255`);
  if (problems.length) return problems.join('; ');
  // The store's own check has the last word, so nothing parsed here is refused on write.
  const checked = checkRoute({ pattern, type, nextHop, port, transport, priority, weight, techPrefix, techPrefixAction, allowLessSpecific, block, inService, label });
  return checked.ok ? checked.route : checked.reason;
}

export interface RouteCsvOptions {
  /** Table limit (default ROUTE_LIMIT); more routes in the file is an overflow error. */
  readonly limit?: number;
}

/** Parse a route CSV file: every route, or every error with its line. */
export function parseRouteCsv(text: string, opts: RouteCsvOptions = {}): CsvParse<Route> {
  const limit = opts.limit ?? ROUTE_LIMIT;
  return parseCsvTable<Route>(text, {
    columns: ROUTE_COLUMNS,
    required: REQUIRED_ROUTE_COLUMNS,
    entry: routeFromValues,
    key: routeKey,
    repeated: (first) => `the same route (pattern, type, next hop and port) as line ${first}`,
    limit,
    overflow: `route database overflow: more than ${limit} routes`,
  });
}

/** Routes as CSV, header line first; parseRouteCsv reads it back to the same routes. */
export function formatRouteCsv(routes: Iterable<Route>, opts: { header?: boolean } = {}): string {
  const parts: string[] = [];
  if (opts.header ?? true) parts.push(ROUTE_COLUMNS.join(',') + '\n');
  const yn = (b: boolean) => (b ? 'yes' : 'no');
  for (const r of routes) {
    parts.push(
      csvLine([
        r.pattern,
        r.type,
        r.nextHop,
        String(r.port),
        r.transport,
        String(r.priority),
        String(r.weight),
        r.techPrefix,
        r.techPrefixAction,
        yn(r.allowLessSpecific),
        yn(r.block),
        yn(r.inService),
        r.label,
      ]),
    );
  }
  return parts.join('');
}

/**
 * Would adding these routes overflow the table? Routes that replace one already there
 * (same key) take no new room. A message, or undefined when they fit.
 */
export function routeOverflow(existing: Iterable<Route>, size: number, incoming: readonly Route[], limit = ROUTE_LIMIT): string | undefined {
  const have = new Set<string>();
  for (const r of existing) have.add(routeKey(r));
  const added = incoming.filter((r) => !have.has(routeKey(r))).length;
  if (size + added <= limit) return undefined;
  return `route database overflow: ${size} routes held plus ${added} new would exceed the limit of ${limit}; nothing was imported`;
}

/** Add or replace routes in a store, all or nothing. Returns how many were new. */
export async function importRoutes(store: RouteStore, routes: readonly Route[], limit = ROUTE_LIMIT): Promise<{ added: number; replaced: number }> {
  const all = store.all();
  const overflow = routeOverflow(all, store.size(), routes, limit);
  if (overflow) throw new Error(overflow);
  const have = new Set(all.map(routeKey));
  const added = routes.filter((r) => !have.has(routeKey(r))).length;
  await store.put(routes);
  return { added, replaced: routes.length - added };
}
