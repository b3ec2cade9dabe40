// Bulk registrations as comma-separated values (guide ch. 2 "How to Import and Export
// Bulk Routing and Registry Data"; Appendix C, sysadmin_sps_regroute -i / -x).
//
// One contact per record; the same CSV rules as routes (src/modules/routing/csv.ts):
// RFC 4180 quoting, '#' comments, an optional header. Columns, in this order without a
// header:
//
//   aor,contact,q,expires
//
//   aor      user@domain (a private user of that domain) or an E.164 number
//            (+14085558000, with or without @domain: E.164 numbers are shared by every
//            domain, aor.ts). Separators . - ( ) in numbers are dropped. No wildcards.
//   contact  a sip:, sips: or tel: URI
//   q        preference 0 to 1 (default 1)
//   expires  empty or "never": a static registration (the usual import); otherwise an
//            ISO 8601 time, as export writes for a dynamic registration, which lapses then
//
// The AOR is filed as written (domain in lower case); mapping this server's own
// addresses to its home domain is the registrar's job at REGISTER time, so write the
// domain a caller would use.
import type { Binding, LocationStore } from '../../stores/location-store.js';
import { normalizeUser } from './aor.js';
import { parseUri, unescapeUri } from '../../sip/uri.js';
import { csvLine, fieldsByColumn, headerColumns, readCsvRecords, requiredCount } from '../routing/csv.js';
import type { CsvError, CsvParse } from '../routing/csv.js';

/** The most registrations (contacts) the registry holds (import overflow). No directive sets it. */
export const REGISTRATION_LIMIT = 1_000_000;

export const REGISTRATION_COLUMNS = ['aor', 'contact', 'q', 'expires'] as const;
const REQUIRED = ['aor', 'contact'];

/** One registration of the file. */
export interface RegistrationEntry {
  /** The registry key (aor.ts): "+14085558000" or "2000@companya.com". */
  readonly aor: string;
  readonly contact: string;
  readonly q: number;
  /** Infinity for a static registration. */
  readonly expiresAt: number;
}

const DOMAIN = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.?$|^\[[0-9a-f:.]+\]$/i;

/** The registry key of an aor field, or why it cannot be one. */
export function registrationKey(text: string): { key: string } | { error: string } {
  const t = text.replace(/^sips?:/i, '');
  const at = t.lastIndexOf('@');
  const rawUser = at < 0 ? t : t.slice(0, at);
  const domain = at < 0 ? '' : t.slice(at + 1).toLowerCase().replace(/\.$/, '');
  if (rawUser === '') return { error: `aor: "${text}" has no user part; valid: user@domain or an E.164 number such as +14085558000` };
  if (unescapeUri(rawUser).includes('*')) return { error: `aor: "${text}": wildcards are not allowed in registrations; use a route instead` };
  if (/[\s,;<>"]/.test(rawUser)) return { error: `aor: "${text}": the user part may not hold blanks, commas, semicolons, quotes or <>` };
  const n = normalizeUser(rawUser);
  if (at >= 0 && !DOMAIN.test(domain)) return { error: `aor: "${domain}" is not a domain name or address` };
  if (n.e164) {
    if (n.user.length < 2) return { error: `aor: "${text}" is not an E.164 number` };
    return { key: n.user };
  }
  if (at < 0) return { error: `aor: "${text}" needs a domain (user@domain); only E.164 numbers (+ and digits) stand alone` };
  return { key: `${n.user}@${domain}` };
}

function parseQ(v: string): number | string {
  if (v === '') return 1;
  if (!/^(0(\.\d{1,3})?|1(\.0{1,3})?|\.\d{1,3})$/.test(v)) return `q: "${v}" is not valid; valid: 0 to 1 with up to three decimals (e.g. 0.5)`;
  return Number(v);
}

function parseExpires(v: string): number | string {
  if (v === '' || /^(never|static)$/i.test(v)) return Infinity;
  // A full date and time with its zone, as export writes (toISOString).
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  return `expires: "${v}" is not valid; valid: empty or never (static), or an ISO 8601 time such as 2024-05-01T12:00:00Z`;
}

export interface RegistrationCsvOptions {
  readonly limit?: number;
  /** Clock for "already expired" (ms since the epoch). */
  readonly now?: number;
}

export interface RegistrationCsvResult {
  readonly entries: readonly RegistrationEntry[];
  /** Records whose expires time has passed: valid, but nothing to import. */
  readonly expired: number;
}

/** Parse a registration CSV file: every entry, or every error with its line. */
export function parseRegistrationCsv(text: string, opts: RegistrationCsvOptions = {}): CsvParse<RegistrationEntry> & { readonly expired?: number } {
  const limit = opts.limit ?? REGISTRATION_LIMIT;
  const now = opts.now ?? Date.now();
  const { records, errors } = readCsvRecords(text);
  const errs: CsvError[] = [...errors];
  const out: RegistrationEntry[] = [];
  const seen = new Map<string, number>();
  let expired = 0;
  let columns: readonly string[] = REGISTRATION_COLUMNS;
  records.forEach((rec, k) => {
    if (k === 0) {
      const h = headerColumns(rec.fields, REGISTRATION_COLUMNS, REQUIRED);
      if (h && 'error' in h) return void errs.push({ line: rec.line, message: h.error });
      if (h) return void (columns = h);
    }
    const f = fieldsByColumn(rec.fields, columns, requiredCount(columns, REQUIRED));
    if ('error' in f) return void errs.push({ line: rec.line, message: f.error });
    const problems: string[] = [];
    const key = registrationKey(f.values.get('aor') ?? '');
    if ('error' in key) problems.push(key.error);
    const contact = f.values.get('contact') ?? '';
    const u = parseUri(contact);
    if (contact === '') problems.push('contact is empty; valid: a sip:, sips: or tel: URI');
    else if (!u.ok) problems.push(`contact: "${contact}" is not a SIP URI (${u.reason}); valid: a sip:, sips: or tel: URI`);
    const q = parseQ(f.values.get('q') ?? '');
    if (typeof q === 'string') problems.push(q);
    const expiresAt = parseExpires(f.values.get('expires') ?? '');
    if (typeof expiresAt === 'string') problems.push(expiresAt);
    if (problems.length) return void errs.push({ line: rec.line, message: problems.join('; ') });
    const aor = (key as { key: string }).key;
    const id = `${aor}\n${contact}`;
    const first = seen.get(id);
    if (first !== undefined) return void errs.push({ line: rec.line, message: `the same AOR and contact as line ${first}` });
    seen.set(id, rec.line);
    if ((expiresAt as number) <= now) return void expired++;
    if (out.length === limit) return void errs.push({ line: rec.line, message: `registry database overflow: more than ${limit} registrations` });
    out.push({ aor, contact, q: q as number, expiresAt: expiresAt as number });
  });
  errs.sort((a, b) => a.line - b.line);
  return errs.length ? { ok: false, errors: errs } : { ok: true, entries: out, expired };
}

/** Bindings as CSV, header first; dynamic ones carry their expiry time. */
export function formatRegistrationCsv(bindings: Iterable<Pick<Binding, 'aor' | 'contact' | 'q' | 'expiresAt'>>, opts: { header?: boolean } = {}): string {
  const parts: string[] = [];
  if (opts.header ?? true) parts.push(REGISTRATION_COLUMNS.join(',') + '\n');
  for (const b of bindings) {
    parts.push(csvLine([b.aor, b.contact, String(b.q), Number.isFinite(b.expiresAt) ? new Date(b.expiresAt).toISOString() : '']));
  }
  return parts.join('');
}

/** Every binding of a store that has not lapsed at `now`, AOR by AOR. */
export function* liveBindings(store: Pick<LocationStore, 'entries'>, now: number): IterableIterator<Binding> {
  for (const [, list] of store.entries()) for (const b of list) if (b.expiresAt > now) yield b;
}

/**
 * Add or replace registrations in a store. Static entries replace the static binding
 * with the same contact; dynamic ones are merged into the AOR's dynamic set. Checked for
 * overflow first, so an import that does not fit writes nothing.
 */
export async function importRegistrations(store: LocationStore, entries: readonly RegistrationEntry[], opts: { now?: number; limit?: number } = {}): Promise<{ added: number; replaced: number }> {
  const now = opts.now ?? Date.now();
  const limit = opts.limit ?? REGISTRATION_LIMIT;
  let added = 0;
  for (const e of entries) if (!store.get(e.aor).some((b) => b.contact === e.contact && b.static === !Number.isFinite(e.expiresAt))) added++;
  if (store.size() + added > limit) {
    throw new Error(`registry database overflow: ${store.size()} registrations held plus ${added} new would exceed the limit of ${limit}; nothing was imported`);
  }
  const binding = (e: RegistrationEntry, isStatic: boolean): Binding => ({
    aor: e.aor,
    contact: e.contact,
    q: e.q,
    expiresAt: isStatic ? Infinity : e.expiresAt,
    callId: 'sysadmin_sps_regroute',
    cseq: 0,
    static: isStatic,
    updatedAt: now,
  });
  const dynamic = new Map<string, RegistrationEntry[]>();
  const writes: Promise<unknown>[] = [];
  for (const e of entries) {
    if (Number.isFinite(e.expiresAt)) {
      const list = dynamic.get(e.aor);
      if (list) list.push(e);
      else dynamic.set(e.aor, [e]);
    } else writes.push(store.setStatic(e.aor, binding(e, true)));
  }
  for (const [aor, list] of dynamic) {
    const contacts = new Set(list.map((e) => e.contact));
    const keep = store.get(aor).filter((b) => !b.static && b.expiresAt > now && !contacts.has(b.contact));
    writes.push(store.put(aor, [...keep, ...list.map((e) => binding(e, false))]));
  }
  // The store applies each write in memory at once and syncs them together.
  await Promise.all(writes);
  return { added, replaced: entries.length - added };
}
