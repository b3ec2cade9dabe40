// The header a forwarding proxy adds so the next hop learns who forwarded the call and
// why (guide Appendix B "Configuring Call Forwarding", figures E-4 to E-11). Its name is
// DiversionHeaderName: RFC 5806 Diversion, or Cisco's older CC-Diversion / CC-Redirect,
// all three written the same way: <diverting URI>;reason="…";counter=1.
import type { Config } from '../../config/loader.js';
import type { Subscriber } from '../../stores/subscriber-store.js';
import { parseUri, serializeUri } from '../../sip/uri.js';

/** RFC 5806 diversion reasons for the four kinds of forwarding. */
export type ForwardReason = 'unconditional' | 'user-busy' | 'no-answer' | 'unavailable';

/**
 * The diversion header for a call to `divertedFrom` (the Request-URI we were sent)
 * forwarded for `reason`, as [name, value]; undefined when AddDiversionHeader is Off.
 * A subscriber with RedirectDNPrivacy gets privacy=full, which only the Diversion
 * spelling carries (the privacy module then hides the user from untrusted hosts).
 */
export function diversionHeader(config: Config, divertedFrom: string, reason: ForwardReason, subscriber?: Pick<Subscriber, 'redirectDnPrivacy'>): [string, string] | undefined {
  const v = config.values;
  if (!v.AddDiversionHeader) return undefined;
  const name = v.DiversionHeaderName;
  let value = `<${divertingUri(divertedFrom)}>;reason="${reason}";counter=1`;
  if (name === 'Diversion' && subscriber?.redirectDnPrivacy) value += ';privacy=full';
  return [name, value];
}

/** The Request-URI without URI headers (they do not belong in a name-addr of a header). */
function divertingUri(ruri: string): string {
  const u = parseUri(ruri);
  if (!u.ok) return ruri;
  return u.uri.scheme === 'tel' ? serializeUri(u.uri) : serializeUri({ ...u.uri, headers: [] });
}
