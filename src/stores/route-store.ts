// A static route as administrators enter it (guide ch. 2 "How to Configure Routes"), and
// the store that keeps them. One interface, implemented by the embedded file-backed
// store (src/stores/embedded/route-store.ts); the proxy reads it on every request.
import { isIPv4, isIPv6 } from 'node:net';
import type { Pattern } from './route-pattern.js';
import { parsePattern } from './route-pattern.js';
import type { IndexPage, IndexQuery } from './sorted-index.js';

/** Number routes match the user part (user=phone); domain routes the host (user=ip). */
export type RouteType = 'phone' | 'ip';

/** What happens to a tech prefix (1-3 digits and #) in front of the number on the way out. */
export type TechPrefixAction = 'include' | 'strip';

export interface Route {
  /**
   * The destination pattern. Number routes: digits, `+`, `.` (one digit), a final `*`
   * (any digits) and `\*` (a literal star), e.g. `+1408.......`, `9*`, `\*69`. Domain
   * routes: a host name, with a leading `.` for "this domain and below" and `*`
   * for any labels, e.g. `.com.ibm.*` as the guide writes it.
   */
  readonly pattern: string;
  readonly type: RouteType;
  /** Next hop: host name or address. */
  readonly nextHop: string;
  /** 0 means none given: SRV lookup on nextHop, falling back to A. */
  readonly port: number;
  readonly transport: 'UDP' | 'TCP' | 'TLS';
  /** Lower is tried first (0-65535). */
  readonly priority: number;
  /** Among equal priorities, chosen at random in proportion to weight (RFC 2782; 0-65535). */
  readonly weight: number;
  /** Tech prefix put in front of the number, '' for none (e.g. `001#`). */
  readonly techPrefix: string;
  readonly techPrefixAction: TechPrefixAction;
  /** When this route and those as specific fail, less specific matches may be tried. */
  readonly allowLessSpecific: boolean;
  /** A blocked route refuses matching calls (403) rather than routing them. */
  readonly block: boolean;
  /** Out of service routes are kept but skipped. */
  readonly inService: boolean;
  /** Free text for the administrator; several routes may share a label. */
  readonly label: string;
}

/** Routes are identified by pattern, type and next hop:port (several next hops per pattern). */
export function routeKey(r: Pick<Route, 'pattern' | 'type' | 'nextHop' | 'port'>): string {
  return `${r.type}|${r.pattern}|${r.nextHop.toLowerCase()}|${r.port}`;
}

export interface RouteStore {
  /** Every route whose pattern matches, most specific pattern first; routes of one pattern together. */
  match(type: RouteType, key: string): readonly (readonly Route[])[];
  /** Every route, in pattern order. */
  all(): readonly Route[];
  /** Every route in no particular order, without building a list (searches of a big table); stores without it are read with all(). */
  each?(): Iterable<Route>;
  size(): number;
  /** One page of a search (the provisioning GUI), from sorted views; stores without it are paged by one pass over each(). */
  search?(q: IndexQuery<string>): IndexPage<Route>;
  /** Add or replace (same routeKey) routes, all durable before it resolves; atomic as a batch. */
  put(routes: readonly Route[]): Promise<void>;
  /** Remove routes by key; returns how many were there. */
  remove(keys: readonly string[]): Promise<number>;
  /** Replace the whole table (import with replace). */
  replaceAll(routes: readonly Route[]): Promise<void>;
  close(): Promise<void>;
}

// ---- validation: shared by the stores, the provisioning API and bulk import ----

const TRANSPORTS = ['UDP', 'TCP', 'TLS'] as const;
const HOSTNAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$/;

export type RouteCheck = { readonly ok: true; readonly route: Route; readonly parsed: Pattern } | { readonly ok: false; readonly reason: string };

/**
 * Check a route as it comes from a file, the API or an import, and return a clean copy
 * with exactly the fields of Route. The reason names the field and what is valid.
 */
export function checkRoute(x: unknown): RouteCheck {
  const fail = (reason: string): RouteCheck => ({ ok: false, reason });
  if (typeof x !== 'object' || x === null) return fail('a route must be an object');
  const r = x as Record<string, unknown>;
  if (r.type !== 'phone' && r.type !== 'ip') return fail(`type must be "phone" (number route) or "ip" (domain route), not ${JSON.stringify(r.type)}`);
  if (typeof r.pattern !== 'string') return fail('pattern must be a string');
  const p = parsePattern(r.type, r.pattern);
  if (!p.ok) return fail(p.reason);
  // A blocked route sends nothing anywhere, so it may leave the next hop empty.
  if (typeof r.nextHop !== 'string' || !(validNextHop(r.nextHop) || (r.nextHop === '' && r.block === true))) {
    return fail(`nextHop ${JSON.stringify(r.nextHop)} must be a host name or an IP address (it may be empty only on a blocked route)`);
  }
  const int = (name: string, v: unknown, max: number): string | undefined =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max ? undefined : `${name} must be a whole number from 0 to ${max}, not ${JSON.stringify(v)}`;
  const bad = int('port', r.port, 65535) ?? int('priority', r.priority, 65535) ?? int('weight', r.weight, 65535);
  if (bad) return fail(bad);
  if (!TRANSPORTS.includes(r.transport as (typeof TRANSPORTS)[number])) return fail(`transport must be UDP, TCP or TLS, not ${JSON.stringify(r.transport)}`);
  if (typeof r.techPrefix !== 'string' || !(r.techPrefix === '' || TECH_PREFIX.test(r.techPrefix))) {
    return fail(`techPrefix must be empty or one to three digits followed by # (e.g. 001#), not ${JSON.stringify(r.techPrefix)}`);
  }
  if (r.techPrefixAction !== 'include' && r.techPrefixAction !== 'strip') return fail(`techPrefixAction must be "include" or "strip", not ${JSON.stringify(r.techPrefixAction)}`);
  for (const f of ['allowLessSpecific', 'block', 'inService'] as const) if (typeof r[f] !== 'boolean') return fail(`${f} must be true or false`);
  if (typeof r.label !== 'string' || r.label.length > 255) return fail('label must be a string of at most 255 characters');
  // The enumerated fields get the shared constant strings, not copies read from a file.
  return {
    ok: true,
    parsed: p.pattern,
    route: {
      pattern: r.pattern,
      type: r.type === 'phone' ? 'phone' : 'ip',
      nextHop: r.nextHop,
      port: r.port as number,
      transport: r.transport === 'UDP' ? 'UDP' : r.transport === 'TCP' ? 'TCP' : 'TLS',
      priority: r.priority as number,
      weight: r.weight as number,
      techPrefix: r.techPrefix,
      techPrefixAction: r.techPrefixAction === 'include' ? 'include' : 'strip',
      allowLessSpecific: r.allowLessSpecific as boolean,
      block: r.block as boolean,
      inService: r.inService as boolean,
      label: r.label,
    },
  };
}

/** A tech prefix: 1-3 digits and # (guide ch. 1, H.323 RAS). */
export const TECH_PREFIX = /^[0-9]{1,3}#$/;

/** Host name, IPv4 address, or IPv6 address (bare or bracketed). */
export function validNextHop(h: string): boolean {
  if (h.length === 0 || h.length > 255) return false;
  if (h.includes(':')) return isIPv6(h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h);
  if (/^[0-9.]+$/.test(h)) return isIPv4(h);
  return HOSTNAME.test(h);
}

/** The parts of a routeKey, or undefined when the text is not one. */
export function parseRouteKey(key: string): Pick<Route, 'pattern' | 'type' | 'nextHop' | 'port'> | undefined {
  const parts = key.split('|');
  if (parts.length !== 4 || (parts[0] !== 'phone' && parts[0] !== 'ip')) return undefined;
  const port = Number(parts[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { type: parts[0], pattern: parts[1], nextHop: parts[2], port };
}
