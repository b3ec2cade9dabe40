// SIP, SIPS and tel URIs: parse, write back, compare.
//
// Grammar: RFC 3261 §19.1 and §25.1 (SIP-URI, SIPS-URI), RFC 3966 (tel), RFC 2732 /
// RFC 5954 (bracketed IPv6 references). Comparison: RFC 3261 §19.1.4 for sip/sips,
// RFC 3966 §4 for tel.
//
// Parsing never throws: a bad URI comes back as { ok: false, reason }. Every component
// but the scheme (lower-cased) is kept as written, escapes intact, so serializeUri gives
// back the text that was parsed; comparison works on normalised copies.
import { isIPv4, isIPv6 } from 'node:net';
import { ParseCache } from './parse-cache.js';

export interface UriParam {
  /** As written; compare with lower case. */
  readonly name: string;
  /** As written (escapes intact); undefined for a flag such as `;lr`. */
  readonly value: string | undefined;
}

export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  /** The user part, as written: escapes intact, case kept. */
  readonly user?: string;
  readonly password?: string;
  /** The host as written; an IPv6 reference keeps its brackets: "[2001:db8::1]". */
  readonly host: string;
  readonly hostType: 'hostname' | 'ipv4' | 'ipv6';
  readonly port?: number;
  readonly params: readonly UriParam[];
  /** `?name=value&…` headers, as written. */
  readonly headers: readonly (readonly [string, string])[];
}

export interface TelUri {
  readonly scheme: 'tel';
  /** The number as written, visual separators included: "+1-201-555-0123". */
  readonly number: string;
  /** True for a global number (starts with "+"). */
  readonly global: boolean;
  readonly params: readonly UriParam[];
}

export type Uri = SipUri | TelUri;

export type UriResult = { readonly ok: true; readonly uri: Uri } | { readonly ok: false; readonly reason: string; readonly unsupportedScheme?: boolean };

const HEX2 = '%[0-9A-Fa-f]{2}';
const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
const USER = new RegExp(`^(?:[${UNRESERVED}&=+$,;?/]|${HEX2})+$`);
const PASSWORD = new RegExp(`^(?:[${UNRESERVED}&=+$,]|${HEX2})*$`);
const PARAMCHARS = new RegExp(`^(?:[${UNRESERVED}\\[\\]/:&+$]|${HEX2})+$`);
const HNAME = new RegExp(`^(?:[${UNRESERVED}\\[\\]/?:+$]|${HEX2})+$`);
const HVALUE = new RegExp(`^(?:[${UNRESERVED}\\[\\]/?:+$]|${HEX2})*$`);
const HOSTNAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$/;
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;

const uriCache = new ParseCache(parseUriText);

/**
 * Parse a SIP, SIPS or tel URI. Other schemes are refused with unsupportedScheme set.
 * The result is shared with other callers parsing the same text: never change it (see parse-cache.ts).
 */
export function parseUri(text: string): UriResult {
  return uriCache.get(text);
}

function parseUriText(text: string): UriResult {
  const colon = text.indexOf(':');
  if (colon <= 0) return bad('no URI scheme');
  const scheme = text.slice(0, colon);
  if (!SCHEME.test(scheme)) return bad('malformed URI scheme');
  const lower = scheme.toLowerCase();
  const rest = text.slice(colon + 1);
  if (/[\s<>"]/.test(rest)) return bad('URI contains whitespace, quotes or angle brackets');
  if (lower === 'sip' || lower === 'sips') return parseSip(lower, rest);
  if (lower === 'tel') return parseTel(rest);
  return { ok: false, reason: `unsupported URI scheme "${scheme}"`, unsupportedScheme: true };
}

function bad(reason: string): UriResult {
  return { ok: false, reason };
}

function parseSip(scheme: 'sip' | 'sips', rest: string): UriResult {
  let user: string | undefined;
  let password: string | undefined;
  // '@' is allowed in neither host, parameters nor headers, so the first one ends the userinfo.
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const c = userinfo.indexOf(':');
    user = c < 0 ? userinfo : userinfo.slice(0, c);
    if (c >= 0) password = userinfo.slice(c + 1);
    if (!user || !USER.test(user)) return bad('malformed user part');
    if (password !== undefined && !PASSWORD.test(password)) return bad('malformed password');
  }
  // Host.
  let host: string;
  let hostType: SipUri['hostType'];
  let i: number;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return bad('unterminated IPv6 reference');
    host = rest.slice(0, close + 1);
    if (!isIPv6(host.slice(1, -1))) return bad(`malformed IPv6 address ${host}`);
    hostType = 'ipv6';
    i = close + 1;
  } else {
    i = 0;
    while (i < rest.length && !':;?'.includes(rest[i])) i++;
    host = rest.slice(0, i);
    if (!host) return bad('missing host');
    if (/^[0-9.]+$/.test(host)) {
      if (!isIPv4(host)) return bad(`malformed IPv4 address ${host}`);
      hostType = 'ipv4';
    } else {
      if (!HOSTNAME.test(host)) return bad(`malformed host name ${host}`);
      hostType = 'hostname';
    }
  }
  // Port.
  let port: number | undefined;
  if (rest[i] === ':') {
    let j = i + 1;
    while (j < rest.length && rest[j] >= '0' && rest[j] <= '9') j++;
    const digits = rest.slice(i + 1, j);
    if (!digits || digits.length > 5 || Number(digits) > 65535) return bad('malformed port');
    port = Number(digits);
    i = j;
  }
  if (i < rest.length && rest[i] !== ';' && rest[i] !== '?') return bad('unexpected characters after host');
  // Parameters and headers.
  const q = rest.indexOf('?', i);
  const paramText = rest.slice(i, q < 0 ? rest.length : q);
  const params: UriParam[] = [];
  if (paramText) {
    for (const p of paramText.slice(1).split(';')) {
      const eq = p.indexOf('=');
      const name = eq < 0 ? p : p.slice(0, eq);
      const value = eq < 0 ? undefined : p.slice(eq + 1);
      if (!PARAMCHARS.test(name)) return bad(`malformed URI parameter "${p}"`);
      if (value !== undefined && !PARAMCHARS.test(value)) return bad(`malformed value of URI parameter ${name}`);
      params.push({ name, value });
    }
    const err = checkKnownParams(params);
    if (err) return bad(err);
  }
  const headers: [string, string][] = [];
  if (q >= 0) {
    for (const h of rest.slice(q + 1).split('&')) {
      const eq = h.indexOf('=');
      if (eq < 0) return bad(`URI header "${h}" has no value`);
      const name = h.slice(0, eq);
      const value = h.slice(eq + 1);
      if (!HNAME.test(name) || !HVALUE.test(value)) return bad(`malformed URI header "${h}"`);
      headers.push([name, value]);
    }
  }
  const uri: SipUri = { scheme, host, hostType, params, headers, ...(user !== undefined && { user }), ...(password !== undefined && { password }), ...(port !== undefined && { port }) };
  return { ok: true, uri };
}

function checkKnownParams(params: readonly UriParam[]): string | undefined {
  const seen = new Set<string>();
  for (const p of params) {
    const n = p.name.toLowerCase();
    if (seen.has(n)) return `URI parameter ${n} appears twice`;
    seen.add(n);
    const v = p.value;
    switch (n) {
      case 'transport':
      case 'user':
      case 'method':
        if (v === undefined || !TOKEN.test(v)) return `malformed ${n} parameter`;
        break;
      case 'ttl':
        if (v === undefined || !/^\d{1,3}$/.test(v) || Number(v) > 255) return 'malformed ttl parameter';
        break;
      case 'maddr':
        if (v === undefined || !validHost(v)) return 'malformed maddr parameter';
        break;
      case 'lr':
        break;
    }
  }
  return undefined;
}

/** A host as RFC 3261 §25.1 allows: host name, IPv4 address or bracketed IPv6 reference. */
export function validHost(h: string): boolean {
  if (h.startsWith('[') && h.endsWith(']')) return isIPv6(h.slice(1, -1));
  if (/^[0-9.]+$/.test(h)) return isIPv4(h);
  return HOSTNAME.test(h);
}

const PHONEDIGIT = /^\+[0-9\-.()]*[0-9][0-9\-.()]*$/;
const PHONEDIGIT_HEX = /^[0-9A-Fa-f*#\-.()]*[0-9A-Fa-f*#][0-9A-Fa-f*#\-.()]*$/;

function parseTel(rest: string): UriResult {
  const parts = rest.split(';');
  const number = parts[0];
  const global = number.startsWith('+');
  if (global ? !PHONEDIGIT.test(number) : !PHONEDIGIT_HEX.test(number)) return bad('malformed telephone number');
  const params: UriParam[] = [];
  const seen = new Set<string>();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq);
    const value = eq < 0 ? undefined : p.slice(eq + 1);
    if (!/^[A-Za-z0-9-]+$/.test(name)) return bad(`malformed tel parameter "${p}"`);
    if (value !== undefined && !/^(?:[A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/.test(value)) return bad(`malformed value of tel parameter ${name}`);
    const n = name.toLowerCase();
    if (seen.has(n)) return bad(`tel parameter ${n} appears twice`);
    seen.add(n);
    params.push({ name, value });
  }
  const ctx = params.find((p) => p.name.toLowerCase() === 'phone-context');
  if (!global && !ctx) return bad('a local tel number needs a phone-context parameter');
  if (ctx && (ctx.value === undefined || !(PHONEDIGIT.test(ctx.value) || HOSTNAME.test(ctx.value)))) return bad('malformed phone-context parameter');
  return { ok: true, uri: { scheme: 'tel', number, global, params } };
}

/** Write a URI back; a parsed URI comes back as written, scheme in lower case. */
export function serializeUri(uri: Uri): string {
  const params = uri.params.map((p) => (p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`)).join('');
  if (uri.scheme === 'tel') return `tel:${uri.number}${params}`;
  let s = `${uri.scheme}:`;
  if (uri.user !== undefined) s += uri.user + (uri.password !== undefined ? `:${uri.password}` : '') + '@';
  s += uri.host;
  if (uri.port !== undefined) s += `:${uri.port}`;
  s += params;
  if (uri.headers.length) s += '?' + uri.headers.map(([n, v]) => `${n}=${v}`).join('&');
  return s;
}

/** The value of a URI parameter (case-insensitive name): undefined if absent, '' for a flag. */
export function uriParam(uri: Uri, name: string): string | undefined {
  const n = name.toLowerCase();
  const p = uri.params.find((x) => x.name.toLowerCase() === n);
  return p === undefined ? undefined : (p.value ?? '');
}

const RESERVED = ';/?:@&=+$,';

/**
 * Undo %HH escapes of characters that need none (RFC 3261 §19.1.4: "characters other
 * than those in the reserved set are equivalent to their %HEX HEX encoding"); the
 * escapes left are written with upper-case hex.
 */
export function normalizeEscapes(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => {
    const c = String.fromCharCode(parseInt(h, 16));
    return RESERVED.includes(c) || c === '%' || parseInt(h, 16) < 0x21 || parseInt(h, 16) > 0x7e ? '%' + h.toUpperCase() : c;
  });
}

/** Decode every %HH escape (for display or lookup of a user part). */
export function unescapeUri(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

function canonicalHost(uri: SipUri): string {
  if (uri.hostType === 'ipv6') {
    try {
      return new URL(`http://${uri.host}/`).hostname.toLowerCase();
    } catch {
      return uri.host.toLowerCase();
    }
  }
  return uri.host.toLowerCase().replace(/\.$/, '');
}

const ci = (s: string | undefined) => (s === undefined ? undefined : normalizeEscapes(s).toLowerCase());

/** Parameters that make two URIs differ when only one of them has it (RFC 3261 §19.1.4). */
const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** URI equality as RFC 3261 §19.1.4 (sip, sips) and RFC 3966 §4 (tel) define it. */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (a.scheme === 'tel' || b.scheme === 'tel') return telEquals(a as TelUri, b as TelUri);
  const x = a as SipUri;
  const y = b as SipUri;
  // Userinfo is case-sensitive, escapes aside.
  if ((x.user === undefined) !== (y.user === undefined)) return false;
  if (x.user !== undefined && normalizeEscapes(x.user) !== normalizeEscapes(y.user!)) return false;
  if ((x.password === undefined) !== (y.password === undefined)) return false;
  if (x.password !== undefined && normalizeEscapes(x.password) !== normalizeEscapes(y.password!)) return false;
  if (x.hostType !== y.hostType || canonicalHost(x) !== canonicalHost(y)) return false;
  if (x.port !== y.port) return false;
  // Parameters: the listed ones must match if either has them; others only if both do.
  const px = paramMap(x.params);
  const py = paramMap(y.params);
  for (const n of MUST_MATCH) if (px.get(n) !== py.get(n)) return false;
  for (const [n, v] of px) if (py.has(n) && py.get(n) !== v) return false;
  // Headers: all must be present in both, and equal.
  const hx = headerMap(x.headers);
  const hy = headerMap(y.headers);
  if (hx.size !== hy.size) return false;
  for (const [n, v] of hx) if (hy.get(n) !== v) return false;
  return true;
}

function paramMap(params: readonly UriParam[]): Map<string, string> {
  return new Map(params.map((p) => [p.name.toLowerCase(), ci(p.value) ?? '']));
}

function headerMap(headers: readonly (readonly [string, string])[]): Map<string, string> {
  return new Map(headers.map(([n, v]) => [n.toLowerCase(), ci(v)!]));
}

function telEquals(a: TelUri, b: TelUri): boolean {
  if (a.global !== b.global) return false;
  const digits = (n: string) => n.replace(/[\-.()]/g, '').toLowerCase();
  if (digits(a.number) !== digits(b.number)) return false;
  const pa = paramMap(a.params);
  const pb = paramMap(b.params);
  if (pa.size !== pb.size) return false;
  for (const [n, v] of pa) {
    const w = pb.get(n);
    if (w === undefined) return false;
    // phone-context digits compare without visual separators.
    if (n === 'phone-context' && v.startsWith('+') ? digits(v) !== digits(w) : v !== w) return false;
  }
  return true;
}
