// RFC 4475 in full, through a running sipd: every message of the RFC's Appendix A archive
// (test/fixtures/rfc4475/, byte for byte) is sent to sipd, which is the proxy and the
// registrar for example.com, and the outcome is checked against what RFC 4475 §3 asks
// of a proxy and of a registrar receiving it. Each case quotes the RFC's expectation in
// a few words. The other domains in the messages (example.org, example.net, company.com,
// chair-dnrc.example.com, registrar.example.com) are routed by a test DNS server to a
// small UDP peer that records what reaches it, so "forwarded" is seen on the wire.
//
// Where sipd sends nothing (a stray response, or a request whose top Via gives no
// sent-by to answer) the case says why, and sipd must then still answer an OPTIONS.
// Every answer is checked by test/helpers/sip-answer.ts: the fields it copies from the
// request (Via, From, To, Call-ID, CSeq) are the request's own, as they are, malformed or
// not; the rest must parse.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findHeaderEnd, parseMessage } from '../../src/sip/message.js';
import type { SipResponse } from '../../src/sip/message.js';
import { FIXTURES, sleep } from '../helpers/index.js';
import { checkAnswer } from '../helpers/sip-answer.js';
import { TestDnsServer } from '../helpers/dns-server.js';
import type { Zone } from '../helpers/dns-server.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';

const DIR = path.join(FIXTURES, 'rfc4475');
const fixture = (name: string) => readFileSync(path.join(DIR, `${name}.dat`));

/** What sipd must do with one message. */
type Outcome =
  /** The request reaches the next hop: the UDP peer, or with 'route' the peer on 127.0.0.1:5080 its Route header names. */
  | { readonly forward: true | 'route' }
  /**
   * sipd answers with this status (or one of these). `copied` names malformed or missing
   * fields of the request the answer copies as they are (or leaves out when missing);
   * sipd must then go on answering.
   */
  | { readonly status: number | readonly number[]; readonly header?: readonly [string, RegExp]; readonly copied?: readonly string[] }
  /** No answer and nothing forwarded; `why` says why none can be sent. */
  | { readonly none: string };

interface Case {
  readonly name: string;
  readonly section: string;
  /** RFC 4475's expectation, briefly and mostly in our words. */
  readonly rfc: string;
  readonly expect: Outcome;
  /** How sipd's behaviour relates to the RFC, where the RFC allows a choice or sipd departs from it. */
  readonly note?: string;
}

const CASES: readonly Case[] = [
  // ---- §3.1.1 valid messages: every element must accept them ----
  { name: 'wsinv', section: '3.1.1.1', rfc: 'A short tortuous INVITE: valid; every element must parse it (Max-Forwards 0068, CSeq 0009 included).', expect: { forward: true } },
  { name: 'intmeth', section: '3.1.1.2', rfc: 'Unknown method made of every token character: valid, handled as an unknown method.', expect: { status: 404 }, note: 'accepted; the Request-URI names a user of example.com (ours) who is not registered' },
  { name: 'esc01', section: '3.1.1.3', rfc: 'Valid use of % escaping: valid; the Request-URI is for example.net.', expect: { forward: true } },
  { name: 'escnull', section: '3.1.1.4', rfc: 'Escaped nulls in URIs: valid REGISTER; a registrar accepts it.', expect: { status: 200 } },
  { name: 'esc02', section: '3.1.1.5', rfc: 'RE%47IST%45R is not REGISTER but an unknown method: a proxy forwards it to the Request-URI.', expect: { forward: true } },
  { name: 'lwsdisp', section: '3.1.1.6', rfc: 'No LWS between display name and <: valid.', expect: { forward: true } },
  { name: 'longreq', section: '3.1.1.7', rfc: 'Long values in header fields: valid.', expect: { forward: true } },
  { name: 'dblreq', section: '3.1.1.8', rfc: 'A REGISTER with Content-Length 0 followed by an INVITE in one datagram: answer the REGISTER, ignore the extra bytes.', expect: { status: 200 } },
  { name: 'semiuri', section: '3.1.1.9', rfc: 'Semicolon-separated parameters in the URI user part: valid; the host is example.com.', expect: { status: 404 }, note: 'accepted; the user "user;par=u@example.net" of example.com is not registered' },
  { name: 'transports', section: '3.1.1.10', rfc: 'Via fields with varied transports (including unknown ones): valid.', expect: { forward: true } },
  { name: 'mpart01', section: '3.1.1.11', rfc: 'Multipart body with binary parts: valid; the body is Content-Length octets.', expect: { forward: 'route' }, note: 'its Route header is <sip:127.0.0.1:5080>' },
  { name: 'unreason', section: '3.1.1.12', rfc: 'UTF-8 reason phrase in a response: valid.', expect: { none: 'a response matching no transaction of ours, whose top Via is not ours, is discarded (RFC 3261 §18.1.2)' } },
  { name: 'noreason', section: '3.1.1.13', rfc: 'Empty reason phrase: valid.', expect: { none: 'a response matching no transaction of ours, whose top Via is not ours, is discarded (RFC 3261 §18.1.2)' } },

  // ---- §3.1.2 invalid messages ----
  { name: 'badinv01', section: '3.1.2.1', rfc: 'Extraneous ";" and "," in Via and Contact: should be answered 400.', expect: { status: 400, copied: ['Via'] }, note: 'the top Via\'s sent-by (192.0.2.15) reads; its broken parameters are copied as they are' },
  { name: 'clerr', section: '3.1.2.2', rfc: 'Content-Length larger than the datagram: over UDP, answer 400.', expect: { status: 400 } },
  { name: 'ncl', section: '3.1.2.3', rfc: 'Negative Content-Length: answer with an error (400); over UDP discard the rest of the datagram.', expect: { status: 400 } },
  { name: 'scalar02', section: '3.1.2.4', rfc: 'CSeq over 2**32-1 (and Max-Forwards, Expires out of range): should be answered 400 because of the CSeq.', expect: { status: 400, copied: ['CSeq'] } },
  { name: 'scalarlg', section: '3.1.2.5', rfc: 'A response with overlarge scalar values: the receiver discards it.', expect: { none: 'a response is never answered; this one is malformed and discarded' } },
  { name: 'quotbal', section: '3.1.2.6', rfc: 'Unterminated quoted display name in To: should be answered 400.', expect: { status: 400, copied: ['To'] }, note: 'the To tag sipd adds lands inside the open quote: the request\'s fault, copied as RFC 3261 §8.2.6.2 says' },
  { name: 'ltgtruri', section: '3.1.2.7', rfc: 'Request-URI enclosed in <>: should be answered 400.', expect: { status: 400 } },
  { name: 'lwsruri', section: '3.1.2.8', rfc: 'LWS inside the Request-URI: should be answered 400.', expect: { status: 400 } },
  { name: 'lwsstart', section: '3.1.2.9', rfc: 'Several SPs between the Request-Line elements: not valid; answered 400.', expect: { status: 400 } },
  { name: 'trws', section: '3.1.2.10', rfc: 'SPs after the SIP-Version in the Request-Line: not valid (a tolerant element may accept it).', expect: { status: 400 } },
  { name: 'escruri', section: '3.1.2.11', rfc: 'Escaped headers in a SIP Request-URI: should be answered 400.', expect: { status: 400 } },
  { name: 'baddate', section: '3.1.2.12', rfc: 'Date with a non-GMT zone: a proxy forwards the request unchanged (only a UAS might object).', expect: { forward: true } },
  { name: 'regbadct', section: '3.1.2.13', rfc: 'Contact URI with "?" not enclosed in <>: reasonable to answer 400.', expect: { status: 400 } },
  { name: 'badaspec', section: '3.1.2.14', rfc: 'Spaces within an addr-spec: reasonable to answer 400; a liberal element may ignore the spaces.', expect: { forward: true }, note: 'the liberal choice the RFC allows' },
  { name: 'baddn', section: '3.1.2.15', rfc: 'Unquoted display names with non-token characters: reasonable to always answer 400.', expect: { status: 400, copied: ['From', 'To'] } },
  { name: 'badvers', section: '3.1.2.16', rfc: 'SIP/7.0: answered 505 Version Not Supported.', expect: { status: 505 } },
  { name: 'mismatch01', section: '3.1.2.17', rfc: 'Start line and CSeq methods differ: should be answered 400.', expect: { status: 400 } },
  { name: 'mismatch02', section: '3.1.2.18', rfc: 'Unknown method and a CSeq method that differs: 501 is preferred, 400 acceptable.', expect: { status: [400, 501] } },
  { name: 'bigcode', section: '3.1.2.19', rfc: 'Response code 4294967301: must not break the receiver; the response is dropped.', expect: { none: 'a response is never answered; this one is malformed and discarded' } },

  // ---- §3.2 transaction layer ----
  { name: 'badbranch', section: '3.2.1', rfc: 'Branch is the bare magic cookie: answer 400 (statelessly) or fall back to RFC 2543 matching.', expect: { forward: true }, note: 'the fallback the RFC allows' },

  // ---- §3.3 application layer ----
  { name: 'insuf', section: '3.3.1', rfc: 'No Call-ID, From or To: must not break; ideally answered 400.', expect: { status: 400, copied: ['Call-ID', 'From', 'To'] }, note: 'the 400 carries the Via and CSeq it has, which is what the client matches it by (RFC 3261 §17.1.3)' },
  { name: 'unkscm', section: '3.3.2', rfc: 'Request-URI of an unknown scheme: answered 416 Unsupported URI Scheme.', expect: { status: 416 } },
  { name: 'novelsc', section: '3.3.3', rfc: 'soap.beep Request-URI: an element that does not support the scheme answers 416.', expect: { status: 416 } },
  { name: 'unksm2', section: '3.3.4', rfc: 'Unknown schemes in To, From and Contact: valid; a registrar answers 400 (an AOR must be a SIP or SIPS URI).', expect: { status: 400 } },
  { name: 'bext01', section: '3.3.5', rfc: 'Unknown Require and Proxy-Require options: a proxy answers 420 listing the Proxy-Require ones in Unsupported.', expect: { status: 420, header: ['Unsupported', /noProxiesSupportThis.*norDoAnyProxiesSupportThis/] } },
  { name: 'invut', section: '3.3.6', rfc: 'Unknown Content-Type: a UAS would answer 415; a proxy forwards.', expect: { forward: true } },
  { name: 'regaut01', section: '3.3.7', rfc: 'Authorization with an unknown scheme: well formed; a registrar that authenticates answers 401.', expect: { status: 200 }, note: 'this sipd does not authenticate REGISTER; the 401 case is the separate test below' },
  { name: 'multi01', section: '3.3.8', rfc: 'Several values in single-value header fields: should be answered 400.', expect: { status: 400 }, note: 'the response copies the first of each doubled field' },
  { name: 'mcl01', section: '3.3.9', rfc: 'Several different Content-Length values: should be answered 400.', expect: { status: 400 } },
  { name: 'bcast', section: '3.3.10', rfc: '200 OK whose Via names a broadcast address: must not be sent to broadcast.', expect: { none: 'a response matching no transaction of ours, whose top Via is not ours, is discarded' } },
  { name: 'zeromf', section: '3.3.11', rfc: 'Max-Forwards 0: a proxy must not forward; it answers 483.', expect: { status: 483 } },
  { name: 'cparam01', section: '3.3.12', rfc: 'Contact header parameter on an unbracketed URI: valid REGISTER.', expect: { status: 200 } },
  { name: 'cparam02', section: '3.3.13', rfc: 'URI parameter inside <> plus a header parameter: valid REGISTER.', expect: { status: 200 } },
  { name: 'regescrt', section: '3.3.14', rfc: 'Contact URI with an escaped Route header: valid REGISTER.', expect: { status: 200 } },
  { name: 'sdp01', section: '3.3.15', rfc: 'Accept offers a type nobody supports: a UAS answers 406; a proxy forwards.', expect: { forward: true } },

  // ---- §3.4 backward compatibility ----
  { name: 'inv2543', section: '3.4.1', rfc: 'RFC 2543 syntax (no branch cookie, no Content-Length over UDP): accepted and processed.', expect: { forward: true } },
];

/** The Call-ID of a message as written (long or compact name), for matching what the peer got. */
function callIdOf(bytes: Buffer): string | undefined {
  const head = bytes.toString('latin1', 0, findHeaderEnd(bytes)?.headEnd ?? bytes.length);
  return /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(head)?.[1];
}

/** A UDP next hop that records each request and answers it 200 (ACKs excepted). */
class Peer {
  readonly got: Buffer[] = [];
  private constructor(
    private readonly sock: dgram.Socket,
    readonly port: number,
  ) {}

  static async start(port = 0): Promise<Peer> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, '127.0.0.1', () => resolve());
    });
    const peer = new Peer(sock, sock.address().port);
    sock.on('message', (m, rinfo) => {
      peer.got.push(m);
      const p = parseMessage(m);
      if (!p.ok || p.message.kind !== 'request' || p.message.method === 'ACK') return;
      // The answer goes back to the proxy that sent it (the top Via is sipd's).
      const req = p.message;
      const lines = ['SIP/2.0 200 OK', ...req.headers.fields('Via').map((v) => `Via: ${v}`), `From: ${req.headers.get('From')}`, `To: ${req.headers.get('To')};tag=peer`, `Call-ID: ${req.headers.get('Call-ID')}`, `CSeq: ${req.headers.get('CSeq')}`, 'Content-Length: 0', '', ''];
      sock.send(lines.join('\r\n'), rinfo.port, rinfo.address);
    });
    return peer;
  }

  reached(callId: string | undefined): boolean {
    return callId !== undefined && this.got.some((m) => callIdOf(m) === callId);
  }

  close(): void {
    this.sock.close();
  }
}

/** Send one datagram from a fresh socket; collect what comes back until 300 ms of quiet (2.5 s at most). */
async function udpSend(port: number, bytes: Buffer, stop?: () => boolean): Promise<Buffer[]> {
  const s = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  let last = Date.now();
  s.on('message', (m) => {
    got.push(m);
    last = Date.now();
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  s.send(bytes, port, '127.0.0.1');
  const until = Date.now() + 2500;
  while (Date.now() < until && Date.now() - last < 300 && !stop?.()) await sleep(25);
  // A forward is confirmed: give sipd's own answers (100 Trying, the relayed 200) a moment.
  if (stop?.()) await sleep(100);
  s.close();
  return got;
}

/** A final answer (100 Trying is provisional); `message` is it parsed, when it parses as it is. */
interface Answer {
  readonly status: number;
  readonly reason: string;
  readonly bytes: Buffer;
  readonly message?: SipResponse;
}

/** Final responses among what came back in answer to `request`; any that fails the answer check fails the test. */
function finals(got: readonly Buffer[], request: Buffer): Answer[] {
  const out: Answer[] = [];
  for (const bytes of got) {
    const r = checkAnswer(bytes, request);
    assert.ok(r.ok, r.ok ? '' : `a well-formed answer: ${r.kind}: ${r.detail}`);
    if (r.status >= 200) out.push({ status: r.status, reason: r.reason, bytes, ...(r.message && { message: r.message }) });
  }
  return out;
}

/** The value of a request's field as written (first of its name, long or compact), folding joined. */
function rawField(request: Buffer, long: string, compact?: string): string | undefined {
  const head = request.toString('utf8', 0, findHeaderEnd(request)?.headEnd ?? request.length).replace(/\r?\n[ \t]+/g, ' ');
  const names = compact ? `${long}|${compact}` : long;
  return new RegExp(`^(?:${names})[ \\t]*:[ \\t]*(.*?)[ \\t]*\\r?$`, 'im').exec(head)?.[1];
}
const COMPACT: Readonly<Record<string, string>> = { Via: 'v', From: 'f', To: 't', 'Call-ID': 'i' };

let probes = 0;
/** An OPTIONS to sipd itself, which it answers 200 when it is up. */
function probe(port: number, transport: 'UDP' | 'TCP' = 'UDP'): Buffer {
  const n = ++probes;
  return Buffer.from(
    [
      `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/${transport} 127.0.0.1:5061;rport;branch=z9hG4bKrfc4475probe${n}`,
      'Max-Forwards: 70',
      `From: <sip:probe@127.0.0.1>;tag=p${n}`,
      `To: <sip:127.0.0.1:${port}>`,
      `Call-ID: rfc4475-probe-${n}@127.0.0.1`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

async function assertAlive(port: number): Promise<void> {
  const req = probe(port);
  const got = finals(await udpSend(port, req), req);
  assert.ok(
    got.some((r) => r.status === 200),
    `sipd answers OPTIONS afterwards (got ${got.map((r) => r.status).join(', ') || 'nothing'})`,
  );
}

/** A REGISTER binding sip:USER@example.com to the peer. */
function register(user: string, peerPort: number): Buffer {
  return Buffer.from(
    [
      'REGISTER sip:example.com SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:5061;rport;branch=z9hG4bKrfc4475reg${user}`,
      'Max-Forwards: 70',
      `From: <sip:${user}@example.com>;tag=r${user}`,
      `To: <sip:${user}@example.com>`,
      `Call-ID: rfc4475-register-${user}@127.0.0.1`,
      'CSeq: 1 REGISTER',
      `Contact: <sip:${user}@127.0.0.1:${peerPort}>`,
      'Expires: 3600',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/** Every domain of the messages but ours (example.com), routed by SRV to the peer. */
function zones(peerPort: number): Zone[] {
  const srv = (name: string) => [
    { name: `_sip._udp.${name}`, type: 'SRV' as const, data: { priority: 10, weight: 1, port: peerPort, target: `peer.${name}` } },
    { name: `peer.${name}`, type: 'A' as const, data: '127.0.0.1' },
  ];
  const zone = (origin: string, names: string[]): Zone => ({ origin, soa: { ttl: 60, minimum: 30 }, defaultTtl: 30, records: names.flatMap(srv) });
  return [
    // wsinv is routed by its Route header to services.example.com.
    zone('example.com', ['chair-dnrc.example.com', 'registrar.example.com', 'services.example.com']),
    zone('example.org', ['example.org']),
    zone('example.net', ['example.net']),
    zone('company.com', ['company.com']),
  ];
}

async function startProxy(dns: TestDnsServer, extra: string[] = []): Promise<TestProxy> {
  return startTestSipd(['Cisco_Registry On', 'ProxyDomain example.com', 'SipT1InMs 100', 'SipT3InMs 2000', `DnsServer ${dns.address}`, 'TransportPrefOrder UDP_TCP', ...extra]);
}

describe('RFC 4475 torture messages through sipd over UDP (proxy and registrar for example.com)', () => {
  let dns: TestDnsServer;
  let peer: Peer;
  /** The next hop mpart01's Route names, when that port is free here. */
  let routePeer: Peer | undefined;
  let p: TestProxy;

  before(async () => {
    peer = await Peer.start();
    routePeer = await Peer.start(5080).catch(() => undefined);
    dns = await TestDnsServer.start(zones(peer.port));
    p = await startProxy(dns);
    // The users of example.com the messages call, bound to the peer.
    for (const user of ['user', 'UserB', 'remote-target']) {
      const req = register(user, peer.port);
      const got = finals(await udpSend(p.port, req), req);
      assert.equal(got[0]?.status, 200, `REGISTER ${user}`);
    }
  });

  after(async () => {
    await stopTestSipd(p);
    await dns.stop();
    peer.close();
    routePeer?.close();
  });

  test('the archive is all here: 49 messages, one case each', () => {
    assert.equal(CASES.length, 49);
    assert.equal(new Set(CASES.map((c) => c.name)).size, 49);
  });

  for (const c of CASES) {
    test(`§${c.section} ${c.name}: ${c.rfc}`, async (t) => {
      const bytes = fixture(c.name);
      const callId = callIdOf(bytes);
      const forward = 'forward' in c.expect;
      const hop = 'forward' in c.expect && c.expect.forward === 'route' ? routePeer : peer;
      if (!hop) return t.skip('127.0.0.1:5080, the next hop its Route names, is in use here');
      const got = await udpSend(p.port, bytes, forward ? () => hop.reached(callId) : undefined);
      const answers = finals(got, bytes).filter((r) => !forward || r.status >= 300);
      const seen = `answers: ${answers.map((r) => `${r.status} ${r.reason}`).join(' | ') || 'none'}; forwarded: ${hop.reached(callId)}`;
      if ('forward' in c.expect) {
        assert.ok(hop.reached(callId), `forwarded to the next hop (${seen})`);
        assert.deepEqual(answers, [], `no error answer (${seen})`);
      } else if ('status' in c.expect) {
        const want = ([] as number[]).concat(c.expect.status);
        assert.equal(answers.length, 1, `one final answer (${seen})`);
        assert.ok(want.includes(answers[0].status), `answered ${want.join(' or ')} (${seen})`);
        if (c.expect.header) assert.match(answers[0].message?.headers.get(c.expect.header[0]) ?? '', c.expect.header[1]);
        assert.ok(!peer.reached(callId), `not forwarded (${seen})`);
        if (c.expect.copied) {
          // The malformed fields come back as they were sent; the missing ones stay missing.
          const text = answers[0].bytes.toString('utf8');
          for (const name of c.expect.copied) {
            const value = rawField(bytes, name, COMPACT[name]);
            const line = new RegExp(`^${name}: (.*)\\r$`, 'm').exec(text)?.[1];
            if (value === undefined) assert.equal(line, undefined, `no ${name} in the answer, as in the request`);
            else assert.ok(line === value || line?.startsWith(`${value};tag=`), `${name} copied as it is: sent ${JSON.stringify(value)}, answered ${JSON.stringify(line)}`);
          }
          await assertAlive(p.port);
        }
      } else {
        assert.deepEqual(answers, [], `no answer: ${c.expect.none} (${seen})`);
        assert.ok(!peer.reached(callId), `not forwarded (${seen})`);
        await assertAlive(p.port);
      }
    });
  }

  test('§3.1.1.8 dblreq: the INVITE after the REGISTER in the same datagram is ignored', () => {
    assert.ok(!peer.got.some((m) => /^INVITE sip:user@example.com/.test(m.toString('latin1')) && callIdOf(m) === callIdOf(fixture('dblreq'))), 'the trailing INVITE never reached the peer');
  });

  test('§3.1.1.1 wsinv is forwarded with Max-Forwards decremented from 0068', () => {
    const fwd = peer.got.find((m) => callIdOf(m) === callIdOf(fixture('wsinv')));
    assert.ok(fwd, 'wsinv reached the peer');
    const r = parseMessage(fwd);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.message.headers.get('Max-Forwards'), '67');
  });

  // badinv01 with its top Via's sent-by broken as well: no answer can be addressed, so none
  // is sent (RFC 3261 §18.2.2 answers by the top Via); sipd drops it and goes on.
  for (const [what, via] of [
    ['a port out of range', 'SIP/2.0/UDP 192.0.2.15:99999;;,;,,'],
    ['a port running into letters', 'SIP/2.0/UDP 192.0.2.15:5060x;;,;,,'],
    ['no sent-protocol', ';;,;,,'],
    ['no host', 'SIP/2.0/UDP ;;,;,,'],
  ] as const) {
    test(`§3.1.2.1 badinv01 with a top Via of ${what}: dropped, no sent-by to answer`, async () => {
      const bytes = Buffer.from(fixture('badinv01').toString('latin1').replace('Via: SIP/2.0/UDP 192.0.2.15;;,;,,', `Via: ${via}`), 'latin1');
      assert.ok(bytes.includes(`Via: ${via}`), 'the Via was replaced');
      const got = await udpSend(p.port, bytes);
      assert.deepEqual(
        got.map((b) => b.toString('latin1').split('\r\n')[0]),
        [],
        'nothing sent back',
      );
      assert.ok(!peer.reached(callIdOf(bytes)), 'not forwarded');
      await assertAlive(p.port);
    });
  }

  test('§3.1.2.1 badinv01 with a top Via naming another UDP socket: the 400 goes to where the request came from, never to the Via', async () => {
    const elsewhere = await Peer.start();
    try {
      const bytes = Buffer.from(fixture('badinv01').toString('latin1').replace('Via: SIP/2.0/UDP 192.0.2.15;;,;,,', `Via: SIP/2.0/UDP 127.0.0.1:${elsewhere.port};;,;,,`), 'latin1');
      const answers = finals(await udpSend(p.port, bytes), bytes);
      assert.deepEqual(
        answers.map((a) => a.status),
        [400],
        'the sender got the 400',
      );
      assert.equal(elsewhere.got.length, 0, 'nothing went to the address in the Via');
    } finally {
      elsewhere.close();
    }
  });

  test('sipd is still up after the whole archive', () => assertAlive(p.port));
});

describe('RFC 4475 §3.3.7 regaut01 at a registrar that authenticates', () => {
  let dns: TestDnsServer;
  let p: TestProxy;
  before(async () => {
    dns = await TestDnsServer.start([]);
    p = await startProxy(dns, ['Authentication On']);
  });
  after(async () => {
    await stopTestSipd(p);
    await dns.stop();
  });

  test('an Authorization of an unknown scheme is no credential: 401 with a Digest challenge', async () => {
    const answers = finals(await udpSend(p.port, fixture('regaut01')), fixture('regaut01'));
    assert.equal(answers.length, 1, `one answer, got ${answers.map((r) => r.status).join(', ') || 'none'}`);
    assert.equal(answers[0].status, 401);
    assert.match(answers[0].message?.headers.get('WWW-Authenticate') ?? '', /^Digest /);
  });
});

/** Write bytes on a fresh TCP connection; what came back before sipd closed it or 1.5 s passed, and whether it closed. */
async function tcpSend(port: number, bytes: Buffer, waitMs = 1500): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closed = false;
    const s = net.createConnection(port, '127.0.0.1', () => s.write(bytes));
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve({ data: Buffer.concat(chunks), closed });
    };
    const t = setTimeout(done, waitMs);
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => {
      closed = true;
      done();
    });
    s.on('error', () => {
      closed = true;
      done();
    });
  });
}

describe('RFC 4475 messages whose framing matters, over TCP', () => {
  let dns: TestDnsServer;
  let peer: Peer;
  let p: TestProxy;
  before(async () => {
    peer = await Peer.start();
    dns = await TestDnsServer.start(zones(peer.port));
    p = await startProxy(dns);
  });
  after(async () => {
    await stopTestSipd(p);
    await dns.stop();
    peer.close();
  });

  const tcpAlive = async () => {
    const r = await tcpSend(p.port, probe(p.port, 'TCP'), 3000);
    assert.match(r.data.toString('latin1'), /^SIP\/2\.0 200 /, 'sipd answers OPTIONS over a new connection');
  };

  test('§3.1.1.1 wsinv and §3.1.1.3 esc01 (bodies of exactly Content-Length octets) are forwarded', async () => {
    for (const name of ['wsinv', 'esc01']) {
      const callId = callIdOf(fixture(name));
      await tcpSend(p.port, fixture(name), 800);
      const until = Date.now() + 3000;
      while (!peer.reached(callId) && Date.now() < until) await sleep(50);
      assert.ok(peer.reached(callId), `${name} reached the next hop`);
    }
  });

  test('§3.1.2.2 clerr: Content-Length beyond the bytes sent — over a stream sipd waits for the rest, answering nothing', async () => {
    // "Over a stream transport there is not much to do but wait for more data": no answer yet.
    const r = await tcpSend(p.port, fixture('clerr'), 1000);
    assert.equal(r.data.length, 0, r.data.toString('latin1'));
    await tcpAlive();
  });

  test('§3.1.2.3 ncl: a negative Content-Length cannot be framed — 400 and the connection closed', async () => {
    // The framing error is unrecoverable on a stream: the connection must be closed.
    const r = await tcpSend(p.port, fixture('ncl'), 3000);
    assert.ok(r.closed, 'sipd closed the connection');
    const text = r.data.toString('latin1');
    if (text) assert.match(text, /^SIP\/2\.0 400 /);
    await tcpAlive();
  });

  test('§3.3.9 mcl01: several Content-Length values — 400', async () => {
    const r = await tcpSend(p.port, fixture('mcl01'), 3000);
    assert.match(r.data.toString('latin1'), /^SIP\/2\.0 400 /);
    await tcpAlive();
  });

  test('§3.4.1 inv2543 without Content-Length over TCP — 400 (RFC 3261 §18.3 makes it mandatory on streams)', async () => {
    const r = await tcpSend(p.port, fixture('inv2543'), 3000);
    assert.match(r.data.toString('latin1'), /^SIP\/2\.0 400 /);
    await tcpAlive();
  });
});
