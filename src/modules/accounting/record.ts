// One accounting record as RADIUS attributes (RFC 2866 and the Cisco voice VSAs of
// vendor 9): what a Start or Stop of one call leg says. Pure functions, so the Table B-1
// cases can be checked without a network.
import { createHash } from 'node:crypto';
import type { Config } from '../../config/loader.js';
import { parseAddress } from '../../sip/address.js';
import type { SipMessage, SipRequest } from '../../sip/message.js';
import type { RadiusAttribute } from '../radius/service.js';
import { radiusUserName } from '../radius/user-name.js';

/** A Cisco vendor-specific string is at most 247 bytes (253 less the vendor header). */
const VSA_MAX = 247;
/** RFC 2865 §5: a string attribute holds 1 to 253 bytes. */
const STRING_MAX = 253;

/** What one record says about one leg of a call. */
export interface LegRecord {
  readonly status: 'Start' | 'Stop';
  /** Shared by the Start and the Stop of one leg, unique otherwise. */
  readonly sessionId: string;
  readonly callId: string;
  /** server: the leg from the caller to us (we answer it); client: from us to one next hop. */
  readonly side: 'server' | 'client';
  readonly userName: string;
  readonly calling: string;
  readonly called: string;
  /** When the INVITE arrived. */
  readonly setup: Date;
  /** When the 2xx came; undefined for a call that was never answered. */
  readonly connect?: Date;
  /** When the call ended (Stop only). */
  readonly disconnect?: Date;
  /** The SIP status that ended the call: 200 for a BYE, the final response of an unsuccessful one. */
  readonly endStatus?: number;
  /** Our address toward the RADIUS server, when it is an IPv4 one. */
  readonly nasIp?: string;
  /** sip-hdr lines ("Name: value"), already limited to the configured headers. */
  readonly sipHeaders: readonly string[];
}

/** The user part of a From/To/Request-URI value, or the whole text when there is none. */
export function userOf(value: string | undefined): string {
  if (!value) return '';
  const a = parseAddress(value);
  if (!a.ok) return '';
  const u = a.address.uri;
  if (u.scheme === 'tel') return u.number;
  return u.user ?? u.host;
}

function hostOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const a = parseAddress(value);
  if (!a.ok || a.address.uri.scheme === 'tel') return undefined;
  return a.address.uri.host.toLowerCase();
}

/** The username="…" of the first Proxy-Authorization or Authorization header, if any. */
function credentialUser(req: SipRequest): string | undefined {
  for (const name of ['Proxy-Authorization', 'Authorization']) {
    for (const v of req.headers.values(name)) {
      const m = /\busername\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(v) ?? /\busername\s*=\s*([^\s,]+)/i.exec(v);
      if (m) return m[1].replace(/\\(.)/g, '$1');
    }
  }
  return undefined;
}

/**
 * RADIUS User-Name (guide B-8 OrigUserNameSource, B-13 RadiusUserNameAttrAddDomain):
 * the authenticated user (or the one in the credentials) with Auth, the From user
 * otherwise; @domain from From added when that domain is ours (ProxyDomain or a
 * virtual proxy domain).
 */
export function userNameFor(req: SipRequest, config: Config, authenticatedUser: string | undefined): string {
  const from = req.headers.get('From');
  const user = (config.values.OrigUserNameSource === 'Auth' ? (authenticatedUser ?? credentialUser(req)) : undefined) ?? userOf(from);
  // A virtual host's authenticated user is already user@domain.
  return user.includes('@') ? user : radiusUserName(user, hostOf(from), config);
}

/** The configured headers of a message as "Name: value" lines, in the order configured, at most 50. */
export function sipHeaderLines(msg: SipMessage, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of names.slice(0, 50)) {
    for (const value of msg.headers.values(name)) out.push(`${name}: ${value}`);
  }
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The host zone's short name by UTC offset: Intl is slow, and a zone has only a few offsets. */
const zoneNames = new Map<number, string>();

function localZoneName(d: Date): string {
  const offset = d.getTimezoneOffset();
  let name = zoneNames.get(offset);
  if (name === undefined) {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    name = part?.value.replace(/\s+/g, '') ?? 'LOCAL';
    zoneNames.set(offset, name);
  }
  return name;
}

/**
 * A time as the Cisco voice VSAs write it: "hh:mm:ss.mmm ZONE Www Mmm d yyyy", in UTC
 * with AccountingTimeFormat GMT, in the host's zone with Local.
 */
export function h323Time(d: Date, format: 'Local' | 'GMT'): string {
  const gmt = format === 'GMT';
  const two = (n: number) => String(n).padStart(2, '0');
  const h = gmt ? d.getUTCHours() : d.getHours();
  const m = gmt ? d.getUTCMinutes() : d.getMinutes();
  const s = gmt ? d.getUTCSeconds() : d.getSeconds();
  const ms = String(gmt ? d.getUTCMilliseconds() : d.getMilliseconds()).padStart(3, '0');
  const zone = gmt ? 'GMT' : localZoneName(d);
  const day = DAYS[gmt ? d.getUTCDay() : d.getDay()];
  const month = MONTHS[gmt ? d.getUTCMonth() : d.getMonth()];
  const date = gmt ? d.getUTCDate() : d.getDate();
  const year = gmt ? d.getUTCFullYear() : d.getFullYear();
  return `${two(h)}:${two(m)}:${two(s)}.${ms} ${zone} ${day} ${month} ${date} ${year}`;
}

/** h323-conf-id: the call's identity as four groups of eight hex digits, derived from the Call-ID. */
export function confId(callId: string): string {
  const hex = createHash('md5').update(callId).digest('hex').toUpperCase();
  return [0, 8, 16, 24].map((i) => hex.slice(i, i + 8)).join(' ');
}

/** SIP final status → Q.850 cause (RFC 3398 §8.2.6.1), the value of h323-disconnect-cause. */
const Q850: Readonly<Record<number, number>> = {
  400: 41, 401: 21, 402: 21, 403: 21, 404: 1, 405: 63, 406: 79, 407: 21, 408: 102, 410: 22, 413: 127, 414: 127, 415: 79,
  416: 127, 420: 127, 480: 18, 482: 25, 483: 25, 484: 28, 485: 1, 486: 17, 487: 16, 488: 127, 500: 41, 501: 79, 502: 38,
  503: 41, 504: 102, 505: 127, 513: 127, 600: 17, 603: 21, 604: 1, 606: 58,
};

/** The Q.850 cause of a call that ended with `status` (a BYE's end is 16, normal clearing). */
export function q850Cause(status: number): number {
  if (status < 300) return 16;
  return Q850[status] ?? (status >= 500 && status < 600 ? 41 : 31);
}

/**
 * What the attributes of a record may take: 4096 bytes less the header (20) and what
 * is added at sending (Message-Authenticator 18, Acct-Delay-Time 6, Event-Timestamp 6),
 * with some room to spare.
 */
const PACKET_BUDGET = 3968;

/** Bytes one attribute takes on the wire (integers, enumerations, addresses and dates take 6). */
function attrSize(a: RadiusAttribute): number {
  if (a.length === 3) return 6 + a[2].reduce((n, [, v]) => n + 2 + Buffer.byteLength(String(v)), 0);
  return typeof a[1] === 'string' && !['Acct-Status-Type', 'NAS-Port-Type', 'Service-Type', 'NAS-IP-Address'].includes(a[0]) ? 2 + Buffer.byteLength(a[1]) : 6;
}

function clip(s: string, max: number): string {
  return Buffer.byteLength(s) <= max ? s : Buffer.from(s).subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');
}

/** Acct-Session-Time: whole seconds from connect to disconnect (0 for an unanswered call). */
export function sessionSeconds(r: LegRecord): number {
  if (!r.connect || !r.disconnect) return 0;
  return Math.max(0, Math.round((r.disconnect.getTime() - r.connect.getTime()) / 1000));
}

/**
 * The attributes of one record, without Acct-Delay-Time and Event-Timestamp (the
 * sender adds those when it sends, as they depend on when that is).
 */
export function recordAttributes(r: LegRecord, format: 'Local' | 'GMT'): RadiusAttribute[] {
  const vsa = (name: string, value: string): [string, unknown] => [name, clip(`${name}=${value}`, VSA_MAX)];
  const cisco: Array<[string, unknown]> = [
    vsa('h323-setup-time', h323Time(r.setup, format)),
    vsa('h323-call-origin', r.side === 'server' ? 'answer' : 'originate'),
    vsa('h323-call-type', 'VoIP'),
    vsa('h323-conf-id', confId(r.callId)),
  ];
  if (r.connect) cisco.push(vsa('h323-connect-time', h323Time(r.connect, format)));
  if (r.status === 'Stop') {
    if (r.disconnect) cisco.push(vsa('h323-disconnect-time', h323Time(r.disconnect, format)));
    cisco.push(vsa('h323-disconnect-cause', q850Cause(r.endStatus ?? 200).toString(16).toUpperCase()));
  }
  const avpair = (text: string): [string, unknown] => ['Cisco-AVPair', clip(text, VSA_MAX)];
  cisco.push(avpair(`call-id=${r.callId}`), avpair('session-protocol=sipv2'));
  const attrs: RadiusAttribute[] = [
    ['Acct-Status-Type', r.status],
    ['Acct-Session-Id', r.sessionId],
    ['User-Name', clip(r.userName || 'unknown', STRING_MAX)],
    ['Calling-Station-Id', clip(r.calling || 'unknown', STRING_MAX)],
    ['Called-Station-Id', clip(r.called || 'unknown', STRING_MAX)],
    ['NAS-Port-Type', 'Virtual'],
    ['Service-Type', 'Login-User'],
    ['Acct-Multi-Session-Id', clip(r.callId, STRING_MAX)],
  ];
  if (r.nasIp) attrs.push(['NAS-IP-Address', r.nasIp]);
  if (r.status === 'Stop') attrs.push(['Acct-Session-Time', sessionSeconds(r)]);
  // Each VSA in a Vendor-Specific attribute of its own: one holding them all would pass
  // the 255 bytes an attribute may have.
  for (const pair of cisco) attrs.push(['Vendor-Specific', 9, [pair]]);
  // The sip-hdr lines while the packet stays within RADIUS's 4096 bytes.
  let size = attrs.reduce((n, a) => n + attrSize(a), 0);
  for (const line of r.sipHeaders) {
    const a: RadiusAttribute = ['Vendor-Specific', 9, [avpair(`sip-hdr=${line}`)]];
    if (size + attrSize(a) > PACKET_BUDGET) break;
    size += attrSize(a);
    attrs.push(a);
  }
  return attrs;
}
