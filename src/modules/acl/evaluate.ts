// Access lists, compiled once per configuration snapshot into synchronous matchers.
//
// Semantics follow Apache's mod_access, which the guide's Order/Allow/Deny copy:
// every Allow and every Deny line is checked; `Order Deny,Allow` admits a host unless
// a Deny matches and no Allow does; `Order Allow,Deny` refuses a host unless an Allow
// matches and no Deny does. The `from` lines decide about senders (access control and
// upstream trust), the `to` lines about receivers (downstream trust, privacy only),
// each list on its own but under the one Order.
//
// Host names. Apache matches a partial domain name against the client's reverse DNS
// name, which costs a PTR (and a confirming forward) lookup on every request. A proxy
// must not wait on DNS per request, and a PTR record is under the control of whoever
// owns the sender's address block. So a name is resolved FORWARD, once, when the
// snapshot is compiled (sipd start and every graceful restart), and the sender's
// address is compared with the addresses found. A name stands for its own addresses
// and for the addresses of every other name in the file that lies under it: with
// `Allow from company.com` and `Deny from foo.company.com`, foo's addresses match both
// lines, as they would in Apache, so the guide's second example keeps its meaning in
// both orders. Hosts under a domain that the file does not name are not known to us:
// list them, or use an address range. A name that does not resolve matches nothing
// and is reported as a warning; a name that changes address needs `sip graceful`.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import type { Config } from '../../config/loader.js';
import { ipv6ToBig } from './directives.js';
import type { AclHost, AclOrder, AclRule } from './directives.js';

/** Forward resolution of one name: every IPv4 and IPv6 address, or an error. */
export type HostLookup = (name: string) => Promise<readonly string[]>;

/** The system resolver (getaddrinfo: hosts file, DNS …), every address of both families. */
export const systemLookup: HostLookup = async (name) => (await dnsLookup(name, { all: true, verbatim: true })).map((a) => a.address);

/** How long one name may take to resolve while compiling (a graceful restart must not hang on DNS). */
const LOOKUP_TIMEOUT_MS = 5000;

/** An address reduced to a comparable key: family and value (IPv4 as 32 bits, IPv6 as 128). */
interface Addr {
  readonly family: 4 | 6;
  readonly value: bigint;
}

function v4Value(s: string): bigint {
  return s.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
}

/**
 * Parse an address as the socket or the resolver gives it: IPv4, IPv6 (brackets and a
 * zone index tolerated). An IPv4-mapped IPv6 address counts as the IPv4 address.
 */
export function parseAddr(text: string): Addr | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIPv4(s)) return { family: 4, value: v4Value(s) };
  if (!isIPv6(s)) return undefined;
  const value = ipv6ToBig(s);
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

function key(a: Addr): string {
  return `${a.family}:${a.value.toString(16)}`;
}

/** Does `a` lie in family/network/prefix? */
function inNet(a: Addr, family: 4 | 6, network: bigint, prefix: number): boolean {
  if (a.family !== family) return false;
  const bits = family === 4 ? 32 : 128;
  const shift = BigInt(bits - prefix);
  return a.value >> shift === network >> shift;
}

type Matcher = (a: Addr) => boolean;

/** One host entry as a matcher; domain entries use the addresses resolved at compile time. */
function hostMatcher(h: AclHost, domainAddrs: ReadonlyMap<string, ReadonlySet<string>>): Matcher {
  switch (h.kind) {
    case 'all':
      return () => true;
    case 'ip': {
      const want = parseAddr(h.address);
      if (!want) return () => false;
      const k = key(want);
      return (a) => key(a) === k;
    }
    case 'net': {
      const net = h.family === 4 ? v4Value(h.network) : ipv6ToBig(h.network);
      return (a) => inNet(a, h.family, net, h.prefix);
    }
    case 'domain': {
      const set = domainAddrs.get(h.domain) ?? new Set<string>();
      return (a) => set.has(key(a));
    }
  }
}

/** A list of host entries as one matcher (true when any entry matches). */
export interface HostSet {
  matches(address: string): boolean;
}

export interface CompiledAcl {
  readonly order: AclOrder;
  /** True when the file has at least one `Allow from` or `Deny from` line ("access control is being used"). */
  readonly inUse: boolean;
  /** Names that did not resolve, and other things an operator should hear about at load. */
  readonly warnings: readonly string[];
  /** Stage 2: does the access list admit this sender (and so trust its identity headers)? */
  allowedSource(address: string): boolean;
  /** True when an `Allow from` line names this sender (the guide's Satisfy Any note asks exactly this). */
  coveredByAllow(address: string): boolean;
  /** Privacy: may this downstream receiver get identity headers (`Allow to` / `Deny to` under the same Order)? */
  trustedDestination(address: string): boolean;
}

/** mod_access's two orders over "does an Allow line match" and "does a Deny line match". */
export function orderAllows(order: AclOrder, allowHit: boolean, denyHit: boolean): boolean {
  return order === 'Deny,Allow' ? allowHit || !denyHit : allowHit && !denyHit;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Resolve every domain entry of these rules once. Each name maps to its own addresses
 * plus those of the other listed names under it (see the comment at the top).
 */
async function resolveDomains(rules: readonly AclRule[], lookup: HostLookup, warnings: string[], file: string): Promise<Map<string, Set<string>>> {
  const names = new Set<string>();
  for (const r of rules) for (const h of r.hosts) if (h.kind === 'domain') names.add(h.domain);
  const own = new Map<string, string[]>();
  await Promise.all(
    [...names].map(async (name) => {
      try {
        const found = await withTimeout(lookup(name), LOOKUP_TIMEOUT_MS, name);
        const keys = found.map((s) => parseAddr(s)).filter((a): a is Addr => a !== undefined).map(key);
        if (!keys.length) warnings.push(`${file}: access list host "${name}" has no address; it matches no sender until it resolves and sipd is restarted gracefully`);
        own.set(name, keys);
      } catch (e) {
        warnings.push(`${file}: access list host "${name}" could not be resolved (${(e as Error).message}); it matches no sender until it resolves and sipd is restarted gracefully`);
        own.set(name, []);
      }
    }),
  );
  const out = new Map<string, Set<string>>();
  for (const name of names) {
    const set = new Set<string>();
    for (const [other, keys] of own) if (other === name || other.endsWith('.' + name)) for (const k of keys) set.add(k);
    out.set(name, set);
  }
  return out;
}

function listMatcher(rules: readonly AclRule[], domains: ReadonlyMap<string, ReadonlySet<string>>): Matcher {
  const ms = rules.flatMap((r) => r.hosts.map((h) => hostMatcher(h, domains)));
  if (!ms.length) return () => false;
  return (a) => ms.some((m) => m(a));
}

/**
 * Compile the Order/Allow/Deny lines of a snapshot. Resolves the host names (bounded
 * in time, failures become warnings); the returned matchers never touch the network.
 */
export async function compileAcl(config: Config, lookup: HostLookup = systemLookup): Promise<CompiledAcl> {
  const v = config.values;
  const order = v.Order;
  const allow = v.Allow;
  const deny = v.Deny;
  const warnings: string[] = [];
  const domains = await resolveDomains([...allow, ...deny], lookup, warnings, config.file);
  const pick = (rules: readonly AclRule[], dir: 'from' | 'to') => rules.filter((r) => r.direction === dir);
  const allowFrom = listMatcher(pick(allow, 'from'), domains);
  const denyFrom = listMatcher(pick(deny, 'from'), domains);
  const allowTo = listMatcher(pick(allow, 'to'), domains);
  const denyTo = listMatcher(pick(deny, 'to'), domains);
  const inUse = [...allow, ...deny].some((r) => r.direction === 'from');
  // An address we cannot parse (never from a socket) gets the answer of a host no line names.
  const decide = (address: string, a: Matcher, d: Matcher): boolean => {
    const addr = parseAddr(address);
    return orderAllows(order, addr ? a(addr) : false, addr ? d(addr) : false);
  };
  return {
    order,
    inUse,
    warnings,
    allowedSource: (address) => decide(address, allowFrom, denyFrom),
    coveredByAllow: (address) => {
      const addr = parseAddr(address);
      return addr ? allowFrom(addr) : false;
    },
    trustedDestination: (address) => decide(address, allowTo, denyTo),
  };
}

/**
 * One list of host entries on its own (PreAuthPreviousHop and the like), with the same
 * host forms and the same one-time name resolution as the access list.
 */
export async function compileHostSet(hosts: readonly AclHost[], lookup: HostLookup = systemLookup, file = 'sipd.conf'): Promise<HostSet & { warnings: readonly string[] }> {
  const warnings: string[] = [];
  const domains = await resolveDomains([{ direction: 'from', hosts }], lookup, warnings, file);
  const m = listMatcher([{ direction: 'from', hosts }], domains);
  return {
    warnings,
    matches: (address) => {
      const a = parseAddr(address);
      return a ? m(a) : false;
    },
  };
}
