// The TLS transport with certificates made by openssl: inbound messages arrive as
// transport TLS; outgoing connections check the server's certificate against the CA
// file and the name the target was reached by (SAN first, CN fallback); the
// certificate files are checked with errors naming the directive and the file.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../../src/server/config.js';
import { STREAM_DEFAULTS } from '../../../src/transport/stream.js';
import { TlsTransport, loadTlsCredentials, tlsFileProblems } from '../../../src/transport/tls.js';
import type { TlsCredentials } from '../../../src/transport/tls.js';
import type { Inbound } from '../../../src/transport/types.js';
import { freePort } from '../../helpers/index.js';
import { TestPki, connectTlsPeer, pem } from '../../helpers/tls.js';
import type { CertFiles } from '../../helpers/tls.js';

const OPTIONS = (port: number) => `OPTIONS sip:127.0.0.1:${port} SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-unit-1
Max-Forwards: 70
From: <sip:alice@127.0.0.1>;tag=a1
To: <sip:127.0.0.1:${port}>
Call-ID: unit-tls-1
CSeq: 1 OPTIONS`;

describe('TLS transport', () => {
  let pki: TestPki;
  let ca: CertFiles;
  let server: CertFiles;
  let cnOnly: CertFiles;
  let dnsSanCnIp: CertFiles;
  let dnsSanCnName: CertFiles;
  let creds: TlsCredentials;

  before(async () => {
    pki = TestPki.create();
    ca = await pki.ca('ca');
    server = await pki.leaf('server', ca, 'sipd.test', 'IP:127.0.0.1,DNS:sips.test');
    cnOnly = await pki.leaf('cn-only', ca, 'legacy.test');
    dnsSanCnIp = await pki.leaf('dns-cn-ip', ca, '127.0.0.1', 'DNS:named.test');
    dnsSanCnName = await pki.leaf('dns-cn-name', ca, 'legacy.test', 'DNS:other.test');
    creds = { cert: pem(server.cert), key: pem(server.key), ca: pem(ca.cert) };
  });
  after(() => pki?.remove());

  test('a message over TLS reaches the handler as transport TLS and is answered on the connection', async () => {
    const port = await freePort();
    const seen: Inbound[] = [];
    const t = await TlsTransport.listen([{ host: '127.0.0.1', port }], (data, from, reply) => {
      seen.push(from);
      reply(Buffer.from(`SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-unit-1\r\nCall-ID: unit-tls-1\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:x@y>\r\nContent-Length: 0\r\n\r\n`));
    }, () => undefined, STREAM_DEFAULTS, creds, { sessionTimeoutS: 300, mutualAuth: false });
    try {
      const peer = await connectTlsPeer({ host: '127.0.0.1', port, ca: pem(ca.cert), servername: 'sips.test' });
      try {
        assert.match(peer.socket.getProtocol() ?? '', /^TLSv1\.[23]$/);
        peer.send(OPTIONS(port));
        const res = await peer.next('200', (m) => m.kind === 'response' && m.status === 200);
        assert.equal(res.kind, 'response');
        assert.equal(seen[0].transport, 'TLS');
        assert.equal(seen[0].localPort, port);
        assert.equal(seen[0].remotePort, peer.localPort);
      } finally {
        await peer.close();
      }
    } finally {
      await t.close();
    }
  });

  test('a graceful restart turning mutual authentication On applies to new connections', async () => {
    const port = await freePort();
    const t = await TlsTransport.listen([{ host: '127.0.0.1', port }], (data, _from, reply) => {
      reply(Buffer.from(`SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-unit-1\r\nCall-ID: unit-tls-1\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:x@y>\r\nContent-Length: 0\r\n\r\n`));
    }, () => undefined, STREAM_DEFAULTS, creds, { sessionTimeoutS: 300, mutualAuth: false });
    /** Does a client without a certificate get an answer? */
    const answered = async (): Promise<boolean> => {
      try {
        const peer = await connectTlsPeer({ host: '127.0.0.1', port, ca: pem(ca.cert), servername: 'sips.test' });
        peer.send(OPTIONS(port));
        const ok = await peer.next('200', (m) => m.kind === 'response', 2000).then(() => true, () => false);
        await peer.close();
        return ok;
      } catch {
        return false;
      }
    };
    try {
      assert.equal(await answered(), true, 'no certificate needed while mutual authentication is Off');
      t.reconfigureTls({ sessionTimeoutS: 300, mutualAuth: true });
      assert.equal(await answered(), false, 'a client without a certificate was answered after mutual authentication was turned On');
    } finally {
      await t.close();
    }
  });

  test('RSA key exchange and 3DES suites are refused (the guide\'s two suites)', async () => {
    // An RSA certificate, so that RSA key exchange would be possible if the suites allowed it.
    const rsa = await pki.leaf('rsa-server', ca, 'sipd.test', 'IP:127.0.0.1,DNS:sips.test', 'rsa');
    const port = await freePort();
    const t = await TlsTransport.listen([{ host: '127.0.0.1', port }], () => undefined, () => undefined, STREAM_DEFAULTS, { ...creds, cert: pem(rsa.cert), key: pem(rsa.key) }, { sessionTimeoutS: 300, mutualAuth: false });
    try {
      // An ECDHE-RSA suite is accepted on the same listener.
      const good = await connectTlsPeer({ host: '127.0.0.1', port, ca: pem(ca.cert), servername: 'sips.test', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
      assert.equal(good.socket.getCipher().name, 'ECDHE-RSA-AES128-GCM-SHA256');
      await good.close();
      for (const cipher of ['AES128-SHA', 'DES-CBC3-SHA', 'AES128-GCM-SHA256']) {
        const e = await connectTlsPeer({ host: '127.0.0.1', port, ca: pem(ca.cert), servername: 'sips.test', maxVersion: 'TLSv1.2', ciphers: `${cipher}@SECLEVEL=0` }).then(
          async (p) => {
            await p.close();
            return undefined;
          },
          (err: Error) => err,
        );
        assert.ok(e, `${cipher} was accepted`);
        assert.match(e.message, /handshake failure|no shared cipher|no cipher/i, cipher);
      }
    } finally {
      await t.close();
    }
  });

  describe('outgoing connections check the server certificate', () => {
    let client: TlsTransport;
    before(async () => {
      client = await TlsTransport.listen([], () => undefined, () => undefined, { ...STREAM_DEFAULTS, connectTimeoutMs: 3000 }, creds, { sessionTimeoutS: 300, mutualAuth: false });
    });
    after(() => client.close());

    /** A TLS server presenting `cert`; resolves what `client.send` did: 'ok' or the error. */
    async function sendTo(cert: CertFiles, serverName: string | undefined): Promise<string> {
      const srv = tls.createServer({ cert: pem(cert.cert), key: pem(cert.key) });
      const sockets = new Set<import('node:net').Socket>();
      srv.on('connection', (s) => sockets.add(s));
      const port = await freePort();
      await new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r()));
      try {
        await client.send('127.0.0.1', port, Buffer.from('\r\n\r\n'), false, serverName);
        return 'ok';
      } catch (e) {
        return (e as Error).message;
      } finally {
        // The client keeps its connection open: end it from this side.
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => srv.close(() => r()));
      }
    }

    test('SAN: the DNS name and the IP address are accepted, another name is not', async () => {
      assert.equal(await sendTo(server, 'sips.test'), 'ok');
      assert.equal(await sendTo(server, undefined), 'ok');
      assert.match(await sendTo(server, 'other.test'), /does not name other\.test/);
    });
    test('CN fallback only for a certificate without a SAN of that kind', async () => {
      assert.equal(await sendTo(cnOnly, 'legacy.test'), 'ok');
      assert.match(await sendTo(cnOnly, 'wrong.test'), /does not name wrong\.test/);
      // DNS SAN only: an address is matched against the CN.
      assert.equal(await sendTo(dnsSanCnIp, undefined), 'ok');
      // A DNS SAN exists: the CN is not consulted for names.
      assert.match(await sendTo(dnsSanCnName, 'legacy.test'), /does not name legacy\.test/);
    });
    test('a certificate from another CA is refused', async () => {
      const foreignCa = await pki.ca('foreign-ca');
      const foreign = await pki.leaf('foreign-server', foreignCa, 'sips.test', 'IP:127.0.0.1,DNS:sips.test');
      assert.match(await sendTo(foreign, 'sips.test'), /self[- ]signed|unable to (get|verify)|certificate/i);
    });
  });

  describe('certificate files', () => {
    const conf = (root: string, lines: string[]) => {
      const r = parseConfig(['SipTlsEnable On', ...lines].join('\n') + '\n', path.join(root, 'conf', 'sipd.conf'));
      assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
      return r.config;
    };

    test('good files load; paths are taken from ServerRoot', () => {
      const root = path.join(pki.dir, 'root1');
      mkdirSync(path.join(root, 'conf', 'tls'), { recursive: true });
      copyFileSync(server.cert, path.join(root, 'conf', 'tls', 'server.pem'));
      copyFileSync(server.key, path.join(root, 'conf', 'tls', 'server.key'));
      const c = conf(root, ['SipTlsCertificateFile conf/tls/server.pem', 'SipTlsCertificateKeyFile conf/tls/server.key', `SipTlsCACertificateFile ${ca.cert}`]);
      const r = loadTlsCredentials(c);
      assert.ok(r.ok, r.ok ? '' : r.errors.join('; '));
      assert.deepEqual(tlsFileProblems(c), []);
    });

    test('a missing file, a key of another certificate and a non-PEM CA file are each named', () => {
      const root = path.join(pki.dir, 'root2');
      mkdirSync(path.join(root, 'conf'), { recursive: true });
      writeFileSync(path.join(root, 'conf', 'ca.txt'), 'not a certificate\n');
      const c = conf(root, ['SipTlsCertificateFile conf/missing.pem', `SipTlsCertificateKeyFile ${server.key}`, 'SipTlsCACertificateFile conf/ca.txt']);
      const errors = tlsFileProblems(c);
      assert.equal(errors.length, 2, errors.join('\n'));
      assert.match(errors[0], /^SipTlsCertificateFile \(.*sipd\.conf:2\): cannot read .*conf\/missing\.pem: no such file \(ENOENT\)$/);
      assert.match(errors[1], /^SipTlsCACertificateFile \(.*sipd\.conf:4\): .*conf\/ca\.txt holds no PEM certificate/);

      const c2 = conf(root, [`SipTlsCertificateFile ${server.cert}`, `SipTlsCertificateKeyFile ${cnOnly.key}`]);
      const e2 = tlsFileProblems(c2);
      assert.equal(e2.length, 1, e2.join('\n'));
      assert.match(e2[0], /SipTlsCertificateKeyFile .*does not belong to the certificate/);
    });

    test('mutual authentication without a CA file is refused', () => {
      const c = conf(pki.dir, [`SipTlsCertificateFile ${server.cert}`, `SipTlsCertificateKeyFile ${server.key}`, 'SipTlsMutualAuthentication On']);
      assert.match(tlsFileProblems(c).join('\n'), /SipTlsMutualAuthentication .*needs SipTlsCACertificateFile/);
    });
  });
});
