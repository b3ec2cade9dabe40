// A small DNS client (a "stub resolver" in RFC 1034's terms): one question to the
// configured name servers over UDP, again over TCP when the answer comes back truncated.
// Node's own resolver gives NAPTR and SRV records without their TTLs, and the cache needs
// them (RFC 3263 §4 caching, RFC 2308 negative caching), so the packets are built and read here with dns-packet.
//
// Nothing here throws: a timeout, an unreadable packet or a server failure comes back
// as a reply whose rcode says so, and the caller treats it as "no answer".
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Config } from '../../config/loader.js';
import type { DnsServerAddress } from './directives.js';
import { MAX_DNS_SERVERS } from './directives.js';

export interface SrvData {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** Lower case, no trailing dot; "" for the root ("service decidedly not available"). */
  readonly target: string;
}

export interface NaptrData {
  readonly order: number;
  readonly preference: number;
  readonly flags: string;
  readonly services: string;
  readonly regexp: string;
  /** Lower case, no trailing dot; "" when the record has none ("."). */
  readonly replacement: string;
}

/** The record types this resolver asks for, and what each one's data is. */
export interface RecordData {
  readonly A: string;
  readonly AAAA: string;
  readonly SRV: SrvData;
  readonly NAPTR: NaptrData;
}
export type QueryType = keyof RecordData;

export interface DnsRecord<T extends QueryType = QueryType> {
  /** The owner name, lower case without the trailing dot. */
  readonly name: string;
  readonly type: T;
  /** Seconds; the smallest TTL along a CNAME chain that led here. */
  readonly ttl: number;
  readonly data: RecordData[T];
}

/**
 * NOERROR and NXDOMAIN are answers; the rest are failures: the server's own
 * (SERVFAIL, REFUSED, FORMERR, NOTIMP…), TIMEOUT when no server answered, ERROR when
 * the question could not be asked or the answer not read.
 */
export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR' | 'NOTIMP' | 'TIMEOUT' | 'ERROR' | string;

export interface DnsReply<T extends QueryType = QueryType> {
  readonly rcode: Rcode;
  /** Records of the type asked for, CNAMEs already followed. */
  readonly answers: readonly DnsRecord<T>[];
  /**
   * For a negative answer (NXDOMAIN, or NOERROR with no records): how long it may be
   * cached, min(SOA TTL, SOA MINIMUM) per RFC 2308 §5; undefined when the server sent no SOA.
   */
  readonly soaMinimum?: number;
  /** What went wrong, for the log (failures only). */
  readonly error?: string;
}

/** What the RFC 3263 resolver and ENUM need of DNS: the client, or the cache in front of it. */
export interface DnsQuerier {
  query<T extends QueryType>(name: string, type: T): Promise<DnsReply<T>>;
}

export function isFailure(r: DnsReply): boolean {
  return r.rcode !== 'NOERROR' && r.rcode !== 'NXDOMAIN';
}

/** "NXDOMAIN" or "NODATA" (RFC 2308 §1); undefined for a positive answer or a failure. */
export function negativeKind(r: DnsReply): 'NXDOMAIN' | 'NODATA' | undefined {
  if (r.rcode === 'NXDOMAIN') return 'NXDOMAIN';
  if (r.rcode === 'NOERROR' && r.answers.length === 0) return 'NODATA';
  return undefined;
}

/** Lower case, no trailing dot: the form names are compared and cached in. */
export function canonicalName(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

// ---- where the servers come from ----

let systemServers: readonly DnsServerAddress[] | undefined;

/** The nameserver lines of a resolv.conf file; 127.0.0.1 when there is none (as glibc does). */
export function readResolvConf(file = '/etc/resolv.conf'): DnsServerAddress[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* no file: the default below */
  }
  const out: DnsServerAddress[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const host = m[1].replace(/%.*$/, ''); // a zone index (fe80::1%eth0) is not usable by dgram.send
    if (net.isIP(host) && out.length < MAX_DNS_SERVERS) out.push({ host, port: 53 });
  }
  return out.length ? out : [{ host: '127.0.0.1', port: 53 }];
}

/** DnsServer when set, else /etc/resolv.conf as read the first time it was needed. */
export function dnsServersOf(config: Config): readonly DnsServerAddress[] {
  const configured = config.values.DnsServer;
  if (configured.length) return configured;
  systemServers ??= readResolvConf();
  return systemServers;
}

// ---- the client ----

export interface DnsClientOptions {
  readonly servers: readonly DnsServerAddress[];
  /** Wait per attempt per server, in ms (default 1000). */
  readonly timeoutMs?: number;
  /** Rounds over the server list (default 2): the worst case is attempts × servers × timeoutMs. */
  readonly attempts?: number;
}

/** CNAME hops followed across queries before giving up (a loop guard). */
const MAX_CNAME_HOPS = 8;
/** Largest DNS message over TCP we accept (the 16-bit length prefix allows 64 KiB). */
const MAX_TCP_MESSAGE = 65535;

type Exchange = { kind: 'answer'; packet: dnsPacket.DecodedPacket & { rcode?: string } } | { kind: 'timeout' } | { kind: 'error'; error: string };

export class DnsClient implements DnsQuerier {
  private servers: readonly DnsServerAddress[];
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(o: DnsClientOptions) {
    this.servers = o.servers.slice(0, MAX_DNS_SERVERS);
    this.timeoutMs = Math.min(Math.max(o.timeoutMs ?? 1000, 50), 10_000);
    this.attempts = Math.min(Math.max(o.attempts ?? 2, 1), 5);
  }

  /** New servers after a graceful restart; queries in flight finish with the old ones. */
  setServers(servers: readonly DnsServerAddress[]): void {
    this.servers = servers.slice(0, MAX_DNS_SERVERS);
  }

  get serverList(): readonly DnsServerAddress[] {
    return this.servers;
  }

  async query<T extends QueryType>(name: string, type: T): Promise<DnsReply<T>> {
    let current = canonicalName(name);
    let chainTtl = Infinity;
    const seen = new Set<string>();
    for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
      if (seen.has(current)) return { rcode: 'ERROR', answers: [], error: `CNAME loop at ${current}` };
      seen.add(current);
      const r = await this.ask(current, type);
      if (r.kind !== 'answer') return { rcode: r.kind === 'timeout' ? 'TIMEOUT' : 'ERROR', answers: [], error: r.kind === 'timeout' ? `no answer from ${this.describeServers()}` : r.error };
      const p = r.packet;
      const rcode = p.rcode ?? 'NOERROR';
      if (rcode !== 'NOERROR' && rcode !== 'NXDOMAIN') return { rcode, answers: [], error: `${rcode} from the name server for ${current} ${type}` };
      const followed = followChain(p.answers ?? [], current, type);
      chainTtl = Math.min(chainTtl, followed.chainTtl);
      if (followed.records.length || rcode === 'NXDOMAIN' || followed.end === current) {
        const answers = followed.records.map((x) => ({ ...x, ttl: Math.min(x.ttl, chainTtl) }));
        const soa = soaMinimum(p.authorities ?? []);
        return { rcode, answers, ...(soa !== undefined && !answers.length ? { soaMinimum: soa } : {}) };
      }
      // A CNAME whose target's records were not in the answer: ask for the target.
      current = followed.end;
    }
    return { rcode: 'ERROR', answers: [], error: `more than ${MAX_CNAME_HOPS} CNAMEs from ${name}` };
  }

  private describeServers(): string {
    return this.servers.map((s) => (s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)).join(', ') || 'no name server';
  }

  /** One question, each server in turn, `attempts` rounds; TCP when the UDP answer is truncated. */
  private async ask(name: string, type: QueryType): Promise<Exchange> {
    if (!validName(name)) return { kind: 'error', error: `"${name}" is not a valid DNS name` };
    if (!this.servers.length) return { kind: 'error', error: 'no name server configured' };
    let last: Exchange = { kind: 'timeout' };
    for (let round = 0; round < this.attempts; round++) {
      for (const server of this.servers) {
        const id = randomInt(0, 65536);
        let query: Buffer;
        try {
          query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
        } catch (e) {
          return { kind: 'error', error: `cannot ask for "${name}": ${(e as Error).message}` };
        }
        let r = await udpExchange(server, query, id, name, type, this.timeoutMs);
        if (r.kind === 'answer' && r.packet.flag_tc) r = await tcpExchange(server, query, id, name, type, this.timeoutMs);
        if (r.kind === 'answer') {
          const rc = r.packet.rcode ?? 'NOERROR';
          // A server that failed or refused: another one may know.
          if (rc === 'NOERROR' || rc === 'NXDOMAIN') return r;
        }
        last = r;
      }
    }
    return last;
  }
}

function validName(name: string): boolean {
  if (!name || name.length > 253) return false;
  return name.split('.').every((l) => l.length > 0 && l.length <= 63);
}

/** The reply fits the question: same id, one question, same name (any case) and type. */
function matches(p: dnsPacket.DecodedPacket, id: number, name: string, type: QueryType): boolean {
  if (p.type !== 'response' || p.id !== id) return false;
  const q = p.questions?.[0];
  return p.questions?.length === 1 && q !== undefined && canonicalName(q.name) === name && q.type === type;
}

function decode(buf: Buffer): (dnsPacket.DecodedPacket & { rcode?: string }) | undefined {
  try {
    return dnsPacket.decode(buf) as dnsPacket.DecodedPacket & { rcode?: string };
  } catch {
    return undefined;
  }
}

function udpExchange(server: DnsServerAddress, query: Buffer, id: number, name: string, type: QueryType, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (r: Exchange) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    sock.on('error', (e) => finish({ kind: 'error', error: `${server.host}:${server.port}: ${e.message}` }));
    sock.on('message', (buf, rinfo) => {
      // Anything not from the server, or not the answer to this question, is ignored (spoofing, late answers).
      if (rinfo.port !== server.port || rinfo.address.replace(/^::ffff:/, '') !== server.host) return;
      const p = decode(buf);
      if (p && matches(p, id, name, type)) finish({ kind: 'answer', packet: p });
    });
    sock.send(query, server.port, server.host, (e) => {
      if (e) finish({ kind: 'error', error: `${server.host}:${server.port}: ${e.message}` });
    });
  });
}

function tcpExchange(server: DnsServerAddress, query: Buffer, id: number, name: string, type: QueryType, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    let done = false;
    let got = Buffer.alloc(0);
    const sock = net.connect({ host: server.host, port: server.port });
    const finish = (r: Exchange) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    sock.on('error', (e) => finish({ kind: 'error', error: `${server.host}:${server.port} (TCP): ${e.message}` }));
    sock.on('close', () => finish({ kind: 'error', error: `${server.host}:${server.port} (TCP) closed the connection before answering` }));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length > MAX_TCP_MESSAGE + 2) return finish({ kind: 'error', error: 'oversized TCP answer' });
      if (got.length < 2) return;
      const need = got.readUInt16BE(0);
      if (got.length < need + 2) return;
      const p = decode(got.subarray(2, need + 2));
      finish(p && matches(p, id, name, type) ? { kind: 'answer', packet: p } : { kind: 'error', error: `unreadable TCP answer from ${server.host}:${server.port}` });
    });
  });
}

/** Records of `type` reached from `start` through the CNAMEs of the answer section. */
function followChain<T extends QueryType>(answers: readonly dnsPacket.Answer[], start: string, type: T): { records: DnsRecord<T>[]; end: string; chainTtl: number } {
  let current = start;
  let chainTtl = Infinity;
  for (let i = 0; i <= MAX_CNAME_HOPS; i++) {
    const records: DnsRecord<T>[] = [];
    for (const a of answers) {
      if (a.type !== type || canonicalName(a.name) !== current) continue;
      const data = recordData(a, type);
      if (data !== undefined) records.push({ name: current, type, ttl: a.ttl ?? 0, data });
    }
    if (records.length) return { records, end: current, chainTtl };
    const cname = answers.find((a) => a.type === 'CNAME' && canonicalName(a.name) === current) as dnsPacket.StringAnswer | undefined;
    if (!cname || typeof cname.data !== 'string') break;
    chainTtl = Math.min(chainTtl, cname.ttl ?? 0);
    current = canonicalName(cname.data);
  }
  return { records: [], end: current, chainTtl };
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** The record's data in our shape; undefined when it is not what its type promises. */
function recordData<T extends QueryType>(a: dnsPacket.Answer, type: T): RecordData[T] | undefined {
  const d = (a as { data?: unknown }).data;
  switch (type) {
    case 'A':
      return (typeof d === 'string' && net.isIPv4(d) ? d : undefined) as RecordData[T] | undefined;
    case 'AAAA':
      return (typeof d === 'string' && net.isIPv6(d) ? d : undefined) as RecordData[T] | undefined;
    case 'SRV': {
      if (!d || typeof d !== 'object') return undefined;
      const s = d as dnsPacket.SrvData;
      const srv: SrvData = { priority: num(s.priority), weight: num(s.weight), port: num(s.port), target: canonicalName(String(s.target ?? '')) };
      return srv as RecordData[T];
    }
    case 'NAPTR': {
      if (!d || typeof d !== 'object') return undefined;
      const n = d as dnsPacket.NaptrData;
      const naptr: NaptrData = {
        order: num(n.order),
        preference: num(n.preference),
        flags: String(n.flags ?? ''),
        services: String(n.services ?? ''),
        regexp: String(n.regexp ?? ''),
        replacement: canonicalName(String(n.replacement ?? '')),
      };
      return naptr as RecordData[T];
    }
  }
  return undefined;
}

/** RFC 2308 §5: a negative answer lives min(SOA TTL, SOA MINIMUM). */
function soaMinimum(authorities: readonly dnsPacket.Answer[]): number | undefined {
  const soa = authorities.find((a) => a.type === 'SOA') as dnsPacket.SoaAnswer | undefined;
  if (!soa || !soa.data) return undefined;
  return Math.min(num(soa.ttl), num(soa.data.minimum));
}
