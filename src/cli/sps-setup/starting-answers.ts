// The answers an sps_setup run starts from: guesses from this host, what the conf files
// say now, and carrying a new address or host name into answers that held the old one.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { isHostname } from '../../config/define.js';
import { directiveValue, replaceWord } from '../../config/conf-edit.js';
import { list, normalise } from './questions.js';
import { DEFAULT_GALERA_CONF } from './galera.js';
import type { Answers, Key } from './questions.js';

function detectAddress(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** What the files say now, in answer form (so a hand edit since the last run is kept). */
export function answersFromFiles(sipd: readonly string[], ps: readonly string[]): Answers {
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
  if (v('DB_MySQL_TLS') !== undefined) a.mysql_tls = normalise('mysql_tls', v('DB_MySQL_TLS')!);
  if (v('DB_MySQL_TLS_CA_File') !== undefined) a.mysql_tls_ca_file = v('DB_MySQL_TLS_CA_File');
  const port = directiveValue(ps, 'PServerPort');
  if (port !== undefined) a.pserver_port = port;
  const admin = directiveValue(ps, 'PServerFirstAdministrator');
  if (admin !== undefined) a.pserver_admin = admin;
  return a;
}

export function defaults(): Answers {
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
    mysql_tls: 'off',
    mysql_tls_ca_file: '',
    mysql_create_db: 'no',
    mysql_admin_user: 'root',
    // As the mysql client and install_mysql_db take it, so that it need not be typed or stored.
    mysql_admin_password: process.env.MYSQL_PWD ?? '',
    galera: 'off',
    galera_cluster_name: 'opensps',
    galera_node_address: '',
    galera_nodes: '',
    galera_conf_file: DEFAULT_GALERA_CONF,
    galera_tls_ca: '',
    galera_tls_cert: '',
    galera_tls_key: '',
    snmp_community: 'cspsAdmin',
    snmp_community_sources: '127.0.0.1',
    // Secure by default: an SNMPv3 user with passphrases of 128 random bits each (kept in
    // sps_setup.answers and snmpd.cnf, both private to root and csps).
    snmp_v3_user: 'spsAdmin',
    snmp_v3_auth_password: randomBytes(16).toString('hex'),
    snmp_v3_priv_password: randomBytes(16).toString('hex'),
    trap_sink: '',
    pserver_port: '26005',
    pserver_admin: 'cspsuser',
    drweb_port: '',
  };
}

/** Answers that may hold this host's own address or name. */
export const CARRIED = ['trap_sink', 'mysql_host', 'farm_members', 'galera_node_address'] as const;

/** A new address or name replaces the old one inside an answer that held it. */
export function carry(a: Answers, k: Key, oldAddress: string, oldName: string): void {
  if (a[k] === undefined) return;
  const one = [a[k]!];
  if (a.host_address) replaceWord(one, oldAddress, a.host_address, '');
  if (a.host_name) replaceWord(one, oldName, a.host_name, '');
  a[k] = one[0];
}
