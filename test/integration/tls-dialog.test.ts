// Dialogs that cross from TLS to UDP through sipd with AddRecordRoute On (RFC 5658 double
// record-routing, RFC 3261 §16.4/§16.6): the callee (sipp over UDP) sees two Record-Route
// entries, udp on top and tls below; the caller's 200 carries both; the caller's ACK and
// BYE over TLS, and the callee's BYE over UDP, pass through sipd with both of its Route
// entries removed. The caller is a small TLS peer (test/helpers/tls.ts), because Debian's
// sipp is built without TLS (-t l1 is refused). A sips: call between two TLS peers is
// record-routed once, with a sips: URI (RFC 3261 §16.6 step 4, §26.2.2).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { StreamFramer } from '../../src/transport/framing.js';
import { buildResponse, parseMessage, serializeMessage } from '../../src/sip/message.js';
import type { SipMessage, SipRequest } from '../../src/sip/message.js';
import { freePort, sleep } from '../helpers/index.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult } from '../helpers/sip-peers.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { Mailbox, TestPki, connectTlsPeer, pem, sipLabel } from '../helpers/tls.js';
import type { CertFiles, TlsSipPeer } from '../helpers/tls.js';

let seq = 0;
const branch = () => `z9hG4bK-tlsdlg-${process.pid}-${++seq}`;

const SDP = 'v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';

/**
 * The called UA that hangs up itself: INVITE → 180 → 200 → ACK, then a BYE along the
 * route set it recorded from the INVITE ([routes], [next_url]), and the 200 to it.
 */
const UAS_HANGS_UP = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="UAS answers a call, then hangs up">
  <recv request="INVITE" rrs="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>
    </action>
  </recv>
  <send>
    <![CDATA[

      SIP/2.0 180 Ringing
      [last_Via:]
      [last_Record-Route:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:uas@[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_Record-Route:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:uas@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=uas 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0

    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
  <send retrans="500">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: <sip:bob@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
      To: [$caller]
      [last_Call-ID:]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true"/>
  <Reference variables="caller"/>
</scenario>
`;

/** A TLS UA that is called (a sips: callee): it listens; each message it gets comes with its connection, to answer on. */
interface TlsUas {
  readonly port: number;
  next(what: string, match: (m: SipMessage) => boolean, timeoutMs?: number): Promise<{ msg: SipMessage; socket: tls.TLSSocket }>;
  close(): Promise<void>;
}

async function startTlsUas(cert: CertFiles): Promise<TlsUas> {
  const box = new Mailbox<{ msg: SipMessage; socket: tls.TLSSocket }>((q) => sipLabel(q.msg));
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: pem(cert.cert), key: pem(cert.key) }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const framer = new StreamFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) {
        if (f.kind !== 'message') continue;
        const p = parseMessage(f.data, { stream: true });
        if (p.ok) box.push({ msg: p.message, socket });
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    next(what, match, wait = 10_000) {
      return box.next(what, (q) => match(q.msg), wait, 'the TLS callee ');
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const responseTo = (callId: string, method: string, status?: number) => (m: SipMessage) =>
  m.kind === 'response' && m.headers.get('Call-ID') === callId && (m.headers.get('CSeq') ?? '').endsWith(method) && (status === undefined || m.status === status);

/** The header lines named `name` of the first message sipp traced as received whose start line matches `start`. */
function receivedHeaders(messages: string, start: RegExp, name: string): string[] {
  for (const block of messages.split(/message received \[\d+\] bytes :/).slice(1)) {
    const text = block.replace(/^\s+/, '');
    if (!start.test(text.split(/\r?\n/)[0])) continue;
    const head = text.split(/\r?\n\r?\n/)[0];
    return head
      .split(/\r?\n/)
      .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
      .map((l) => l.slice(name.length + 1).trim());
  }
  throw new Error(`sipp received no message starting ${start}`);
}

/** Entries of comma-separated header values, one per element. */
const entries = (values: readonly string[]) => values.flatMap((v) => v.split(/,\s*(?=<)/)).map((s) => s.trim());

describe('TLS caller, UDP callee: double Record-Route through sipd (RFC 5658)', () => {
  let pki: TestPki;
  let ca: CertFiles;
  let calleeCert: CertFiles;
  let proxy: TestProxy | undefined;
  let tlsPort: number;

  before(async () => {
    pki = TestPki.create();
    ca = await pki.ca('ca');
    const server = await pki.leaf('server', ca, 'sipd.test', 'IP:127.0.0.1,DNS:sips.test');
    calleeCert = await pki.leaf('callee', ca, 'bob.test', 'IP:127.0.0.1');
    tlsPort = await freePort();
    proxy = await startTestSipd([
      'SipT1InMs 100',
      'AddRecordRoute On',
      'SipTlsEnable On',
      `SipTlsPort ${tlsPort}`,
      `SipTlsCertificateFile ${server.cert}`,
      `SipTlsCertificateKeyFile ${server.key}`,
      `SipTlsCACertificateFile ${ca.cert}`,
      'AllowSipTlsConversionToSip On',
      // The callee's BYE goes back on the caller's own TLS connection.
      'SipTcpReuseConnection On',
    ]);
  });
  after(async () => {
    await stopTestSipd(proxy);
    pki?.remove();
  });

  const connect = () => connectTlsPeer({ host: '127.0.0.1', port: tlsPort, ca: pem(ca.cert), servername: 'sips.test' });

  /** The caller's INVITE over TLS to the callee through sipd, up to the 200; returns what the dialog needs. */
  async function call(peer: TlsSipPeer, bob: SippPeer, callId: string) {
    const lp = peer.localPort;
    const from = `<sip:alice@127.0.0.1>;tag=alice-${callId}`;
    peer.send(
      `INVITE sip:bob@${bob.address} SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:${lp};branch=${branch()}
Max-Forwards: 70
From: ${from}
To: <sip:bob@${bob.address}>
Call-ID: ${callId}
CSeq: 1 INVITE
Contact: <sip:alice@127.0.0.1:${lp};transport=tls>
Content-Type: application/sdp`,
      SDP,
    );
    const ok = await peer.next('200 OK to INVITE', responseTo(callId, 'INVITE', 200));
    const rr = entries(ok.headers.values('Record-Route'));
    const contact = /<([^>]+)>/.exec(ok.headers.get('Contact') ?? '')?.[1];
    assert.ok(contact, 'the 200 has a Contact');
    return { lp, from, to: ok.headers.get('To')!, rr, contact };
  }

  test('the callee gets udp on top and tls below; the caller\'s ACK and BYE over TLS reach it with our Routes removed', async () => {
    const bob = await startUas({ scenario: 'uas-answer', timeoutS: 20 });
    let peer: TlsSipPeer | undefined;
    try {
      peer = await connect();
      const callId = `tlsdlg-a-${process.pid}`;
      const d = await call(peer, bob, callId);
      assert.deepEqual(d.rr, [`<sip:127.0.0.1:${proxy!.port};transport=udp;lr>`, `<sip:127.0.0.1:${tlsPort};transport=tls;lr>`], 'the 200 carries both entries, udp side on top');
      // The caller uses the route set reversed (RFC 3261 §12.1.2): our TLS side first.
      const route = [...d.rr].reverse().join(', ');
      for (const [method, cseq] of [
        ['ACK', '1 ACK'],
        ['BYE', '2 BYE'],
      ]) {
        peer.send(`${method} ${d.contact} SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:${d.lp};branch=${branch()}
Route: ${route}
Max-Forwards: 70
From: ${d.from}
To: ${d.to}
Call-ID: ${callId}
CSeq: ${cseq}`);
        // The ACK goes on without a transaction: let it reach the callee before the BYE does.
        if (method === 'ACK') await sleep(300);
      }
      await peer.next('200 OK to BYE', responseTo(callId, 'BYE', 200));
      const r = await bob.done;
      assert.equal(r.code, 0, describePeer(r));
      const inviteRr = entries(receivedHeaders(r.messages, /^INVITE /, 'Record-Route'));
      assert.deepEqual(inviteRr, d.rr, `the callee's INVITE has both entries\n${r.messages}`);
      assert.deepEqual(receivedHeaders(r.messages, /^ACK /, 'Route'), [], 'sipd removed both of its Routes from the ACK');
      assert.deepEqual(receivedHeaders(r.messages, /^BYE /, 'Route'), [], 'sipd removed both of its Routes from the BYE');
    } finally {
      await peer?.close();
      await bob.stop();
    }
  });

  test('the callee hangs up: its BYE over UDP follows the route set back to the caller over TLS', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-dialog-'));
    const scenario = path.join(dir, 'uas-hangs-up.xml');
    writeFileSync(scenario, UAS_HANGS_UP);
    const bob = await startUas({ scenario, timeoutS: 20 });
    let peer: TlsSipPeer | undefined;
    try {
      peer = await connect();
      const callId = `tlsdlg-b-${process.pid}`;
      const d = await call(peer, bob, callId);
      assert.equal(d.rr.length, 2, d.rr.join(' | '));
      peer.send(`ACK ${d.contact} SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:${d.lp};branch=${branch()}
Route: ${[...d.rr].reverse().join(', ')}
Max-Forwards: 70
From: ${d.from}
To: ${d.to}
Call-ID: ${callId}
CSeq: 1 ACK`);
      const bye = (await peer.next('the callee\'s BYE over TLS', (m) => m.kind === 'request' && m.method === 'BYE' && m.headers.get('Call-ID') === callId)) as SipRequest;
      assert.equal(bye.uri, `sip:alice@127.0.0.1:${d.lp};transport=tls`);
      assert.deepEqual(bye.headers.values('Route'), [], 'sipd removed both of its Routes');
      assert.match(bye.headers.first('Via') ?? '', /^SIP\/2\.0\/TLS /, 'sipd sent it on over TLS');
      peer.socket.write(serializeMessage(buildResponse(bye, 200)));
      const r = await bob.done;
      assert.equal(r.code, 0, describePeer(r));
      assert.deepEqual(entries(receivedHeaders(r.messages, /^INVITE /, 'Record-Route')), d.rr);
    } finally {
      await peer?.close();
      await bob.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a sips: call from a TLS caller to a TLS callee: one sips: Record-Route; in-dialog requests both ways stay on TLS', async () => {
    const bob = await startTlsUas(calleeCert);
    let peer: TlsSipPeer | undefined;
    try {
      peer = await connect();
      const lp = peer.localPort;
      const callId = `tlsdlg-c-${process.pid}`;
      const from = `<sips:alice@127.0.0.1>;tag=alice-c`;
      const bobUri = `sips:bob@127.0.0.1:${bob.port}`;
      peer.send(
        `INVITE ${bobUri} SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:${lp};branch=${branch()}
Max-Forwards: 70
From: ${from}
To: <${bobUri}>
Call-ID: ${callId}
CSeq: 1 INVITE
Contact: <sips:alice@127.0.0.1:${lp}>
Content-Type: application/sdp`,
        SDP,
      );
      const invite = await bob.next('the INVITE', (m) => m.kind === 'request' && m.method === 'INVITE' && m.headers.get('Call-ID') === callId);
      const inv = { req: invite.msg as SipRequest, socket: invite.socket };
      assert.equal(inv.req.uri, bobUri);
      const expected = `<sips:127.0.0.1:${tlsPort};lr>`;
      assert.deepEqual(entries(inv.req.headers.values('Record-Route')), [expected], 'one sips: entry (same transport both sides)');
      const ok = buildResponse(inv.req, 200, 'OK', {
        toTag: 'bob-c',
        headers: [...inv.req.headers.values('Record-Route').map((v) => ['Record-Route', v] as const), ['Contact', `<sips:bob@127.0.0.1:${bob.port}>`]],
      });
      inv.socket.write(serializeMessage(ok));
      const res = await peer.next('200 OK to INVITE', responseTo(callId, 'INVITE', 200));
      assert.deepEqual(entries(res.headers.values('Record-Route')), [expected]);
      const to = res.headers.get('To')!;
      peer.send(`ACK ${bobUri} SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:${lp};branch=${branch()}
Route: ${expected}
Max-Forwards: 70
From: ${from}
To: ${to}
Call-ID: ${callId}
CSeq: 1 ACK`);
      const ack = await bob.next('the ACK', (m) => m.kind === 'request' && m.method === 'ACK' && m.headers.get('Call-ID') === callId);
      assert.deepEqual(ack.msg.headers.values('Route'), [], 'sipd removed its Route from the ACK');
      // The callee hangs up along its route set, on the connection sipd opened to it.
      const byeText = [
        `BYE sips:alice@127.0.0.1:${lp} SIP/2.0`,
        `Via: SIP/2.0/TLS 127.0.0.1:${bob.port};branch=${branch()}`,
        `Route: ${expected}`,
        'Max-Forwards: 70',
        `From: ${to}`,
        `To: ${from}`,
        `Call-ID: ${callId}`,
        'CSeq: 1 BYE',
        'Content-Length: 0',
      ];
      ack.socket.write(`${byeText.join('\r\n')}\r\n\r\n`);
      const bye = (await peer.next('the callee\'s BYE over TLS', (m) => m.kind === 'request' && m.method === 'BYE' && m.headers.get('Call-ID') === callId)) as SipRequest;
      assert.deepEqual(bye.headers.values('Route'), [], 'sipd removed its Route from the BYE');
      peer.socket.write(serializeMessage(buildResponse(bye, 200)));
      const byeOk = await bob.next('the 200 to its BYE', (m) => m.kind === 'response' && m.headers.get('Call-ID') === callId && (m.headers.get('CSeq') ?? '').endsWith('BYE'));
      assert.equal(byeOk.msg.kind === 'response' && byeOk.msg.status, 200);
    } finally {
      await peer?.close();
      await bob.close();
    }
  });

  test('a UDP caller (sipp) to a TLS callee: tls side on top, udp side below; the caller\'s ACK and BYE over UDP come through', async () => {
    const bob = await startTlsUas(calleeCert);
    let uac: Promise<SippPeerResult> | undefined;
    try {
      uac = runUac({ scenario: 'uac-call', target: { port: proxy!.port }, keys: { ruri: `sip:bob@127.0.0.1:${bob.port};transport=tls`, rr: 'yes' }, pauseMs: 200, timeoutS: 20 });
      const isReq = (method: string) => (m: SipMessage) => m.kind === 'request' && m.method === method;
      const invite = await bob.next('the INVITE over TLS', isReq('INVITE'));
      const req = invite.msg as SipRequest;
      const rr = req.headers.values('Record-Route');
      assert.deepEqual(entries(rr), [`<sip:127.0.0.1:${tlsPort};transport=tls;lr>`, `<sip:127.0.0.1:${proxy!.port};transport=udp;lr>`]);
      const headers = [...rr.map((v) => ['Record-Route', v] as const), ['Contact', `<sip:bob@127.0.0.1:${bob.port};transport=tls>`] as const];
      for (const status of [180, 200]) invite.socket.write(serializeMessage(buildResponse(req, status, undefined, { toTag: 'bob-d', headers })));
      const ack = await bob.next('the ACK', isReq('ACK'));
      assert.deepEqual(ack.msg.headers.values('Route'), [], 'sipd removed both of its Routes from the ACK');
      const bye = await bob.next('the BYE', isReq('BYE'));
      assert.deepEqual(bye.msg.headers.values('Route'), [], 'sipd removed both of its Routes from the BYE');
      bye.socket.write(serializeMessage(buildResponse(bye.msg as SipRequest, 200)));
      const r = await uac;
      assert.equal(r.code, 0, describePeer(r));
    } finally {
      await bob.close();
      await uac?.catch(() => undefined);
    }
  });
});
