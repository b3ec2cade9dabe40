// SIP over TLS (guide ch.1 "TLS Support"): a listener on SipTlsPort and outgoing TLS
// connections, over the same connection table and framing as TCP (stream.ts).
//
// What we keep from the guide: certificate, key and CA files from sipd.conf; a
// server-side session cache living SipTlsSessionTimeout seconds; mutual
// authentication that also matches the client's certificate against the Via it
// writes; and, as a client, matching the server's certificate to the host we meant to
// reach, subjectAltName first and the subject CN only for certificates without one.
// What we change: TLS 1.2 and 1.3 only, with ECDHE key exchange and AEAD ciphers
// (the guide's TLSv1 / SSLv23 fallback, RSA key exchange and 3DES are broken or
// deprecated: RFC 8996, RFC 7525/9325).
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type net from 'node:net';
import tls from 'node:tls';
import type { Config } from '../config/loader.js';
import type { ListenAddress } from './directives.js';
import { STREAM_DEFAULTS, StreamTransport } from './stream.js';
import type { Direction, StreamFlavour, StreamOptions } from './stream.js';
import { hostPort } from './types.js';
import type { CertificateNames, Inbound, MessageHandler, TransportLogger, TransportName } from './types.js';

/** TLS 1.3 suites, then TLS 1.2 suites with forward secrecy and authenticated encryption only. */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const TLS_MIN_VERSION = 'TLSv1.2';

/** Server-side sessions remembered for resumption by session ID (tickets need no memory). */
const SESSION_CACHE_SIZE = 4096;
/** Outgoing sessions remembered per peer, to resume our own connections. */
const CLIENT_SESSION_CACHE_SIZE = 1024;

// ---------------------------------------------------------------------------
// Certificate identities

export interface CertificateIdentities {
  /** DNS names, plus the host of each sip:/sips: URI name (RFC 5922 §7.1). Lower case. */
  readonly dns: string[];
  /** IP addresses, in canonical text form. */
  readonly ip: string[];
  /** Subject common names, lower case. */
  readonly cn: string[];
}

/** Split Node's subjectaltname text; entries holding a comma are quoted by Node. */
function splitAltNames(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\' && i + 1 < text.length) cur += text[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** An IP address in one spelling ("0:0:0:0:0:0:0:1" and "::1" compare equal), or undefined. */
export function canonicalIp(text: string): string | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1');
  const v = isIP(bare);
  if (v === 4) return bare;
  if (v === 6) {
    try {
      return new URL(`http://[${bare}]/`).hostname.replace(/^\[(.*)\]$/, '$1');
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export function certificateIdentities(cert: CertificateNames): CertificateIdentities {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const entry of splitAltNames(cert.subjectaltname ?? '')) {
    const colon = entry.indexOf(':');
    if (colon < 0) continue;
    const kind = entry.slice(0, colon).trim();
    const value = entry.slice(colon + 1).trim();
    if (kind === 'DNS') dns.push(canonicalName(value));
    else if (kind === 'IP Address') {
      const c = canonicalIp(value);
      if (c) ip.push(c);
    } else if (kind === 'URI') {
      // A SIP domain certificate may name its domain as a sip: URI without a user part.
      const m = /^sips?:([^@;?>]+)$/i.exec(value);
      if (m) dns.push(canonicalName(m[1].replace(/:\d+$/, '')));
    }
  }
  const cnField = cert.subject?.CN;
  const cn = (cnField === undefined ? [] : typeof cnField === 'string' ? [cnField] : [...cnField]).map(canonicalName);
  return { dns, ip, cn };
}

/**
 * Does this certificate name `host` (a host name or an IP address, brackets allowed)?
 * Names of the host's own kind in subjectAltName decide; the subject CN is consulted
 * only when the certificate has no subjectAltName of that kind (the guide keeps the CN
 * for older certificates). Wildcards are not matched: SIP certificates name their
 * domain exactly (RFC 5922 §7.2).
 */
export function certificateMatchesHost(cert: CertificateNames, host: string): boolean {
  const id = certificateIdentities(cert);
  const ip = canonicalIp(host);
  if (ip) {
    if (id.ip.length) return id.ip.includes(ip);
    return id.cn.some((cn) => canonicalIp(cn) === ip);
  }
  const name = canonicalName(host);
  if (id.dns.length) return id.dns.includes(name);
  return id.cn.includes(name);
}

/** A checkServerIdentity for tls.connect: undefined when the certificate names `host`, else why not. */
export function checkSipServerIdentity(host: string, cert: CertificateNames): Error | undefined {
  if (certificateMatchesHost(cert, host)) return undefined;
  const id = certificateIdentities(cert);
  const names = [...id.dns.map((d) => `DNS:${d}`), ...id.ip.map((i) => `IP:${i}`), ...id.cn.map((c) => `CN=${c}`)];
  const err = new Error(`the certificate does not name ${host} (it names ${names.join(', ') || 'nothing'})`) as Error & { code: string };
  err.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
  return err;
}

// ---------------------------------------------------------------------------
// Policy

/**
 * AllowSipTlsConversionToSip: may a request leave over `next`? A request that arrived
 * over TLS, or whose Request-URI (as received) is sips:, leaves over TLS only, unless
 * the directive is On. For the proxy core to call per target before sending.
 */
export function tlsDowngradeAllowed(arrivedOver: TransportName, requestUri: string, next: TransportName, allowConversion: boolean): boolean {
  if (next === 'TLS' || allowConversion) return true;
  return arrivedOver !== 'TLS' && !/^\s*sips:/i.test(requestUri);
}

// ---------------------------------------------------------------------------
// Credentials

export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Undefined: the system's trusted roots (server certificates only; mutual authentication needs a file). */
  readonly ca?: Buffer;
}

export interface TlsSettings {
  /** SipTlsSessionTimeout, seconds. */
  readonly sessionTimeoutS: number;
  /** SipTlsMutualAuthentication. */
  readonly mutualAuth: boolean;
}

export type CredentialsResult = { readonly ok: true; readonly credentials: TlsCredentials; readonly warnings: string[] } | { readonly ok: false; readonly errors: string[] };

export function tlsSettingsFrom(c: Config): TlsSettings {
  return { sessionTimeoutS: c.values.SipTlsSessionTimeout, mutualAuth: c.values.SipTlsMutualAuthentication };
}

/**
 * Read and check the files of SipTlsCertificateFile, SipTlsCertificateKeyFile and
 * SipTlsCACertificateFile (relative to ServerRoot): readable, PEM that parses, the key
 * belongs to the certificate. Every problem names the directive, where it was set and
 * the file. Used at start and by `sipd -t` (through tlsFileProblems).
 */
export function loadTlsCredentials(c: Config): CredentialsResult {
  const v = c.values;
  const errors: string[] = [];
  const warnings: string[] = [];
  const where = (name: string) => {
    const o = c.origin(name);
    return o ? `${name} (${o.file}:${o.line})` : name;
  };
  const read = (name: 'SipTlsCertificateFile' | 'SipTlsCertificateKeyFile' | 'SipTlsCACertificateFile'): { file: string; data: Buffer } | undefined => {
    const value = v[name];
    if (!value) return undefined;
    const file = c.path(value);
    try {
      return { file, data: readFileSync(file) };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
      errors.push(`${where(name)}: cannot read ${file}: ${why}${err.code ? ` (${err.code})` : ''}`);
      return undefined;
    }
  };
  if (!v.SipTlsCertificateFile) errors.push(`SipTlsEnable is On but SipTlsCertificateFile is not set`);
  if (!v.SipTlsCertificateKeyFile) errors.push(`SipTlsEnable is On but SipTlsCertificateKeyFile is not set`);
  const certFile = read('SipTlsCertificateFile');
  const keyFile = read('SipTlsCertificateKeyFile');
  const caFile = read('SipTlsCACertificateFile');
  if (v.SipTlsMutualAuthentication && !v.SipTlsCACertificateFile) errors.push(`${where('SipTlsMutualAuthentication')}: mutual authentication needs SipTlsCACertificateFile, the authorities whose clients are accepted`);

  let x509: X509Certificate | undefined;
  if (certFile) {
    try {
      x509 = new X509Certificate(certFile.data);
      const now = Date.now();
      if (Date.parse(x509.validTo) < now) warnings.push(`${where('SipTlsCertificateFile')}: the certificate in ${certFile.file} expired on ${x509.validTo}`);
      else if (Date.parse(x509.validFrom) > now) warnings.push(`${where('SipTlsCertificateFile')}: the certificate in ${certFile.file} is not valid before ${x509.validFrom}`);
    } catch (e) {
      errors.push(`${where('SipTlsCertificateFile')}: ${certFile.file} holds no PEM certificate (${(e as Error).message})`);
    }
  }
  if (keyFile) {
    try {
      const key = createPrivateKey(keyFile.data);
      if (x509 && !x509.checkPrivateKey(key)) errors.push(`${where('SipTlsCertificateKeyFile')}: the key in ${keyFile.file} does not belong to the certificate in ${certFile!.file}`);
    } catch (e) {
      const m = (e as Error).message;
      const why = /passphrase|encrypted/i.test(m) ? 'the key is encrypted; sipd needs it without a passphrase (openssl pkey -in FILE -out FILE)' : `it holds no PEM private key (${m})`;
      errors.push(`${where('SipTlsCertificateKeyFile')}: ${keyFile.file}: ${why}`);
    }
  }
  if (caFile) {
    try {
      new X509Certificate(caFile.data);
      tls.createSecureContext({ ca: caFile.data });
    } catch (e) {
      errors.push(`${where('SipTlsCACertificateFile')}: ${caFile.file} holds no PEM certificate (${(e as Error).message})`);
    }
  }
  if (errors.length || !certFile || !keyFile) return { ok: false, errors };
  return { ok: true, credentials: { cert: certFile.data, key: keyFile.data, ca: caFile?.data }, warnings };
}

/** The TLS file problems of a configuration, for `sipd -t`; empty when TLS is Off or all is well. */
export function tlsFileProblems(c: Config): string[] {
  if (!c.values.SipTlsEnable) return [];
  const r = loadTlsCredentials(c);
  return r.ok ? [] : r.errors;
}

/** The TLS listen addresses: every host of Listen (or all addresses) on SipTlsPort. */
export function tlsListenAddresses(listen: readonly ListenAddress[], tlsPort: number): ListenAddress[] {
  const hosts = [...new Set(listen.map((l) => l.host ?? ''))];
  if (!hosts.length || hosts.includes('')) return [{ port: tlsPort }];
  return hosts.map((host) => ({ host, port: tlsPort }));
}

// ---------------------------------------------------------------------------
// The transport

export class TlsTransport extends StreamTransport {
  private settings: TlsSettings;
  /** Server-side session cache, by session ID, for clients resuming without tickets. */
  private readonly serverSessions = new Map<string, { data: Buffer; expires: number }>();
  /** Our own sessions per peer "host:port", offered when we connect again. */
  private readonly clientSessions = new Map<string, Buffer>();
  private readonly ticketKeys = randomBytes(48);

  private constructor(
    handler: MessageHandler,
    log: TransportLogger,
    opts: StreamOptions,
    private readonly credentials: TlsCredentials,
    settings: TlsSettings,
  ) {
    // The flavour needs `this`; it is built before super() can run, so it reads through a holder.
    const self: { t?: TlsTransport } = {};
    const flavour: StreamFlavour = {
      transport: 'TLS',
      createServer: (onSocket) => self.t!.createServer(onSocket),
      connect: (host, port, serverName) => self.t!.connect(host, port, serverName),
      inbound: (from, socket, direction) => self.t!.inbound(from, socket, direction),
    };
    super(flavour, handler, log, opts);
    self.t = this;
    this.settings = settings;
  }

  static async listen(
    addresses: readonly ListenAddress[],
    handler: MessageHandler,
    log: TransportLogger,
    opts: StreamOptions,
    credentials: TlsCredentials,
    settings: TlsSettings,
  ): Promise<TlsTransport> {
    const t = new TlsTransport(handler, log, { ...STREAM_DEFAULTS, ...opts }, credentials, settings);
    await t.listenAll(addresses);
    return t;
  }

  /** A graceful restart: the session timeout and mutual authentication apply to new connections. */
  reconfigureTls(settings: TlsSettings): void {
    if (settings.mutualAuth && !this.credentials.ca) {
      this.log('error', 'SipTlsMutualAuthentication On needs SipTlsCACertificateFile, which can only be set with a full restart; mutual authentication stays Off');
      settings = { ...settings, mutualAuth: false };
    }
    this.settings = settings;
    for (const s of this.listeners) {
      const server = s as tls.Server & { requestCert: boolean; rejectUnauthorized: boolean };
      server.setSecureContext(this.contextOptions());
      // Read by Node for each new connection; there is no public setter.
      server.requestCert = settings.mutualAuth;
      server.rejectUnauthorized = settings.mutualAuth;
    }
  }

  private contextOptions(): tls.SecureContextOptions {
    return {
      cert: this.credentials.cert,
      key: this.credentials.key,
      ca: this.credentials.ca,
      minVersion: TLS_MIN_VERSION,
      ciphers: TLS_CIPHERS,
      honorCipherOrder: true,
      sessionTimeout: this.settings.sessionTimeoutS,
      ticketKeys: this.ticketKeys,
    };
  }

  private createServer(onSocket: (socket: net.Socket) => void): net.Server {
    const server = tls.createServer({
      ...this.contextOptions(),
      requestCert: this.settings.mutualAuth,
      rejectUnauthorized: this.settings.mutualAuth,
      allowHalfOpen: false,
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      this.log('debug', `TLS handshake with ${hostPort(socket.remoteAddress ?? '', socket.remotePort ?? 0)}: ${describeSession(socket)}`);
      onSocket(socket);
    });
    server.on('tlsClientError', (e: Error, socket: tls.TLSSocket) => {
      this.log('info', `TLS handshake from ${hostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0)} failed: ${e.message}`);
    });
    // Session-ID resumption (TLS 1.2 clients without tickets), bounded and timed.
    server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      if (this.serverSessions.size >= SESSION_CACHE_SIZE) this.serverSessions.delete(this.serverSessions.keys().next().value!);
      this.serverSessions.set(id.toString('hex'), { data, expires: Date.now() + this.settings.sessionTimeoutS * 1000 });
      done();
    });
    server.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
      const key = id.toString('hex');
      const s = this.serverSessions.get(key);
      if (s && s.expires < Date.now()) this.serverSessions.delete(key);
      done(null, s && s.expires >= Date.now() ? s.data : null);
    });
    return server;
  }

  private connect(host: string, port: number, serverName: string | undefined): { socket: net.Socket; ready: 'secureConnect' } {
    const key = hostPort(host, port);
    const expected = serverName ?? host;
    const socket = tls.connect({
      host,
      port,
      // SNI carries host names only (RFC 6066 §3).
      servername: isIP(expected.replace(/^\[(.*)\]$/, '$1')) ? undefined : expected,
      // Our certificate, for servers that ask for one (mutual authentication).
      cert: this.credentials.cert,
      key: this.credentials.key,
      ca: this.credentials.ca,
      minVersion: TLS_MIN_VERSION,
      ciphers: TLS_CIPHERS,
      rejectUnauthorized: true,
      checkServerIdentity: (_name, cert) => checkSipServerIdentity(expected, cert),
      session: this.clientSessions.get(key),
    });
    socket.on('session', (session: Buffer) => {
      if (this.clientSessions.size >= CLIENT_SESSION_CACHE_SIZE && !this.clientSessions.has(key)) this.clientSessions.delete(this.clientSessions.keys().next().value!);
      this.clientSessions.set(key, session);
    });
    socket.once('secureConnect', () => this.log('debug', `TLS handshake with ${key} (${expected}): ${describeSession(socket)}`));
    return { socket, ready: 'secureConnect' };
  }

  /**
   * Mutual authentication, second half (guide "TLS Server Behavior"): a request on a
   * connection a client opened must carry, in its top Via, a host the client's
   * certificate names. The transport hands the certificate's names up with each message;
   * the proxy's first stage matches them and answers 403 (src/proxy/tls-peer.ts). What
   * arrives on our own connections is not checked: its top Via is ours.
   */
  private inbound(from: Inbound, socket: net.Socket, direction: Direction): Inbound {
    if (!this.settings.mutualAuth || direction !== 'in') return from;
    const cert = (socket as tls.TLSSocket).getPeerCertificate();
    const names: CertificateNames | null = cert && Object.keys(cert).length ? { subject: cert.subject, subjectaltname: cert.subjectaltname } : null;
    return { ...from, tlsClientCertificate: names };
  }
}

function describeSession(s: tls.TLSSocket): string {
  const c = s.getCipher();
  return `${s.getProtocol() ?? '?'} ${c?.standardName ?? c?.name ?? '?'}${s.isSessionReused() ? ', session resumed' : ''}${s.authorized ? ', peer certificate verified' : ''}`;
}
