// sps_setup — sets up an installed OpenSPS: asks (or reads) the proxy domain, this host's
// address and name, the farm members, MySQL, SNMP and the pserver port, and writes them
// into conf/sipd.conf (directive values edited in place; comments and every other line
// kept), conf/snmpd.cnf (a block it owns) and conf/ps.conf.
//
//   sps_setup                              interactive: one question per item, [default]
//   sps_setup --answers FILE               key=value lines (keys below); no questions
//   sps_setup --host-address 10.1.1.9 …    the same keys as options; no questions
//   options: --prefix DIR (install prefix; default: this installation), -n (no questions)
//
// Run again to change anything, in particular the IP address: the previous answers are
// kept in conf/sps_setup.answers, and every place holding the old address (sipd.conf,
// snmpd.cnf, the other conf files) is rewritten. Nothing is written unless the result
// passes the same check as `sipd -t`. Every run is logged in logs/sps_setup_log.
//
// With MySQL on and mysql_create_db=yes it also creates (or upgrades) the sip database,
// its tables and sipd's account, with install_mysql_db's code, before any file is written:
// when that fails, no file changes.
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { formatMessage, parseConfig } from '../config/loader.js';
import type { ConfigMessage } from '../config/loader.js';
import { isHostname, isIPv4, isIPv6 } from '../config/define.js';
import { nearest } from '../config/suggest.js';
import { parseSnmpdCnf } from '../agent/cnf/snmpd-cnf.js';
import { INSTALL_PREFIX } from '../common/install.js';
import type { RowDataPacket } from 'mysql2/promise';
import { MySqlPool, endpointText, parseMySqlHost } from '../stores/mysql/pool.js';
import type { MySqlEndpoint } from '../stores/mysql/pool.js';
import { columnsFromConfig, q } from '../stores/mysql/subscriber-store.js';
import type { SubscriberColumns } from '../stores/mysql/subscriber-store.js';
import { installMySqlDb } from './install-mysql-db.js';
import { guideMessage } from './sysadmin-mysql-user.js';

// ---------------------------------------------------------------------------------------
// The questions

export const KEYS = [
  'proxy_domain', 'host_address', 'host_name', 'sip_port', 'farm_members',
  'mysql', 'mysql_host', 'mysql_user', 'mysql_password', 'mysql_create_db', 'mysql_admin_user', 'mysql_admin_password',
  'snmp_community', 'snmp_v3_user', 'snmp_v3_auth_password', 'snmp_v3_priv_password', 'trap_sink',
  'pserver_port',
] as const;
export type Key = (typeof KEYS)[number];
export type Answers = Partial<Record<Key, string>>;

const SECRET: ReadonlySet<Key> = new Set(['mysql_password', 'mysql_admin_password', 'snmp_v3_auth_password', 'snmp_v3_priv_password']);
/**
 * Not kept in sps_setup.answers: the administrator's password never goes to disk, and
 * creating the database is asked for each run (without the password it could not be repeated).
 */
const NOT_SAVED: ReadonlySet<Key> = new Set(['mysql_create_db', 'mysql_admin_password']);

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
const list = (v: string) => v.split(/[\s,]+/).filter(Boolean);
const mysqlOn = (a: Answers) => a.mysql === 'on';
const creating = (a: Answers) => mysqlOn(a) && a.mysql_create_db === 'yes';
/** The database is created by another account than sipd's, which it then creates too. */
const byAdmin = (a: Answers) => creating(a) && !!a.mysql_admin_user && a.mysql_admin_user !== a.mysql_user;
const MYSQL_USER_RE = /^[^\s"'\\]{1,32}$/;

/** DB_MySQL_HostName's form: host, host:port, [v6]:port. */
function mysqlHostCheck(v: string): string | undefined {
  const m = /^(\[([^\]]+)\]|[^:\[\]]+):(\d{1,5})$/.exec(v);
  const ok = m ? (m[2] ? isIPv6(m[2]) : isHost(m[1])) && portCheck(m[3]) === undefined : isHost(v);
  return ok ? undefined : 'a host name or address, with :PORT when MySQL is not on port 3306 (IPv6 in brackets then)';
}

const QUESTIONS: Record<Key, Question> = {
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
  snmp_community: { text: 'SNMP community for managers (read-write)', check: (v) => (/^[\x21-\x7e]{1,32}$/.test(v) && !/["'#\\]/.test(v) ? undefined : '1 to 32 printable characters, no blanks, quotes, # or \\') },
  snmp_v3_user: { text: 'SNMPv3 user (- for none)', check: (v) => (!v || /^[A-Za-z0-9_.-]{1,32}$/.test(v) ? undefined : 'letters, digits, _ . - (up to 32), or blank') },
  snmp_v3_auth_password: {
    text: 'SNMPv3 authentication passphrase (SHA)',
    check: (v) => (/^[\x21-\x7e]{8,64}$/.test(v) && !/["'#\\]/.test(v) ? undefined : '8 to 64 printable characters, no blanks, quotes, # or \\'),
    when: (a) => !!a.snmp_v3_user,
  },
  snmp_v3_priv_password: {
    text: 'SNMPv3 privacy passphrase (AES; - for no privacy)',
    check: (v) => (!v || (/^[\x21-\x7e]{8,64}$/.test(v) && !/["'#\\]/.test(v)) ? undefined : '8 to 64 printable characters, or blank'),
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
};

/** Normalise what people type: on/off spellings, lists with commas. */
function normalise(k: Key, v: string): string {
  const t = v.trim();
  if (k === 'mysql') {
    const l = t.toLowerCase();
    if (['on', 'yes', 'y', 'true', '1'].includes(l)) return 'on';
    if (['off', 'no', 'n', 'false', '0'].includes(l)) return 'off';
  }
  if (k === 'mysql_admin_user' && t === '-') return ''; // "-": sipd's own account, in files and options too
  if (k === 'mysql_create_db') {
    const l = t.toLowerCase();
    if (['yes', 'y', 'on', 'true', '1'].includes(l)) return 'yes';
    if (['no', 'n', 'off', 'false', '0'].includes(l)) return 'no';
  }
  if (k === 'farm_members' || k === 'trap_sink') return list(t).join(' ');
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

// ---------------------------------------------------------------------------------------
// Answers files: key=value lines

export function parseAnswers(text: string, file: string): { answers: Answers; errors: string[] } {
  const answers: Answers = {};
  const errors: string[] = [];
  text.replace(/\r\n?/g, '\n').split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      errors.push(`${file}:${i + 1}: expected key=value, found "${line}"`);
      return;
    }
    const key = m[1].toLowerCase().replace(/-/g, '_');
    if (!(KEYS as readonly string[]).includes(key)) {
      const near = nearest(key, KEYS);
      errors.push(`${file}:${i + 1}: unknown key "${m[1]}"${near ? ` (did you mean ${near}?)` : ''}; valid: ${KEYS.join(', ')}`);
      return;
    }
    let v = m[2].trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) v = v.slice(1, -1);
    answers[key as Key] = normalise(key as Key, v);
  });
  return { answers, errors };
}

export function formatAnswers(a: Answers): string {
  return (
    '# Answers of the last sps_setup run (sps_setup --answers FILE reads this format).\n' +
    KEYS.filter((k) => a[k] !== undefined && !NOT_SAVED.has(k)).map((k) => `${k}=${a[k]}`).join('\n') +
    '\n'
  );
}

// ---------------------------------------------------------------------------------------
// Editing Apache-style files (sipd.conf, ps.conf) in place

interface Span {
  readonly start: number;
  /** Last physical line of the logical line (continuations). */
  readonly end: number;
  readonly indent: string;
}

/** Active top-level lines setting `name` (case-insensitive), continuation lines included. */
function directiveSpans(lines: readonly string[], name: string): Span[] {
  const spans: Span[] = [];
  let depth = 0;
  const want = name.toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    while (i < lines.length - 1 && /\\\s*$/.test(lines[i]) && !lines[start].trim().startsWith('#')) i++;
    const text = lines[start].trim();
    if (!text || text.startsWith('#')) continue;
    if (text.startsWith('</')) {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (text.startsWith('<')) {
      depth++;
      continue;
    }
    if (depth === 0 && text.split(/\s+/)[0].toLowerCase() === want) spans.push({ start, end: i, indent: /^\s*/.exec(lines[start])![0] });
  }
  return spans;
}

/** A value as sipd.conf's lexer reads it back: quoted when it has blanks or quotes. */
export function quoteArg(v: string): string {
  return /^[^\s"'\\#]+$/.test(v) ? v : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Set a directive: `values` holds one argument string per line wanted (e.g. two Listen
 * lines), [] to switch the directive off (its active lines become comments). The first
 * active line is replaced where it stands; without one, the new lines go after the file's
 * commented example of the directive, or at the end. Returns a note per change.
 */
export function setDirective(lines: string[], name: string, values: readonly string[], file: string): string[] {
  const spans = directiveSpans(lines, name);
  const wanted = values.map((v) => `${name} ${v}`);
  const current = spans.map((s) => lines.slice(s.start, s.end + 1).join('\n').trim());
  if (current.length === wanted.length && current.every((c, i) => c === wanted[i])) return [];
  const notes: string[] = [];
  if (spans.length) {
    const first = spans[0];
    // Later duplicates go first so that earlier line numbers stay valid.
    for (const s of spans.slice(1).reverse()) {
      notes.push(`${path.basename(file)}:${s.start + 1}: removed "${lines[s.start].trim()}"`);
      lines.splice(s.start, s.end - s.start + 1);
    }
    const replacement = wanted.length ? wanted.map((w) => first.indent + w) : lines.slice(first.start, first.end + 1).map((l) => `#${l}`);
    notes.push(`${path.basename(file)}:${first.start + 1}: ${wanted.length ? wanted.join(' / ') : `${name} switched off (commented out)`}`);
    lines.splice(first.start, first.end - first.start + 1, ...replacement);
    return notes;
  }
  if (!wanted.length) return [];
  const example = new RegExp(`^#\\s*${name}(\\s|$)`, 'i');
  let at = -1;
  for (let i = 0; i < lines.length; i++) if (example.test(lines[i])) at = i;
  if (at >= 0) {
    lines.splice(at + 1, 0, ...wanted);
    notes.push(`${path.basename(file)}:${at + 2}: ${wanted.join(' / ')}`);
  } else {
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    lines.push('', '# Set by sps_setup', ...wanted, '');
    notes.push(`${path.basename(file)}:${lines.length - wanted.length}: ${wanted.join(' / ')}`);
  }
  return notes;
}

/** Current value of a top-level directive (its arguments as written, quotes removed). */
export function directiveValue(lines: readonly string[], name: string): string | undefined {
  const spans = directiveSpans(lines, name);
  if (!spans.length) return undefined;
  const s = spans[spans.length - 1];
  const text = lines.slice(s.start, s.end + 1).map((l) => l.replace(/\\\s*$/, '')).join(' ').trim();
  return text.slice(text.split(/\s+/)[0].length).trim().replace(/^"(.*)"$/, '$1');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replace `from` by `to` wherever it stands as a whole address or name on lines that are
 * not comments (10.1.1.1 is not part of 10.1.1.10, nor sps1 of sps1.example.com).
 * `onlyDirectives` limits it to lines setting those directives (used for host names).
 */
export function replaceWord(lines: string[], from: string, to: string, file: string, onlyDirectives?: readonly string[]): string[] {
  if (!from || from === to) return [];
  const re = new RegExp(`(?<![A-Za-z0-9_.-])${escapeRe(from)}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, 'g');
  const only = onlyDirectives?.map((d) => d.toLowerCase());
  const notes: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (!t || t.startsWith('#')) continue;
    if (only && !only.includes(t.split(/\s+/)[0].toLowerCase())) continue;
    const next = lines[i].replace(re, to);
    if (next !== lines[i]) {
      notes.push(`${path.basename(file)}:${i + 1}: ${from} -> ${to}`);
      lines[i] = next;
    }
  }
  return notes;
}

/** sipd.conf directives whose values are host names (where a host rename applies). */
const HOST_NAME_DIRECTIVES = [
  'ServerName', 'Cisco_Registry_Farm_Members', 'Cisco_Routing_Farm_Members', 'DB_MySQL_HostName',
  'DB_MySQL_Secondary_HostName', 'MasterServerHostname', 'SecondaryServerHostname', 'Virtual_Proxy_Server_Name',
];

// ---------------------------------------------------------------------------------------
// snmpd.cnf: a block owned by sps_setup

const BLOCK_BEGIN = '# >>> sps_setup: the lines up to "<<< sps_setup" are rewritten by every run of sps_setup';
const BLOCK_END = '# <<< sps_setup';

/**
 * The block's entries use names of their own (spsSetup…), so they add to what the shipped
 * snmpd.cnf defines (the local read-only cspsAdmin, the 127.0.0.1 trap sink) instead of
 * clashing with it.
 */
export function snmpdBlock(a: Answers): string[] {
  const out = [
    BLOCK_BEGIN,
    `snmpCommunityEntry spsSetup1 ${a.snmp_community} spsSetupSec localSnmpID - - nonVolatile`,
    'vacmSecurityToGroupEntry snmpv1 spsSetupSec spsSetupGroup nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c spsSetupSec spsSetupGroup nonVolatile',
    // A community travels in clear text: it reads; only the authenticated v3 user writes.
    'vacmAccessEntry spsSetupGroup - snmpv1 noAuthNoPriv exact spsSetupView - spsSetupView nonVolatile',
    'vacmAccessEntry spsSetupGroup - snmpv2c noAuthNoPriv exact spsSetupView - spsSetupView nonVolatile',
    'vacmViewTreeFamilyEntry spsSetupView internet - included nonVolatile',
  ];
  if (a.snmp_v3_user) {
    const priv = a.snmp_v3_priv_password ? 'usmAesCfb128Protocol' : 'usmNoPrivProtocol';
    out.push(
      `usmUserEntry localSnmpID ${a.snmp_v3_user} usmHMACSHAAuthProtocol ${priv} nonVolatile ${a.snmp_v3_auth_password}${a.snmp_v3_priv_password ? ` ${a.snmp_v3_priv_password}` : ''}`,
      `vacmSecurityToGroupEntry usm ${a.snmp_v3_user} spsSetupV3Group nonVolatile`,
      `vacmAccessEntry spsSetupV3Group - usm ${a.snmp_v3_priv_password ? 'authPriv' : 'authNoPriv'} exact spsSetupView spsSetupView spsSetupView nonVolatile`,
    );
  }
  const sinks = list(a.trap_sink ?? '');
  sinks.forEach((s, i) => {
    const hostPort = s.includes(':') ? s : `${s}:162`;
    out.push(`snmpTargetAddrEntry spsSetupSink${i + 1} snmpUDPDomain ${hostPort} 100 3 Console spsSetupTrapParams nonVolatile 255.255.255.255:0`);
  });
  if (sinks.length) out.push('snmpTargetParamsEntry spsSetupTrapParams 1 snmpv2c spsSetupSec noAuthNoPriv nonVolatile');
  out.push(BLOCK_END);
  return out;
}

/** Put the block in place of the previous one, or at the end. */
export function placeBlock(lines: string[], block: readonly string[]): void {
  const b = lines.indexOf(BLOCK_BEGIN);
  const e = b >= 0 ? lines.indexOf(BLOCK_END, b) : -1;
  if (b >= 0 && e >= 0) {
    lines.splice(b, e - b + 1, ...block);
    return;
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length) lines.push('');
  lines.push(...block, '');
}

// ---------------------------------------------------------------------------------------
// MySQL: the database, its tables and sipd's account

interface DbPlace {
  readonly server: MySqlEndpoint;
  readonly database: string;
  readonly table: string;
  readonly timeoutMs: number;
}

function sipdPool(a: Answers, p: DbPlace): MySqlPool {
  return new MySqlPool({ primary: p.server, user: a.mysql_user ?? '', password: a.mysql_password ?? '', timeoutMs: p.timeoutMs, log: () => undefined });
}

/** The default of mysql_create_db: no when sipd's account already sees the subscriber table. */
async function probeTable(a: Answers, p: DbPlace): Promise<{ answer: 'yes' | 'no'; note: string }> {
  const pool = sipdPool(a, p);
  const where = `${p.database}.${p.table} on ${endpointText(p.server)}`;
  try {
    const rows = await pool.query<RowDataPacket[]>('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [p.database, p.table]);
    return rows.length
      ? { answer: 'no', note: `${where} exists already; yes only upgrades it when this release needs that, and keeps every row` }
      : { answer: 'yes', note: `${where} does not exist yet` };
  } catch (e) {
    return { answer: 'yes', note: `${a.mysql_user} cannot use ${where} yet: ${guideMessage(e, p)}` };
  } finally {
    await pool.close();
  }
}

/**
 * install_mysql_db's work, as the administrator (creating sipd's account too) or as sipd's
 * own account; then a read as sipd's account, so that a setup that passes is one sipd can
 * use. Each line done goes to `report` as it happens. Throws the guide's message on failure.
 */
async function createDatabase(a: Answers, p: DbPlace, columns: SubscriberColumns, report: (line: string) => void): Promise<void> {
  const admin = byAdmin(a);
  try {
    await installMySqlDb({
      server: p.server,
      adminUser: admin ? a.mysql_admin_user! : a.mysql_user!,
      adminPassword: admin ? (a.mysql_admin_password ?? '') : (a.mysql_password ?? ''),
      database: p.database,
      table: p.table,
      columns,
      ...(admin && { account: { user: a.mysql_user!, password: a.mysql_password! } }),
      timeoutMs: p.timeoutMs,
      progress: report,
    });
  } catch (e) {
    throw new Error(`as ${admin ? a.mysql_admin_user : a.mysql_user}: ${guideMessage(e, p)}`);
  }
  const pool = sipdPool(a, p);
  try {
    const rows = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${q(p.database)}.${q(p.table)}`);
    const n = Number(rows[0]?.n ?? 0);
    report(`${a.mysql_user} can read ${p.database}.${p.table} (${n} subscriber${n === 1 ? '' : 's'})`);
  } catch (e) {
    throw new Error(`the database is ready, but sipd's account ${a.mysql_user} cannot use it: ${guideMessage(e, p)}`);
  } finally {
    await pool.close();
  }
}

// ---------------------------------------------------------------------------------------
// Putting it together

interface FileEdit {
  readonly file: string;
  readonly before: string | undefined;
  lines: string[];
}

function readEdit(file: string): FileEdit {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  return { file, before, lines: (before ?? '').replace(/\r\n/g, '\n').split('\n') };
}

const textOf = (e: FileEdit) => e.lines.join('\n').replace(/\n*$/, '\n');

interface Perms {
  mode: number;
  uid: number;
  gid: number;
}

/** Name and id pairs of /etc/passwd or /etc/group (empty when unreadable). */
function idTable(file: '/etc/passwd' | '/etc/group'): Array<[string, number]> {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .filter((f) => /^\d+$/.test(f[2] ?? ''))
      .map((f) => [f[0], Number(f[2])]);
  } catch {
    return [];
  }
}

const groupId = (name: string) => idTable('/etc/group').find(([n]) => n === name)?.[1];
const idName = (file: '/etc/passwd' | '/etc/group', id: number) => idTable(file).find(([, i]) => i === id)?.[0] ?? String(id);

/**
 * Mode and owner for a file: the old file's, or `newMode` for a new one. A file holding a
 * password (`secret`) loses group write and every right of others; run as root, where the
 * csps group exists, it becomes root:csps 0640, as the packages install it.
 */
function permsFor(file: string, newMode: number, secret: boolean): Perms {
  let p: Perms;
  if (existsSync(file)) {
    const st = statSync(file);
    p = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } else {
    const st = statSync(path.dirname(file));
    p = { mode: newMode, uid: process.getuid?.() ?? st.uid, gid: st.gid };
  }
  if (secret) {
    p.mode &= ~0o027;
    const csps = process.geteuid?.() === 0 ? groupId('csps') : undefined;
    if (csps !== undefined) p = { mode: 0o640, uid: 0, gid: csps };
  }
  return p;
}

function applyPerms(file: string, p: Perms): void {
  chmodSync(file, p.mode);
  if (process.geteuid?.() === 0) chownSync(file, p.uid, p.gid);
}

/** Write via a temporary file and rename, with permsFor's mode and owner from the start. */
function writeKeeping(file: string, text: string, newMode: number, secret = false): void {
  const tmp = `${file}.sps_setup.${process.pid}`;
  const p = permsFor(file, newMode, secret);
  writeFileSync(tmp, text, { mode: p.mode & 0o600 });
  applyPerms(tmp, p);
  renameSync(tmp, file);
}

const modeText = (m: number) => `0${(m & 0o7777).toString(8).padStart(3, '0')}`;

function detectAddress(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** What the files say now, in answer form (so a hand edit since the last run is kept). */
function answersFromFiles(sipd: readonly string[], ps: readonly string[]): Answers {
  const a: Answers = {};
  const v = (n: string) => directiveValue(sipd, n);
  if (v('ProxyDomain') !== undefined) a.proxy_domain = v('ProxyDomain');
  if (v('IpAddrInPathHeaders') !== undefined) a.host_address = v('IpAddrInPathHeaders');
  if (v('ServerName') !== undefined) a.host_name = v('ServerName');
  if (v('Port') !== undefined) a.sip_port = v('Port');
  if (v('Cisco_Registry_Farm_Members') !== undefined) a.farm_members = list(v('Cisco_Registry_Farm_Members')!).join(' ');
  if (v('DB_MySQL') !== undefined) a.mysql = normalise('mysql', v('DB_MySQL')!);
  if (v('DB_MySQL_HostName') !== undefined) a.mysql_host = v('DB_MySQL_HostName');
  if (v('DB_MySQL_Username') !== undefined) a.mysql_user = v('DB_MySQL_Username');
  if (v('DB_MySQL_Password') !== undefined) a.mysql_password = v('DB_MySQL_Password');
  const port = directiveValue(ps, 'PServerPort');
  if (port !== undefined) a.pserver_port = port;
  return a;
}

function defaults(): Answers {
  const host = os.hostname();
  const dot = host.indexOf('.');
  return {
    proxy_domain: dot > 0 ? host.slice(dot + 1) : '',
    host_address: detectAddress(),
    host_name: isHostname(host) ? host : '',
    sip_port: '5060',
    farm_members: '',
    mysql: 'off',
    mysql_host: 'localhost',
    mysql_user: 'csps',
    mysql_password: '',
    mysql_create_db: 'no',
    mysql_admin_user: 'root',
    // As the mysql client and install_mysql_db take it, so that it need not be typed or stored.
    mysql_admin_password: process.env.MYSQL_PWD ?? '',
    snmp_community: 'cspsAdmin',
    snmp_v3_user: '',
    snmp_v3_auth_password: '',
    snmp_v3_priv_password: '',
    trap_sink: '',
    pserver_port: '26005',
  };
}

/** Answers that may hold this host's own address or name. */
const CARRIED = ['trap_sink', 'mysql_host', 'farm_members'] as const;

/** A new address or name replaces the old one inside an answer that held it. */
function carry(a: Answers, k: Key, oldAddress: string, oldName: string): void {
  if (a[k] === undefined) return;
  const one = [a[k]!];
  if (a.host_address) replaceWord(one, oldAddress, a.host_address, '');
  if (a.host_name) replaceWord(one, oldName, a.host_name, '');
  a[k] = one[0];
}

/** Looks at the MySQL server before mysql_create_db is asked: the default answer and why. */
type CreateProbe = (a: Answers) => Promise<{ answer: 'yes' | 'no'; note: string }>;

/** Ask every question that applies; empty input takes the default. */
async function ask(base: Answers, oldAddress: string, oldName: string, probe: CreateProbe): Promise<Answers | string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const it = rl[Symbol.asyncIterator]();
  const a: Answers = { ...base };
  try {
    process.stdout.write('OpenSPS setup. Press Enter to keep the value in brackets.\n');
    for (const k of KEYS) {
      const q = QUESTIONS[k];
      if (q.when && !q.when(a)) continue;
      if ((CARRIED as readonly Key[]).includes(k)) carry(a, k, oldAddress, oldName);
      if (k === 'mysql_create_db') {
        const p = await probe(a);
        a.mysql_create_db = p.answer;
        process.stdout.write(`  (${p.note})\n`);
      }
      for (let tries = 0; ; tries++) {
        const shown = SECRET.has(k) && a[k] ? '********' : (a[k] ?? '');
        process.stdout.write(`${q.text} [${shown}]: `);
        const r = await it.next();
        if (r.done) return 'the input ended before every question was answered';
        // Enter keeps the default; "-" empties an optional value.
        const typed = r.value.trim();
        const v = typed === '' ? (a[k] ?? '') : typed === '-' ? '' : normalise(k, typed);
        const why = q.check(v, a);
        if (!why) {
          a[k] = v;
          break;
        }
        process.stdout.write(`  not valid: expected ${why}\n`);
        if (tries >= 2) return `${k}: no valid answer after 3 tries`;
      }
    }
    return a;
  } finally {
    rl.close();
  }
}

interface Args {
  prefix: string;
  answersFile?: string;
  given: Answers;
  interactive: boolean;
}

const USAGE = `Usage: sps_setup [--prefix DIR] [--answers FILE] [-n] [--KEY VALUE]...
  Without --answers, -n or KEY options it asks one question per item.
  --prefix DIR     installation to set up (default ${INSTALL_PREFIX})
  --answers FILE   key=value lines; keys: ${KEYS.join(', ')}
  -n               ask nothing: keep previous answers, defaults for the rest
  --KEY VALUE      one answer, e.g. --host-address 10.1.1.9 (- or _ in KEY)`;

function parseArgs(argv: readonly string[]): Args | string {
  const a: Args = { prefix: INSTALL_PREFIX, given: {}, interactive: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0 && arg.startsWith('--')) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    try {
      if (name === '--prefix') a.prefix = path.resolve(value());
      else if (name === '--answers') {
        a.answersFile = path.resolve(value());
        a.interactive = false;
      } else if (name === '-n' || name === '--non-interactive') a.interactive = false;
      else if (name === '-h' || name === '--help') return '';
      else if (name.startsWith('--')) {
        const key = name.slice(2).toLowerCase().replace(/-/g, '_');
        if (!(KEYS as readonly string[]).includes(key)) {
          const near = nearest(key, KEYS);
          return `unknown option ${name}${near ? ` (did you mean --${near.replace(/_/g, '-')}?)` : ''}`;
        }
        a.given[key as Key] = normalise(key as Key, value());
        a.interactive = false;
      } else return `unknown argument "${arg}"`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  return a;
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (args) process.stderr.write(`sps_setup: ${args}\n`);
    process.stderr.write(USAGE + '\n');
    return args ? 2 : 0;
  }
  const conf = path.join(args.prefix, 'conf');
  const sipdConf = path.join(conf, 'sipd.conf');
  const answersFile = path.join(conf, 'sps_setup.answers');
  const logFile = path.join(args.prefix, 'logs', 'sps_setup_log');
  if (!existsSync(sipdConf)) {
    process.stderr.write(`sps_setup: ${sipdConf} not found: --prefix must name an OpenSPS installation (the directory holding conf/sipd.conf)\n`);
    return 2;
  }
  const log = (s: string) => {
    try {
      mkdirSync(path.dirname(logFile), { recursive: true });
      appendFileSync(logFile, `[${new Date().toISOString()}] ${s}\n`);
    } catch (e) {
      process.stderr.write(`sps_setup: cannot write ${logFile}: ${(e as Error).message}\n`);
    }
  };

  // Previous answers, then what the files say now: the defaults of this run.
  const errors: string[] = [];
  let previous: Answers = {};
  if (existsSync(answersFile)) {
    const r = parseAnswers(readFileSync(answersFile, 'utf8'), answersFile);
    previous = r.answers;
    errors.push(...r.errors);
  }
  const sipd = readEdit(sipdConf);
  const ps = readEdit(path.join(conf, 'ps.conf'));
  const current: Answers = { ...previous, ...answersFromFiles(sipd.lines, ps.lines) };
  const before: Answers = { ...defaults(), ...current };
  // What this host was set up with (not what we would guess): the address and name to replace.
  const oldAddress = current.host_address ?? '';
  const oldName = current.host_name ?? '';
  let given: Answers = {};
  if (args.answersFile) {
    let text: string;
    try {
      text = readFileSync(args.answersFile, 'utf8');
    } catch (e) {
      process.stderr.write(`sps_setup: cannot read ${args.answersFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 2;
    }
    const r = parseAnswers(text, args.answersFile);
    given = r.answers;
    errors.push(...r.errors);
  }
  given = { ...given, ...args.given };
  if (errors.length) {
    for (const e of errors) process.stderr.write(`sps_setup: ${e}\n`);
    return 2;
  }

  // Where the subscriber table is, by the file as it stands (it is not asked).
  const conn = parseConfig(textOf(sipd), sipd.file);
  const place = (a: Answers, timeoutS: number): DbPlace => ({
    server: parseMySqlHost(a.mysql_host ?? 'localhost'),
    database: conn.ok ? conn.config.values.DB_MySQL_DB : (directiveValue(sipd.lines, 'DB_MySQL_DB') ?? 'sip'),
    table: conn.ok ? conn.config.values.DB_MySQL_SubscriberTable : (directiveValue(sipd.lines, 'DB_MySQL_SubscriberTable') ?? 'subscriber'),
    timeoutMs: timeoutS * 1000,
  });

  let answers: Answers;
  if (args.interactive) {
    const r = await ask(before, oldAddress, oldName, (a) => probeTable(a, place(a, 3)));
    if (typeof r === 'string') {
      process.stderr.write(`\nsps_setup: ${r}; nothing was changed\n`);
      return 2;
    }
    answers = r;
  } else {
    answers = { ...before, ...given };
  }

  if (!args.interactive) for (const k of CARRIED) if (given[k] === undefined) carry(answers, k, oldAddress, oldName);
  const bad = checkAnswers(answers);
  if (bad.length) {
    for (const e of bad) process.stderr.write(`sps_setup: ${e}\n`);
    process.stderr.write('sps_setup: nothing was changed\n');
    return 2;
  }

  // Every place holding the old address: all conf files, comments excepted.
  const notes: string[] = [];
  const others: FileEdit[] = [];
  const snmpd = readEdit(path.join(conf, 'snmpd.cnf'));
  for (const name of readdirSync(conf).sort()) {
    if (!/\.(cnf|conf)$/.test(name) || ['sipd.conf', 'ps.conf', 'snmpd.cnf'].includes(name)) continue;
    others.push(readEdit(path.join(conf, name)));
  }
  const newAddress = answers.host_address!;
  for (const e of [sipd, snmpd, ps, ...others]) notes.push(...replaceWord(e.lines, oldAddress, newAddress, e.file));
  if (oldName && answers.host_name) notes.push(...replaceWord(sipd.lines, oldName, answers.host_name, sipd.file, HOST_NAME_DIRECTIVES));

  // sipd.conf directives.
  const port = answers.sip_port!;
  const listen = isIPv6(newAddress) ? `[${newAddress}]:${port}` : `${newAddress}:${port}`;
  const set = (n: string, v: string | undefined) => notes.push(...setDirective(sipd.lines, n, v ? [v] : [], sipd.file));
  set('ProxyDomain', answers.proxy_domain);
  set('ServerName', answers.host_name);
  set('Port', port);
  set('Listen', listen);
  set('IpAddrInPathHeaders', newAddress);
  const farm = answers.farm_members ? quoteArg(answers.farm_members) : undefined;
  set('Cisco_Registry_Farm_Members', farm);
  set('Cisco_Routing_Farm_Members', farm);
  set('DB_MySQL', answers.mysql === 'on' ? 'On' : 'Off');
  if (answers.mysql === 'on') {
    set('DB_MySQL_HostName', answers.mysql_host);
    set('DB_MySQL_Username', quoteArg(answers.mysql_user!));
    set('DB_MySQL_Password', answers.mysql_password ? quoteArg(answers.mysql_password) : undefined);
  }

  // snmpd.cnf block and ps.conf.
  placeBlock(snmpd.lines, snmpdBlock(answers));
  if (ps.before === undefined) ps.lines = ['# ps.conf -- provisioning server (pserver) settings, written by sps_setup.', ''];
  notes.push(...setDirective(ps.lines, 'PServerPort', [answers.pserver_port!], ps.file));

  // Check before writing anything: sipd.conf as `sipd -t` would, snmpd.cnf as the agent would.
  const problems: ConfigMessage[] = [];
  const checked = parseConfig(textOf(sipd), sipd.file);
  if (!checked.ok) problems.push(...checked.errors);
  problems.push(...parseSnmpdCnf(textOf(snmpd), snmpd.file).messages.filter((m) => m.severity === 'error'));
  if (problems.length || !checked.ok) {
    for (const p of problems) process.stderr.write(`sps_setup: ${formatMessage(p)}\n`);
    process.stderr.write('sps_setup: the result would not load, so nothing was changed\n');
    log(`run failed; nothing changed: ${problems.map(formatMessage).join('; ')}`);
    return 1;
  }

  const shown = KEYS.filter((k) => answers[k] !== undefined).map((k) => `${k}=${SECRET.has(k) && answers[k] ? '********' : answers[k]}`);
  log(`sps_setup ${args.interactive ? 'interactive' : 'non-interactive'} run in ${args.prefix}: ${shown.join(' ')}`);
  // Notes and MySQL's messages may quote values: no password goes to the log or the screen.
  const secrets = [...SECRET].map((k) => answers[k]).filter((x): x is string => !!x);
  const mask = (n: string) => secrets.reduce((t, x) => t.split(x).join('********'), n);
  const say = (n: string) => {
    process.stdout.write(`sps_setup: ${mask(n)}\n`);
    log(mask(n));
  };

  // The database before any file: when it fails, the files stay as they were.
  const mysql = answers.mysql === 'on';
  if (mysql && answers.mysql_create_db === 'yes') {
    const v = checked.config.values;
    const p: DbPlace = { ...place(answers, Math.max(v.DB_MySQL_Connect_Timeout, 10)), database: v.DB_MySQL_DB, table: v.DB_MySQL_SubscriberTable };
    try {
      await createDatabase(answers, p, columnsFromConfig(v), (line) => say(`MySQL ${endpointText(p.server)}: ${line}`));
    } catch (e) {
      const m = mask(`MySQL ${endpointText(p.server)}: ${(e as Error).message}`);
      process.stderr.write(`sps_setup: ${m}\nsps_setup: the MySQL step failed, so no file was changed\n`);
      log(`${m} (run failed, no file changed)`);
      return 1;
    }
  }

  if (oldAddress && oldAddress !== newAddress) log(`address changed from ${oldAddress} to ${newAddress}`);
  // sipd.conf is private to root and csps while it holds a password (DB_MySQL_Password).
  const secretConf = !!directiveValue(sipd.lines, 'DB_MySQL_Password');
  try {
    for (const e of [sipd, snmpd, ps, ...others]) {
      const text = textOf(e);
      const secret = e === sipd && secretConf;
      if (text === e.before) {
        if (secret) applyPerms(e.file, permsFor(e.file, 0o640, true));
        continue;
      }
      writeKeeping(e.file, text, 0o640, secret);
      log(`wrote ${e.file}`);
    }
    writeKeeping(answersFile, formatAnswers(answers), 0o600);
  } catch (e) {
    process.stderr.write(`sps_setup: ${(e as Error).message}\n`);
    log(`write failed: ${(e as Error).message}`);
    return 1;
  }
  for (const n of notes) log(`  ${mask(n)}`);
  for (const n of notes) process.stdout.write(`  ${mask(n)}\n`);
  process.stdout.write(`sps_setup: ${sipd.file}: Syntax OK\n`);
  if (secretConf) {
    const st = statSync(sipd.file);
    say(`${path.basename(sipd.file)} holds the MySQL password: mode ${modeText(st.mode)}, owner ${idName('/etc/passwd', st.uid)}:${idName('/etc/group', st.gid)}${st.mode & 0o007 ? ' (readable by others: restrict it)' : ''}`);
  }
  if (mysql && answers.mysql_create_db !== 'yes') {
    say(`MySQL: the database was not touched; if ${answers.mysql_user} cannot use it yet, run sps_setup again with mysql_create_db=yes, or install_mysql_db`);
  }
  process.stdout.write(`sps_setup: done (log: ${logFile}). Apply with "${path.join(args.prefix, 'bin', 'sip')} restart" (Listen and Port need a full restart).\n`);
  return 0;
}

// Run when started as the program (bin/sps_setup), not when imported by tests.
const entry = path.basename(process.argv[1] ?? '');
if (entry === 'sps_setup' || entry === 'sps-setup.js') process.exitCode = await main(process.argv.slice(2));
