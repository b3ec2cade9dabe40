// The stub resolver against a real DNS server on 127.0.0.1: TTLs, negative answers with
// the SOA minimum, CNAMEs, truncation and TCP, and what happens when nobody answers or
// the answer is garbage.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { DnsClient, negativeKind, readResolvConf } from '../../../src/modules/dns/client.js';
import { TestDnsServer } from '../../helpers/dns-server.js';
import type { Zone } from '../../helpers/dns-server.js';
import { freePort } from '../../helpers/ports.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ZONE: Zone = {
  origin: 'example.test',
  soa: { ttl: 900, minimum: 42 },
  records: [
    { name: 'host.example.test', type: 'A', ttl: 120, data: '192.0.2.10' },
    { name: 'host.example.test', type: 'AAAA', ttl: 60, data: '2001:db8::10' },
    { name: 'alias.example.test', type: 'CNAME', ttl: 30, data: 'host.example.test' },
    { name: '_sip._udp.example.test', type: 'SRV', ttl: 200, data: { priority: 1, weight: 5, port: 5070, target: 'host.example.test' } },
    { name: 'example.test', type: 'NAPTR', ttl: 250, data: { order: 10, preference: 20, flags: 's', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.test' } },
  ],
};

describe('DnsClient over UDP and TCP', () => {
  let server: TestDnsServer;
  let client: DnsClient;
  before(async () => {
    server = await TestDnsServer.start([ZONE]);
    client = new DnsClient({ servers: [{ host: server.host, port: server.port }], timeoutMs: 1000, attempts: 1 });
  });
  after(() => server.stop());

  test('A, AAAA, SRV and NAPTR come back with their TTLs', async () => {
    const a = await client.query('host.example.test', 'A');
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(a.answers, [{ name: 'host.example.test', type: 'A', ttl: 120, data: '192.0.2.10' }]);
    assert.equal((await client.query('host.example.test', 'AAAA')).answers[0].data, '2001:db8::10');
    const srv = await client.query('_sip._udp.example.test', 'SRV');
    assert.deepEqual(srv.answers[0], { name: '_sip._udp.example.test', type: 'SRV', ttl: 200, data: { priority: 1, weight: 5, port: 5070, target: 'host.example.test' } });
    const naptr = await client.query('EXAMPLE.test.', 'NAPTR');
    assert.equal(naptr.answers[0].ttl, 250);
    assert.deepEqual(naptr.answers[0].data, { order: 10, preference: 20, flags: 's', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.test' });
  });

  test('NXDOMAIN and NODATA carry min(SOA TTL, SOA MINIMUM) for negative caching', async () => {
    const nx = await client.query('missing.example.test', 'A');
    assert.equal(nx.rcode, 'NXDOMAIN');
    assert.equal(negativeKind(nx), 'NXDOMAIN');
    assert.equal(nx.soaMinimum, 42);
    const nodata = await client.query('host.example.test', 'SRV');
    assert.equal(negativeKind(nodata), 'NODATA');
    assert.equal(nodata.soaMinimum, 42);
  });

  test('a CNAME is followed; the answer keeps the smaller TTL of the chain', async () => {
    const r = await client.query('alias.example.test', 'A');
    assert.deepEqual(r.answers.map((x) => [x.name, x.data, x.ttl]), [['host.example.test', '192.0.2.10', 30]]);
  });

  test('a truncated UDP answer is asked again over TCP', async () => {
    server.truncateUdp = true;
    server.resetCounts();
    try {
      const r = await client.query('host.example.test', 'A');
      assert.equal(r.answers[0]?.data, '192.0.2.10');
      assert.equal(server.queries('host.example.test', 'A'), 2, 'once over UDP, once over TCP');
    } finally {
      server.truncateUdp = false;
    }
  });

  test('a zone it is not authoritative for is REFUSED: a failure, not an exception', async () => {
    const r = await client.query('elsewhere.invalid', 'A');
    assert.equal(r.rcode, 'REFUSED');
    assert.deepEqual(r.answers, []);
  });

  test('invalid names are not sent', async () => {
    const before = server.totalQueries;
    assert.equal((await client.query('a..b', 'A')).rcode, 'ERROR');
    assert.equal((await client.query('x'.repeat(64) + '.example.test', 'A')).rcode, 'ERROR');
    assert.equal(server.totalQueries, before);
  });
});

describe('DnsClient when the server misbehaves', () => {
  test('nobody listening: TIMEOUT after attempts × servers × timeout, no exception', { timeout: 20_000 }, async () => {
    const port = await freePort();
    const client = new DnsClient({ servers: [{ host: '127.0.0.1', port }], timeoutMs: 200, attempts: 2 });
    const r = await client.query('host.example.test', 'A');
    assert.equal(r.rcode, 'TIMEOUT');
    assert.match(r.error ?? '', new RegExp(`127\\.0\\.0\\.1:${port}`));
  });

  test('garbage, a wrong id and a wrong question are ignored; the first server fails over to the second', async () => {
    const port = await freePort();
    const evil = dgram.createSocket('udp4');
    evil.on('message', (buf, rinfo) => {
      const q = dnsPacket.decode(buf);
      evil.send(Buffer.from('not a dns packet'), rinfo.port, rinfo.address);
      evil.send(dnsPacket.encode({ type: 'response', id: ((q.id ?? 0) + 1) % 65536, questions: q.questions, answers: [{ type: 'A', name: 'host.example.test', data: '203.0.113.66' }] }), rinfo.port, rinfo.address);
      evil.send(dnsPacket.encode({ type: 'response', id: q.id, questions: [{ type: 'A', name: 'other.example.test' }], answers: [{ type: 'A', name: 'other.example.test', data: '203.0.113.67' }] }), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => evil.bind(port, '127.0.0.1', () => r()));
    const good = await TestDnsServer.start([ZONE]);
    try {
      const client = new DnsClient({ servers: [{ host: '127.0.0.1', port }, { host: good.host, port: good.port }], timeoutMs: 300, attempts: 1 });
      const r = await client.query('host.example.test', 'A');
      assert.deepEqual(r.answers.map((a) => a.data), ['192.0.2.10']);
    } finally {
      evil.close();
      await good.stop();
    }
  });
});

test('resolv.conf: nameserver lines, at most three, 127.0.0.1 when none', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'resolv-'));
  try {
    const f = path.join(dir, 'resolv.conf');
    writeFileSync(f, '# comment\nsearch example.test\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nnameserver bogus\nnameserver 192.0.2.54\nnameserver 192.0.2.55\n');
    assert.deepEqual(readResolvConf(f), [
      { host: '192.0.2.53', port: 53 },
      { host: 'fe80::1', port: 53 },
      { host: '192.0.2.54', port: 53 },
    ]);
    writeFileSync(f, 'options ndots:2\n');
    assert.deepEqual(readResolvConf(f), [{ host: '127.0.0.1', port: 53 }]);
    assert.deepEqual(readResolvConf(path.join(dir, 'missing')), [{ host: '127.0.0.1', port: 53 }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
