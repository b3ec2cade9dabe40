// Address-of-record keys: how a registered or called URI is filed in the registry.
//
// The guide's "registrar for multiple domains" rules:
// - In a numeric user part the visual separators . - ( ) are dropped: 408.902.3126,
//   408-902-3126 and 4089023126 are one user.
// - A user part that is "+" and digits is an E.164 number. Those are shared by every
//   domain the server serves: +14085558000@companya.com, @companyb.com and @cisco.com
//   are one registration, keyed "+14085558000" alone.
// - Any other user is private to its domain: 2000@companya.com and 2000@companyb.com are
//   two registrations, keyed "user@domain" with the domain in lower case. The user keeps
//   its case (SIP user parts are case-sensitive) with %HH escapes decoded.
// - The domain is the one the host stands for: a <VirtualProxyHost>'s domain, name or
//   address (with Cisco_Registry_Use_Virtual_Proxy_Host On) files under that
//   Virtual_Proxy_Domain; this server's own names and addresses (ProxyDomain,
//   ServerName, host name, listening addresses) file under the home domain, which is
//   ProxyDomain — or ServerName, or the host name, when ProxyDomain is not set. So a
//   phone registering 2000@10.1.1.5 (the proxy's address) and a caller dialling
//   2000@example.com (ProxyDomain) meet.
// - "*" in a user part is a routing wildcard; registrations may not use it.
import os from 'node:os';
import type { Config } from '../../config/loader.js';
import type { Uri } from '../../sip/uri.js';
import { unescapeUri } from '../../sip/uri.js';
import type { BoundAddress } from './this-server.js';
import { isThisServer, normalizeHost, virtualHostFor } from './this-server.js';

export type AorKey =
  | { readonly ok: true; readonly key: string; readonly user: string; readonly domain: string; readonly e164: boolean }
  | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

const NUMERIC = /^\+?[0-9.\-()]*[0-9][0-9.\-()]*$/;

/** A user part as filed: escapes decoded, separators dropped from numbers. */
export function normalizeUser(user: string): { user: string; numeric: boolean; e164: boolean } {
  const u = unescapeUri(user);
  if (!NUMERIC.test(u) || u.indexOf('+') > 0) return { user: u, numeric: false, e164: false };
  const digits = u.replace(/[.\-()]/g, '');
  return { user: digits, numeric: true, e164: digits.startsWith('+') };
}

/** The domain local users are filed under: ProxyDomain, else ServerName, else the host name. */
export function homeDomain(config: Config): string {
  return normalizeHost(config.values.ProxyDomain ?? config.values.ServerName ?? os.hostname());
}

/** The domain a host stands for when it is one this registrar serves; undefined otherwise. */
export function servedDomain(host: string, config: Config, bound?: readonly BoundAddress[]): string | undefined {
  const vh = virtualHostFor(host, config, bound);
  if (vh) return vh.domain;
  if (isThisServer(host, undefined, config, bound)) return homeDomain(config);
  return undefined;
}

export interface AorOptions {
  readonly bound?: readonly BoundAddress[];
  /**
   * REGISTER: the domain must be one we serve (else 404) and "*" is refused (400).
   * Lookup (false): a foreign domain is kept as written, so only E.164 numbers can match.
   */
  readonly registering: boolean;
  /**
   * Number expansion (Cisco_Numexpand): applied to numeric users of domains we serve
   * before filing or looking up, so 5.... and +1303555.... are one registration.
   */
  readonly expand?: (user: string, config: Config) => string;
}

/** The registry key of a SIP, SIPS or tel URI. */
export function aorKey(uri: Uri, config: Config, opts: AorOptions): AorKey {
  if (uri.scheme === 'tel') {
    if (opts.registering) return { ok: false, status: 404, reason: 'The address-of-record must be a SIP or SIPS URI' };
    const n = normalizeUser(uri.number);
    if (!n.e164) return { ok: false, status: 404, reason: 'Only global tel: numbers can be looked up' };
    return { ok: true, key: n.user, user: n.user, domain: homeDomain(config), e164: true };
  }
  if (uri.user === undefined || uri.user === '') return { ok: false, status: 404, reason: 'The address-of-record has no user part' };
  if (unescapeUri(uri.user).includes('*')) return { ok: false, status: 400, reason: 'Wildcards are not allowed in registrations' };
  let n = normalizeUser(uri.user);
  const served = servedDomain(uri.host, config, opts.bound);
  if (n.numeric && served !== undefined && opts.expand) n = normalizeUser(opts.expand(n.user, config));
  if (opts.registering && served === undefined) return { ok: false, status: 404, reason: `Not a domain this registrar serves: ${normalizeHost(uri.host)}` };
  const domain = served ?? normalizeHost(uri.host);
  if (n.e164) return { ok: true, key: n.user, user: n.user, domain, e164: true };
  return { ok: true, key: `${n.user}@${domain}`, user: n.user, domain, e164: false };
}
