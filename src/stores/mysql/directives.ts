// Directives of the MySQL store: where the subscriber table lives, how to log in, and
// which column holds each subscriber field when an existing table uses other names.
import { directivesFor, parseHost } from '../../config/define.js';
import { ValueError } from '../../config/spec.js';
import type { Arg, Check, ValuesOf } from '../../config/spec.js';

const d = directivesFor('mysql', 'mysql');

const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,63}$/;

/** A bare SQL identifier: a letter or _, then letters, digits, _ or $; 64 characters at most. */
export function parseSqlIdentifier(a: Arg, index = 0): string {
  if (SQL_IDENTIFIER.test(a.text)) return a.text;
  throw new ValueError(
    `"${a.text}" is not a valid SQL name: start with a letter or _, then letters, digits, _ or $, at most 64 characters`,
    index,
  );
}

/** A host, optionally with :port (IPv6 in brackets when a port follows); MySQL's port 3306 when none is given. */
export function parseMySqlHostArg(a: Arg): string {
  const m = /^(\[[^\]]+\]|[^:\[\]]+):(\d{1,5})$/.exec(a.text);
  if (m) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new ValueError(`port ${m[2]} is out of range (1 to 65535)`, 0);
    parseHost({ ...a, text: m[1] });
    return a.text;
  }
  parseHost(a);
  return a.text;
}

function parseUserName(a: Arg): string {
  if (a.text.length < 1 || a.text.length > 32) throw new ValueError('a MySQL user name has 1 to 32 characters', 0);
  return a.text;
}

function parseSecret(a: Arg): string {
  if (!a.text) throw new ValueError('the password is empty', 0);
  return a.text;
}

function parsePath(a: Arg): string {
  if (!a.text.trim()) throw new ValueError('the file name is empty', 0);
  return a.text;
}

function tlsFile<N extends string>(name: N, what: string, example: string) {
  return d.optText(name, { type: 'path', check: parsePath, example: [`${name} ${example}`], doc: `${what} A relative path is taken from ServerRoot.` });
}

function field<N extends string>(name: N, column: string, what: string) {
  return d.text(name, {
    default: column,
    type: 'SQL column name',
    check: (a: Arg) => parseSqlIdentifier(a),
    doc: `Column of the subscriber table holding ${what}; change it only to map an existing table.`,
  });
}

export const mysqlDirectives = [
  d.onOff('DB_MySQL', {
    default: false,
    doc: 'Keep subscribers (passwords, call-forward targets) in MySQL, reached over TCP. Off uses the embedded file-backed store.',
  }),
  d.text('DB_MySQL_HostName', {
    default: 'localhost',
    type: 'host name or IP address, optionally :port',
    check: parseMySqlHostArg,
    doc: 'Host of the primary MySQL server, with :port when it is not 3306 (IPv6 in brackets then: [2001:db8::5]:3307). The guide gives no default; sipd uses localhost, where install scripts put the database.',
  }),
  d.optText('DB_MySQL_Secondary_HostName', {
    type: 'host name or IP address, optionally :port',
    check: parseMySqlHostArg,
    doc: 'Host (and :port when not 3306) of a replica that sipd falls back to while the primary cannot be reached; sipd returns to the primary as soon as it answers again. Unset means no fallback.',
  }),
  d.text('DB_MySQL_DB', {
    default: 'sip',
    type: 'SQL database name',
    check: (a: Arg) => parseSqlIdentifier(a),
    doc: 'Database that holds the subscriber table.',
  }),
  d.optText('DB_MySQL_Username', {
    type: 'MySQL user name',
    check: parseUserName,
    doc: 'Account sipd logs in to MySQL with. No default: set it whenever DB_MySQL is On.',
  }),
  d.optText('DB_MySQL_Password', {
    type: 'secret',
    check: parseSecret,
    doc: 'Password of that account, never written to any log or status output. Since it sits here in clear, make sipd.conf readable only by csps (e.g. mode 0640, owner root, group csps).',
  }),
  d.text('DB_MySQL_SubscriberTable', {
    default: 'subscriber',
    type: 'SQL table name',
    check: (a: Arg) => parseSqlIdentifier(a),
    doc: 'Table holding one row per subscriber. sysadmin_sps_regroute expects the name subscriber.',
  }),
  d.int('DB_MySQL_Connect_Timeout', {
    default: 3,
    min: 1,
    max: 60,
    unit: 'seconds',
    doc: 'How long to wait when connecting to MySQL before marking the server down; requests then fail over (or go without) until it is back. A long wait holds calls up under load.',
  }),
  d.oneOf('DB_MySQL_TLS', {
    values: ['Off', 'On', 'Verify'],
    default: 'Off',
    doc: 'TLS on every connection to MySQL (sipd, pserver and the MySQL tools all read it). Off: plain TCP. On: encrypted, TLS 1.2 or later, but the server\'s certificate is not checked, which stops eavesdropping but not a server impersonated on the path. Verify: encrypted, and the certificate must be signed by DB_MySQL_TLS_CA_File (the system\'s authorities when unset) and name the host of DB_MySQL_HostName (a DNS or IP subjectAltName); a connection that fails the check fails with the reason, nothing falls back to plain TCP.',
  }),
  tlsFile('DB_MySQL_TLS_CA_File', 'PEM file of the authorities that sign the MySQL servers\' certificates, for DB_MySQL_TLS Verify.', 'conf/tls/mysql-ca.pem'),
  tlsFile('DB_MySQL_TLS_Cert_File', 'PEM client certificate sipd presents to MySQL, for accounts created REQUIRE X509 or REQUIRE SUBJECT; set DB_MySQL_TLS_Key_File with it.', 'conf/tls/mysql-client.pem'),
  tlsFile('DB_MySQL_TLS_Key_File', 'PEM private key (without a passphrase) of DB_MySQL_TLS_Cert_File; make it readable only by the account sipd runs as.', 'conf/tls/mysql-client.key'),
  field('DB_MySQL_UserId_Field', 'user_id', 'the subscriber\'s user name (the key looked up)'),
  field('DB_MySQL_Domain_Field', 'domain', 'the subscriber\'s domain'),
  field('DB_MySQL_Password_Field', 'password', 'the password checked by digest and basic authentication'),
  field('DB_MySQL_FirstName_Field', 'first_name', 'the first name'),
  field('DB_MySQL_MiddleName_Field', 'middle_name', 'the middle name'),
  field('DB_MySQL_LastName_Field', 'last_name', 'the last name'),
  field('DB_MySQL_DestUrlCfu_Field', 'dest_url_cfu', 'the call-forward-unconditional target URL'),
  field('DB_MySQL_DestUrlCfb_Field', 'dest_url_cfb', 'the call-forward-busy target URL'),
  field('DB_MySQL_DestUrlCfna_Field', 'dest_url_cfna', 'the call-forward-no-answer target URL'),
  field('DB_MySQL_DestUrlCfunv_Field', 'dest_url_cfunv', 'the call-forward-unavailable target URL'),
  field('DB_MySQL_RedirectDnPrivacy_Field', 'redirect_dn_privacy', 'the flag that hides the forwarding number (privacy=full in Diversion)'),
] as const;

/** A client certificate needs its key and the other way round. */
const tlsPair: Check = (v) => {
  const problems: { directive: string; message: string }[] = [];
  if (v.DB_MySQL_TLS_Cert_File && !v.DB_MySQL_TLS_Key_File) problems.push({ directive: 'DB_MySQL_TLS_Cert_File', message: 'a client certificate needs its key: set DB_MySQL_TLS_Key_File too' });
  if (v.DB_MySQL_TLS_Key_File && !v.DB_MySQL_TLS_Cert_File) problems.push({ directive: 'DB_MySQL_TLS_Key_File', message: 'a client key needs its certificate: set DB_MySQL_TLS_Cert_File too' });
  return problems;
};

/** Checks across the MySQL directives, run after the whole file is read. */
export const mysqlChecks: readonly Check[] = [tlsPair];

type MysqlValues = ValuesOf<typeof mysqlDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends MysqlValues {}
}
