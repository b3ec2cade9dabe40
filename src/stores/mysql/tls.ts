// TLS for connections to MySQL (DB_MySQL_TLS, DB_MySQL_TLS_CA_File, DB_MySQL_TLS_Cert_File,
// DB_MySQL_TLS_Key_File): the files read and checked once, and the `ssl` option mysql2
// takes. Every program that talks to MySQL (sipd, pserver, install_mysql_db,
// mysql_sync_check, sysadmin_mysql_user, sps_setup) gets its settings from
// mysqlTlsFromConfig, so that they all connect the same way.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { Config } from '../../config/loader.js';

export type MySqlTlsMode = 'On' | 'Verify';

export interface MySqlTls {
  /** On: encrypted, certificate not checked; Verify: certificate and host name checked. */
  readonly mode: MySqlTlsMode;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** The TLS files of a configuration could not be used; the message names directive, file:line and file. */
export class MySqlTlsConfigError extends Error {}

/** mysql2's `ssl` option for `t`: TLS 1.2 or later; Verify checks the chain and the host name. */
export function mysqlSslOption(t: MySqlTls): Record<string, unknown> {
  const verify = t.mode === 'Verify';
  return {
    minVersion: 'TLSv1.2',
    rejectUnauthorized: verify,
    verifyIdentity: verify,
    ...(t.ca && { ca: t.ca }),
    ...(t.cert && { cert: t.cert }),
    ...(t.key && { key: t.key }),
  };
}

/**
 * The TLS settings of a configuration, undefined when DB_MySQL_TLS is Off. Files are read
 * relative to ServerRoot and checked (PEM that parses, the key belongs to the certificate);
 * a problem throws MySqlTlsConfigError naming the directive and where it was set.
 */
export function mysqlTlsFromConfig(config: Config): MySqlTls | undefined {
  const v = config.values;
  if (v.DB_MySQL_TLS === 'Off') return undefined;
  const where = (name: string) => {
    const o = config.origin(name);
    return o ? `${o.file}:${o.line}: ${name}` : name;
  };
  const read = (name: string, value: string | undefined): { file: string; data: Buffer } | undefined => {
    if (!value) return undefined;
    const file = config.path(value);
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      throw new MySqlTlsConfigError(`${where(name)}: cannot read ${file}: ${errnoText(e as NodeJS.ErrnoException)}`);
    }
    return { file, data };
  };
  const ca = read('DB_MySQL_TLS_CA_File', v.DB_MySQL_TLS_CA_File);
  const cert = read('DB_MySQL_TLS_Cert_File', v.DB_MySQL_TLS_Cert_File);
  const key = read('DB_MySQL_TLS_Key_File', v.DB_MySQL_TLS_Key_File);
  if (ca) {
    try {
      new X509Certificate(ca.data);
      tls.createSecureContext({ ca: ca.data });
    } catch (e) {
      throw new MySqlTlsConfigError(`${where('DB_MySQL_TLS_CA_File')}: ${ca.file} holds no PEM certificate (${(e as Error).message})`);
    }
  }
  if (cert && key) {
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(cert.data);
    } catch (e) {
      throw new MySqlTlsConfigError(`${where('DB_MySQL_TLS_Cert_File')}: ${cert.file} holds no PEM certificate (${(e as Error).message})`);
    }
    let ok: boolean;
    try {
      ok = x509.checkPrivateKey(createPrivateKey(key.data));
    } catch (e) {
      const m = (e as Error).message;
      const why = /passphrase|encrypted/i.test(m) ? 'the key is encrypted; it must be without a passphrase (openssl pkey -in FILE -out FILE)' : `it holds no PEM private key (${m})`;
      throw new MySqlTlsConfigError(`${where('DB_MySQL_TLS_Key_File')}: ${key.file}: ${why}`);
    }
    if (!ok) throw new MySqlTlsConfigError(`${where('DB_MySQL_TLS_Key_File')}: the key in ${key.file} does not belong to the certificate in ${cert.file}`);
  }
  return { mode: v.DB_MySQL_TLS, ...(ca && { ca: ca.data }), ...(cert && { cert: cert.data }), ...(key && { key: key.data }) };
}

/** The DB_MySQL_TLS file problems of a configuration with DB_MySQL On, for `sipd -t`; empty when all is well. */
export function mysqlTlsProblems(config: Config): string[] {
  if (!config.values.DB_MySQL) return [];
  try {
    mysqlTlsFromConfig(config);
    return [];
  } catch (e) {
    if (e instanceof MySqlTlsConfigError) return [e.message];
    throw e;
  }
}

const ERRNO_TEXT: Readonly<Record<string, string>> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory' };
const errnoText = (e: NodeJS.ErrnoException) => ERRNO_TEXT[e.code ?? ''] ?? e.message;

/**
 * A TLS failure in words an administrator can act on; undefined when `e` is no TLS failure.
 * mysql2 reports every handshake failure as HANDSHAKE_SSL_ERROR with Node's message, so
 * the message tells which check failed.
 */
export function describeTlsError(e: unknown): string | undefined {
  const x = e as { code?: string; message?: string } | undefined;
  const code = x?.code ?? '';
  const msg = x?.message ?? '';
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') return 'the server does not offer TLS (DB_MySQL_TLS is On or Verify): give it ssl_cert and ssl_key, or set DB_MySQL_TLS Off';
  if (code !== 'HANDSHAKE_SSL_ERROR' && !/^(ERR_TLS|ERR_SSL)/.test(code)) return undefined;
  if (/issuer|self[- ]signed|verify the first certificate|untrusted/i.test(msg)) {
    return `TLS: the server's certificate is not signed by an authority in DB_MySQL_TLS_CA_File (${msg})`;
  }
  if (/altnames|does not match/i.test(msg)) return `TLS: the server's certificate does not name the host connected to (${msg})`;
  if (/expired|not yet valid/i.test(msg)) return `TLS: the server's certificate is not valid now (${msg})`;
  return `TLS handshake failed: ${msg}`;
}
