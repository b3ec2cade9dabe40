// Via values (RFC 3261 §20.42, §25.1 via-parm; rport from RFC 3581).
// Parsing never throws; errors come back with a reason.
import { isIPv4, isIPv6 } from 'node:net';
import { parseHeaderParams, paramValue } from './address.js';
import type { HeaderParam } from './address.js';
import { splitList } from './headers.js';
import { validHost } from './uri.js';
import { ParseCache } from './parse-cache.js';

export interface Via {
  /** "SIP" as written. */
  readonly protocolName: string;
  /** "2.0". */
  readonly protocolVersion: string;
  /** Upper case: "UDP", "TCP", "TLS", "SCTP", "WS"… */
  readonly transport: string;
  /** The sent-by host as written; an IPv6 reference keeps its brackets. */
  readonly host: string;
  readonly port?: number;
  readonly params: readonly HeaderParam[];
  readonly branch?: string;
  readonly received?: string;
  /** RFC 3581: true for a bare `;rport`, the number once filled in, undefined if absent. */
  readonly rport?: number | true;
  readonly maddr?: string;
  readonly ttl?: number;
}

export type ViaResult = { readonly ok: true; readonly via: Via } | { readonly ok: false; readonly reason: string };

const SENT_PROTOCOL = /^([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+/;
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

const viaCache = new ParseCache(parseViaText);

/**
 * Parse one via-parm: "SIP/2.0/UDP host:port;branch=…;received=…;rport". The result is
 * shared with other callers parsing the same text: never change it (see parse-cache.ts).
 */
export function parseVia(text: string): ViaResult {
  return viaCache.get(text);
}

/** The sent-protocol and sent-by at the start of a via-parm, and where its parameters begin. */
interface SentBy {
  readonly protocolName: string;
  readonly protocolVersion: string;
  /** Upper case. */
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  /** Offset of the first character after the sent-by in the trimmed text. */
  readonly rest: number;
}

/** Read "SIP/2.0/UDP host:port" from the start of `s` (already trimmed). */
function readSentBy(s: string): { ok: true; sentBy: SentBy } | { ok: false; reason: string } {
  const m = SENT_PROTOCOL.exec(s);
  if (!m) return { ok: false, reason: 'malformed sent-protocol' };
  let i = m[0].length;
  let host: string;
  if (s[i] === '[') {
    const close = s.indexOf(']', i);
    if (close < 0) return { ok: false, reason: 'unterminated IPv6 reference in sent-by' };
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    let j = i;
    while (j < s.length && !':; \t'.includes(s[j])) j++;
    host = s.slice(i, j);
    i = j;
  }
  if (!validHost(host)) return { ok: false, reason: `malformed sent-by host "${host}"` };
  let port: number | undefined;
  while (s[i] === ' ' || s[i] === '\t') i++;
  if (s[i] === ':') {
    i++;
    while (s[i] === ' ' || s[i] === '\t') i++;
    let j = i;
    while (j < s.length && s[j] >= '0' && s[j] <= '9') j++;
    const digits = s.slice(i, j);
    if (!digits || digits.length > 5 || Number(digits) > 65535) return { ok: false, reason: 'malformed sent-by port' };
    port = Number(digits);
    i = j;
  }
  return { ok: true, sentBy: { protocolName: m[1], protocolVersion: m[2], transport: m[3].toUpperCase(), host, ...(port !== undefined && { port }), rest: i } };
}

/**
 * Whether the top Via of these fields names a place a response can go: its
 * sent-protocol and sent-by read cleanly, whatever follows them (RFC 3261 §18.2.2 sends
 * a response by the top Via). Its parameters may be broken: a response copies them as
 * they are.
 */
export function topViaHasSentBy(fields: readonly string[]): boolean {
  for (const field of fields) {
    const top = splitList(field)[0];
    if (top === undefined) continue;
    const r = readSentBy(top);
    // "192.0.2.1:5060x" is no sent-by: it must end at a parameter, a space or the end.
    return r.ok && [undefined, ';', ' ', '\t'].includes(top[r.sentBy.rest]);
  }
  return false;
}

function parseViaText(text: string): ViaResult {
  const s = text.trim();
  const sb = readSentBy(s);
  if (!sb.ok) return sb;
  const { protocolName, protocolVersion, transport, host, port, rest: i } = sb.sentBy;
  const p = parseHeaderParams(s, i);
  if (!p.ok) return { ok: false, reason: p.reason };
  const params = p.params;
  const branch = paramValue(params, 'branch');
  if (branch !== undefined && !TOKEN.test(branch)) return { ok: false, reason: 'malformed branch parameter' };
  let received = paramValue(params, 'received');
  if (received !== undefined) {
    const bare = received.startsWith('[') && received.endsWith(']') ? received.slice(1, -1) : received;
    if (!isIPv4(bare) && !isIPv6(bare)) return { ok: false, reason: 'malformed received parameter' };
    received = bare;
  }
  const rp = paramValue(params, 'rport');
  let rport: number | true | undefined;
  if (rp === '') rport = true;
  else if (rp !== undefined) {
    if (!/^\d{1,5}$/.test(rp) || Number(rp) > 65535) return { ok: false, reason: 'malformed rport parameter' };
    rport = Number(rp);
  }
  const maddr = paramValue(params, 'maddr');
  if (maddr !== undefined && !validHost(maddr)) return { ok: false, reason: 'malformed maddr parameter' };
  const t = paramValue(params, 'ttl');
  if (t !== undefined && (!/^\d{1,3}$/.test(t) || Number(t) > 255)) return { ok: false, reason: 'malformed ttl parameter' };
  const via: Via = {
    protocolName,
    protocolVersion,
    transport,
    host,
    params,
    ...(port !== undefined && { port }),
    ...(branch !== undefined && { branch }),
    ...(received !== undefined && { received }),
    ...(rport !== undefined && { rport }),
    ...(maddr !== undefined && { maddr }),
    ...(t !== undefined && { ttl: Number(t) }),
  };
  return { ok: true, via };
}

/** Parse every Via value of a message (all fields, comma lists split), top first. */
export function parseVias(fields: readonly string[]): { ok: true; vias: Via[] } | { ok: false; reason: string } {
  const vias: Via[] = [];
  for (const field of fields) {
    for (const v of splitList(field)) {
      const r = parseVia(v);
      if (!r.ok) return r;
      vias.push(r.via);
    }
  }
  return { ok: true, vias };
}

/** Write a Via value back: "SIP/2.0/UDP host:port;params". */
export function serializeVia(v: Via): string {
  let s = `${v.protocolName}/${v.protocolVersion}/${v.transport} ${v.host}`;
  if (v.port !== undefined) s += `:${v.port}`;
  for (const p of v.params) s += p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`;
  return s;
}
