// Bulk subscribers as comma-separated values, for sysadmin_mysql_user (import, export) and
// the provisioning GUI. The same CSV rules as routes and registrations (src/common/csv.ts):
// RFC 4180 quoting, '#' comments, an optional header naming the columns in any order.
// The columns are the subscriber table's (the names the guide's tool prints), in this
// order without a header:
//
//   user_id,domain,password,first_name,middle_name,last_name,
//   dest_url_cfu,dest_url_cfb,dest_url_cfna,dest_url_cfunv,redirect_dn_privacy
//
// Only user_id is required. password is the password to set, made into the stored
// secret for the realm given (AuthRealm); "ha1$…" keeps an exported secret as it is, and
// an empty field leaves the subscriber without one. Export writes the stored digest secret
// only when asked (it lets a holder answer Digest challenges, so it is for administrators
// and backups), and never a clear-text legacy password; otherwise the column is empty.
import { Bad, formatCsvTable, parseCsvTable, parseFlag } from '../common/csv.js';
import type { CsvParse } from '../common/csv.js';
import { decodeSecret, encodeSecret, makeSecret } from './secret.js';
import { SubscriberValidationError, uniqueKey, validateSubscriber } from './subscriber-store.js';
import type { Subscriber, SubscriberQuery, SubscriberSearch } from './subscriber-store.js';
import { MAX_PAGE_ROWS } from './search.js';
import type { SortKey } from './search.js';

export const SUBSCRIBER_COLUMNS = [
  'user_id',
  'domain',
  'password',
  'first_name',
  'middle_name',
  'last_name',
  'dest_url_cfu',
  'dest_url_cfb',
  'dest_url_cfna',
  'dest_url_cfunv',
  'redirect_dn_privacy',
] as const;
const REQUIRED = ['user_id'];

/** The most subscribers one import takes. */
export const SUBSCRIBER_IMPORT_LIMIT = 1_000_000;

export interface SubscriberCsvOptions {
  /** The realm new passwords are hashed for (AuthRealm). */
  readonly realm: string;
  readonly limit?: number;
}

/** Parse a subscriber CSV file: every subscriber, or every error with its line. */
export function parseSubscriberCsv(text: string, opts: SubscriberCsvOptions): CsvParse<Subscriber> {
  const limit = opts.limit ?? SUBSCRIBER_IMPORT_LIMIT;
  return parseCsvTable<Subscriber>(text, {
    columns: SUBSCRIBER_COLUMNS,
    required: REQUIRED,
    entry: (values) => subscriberOf(values, opts.realm),
    key: (s) => uniqueKey(s.user, s.domain),
    repeated: (first) => `the same subscriber (first 50 characters of user_id, and domain) as line ${first}`,
    limit,
    overflow: `too many subscribers: at most ${limit} in one import`,
  });
}

/** One record's subscriber, or what is wrong with it. */
function subscriberOf(values: ReadonlyMap<string, string>, realm: string): Subscriber | string {
  const get = (c: string) => values.get(c) ?? '';
  const user = get('user_id');
  const password = get('password');
  const privacyText = get('redirect_dn_privacy');
  const privacy = privacyText === '' ? false : parseFlag(privacyText, 'redirect_dn_privacy');
  if (privacy instanceof Bad) return privacy.message;
  const kept = decodeSecret(password);
  const secret = password === '' ? undefined : kept?.kind === 'ha1' ? kept : makeSecret(user, realm, password);
  try {
    return validateSubscriber({
      user,
      domain: get('domain'),
      secret,
      firstName: get('first_name'),
      middleName: get('middle_name'),
      lastName: get('last_name'),
      cfu: get('dest_url_cfu'),
      cfb: get('dest_url_cfb'),
      cfna: get('dest_url_cfna'),
      cfunv: get('dest_url_cfunv'),
      redirectDnPrivacy: privacy,
    });
  } catch (e) {
    return e instanceof SubscriberValidationError ? e.message : String(e);
  }
}

/** Subscribers as CSV, header first; the password column holds the stored digest secret with `secrets`, else nothing. */
export function formatSubscriberCsv(subs: Iterable<Subscriber>, opts: { header?: boolean; secrets?: boolean } = {}): string {
  return formatCsvTable(
    SUBSCRIBER_COLUMNS,
    subs,
    (s) => [
      s.user,
      s.domain,
      opts.secrets && s.secret?.kind === 'ha1' ? encodeSecret(s.secret) : '',
      s.firstName,
      s.middleName,
      s.lastName,
      s.cfu,
      s.cfb,
      s.cfna,
      s.cfunv,
      s.redirectDnPrivacy ? 'yes' : 'no',
    ],
    opts.header ?? true,
  );
}

/**
 * Write every subscriber matching `filter` (all by default) as CSV, page by page in user
 * order, through `write`; the number written. Pages come from the store's search, so a
 * million subscribers never sit in memory at once.
 */
export async function exportSubscribers(
  store: SubscriberSearch,
  write: (csv: string) => void | Promise<void>,
  opts: { secrets?: boolean; filter?: SubscriberQuery['filter'] } = {},
): Promise<number> {
  const filter = opts.filter ?? { field: 'user', op: 'equals', text: '*' };
  let after: SortKey | undefined;
  let n = 0;
  await write(SUBSCRIBER_COLUMNS.join(',') + '\n');
  for (;;) {
    const page = await store.search({ filter, sort: 'user', desc: false, limit: MAX_PAGE_ROWS, ...(after && { after }) });
    if (page.rows.length) await write(formatSubscriberCsv(page.rows, { header: false, secrets: opts.secrets ?? false }));
    n += page.rows.length;
    if (!page.next) return n;
    after = page.next;
  }
}
