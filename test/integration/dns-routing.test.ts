// Calls that sipd routes by DNS (guide ch.1 "DNS Support", Appendix D; RFC 3263) and by
// ENUM (RFC 6116), against a real DNS server on 127.0.0.1 and real SIP peers (sipp).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, freePort } from '../helpers/index.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { TestDnsServer } from '../helpers/dns-server.js';
import type { Zone } from '../helpers/dns-server.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult } from '../helpers/sip-peers.js';

const S = (name: string) => path.join(FIXTURES, 'sipp', `${name}.xml`);

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

type Proxy = TestProxy;

// T1 100 ms: a dead next hop is given up after Timer B = 6.4 s.
function startSipd(dns: TestDnsServer, extra: string[]): Promise<Proxy> {
  return startTestSipd(['Cisco_Registry On', 'SipT1InMs 100', 'SipT3InMs 4000', `DnsServer ${dns.address}`, ...extra]);
}

const stopSipd = stopTestSipd;

/** A zone for voice.test whose records the test fills in. */
function zone(records: Zone['records']): Zone {
  return { origin: 'voice.test', soa: { ttl: 60, minimum: 30 }, defaultTtl: 30, records };
}

describe('routing by DNS and ENUM', () => {
  let dns: TestDnsServer;
  let p: Proxy;
  before(async () => {
    dns = await TestDnsServer.start([]);
    p = await startSipd(dns, ['Cisco_Enum On', 'AllowNaptrLookup On', 'TransportPrefOrder UDP_TCP']);
  });
  after(async () => {
    await stopSipd(p);
    await dns.stop();
  });

  test('SRV with two priorities: the first target never answers, the call completes at the second', async () => {
    const dead = await freePort();
    const bob = await startUas({ scenario: S('uas-answer'), transport: 'udp', timeoutS: 40 });
    try {
      dns.setZones([
        zone([
          { name: '_sip._udp.srv.voice.test', type: 'SRV', data: { priority: 10, weight: 1, port: dead, target: 'primary.voice.test' } },
          { name: '_sip._udp.srv.voice.test', type: 'SRV', data: { priority: 20, weight: 1, port: bob.port, target: 'backup.voice.test' } },
          { name: 'primary.voice.test', type: 'A', data: '127.0.0.1' },
          { name: 'backup.voice.test', type: 'A', data: '127.0.0.1' },
        ]),
      ]);
      const r = await runUac({ scenario: S('uac-call'), target: { port: p.port }, transport: 'udp', timeoutS: 40, keys: { ruri: 'sip:bob@srv.voice.test', rr: 'any' } });
      ok(r, 'call through the backup');
      ok(await bob.done, 'callee at priority 20');
      assert.ok(dns.queries('_sip._udp.srv.voice.test', 'SRV') >= 1, 'sipd asked for the SRV records');
    } finally {
      await bob.stop();
    }
  });

  test('NAPTR prefers TCP: the INVITE goes to the TCP service although UDP is offered too', async () => {
    const udpDead = await freePort();
    const tcpPeer = await startUas({ scenario: S('uas-busy'), transport: 'tcp', timeoutS: 30 });
    try {
      dns.setZones([
        zone([
          { name: 'naptr.voice.test', type: 'NAPTR', data: { order: 10, preference: 10, flags: 's', services: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.naptr.voice.test' } },
          { name: 'naptr.voice.test', type: 'NAPTR', data: { order: 20, preference: 10, flags: 's', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.naptr.voice.test' } },
          { name: '_sip._tcp.naptr.voice.test', type: 'SRV', data: { priority: 10, weight: 1, port: tcpPeer.port, target: 'gw.voice.test' } },
          { name: '_sip._udp.naptr.voice.test', type: 'SRV', data: { priority: 10, weight: 1, port: udpDead, target: 'gw.voice.test' } },
          { name: 'gw.voice.test', type: 'A', data: '127.0.0.1' },
        ]),
      ]);
      // The UDP service is dead: only a TCP delivery gets the callee's 486 back.
      const r = await runUac({ scenario: S('uac-expect'), target: { port: p.port }, transport: 'udp', timeoutS: 30, keys: { ruri: 'sip:carol@naptr.voice.test', expect: '486' } });
      ok(r, 'caller got 486 from the TCP callee');
      ok(await tcpPeer.done, 'TCP callee');
    } finally {
      await tcpPeer.stop();
    }
  });

  test('ENUM: +14085550122 becomes the SIP URI its NAPTR record gives, and the call reaches it', async () => {
    const bob = await startUas({ scenario: S('uas-answer'), transport: 'udp', timeoutS: 30 });
    try {
      dns.setZones([
        {
          origin: 'e164.arpa',
          soa: { ttl: 60, minimum: 30 },
          records: [
            {
              name: '2.2.1.0.5.5.5.8.0.4.1.e164.arpa',
              type: 'NAPTR',
              data: { order: 100, preference: 10, flags: 'u', services: 'E2U+sip', regexp: `!^\\+1(408555[0-9]+)$!sip:\\1@127.0.0.1:${bob.port}!`, replacement: '' },
            },
          ],
        },
      ]);
      const r = await runUac({ scenario: S('uac-call'), target: { port: p.port }, transport: 'udp', timeoutS: 30, keys: { ruri: `sip:+14085550122@127.0.0.1:${p.port};user=phone`, rr: 'any' } });
      ok(r, 'call by ENUM');
      ok(await bob.done, 'callee found by ENUM');
      assert.equal(dns.queries('2.2.1.0.5.5.5.8.0.4.1.e164.arpa', 'NAPTR'), 1);
    } finally {
      await bob.stop();
    }
  });

  test('a number with no ENUM record and no route is 404', async () => {
    dns.setZones([]);
    const r = await runUac({ scenario: S('uac-expect'), target: { port: p.port }, transport: 'udp', timeoutS: 20, keys: { ruri: `sip:+14085559999@127.0.0.1:${p.port};user=phone`, expect: '404' } });
    ok(r, '404');
  });
});
