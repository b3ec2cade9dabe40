// TLS for the tests: certificates made with the openssl command (a CA, certificates it
// signs, and a second, foreign CA), and a small SIP peer over Node's tls, because
// Debian's sipp is built without TLS (its -t offers UDP, TCP and SCTP only).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { StreamFramer } from '../../src/transport/framing.js';
import { parseMessage } from '../../src/sip/message.js';
import type { SipMessage } from '../../src/sip/message.js';
import { start } from './run.js';
import { requireTool } from './tools.js';

const OPENSSL_CNF = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
[leaf_nosan]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

export interface CertFiles {
  /** PEM certificate file. */
  readonly cert: string;
  /** PEM private key file (unencrypted). */
  readonly key: string;
}

export class TestPki {
  private constructor(
    readonly dir: string,
    private readonly openssl: string,
    private readonly cnf: string,
  ) {}

  /** A fresh directory with an openssl configuration; fails naming the Debian package when openssl is missing. */
  static create(): TestPki {
    const openssl = requireTool('openssl', 'openssl');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sips-pki-'));
    const cnf = path.join(dir, 'openssl.cnf');
    writeFileSync(cnf, OPENSSL_CNF);
    return new TestPki(dir, openssl, cnf);
  }

  private async openssl_(args: string[], san?: string): Promise<void> {
    const env = { ...process.env, SAN: san ?? 'DNS:unused.invalid' };
    const r = await runEnv(this.openssl, args, env);
    if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}`);
  }

  /** A self-signed CA (P-256), as NAME.pem / NAME.key. */
  async ca(name: string, cn = `${name} test CA`): Promise<CertFiles> {
    const f = this.files(name);
    await this.openssl_(['req', '-x509', '-config', this.cnf, '-extensions', 'ca', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f.key, '-out', f.cert, '-days', '3', '-subj', `/CN=${cn}`]);
    return f;
  }

  /**
   * A certificate signed by `ca`, subject CN=cn; `san` is an openssl subjectAltName
   * value ("IP:127.0.0.1,DNS:sips.test") or undefined for a certificate without one.
   * Keys are P-256 unless `keyType` is 'rsa' (2048 bits).
   */
  async leaf(name: string, ca: CertFiles, cn: string, san?: string, keyType: 'ec' | 'rsa' = 'ec'): Promise<CertFiles> {
    const f = this.files(name);
    const key = keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    await this.openssl_(
      ['req', '-x509', '-config', this.cnf, '-extensions', san ? 'leaf' : 'leaf_nosan', '-CA', ca.cert, '-CAkey', ca.key, ...key, '-nodes', '-keyout', f.key, '-out', f.cert, '-days', '3', '-subj', `/CN=${cn}`],
      san,
    );
    return f;
  }

  private files(name: string): CertFiles {
    return { cert: path.join(this.dir, `${name}.pem`), key: path.join(this.dir, `${name}.key`) };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function runEnv(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return start(cmd, args, 30_000, { env }).done;
}

/** Read a PEM file for tls options. */
export function pem(file: string): Buffer {
  return readFileSync(file);
}

// ---------------------------------------------------------------------------

export interface TlsSipPeer {
  readonly socket: tls.TLSSocket;
  readonly localPort: number;
  /** Send one message; "\n" line ends become CRLF and Content-Length is filled in. */
  send(text: string, body?: string): void;
  /** The next received message `match` accepts (earlier ones stay queued for later calls). */
  next(what: string, match: (m: SipMessage) => boolean, timeoutMs?: number): Promise<SipMessage>;
  /** Resolves when the connection closes. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Messages as they arrive, taken out in any order: `next` waits for the first queued
 * message `match` accepts, leaving the others for later calls.
 */
export class Mailbox<T> {
  private readonly queue: T[] = [];
  private readonly waiters = new Set<() => void>();
  private closedReason: string | undefined;

  constructor(private readonly label: (m: T) => string) {}

  push(m: T): void {
    this.queue.push(m);
    for (const w of this.waiters) w();
  }

  /** No more messages will come: waiting calls fail with this reason. */
  close(reason: string): void {
    this.closedReason = reason;
    for (const w of this.waiters) w();
  }

  next(what: string, match: (m: T) => boolean, wait = 10_000, who = ''): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.queue.findIndex(match);
        if (i >= 0) {
          done();
          resolve(this.queue.splice(i, 1)[0]);
        } else if (this.closedReason !== undefined) {
          done();
          reject(new Error(`${this.closedReason} while waiting for ${what}`));
        }
      };
      const t = setTimeout(() => {
        done();
        reject(new Error(`${who}timed out after ${wait} ms waiting for ${what}; queued: ${this.queue.map(this.label).join(', ') || 'nothing'}`));
      }, wait);
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}

/** A SIP message's method or status, for messages about what was queued. */
export const sipLabel = (m: SipMessage) => (m.kind === 'request' ? m.method : String(m.status));

/** Connect a TLS SIP peer; rejects if the handshake fails (within timeoutMs). */
export function connectTlsPeer(options: tls.ConnectionOptions, timeoutMs = 5000): Promise<TlsSipPeer> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(options);
    const box = new Mailbox<SipMessage>(sipLabel);
    const framer = new StreamFramer();
    const closed = new Promise<void>((r) =>
      socket.on('close', () => {
        box.close('connection closed');
        r();
      }),
    );
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TLS handshake with ${options.host}:${options.port} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) {
        if (f.kind !== 'message') continue;
        const p = parseMessage(f.data, { stream: true });
        if (p.ok) box.push(p.message);
      }
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve({
        socket,
        localPort: socket.localPort ?? 0,
        closed,
        send(text, body = '') {
          const head = text.replace(/\r?\n/g, '\r\n').replace(/(\r\n)*$/, '');
          socket.write(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        },
        next(what, match, wait = 10_000) {
          return box.next(what, match, wait);
        },
        close() {
          socket.end();
          const t = setTimeout(() => socket.destroy(), 1000);
          return closed.then(() => clearTimeout(t));
        },
      });
    });
  });
}
