// sps_setup's Galera step: the MariaDB option file that makes this host's database a node
// of the farm's Galera cluster, bootstrapping it (the first node) or joining it. The file
// is MariaDB's, not sipd's: it goes under the server's conf directory (Debian reads every
// *.cnf in /etc/mysql/mariadb.conf.d/, in name order, so ours comes after the package's
// 60-galera.cnf and wins) or where galera_conf_file says.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { list } from './questions.js';
import type { Answers } from './questions.js';

export const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';
export const DEFAULT_GALERA_CONF = '/etc/mysql/mariadb.conf.d/61-opensps-galera.cnf';
/** Galera's group communication port; incremental (IST) and full (SST) state transfer use 4568 and 4444. */
export const GCOMM_PORT = 4567;

export interface GaleraAddress {
  readonly host: string;
  readonly port: number;
}

/** host, host:port or [v6]:port; Galera's 4567 when no port is given. */
export function parseGaleraAddress(text: string): GaleraAddress {
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d+)$/.exec(text);
  if (m) return { host: m[1] ?? m[2], port: Number(m[3]) };
  return { host: text.replace(/^\[(.*)\]$/, '$1'), port: GCOMM_PORT };
}

const hostPort = (a: GaleraAddress) => `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;

export interface GaleraSetup {
  readonly role: 'bootstrap' | 'join';
  readonly clusterName: string;
  /** This node's group communication address. */
  readonly node: GaleraAddress;
  /** The other nodes. */
  readonly others: readonly GaleraAddress[];
  /** wsrep_node_name: this host's name (or its address). */
  readonly nodeName: string;
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
}

export function galeraSetupOf(a: Answers): GaleraSetup | undefined {
  if (a.mysql !== 'on' || (a.galera !== 'bootstrap' && a.galera !== 'join')) return undefined;
  const node = parseGaleraAddress(a.galera_node_address || a.host_address || '127.0.0.1');
  return {
    role: a.galera,
    clusterName: a.galera_cluster_name || 'opensps',
    node,
    others: list(a.galera_nodes ?? '').map(parseGaleraAddress),
    nodeName: a.host_name || node.host,
    ...(a.galera_tls_ca && { tls: { ca: a.galera_tls_ca, cert: a.galera_tls_cert ?? '', key: a.galera_tls_key ?? '' } }),
  };
}

/**
 * Provider options: where this node listens, and TLS for replication when a CA is given.
 * With a group communication port other than 4567, IST listens on the next port (as 4568
 * follows 4567), so nodes sharing an address (tests, containers) need no more answers.
 */
export function providerOptions(g: GaleraSetup): string[] {
  const o: string[] = [];
  if (g.node.port !== GCOMM_PORT) {
    o.push(`gmcast.listen_addr=tcp://${hostPort(g.node)}`);
    o.push(`ist.recv_addr=${hostPort({ host: g.node.host, port: g.node.port + 1 })}`);
  }
  if (g.tls) o.push('socket.ssl=yes', `socket.ssl_cert=${g.tls.cert}`, `socket.ssl_key=${g.tls.key}`, `socket.ssl_ca=${g.tls.ca}`);
  return o;
}

/**
 * The option file. Every node lists every node in wsrep_cluster_address, itself included,
 * so a restarted node finds whichever others are up; the first node is bootstrapped once
 * by starting it with galera_new_cluster (--wsrep-new-cluster), never by an empty gcomm://,
 * which would start a new cluster at every restart.
 */
export function renderGaleraConf(g: GaleraSetup): string {
  const all = [g.node, ...g.others].map(hostPort).join(',');
  const provider = providerOptions(g);
  const lines = [
    `# Written by sps_setup: this host's MariaDB as a node of the Galera cluster "${g.clusterName}",`,
    '# which holds the OpenSPS farm\'s registrations, routes and subscribers. Run sps_setup again',
    '# to change it; edits here are overwritten.',
    g.role === 'bootstrap'
      ? '# This node starts the cluster: the first time, start it with galera_new_cluster; afterwards, and once any other node is up, with systemctl start mariadb.'
      : '# This node joins the cluster: systemctl restart mariadb (it copies the data from a running node first).',
    '[galera]',
    'wsrep_on = ON',
    `wsrep_provider = ${GALERA_PROVIDER}`,
    `wsrep_cluster_name = ${g.clusterName}`,
    `wsrep_cluster_address = gcomm://${all}`,
    `wsrep_node_address = ${hostPort(g.node)}`,
    `wsrep_node_name = ${g.nodeName}`,
    'wsrep_sst_method = rsync',
    ...(g.node.port !== GCOMM_PORT ? [`wsrep_sst_receive_address = ${hostPort({ host: g.node.host, port: g.node.port + 2 })}`] : []),
    ...(provider.length ? [`wsrep_provider_options = "${provider.join(';')}"`] : []),
    // Galera's requirements: row-based replication, InnoDB, interleaved auto-increment locks.
    'binlog_format = ROW',
    'default_storage_engine = InnoDB',
    'innodb_autoinc_lock_mode = 2',
  ];
  return lines.join('\n') + '\n';
}

/**
 * The [galera] section's options as mariadbd command-line arguments (--name=value), the
 * way the server reads the file: for starting a node from a rendered file in tests and for
 * showing what will apply.
 */
export function optionArgs(text: string): string[] {
  const args: string[] = [];
  let inGalera = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      inGalera = section[1] === 'galera' || section[1] === 'mysqld' || section[1] === 'server';
      continue;
    }
    if (!inGalera) continue;
    const m = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const value = m[2].replace(/^"(.*)"$/, '$1');
    args.push(`--${m[1].replace(/_/g, '-')}=${value}`);
  }
  return args;
}

/**
 * What checkAnswers cannot see: Galera asked for without MySQL, and files named by the
 * answers that are not there. Messages start with the key, as checkAnswers' do.
 */
export function galeraFileProblems(a: Answers): string[] {
  const errors: string[] = [];
  const galera = a.galera === 'bootstrap' || a.galera === 'join';
  if (galera && a.mysql !== 'on') errors.push(`galera: "${a.galera}" needs mysql=on (the farm's tables live in the cluster's database)`);
  if (!galera || a.mysql !== 'on') return errors;
  const files: Array<'galera_tls_ca' | 'galera_tls_cert' | 'galera_tls_key'> = a.galera_tls_ca ? ['galera_tls_ca', 'galera_tls_cert', 'galera_tls_key'] : [];
  for (const k of files) {
    const f = a[k];
    // A relative path is already reported by checkAnswers.
    if (f && path.isAbsolute(f) && !existsSync(f)) errors.push(`${k}: ${f}: no such file`);
  }
  const dir = a.galera_conf_file ? path.dirname(a.galera_conf_file) : undefined;
  if (dir && !(existsSync(dir) && statSync(dir).isDirectory())) errors.push(`galera_conf_file: ${dir} is not a directory (is mariadb-server installed?)`);
  return errors;
}

/** What the administrator does next to bring the node up with the file. */
export function galeraNextStep(g: GaleraSetup): string {
  if (g.role === 'bootstrap') {
    return 'Galera: start this first node with galera_new_cluster (once; later starts with systemctl start mariadb), then set up the other nodes with galera=join';
  }
  return `Galera: restart MariaDB (systemctl restart mariadb) to join the cluster through ${g.others.map(hostPort).join(', ')}; it copies the database from a running node, schema and accounts included`;
}
