// The DNS cache: TTLs honoured (with an injected clock), negative answers per RFC 2308,
// failures kept briefly, one query for concurrent questions, bounded size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsCache } from '../../../src/modules/dns/cache.js';
import { MemoryDns } from './memory-dns.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (s: number) => (t += s * 1000) };
}

test('a positive answer is served from the cache until its TTL runs out, with the TTL counting down', async () => {
  const dns = new MemoryDns().add('a.example', 'A', '192.0.2.1', 30);
  const c = clock();
  const cache = new DnsCache(dns, { now: c.now });
  assert.equal((await cache.query('a.example', 'A')).answers[0].ttl, 30);
  c.advance(10);
  const again = await cache.query('A.Example.', 'A');
  assert.equal(again.answers[0].ttl, 20, 'TTL lowered by the time spent in the cache');
  assert.equal(dns.asked.length, 1, 'same name in another case and with a trailing dot is the same entry');
  c.advance(20);
  await cache.query('a.example', 'A');
  assert.equal(dns.asked.length, 2, 'asked again once the TTL is over');
  assert.deepEqual(cache.stats(), { hits: 1, misses: 2, entries: 1 });
});

test('the smallest TTL of an RRset decides; maxTtl caps it', async () => {
  const dns = new MemoryDns().add('b.example', 'A', '192.0.2.1', 100).add('b.example', 'A', '192.0.2.2', 5).add('c.example', 'A', '192.0.2.3', 999_999);
  const c = clock();
  const cache = new DnsCache(dns, { now: c.now, maxTtl: 60 });
  await cache.query('b.example', 'A');
  await cache.query('c.example', 'A');
  c.advance(6);
  await cache.query('b.example', 'A');
  assert.deepEqual(dns.askedOf('A'), ['b.example', 'c.example', 'b.example']);
  c.advance(55);
  await cache.query('c.example', 'A');
  assert.deepEqual(dns.askedOf('A'), ['b.example', 'c.example', 'b.example', 'c.example'], 'capped at 60 s');
});

test('RFC 2308: NODATA and NXDOMAIN are cached for the SOA minimum, capped by maxNegativeTtl', async () => {
  const dns = new MemoryDns().add('host.example', 'A', '192.0.2.1');
  dns.negativeTtl = 45;
  const c = clock();
  const cache = new DnsCache(dns, { now: c.now, maxNegativeTtl: 3600 });
  assert.equal((await cache.query('host.example', 'AAAA')).rcode, 'NOERROR'); // NODATA
  assert.equal((await cache.query('gone.example', 'A')).rcode, 'NXDOMAIN');
  c.advance(44);
  await cache.query('host.example', 'AAAA');
  await cache.query('gone.example', 'A');
  // NXDOMAIN covers every type of the name.
  assert.equal((await cache.query('gone.example', 'SRV')).rcode, 'NXDOMAIN');
  assert.equal(dns.asked.length, 2);
  c.advance(1);
  await cache.query('host.example', 'AAAA');
  await cache.query('gone.example', 'A');
  assert.equal(dns.asked.length, 4, 'both asked again after 45 s');

  const capped = new DnsCache(dns, { now: c.now, maxNegativeTtl: 10 });
  await capped.query('gone.example', 'A');
  c.advance(11);
  await capped.query('gone.example', 'A');
  assert.equal(dns.asked.length, 6, 'the cap wins over a longer SOA minimum');
});

test('a negative answer without an SOA is not cached', async () => {
  const dns = new MemoryDns();
  const bare = { query: async (n: string, t: string) => (dns.asked.push(`${t} ${n}`), { rcode: 'NXDOMAIN', answers: [] }) };
  const cache = new DnsCache(bare as never, { now: clock().now });
  await cache.query('x.example', 'A');
  await cache.query('x.example', 'A');
  assert.equal(dns.asked.length, 2);
});

test('failures are remembered for failureTtl seconds only', async () => {
  const dns = new MemoryDns();
  dns.failing.set('sf.example', 'SERVFAIL');
  const c = clock();
  const cache = new DnsCache(dns, { now: c.now, failureTtl: 5 });
  assert.equal((await cache.query('sf.example', 'A')).rcode, 'SERVFAIL');
  await cache.query('sf.example', 'A');
  assert.equal(dns.asked.length, 1);
  c.advance(5);
  await cache.query('sf.example', 'A');
  assert.equal(dns.asked.length, 2);
});

test('concurrent questions for one name and type share one query', async () => {
  const dns = new MemoryDns().add('c.example', 'A', '192.0.2.1');
  const cache = new DnsCache(dns, { now: clock().now });
  const replies = await Promise.all([1, 2, 3, 4, 5].map(() => cache.query('c.example', 'A')));
  assert.equal(dns.asked.length, 1);
  assert.ok(replies.every((r) => r.answers[0].data === '192.0.2.1'));
});

test('the cache is bounded: the least recently used entry is dropped first', async () => {
  const dns = new MemoryDns();
  for (const n of ['a', 'b', 'c', 'd']) dns.add(`${n}.example`, 'A', '192.0.2.1');
  const cache = new DnsCache(dns, { now: clock().now, maxEntries: 3 });
  for (const n of ['a', 'b', 'c']) await cache.query(`${n}.example`, 'A');
  await cache.query('a.example', 'A'); // a is now the most recent
  await cache.query('d.example', 'A'); // evicts b
  assert.equal(cache.stats().entries, 3);
  dns.asked.length = 0;
  await cache.query('a.example', 'A');
  await cache.query('c.example', 'A');
  await cache.query('b.example', 'A');
  assert.deepEqual(dns.asked, ['A b.example']);
});

test('an upstream that throws becomes an ERROR reply, never an exception', async () => {
  const cache = new DnsCache({ query: async () => Promise.reject(new Error('boom')) }, { failureTtl: 0 });
  const r = await cache.query('x.example', 'A');
  assert.equal(r.rcode, 'ERROR');
});
