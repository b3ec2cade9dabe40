// Guide ch.2 "How to Configure TLS Support" with a running sipd: SipTlsEnable On with
// certificates made by openssl; OPTIONS over TLS; a call from a TLS caller to a callee
// over UDP (sipp); mutual authentication (a foreign client certificate fails the
// handshake, a certificate that does not name the Via sent-by gets 403); TLS 1.1
// refused; sessions resumed; unusable certificate files stop the start.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { constants } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { loadConfigFile } from '../../src/server/config.js';
import { Sipd, StartError } from '../../src/server/sipd.js';
import type { SipMessage } from '../../src/sip/message.js';
import { freePort, makeServerRoot, waitFor } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';
import { describePeer, startUas } from '../helpers/sip-peers.js';
import { TestPki, connectTlsPeer, pem } from '../helpers/tls.js';
import type { CertFiles, TlsSipPeer } from '../helpers/tls.js';

let seq = 0;
const branch = () => `z9hG4bK-tls-${process.pid}-${++seq}`;

function options(tlsPort: number, viaHost: string, localPort: number, callId: string): string {
  return `OPTIONS sip:127.0.0.1:${tlsPort} SIP/2.0
Via: SIP/2.0/TLS ${viaHost}:${localPort};branch=${branch()}
Max-Forwards: 70
From: <sip:alice@${viaHost}>;tag=opt-${seq}
To: <sip:127.0.0.1:${tlsPort}>
Call-ID: ${callId}
CSeq: 1 OPTIONS
Contact: <sips:alice@${viaHost}:${localPort}>`;
}

const responseTo = (callId: string, method: string, status?: number) => (m: SipMessage) =>
  m.kind === 'response' && m.headers.get('Call-ID') === callId && (m.headers.get('CSeq') ?? '').endsWith(method) && (status === undefined || m.status === status);

describe('SIP over TLS through sipd', () => {
  let pki: TestPki;
  let ca: CertFiles;
  let client: CertFiles;
  let otherName: CertFiles;
  let foreign: CertFiles;
  let sr: ServerRoot;
  let sipd: Sipd | undefined;
  let tlsPort: number;

  const connect = (cert: CertFiles | undefined, extra: tls.ConnectionOptions = {}) =>
    connectTlsPeer({ host: '127.0.0.1', port: tlsPort, ca: pem(ca.cert), servername: 'sips.test', ...(cert ? { cert: pem(cert.cert), key: pem(cert.key) } : {}), ...extra });

  before(async () => {
    pki = TestPki.create();
    ca = await pki.ca('ca');
    const server = await pki.leaf('server', ca, 'sipd.test', 'IP:127.0.0.1,DNS:sips.test');
    client = await pki.leaf('client', ca, 'alice.test', 'IP:127.0.0.1,DNS:alice.test');
    otherName = await pki.leaf('other', ca, 'mallory.test', 'DNS:mallory.test');
    const foreignCa = await pki.ca('foreign-ca');
    foreign = await pki.leaf('foreign', foreignCa, 'alice.test', 'IP:127.0.0.1,DNS:alice.test');

    const port = await freePort();
    tlsPort = await freePort();
    sr = makeServerRoot(port, [
      'SipT1InMs 100',
      'AddRecordRoute On',
      'SipTlsEnable On',
      `SipTlsPort ${tlsPort}`,
      `SipTlsCertificateFile ${server.cert}`,
      `SipTlsCertificateKeyFile ${server.key}`,
      `SipTlsCACertificateFile ${ca.cert}`,
      'SipTlsMutualAuthentication On',
      'AllowSipTlsConversionToSip On',
    ]);
    const r = loadConfigFile(sr.conf);
    assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
    sipd = await Sipd.start(r.config, { file: sr.conf, load: {} });
  });
  after(async () => {
    await sipd?.stop('test over');
    sr?.remove();
    pki?.remove();
  });

  test('sipd listens on SipTlsPort and answers OPTIONS over TLS with 200', async () => {
    await waitFor('the listening notice in error_log', () => new RegExp(`listening on .*TLS 127\\.0\\.0\\.1:${tlsPort}`).test(sr.readErrorLog()), 5000);
    assert.ok((sipd!.status().listen as string[]).includes(`tls:127.0.0.1:${tlsPort}`));
    const peer = await connect(client);
    try {
      assert.match(peer.socket.getProtocol() ?? '', /^TLSv1\.[23]$/);
      peer.send(options(tlsPort, '127.0.0.1', peer.localPort, 'tls-options-1'));
      const res = await peer.next('200 to OPTIONS', responseTo('tls-options-1', 'OPTIONS'));
      assert.equal(res.kind === 'response' && res.status, 200);
    } finally {
      await peer.close();
    }
  });

  test('a call from a TLS caller to a UDP callee (sipp) through sipd, with Record-Route', async () => {
    const bob = await startUas({ scenario: 'uas-answer', timeoutS: 20 });
    let peer: TlsSipPeer | undefined;
    try {
      peer = await connect(client);
      const lp = peer.localPort;
      const callId = `tls-call-${process.pid}`;
      const from = `<sip:alice@127.0.0.1>;tag=alice-1`;
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
        'v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n',
      );
      await peer.next('180 Ringing', responseTo(callId, 'INVITE', 180));
      const ok = await peer.next('200 OK to INVITE', responseTo(callId, 'INVITE', 200));
      // TLS in, UDP out: sipd record-routes twice (RFC 5658), its UDP side on top; the
      // caller's route set is the reverse (tls-dialog.test.ts looks at this in detail).
      const rr = ok.headers.values('Record-Route').flatMap((v) => v.split(/,\s*(?=<)/));
      assert.equal(rr.length, 2, `two Record-Route entries from sipd: ${rr.join(' | ')}`);
      const route = [...rr].reverse().join(', ');
      const contact = /<([^>]+)>/.exec(ok.headers.get('Contact') ?? '')?.[1];
      assert.ok(contact, 'the 200 has a Contact');
      const to = ok.headers.get('To')!;
      // In-dialog requests follow the route set through sipd on the same TLS connection.
      peer.send(`ACK ${contact} SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:${lp};branch=${branch()}
Route: ${route}
Max-Forwards: 70
From: ${from}
To: ${to}
Call-ID: ${callId}
CSeq: 1 ACK`);
      peer.send(`BYE ${contact} SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:${lp};branch=${branch()}
Route: ${route}
Max-Forwards: 70
From: ${from}
To: ${to}
Call-ID: ${callId}
CSeq: 2 BYE`);
      await peer.next('200 OK to BYE', responseTo(callId, 'BYE', 200));
      const r = await bob.done;
      assert.equal(r.code, 0, describePeer(r));
      assert.match(r.messages, /INVITE sip:bob@.* SIP\/2\.0[\s\S]*Via: SIP\/2\.0\/UDP/, 'the callee got the INVITE over UDP');
    } finally {
      await peer?.close();
      await bob.stop();
    }
  });

  test('AllowSipTlsConversionToSip Off: a request that came over TLS is not sent on over UDP (403)', async () => {
    appendFileSync(sr.conf, '\nAllowSipTlsConversionToSip Off\n');
    assert.equal((await sipd!.graceful('test')).ok, true);
    let peer: TlsSipPeer | undefined;
    try {
      peer = await connect(client);
      const lp = peer.localPort;
      const callId = `tls-downgrade-${process.pid}`;
      peer.send(`INVITE sip:bob@127.0.0.1:9 SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:${lp};branch=${branch()}
Max-Forwards: 70
From: <sip:alice@127.0.0.1>;tag=alice-2
To: <sip:bob@127.0.0.1:9>
Call-ID: ${callId}
CSeq: 1 INVITE
Contact: <sip:alice@127.0.0.1:${lp};transport=tls>`);
      await peer.next('403 to the INVITE', responseTo(callId, 'INVITE', 403));
    } finally {
      await peer?.close();
      appendFileSync(sr.conf, '\nAllowSipTlsConversionToSip On\n');
      await sipd!.graceful('test');
    }
  });

  test('mutual authentication: a client certificate from another CA, or none, fails the handshake', async () => {
    for (const [what, cert] of [
      ['foreign CA', foreign],
      ['no certificate', undefined],
    ] as const) {
      const before = (sr.readErrorLog().match(/TLS handshake from .* failed/g) ?? []).length;
      let answered = false;
      try {
        // TLS 1.3 clients finish their side before the server has judged their certificate:
        // the refusal then arrives as an alert, and nothing is ever answered.
        const peer = await connect(cert);
        peer.send(options(tlsPort, '127.0.0.1', peer.localPort, `tls-refused-${what}`));
        await peer.next('any answer', () => true, 3000).then(
          () => (answered = true),
          () => undefined,
        );
        await peer.close();
      } catch {
        /* the handshake failed on the client's side already */
      }
      assert.equal(answered, false, `${what}: a request was answered`);
      await waitFor(`sipd to log the failed handshake (${what})`, () => (sr.readErrorLog().match(/TLS handshake from .* failed/g) ?? []).length > before, 5000);
    }
  });

  test('mutual authentication: a request whose Via sent-by the client certificate does not name gets 403', async () => {
    const peer = await connect(otherName);
    try {
      peer.send(options(tlsPort, '127.0.0.1', peer.localPort, 'tls-via-mismatch'));
      const res = await peer.next('403', responseTo('tls-via-mismatch', 'OPTIONS'));
      assert.equal(res.kind === 'response' && res.status, 403);
      // The same client writing the name its certificate carries is accepted.
      peer.send(options(tlsPort, 'mallory.test', peer.localPort, 'tls-via-match'));
      const ok = await peer.next('200', responseTo('tls-via-match', 'OPTIONS'));
      assert.equal(ok.kind === 'response' && ok.status, 200);
    } finally {
      await peer.close();
    }
    await waitFor('the refusal in error_log', () => /Via sent-by 127\.0\.0\.1 does not match the client certificate/.test(sr.readErrorLog()), 5000);
  });

  test('a TLS 1.1 client is refused', async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all: the refusal must come from sipd.
    const e = await connect(client, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }).then(
      async (p) => {
        await p.close();
        return undefined;
      },
      (err: Error) => err,
    );
    assert.ok(e, 'the TLS 1.1 handshake succeeded');
    assert.match(e.message, /protocol version/i);
    await waitFor('sipd to log the refused TLS 1.1 handshake', () => /TLS handshake from .* failed: .*unsupported protocol/i.test(sr.readErrorLog()), 5000);
  });

  for (const [what, extra] of [
    ['TLS 1.3 (session ticket)', {}],
    ['TLS 1.2 without tickets (session ID cache)', { maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET }],
  ] as const) {
    test(`a second connection resumes the session: ${what}`, async () => {
      const first = await connect(client, extra as tls.ConnectionOptions);
      let session: Buffer;
      try {
        assert.equal(first.socket.isSessionReused(), false);
        // Some traffic, so that a TLS 1.3 ticket has surely arrived.
        first.send(options(tlsPort, '127.0.0.1', first.localPort, `tls-resume-a-${seq}`));
        await first.next('200', (m) => m.kind === 'response');
        session = await waitFor('a session to resume', () => first.socket.getSession(), 5000);
      } finally {
        await first.close();
      }
      const second = await connect(client, { ...(extra as tls.ConnectionOptions), session });
      try {
        assert.equal(second.socket.isSessionReused(), true);
        // The resumed connection still carries the client's identity for the Via check.
        second.send(options(tlsPort, '127.0.0.1', second.localPort, `tls-resume-b-${seq}`));
        const res = await second.next('200', (m) => m.kind === 'response');
        assert.equal(res.kind === 'response' && res.status, 200);
      } finally {
        await second.close();
      }
    });
  }
});

describe('TLS start-up errors', () => {
  test('a missing key file stops the start with its name', async () => {
    const pki = TestPki.create();
    const port = await freePort();
    const sr = makeServerRoot(port, ['SipTlsEnable On', `SipTlsPort ${await freePort()}`, 'SipTlsCertificateFile conf/tls/server.pem', 'SipTlsCertificateKeyFile conf/tls/server.key']);
    try {
      const r = loadConfigFile(sr.conf);
      assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
      await assert.rejects(Sipd.start(r.config, { file: sr.conf, load: {} }), (e: Error) => {
        assert.ok(e instanceof StartError, String(e));
        assert.match(e.message, /SipTlsCertificateFile \(.*sipd\.conf:\d+\): cannot read .*conf\/tls\/server\.pem: no such file/);
        assert.match(e.message, /SipTlsCertificateKeyFile \(.*sipd\.conf:\d+\): cannot read .*conf\/tls\/server\.key: no such file/);
        return true;
      });
    } finally {
      sr.remove();
      pki.remove();
    }
  });
});
