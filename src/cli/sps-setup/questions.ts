// sps_setup's questions: the answer keys in the order they are asked, what each means,
// when it applies, and what a valid answer looks like. Answers typed, read from a file
// or given as options all pass through normalise() and checkAnswers() here.
import { isHostname, isIPv4, isIPv6 } from '../../config/define.js';
import { accountNameProblem } from '../../provisioning/accounts.js';

export const KEYS = [
  'proxy_domain', 'host_address', 'host_name', 'sip_port', 'farm_members',
  'mysql', 'mysql_host', 'mysql_user', 'mysql_password', 'mysql_create_db', 'mysql_admin_user', 'mysql_admin_password', 'mysql_tls', 'mysql_tls_ca_file',
  'galera', 'galera_cluster_name', 'galera_node_address', 'galera_nodes', 'galera_conf_file', 'galera_tls_ca', 'galera_tls_cert', 'galera_tls_key',
  'snmp_community', 'snmp_community_sources', 'snmp_v3_user', 'snmp_v3_auth_password', 'snmp_v3_priv_password', 'trap_sink',
  'pserver_port', 'pserver_admin', 'drweb_port',
] as const;
export type Key = (typeof KEYS)[number];
export type Answers = Partial<Record<Key, string>>;

export const SECRET: ReadonlySet<Key> = new Set(['mysql_password', 'mysql_admin_password', 'snmp_v3_auth_password', 'snmp_v3_priv_password']);

interface Question {
  readonly text: string;
  /** Undefined when the value is fine, else what is valid. */
  check(v: string, a: Answers): string | undefined;
  /** Asked only when this holds for the answers so far. */
  when?(a: Answers): boolean;
}

const isAddress = (s: string) => isIPv4(s) || isIPv6(s);
const isHost = (s: string) => isAddress(s) || isHostname(s);
const portCheck = (v: string) => (/^\d{1,5}$/.test(v) && +v >= 1 && +v <= 65535 ? undefined : 'a port number from 1 to 65535');
export const list = (v: string) => v.split(/[\s,]+/).filter(Boolean);
const mysqlOn = (a: Answers) => a.mysql === 'on';
const galeraOn = (a: Answers) => mysqlOn(a) && (a.galera === 'bootstrap' || a.galera === 'join');
/** An absolute path without blanks or quotes (it goes into option files unquoted). */
const pathCheck = (v: string) => (/^\/[^\s"'\\]*$/.test(v) ? undefined : 'an absolute path without blanks or quotes');
const optionalPath = (v: string) => (v === '' ? undefined : pathCheck(v));
/** host or host:port ([v6]:port), as Galera's addresses are written. */
function galeraAddressCheck(v: string): string | undefined {
  const m = /^(\[([^\]]+)\]|[^:\[\]]+):(\d{1,5})$/.exec(v);
  const ok = m ? (m[2] ? isIPv6(m[2]) : isHost(m[1])) && portCheck(m[3]) === undefined && +m[3] <= 65533 : isHost(v);
  return ok ? undefined : 'a host name or address, with :PORT when group communication is not on port 4567 (IPv6 in brackets then)';
}
const creating = (a: Answers) => mysqlOn(a) && a.mysql_create_db === 'yes';
/** The database is created by another account than sipd's, which it then creates too. */
export const byAdmin = (a: Answers) => creating(a) && !!a.mysql_admin_user && a.mysql_admin_user !== a.mysql_user;
const MYSQL_USER_RE = /^[^\s"'\\]{1,32}$/;

/** DB_MySQL_HostName's form: host, host:port, [v6]:port. */
function mysqlHostCheck(v: string): string | undefined {
  const m = /^(\[([^\]]+)\]|[^:\[\]]+):(\d{1,5})$/.exec(v);
  const ok = m ? (m[2] ? isIPv6(m[2]) : isHost(m[1])) && portCheck(m[3]) === undefined : isHost(v);
  return ok ? undefined : 'a host name or address, with :PORT when MySQL is not on port 3306 (IPv6 in brackets then)';
}

/**
 * An SNMPv3 passphrase: RFC 3414 §11.2 asks for at least 8 characters and the net-snmp tools
 * refuse shorter ones, so a manager could not use the user.
 */
function passphraseCheck(v: string): string | undefined {
  if (v.length < 8) return 'a passphrase of at least 8 characters (RFC 3414 §11.2; snmpget and snmpset refuse shorter ones)';
  return /^[\x21-\x7e]{8,64}$/.test(v) && !/["'#\\]/.test(v) ? undefined : '8 to 64 printable characters, no blanks, quotes, # or \\';
}

/** A community source, ADDRESS or ADDRESS/BITS, as address and mask; undefined if not valid. */
export function sourceRange(s: string): { address: string; mask: string } | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d{1,2}))?$/.exec(s);
  if (!m || !isIPv4(m[1])) return undefined;
  const bits = m[2] === undefined ? 32 : Number(m[2]);
  if (bits > 32) return undefined;
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { address: m[1], mask: [24, 16, 8, 0].map((sh) => (n >>> sh) & 0xff).join('.') };
}

export const QUESTIONS: Record<Key, Question> = {
  proxy_domain: { text: 'SIP domain this proxy serves (ProxyDomain; - for none)', check: (v) => (!v || isHostname(v) ? undefined : 'a domain name such as example.com') },
  host_address: { text: 'IP address of this host', check: (v) => (isAddress(v) ? undefined : 'an IPv4 or IPv6 address such as 10.1.1.1') },
  host_name: { text: 'Host name of this host (ServerName; - for none)', check: (v) => (!v || isHostname(v) ? undefined : 'a host name such as sps1.example.com') },
  sip_port: { text: 'SIP port', check: portCheck },
  farm_members: {
    text: 'Other members of the proxy farm, blank-separated (- for no farm)',
    check: (v) => {
      const bad = list(v).filter((h) => !isHost(h));
      return bad.length ? `host names or addresses; not valid: ${bad.join(', ')}` : undefined;
    },
  },
  mysql: { text: 'Keep subscribers in MySQL (on/off)', check: (v) => (v === 'on' || v === 'off' ? undefined : 'on or off') },
  mysql_host: { text: 'MySQL server host (HOST or HOST:PORT)', check: mysqlHostCheck, when: mysqlOn },
  mysql_user: { text: 'MySQL user name for sipd', check: (v) => (MYSQL_USER_RE.test(v) ? undefined : 'a user name of 1 to 32 characters without blanks or quotes'), when: mysqlOn },
  mysql_password: { text: 'MySQL password for that user', check: (v) => (/^[^\s"'\\]*$/.test(v) ? undefined : 'a password without blanks, quotes or backslashes'), when: mysqlOn },
  mysql_tls: {
    text: 'TLS to MySQL: off, on (encrypted, certificate not checked) or verify (certificate and host name checked)',
    check: (v) => (['off', 'on', 'verify'].includes(v) ? undefined : 'off, on or verify'),
    when: mysqlOn,
  },
  mysql_tls_ca_file: {
    text: 'CA certificate (PEM) that signed the MySQL servers\' certificates (- for the system\'s authorities)',
    check: optionalPath,
    when: (a) => mysqlOn(a) && a.mysql_tls === 'verify',
  },
  mysql_create_db: {
    text: 'Create (or upgrade) the sip database, its tables and that user now (yes/no)',
    check: (v) => (v === 'yes' || v === 'no' ? undefined : 'yes or no'),
    when: mysqlOn,
  },
  mysql_admin_user: {
    text: 'MySQL administrator who creates them (- to do it as the sipd user, which must exist)',
    check: (v, a) => {
      if (v && !MYSQL_USER_RE.test(v)) return 'a user name of 1 to 32 characters without blanks or quotes, or - for the sipd user';
      if (v && v !== a.mysql_user && !a.mysql_password) return 'an administrator only together with a mysql_password for the sipd user it creates (or - for the sipd user itself)';
      return undefined;
    },
    when: creating,
  },
  // Any characters: it is used for one connection and never written anywhere.
  mysql_admin_password: { text: 'Password of the MySQL administrator', check: () => undefined, when: byAdmin },
  galera: {
    text: 'This host\'s MariaDB in a Galera cluster shared by the farm: off, bootstrap (the first node) or join (an existing cluster)',
    check: (v) => (['off', 'bootstrap', 'join'].includes(v) ? undefined : 'off, bootstrap or join'),
    when: mysqlOn,
  },
  galera_cluster_name: {
    text: 'Galera cluster name (the same on every node)',
    check: (v) => (/^[A-Za-z0-9_.-]{1,64}$/.test(v) ? undefined : '1 to 64 letters, digits, _ . or -'),
    when: galeraOn,
  },
  galera_node_address: {
    text: 'This node\'s address for Galera group communication (HOST or HOST:PORT, 4567 by default)',
    check: galeraAddressCheck,
    when: galeraOn,
  },
  galera_nodes: {
    text: 'The other Galera nodes, HOST or HOST:PORT blank-separated (- for none yet, when bootstrapping)',
    check: (v, a) => {
      const bad = list(v).filter((h) => galeraAddressCheck(h) !== undefined);
      if (bad.length) return `host names or addresses, with :PORT when not 4567; not valid: ${bad.join(', ')}`;
      if (a.galera === 'join' && !list(v).length) return 'at least one node of the cluster to join';
      if (a.galera_node_address && list(v).includes(a.galera_node_address)) return `the other nodes only; ${a.galera_node_address} is this node (galera_node_address)`;
      return undefined;
    },
    when: galeraOn,
  },
  galera_conf_file: {
    text: 'MariaDB option file sps_setup writes the Galera settings to',
    check: pathCheck,
    when: galeraOn,
  },
  galera_tls_ca: {
    text: 'CA certificate (PEM) for TLS between Galera nodes (- for replication without TLS)',
    check: optionalPath,
    when: galeraOn,
  },
  galera_tls_cert: {
    text: 'This node\'s certificate (PEM) for Galera TLS',
    check: pathCheck,
    when: (a) => galeraOn(a) && !!a.galera_tls_ca,
  },
  galera_tls_key: {
    text: 'Its private key (PEM, readable by the mysql user)',
    check: pathCheck,
    when: (a) => galeraOn(a) && !!a.galera_tls_ca,
  },
  snmp_community: {
    text: 'SNMP community for managers (read-only; SNMPv1/v2c)',
    check: (v) => (/^[\x21-\x7e]{1,32}$/.test(v) && !/["'#\\]/.test(v) ? undefined : '1 to 32 printable characters, no blanks, quotes, # or \\'),
  },
  snmp_community_sources: {
    text: 'Addresses that may use that community, ADDRESS[/BITS] blank-separated (127.0.0.1: this host only; 0.0.0.0/0: any)',
    check: (v) => {
      const all = list(v);
      const bad = all.filter((s) => sourceRange(s) === undefined);
      if (bad.length) return `IPv4 ADDRESS or ADDRESS/BITS (0 to 32); not valid: ${bad.join(', ')}`;
      return all.length ? undefined : 'at least one IPv4 address (127.0.0.1 for this host only)';
    },
  },
  snmp_v3_user: {
    text: 'SNMPv3 user for managers: reads and writes, SHA-256 authentication and AES privacy (- for none)',
    check: (v) => (!v || /^[A-Za-z0-9_.]([A-Za-z0-9_.-]{0,31})$/.test(v) ? undefined : 'letters, digits, _ . - (up to 32, not starting with -), or - for none'),
  },
  snmp_v3_auth_password: {
    text: 'SNMPv3 authentication passphrase (HMAC-SHA-256; 8 to 64 characters)',
    check: passphraseCheck,
    when: (a) => !!a.snmp_v3_user,
  },
  snmp_v3_priv_password: {
    text: 'SNMPv3 privacy passphrase (AES-128; 8 to 64 characters, privacy is always on)',
    check: passphraseCheck,
    when: (a) => !!a.snmp_v3_user,
  },
  trap_sink: {
    text: 'Where else to send SNMP traps, ADDRESS[:PORT] blank-separated (- for only where snmpd.cnf already says)',
    check: (v) => {
      const bad = list(v).filter((t) => {
        const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(t);
        return !m || !isIPv4(m[1]) || (m[2] !== undefined && portCheck(m[2]) !== undefined);
      });
      return bad.length ? `IPv4 ADDRESS or ADDRESS:PORT; not valid: ${bad.join(', ')}` : undefined;
    },
  },
  pserver_port: { text: 'Provisioning server (pserver) port', check: portCheck },
  // pserver creates it at first start with a one-time password; an existing account list is left alone.
  pserver_admin: { text: 'Provisioning GUI first administrator (user ID)', check: (v) => accountNameProblem(v) ?? undefined },
  // Off unless asked for: the agent's web pages are one more listening service.
  drweb_port: { text: 'SNMP agent Dr-Web pages (HTTPS) port, or off', check: (v) => (v === '' ? undefined : portCheck(v)) },
};

/** Normalise what people type: on/off spellings, lists with commas. */
export function normalise(k: Key, v: string): string {
  const t = v.trim();
  if (k === 'mysql') {
    const l = t.toLowerCase();
    if (['on', 'yes', 'y', 'true', '1'].includes(l)) return 'on';
    if (['off', 'no', 'n', 'false', '0'].includes(l)) return 'off';
  }
  // "-": sipd's own account / no SNMPv3 user, in files and options too.
  if ((k === 'mysql_admin_user' || k === 'snmp_v3_user') && t === '-') return '';
  if (k === 'mysql_tls' || k === 'galera') {
    const l = t.toLowerCase();
    if (['no', 'n', 'false', '0', '-'].includes(l)) return 'off';
    if (k === 'mysql_tls' && ['yes', 'y', 'true', '1'].includes(l)) return 'on';
    return l;
  }
  if (['mysql_tls_ca_file', 'galera_tls_ca', 'galera_nodes'].includes(k) && t === '-') return '';
  if (k === 'mysql_create_db') {
    const l = t.toLowerCase();
    if (['yes', 'y', 'on', 'true', '1'].includes(l)) return 'yes';
    if (['no', 'n', 'off', 'false', '0'].includes(l)) return 'no';
  }
  // "off" or "-": the Dr-Web pages off (a blank typed answer keeps the previous one).
  if (k === 'drweb_port' && ['off', '-', 'no', 'none'].includes(t.toLowerCase())) return '';
  if (k === 'farm_members' || k === 'trap_sink' || k === 'snmp_community_sources' || k === 'galera_nodes') return list(t).join(' ');
  return t;
}

/** Check every answer that applies; messages name the key and what is valid. */
export function checkAnswers(a: Answers): string[] {
  const errors: string[] = [];
  for (const k of KEYS) {
    const q = QUESTIONS[k];
    if (q.when && !q.when(a)) continue;
    const why = q.check(a[k] ?? '', a);
    if (why) errors.push(`${k}: "${SECRET.has(k) ? '…' : (a[k] ?? '')}" is not valid; expected ${why}`);
  }
  return errors;
}
