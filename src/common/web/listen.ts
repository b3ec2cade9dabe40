// How a web GUI listens: HTTPS with a certificate and key from files, or plain HTTP only on
// a loopback address (tests, or a reverse proxy on the same host that does the TLS). Also the
// self-signed certificate sps_setup and pserver's first start make when none is configured.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface WebListen {
  readonly host: string;
  readonly port: number;
}

/** "0.0.0.0:26005", "[::1]:8443", "127.0.0.1:26005" → host and port; a bare port means every address. */
export function parseListen(text: string): WebListen | string {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!m) return `"${text}" is not ADDRESS:PORT (e.g. 0.0.0.0:26005 or [::1]:26005)`;
  const host = m[1] || m[2] || '0.0.0.0';
  const port = Number(m[3]);
  if (!net.isIP(host)) return `"${host}" is not an IP address`;
  if (port < 1 || port > 65535) return `${port} is not a port number (1 to 65535)`;
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1' || /^::ffff:127\./i.test(host);
}

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** What createWebApp needs to serve HTTPS, or null for plain HTTP; throws with the reason plain HTTP is not allowed here. */
export function webTransport(listen: WebListen, tls: TlsFiles | null): { https: { cert: Buffer; key: Buffer } | null; secureCookies: boolean } {
  if (!tls) {
    if (!isLoopback(listen.host)) {
      throw new Error(
        `plain HTTP is allowed only on a loopback address (127.0.0.1 or ::1), not on ${listen.host}: passwords and session cookies would cross the network in clear; configure a certificate and key, or listen on 127.0.0.1 behind a reverse proxy that does HTTPS`,
      );
    }
    return { https: null, secureCookies: false };
  }
  const read = (f: string, what: string): Buffer => {
    try {
      return readFileSync(f);
    } catch (e) {
      throw new Error(`cannot read the ${what} ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  return { https: { cert: read(tls.certFile, 'certificate'), key: read(tls.keyFile, 'private key') }, secureCookies: true };
}

function run(cmd: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, _out, stderr) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code;
      reject(new Error(code === 'ENOENT' ? `${cmd} not found: install the openssl package` : `${cmd} failed: ${stderr.trim() || err.message}`));
    });
  });
}

/**
 * A self-signed certificate for `hostName` (and 127.0.0.1, ::1, localhost) in `dir`:
 * <dir>/pserver-cert.pem and <dir>/pserver-key.pem (0600). An existing pair is kept.
 */
export async function makeSelfSignedCertificate(dir: string, hostName: string, baseName = 'pserver'): Promise<TlsFiles> {
  const certFile = path.join(dir, `${baseName}-cert.pem`);
  const keyFile = path.join(dir, `${baseName}-key.pem`);
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile };
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(hostName)) throw new Error(`"${hostName}" is not a host name for a certificate`);
  mkdirSync(dir, { recursive: true });
  const san = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'];
  if (net.isIP(hostName)) san.unshift(`IP:${hostName}`);
  else if (hostName !== 'localhost') san.unshift(`DNS:${hostName}`);
  // The key is written under a umask that keeps it private from the start.
  const oldMask = process.umask(0o077);
  try {
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', '825',
      '-subj', `/CN=${hostName}`, '-addext', `subjectAltName=${san.join(',')}`,
      '-keyout', keyFile, '-out', certFile,
    ]);
  } finally {
    process.umask(oldMask);
  }
  chmodSync(keyFile, 0o600);
  chmodSync(certFile, 0o644);
  return { certFile, keyFile };
}
