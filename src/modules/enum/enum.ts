// ENUM (RFC 6116, earlier RFC 3761): a called number becomes SIP URIs through NAPTR
// records under a DNS suffix. The number's digits, reversed and dot-separated, are put
// in front of the suffix: +1 408 555 0122 → 2.2.1.0.5.5.5.8.0.4.1.e164.arpa.
// Which suffix (the guide, "Cisco_Enum*"): a number starting with + always uses
// Cisco_Enum_Global_Domain; any other number uses Cisco_Enum_Domain, the private tree,
// when it is set, and Cisco_Enum_Global_Domain when it is not.
// Records kept: terminal ("u" flag) records whose service is E2U+sip (RFC 3764, or the
// older sip+E2U of RFC 2916), tried in order/preference order; their regexp applied to
// the number gives the URI. A non-terminal record (no flag) sends the search to another
// domain, a bounded number of times.
// Which Request-URIs: those numericKinds (NumericUsernameInterpretation) lets be numbers.
import type { Config } from '../../config/loader.js';
import type { Target } from '../../proxy/stages.js';
import type { RequestContext, TranslationModule } from '../../proxy/stages.js';
import type { Uri } from '../../sip/uri.js';
import { parseUri, serializeUri } from '../../sip/uri.js';
import type { DnsQuerier, NaptrData } from '../dns/client.js';
import { canonicalName } from '../dns/client.js';
import { numericKinds } from '../numexp/interpret.js';
import type { DnsLog } from '../dns/rfc3263.js';
import { substitute } from './substitution.js';

export interface EnumDeps {
  readonly client: DnsQuerier;
  /** 'debug' lines are the DebugFlag Enum output. */
  readonly log?: DnsLog;
}

/** Non-terminal NAPTR hops followed at most. */
const MAX_HOPS = 5;
/** Targets returned at most. */
const MAX_TARGETS = 10;

/** A number as the user part writes it: optional +, digits, visual separators (RFC 3966). */
const NUMBER = /^\+?[0-9\-.()]*[0-9][0-9\-.()]*$/;

export interface EnumQuery {
  /** The string the regexps are applied to: + and the digits, or the digits of a private number. */
  readonly aus: string;
  /** The domain to ask for NAPTR records. */
  readonly domain: string;
}

/** The ENUM domain for a number under the configured suffixes; undefined when it is not a number. */
export function enumQueryFor(number: string, values: Pick<Config['values'], 'Cisco_Enum_Domain' | 'Cisco_Enum_Global_Domain'>): EnumQuery | undefined {
  let text = number;
  try {
    text = decodeURIComponent(number);
  } catch {
    /* keep it as written */
  }
  if (!NUMBER.test(text)) return undefined;
  const global = text.startsWith('+');
  const digits = text.replace(/[^0-9]/g, '');
  if (digits.length > 63) return undefined;
  const suffix = canonicalName(global || !values.Cisco_Enum_Domain ? values.Cisco_Enum_Global_Domain : values.Cisco_Enum_Domain);
  return { aus: (global ? '+' : '') + digits, domain: `${[...digits].reverse().join('.')}.${suffix}` };
}

/** True for a service field that offers SIP: E2U+sip (RFC 3761/6116) or sip+E2U (RFC 2916). */
export function isSipService(services: string): boolean {
  const parts = services.toLowerCase().split('+');
  if (parts[0] === 'e2u') return parts.slice(1).some((p) => p === 'sip' || p.startsWith('sip:'));
  return parts.length === 2 && parts[0] === 'sip' && parts[1] === 'e2u';
}

export class EnumTranslator implements TranslationModule {
  readonly name = 'enum';

  constructor(private readonly deps: EnumDeps) {}

  async translate(ctx: RequestContext, ruri: Uri): Promise<readonly Target[] | undefined> {
    const v = ctx.config.values;
    if (!v.Cisco_Enum) return undefined;
    // Only a Request-URI that may be a number (NumericUsernameInterpretation, ;user=phone,
    // tel:) is looked up; a user part that is a URL user is not ENUM's to translate.
    if (!numericKinds(ruri, ctx.config).includes('e164')) return undefined;
    const user = ctx.expandedUser ?? (ruri.scheme === 'tel' ? ruri.number : ruri.user);
    if (!user) return undefined;
    const q = enumQueryFor(user, v);
    if (!q) return undefined;
    return this.lookup(q);
  }

  /** The targets for one ENUM query (exported through the class for tests and tools). */
  async lookup(q: EnumQuery): Promise<Target[] | undefined> {
    let domain = q.domain;
    const visited = new Set<string>();
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      visited.add(domain);
      const reply = await this.deps.client.query(domain, 'NAPTR');
      this.debug(`ENUM ${q.aus}: NAPTR ${domain}: ${reply.rcode}, ${reply.answers.length} record(s)${reply.error ? ` (${reply.error})` : ''}`);
      const records = reply.answers.map((r) => r.data).sort((a, b) => a.order - b.order || a.preference - b.preference);
      const targets = this.terminal(records, q.aus);
      if (targets.length) return targets;
      // RFC 3402 §4: a non-terminal rule names the next domain by its replacement or its regexp.
      const next = records.find((n) => n.flags === '' && (n.replacement !== '' || n.regexp !== ''));
      if (!next) return undefined;
      const nextDomain = canonicalName(next.replacement || (substitute(next.regexp, q.aus) ?? ''));
      if (!nextDomain || visited.has(nextDomain)) return undefined;
      domain = nextDomain;
    }
    return undefined;
  }

  private terminal(records: readonly NaptrData[], aus: string): Target[] {
    const uris: { uri: Uri; text: string; rank: string }[] = [];
    for (const n of records) {
      if (n.flags.toLowerCase() !== 'u' || !isSipService(n.services)) continue;
      const text = substitute(n.regexp, aus);
      if (text === undefined) {
        this.debug(`ENUM ${aus}: regexp ${n.regexp} does not apply`);
        continue;
      }
      const parsed = parseUri(text);
      if (!parsed.ok || parsed.uri.scheme === 'tel') {
        this.debug(`ENUM ${aus}: "${text}" is not a SIP URI`);
        continue;
      }
      uris.push({ uri: parsed.uri, text: serializeUri(parsed.uri), rank: `${n.order} ${n.preference}` });
      if (uris.length >= MAX_TARGETS) break;
    }
    // Higher q for better order/preference; equal ranks share a q and are forked together.
    const ranks = [...new Set(uris.map((u) => u.rank))];
    return uris.map((u) => ({ uri: u.uri, requestUri: u.text, q: Number(((ranks.length - ranks.indexOf(u.rank)) / ranks.length).toFixed(3)) }));
  }

  private debug(message: string): void {
    this.deps.log?.('debug', message);
  }
}
