// NumericUsernameInterpretation: is the user part of a Request-URI a user name ('ip',
// looked up as user@host) or a telephone number ('e164'), and in which order to try?
//
// - ;user=phone says number, ;user=ip says user name; the directive is not consulted.
// - A tel: URI is a number.
// - A URI without a user part, or with one that has a character outside
//   NumericUsernameCharacterSet, is a user name (domain routing applies).
// - Otherwise the directive decides: E164_IP (default) number then name, IP_164 the
//   other way round, IP name only, E164 number only.
import type { Config } from '../../config/loader.js';
import type { Uri } from '../../sip/uri.js';
import { unescapeUri } from '../../sip/uri.js';
import type { NumericInterpretation } from './directives.js';

export type NumericKind = 'ip' | 'e164';

const ORDERS: Readonly<Record<NumericInterpretation, readonly NumericKind[]>> = {
  IP_164: ['ip', 'e164'],
  E164_IP: ['e164', 'ip'],
  IP: ['ip'],
  E164: ['e164'],
};

// The charset string of a snapshot, turned into a set once.
const charsets = new WeakMap<Config, ReadonlySet<string>>();

function charsetOf(config: Config): ReadonlySet<string> {
  let s = charsets.get(config);
  if (!s) {
    s = new Set(config.values.NumericUsernameCharacterSet);
    charsets.set(config, s);
  }
  return s;
}

/** True when the user part (escapes decoded, ;parameters ignored) is made only of the numeric characters. */
export function isNumericUserPart(user: string, config: Config): boolean {
  const u = unescapeUri(user);
  const semi = u.indexOf(';');
  const base = semi < 0 ? u : u.slice(0, semi);
  if (base === '') return false;
  const set = charsetOf(config);
  for (const c of base) if (!set.has(c)) return false;
  return true;
}

/** The kinds of lookup to try for a URI's user part, in order (never empty). */
export function numericKinds(uri: Uri, config: Config): readonly NumericKind[] {
  if (uri.scheme === 'tel') return ORDERS.E164;
  const userParam = uri.params.find((p) => p.name.toLowerCase() === 'user')?.value?.toLowerCase();
  if (userParam === 'phone') return ORDERS.E164;
  if (userParam === 'ip') return ORDERS.IP;
  if (uri.user === undefined || !isNumericUserPart(uri.user, config)) return ORDERS.IP;
  return ORDERS[config.values.NumericUsernameInterpretation];
}
