// The subscriber store: who may authenticate and where their calls are forwarded. Two
// implementations behind this one interface: embedded (file-backed, the default with
// DB_MySQL Off) in src/stores/embedded/, and MySQL in src/stores/mysql/.
import { isHostname, isIPv4, isIPv6 } from '../config/define.js';
import { parseUri } from '../sip/uri.js';
import type { Page, PageRequest, TextFilter } from './search.js';

/**
 * The stored secret. Never the password itself where we can avoid it: digest HA1 values
 * for the realm they were made for (RFC 2617 / RFC 7616) let us check Digest (MD5,
 * MD5-sess, SHA-256) and Basic alike. `plain` exists only for an existing table whose
 * password column holds clear text (DB_MySQL field mapping onto a legacy schema).
 */
export type StoredSecret =
  | { readonly kind: 'ha1'; readonly realm: string; readonly md5: string; readonly sha256: string }
  | { readonly kind: 'plain'; readonly password: string };

export interface Subscriber {
  /** User ID; unique per domain on its first 50 characters. */
  readonly user: string;
  /** The domain for virtual proxy hosts; '' when subscribers are keyed by user alone. */
  readonly domain: string;
  readonly secret: StoredSecret | undefined;
  readonly firstName: string;
  readonly middleName: string;
  readonly lastName: string;
  /** Call-forward destinations (SIP URLs), '' when not set. */
  readonly cfu: string;
  readonly cfb: string;
  readonly cfna: string;
  readonly cfunv: string;
  /** The forwarded-to party must not learn who forwarded: Diversion gets privacy=full. */
  readonly redirectDnPrivacy: boolean;
}

/** A store that cannot be reached right now (MySQL down, or marked bad after DB_MySQL_Connect_Timeout). */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  /** `cause` (ES2022 error cause) carries the driver's error: its `errno` / `code` say which MySQL failure it was. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A write the store refuses: duplicate user, bad field value. `field` names the column at fault. */
export class SubscriberValidationError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface SubscriberStore {
  /** The subscriber, or undefined when there is none. Throws StoreUnavailableError rather than waiting. */
  get(user: string, domain?: string): Promise<Subscriber | undefined>;
  /** Every subscriber, ordered by domain then user. */
  list(): Promise<Subscriber[]>;
  /** Add a new subscriber; SubscriberValidationError when the user (first 50 characters) already exists in that domain. */
  add(s: Subscriber): Promise<void>;
  /** Replace an existing subscriber's record (matched by user and domain). */
  update(s: Subscriber): Promise<void>;
  /** Remove; false when there was none. */
  remove(user: string, domain?: string): Promise<boolean>;
  close(): Promise<void>;
}

// ---- field rules shared by both stores and the tools ----

/** Longest values the tables hold (our schema's column widths). */
export const SUBSCRIBER_LIMITS = { user: 128, domain: 128, name: 64, url: 255 } as const;

/** Two user IDs are the same subscriber when their first 50 characters match (guide ch. 2). */
export const USER_UNIQUE_CHARS = 50;

/** The call-forward fields, with the column names the guide's messages use. */
export const FORWARD_FIELDS = [
  ['cfu', 'dest_url_cfu'],
  ['cfb', 'dest_url_cfb'],
  ['cfna', 'dest_url_cfna'],
  ['cfunv', 'dest_url_cfunv'],
] as const;
export type ForwardField = (typeof FORWARD_FIELDS)[number][0];

/** A record with nothing set but its key. */
export function emptySubscriber(user: string, domain = ''): Subscriber {
  return { user, domain, secret: undefined, firstName: '', middleName: '', lastName: '', cfu: '', cfb: '', cfna: '', cfunv: '', redirectDnPrivacy: false };
}

/** Key of the uniqueness rule: lower-case domain and the user's first 50 characters (code points). */
export function uniqueKey(user: string, domain = ''): string {
  return `${domain.toLowerCase()}\u0000${Array.from(user).slice(0, USER_UNIQUE_CHARS).join('')}`;
}

const USER_ID = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Undefined when the user ID is acceptable, else why not. */
export function userIdProblem(user: string): string | undefined {
  if (!user) return 'it is empty';
  if (Array.from(user).length > SUBSCRIBER_LIMITS.user) return `it is longer than ${SUBSCRIBER_LIMITS.user} characters`;
  if (!USER_ID.test(user)) return "use letters, digits, %-escapes and - _ . ! ~ * ' ( ) & = + $ , ; ? / only (the user part of a SIP URL)";
  return undefined;
}

/** Undefined when the call-forward URL is acceptable ('' clears it), else why not. */
export function forwardUrlProblem(url: string): string | undefined {
  if (url === '') return undefined;
  if (url.length > SUBSCRIBER_LIMITS.url) return `it is longer than ${SUBSCRIBER_LIMITS.url} characters`;
  const r = parseUri(url);
  if (!r.ok) return `${r.reason}; write a SIP URL such as sip:5000@cisco.com or sip:bob@192.168.1.2`;
  return undefined;
}

function invalid(column: string, value: string, why: string): SubscriberValidationError {
  return new SubscriberValidationError(`Invalid ${column} syntax: "${value}": ${why}.`, column);
}

/** Check every field and return the record as stored (domain in lower case); SubscriberValidationError names the column at fault. */
export function validateSubscriber(s: Subscriber): Subscriber {
  const userWhy = userIdProblem(s.user);
  if (userWhy) throw invalid('user_id', s.user, userWhy);
  const domain = s.domain.toLowerCase();
  if (domain && (domain.length > SUBSCRIBER_LIMITS.domain || !(isHostname(domain) || isIPv4(domain) || isIPv6(domain.replace(/^\[(.*)\]$/, '$1'))))) {
    throw invalid('domain', s.domain, 'write a domain name such as example.com or an IP address, or leave it empty');
  }
  for (const [key, column] of [['firstName', 'first_name'], ['middleName', 'middle_name'], ['lastName', 'last_name']] as const) {
    const v = s[key];
    if (v.length > SUBSCRIBER_LIMITS.name || CONTROL.test(v)) throw invalid(column, v, `at most ${SUBSCRIBER_LIMITS.name} printable characters`);
  }
  for (const [key, column] of FORWARD_FIELDS) {
    const why = forwardUrlProblem(s[key]);
    if (why) throw invalid(column, s[key], why);
  }
  if (s.secret?.kind === 'plain' && CONTROL.test(s.secret.password)) throw invalid('password', '****', 'control characters are not allowed');
  return domain === s.domain ? s : { ...s, domain };
}

// ---- search and bulk import, for the provisioning GUI and the tools ----

/** Fields the GUI searches and sorts by. */
export const SUBSCRIBER_SEARCH_FIELDS = ['user', 'domain', 'firstName', 'middleName', 'lastName'] as const;
export type SubscriberSearchField = (typeof SUBSCRIBER_SEARCH_FIELDS)[number];

export interface SubscriberQuery extends PageRequest {
  readonly filter: TextFilter<SubscriberSearchField>;
  readonly sort: SubscriberSearchField;
}

export interface SubscriberPage extends Page<Subscriber> {
  /** Matching subscribers: exact where the store knows it cheaply, else counted up to COUNT_CAP + 1 (more reads "more than COUNT_CAP"). */
  readonly count: number;
}

/** What both stores add for provisioning: indexed search and an all-or-nothing bulk write. */
export interface SubscriberSearch {
  search(q: SubscriberQuery): Promise<SubscriberPage>;
  /** Add or replace (same user and domain) every subscriber, or none: validated first, written as one unit. */
  importMany(subs: readonly Subscriber[]): Promise<{ added: number; replaced: number }>;
}

export type SearchableSubscriberStore = SubscriberStore & SubscriberSearch;
