// Header names and the ordered header list of a SIP message.
//
// Names are case-insensitive (RFC 3261 §7.3.1) and many have a one-letter compact
// form. We store each field under its canonical long name, so lookups by any
// spelling meet, and keep the fields in the order they arrived: the order of Via
// and Record-Route values carries meaning.

// Every header lookup goes through canonicalName; it remembers the spellings seen, up to
// a bound so that a peer sending endless invented names cannot grow the cache without end.
const CANONICAL_CACHE = new Map<string, string>();
const CANONICAL_CACHE_MAX = 2000;

/** Compact forms: RFC 3261 §7.3.3 and the extensions that define one. */
const COMPACT: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

/** Names whose usual spelling is not plain capitalised words. */
const SPECIAL = ['Call-ID', 'CSeq', 'WWW-Authenticate', 'MIME-Version', 'RAck', 'RSeq', 'SIP-ETag', 'SIP-If-Match', 'P-Asserted-Identity', 'P-Preferred-Identity', 'CC-Diversion', 'CC-Redirect', 'Remote-Party-ID'];
const SPECIAL_INDEX: ReadonlyMap<string, string> = new Map(SPECIAL.map((n) => [n.toLowerCase(), n]));

/**
 * Headers whose values may NOT be split at commas: their grammar either contains
 * commas (dates, auth parameters) or is a single value by definition. Held by
 * canonical name, so that a lookup needs no case folding.
 */
const NOT_A_LIST: ReadonlySet<string> = new Set(
  ['WWW-Authenticate', 'Authorization', 'Proxy-Authenticate', 'Proxy-Authorization', 'Authentication-Info', 'Date', 'Call-ID', 'CSeq', 'From', 'To', 'Content-Length', 'Content-Type', 'Max-Forwards', 'Subject', 'Server', 'User-Agent', 'Retry-After', 'Expires', 'Min-Expires', 'Timestamp', 'Organization', 'Priority', 'Reply-To', 'MIME-Version', 'Content-Disposition', 'Referred-By', 'Refer-To', 'Event', 'Session-Expires', 'RAck', 'RSeq', 'Identity'].map(canonicalName),
);

/** The canonical spelling of a header name: compact forms expanded, words capitalised. */
export function canonicalName(name: string): string {
  const hit = CANONICAL_CACHE.get(name);
  if (hit !== undefined) return hit;
  const lower = name.trim().toLowerCase();
  let canon: string;
  if (lower.length === 1 && COMPACT[lower]) canon = COMPACT[lower];
  else canon = SPECIAL_INDEX.get(lower) ?? lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
  if (CANONICAL_CACHE.size < CANONICAL_CACHE_MAX) CANONICAL_CACHE.set(name, canon);
  return canon;
}

/** RFC 3261 token characters, the only ones allowed in a header name. */
export const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/**
 * Split a header value at commas that separate list elements, leaving commas inside
 * quoted strings and <...> URIs alone. Empty elements are dropped.
 */
export function splitList(value: string): string[] {
  return splitInto(value, [], false);
}

/**
 * splitList's work, pushing onto `out` (header lookups split every field of a name into
 * one array); with `firstOnly`, it stops after the first element.
 */
function splitInto(value: string, out: string[], firstOnly: boolean): string[] {
  // Most values hold a single element: no scan, no intermediate arrays.
  if (!value.includes(',')) {
    const t = value.trim();
    if (t.length) out.push(t);
    return out;
  }
  let depthAngle = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (quoted) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) quoted = false;
    } else if (ch === 0x22) quoted = true;
    else if (ch === 0x3c /* < */) depthAngle++;
    else if (ch === 0x3e /* > */) depthAngle = Math.max(0, depthAngle - 1);
    else if (ch === 0x2c /* , */ && depthAngle === 0) {
      const t = value.slice(start, i).trim();
      if (t.length) {
        out.push(t);
        if (firstOnly) return out;
      }
      start = i + 1;
    }
  }
  const t = value.slice(start).trim();
  if (t.length) out.push(t);
  return out;
}

export interface HeaderField {
  /** Canonical long name (see canonicalName). */
  readonly name: string;
  /** The value with folding undone and surrounding whitespace trimmed. */
  readonly value: string;
}

/** The fields of one message, in arrival order. */
export class HeaderList {
  private readonly items: HeaderField[] = [];

  constructor(fields: Iterable<HeaderField> = []) {
    for (const f of fields) this.append(f.name, f.value);
  }

  /** Add a field at the end (the usual place for a new header). */
  append(name: string, value: string): this {
    this.items.push({ name: canonicalName(name), value: value.trim() });
    return this;
  }

  /** Add a field before every other field of the same name (a new top Via). */
  prepend(name: string, value: string): this {
    const canon = canonicalName(name);
    const at = this.items.findIndex((f) => f.name === canon);
    const field = { name: canon, value: value.trim() };
    if (at < 0) this.items.push(field);
    else this.items.splice(at, 0, field);
    return this;
  }

  /** Replace every field of this name by one field (added at the end when absent). */
  set(name: string, value: string): this {
    const canon = canonicalName(name);
    const at = this.items.findIndex((f) => f.name === canon);
    const field = { name: canon, value: value.trim() };
    this.delete(canon);
    // Fields before the first match are untouched, so `at` still points where it was.
    if (at < 0) this.items.push(field);
    else this.items.splice(at, 0, field);
    return this;
  }

  /** Replace the value of the first field of this name (remove that field when `value` is undefined); every other field keeps its place. */
  replaceFirst(name: string, value: string | undefined): this {
    const canon = canonicalName(name);
    const at = this.items.findIndex((f) => f.name === canon);
    if (at < 0) return this;
    if (value === undefined) this.items.splice(at, 1);
    else this.items[at] = { name: canon, value: value.trim() };
    return this;
  }

  delete(name: string): this {
    const canon = canonicalName(name);
    for (let i = this.items.length - 1; i >= 0; i--) if (this.items[i].name === canon) this.items.splice(i, 1);
    return this;
  }

  has(name: string): boolean {
    const canon = canonicalName(name);
    return this.items.some((f) => f.name === canon);
  }

  /** The first field's whole value, as written. */
  get(name: string): string | undefined {
    const canon = canonicalName(name);
    return this.items.find((f) => f.name === canon)?.value;
  }

  /** The raw values of every field of this name, in order (one per header line). */
  fields(name: string): string[] {
    const canon = canonicalName(name);
    const out: string[] = [];
    for (const f of this.items) if (f.name === canon) out.push(f.value);
    return out;
  }

  /**
   * Every list element of this header across all its fields, in order: `Via: a, b`
   * followed by `Via: c` gives [a, b, c]. Headers that are not lists come back whole.
   */
  values(name: string): string[] {
    const canon = canonicalName(name);
    if (NOT_A_LIST.has(canon)) return this.fields(canon);
    const out: string[] = [];
    for (const f of this.items) if (f.name === canon) splitInto(f.value, out, false);
    return out;
  }

  /** The top element of a list header (the first Via, the first Route…): values(name)[0], without splitting the others. */
  first(name: string): string | undefined {
    const canon = canonicalName(name);
    const list = !NOT_A_LIST.has(canon);
    for (const f of this.items) {
      if (f.name !== canon) continue;
      if (!list) return f.value;
      const v = splitInto(f.value, [], true);
      if (v.length) return v[0];
    }
    return undefined;
  }

  get size(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.items[Symbol.iterator]();
  }

  clone(): HeaderList {
    // The fields are immutable and already canonical and trimmed: the copy shares them.
    const copy = new HeaderList();
    for (const f of this.items) copy.items.push(f);
    return copy;
  }
}
