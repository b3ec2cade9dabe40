// A real authoritative DNS server for tests: UDP and TCP on 127.0.0.1 and a free port,
// serving zones given as data. It answers A, AAAA, SRV, NAPTR, SOA and CNAME records
// with the TTLs given; a name with no record of the type asked is NODATA and a name
// that does not exist NXDOMAIN, both with the zone's SOA in the authority section
// (RFC 2308). It counts the questions it gets per name and type, so that tests can see
// what a cache saved.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { freePort } from './ports.js';

export type ZoneRecord =
  | { readonly name: string; readonly type: 'A' | 'AAAA' | 'CNAME'; readonly ttl?: number; readonly data: string }
  | { readonly name: string; readonly type: 'SRV'; readonly ttl?: number; readonly data: { priority: number; weight: number; port: number; target: string } }
  | {
      readonly name: string;
      readonly type: 'NAPTR';
      readonly ttl?: number;
      readonly data: { order: number; preference: number; flags: string; services: string; regexp: string; replacement: string };
    };

export interface Zone {
  /** The zone's apex, e.g. "cisco.com". */
  readonly origin: string;
  /** TTL of the SOA record and its MINIMUM field (the negative-caching time, RFC 2308). */
  readonly soa: { readonly ttl: number; readonly minimum: number };
  /** Owner names are absolute ("farm1.cisco.com") or "@" for the apex. */
  readonly records: readonly ZoneRecord[];
  /** TTL for records that give none (default 300). */
  readonly defaultTtl?: number;
}

export interface DnsServerOptions {
  /** Answer every UDP question with an empty truncated reply, so clients must retry over TCP. */
  readonly truncateUdp?: boolean;
}

function canon(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

export class TestDnsServer {
  readonly host = '127.0.0.1';
  private readonly counts = new Map<string, number>();
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** While true the server reads questions and never answers (a dead server). */
  silent = false;
  truncateUdp: boolean;

  private constructor(
    private zones: readonly Zone[],
    readonly port: number,
    o: DnsServerOptions,
  ) {
    this.truncateUdp = o.truncateUdp ?? false;
  }

  static async start(zones: readonly Zone[], o: DnsServerOptions = {}): Promise<TestDnsServer> {
    const port = await freePort();
    const s = new TestDnsServer(zones, port, o);
    await s.listen();
    return s;
  }

  /** "127.0.0.1:PORT", as DnsServer takes it. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Replace the zones (a zone change between two questions). */
  setZones(zones: readonly Zone[]): void {
    this.zones = zones;
  }

  /** Questions received for a name and type (over UDP and TCP together). */
  queries(name: string, type: string): number {
    return this.counts.get(`${type} ${canon(name)}`) ?? 0;
  }

  get totalQueries(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  resetCounts(): void {
    this.counts.clear();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
    this.udp = undefined;
    this.tcp = undefined;
  }

  private async listen(): Promise<void> {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (buf, rinfo) => {
      const out = this.handle(buf, true);
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.port, this.host, () => resolve());
    });
    this.udp = udp;
    const tcp = net.createServer((sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
      sock.on('error', () => sock.destroy());
      let got = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        while (got.length >= 2 && got.length >= got.readUInt16BE(0) + 2) {
          const len = got.readUInt16BE(0);
          const msg = got.subarray(2, len + 2);
          got = got.subarray(len + 2);
          const out = this.handle(msg, false);
          if (!out) continue;
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(out.length);
          sock.write(Buffer.concat([prefix, out]));
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.port, this.host, () => resolve());
    });
    this.tcp = tcp;
  }

  /** The encoded answer to one question; undefined to stay silent. */
  private handle(buf: Buffer, overUdp: boolean): Buffer | undefined {
    let q: dnsPacket.DecodedPacket;
    try {
      q = dnsPacket.decode(buf);
    } catch {
      return undefined;
    }
    const question = q.questions?.[0];
    if (q.type !== 'query' || !question) return undefined;
    const key = `${question.type} ${canon(question.name)}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.silent) return undefined;
    const base = { type: 'response' as const, id: q.id, questions: q.questions };
    if (overUdp && this.truncateUdp) return dnsPacket.encode({ ...base, flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.TRUNCATED_RESPONSE, answers: [] });
    const r = this.answer(canon(question.name), question.type);
    return dnsPacket.encode({ ...base, flags: dnsPacket.AUTHORITATIVE_ANSWER | r.rcode, answers: r.answers, authorities: r.authorities });
  }

  private answer(name: string, type: string): { rcode: number; answers: dnsPacket.Answer[]; authorities: dnsPacket.Answer[] } {
    const answers: dnsPacket.Answer[] = [];
    let current = name;
    for (let hop = 0; hop < 8; hop++) {
      const zone = this.zoneFor(current);
      // Outside our zones: REFUSED for the question itself, the chain so far for a CNAME target.
      if (!zone) return { rcode: answers.length ? 0 : 5, answers, authorities: [] };
      const origin = canon(zone.origin);
      const ttlOf = (r: ZoneRecord) => r.ttl ?? zone.defaultTtl ?? 300;
      const soa: dnsPacket.Answer = {
        type: 'SOA',
        name: origin,
        ttl: zone.soa.ttl,
        data: { mname: `ns.${origin}`, rname: `hostmaster.${origin}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: zone.soa.minimum },
      };
      if (type === 'SOA' && current === origin) return { rcode: 0, answers: [...answers, soa], authorities: [] };
      const owner = (r: ZoneRecord) => (r.name === '@' ? origin : canon(r.name));
      const here = zone.records.filter((r) => owner(r) === current);
      const wanted = here.filter((r) => r.type === type);
      const cname = here.find((r) => r.type === 'CNAME');
      if (wanted.length || !cname || type === 'CNAME') {
        answers.push(...wanted.map((r) => ({ type: r.type, name: current, ttl: ttlOf(r), data: r.data }) as dnsPacket.Answer));
        if (answers.length) return { rcode: 0, answers, authorities: [] };
        // Exists (records of other types, or a parent of other names): NODATA; otherwise NXDOMAIN.
        const exists = current === origin || zone.records.some((r) => owner(r) === current || owner(r).endsWith(`.${current}`));
        return { rcode: exists ? 0 : 3, answers: [], authorities: [soa] };
      }
      answers.push({ type: 'CNAME', name: current, ttl: ttlOf(cname), data: cname.data as string });
      current = canon(cname.data as string);
    }
    return { rcode: 0, answers, authorities: [] };
  }

  private zoneFor(name: string): Zone | undefined {
    let best: Zone | undefined;
    for (const z of this.zones) {
      const o = canon(z.origin);
      if ((name === o || name.endsWith(`.${o}`)) && (!best || o.length > canon(best.origin).length)) best = z;
    }
    return best;
  }
}
