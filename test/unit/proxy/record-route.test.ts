// Record-Route across transports (RFC 3261 §16.6 step 4, RFC 5658 double record-routing)
// and the removal of our own Route entries from in-dialog requests (§16.4), without a
// network: the values sipd writes, what it takes off, and where a sips dialog may go.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../../src/server/config.js';
import type { Config } from '../../../src/config/loader.js';
import { secureDestinations } from '../../../src/proxy/fork.js';
import { forwardCopy, isSipsRequest, ownRoutesRemoved, preprocessRoute, recordRouteValues } from '../../../src/proxy/forward.js';
import { proxyIdentity } from '../../../src/proxy/identity.js';
import type { BoundSocket } from '../../../src/proxy/identity.js';
import type { RequestContext } from '../../../src/proxy/stages.js';
import { parseMessage } from '../../../src/sip/message.js';
import type { SipRequest } from '../../../src/sip/message.js';
import type { SipUri } from '../../../src/sip/uri.js';
import { parseUri, serializeUri } from '../../../src/sip/uri.js';
import type { Destination, Inbound, TransportName } from '../../../src/transport/types.js';

const US = '192.0.2.9';
const BOUND: BoundSocket[] = [
  { transport: 'UDP', address: US, port: 5060 },
  { transport: 'TCP', address: US, port: 5060 },
  { transport: 'TLS', address: US, port: 5061 },
];

function configOf(lines: string[]): Config {
  const r = parseConfig(['ServerType Proxy', ...lines, ''].join('\n'), '/x/conf/sipd.conf');
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
  return r.config;
}

function request(method: string, uri: string, extra: string[] = []): SipRequest {
  const text = [
    `${method} ${uri} SIP/2.0`,
    'Via: SIP/2.0/TLS 10.0.0.1:40000;branch=z9hG4bKa',
    'From: <sip:alice@a.example>;tag=f1',
    ...(extra.some((l) => l.startsWith('To:')) ? [] : ['To: <sip:bob@b.example>']),
    'Call-ID: rr@10.0.0.1',
    `CSeq: 1 ${method}`,
    'Max-Forwards: 70',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.message as SipRequest;
}

const isUs = (u: SipUri) => u.host === US;
const RR_ON = configOf(['AddRecordRoute On']);
const identity = proxyIdentity(RR_ON, BOUND);
const rr = (req: SipRequest, inbound: TransportName, outbound: TransportName, config = RR_ON) => recordRouteValues(req, config, proxyIdentity(config, BOUND), inbound, outbound);

describe('Record-Route values (RFC 3261 §16.6 step 4, RFC 5658)', () => {
  test('same transport in and out: one entry, as before (no transport parameter unless AddTransportInRecordRoute)', () => {
    const inv = request('INVITE', 'sip:bob@b.example');
    assert.deepEqual(rr(inv, 'UDP', 'UDP'), [`<sip:${US}:5060;lr>`]);
    assert.deepEqual(rr(inv, 'UDP', 'UDP', configOf(['AddRecordRoute On', 'AddTransportInRecordRoute On'])), [`<sip:${US}:5060;transport=udp;lr>`]);
  });

  test('TLS in, UDP out: two entries, the callee side (udp) on top, the caller side (tls) below', () => {
    assert.deepEqual(rr(request('INVITE', 'sip:bob@b.example'), 'TLS', 'UDP'), [`<sip:${US}:5060;transport=udp;lr>`, `<sip:${US}:5061;transport=tls;lr>`]);
  });

  test('UDP in, TLS out, and TCP in, UDP out: two entries, outbound side on top', () => {
    assert.deepEqual(rr(request('INVITE', 'sip:bob@b.example'), 'UDP', 'TLS'), [`<sip:${US}:5061;transport=tls;lr>`, `<sip:${US}:5060;transport=udp;lr>`]);
    assert.deepEqual(rr(request('INVITE', 'sip:bob@b.example'), 'TCP', 'UDP'), [`<sip:${US}:5060;transport=udp;lr>`, `<sip:${US}:5060;transport=tcp;lr>`]);
  });

  test('a sips Request-URI: the TLS sides are sips: (no deprecated transport=tls), a plain side stays sip:', () => {
    const inv = request('INVITE', 'sips:bob@b.example');
    assert.equal(isSipsRequest(inv), true);
    assert.deepEqual(rr(inv, 'TLS', 'TLS'), [`<sips:${US}:5061;lr>`]);
    assert.deepEqual(rr(inv, 'TLS', 'UDP'), [`<sip:${US}:5060;transport=udp;lr>`, `<sips:${US}:5061;lr>`]);
    assert.deepEqual(rr(inv, 'UDP', 'TLS'), [`<sips:${US}:5061;lr>`, `<sip:${US}:5060;transport=udp;lr>`]);
  });

  test('a sips top Route (sip: Request-URI) also makes the record-route sips:', () => {
    const inv = request('INVITE', 'sip:bob@b.example', ['Route: <sips:edge.b.example;lr>']);
    assert.equal(isSipsRequest(inv), true);
    assert.deepEqual(rr(inv, 'TLS', 'TLS'), [`<sips:${US}:5061;lr>`]);
    assert.equal(isSipsRequest(request('INVITE', 'sip:bob@b.example', ['Route: <sip:edge.b.example;lr>'])), false);
  });

  test('with ProxyAddressResolutionType SRV the domain alone is written, the transport still told apart', () => {
    const c = configOf(['AddRecordRoute On', 'ProxyAddressResolutionType SRV', 'ProxyDomain example.com']);
    assert.deepEqual(rr(request('INVITE', 'sip:bob@b.example'), 'TLS', 'UDP', c), ['<sip:example.com;transport=udp;lr>', '<sip:example.com;transport=tls;lr>']);
  });

  test('nothing for re-INVITEs, other methods, AddRecordRoute Off or a redirect server', () => {
    assert.deepEqual(rr(request('INVITE', 'sip:bob@b.example', ['To: <sip:bob@b.example>;tag=t9']), 'TLS', 'UDP'), []);
    assert.deepEqual(rr(request('MESSAGE', 'sip:bob@b.example'), 'TLS', 'UDP'), []);
    assert.deepEqual(rr(request('INVITE', 'sip:bob@b.example'), 'TLS', 'UDP', configOf([])), []);
    assert.deepEqual(rr(request('INVITE', 'sip:bob@b.example'), 'TLS', 'UDP', configOf(['AddRecordRoute On', 'ServerType Redirect'])), []);
  });

  test('forwardCopy puts both entries on top of the ones already there, in order', () => {
    const inv = request('INVITE', 'sip:bob@b.example', ['Record-Route: <sip:upstream.example;lr>']);
    const copy = forwardCopy(inv, { recordRoute: rr(inv, 'TLS', 'UDP') });
    assert.deepEqual(copy.headers.values('Record-Route'), [`<sip:${US}:5060;transport=udp;lr>`, `<sip:${US}:5061;transport=tls;lr>`, '<sip:upstream.example;lr>']);
  });

  test('the identity names the TLS port for the TLS side', () => {
    assert.equal(identity.recordRoute('TLS', { transportParam: true }), `<sip:${US}:5061;transport=tls;lr>`);
    assert.equal(identity.recordRoute('UDP', { sips: true }), `<sip:${US}:5060;lr>`, 'sips only applies to the TLS side');
  });
});

describe('our Route entries in in-dialog requests (§16.4, RFC 5658 §3)', () => {
  // The caller's BYE carries the reversed route set: our TLS side, then our UDP side.
  const both = [`Route: <sip:${US}:5061;transport=tls;lr>, <sip:${US}:5060;transport=udp;lr>`];

  test('both entries of a double record-route are removed; nothing else is', () => {
    const bye = request('BYE', 'sip:bob@10.0.0.2:5070', [...both, 'Route: <sip:next.example;lr>']);
    const out = preprocessRoute(bye, isUs);
    assert.deepEqual(out.headers.values('Route'), ['<sip:next.example;lr>']);
    assert.deepEqual(ownRoutesRemoved(out).map(serializeUri), [`sip:${US}:5061;transport=tls;lr`, `sip:${US}:5060;transport=udp;lr`]);
    assert.equal(out.uri, 'sip:bob@10.0.0.2:5070');
  });

  test('as separate Route header lines too, leaving no Route when they were all ours', () => {
    const bye = request('BYE', 'sip:bob@10.0.0.2:5070', [`Route: <sip:${US}:5061;transport=tls;lr>`, `Route: <sips:${US}:5061;lr>`]);
    const out = preprocessRoute(bye, isUs);
    assert.equal(out.headers.first('Route'), undefined);
    assert.equal(ownRoutesRemoved(out).length, 2);
  });

  test('a Route of ours below someone else\'s stays (it is not ours to take yet)', () => {
    const bye = request('BYE', 'sip:bob@10.0.0.2:5070', [`Route: <sip:next.example;lr>, <sip:${US}:5060;lr>`]);
    const out = preprocessRoute(bye, isUs);
    assert.deepEqual(out.headers.values('Route'), ['<sip:next.example;lr>', `<sip:${US}:5060;lr>`]);
    assert.deepEqual(ownRoutesRemoved(out), []);
  });

  test('a request without our Route is returned as it is', () => {
    const bye = request('BYE', 'sip:bob@10.0.0.2:5070');
    assert.equal(preprocessRoute(bye, isUs), bye);
    assert.deepEqual(ownRoutesRemoved(bye), []);
  });
});

describe('a sips dialog stays on TLS (§26.2.2, AllowSipTlsConversionToSip)', () => {
  const udpSource: Inbound = { transport: 'UDP', remoteAddress: '10.0.0.2', remotePort: 5070, localAddress: US, localPort: 5060 };
  const dests: Destination[] = [
    { transport: 'UDP', host: '10.0.0.1', port: 5060 },
    { transport: 'TLS', host: '10.0.0.1', port: 5061 },
  ];
  const target = () => {
    const u = parseUri('sip:alice@10.0.0.1');
    assert.ok(u.ok);
    return { uri: u.uri, requestUri: undefined };
  };
  const ctxOf = (req: SipRequest, allow: boolean): RequestContext => ({ req, source: udpSource, config: configOf([`AllowSipTlsConversionToSip ${allow ? 'On' : 'Off'}`]), trustedSource: false });
  // The callee's BYE over UDP: our UDP side on top, our sips: side toward the caller below.
  const calleeBye = () => preprocessRoute(request('BYE', 'sip:alice@10.0.0.1', [`Route: <sip:${US}:5060;transport=udp;lr>, <sips:${US}:5061;lr>`]), isUs);

  test('an in-dialog request that came over UDP but whose route set puts our sips: side toward the next hop leaves over TLS only', () => {
    assert.deepEqual(secureDestinations(ctxOf(calleeBye(), false), target(), dests).map((d) => d.transport), ['TLS']);
  });

  test('with AllowSipTlsConversionToSip On the plain destination may be used', () => {
    assert.deepEqual(secureDestinations(ctxOf(calleeBye(), true), target(), dests).map((d) => d.transport), ['UDP', 'TLS']);
  });

  test('a plain dialog over UDP is not restricted', () => {
    const bye = preprocessRoute(request('BYE', 'sip:alice@10.0.0.1', [`Route: <sip:${US}:5060;transport=udp;lr>, <sip:${US}:5061;transport=tls;lr>`]), isUs);
    assert.deepEqual(secureDestinations(ctxOf(bye, false), target(), dests).map((d) => d.transport), ['UDP', 'TLS']);
  });
});
