// A static route as administrators enter it (guide ch. 2 "How to Configure Routes"), and
// the store that keeps them. One interface, implemented by the embedded file-backed
// store (src/stores/embedded/route-store.ts); the proxy reads it on every request.

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
  size(): number;
  /** Add or replace (same routeKey) routes, all durable before it resolves; atomic as a batch. */
  put(routes: readonly Route[]): Promise<void>;
  /** Remove routes by key; returns how many were there. */
  remove(keys: readonly string[]): Promise<number>;
  /** Replace the whole table (import with replace). */
  replaceAll(routes: readonly Route[]): Promise<void>;
  close(): Promise<void>;
}
