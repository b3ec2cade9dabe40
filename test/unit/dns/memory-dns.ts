// An in-memory DnsQuerier for unit tests of the resolver's logic: records by name and
// type, NXDOMAIN for unknown names and NODATA for known ones (with an SOA minimum), and
// a log of the questions in the order they were asked.
import type { DnsQuerier, DnsRecord, DnsReply, QueryType, RecordData } from '../../../src/modules/dns/client.js';

export class MemoryDns implements DnsQuerier {
  readonly asked: string[] = [];
  private readonly records: DnsRecord[] = [];
  /** Names answered with this failure instead (SERVFAIL, TIMEOUT…). */
  readonly failing = new Map<string, string>();
  negativeTtl = 60;

  add<T extends QueryType>(name: string, type: T, data: RecordData[T], ttl = 300): this {
    this.records.push({ name: name.toLowerCase(), type, ttl, data } as DnsRecord);
    return this;
  }

  async query<T extends QueryType>(name: string, type: T): Promise<DnsReply<T>> {
    const n = name.replace(/\.$/, '').toLowerCase();
    this.asked.push(`${type} ${n}`);
    const fail = this.failing.get(n);
    if (fail) return { rcode: fail, answers: [], error: `${fail} (test)` };
    const answers = this.records.filter((r) => r.name === n && r.type === type) as DnsRecord<T>[];
    if (answers.length) return { rcode: 'NOERROR', answers };
    const exists = this.records.some((r) => r.name === n || r.name.endsWith(`.${n}`));
    return { rcode: exists ? 'NOERROR' : 'NXDOMAIN', answers: [], soaMinimum: this.negativeTtl };
  }

  /** Questions of one type, in order. */
  askedOf(type: QueryType): string[] {
    return this.asked.filter((a) => a.startsWith(`${type} `)).map((a) => a.slice(type.length + 1));
  }
}
