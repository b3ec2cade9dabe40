// SIP-SERVER-MIB (RFC 4780): the server, proxy and registrar configuration, the proxy and
// registrar statistics, and the registrar's users and contacts from the location store.
//
// sipServerRegUserIndex and sipServerRegContactIndex must stay the same for an AOR (and a
// contact) while it is registered, so a walk that spans changes does not jump between users:
// they are handed out on first sight and forgotten when the AOR has no binding left.
import { isIP } from 'node:net';
import { MAX_EXPIRES, DEFAULT_EXPIRES } from '../../modules/registry/registrar.js';
import type { Binding } from '../../stores/location-store.js';
import { cell } from '../../common/agentx/tree.js';
import type { Cell, OidTree } from '../../common/agentx/tree.js';
import { APPL_INDEX, ENTRY } from './oids.js';
import type { SipMibSource, SipMibState } from './source.js';

interface User {
  index: number;
  aor: string;
  contacts: Map<string, number>;
  nextContact: number;
}

/** RFC 2579 DateAndTime in UTC (8 octets plus direction and offset). */
function dateAndTime(ms: number): Buffer {
  const d = new Date(ms);
  const b = Buffer.alloc(11);
  b.writeUInt16BE(d.getUTCFullYear(), 0);
  b.writeUInt8(d.getUTCMonth() + 1, 2);
  b.writeUInt8(d.getUTCDate(), 3);
  b.writeUInt8(d.getUTCHours(), 4);
  b.writeUInt8(d.getUTCMinutes(), 5);
  b.writeUInt8(d.getUTCSeconds(), 6);
  b.writeUInt8(Math.floor(d.getUTCMilliseconds() / 100), 7);
  b.write('+', 8, 'latin1');
  return b;
}

/** The user part of a Contact value as the registrar stored it: `"Name" <uri>` or a bare URI. */
function splitContact(contact: string): { name: string; uri: string } {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>/.exec(contact);
  if (!m) return { name: '', uri: contact.trim() };
  return { name: (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1').trim(), uri: m[3] };
}

class Users {
  private readonly byAor = new Map<string, User>();
  private next = 1;
  private rows: Array<{ user: User; bindings: readonly Binding[] }> = [];
  private at = -1;

  constructor(private readonly src: SipMibSource) {}

  /** The registered users now (bindings not expired), re-read at most once per millisecond tick of a request. */
  list(now = Date.now()): Array<{ user: User; bindings: readonly Binding[] }> {
    if (now === this.at) return this.rows;
    const seen = new Set<string>();
    const rows: Array<{ user: User; bindings: readonly Binding[] }> = [];
    for (const [aor, all] of this.src.locations()?.entries() ?? []) {
      const bindings = all.filter((b) => b.static || b.expiresAt > now);
      if (bindings.length === 0) continue;
      seen.add(aor);
      let user = this.byAor.get(aor);
      if (!user) {
        user = { index: this.next, aor, contacts: new Map(), nextContact: 1 };
        this.next = this.next >= 4294967295 ? 1 : this.next + 1;
        this.byAor.set(aor, user);
      }
      const live = new Set(bindings.map((b) => b.contact));
      for (const c of user.contacts.keys()) if (!live.has(c)) user.contacts.delete(c);
      for (const b of bindings) if (!user.contacts.has(b.contact)) user.contacts.set(b.contact, user.nextContact++);
      rows.push({ user, bindings });
    }
    for (const aor of this.byAor.keys()) if (!seen.has(aor)) this.byAor.delete(aor);
    this.rows = rows;
    this.at = now;
    return rows;
  }
}

export function registrarTables(tree: OidTree, src: SipMibSource, state: SipMibState): void {
  const v = () => src.config().values;
  const c = src.counters;
  const started = () => cell.ticks(state.upTimeAt(src.startedAt));
  const row = (entry: number[], columns: Record<number, () => Cell>) =>
    tree.table<null>({ entry, rows: () => [{ index: [APPL_INDEX], row: null }], columns: Object.entries(columns).map(([sub, get]) => ({ sub: Number(sub), get: () => get() })) });

  row(ENTRY.sipServerCfgEntry, {
    1: () => hostAddress(hostOf(src)).type,
    2: () => hostAddress(hostOf(src)).address,
  });
  row(ENTRY.sipServerProxyCfgEntry, {
    1: () => cell.integer(v().StatefulServer ? 2 : 1), // transactionStateful(2) / stateless(1)
    2: () => cell.truth(v().Recursive),
    3: () => cell.truth(v().AddRecordRoute),
    4: () => cell.bits(v().Authentication ? [2] : [0]), // digest(2) / none(0)
    5: () => cell.text(v().Authentication ? v().AuthRealm : ''),
  });
  row(ENTRY.sipServerProxyStatsEntry, { 1: () => cell.counter(c.proxyReqFailures), 2: started });

  const users = new Users(src);
  row(ENTRY.sipServerRegCfgEntry, {
    1: () => cell.unsigned(MAX_EXPIRES),
    2: () => cell.unsigned(4294967295), // no limit on users beyond memory
    3: () => cell.gauge(users.list().length),
    4: () => cell.unsigned(DEFAULT_EXPIRES),
  });
  tree.table<{ user: User; bindings: readonly Binding[] }>({
    entry: ENTRY.sipServerRegUserEntry,
    rows: () => users.list().map((r) => ({ index: [APPL_INDEX, r.user.index], row: r })),
    columns: [
      { sub: 2, get: (r) => cell.text(r.user.aor) },
      { sub: 3, get: (r) => cell.counter(c.authFailures.get(r.user.aor) ?? 0) },
      { sub: 4, get: started },
    ],
  });
  tree.table<{ binding: Binding }>({
    entry: ENTRY.sipServerRegContactEntry,
    rows: () =>
      users.list().flatMap((r) => r.bindings.map((binding) => ({ index: [APPL_INDEX, r.user.index, r.user.contacts.get(binding.contact) ?? 0], row: { binding } }))),
    columns: [
      { sub: 2, get: (r) => cell.text(splitContact(r.binding.contact).name) },
      { sub: 3, get: (r) => cell.text(splitContact(r.binding.contact).uri) },
      { sub: 4, get: (r) => cell.ticks(state.upTimeAt(r.binding.updatedAt)) },
      // A static registration never expires; DateAndTime has no "never", so it reads 9999-12-31.
      { sub: 5, get: (r) => cell.octets(dateAndTime(r.binding.static ? Date.UTC(9999, 11, 31) : r.binding.expiresAt)) },
      { sub: 6, get: (r) => cell.text(r.binding.q.toFixed(3).replace(/\.?0+$/, '') || '0') },
    ],
  });
  row(ENTRY.sipServerRegStatsEntry, {
    1: () => cell.counter(c.regAccepted),
    2: () => cell.counter(c.regRejected),
    3: started,
  });
}

/** The host part of sipd's SIP URI: ServerName, else ProxyDomain, else the first bound address. */
function hostOf(src: SipMibSource): string {
  const v = src.config().values;
  return v.ServerName ?? v.ProxyDomain ?? src.bound()[0]?.address ?? '';
}

/** InetAddressType and InetAddress (RFC 4001): ipv4(1) and ipv6(2) as octets, dns(16) as text. */
function hostAddress(host: string): { type: Cell; address: Cell } {
  const k = isIP(host);
  if (k === 4) return { type: cell.integer(1), address: cell.octets(Buffer.from(host.split('.').map(Number))) };
  if (k === 6) return { type: cell.integer(2), address: cell.octets(ipv6Octets(host)) };
  return { type: cell.integer(16), address: cell.text(host) };
}

function ipv6Octets(host: string): Buffer {
  const [head, tail = ''] = host.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = host.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const b = Buffer.alloc(16);
  all.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return b;
}
