// RFC 3263 resolution and ENUM against a real DNS server on 127.0.0.1 serving the
// guide's Appendix D zone (cisco.com, farms farm1 and farm2), built as sipd builds them:
// DnsServer from sipd.conf → DnsClient → DnsCache → Rfc3263Resolver / EnumTranslator.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../src/config/loader.js';
import { DnsCache } from '../../src/modules/dns/cache.js';
import { DnsClient, dnsServersOf } from '../../src/modules/dns/client.js';
import { Rfc3263Resolver } from '../../src/modules/dns/rfc3263.js';
import { EnumTranslator } from '../../src/modules/enum/enum.js';
import { ResolveError } from '../../src/proxy/next-hop.js';
import type { RequestContext } from '../../src/proxy/stages.js';
import { parseMessage } from '../../src/sip/message.js';
import type { SipRequest } from '../../src/sip/message.js';
import { APPENDIX_D_ZONE, E164_ZONE, PROXY } from '../fixtures/dns/appendix-d.js';
import { TestDnsServer } from '../helpers/dns-server.js';
import { freePort } from '../helpers/ports.js';
import { configOf, uriOf } from '../helpers/values.js';

const TLS = ['SipTlsEnable On', 'SipTlsCertificateFile conf/cert.pem', 'SipTlsCertificateKeyFile conf/key.pem'];

const config = (lines: string[]): Config => configOf(lines);
const uri = uriOf;

/** What sipd does at start: the servers from the config, a client, a cache in front. */
function stack(c: Config, o: { timeoutMs?: number; attempts?: number } = {}) {
  const client = new DnsClient({ servers: dnsServersOf(c), timeoutMs: o.timeoutMs ?? 1000, attempts: o.attempts ?? 2 });
  const cache = new DnsCache(client);
  const resolver = new Rfc3263Resolver(() => c, { client: cache, system: false, random: () => 0 });
  const enumT = new EnumTranslator({ client: cache });
  return { client, cache, resolver, enumT };
}

const brief = (ds: readonly { transport: string; host: string; port: number }[]) => ds.map((d) => `${d.transport} ${d.host}:${d.port}`);

function ctx(ruri: string, c: Config): RequestContext {
  const m = parseMessage(Buffer.from([`INVITE ${ruri} SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKd', 'From: <sip:a@cisco.com>;tag=1', 'To: <sip:b@cisco.com>', 'Call-ID: d1', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n')));
  assert.ok(m.ok);
  return { req: m.message as SipRequest, source: { transport: 'UDP', remoteAddress: '127.0.0.1', remotePort: 5060, localAddress: '127.0.0.1', localPort: 5060 }, config: c, trustedSource: false };
}

describe('Appendix D zone on a real DNS server', () => {
  let server: TestDnsServer;
  before(async () => {
    server = await TestDnsServer.start([APPENDIX_D_ZONE, E164_ZONE]);
  });
  after(() => server.stop());

  test('D-1 NAPTR: with TLS off, SIP+D2T (order 90) is chosen; farm1 members first, then farm2', async () => {
    const { resolver } = stack(config([`DnsServer ${server.address}`]));
    const ds = await resolver.resolve(uri('sip:alice@cisco.com'), 'UDP');
    assert.deepEqual(brief(ds), [`TCP ${PROXY.proxy1}:5060`, `TCP ${PROXY.proxy2}:5060`, `TCP ${PROXY.proxy3}:5060`, `TCP ${PROXY.proxy4}:5060`]);
  });

  test('D-1 NAPTR: with TLS on, SIPS+D2T (order 50) wins, port 5061', async () => {
    const { resolver } = stack(config([`DnsServer ${server.address}`, ...TLS]));
    const ds = await resolver.resolve(uri('sip:alice@cisco.com'), 'UDP');
    assert.deepEqual(brief(ds), [`TLS ${PROXY.proxy1}:5061`, `TLS ${PROXY.proxy2}:5061`, `TLS ${PROXY.proxy3}:5061`, `TLS ${PROXY.proxy4}:5061`]);
  });

  test('SRV with two priorities (NAPTR off, UDP): the primary farm (10) before the backup farm (20)', async () => {
    const { resolver } = stack(config([`DnsServer ${server.address}`, 'AllowNaptrLookup Off', 'TransportPrefOrder UDP_TCP']));
    const ds = await resolver.resolve(uri('sip:cisco.com'), 'TCP');
    assert.deepEqual(brief(ds), [`UDP ${PROXY.proxy1}:5060`, `UDP ${PROXY.proxy2}:5060`, `UDP ${PROXY.proxy3}:5060`, `UDP ${PROXY.proxy4}:5060`]);
  });

  test('a host name with a port: its A records only (proxy3.cisco.com:5070)', async () => {
    server.resetCounts();
    const { resolver } = stack(config([`DnsServer ${server.address}`]));
    assert.deepEqual(brief(await resolver.resolve(uri('sip:proxy3.cisco.com:5070'), 'UDP')), [`UDP ${PROXY.proxy3}:5070`]);
    assert.equal(server.queries('proxy3.cisco.com', 'NAPTR'), 0);
  });

  test('a cache hit asks the server nothing', async () => {
    const { resolver, cache } = stack(config([`DnsServer ${server.address}`]));
    server.resetCounts();
    const first = await resolver.resolve(uri('sip:bob@cisco.com'), 'UDP');
    const asked = server.totalQueries;
    assert.ok(asked >= 4, `NAPTR, SRV and the farms' A/AAAA were asked (${asked})`);
    assert.equal(server.queries('cisco.com', 'NAPTR'), 1);
    const second = await resolver.resolve(uri('sip:carol@cisco.com'), 'UDP');
    assert.deepEqual(second, first);
    assert.equal(server.totalQueries, asked, 'no question for the second request');
    assert.ok(cache.stats().hits >= asked);
  });

  test('a truncated UDP answer is fetched over TCP, and resolution still works', async () => {
    const { resolver } = stack(config([`DnsServer ${server.address}`, 'AllowNaptrLookup Off', 'TransportPrefOrder TCP']));
    server.truncateUdp = true;
    try {
      const ds = await resolver.resolve(uri('sip:cisco.com'), 'UDP');
      assert.equal(ds[0].host, PROXY.proxy1);
      assert.equal(ds[0].transport, 'TCP');
    } finally {
      server.truncateUdp = false;
    }
  });

  test('ENUM: +14085550122 → sip:4085550122@cisco.com (the mailto: record is ignored), which then resolves to the farms', async () => {
    const c = config([`DnsServer ${server.address}`, 'Cisco_Enum On']);
    const { resolver, enumT } = stack(c);
    const targets = await enumT.translate(ctx('sip:+14085550122@cisco.com;user=phone', c), uri('sip:+14085550122@cisco.com;user=phone'));
    assert.deepEqual(
      targets?.map((t) => t.requestUri),
      ['sip:4085550122@cisco.com'],
    );
    const ds = await resolver.resolve(targets![0].uri, 'UDP');
    assert.equal(ds[0].host, PROXY.proxy1);
  });

  test('ENUM private tree: 5550122 with Cisco_Enum_Domain enum.cisco.com; unknown numbers give nothing', async () => {
    const c = config([`DnsServer ${server.address}`, 'Cisco_Enum On', 'Cisco_Enum_Domain enum.cisco.com']);
    const { enumT } = stack(c);
    const t = await enumT.translate(ctx('sip:5550122@cisco.com', c), uri('sip:5550122@cisco.com'));
    assert.deepEqual(t?.map((x) => x.requestUri), ['sip:5550122@proxy2.cisco.com']);
    assert.equal(await enumT.translate(ctx('sip:5550199@cisco.com', c), uri('sip:5550199@cisco.com')), undefined);
  });
});

describe('when the name server is down', () => {
  test('resolution fails within the client timeouts with ResolveError 503', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const c = config([`DnsServer 127.0.0.1:${port}`]);
    const { resolver } = stack(c, { timeoutMs: 200, attempts: 1 });
    await assert.rejects(resolver.resolve(uri('sip:alice@cisco.com'), 'UDP'), (e: unknown) => e instanceof ResolveError && e.status === 503 && /no answer from 127\.0\.0\.1/.test(e.message));
  });

  test('a silent server: the same; the system resolver (/etc/hosts) still finds localhost', { timeout: 30_000 }, async () => {
    const server = await TestDnsServer.start([APPENDIX_D_ZONE]);
    server.silent = true;
    try {
      const c = config([`DnsServer ${server.address}`]);
      const client = new DnsClient({ servers: dnsServersOf(c), timeoutMs: 200, attempts: 1 });
      const resolver = new Rfc3263Resolver(() => c, { client: new DnsCache(client) });
      assert.ok(brief(await resolver.resolve(uri('sip:localhost:5099'), 'UDP')).includes('UDP 127.0.0.1:5099'));
      assert.ok(server.queries('localhost', 'A') >= 1, 'DNS was asked first');
    } finally {
      await server.stop();
    }
  });
});
