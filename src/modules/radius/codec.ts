// RADIUS packets on the wire: the `radius` package encodes and decodes attributes with
// the dictionaries (its own RFC ones plus ours in <prefix>/radius/); signing and checking
// are done here, so that both follow RFC 2865/2866 and RFC 3579 §3.2 exactly:
//  - every request carries a Message-Authenticator (HMAC-MD5 over the packet with that
//    attribute zeroed). In an Access-Request the Request Authenticator is random and
//    the HMAC is taken with it in place; in an Accounting-Request the HMAC is taken over
//    a zero authenticator first, then the Request Authenticator (MD5 of the packet and
//    the secret, RFC 2866 §3) is computed over the signed packet.
//  - a response is accepted only when its Response Authenticator (RFC 2865 §3) matches
//    and, for Access-Accept/-Reject/-Challenge, it carries exactly one Message-Authenticator
//    that matches (computed with the request's authenticator in place): an unsigned
//    answer is what the Blast-RADIUS forgery (CVE-2024-3596) relies on.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import radius from 'radius';
import { INSTALL_PREFIX } from '../../common/install.js';
import type { RadiusAttribute } from './service.js';

/** Where the shipped dictionaries are: <prefix>/radius/dictionary.* (packaging/stage.ts installs them). */
export const DICTIONARY_DIR = path.join(INSTALL_PREFIX, 'radius');

const HEADER = 20;
const AUTH_START = 4;
const AUTH_END = 20;
const MAX_PACKET = 4096;
const MESSAGE_AUTHENTICATOR = 80;
const MA_LENGTH = 16;

let loaded = false;

/** Add our dictionary files to the package's list once, before its first encode or decode loads them. */
export function loadDictionaries(dir: string = DICTIONARY_DIR): void {
  if (loaded) return;
  loaded = true;
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) if (name.startsWith('dictionary.')) radius.add_dictionary(path.join(dir, name));
}

export type RequestCode = 'Access-Request' | 'Accounting-Request';

/** The response codes that may answer a request. */
export const ANSWERS: Readonly<Record<RequestCode, readonly string[]>> = {
  'Access-Request': ['Access-Accept', 'Access-Reject', 'Access-Challenge'],
  'Accounting-Request': ['Accounting-Response'],
};

const RESPONSE_CODES: Readonly<Record<number, string>> = { 2: 'Access-Accept', 3: 'Access-Reject', 5: 'Accounting-Response', 11: 'Access-Challenge' };

const md5 = (...parts: Buffer[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};
const hmac = (secret: string, packet: Buffer) => createHmac('md5', secret).update(packet).digest();
const same = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** Offsets of the top-level attributes of type `type` in a packet (whose length field is already checked). */
function findAttributes(packet: Buffer, type: number): Array<{ offset: number; length: number }> {
  const out: Array<{ offset: number; length: number }> = [];
  const end = packet.readUInt16BE(2);
  for (let at = HEADER; at + 2 <= end; ) {
    const len = packet[at + 1]!;
    if (len < 2 || at + len > end) return [];
    if (packet[at] === type) out.push({ offset: at, length: len });
    at += len;
  }
  return out;
}

/** True when the attribute list of the packet walks exactly to its end. */
function wellFormed(packet: Buffer): boolean {
  const end = packet.readUInt16BE(2);
  let at = HEADER;
  while (at < end) {
    if (at + 2 > end) return false;
    const len = packet[at + 1]!;
    if (len < 2 || at + len > end) return false;
    at += len;
  }
  return true;
}

/**
 * Encode and sign a request. Throws (the caller catches) on attributes the dictionaries
 * do not know or values that do not fit.
 */
export function encodeRequest(code: RequestCode, identifier: number, secret: string, attributes: readonly RadiusAttribute[]): Buffer {
  loadDictionaries();
  // A zeroed Message-Authenticator given explicitly keeps the package from adding or signing its own.
  const attrs: unknown[] = [['Message-Authenticator', Buffer.alloc(MA_LENGTH)], ...attributes.map((a) => [...a])];
  const packet = radius.encode({ code, identifier, secret, attributes: attrs, add_message_authenticator: false });
  if (packet.length > MAX_PACKET) throw new Error(`the ${code} is ${packet.length} bytes, over the ${MAX_PACKET} RADIUS allows`);
  const ma = findAttributes(packet, MESSAGE_AUTHENTICATOR)[0];
  if (!ma) throw new Error('Message-Authenticator missing from the encoded request');
  const value = ma.offset + 2;
  packet.fill(0, value, value + MA_LENGTH);
  if (code === 'Access-Request') {
    // The random Request Authenticator (User-Password is already hidden with it) stays.
    hmac(secret, packet).copy(packet, value);
  } else {
    packet.fill(0, AUTH_START, AUTH_END);
    hmac(secret, packet).copy(packet, value);
    md5(packet, Buffer.from(secret, 'utf8')).copy(packet, AUTH_START);
  }
  return packet;
}

export interface CheckedResponse {
  readonly code: string;
  readonly identifier: number;
  readonly attributes: Record<string, unknown>;
}

export type ResponseCheck = { ok: true; response: CheckedResponse } | { ok: false; why: string };

/**
 * Check a response against the request it answers (same identifier already matched):
 * length, code, Response Authenticator and Message-Authenticator. Never throws.
 */
export function checkResponse(request: Buffer, response: Buffer, secret: string): ResponseCheck {
  if (response.length < HEADER) return { ok: false, why: `${response.length} bytes, shorter than a RADIUS header` };
  const length = response.readUInt16BE(2);
  if (length < HEADER || length > MAX_PACKET || length > response.length) return { ok: false, why: `length field ${length} does not fit the ${response.length}-byte datagram` };
  const packet = Buffer.from(response.subarray(0, length)); // octets past the length are padding (RFC 2865 §3)
  if (packet[1] !== request[1]) return { ok: false, why: `identifier ${packet[1]} does not match the request's ${request[1]}` };
  if (!wellFormed(packet)) return { ok: false, why: 'malformed attribute list' };
  const requestCode = request[0] === 1 ? 'Access-Request' : 'Accounting-Request';
  const code = RESPONSE_CODES[packet[0]!];
  if (!code || !ANSWERS[requestCode].includes(code)) return { ok: false, why: `a packet of code ${code ?? packet[0]} cannot answer an ${requestCode}` };

  const requestAuth = request.subarray(AUTH_START, AUTH_END);
  const got = Buffer.from(packet.subarray(AUTH_START, AUTH_END));
  const withRequestAuth = Buffer.from(packet);
  requestAuth.copy(withRequestAuth, AUTH_START);
  if (!same(md5(withRequestAuth, Buffer.from(secret, 'utf8')), got)) return { ok: false, why: 'bad Response Authenticator (forged, or another secret)' };

  const mas = findAttributes(packet, MESSAGE_AUTHENTICATOR);
  if (mas.length > 1) return { ok: false, why: 'more than one Message-Authenticator' };
  const ma = mas[0];
  if (!ma && requestCode === 'Access-Request') return { ok: false, why: 'no Message-Authenticator (required on every Access response: RFC 3579 §3.2, Blast-RADIUS)' };
  if (ma) {
    if (ma.length !== MA_LENGTH + 2) return { ok: false, why: 'Message-Authenticator of the wrong length' };
    const value = ma.offset + 2;
    const theirs = Buffer.from(packet.subarray(value, value + MA_LENGTH));
    withRequestAuth.fill(0, value, value + MA_LENGTH);
    if (!same(hmac(secret, withRequestAuth), theirs)) {
      // FreeRADIUS signs an Accounting-Response over a zero authenticator; accept that form there only.
      const zero = Buffer.from(withRequestAuth);
      zero.fill(0, AUTH_START, AUTH_END);
      if (requestCode === 'Access-Request' || !same(hmac(secret, zero), theirs)) return { ok: false, why: 'bad Message-Authenticator' };
    }
  }

  try {
    // Decoding with the request's authenticator in place lets encrypted attributes be read.
    const attributes = radius.decode({ packet: withRequestAuth, secret }).attributes as Record<string, unknown>;
    delete attributes['Message-Authenticator']; // checked above (and zeroed for the check)
    return { ok: true, response: { code, identifier: packet[1]!, attributes } };
  } catch (e) {
    return { ok: false, why: `undecodable attributes: ${e instanceof Error ? e.message : String(e)}` };
  }
}

const HIDDEN = new Set(['User-Password', 'CHAP-Password', 'Message-Authenticator', 'Tunnel-Password']);

function show(name: string, value: unknown): string {
  if (HIDDEN.has(name)) return `${name}=<hidden>`;
  if (name === 'Vendor-Specific' && value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.entries(value as Record<string, unknown>)
      .flatMap(([n, v]) => (Array.isArray(v) ? v : [v]).map((x) => show(n, x)))
      .join(' ');
  }
  if (Buffer.isBuffer(value)) return `${name}=0x${value.toString('hex')}`;
  if (value instanceof Date) return `${name}=${Math.floor(value.getTime() / 1000)}`;
  if (typeof value === 'string') return `${name}=${JSON.stringify(value)}`;
  return `${name}=${String(value)}`;
}

/** The attributes of a request as given, readably (passwords hidden), for DebugFlag Radius. */
export function describeRequest(attributes: readonly RadiusAttribute[]): string {
  return attributes
    .map((a) => (a[0] === 'Vendor-Specific' && Array.isArray(a[2]) ? (a[2] as Array<[string, unknown]>).map(([n, v]) => show(n, v)).join(' ') : show(a[0], a[1])))
    .join(' ');
}

/** Decoded attributes of a response, readably. */
export function describeAttributes(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .flatMap(([n, v]) => (Array.isArray(v) ? v.map((x) => show(n, x)) : [show(n, v)]))
    .join(' ');
}
