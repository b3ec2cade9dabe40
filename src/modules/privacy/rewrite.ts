// Privacy (calling line identity restriction, guide Appendix B "Configuring Privacy" and
// Appendix E "Call-Flow Scenarios with CLIR Support"). Three identity headers are managed,
// each behind its own directive, and only in INVITEs:
//
// - P-Asserted-Identity (RFC 3325) and Remote-Party-ID: dropped when the sender is not
//   trusted ("Allow from"); replaced by our own when the request authenticated; removed
//   before an untrusted receiver ("Allow to") when the caller asked for privacy.
// - Diversion (RFC 5806): entries from an untrusted sender are dropped; before an
//   untrusted receiver an entry marked privacy=full shows Anonymous instead of the
//   diverting user; the top entry of a 3xx must name the Request-URI we were sent.
//
// The caller asks for privacy with "Privacy: id" (RFC 3325 §9.3) or, on phones that know
// no better, by putting "Anonymous" as the From display name; we then add "Privacy: id"
// and privacy=full ourselves so that the next proxy understands it too.
import type { Config } from '../../config/loader.js';
import type { ErrorLog } from '../../logging/index.js';
import type { ForwardHooks, RequestContext } from '../../proxy/stages.js';
import { homeDomain } from '../registry/aor.js';
import { paramValue, parseAddress, serializeAddress } from '../../sip/address.js';
import type { Address, HeaderParam } from '../../sip/address.js';
import type { HeaderList } from '../../sip/headers.js';
import type { SipRequest, SipResponse } from '../../sip/message.js';
import { parseUri, uriEquals } from '../../sip/uri.js';
import type { SipUri } from '../../sip/uri.js';
import type { Destination } from '../../transport/types.js';

export const PAI = 'P-Asserted-Identity';
export const RPID = 'Remote-Party-ID';
export const DIVERSION = 'Diversion';

/** Privacy header values that ask for the asserted identity to be withheld (RFC 3323 §4.2, RFC 3325 §9.3). */
const WITHHOLD = new Set(['id', 'header', 'user']);

/** What a Diversion entry naming a private user shows an untrusted receiver (the guide's "Anonymous@Anonymous"). */
export const ANONYMOUS_URI: SipUri = { scheme: 'sip', user: 'Anonymous', host: 'Anonymous', hostType: 'hostname', params: [], headers: [] };

export type PrivacyLog = Pick<ErrorLog, 'flag'>;

export interface PrivacyDeps {
  /** True when `address` (an IP address) passes the "Allow to" / "Deny to" lists under Order. */
  trustedDestination(address: string, config: Config): boolean;
  readonly log: PrivacyLog;
}

export class PrivacyHooks implements ForwardHooks {
  constructor(private readonly deps: PrivacyDeps) {}

  outgoing(ctx: RequestContext, copy: SipRequest, dest: Destination): void {
    const v = ctx.config.values;
    if (!v.Privacy || copy.method !== 'INVITE') return;
    if (!v.PrivacyWithPAI && !v.PrivacyWithRPID && !v.PrivacyWithDiversion) return;
    const trustedDest = this.deps.trustedDestination(dest.host, ctx.config);
    const anonymous = isAnonymous(ctx.req);
    const notes: string[] = [];
    if (v.PrivacyWithPAI) this.pai(ctx, copy.headers, trustedDest, anonymous, notes);
    if (v.PrivacyWithRPID) this.rpid(ctx, copy.headers, trustedDest, anonymous, notes);
    if (v.PrivacyWithDiversion) this.diversion(ctx, copy.headers, trustedDest, notes);
    if (notes.length) this.debug(ctx, `to ${dest.host} (${trustedDest ? 'trusted' : 'untrusted'}): ${notes.join('; ')}`);
  }

  upstream(ctx: RequestContext, res: SipResponse): void {
    const v = ctx.config.values;
    if (!v.Privacy || !v.PrivacyWithDiversion || res.status < 300 || res.status >= 400 || ctx.req.method !== 'INVITE') return;
    // The top Diversion of a redirect names the user the call was diverted from, which is
    // the Request-URI we were sent: a redirecting phone cannot claim to be someone else.
    const entries = res.headers.values(DIVERSION);
    if (!entries.length) return;
    const ruri = parseUri(ctx.req.uri);
    if (!ruri.ok) return;
    const top = parseAddress(entries[0]);
    if (top.ok && uriEquals(top.address.uri, ruri.uri)) return;
    const params = top.ok ? top.address.params : [];
    const fixed = serializeAddress({ uri: ruri.uri, angle: true, params });
    this.debug(ctx, `${res.status} response: top Diversion "${entries[0]}" rewritten to "${fixed}"`);
    res.headers.set(DIVERSION, [fixed, ...entries.slice(1)].join(', '));
  }

  private pai(ctx: RequestContext, h: HeaderList, trustedDest: boolean, anonymous: boolean, notes: string[]): void {
    if (!ctx.trustedSource && h.has(PAI)) {
      h.delete(PAI);
      notes.push('P-Asserted-Identity from an untrusted sender removed');
    }
    const asserted = assertedUri(ctx);
    if (asserted) {
      h.set(PAI, `<${asserted}>`);
      notes.push(`P-Asserted-Identity <${asserted}> asserted`);
    }
    if (anonymous && !privacyValues(h).includes('id')) {
      // "none" cannot stand beside another value (RFC 3323 §4.2); Anonymous overrides it.
      const kept = privacyValues(h).filter((x) => x !== 'none');
      h.set('Privacy', [...kept, 'id'].join(';'));
      notes.push('Privacy: id added for an Anonymous caller');
    }
    if (!trustedDest && h.has(PAI) && (anonymous || privacyValues(h).some((x) => WITHHOLD.has(x)))) {
      h.delete(PAI);
      notes.push('P-Asserted-Identity withheld');
    }
  }

  private rpid(ctx: RequestContext, h: HeaderList, trustedDest: boolean, anonymous: boolean, notes: string[]): void {
    if (!ctx.trustedSource && h.has(RPID)) {
      h.delete(RPID);
      notes.push('Remote-Party-ID from an untrusted sender removed');
    }
    const asserted = assertedUri(ctx);
    if (asserted) {
      h.set(RPID, `<${asserted}>;party=calling;screen=yes`);
      notes.push(`Remote-Party-ID <${asserted}> asserted`);
    }
    let entries = h.values(RPID).map(parseEntry);
    if (anonymous && entries.length) {
      entries = entries.map((e) => (e.address ? { ...e, address: withParam(e.address, 'privacy', 'full') } : e));
      notes.push('privacy=full set in Remote-Party-ID for an Anonymous caller');
    }
    if (!trustedDest) {
      const before = entries.length;
      // privacy=full (or uri) hides the whole identity; privacy=name only the display name.
      entries = entries.filter((e) => !anonymous && e.address && !['full', 'uri'].includes(privacyParam(e.address)));
      entries = entries.map((e) => (e.address && privacyParam(e.address) === 'name' ? { ...e, address: { ...e.address, displayName: undefined } } : e));
      if (entries.length < before) notes.push('Remote-Party-ID withheld');
    }
    writeEntries(h, RPID, entries);
  }

  private diversion(ctx: RequestContext, h: HeaderList, trustedDest: boolean, notes: string[]): void {
    let entries = h.values(DIVERSION).map(parseEntry);
    if (!ctx.trustedSource) {
      // Only the entries the sender wrote: ours (call forwarding, 3xx recursion) stay.
      const received = ctx.req.headers.values(DIVERSION);
      const before = entries.length;
      entries = entries.filter((e) => {
        const i = received.indexOf(e.text);
        if (i < 0) return true;
        received.splice(i, 1);
        return false;
      });
      if (entries.length < before) notes.push(`${before - entries.length} Diversion entr${before - entries.length === 1 ? 'y' : 'ies'} from an untrusted sender removed`);
    }
    if (!trustedDest) {
      let hidden = 0;
      entries = entries.map((e) => {
        if (!e.address || privacyParam(e.address) !== 'full' || uriEquals(e.address.uri, ANONYMOUS_URI)) return e;
        hidden++;
        return { ...e, address: { uri: ANONYMOUS_URI, angle: true, params: e.address.params } };
      });
      if (hidden) notes.push(`${hidden} private Diversion entr${hidden === 1 ? 'y' : 'ies'} shown as Anonymous`);
    }
    writeEntries(h, DIVERSION, entries);
  }

  private debug(ctx: RequestContext, msg: string): void {
    this.deps.log.flag('Privacy', `${ctx.req.method} ${ctx.req.uri} (Call-ID ${ctx.req.headers.get('Call-ID')}): ${msg}`);
  }
}

/** True when the caller's From display name is "Anonymous" (any case): the guide's request for privacy. */
export function isAnonymous(req: SipRequest): boolean {
  const from = req.headers.get('From');
  if (from === undefined) return false;
  const a = parseAddress(from);
  return a.ok && a.address.displayName?.trim().toLowerCase() === 'anonymous';
}

/** The values of every Privacy header, lower case: "Privacy: id;critical" gives ['id', 'critical']. */
export function privacyValues(h: HeaderList): string[] {
  return h
    .values('Privacy')
    .flatMap((v) => v.split(';'))
    .map((x) => x.trim().toLowerCase())
    .filter((x) => x.length > 0);
}

/**
 * The identity we assert for an authenticated request: the user it authenticated as, at
 * the domain it authenticated in (the virtual proxy host's, or our home domain).
 */
export function assertedUri(ctx: RequestContext): string | undefined {
  const who = ctx.authenticatedUser;
  if (!who) return undefined;
  const at = who.lastIndexOf('@');
  const user = at > 0 ? who.slice(0, at) : who;
  const domain = at > 0 ? who.slice(at + 1) : homeDomain(ctx.config);
  return `sip:${escapeUser(user)}@${domain}`;
}

/** Escape what a SIP user part may not hold as it is (RFC 3261 §25.1 user). */
function escapeUser(user: string): string {
  return Array.from(Buffer.from(user, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
}

interface Entry {
  /** As received; written back unchanged unless `address` was changed. */
  readonly text: string;
  /** Undefined when the entry does not parse: it is then passed as it is. */
  readonly address?: Address;
}

function parseEntry(text: string): Entry {
  const a = parseAddress(text);
  return a.ok ? { text, address: a.address } : { text };
}

function privacyParam(a: Address): string {
  return (paramValue(a.params, 'privacy') ?? '').toLowerCase();
}

function withParam(a: Address, name: string, value: string): Address {
  const params: HeaderParam[] = a.params.filter((p) => p.name.toLowerCase() !== name);
  params.push({ name, value });
  return { ...a, params };
}

/** Write the entries back as one header field where the first of them was (or remove the header). */
function writeEntries(h: HeaderList, name: string, entries: readonly Entry[]): void {
  const now = h.values(name);
  const next = entries.map(reserialize);
  if (next.length === now.length && next.every((x, i) => x === now[i])) return;
  if (next.length) h.set(name, next.join(', '));
  else h.delete(name);
}

function reserialize(e: Entry): string {
  // An address that parses the same as the text it came from is written as received.
  const again = parseEntry(e.text).address;
  if (again && e.address && serializeAddress(again) === serializeAddress(e.address)) return e.text;
  return e.address ? serializeAddress(e.address) : e.text;
}
