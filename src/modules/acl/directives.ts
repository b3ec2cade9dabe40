// Directives of the access-control module: Order / Allow / Deny / Satisfy as in Apache,
// plus the "to" form that lists which downstream hosts are trusted with private
// identity headers (used by the privacy module).
import { directivesFor, expectArgs, isHostname } from '../../config/define.js';
import { ValueError } from '../../config/spec.js';
import type { Arg, ValuesOf } from '../../config/spec.js';
import { isIPv4, isIPv6 } from 'node:net';

const d = directivesFor('acl', 'access-control');

/** One host entry of an Allow/Deny line (also of PreAuthPreviousHop). */
export type AclHost =
  /** `all`: every host. */
  | { readonly kind: 'all' }
  /** A partial domain name: the domain itself and every host under it (lower case, no dots at the ends). */
  | { readonly kind: 'domain'; readonly domain: string }
  /** One full IPv4 or IPv6 address. */
  | { readonly kind: 'ip'; readonly family: 4 | 6; readonly address: string }
  /**
   * A range of addresses, however it was written: partial IPv4 (`10.1` = 10.1.0.0/16),
   * network/netmask or network/prefix-length. `network` has its host bits clear.
   */
  | { readonly kind: 'net'; readonly family: 4 | 6; readonly network: string; readonly prefix: number; readonly form: 'partial' | 'netmask' | 'cidr' };

export type AclDirection = 'from' | 'to';

/** One Allow or Deny line. */
export interface AclRule {
  readonly direction: AclDirection;
  readonly hosts: readonly AclHost[];
}

// ---- address arithmetic (IPv4 as 32-bit, IPv6 as 128-bit bigint) ----

function ipv4ToInt(s: string): number {
  return s.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** An IPv6 address (a dotted IPv4 tail allowed) as a 128-bit number; evaluate.ts compares with it too. */
export function ipv6ToBig(s: string): bigint {
  let text = s;
  // An embedded dotted IPv4 tail (::ffff:10.1.2.3) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToInt(v4[1]);
    text = text.slice(0, v4.index) + `${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}
function bigToIpv6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Prefix length of a contiguous dotted netmask, or -1 when the ones are not contiguous. */
function maskToPrefix(mask: string): number {
  const n = ipv4ToInt(mask);
  for (let p = 0; p <= 32; p++) {
    const m = p === 0 ? 0 : (0xffffffff - (2 ** (32 - p) - 1)) >>> 0;
    if (m === n) return p;
  }
  return -1;
}

const BAD_HOST = 'use all, a domain (example.com), an IP address (10.1.2.3), a partial IP (10.1), network/netmask (10.1.0.0/255.255.0.0) or network/prefix (10.1.0.0/16)';

function parseNetwork(text: string, index: number): AclHost {
  const slash = text.indexOf('/');
  const net = text.slice(0, slash);
  const mask = text.slice(slash + 1);
  const fail = (why: string): never => {
    throw new ValueError(`host "${text}": ${why}`, index);
  };
  if (isIPv4(net)) {
    let prefix: number;
    let form: 'netmask' | 'cidr';
    if (/^\d{1,2}$/.test(mask)) {
      prefix = Number(mask);
      if (prefix > 32) fail(`prefix length /${mask} is out of range (0 to 32)`);
      form = 'cidr';
    } else if (isIPv4(mask)) {
      prefix = maskToPrefix(mask);
      if (prefix < 0) fail(`netmask ${mask} is not a run of ones followed by zeros`);
      form = 'netmask';
    } else {
      return fail(`"${mask}" is neither a netmask (255.255.0.0) nor a prefix length (0 to 32)`);
    }
    const addr = ipv4ToInt(net);
    const size = 2 ** (32 - prefix);
    const base = addr - (addr % size);
    if (base !== addr) fail(`address bits are set beyond the /${prefix} network; did you mean ${intToIpv4(base)}/${mask}?`);
    return { kind: 'net', family: 4, network: net, prefix, form };
  }
  if (isIPv6(net)) {
    if (!/^\d{1,3}$/.test(mask) || Number(mask) > 128) fail(`"${mask}" is not an IPv6 prefix length (0 to 128)`);
    const prefix = Number(mask);
    const addr = ipv6ToBig(net);
    const hostBits = prefix === 128 ? 0n : (1n << BigInt(128 - prefix)) - 1n;
    if ((addr & hostBits) !== 0n) fail(`address bits are set beyond the /${prefix} network; did you mean ${bigToIpv6(addr & ~hostBits)}/${prefix}?`);
    return { kind: 'net', family: 6, network: bigToIpv6(addr), prefix, form: 'cidr' };
  }
  return fail(`"${net}" before the / is not a full IP address`);
}

/**
 * Parse one host entry: `all`, a partial domain name, a full IP address, a partial IPv4
 * address, network/netmask or network/prefix-length. Throws ValueError naming the entry.
 */
export function parseAclHost(a: Arg, index = 0): AclHost {
  const text = a.text;
  if (!text) throw new ValueError(`empty host: ${BAD_HOST}`, index);
  if (text.toLowerCase() === 'all') return { kind: 'all' };
  if (text.includes('/')) return parseNetwork(text, index);
  if (isIPv6(text)) return { kind: 'ip', family: 6, address: bigToIpv6(ipv6ToBig(text)) };
  if (/^[\d.]+$/.test(text)) {
    // A full or partial IPv4 address; Apache also accepts a trailing dot ("10.1.").
    const parts = text.replace(/\.$/, '').split('.');
    if (parts.length > 4) throw new ValueError(`host "${text}" has more than four numbers`, index);
    for (const p of parts) {
      if (p === '') throw new ValueError(`host "${text}" has an empty part between dots`, index);
      if (p.length > 3 || Number(p) > 255) throw new ValueError(`host "${text}": ${p} is not a number from 0 to 255`, index);
    }
    const octets = parts.map(Number);
    if (parts.length === 4) return { kind: 'ip', family: 4, address: octets.join('.') };
    const network = [...octets, 0, 0, 0].slice(0, 4).join('.');
    return { kind: 'net', family: 4, network, prefix: parts.length * 8, form: 'partial' };
  }
  const domain = text.replace(/^\./, '').replace(/\.$/, '').toLowerCase();
  if (domain && isHostname(domain)) return { kind: 'domain', domain };
  throw new ValueError(`host "${text}" is not valid: ${BAD_HOST}`, index);
}

/** The hosts of one line, starting at argument `first`; `all` must stand alone. */
export function parseAclHosts(args: readonly Arg[], first: number): AclHost[] {
  const hosts = args.slice(first).map((a, i) => parseAclHost(a, first + i));
  const all = hosts.findIndex((h) => h.kind === 'all');
  if (all >= 0 && hosts.length > 1) {
    throw new ValueError('"all" already covers every host; list it alone', first + (all === 0 ? 1 : all));
  }
  return hosts;
}

function parseRule(args: readonly Arg[]): AclRule {
  expectArgs(args, 2, Infinity, 'from|to host...');
  const dir = args[0].text.toLowerCase();
  if (dir !== 'from' && dir !== 'to') {
    throw new ValueError(`expected "from" or "to" before the hosts, got "${args[0].text}"`, 0, 'from, to');
  }
  return { direction: dir, hosts: parseAclHosts(args, 1) };
}

export const ACL_ORDERS = ['Deny,Allow', 'Allow,Deny'] as const;
export type AclOrder = (typeof ACL_ORDERS)[number];

/** `Order Deny,Allow`; blanks around the comma are tolerated (`Order Allow, Deny`). */
export function parseOrder(args: readonly Arg[]): AclOrder {
  expectArgs(args, 1, 3, 'Deny,Allow or Allow,Deny');
  const joined = args.map((a) => a.text).join('').replace(/\s+/g, '');
  const hit = ACL_ORDERS.find((o) => o.toLowerCase() === joined.toLowerCase());
  if (!hit) throw new ValueError(`"${args.map((a) => a.text).join(' ')}" is not valid`, 0, 'Deny,Allow or Allow,Deny');
  return hit;
}

const HOST_FORMS = 'all | domain | IP | partial IP | network/netmask | network/prefix';

export const aclDirectives = [
  d.custom('Order', {
    type: 'Deny,Allow|Allow,Deny',
    valid: 'Deny,Allow or Allow,Deny',
    default: 'Deny,Allow' as AclOrder,
    defaultText: 'Deny,Allow',
    parse: (args) => parseOrder(args),
    example: ['Order Allow,Deny', 'Allow from example.com', 'Deny from guest.example.com'],
    doc: 'How Allow and Deny combine; every line of both is checked, and the "to" lists follow the same order. Deny,Allow admits a host unless a Deny matches and no Allow does; Allow,Deny refuses it unless an Allow matches and no Deny does.',
  }),
  d.repeated('Allow', {
    type: `from|to ${HOST_FORMS}...`,
    valid: HOST_FORMS,
    item: (args: readonly Arg[]) => parseRule(args),
    example: ['Allow from 10.1.0.0/16 192.168.5.', 'Allow to trusted-gw.example.com'],
    doc: 'Allow from: hosts whose requests are accepted and whose identity headers are trusted. Allow to: downstream hosts that may receive the caller\'s true identity (P-Asserted-Identity, Remote-Party-ID, Diversion).',
  }),
  d.repeated('Deny', {
    type: `from|to ${HOST_FORMS}...`,
    valid: HOST_FORMS,
    item: (args: readonly Arg[]) => parseRule(args),
    example: ['Deny from all'],
    doc: 'Deny from: hosts whose requests are refused and whose identity headers are not trusted; Deny to: downstream hosts that never receive identity headers. Host forms as for Allow.',
  }),
  d.oneOf('Satisfy', {
    values: ['All', 'Any'],
    default: 'All',
    doc: 'All: a request must pass both the Allow/Deny check and authentication; Any: passing either one is enough. Authentication must also be On for it to take part.',
  }),
] as const;

type AclValues = ValuesOf<typeof aclDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends AclValues {}
}
