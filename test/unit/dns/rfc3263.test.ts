// RFC 3263 next-hop resolution with the guide's DNS directives (SrvForFqdnOnly,
// AllowNaptrLookup, TransportPrefOrder), over an in-memory DNS so that every question
// asked can be checked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Config } from '../../../src/config/loader.js';
import { TRANSPORT_PREF_ORDERS } from '../../../src/modules/dns/directives.js';
import { Rfc3263Resolver, transportPreference } from '../../../src/modules/dns/rfc3263.js';
import { ResolveError } from '../../../src/proxy/next-hop.js';
import { MemoryDns } from './memory-dns.js';
import { configOf, uriOf } from '../../helpers/values.js';

const TLS = ['SipTlsEnable On', 'SipTlsCertificateFile conf/cert.pem', 'SipTlsCertificateKeyFile conf/key.pem'];

const config = (lines: string[]): Config => configOf(lines);
const uri = uriOf;

function resolver(dns: MemoryDns, lines: string[] = [], random: () => number = () => 0) {
  const c = config(lines);
  return new Rfc3263Resolver(() => c, { client: dns, system: false, random });
}

/** The guide's Appendix D domain, addresses as 192.0.2.x. */
function appendixD(): MemoryDns {
  return new MemoryDns()
    .add('cisco.com', 'NAPTR', { order: 50, preference: 50, flags: 's', services: 'SIPS+D2T', regexp: '', replacement: '_sips._tcp.cisco.com' })
    .add('cisco.com', 'NAPTR', { order: 90, preference: 50, flags: 's', services: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.cisco.com' })
    .add('cisco.com', 'NAPTR', { order: 100, preference: 50, flags: 's', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.cisco.com' })
    .add('_sips._tcp.cisco.com', 'SRV', { priority: 10, weight: 1, port: 5061, target: 'farm1.cisco.com' })
    .add('_sips._tcp.cisco.com', 'SRV', { priority: 20, weight: 1, port: 5061, target: 'farm2.cisco.com' })
    .add('_sip._tcp.cisco.com', 'SRV', { priority: 10, weight: 1, port: 5060, target: 'farm1.cisco.com' })
    .add('_sip._tcp.cisco.com', 'SRV', { priority: 20, weight: 1, port: 5060, target: 'farm2.cisco.com' })
    .add('_sip._udp.cisco.com', 'SRV', { priority: 10, weight: 1, port: 5060, target: 'farm1.cisco.com' })
    .add('_sip._udp.cisco.com', 'SRV', { priority: 20, weight: 1, port: 5060, target: 'farm2.cisco.com' })
    .add('farm1.cisco.com', 'A', '192.0.2.126')
    .add('farm1.cisco.com', 'A', '192.0.2.127')
    .add('farm2.cisco.com', 'A', '192.0.2.128')
    .add('farm2.cisco.com', 'A', '192.0.2.129');
}

const brief = (ds: readonly { transport: string; host: string; port: number }[]) => ds.map((d) => `${d.transport} ${d.host}:${d.port}`);

describe('RFC 3263 §4: what is fixed by the URI', () => {
  test('a numeric host is used as it is, with no DNS question', async () => {
    const dns = new MemoryDns();
    const r = resolver(dns);
    assert.deepEqual(brief(await r.resolve(uri('sip:bob@192.0.2.7'), 'UDP')), ['UDP 192.0.2.7:5060']);
    assert.deepEqual(brief(await r.resolve(uri('sip:bob@[2001:db8::7]:5070;transport=tcp'), 'UDP')), ['TCP 2001:db8::7:5070']);
    assert.deepEqual(dns.asked, []);
  });

  test('a port in the URI means A/AAAA only, with the URI transport or the default', async () => {
    const dns = appendixD();
    const r = resolver(dns);
    assert.deepEqual(brief(await r.resolve(uri('sip:farm2.cisco.com:5090'), 'UDP')), ['UDP 192.0.2.128:5090', 'UDP 192.0.2.129:5090']);
    assert.deepEqual(brief(await r.resolve(uri('sip:farm2.cisco.com:5090;transport=tcp'), 'UDP')), ['TCP 192.0.2.128:5090', 'TCP 192.0.2.129:5090']);
    assert.deepEqual(dns.askedOf('NAPTR'), []);
    assert.deepEqual(dns.askedOf('SRV'), []);
  });

  test('maddr replaces the host', async () => {
    const r = resolver(new MemoryDns());
    assert.deepEqual(brief(await r.resolve(uri('sip:bob@cisco.com;maddr=192.0.2.50'), 'UDP')), ['UDP 192.0.2.50:5060']);
  });

  test('a transport parameter skips NAPTR and asks SRV for that transport only', async () => {
    const dns = appendixD();
    const ds = await resolver(dns).resolve(uri('sip:cisco.com;transport=udp'), 'TCP');
    assert.deepEqual(dns.askedOf('NAPTR'), []);
    assert.deepEqual(dns.askedOf('SRV'), ['_sip._udp.cisco.com']);
    assert.deepEqual(brief(ds), ['UDP 192.0.2.126:5060', 'UDP 192.0.2.127:5060', 'UDP 192.0.2.128:5060', 'UDP 192.0.2.129:5060']);
  });

  test('tel: URIs cannot be resolved (404); sips: without TLS is refused (416)', async () => {
    const r = resolver(new MemoryDns());
    await assert.rejects(r.resolve(uri('tel:+14085550122'), 'UDP'), (e: unknown) => e instanceof ResolveError && e.status === 404);
    await assert.rejects(r.resolve(uri('sips:bob@cisco.com'), 'UDP'), (e: unknown) => e instanceof ResolveError && e.status === 416);
  });
});

describe('NAPTR (AllowNaptrLookup)', () => {
  test('Appendix D with TLS on: SIPS+D2T (order 50) wins; farm1 before farm2 (SRV priority), each farm member in turn', async () => {
    const ds = await resolver(appendixD(), TLS).resolve(uri('sip:alice@cisco.com'), 'UDP');
    assert.deepEqual(brief(ds), ['TLS 192.0.2.126:5061', 'TLS 192.0.2.127:5061', 'TLS 192.0.2.128:5061', 'TLS 192.0.2.129:5061']);
  });

  test('Appendix D with TLS off: SIPS+D2T is skipped and SIP+D2T (order 90) chosen over SIP+D2U (100)', async () => {
    const dns = appendixD();
    const ds = await resolver(dns).resolve(uri('sip:alice@cisco.com'), 'UDP');
    assert.deepEqual(brief(ds), ['TCP 192.0.2.126:5060', 'TCP 192.0.2.127:5060', 'TCP 192.0.2.128:5060', 'TCP 192.0.2.129:5060']);
    assert.deepEqual(dns.askedOf('SRV'), ['_sip._tcp.cisco.com']);
  });

  test('sips: uses only SIPS+D2T records', async () => {
    const dns = appendixD();
    const ds = await resolver(dns, TLS).resolve(uri('sips:alice@cisco.com'), 'UDP');
    assert.ok(ds.every((d) => d.transport === 'TLS' && d.port === 5061));
    assert.deepEqual(dns.askedOf('SRV'), ['_sips._tcp.cisco.com']);
  });

  test('sips: with ;transport=tcp and a numeric host is TLS over TCP, never plain TCP (RFC 3261 §26.2.2)', async () => {
    const ds = await resolver(new MemoryDns(), TLS).resolve(uri('sips:bob@192.0.2.7;transport=tcp'), 'UDP');
    assert.deepEqual(brief(ds), ['TLS 192.0.2.7:5061']);
  });

  test('preference orders records of equal order; a record whose SRV gives nothing passes to the next', async () => {
    const dns = new MemoryDns()
      .add('example.net', 'NAPTR', { order: 10, preference: 20, flags: 'S', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.net' })
      .add('example.net', 'NAPTR', { order: 10, preference: 10, flags: 's', services: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.empty.example.net' })
      .add('example.net', 'NAPTR', { order: 5, preference: 10, flags: 's', services: 'SIP+D2X', regexp: '', replacement: '_sip._sctp.example.net' })
      .add('_sip._udp.example.net', 'SRV', { priority: 0, weight: 0, port: 5070, target: 'udp.example.net' })
      .add('udp.example.net', 'A', '192.0.2.9');
    const ds = await resolver(dns).resolve(uri('sip:example.net'), 'TCP');
    assert.deepEqual(dns.askedOf('SRV'), ['_sip._tcp.empty.example.net', '_sip._udp.example.net']);
    assert.deepEqual(brief(ds), ['UDP 192.0.2.9:5070']);
  });

  test('AllowNaptrLookup Off: no NAPTR question; SRV in TransportPrefOrder', async () => {
    const dns = appendixD();
    const ds = await resolver(dns, ['AllowNaptrLookup Off', 'TransportPrefOrder UDP_TCP']).resolve(uri('sip:alice@cisco.com'), 'TCP');
    assert.deepEqual(dns.askedOf('NAPTR'), []);
    assert.deepEqual(dns.askedOf('SRV'), ['_sip._udp.cisco.com']);
    assert.equal(ds[0].transport, 'UDP');
  });

  test('NAPTR records that name no usable transport fall back to TransportPrefOrder', async () => {
    const dns = new MemoryDns()
      .add('only-tls.example', 'NAPTR', { order: 1, preference: 1, flags: 's', services: 'SIPS+D2T', regexp: '', replacement: '_sips._tcp.only-tls.example' })
      .add('_sip._udp.only-tls.example', 'SRV', { priority: 1, weight: 1, port: 5060, target: 'h.only-tls.example' })
      .add('h.only-tls.example', 'A', '192.0.2.44');
    const ds = await resolver(dns).resolve(uri('sip:only-tls.example'), 'UDP');
    assert.deepEqual(dns.askedOf('SRV'), ['_sip._tcp.only-tls.example', '_sip._udp.only-tls.example']);
    assert.deepEqual(brief(ds), ['UDP 192.0.2.44:5060']);
  });
});

describe('TransportPrefOrder: all 15 values', () => {
  for (const order of TRANSPORT_PREF_ORDERS) {
    test(`${order}: SRV asked per transport in this order, TLS only with SipTlsEnable On`, async () => {
      const want = transportPreference(order);
      const prefix = { TLS: '_sips._tcp.', TCP: '_sip._tcp.', UDP: '_sip._udp.' } as const;
      // No SRV records at all: every transport of the order is asked, in order.
      for (const tls of [true, false]) {
        const dns = new MemoryDns().add('nosrv.example', 'A', '192.0.2.1');
        const ds = await resolver(dns, [`TransportPrefOrder ${order}`, 'AllowNaptrLookup Off', ...(tls ? TLS : [])]).resolve(uri('sip:nosrv.example'), 'UDP');
        const expected = want.filter((t) => tls || t !== 'TLS').map((t) => prefix[t] + 'nosrv.example');
        assert.deepEqual(dns.askedOf('SRV'), expected, `TLS ${tls ? 'On' : 'Off'}`);
        assert.deepEqual(brief(ds), ['UDP 192.0.2.1:5060'], 'then A with the default transport and port');
      }
      // SRV for every transport: the first usable one of the order wins.
      const all = new MemoryDns()
        .add('_sips._tcp.all.example', 'SRV', { priority: 1, weight: 1, port: 5061, target: 'h.all.example' })
        .add('_sip._tcp.all.example', 'SRV', { priority: 1, weight: 1, port: 5062, target: 'h.all.example' })
        .add('_sip._udp.all.example', 'SRV', { priority: 1, weight: 1, port: 5063, target: 'h.all.example' })
        .add('h.all.example', 'A', '192.0.2.2');
      const withTls = await resolver(all, [`TransportPrefOrder ${order}`, ...TLS]).resolve(uri('sip:all.example'), 'UDP');
      assert.equal(withTls[0].transport, want[0]);
      const noTls = await resolver(all, [`TransportPrefOrder ${order}`]).resolve(uri('sip:all.example'), 'UDP');
      const firstPlain = want.find((t) => t !== 'TLS');
      if (firstPlain) assert.equal(noTls[0].transport, firstPlain);
      else assert.deepEqual(brief(noTls), [], 'TLS alone with TLS off: no SRV asked, and the name has no A record');
    });
  }
});

describe('SrvForFqdnOnly', () => {
  test('On: a host without a dot gets no NAPTR or SRV question, only A/AAAA', async () => {
    const dns = new MemoryDns().add('gateway', 'A', '192.0.2.77').add('_sip._udp.gateway', 'SRV', { priority: 1, weight: 1, port: 5999, target: 'gateway' });
    const ds = await resolver(dns, ['SrvForFqdnOnly On']).resolve(uri('sip:gateway'), 'UDP');
    assert.deepEqual(dns.asked, ['A gateway', 'AAAA gateway']);
    assert.deepEqual(brief(ds), ['UDP 192.0.2.77:5060']);
  });
  test('Off (the default): the same host is looked up by SRV', async () => {
    const dns = new MemoryDns().add('gateway', 'A', '192.0.2.77').add('_sip._udp.gateway', 'SRV', { priority: 1, weight: 1, port: 5999, target: 'gateway' });
    const ds = await resolver(dns).resolve(uri('sip:gateway'), 'UDP');
    assert.deepEqual(brief(ds), ['UDP 192.0.2.77:5999']);
  });
  test('On: a fully qualified name still gets SRV', async () => {
    const dns = appendixD();
    const ds = await resolver(dns, ['SrvForFqdnOnly On', 'AllowNaptrLookup Off', 'TransportPrefOrder UDP']).resolve(uri('sip:cisco.com'), 'UDP');
    assert.equal(ds.length, 4);
    assert.deepEqual(dns.askedOf('SRV'), ['_sip._udp.cisco.com']);
  });
});

describe('SRV weights and the fallbacks', () => {
  test('within a priority the weighted draw decides, with the injected random numbers', async () => {
    const dns = new MemoryDns()
      .add('_sip._udp.w.example', 'SRV', { priority: 10, weight: 1, port: 5060, target: 'light.w.example' })
      .add('_sip._udp.w.example', 'SRV', { priority: 10, weight: 99, port: 5060, target: 'heavy.w.example' })
      .add('_sip._udp.w.example', 'SRV', { priority: 5, weight: 0, port: 5060, target: 'first.w.example' })
      .add('light.w.example', 'A', '192.0.2.1')
      .add('heavy.w.example', 'A', '192.0.2.99')
      .add('first.w.example', 'A', '192.0.2.5');
    const opts = ['AllowNaptrLookup Off', 'TransportPrefOrder UDP'];
    // random 0 picks the first running sum (light, weight 1); 0.5 lands in heavy's share.
    assert.deepEqual((await resolver(dns, opts, () => 0).resolve(uri('sip:w.example'), 'UDP')).map((d) => d.host), ['192.0.2.5', '192.0.2.1', '192.0.2.99']);
    assert.deepEqual((await resolver(dns, opts, () => 0.5).resolve(uri('sip:w.example'), 'UDP')).map((d) => d.host), ['192.0.2.5', '192.0.2.99', '192.0.2.1']);
  });

  test('no NAPTR and no SRV: A and AAAA with the default port', async () => {
    const dns = new MemoryDns().add('plain.example', 'A', '192.0.2.3').add('plain.example', 'AAAA', '2001:db8::3');
    assert.deepEqual(brief(await resolver(dns).resolve(uri('sip:plain.example'), 'TCP')), ['TCP 192.0.2.3:5060', 'TCP 2001:db8::3:5060']);
  });

  test('nothing in DNS: the system resolver is asked last', async () => {
    const c = config([]);
    const asked: string[] = [];
    const r = new Rfc3263Resolver(() => c, {
      client: new MemoryDns(),
      system: async (h) => {
        asked.push(h);
        return ['127.0.0.1'];
      },
    });
    assert.deepEqual(brief(await r.resolve(uri('sip:localhost'), 'UDP')), ['UDP 127.0.0.1:5060']);
    assert.deepEqual(asked, ['localhost']);
  });

  test('a failing name server and nothing else: ResolveError 503 naming the failure', async () => {
    const dns = new MemoryDns();
    dns.failing.set('down.example', 'SERVFAIL');
    await assert.rejects(resolver(dns).resolve(uri('sip:down.example'), 'UDP'), (e: unknown) => e instanceof ResolveError && e.status === 503 && /SERVFAIL/.test(e.message));
  });

  test('a name that does not exist: an empty list (the core answers 404)', async () => {
    assert.deepEqual(await resolver(new MemoryDns()).resolve(uri('sip:nowhere.example'), 'UDP'), []);
  });

  test('the config getter is read per call (a graceful restart applies to the next request)', async () => {
    let c = config(['AllowNaptrLookup Off', 'TransportPrefOrder UDP']);
    const dns = appendixD();
    const r = new Rfc3263Resolver(() => c, { client: dns, system: false, random: () => 0 });
    assert.equal((await r.resolve(uri('sip:cisco.com'), 'UDP'))[0].transport, 'UDP');
    c = config(['AllowNaptrLookup Off', 'TransportPrefOrder TCP']);
    assert.equal((await r.resolve(uri('sip:cisco.com'), 'UDP'))[0].transport, 'TCP');
  });
});
