// name-addr / addr-spec values (RFC 3261 §20.10, §25.1): From, To, Contact, Route,
// Record-Route, Reply-To, Refer-To. Parsing never throws; errors come back with a reason.
import { splitList } from './headers.js';
import { parseUri, serializeUri } from './uri.js';
import { ParseCache } from './parse-cache.js';
import type { Uri } from './uri.js';

export interface HeaderParam {
  /** As written; compare with lower case. */
  readonly name: string;
  /** Token, host or quoted string as written (quotes kept); undefined for a flag. */
  readonly value: string | undefined;
}

export interface Address {
  /** The display name, unquoted and unescaped; undefined when none was written. */
  readonly displayName?: string;
  readonly uri: Uri;
  /** True when the URI was written in <…> (name-addr form). */
  readonly angle: boolean;
  readonly params: readonly HeaderParam[];
}

/**
 * A failure with `unsupportedScheme` set is a well-formed name-addr or addr-spec whose
 * URI has a scheme other than sip, sips or tel (an absoluteURI, RFC 3261 §25.1): valid
 * syntax that this code cannot use, as in RFC 4475 §3.3.4.
 */
export type AddressResult = { readonly ok: true; readonly address: Address } | { readonly ok: false; readonly reason: string; readonly unsupportedScheme?: boolean };

/** RFC 3261 token characters by char code (a table: this runs once per character of every parameter name). */
const TOKEN_CHAR: readonly boolean[] = Array.from({ length: 128 }, (_, c) => /[A-Za-z0-9\-.!%*_+`'~]/.test(String.fromCharCode(c)));
const isTokenChar = (c: number) => c < 128 && TOKEN_CHAR[c];
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
// token, host (an IPv6 reference with or without brackets: received=2001:db8::9) or, handled apart, quoted-string.
const GEN_VALUE = /^(?:[A-Za-z0-9\-.!%*_+`'~]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$/;

const addressCache = new ParseCache(parseAddressText);

/**
 * Parse one name-addr or addr-spec with its header parameters. The result is shared
 * with other callers parsing the same text: never change it (see parse-cache.ts).
 */
export function parseAddress(text: string): AddressResult {
  return addressCache.get(text);
}

function parseAddressText(text: string): AddressResult {
  const s = text.trim();
  let i = 0;
  let displayName: string | undefined;
  let uriText: string;
  let angle = false;
  if (s[0] === '"') {
    const q = readQuoted(s, 0);
    if (!q) return { ok: false, reason: 'unterminated quoted display name' };
    displayName = q.value;
    i = skipWs(s, q.end);
    if (s[i] !== '<') return { ok: false, reason: 'quoted display name without <URI>' };
  } else {
    const lt = s.indexOf('<');
    if (lt >= 0) {
      const name = s.slice(0, lt).trim();
      if (name) {
        // Unquoted display name: tokens separated by whitespace.
        if (!name.split(/\s+/).every((w) => TOKEN.test(w))) return { ok: false, reason: 'malformed display name' };
        displayName = name.replace(/\s+/g, ' ');
      }
      i = lt;
    }
  }
  if (s[i] === '<') {
    const gt = s.indexOf('>', i);
    if (gt < 0) return { ok: false, reason: 'missing >' };
    uriText = s.slice(i + 1, gt).trim();
    angle = true;
    i = gt + 1;
  } else {
    // addr-spec: the URI ends at the first ';' (RFC 3261 §20.10: a URI with ';', ',' or '?' needs <>).
    let j = i;
    while (j < s.length && s[j] !== ';' && s[j] !== ' ' && s[j] !== '\t') j++;
    uriText = s.slice(i, j);
    if (uriText.includes('?') || uriText.includes(',')) return { ok: false, reason: 'a URI with "?" or "," must be enclosed in <>' };
    i = j;
  }
  const u = parseUri(uriText);
  const p = parseHeaderParams(s, i);
  if (!u.ok) return p.ok && u.unsupportedScheme ? { ok: false, reason: u.reason, unsupportedScheme: true } : { ok: false, reason: u.reason };
  if (!p.ok) return p;
  return { ok: true, address: { uri: u.uri, angle, params: p.params, ...(displayName !== undefined && { displayName }) } };
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  return i;
}

/** A quoted string starting at s[i] === '"': its unescaped content and the index after it. */
function readQuoted(s: string, i: number): { value: string; end: number } | undefined {
  let out = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') {
      if (j + 1 >= s.length) return undefined;
      out += s[++j];
    } else if (c === '"') return { value: out, end: j + 1 };
    else out += c;
  }
  return undefined;
}

/** `;name[=value]` parameters from s[i] to the end (values: token, host or quoted string). */
export function parseHeaderParams(s: string, i: number): { ok: true; params: HeaderParam[] } | { ok: false; reason: string } {
  const params: HeaderParam[] = [];
  for (;;) {
    i = skipWs(s, i);
    if (i >= s.length) return { ok: true, params };
    if (s[i] !== ';') return { ok: false, reason: `unexpected "${s[i]}" in parameters` };
    i = skipWs(s, i + 1);
    let j = i;
    while (j < s.length && isTokenChar(s.charCodeAt(j))) j++;
    const name = s.slice(i, j);
    if (!name) return { ok: false, reason: 'empty parameter name' };
    i = skipWs(s, j);
    let value: string | undefined;
    if (s[i] === '=') {
      i = skipWs(s, i + 1);
      if (s[i] === '"') {
        const q = readQuoted(s, i);
        if (!q) return { ok: false, reason: `unterminated quoted value of parameter ${name}` };
        value = s.slice(i, q.end);
        i = q.end;
      } else {
        j = i;
        while (j < s.length && s[j] !== ';' && s[j] !== ' ' && s[j] !== '\t' && s[j] !== ',') j++;
        value = s.slice(i, j);
        if (!GEN_VALUE.test(value)) return { ok: false, reason: `malformed value of parameter ${name}` };
        i = j;
      }
    }
    params.push({ name, value });
  }
}

/** A header parameter's value (case-insensitive name), quotes removed; '' for a flag. */
export function paramValue(params: readonly HeaderParam[], name: string): string | undefined {
  const n = name.toLowerCase();
  const p = params.find((x) => x.name.toLowerCase() === n);
  if (p === undefined) return undefined;
  if (p.value === undefined) return '';
  return p.value.startsWith('"') ? (readQuoted(p.value, 0)?.value ?? p.value) : p.value;
}

/** The tag parameter of a parsed From/To. */
export function addressTag(a: Address): string | undefined {
  return paramValue(a.params, 'tag');
}

function quote(s: string): string {
  return '"' + s.replace(/(["\\])/g, '\\$1') + '"';
}

/** Write an address as name-addr (always with <>, which is never wrong). */
export function serializeAddress(a: Address): string {
  let s = '';
  if (a.displayName !== undefined) s += (a.displayName === '' || !a.displayName.split(' ').every((w) => TOKEN.test(w)) ? quote(a.displayName) : a.displayName) + ' ';
  s += `<${serializeUri(a.uri)}>`;
  for (const p of a.params) s += p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`;
  return s;
}

/** Parse a list header of addresses (Route, Record-Route, Path…), all values in order. */
export function parseAddressList(values: readonly string[]): { ok: true; addresses: Address[] } | { ok: false; reason: string } {
  const out: Address[] = [];
  for (const field of values) {
    for (const v of splitList(field)) {
      const r = parseAddress(v);
      if (!r.ok) return r;
      out.push(r.address);
    }
  }
  return { ok: true, addresses: out };
}

export type ContactResult =
  | { readonly ok: true; readonly star: true }
  | { readonly ok: true; readonly star: false; readonly contacts: readonly Address[] }
  | { readonly ok: false; readonly reason: string; readonly unsupportedScheme?: boolean };

/**
 * Parse every Contact field of a message: either the lone `*` (RFC 3261 §10.2.2, only
 * with Expires: 0, which the registrar checks) or a list of addresses whose q and
 * expires parameters are checked.
 */
export function parseContacts(values: readonly string[]): ContactResult {
  const items = values.length === 1 ? splitList(values[0]) : values.flatMap(splitList);
  if (items.includes('*')) {
    if (items.length !== 1) return { ok: false, reason: 'Contact "*" mixed with other contacts' };
    return { ok: true, star: true };
  }
  const contacts: Address[] = [];
  for (const v of items) {
    const r = parseAddress(v);
    if (!r.ok) return { ok: false, reason: `malformed Contact: ${r.reason}`, ...(r.unsupportedScheme && { unsupportedScheme: true }) };
    const q = paramValue(r.address.params, 'q');
    if (q !== undefined && !/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(q)) return { ok: false, reason: 'malformed q parameter in Contact' };
    const e = paramValue(r.address.params, 'expires');
    if (e !== undefined && !/^\d{1,10}$/.test(e)) return { ok: false, reason: 'malformed expires parameter in Contact' };
    contacts.push(r.address);
  }
  return { ok: true, star: false, contacts };
}

/** The q value of a contact, 1.0 when not given (RFC 3261 §20.10). */
export function contactQ(a: Address): number {
  const q = paramValue(a.params, 'q');
  return q === undefined || q === '' ? 1 : Number(q);
}

/** The expires parameter of a contact, if any. */
export function contactExpires(a: Address): number | undefined {
  const e = paramValue(a.params, 'expires');
  return e === undefined || e === '' ? undefined : Number(e);
}
