// The User-Name attribute every RADIUS user sends (guide B-8, RadiusUserNameAttrAddDomain):
// user@domain when the directive is On and the domain (from the From header) is ours —
// ProxyDomain or a Virtual_Proxy_Domain —, the bare user otherwise. Accounting,
// authentication and RPMS call this so they name a user the same way.
import type { Config } from '../../config/loader.js';

const hostOf = (d: string) => d.trim().toLowerCase().replace(/\.$/, '');

/** True when `domain` is ProxyDomain or one of the Virtual_Proxy_Domain values. */
export function isOurDomain(domain: string, config: Config): boolean {
  const d = hostOf(domain);
  if (!d) return false;
  const v = config.values;
  if (v.ProxyDomain && hostOf(v.ProxyDomain) === d) return true;
  return v.VirtualProxyHost.some((b) => !!b.Virtual_Proxy_Domain && hostOf(b.Virtual_Proxy_Domain) === d);
}

/** The User-Name value for `user` whose From header named `domain`. */
export function radiusUserName(user: string, domain: string | undefined, config: Config): string {
  if (!config.values.RadiusUserNameAttrAddDomain || !domain || !isOurDomain(domain, config)) return user;
  return `${user}@${hostOf(domain)}`;
}
