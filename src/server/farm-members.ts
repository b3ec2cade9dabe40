// Farm membership: a sipd on a farm (DB_MySQL On, farm members named) keeps its own row
// of the shared farm_member table current, every HEARTBEAT_MS, and reads everyone's rows
// back. From them it knows the other members' SIP addresses (loop detection across the
// farm: the proxy asks memberAt() for each Via, in memory) and checks the farm against
// the guide's rules for farms: every member named is running, every member running is
// named, all run the same farm-wide directives and version, and their clocks agree.
// Each finding is written to error_log once when it appears and once when it clears.
import { createHash, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import type { Config } from '../config/loader.js';
import type { ErrorLog } from '../logging/index.js';
import { VERSION } from '../common/install.js';
import { normalizeHost } from '../modules/registry/this-server.js';
import type { BoundSocket, ProxyIdentity } from '../proxy/identity.js';
import { HEARTBEAT_MS, MISSED_BEATS, isAnswering, shownState } from '../stores/mysql/member-store.js';
import type { FarmMemberTable, MemberListing, MemberRow, MemberSelf, MemberState } from '../stores/mysql/member-store.js';
import { farmMemberName, namedFarmMembers, openFarmMemberTable } from '../stores/open.js';
import { hostPort } from '../transport/types.js';
import { notFarmWide } from './farm-config.js';

/** How long a farm member's name may take to resolve. */
const LOOKUP_TIMEOUT_MS = 2_000;

/** Clocks further apart than this (member and database, or two members) are reported: the guide asks for NTP. */
export const CLOCK_SKEW_LIMIT_MS = 2_000;

/** sha256 of the farm-wide directives' values (names sorted), hex: the directives a farm push may set (farm-config.ts). */
export function farmConfigDigest(config: Config): string {
  const entries = Object.entries(config.values as unknown as Record<string, unknown>)
    .filter(([k]) => notFarmWide(k) === undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** What this member listens on and puts in Via, as "UDP 192.0.2.1:5060" (wildcard binds are covered by the Via sent-by). */
export function sipAddresses(bound: readonly BoundSocket[], identity: ProxyIdentity): string[] {
  const out = new Set<string>();
  for (const b of bound) {
    if (!WILDCARD.has(b.address)) out.add(`${b.transport} ${hostPort(b.address, b.port)}`);
    const v = identity.viaSentBy(b.transport);
    out.add(`${b.transport} ${hostPort(v.host, v.port)}`);
  }
  return [...out];
}

/** "UDP host:port" → [host, port], host normalised; undefined for anything else. */
function splitSip(entry: string): [string, number] | undefined {
  const m = /^\S+ (\[[^\]]+\]|[^\s:]+):(\d{1,5})$/.exec(entry);
  return m ? [normalizeHost(m[1]), Number(m[2])] : undefined;
}

/** A name from the directives with the addresses it resolved to. */
export interface NamedMember {
  readonly name: string;
  readonly addresses: ReadonlySet<string>;
}

/** Does this row belong to the member the directives call `n`: by name, host name or an address? */
export function rowMatches(n: NamedMember, row: MemberRow): boolean {
  const name = n.name.toLowerCase();
  const rowName = row.name.toLowerCase();
  const host = row.host.toLowerCase();
  if (rowName === name || host === name || name.startsWith(`${host}.`) || host.startsWith(`${name}.`)) return true;
  return row.sip.some((e) => {
    const hp = splitSip(e);
    return !!hp && (hp[0] === normalizeHost(name) || n.addresses.has(hp[0]));
  });
}

export interface CheckInput {
  readonly me: MemberSelf;
  readonly named: readonly NamedMember[];
  readonly listing: MemberListing;
  /** This member's clock minus the database's. */
  readonly skewMs: number;
  /** Long enough since start that a member named but never seen is worth a warning. */
  readonly graceOver: boolean;
  readonly intervalMs?: number;
}

const ago = (ms: number) => `${Math.round(ms / 1000)} s ago`;

/** The farm's problems as seen from this member: key (stable while the problem lasts) → warning text. */
export function farmWarnings(i: CheckInput): Map<string, string> {
  const out = new Map<string, string>();
  const interval = i.intervalMs ?? HEARTBEAT_MS;
  const { dbNowMs, rows } = i.listing;
  const others = rows.filter((r) => r.name !== i.me.name);
  const live = others.filter((r) => isAnswering(r, dbNowMs, interval));
  const lists = 'Cisco_Registry_Farm_Members / Cisco_Routing_Farm_Members';
  for (const n of i.named) {
    const mine = others.filter((r) => rowMatches(n, r));
    if (!mine.length) {
      if (i.graceOver) out.set(`unseen:${n.name}`, `farm member ${n.name} (named in ${lists}) has never written its row in the farm_member table: it is not running, uses another database, or is known there by another name (its ServerName, else its host name)`);
    } else if (!mine.some((r) => isAnswering(r, dbNowMs, interval))) {
      const last = Math.max(...mine.map((r) => r.heartbeatMs));
      out.set(`silent:${n.name}`, `farm member ${n.name} is not answering: its last heartbeat was ${ago(dbNowMs - last)} (${mine.map((r) => `${r.name} ${r.state}`).join(', ')})`);
    }
  }
  for (const r of live) {
    const who = `farm member ${r.name} (host ${r.host}, pid ${r.pid})`;
    if (!i.named.some((n) => rowMatches(n, r))) out.set(`unnamed:${r.name}`, `${who} shares this farm's database but is not named in this member's ${lists}: add it there (or take it out of the farm)`);
    if (r.confDigest !== i.me.confDigest) out.set(`digest:${r.name}:${r.confDigest}`, `${who} runs farm-wide directives that differ from this member's (sipd.conf digest ${r.confDigest.slice(0, 12)} there, ${i.me.confDigest.slice(0, 12)} here): make sipd.conf the same on every member except addresses, names and paths`);
    if (r.version !== i.me.version) out.set(`version:${r.name}:${r.version}`, `${who} runs OpenSPS ${r.version}, this member ${i.me.version}: every member of a farm must run the same version`);
    const apart = r.clockSkewMs - i.skewMs;
    if (Math.abs(apart) > CLOCK_SKEW_LIMIT_MS) out.set(`skew:${r.name}`, `the clocks of ${who} and of this member are ${Math.round(Math.abs(apart))} ms apart: synchronise every member with NTP`);
  }
  if (Math.abs(i.skewMs) > CLOCK_SKEW_LIMIT_MS) out.set('skew:self', `this member's clock is ${Math.round(i.skewMs)} ms off the database server's: synchronise the members and the database nodes with NTP`);
  const clash = rows.find((r) => r.name === i.me.name && r.instance !== i.me.instance && isAnswering(r, dbNowMs, interval));
  if (clash) out.set('clash', `another sipd (host ${clash.host}, pid ${clash.pid}) writes the farm member row named ${i.me.name} too: give each member its own ServerName`);
  return out;
}

export interface MemberStatus {
  readonly name: string;
  readonly state: MemberState;
  readonly database: 'ok' | 'unreachable';
  readonly clockSkewMs: number;
  readonly warnings: readonly string[];
}

export class FarmMembership {
  private state: MemberState = 'starting';
  private readonly startedAt = Date.now();
  private readonly instance = randomBytes(8).toString('hex');
  private named: NamedMember[] = [];
  private byAddress = new Map<string, string>();
  private byHost = new Map<string, string>();
  private warned = new Map<string, string>();
  private listing: MemberListing | undefined;
  private skewMs = 0;
  private dbError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private digest: string;

  private constructor(
    private config: Config,
    private readonly table: FarmMemberTable,
    private readonly closeTable: () => Promise<void>,
    private readonly log: ErrorLog,
    private readonly sip: () => string[],
    private readonly intervalMs: number,
  ) {
    this.digest = farmConfigDigest(config);
  }

  /** The membership of a farm member on MySQL (undefined when this sipd is not one); start() begins the heartbeat. */
  static open(config: Config, log: ErrorLog, sip: () => string[], intervalMs = HEARTBEAT_MS): FarmMembership | undefined {
    const t = openFarmMemberTable(config, (level, m) => (level === 'debug' ? log.isFlagOn('DBMySQL') && log.flag('DBMySQL', m) : log.log(level, m)));
    return t && new FarmMembership(config, t.table, t.close, log, sip, intervalMs);
  }

  get self(): MemberSelf {
    return { name: farmMemberName(this.config), host: os.hostname(), sip: this.sip(), pid: process.pid, version: VERSION, confDigest: this.digest, instance: this.instance };
  }

  /** Resolve the named members, write the first row and start the heartbeat. */
  async start(): Promise<void> {
    await this.resolveNamed();
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Write the new state at once (running after start, stopping at stop). */
  async setState(state: MemberState): Promise<void> {
    this.state = state;
    await this.tick();
  }

  /** A graceful restart: new farm-wide digest and member names. */
  async reconfigure(config: Config): Promise<void> {
    this.config = config;
    this.digest = farmConfigDigest(config);
    await this.resolveNamed();
    await this.tick();
  }

  /** The other member whose SIP address host:port is (from the table or the directives' names), if any. In memory. */
  memberAt(host: string, port: number): string | undefined {
    const h = normalizeHost(host);
    return this.byAddress.get(`${h}|${port}`) ?? this.byHost.get(h);
  }

  status(): MemberStatus & { members: MemberListing | undefined } {
    return { name: farmMemberName(this.config), state: this.state, database: this.dbError ? 'unreachable' : 'ok', clockSkewMs: Math.round(this.skewMs), warnings: [...this.warned.values()], members: this.listing };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.setState('stopping').catch(() => undefined);
    await this.closeTable().catch(() => undefined);
  }

  private async resolveNamed(): Promise<void> {
    const names = namedFarmMembers(this.config);
    this.named = await Promise.all(
      names.map(async (name): Promise<NamedMember> => {
        const addresses = new Set<string>();
        if (isIP(name)) addresses.add(normalizeHost(name));
        else {
          // A name that does not resolve is still matched by the name its member writes.
          // Bounded: a resolver that does not answer must not hold up sipd's start.
          const found = await Promise.race([lookup(name, { all: true }).catch(() => []), new Promise<[]>((r) => setTimeout(() => r([]), LOOKUP_TIMEOUT_MS).unref())]);
          for (const a of found) addresses.add(normalizeHost(a.address));
        }
        return { name, addresses };
      }),
    );
    this.rebuildAddresses();
  }

  /** The in-memory maps memberAt() reads: the other rows' addresses, and the named members' addresses (any port). */
  private rebuildAddresses(): void {
    const me = farmMemberName(this.config);
    const byAddress = new Map<string, string>();
    for (const r of this.listing?.rows ?? []) {
      if (r.name === me) continue;
      for (const e of r.sip) {
        const hp = splitSip(e);
        if (hp) byAddress.set(`${hp[0]}|${hp[1]}`, r.name);
      }
    }
    const byHost = new Map<string, string>();
    for (const n of this.named) {
      byHost.set(normalizeHost(n.name), n.name);
      for (const a of n.addresses) byHost.set(a, n.name);
    }
    this.byAddress = byAddress;
    this.byHost = byHost;
  }

  /** One heartbeat at a time: write the row, read everyone's, check, report. */
  private tick(): Promise<void> {
    this.beating = this.beating.then(() => this.beat());
    return this.beating;
  }

  private async beat(): Promise<void> {
    const me = this.self;
    try {
      await this.table.beat(me, this.state, this.skewMs);
      const t0 = Date.now();
      const listing = await this.table.list();
      const t1 = Date.now();
      this.skewMs = (t0 + t1) / 2 - listing.dbNowMs;
      this.listing = listing;
      if (this.dbError) this.log.notice(`farm membership: the farm_member table is reachable again`);
      this.dbError = undefined;
    } catch (e) {
      const m = (e as Error).message;
      if (this.dbError !== m) this.log.error(`farm membership: cannot write or read this member's row in the farm_member table (${m}); the other members will see this one as not answering`);
      this.dbError = m;
      return;
    }
    this.rebuildAddresses();
    const found = farmWarnings({ me, named: this.named, listing: this.listing, skewMs: this.skewMs, graceOver: Date.now() - this.startedAt > this.intervalMs * MISSED_BEATS, intervalMs: this.intervalMs });
    for (const [k, text] of found) if (!this.warned.has(k)) this.log.warn(`farm: ${text}`);
    for (const [k, text] of this.warned) if (!found.has(k)) this.log.notice(`farm: no longer the case: ${text}`);
    this.warned = found;
  }
}

/** One member as the tools show it: named in sipd.conf, seen in the table, or both. */
export interface FarmViewEntry {
  /** The name the directives give it, else its row's name. */
  readonly name: string;
  /** Named in this sipd.conf's farm directives (false: only its row says it is in the farm). */
  readonly named: boolean;
  /** This host's own member. */
  readonly self: boolean;
  readonly row?: MemberRow;
  /** starting, running, stopping, stopped, not answering, or never seen. */
  readonly state: string;
  /** How long ago its last heartbeat was, by the database's clock. */
  readonly heartbeatAgoMs?: number;
}

/**
 * The farm as sysadmin_sps_regroute -f and the GUI show it: this member first, then each
 * member the directives name (with its row when one matches), then rows no directive
 * names. Names are matched without DNS (name, host name or a literal address).
 */
export function farmView(config: Config, listing: MemberListing): FarmViewEntry[] {
  const me = farmMemberName(config);
  const used = new Set<MemberRow>();
  const entry = (name: string, named: boolean, self: boolean, row: MemberRow | undefined): FarmViewEntry => {
    if (row) used.add(row);
    return row
      ? { name, named, self, row, state: shownState(row, listing.dbNowMs), heartbeatAgoMs: Math.max(0, listing.dbNowMs - row.heartbeatMs) }
      : { name, named, self, state: 'never seen' };
  };
  const out = [entry(me, true, true, listing.rows.find((r) => r.name === me))];
  for (const name of namedFarmMembers(config)) {
    const n: NamedMember = { name, addresses: new Set(isIP(name) ? [normalizeHost(name)] : []) };
    out.push(entry(name, true, false, listing.rows.find((r) => r.name !== me && !used.has(r) && rowMatches(n, r))));
  }
  for (const r of listing.rows) if (!used.has(r)) out.push(entry(r.name, false, false, r));
  return out;
}
