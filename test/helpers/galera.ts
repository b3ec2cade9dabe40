// A 3-node MariaDB Galera cluster on 127.0.0.1 for tests. Each node is a startMariaDb()
// server (own data directory from mariadb-install-db, own free MySQL port) with wsrep on:
// its own free ports for group communication (gmcast.listen_addr), incremental state
// transfer (ist.recv_addr) and full state transfer (wsrep_sst_receive_address).
//
// State transfer uses rsync: it needs nothing but the rsync binary (Debian package rsync)
// and works without a network, while mariabackup needs the mariadb-backup package and an
// SST account. Node 1 bootstraps the cluster (--wsrep-new-cluster) on its first start
// only; every later start of any node joins through the others' addresses.
//
// Made for a loaded 2-core CI machine: one cluster start at a time across test processes
// (a lock file), ports picked per node just before it starts, a start that failed because
// a port was taken retried on fresh ports, patient failure detection, and the error logs
// of nodes that failed kept in the temp directory (opensps-mariadb-failed/).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type { Config } from '../../src/config/loader.js';
import { parseConfig } from '../../src/server/config.js';
import { keepLog, startMariaDb } from './mariadb.js';
import type { MariaDb } from './mariadb.js';
import { freePort } from './ports.js';
import { waitFor } from './run.js';
import { requireTool } from './tools.js';

export const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';

export interface GaleraNode {
  readonly index: number;
  readonly db: MariaDb;
  /** The node's group communication port now (gcomm://127.0.0.1:<port>). */
  readonly gcommPort: number;
  /** wsrep_local_state_comment and wsrep_cluster_size as the node reports them now. */
  status(): Promise<{ state: string; size: number; primary: boolean }>;
}

export interface GaleraCluster {
  readonly nodes: readonly GaleraNode[];
  /** Wait (bounded) until every running node is Synced in a primary component of `size` nodes. */
  waitSynced(size: number, timeoutMs?: number): Promise<void>;
  /**
   * Wait until every running node has applied everything committed so far (a causal read,
   * wsrep_sync_wait, on each). A commit returns once the cluster has ordered it; the other
   * nodes apply it a little later, and under load later still (a user just created on
   * node 1 could not yet log in on node 3).
   */
  caughtUp(): Promise<void>;
  /** Stop one node (clean shutdown: it leaves the cluster). */
  stopNode(i: number): Promise<void>;
  /** Start a stopped node again: it rejoins (IST when the others still hold its gap, else SST). */
  startNode(i: number): Promise<void>;
  /** Stop every node and delete their files. */
  remove(): Promise<void>;
}

/** A connection's answer to SHOW STATUS LIKE 'wsrep_%', as name → value. */
export async function wsrepStatus(port: number): Promise<Map<string, string>> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 2000 });
  try {
    const [rows] = await conn.query("SHOW STATUS LIKE 'wsrep_%'");
    return new Map((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]));
  } finally {
    conn.destroy();
  }
}

/** Ports of one node: group communication, incremental and full state transfer. */
interface NodePorts {
  gcomm: number;
  ist: number;
  sst: number;
}

const newPorts = async (): Promise<NodePorts> => ({ gcomm: await freePort(), ist: await freePort(), sst: await freePort() });

/** How many times a node whose port was taken is started again on fresh ports. */
const PORT_RETRIES = 3;

/**
 * A port picked by freePort() can be taken before the node binds it (by another test
 * process picking the same port, or as the local port of some connection): the node then
 * logs "Address already in use" and aborts. That failure, and only that one, is retried
 * on fresh ports; the error log says which it was.
 */
const portTaken = (e: unknown) => /Address already in use/.test(String((e as Error)?.message ?? e));
/**
 * A rejoining node that gets a full state transfer (rsync) instead of an incremental one
 * can see the donor's rsync fail ("State transfer to … failed: Unknown error 255", then
 * "Will never receive state") and abort: seen once in about five full runs. That failure,
 * and a taken port, are retried on fresh ports.
 */
const retryableStart = (e: unknown) => portTaken(e) || /State transfer to .* failed|Will never receive state/.test(String((e as Error)?.message ?? e));

/**
 * Run `fn` with configOf(extra): sipd.conf settings of a farm member named sps3.farm.test
 * whose database is the cluster's node 3 (account sps), plus `extra` lines, parsed in a
 * temporary ServerRoot that is removed afterwards.
 */
export async function withFarmMemberConfig(cluster: GaleraCluster, fn: (configOf: (extra: readonly string[]) => Config) => Promise<void>): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'galera-conf-'));
  const base = ['DB_MySQL On', `DB_MySQL_HostName 127.0.0.1:${cluster.nodes[2].db.port}`, 'DB_MySQL_Username sps', 'DB_MySQL_Password spspw', 'ServerName sps3.farm.test'];
  try {
    await fn((extra) => {
      const r = parseConfig([...base, ...extra].join('\n') + '\n', path.join(root, 'sipd.conf'), { serverRoot: root });
      if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
      return r.config;
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** PEM files for replication over TLS (Galera's socket.ssl_ca / ssl_cert / ssl_key); one certificate may serve every node. */
export interface GaleraTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface GaleraClusterOptions {
  /** Replication (group communication and IST) over TLS; plain TCP when absent, the default. */
  readonly tls?: GaleraTls;
}

export async function startGaleraCluster(size = 3, o: GaleraClusterOptions = {}): Promise<GaleraCluster> {
  requireTool('rsync', 'rsync');
  requireTool('wsrep_sst_rsync', 'mariadb-server');
  if (!existsSync(GALERA_PROVIDER)) throw new Error(`${GALERA_PROVIDER} is missing: install the Debian package galera-4`);
  // Each node's ports are picked just before it starts (a short window for someone else to
  // take them); the cluster address lists every node picked so far.
  const ports: NodePorts[] = [];
  const nodes: GaleraNode[] = [];
  let bootstrapped = false;
  const argsFor = (i: number) => (mysqlPort: number): string[] => {
    const p = ports[i];
    const first = i === 0 && !bootstrapped;
    const address = `gcomm://${ports.map((x) => `127.0.0.1:${x.gcomm}`).join(',')}`;
    return [
      '--wsrep-on=ON',
      `--wsrep-provider=${GALERA_PROVIDER}`,
      `--wsrep-cluster-address=${address}`,
      '--wsrep-cluster-name=opensps-test',
      `--wsrep-node-name=node${i + 1}`,
      '--wsrep-node-address=127.0.0.1',
      // The client address the node announces in wsrep_incoming_addresses (MariaDB lists
      // AUTO without it), as a production node should, so tools can find every node.
      `--wsrep-node-incoming-address=127.0.0.1:${mysqlPort}`,
      `--wsrep-provider-options=${providerOptions(p, o.tls)}`,
      `--wsrep-sst-receive-address=127.0.0.1:${p.sst}`,
      '--wsrep-sst-method=rsync',
      '--binlog-format=ROW',
      '--default-storage-engine=InnoDB',
      '--innodb-autoinc-lock-mode=2',
      ...(first ? ['--wsrep-new-cluster'] : []),
    ];
  };

  const removeAll = async () => {
    // Joiners first, so that the last one standing leaves a clean state behind.
    for (const n of [...nodes].reverse()) await n.db.remove();
  };
  const startNew = async (i: number): Promise<MariaDb> => {
    for (let attempt = 1; ; attempt++) {
      ports[i] = await newPorts();
      try {
        return await startMariaDb({ extraArgs: argsFor(i), startTimeoutMs: START_TIMEOUT_MS, prepare: letRsyncWrite });
      } catch (e) {
        if (!portTaken(e) || attempt >= PORT_RETRIES) throw e;
      }
    }
  };
  try {
    await withStartLock(async () => {
      for (let i = 0; i < size; i++) {
        const db = await startNew(i);
        if (i === 0) bootstrapped = true;
        nodes.push(nodeOf(i, db, () => ports[i].gcomm));
        // Join one at a time: two joiners asking for a state transfer at once slow each other down.
        await waitSyncedOf(nodes, i + 1, START_TIMEOUT_MS);
      }
    });
  } catch (e) {
    for (const n of nodes) keepLog(n.db.dir);
    await removeAll();
    throw e;
  }
  return {
    nodes,
    waitSynced: (n, timeoutMs = START_TIMEOUT_MS) => waitSyncedOf(nodes, n, timeoutMs),
    caughtUp: async () => {
      for (const n of nodes) if (n.db.running) await n.db.sql('SET SESSION wsrep_sync_wait = 1; SELECT 1');
    },
    stopNode: (i) => nodes[i].db.stop(),
    // A restart keeps the node's MySQL port (clients know it); if one of its Galera ports
    // was taken meanwhile, or its state transfer failed, it gets fresh ones (the others
    // learn them when it joins).
    startNode: async (i) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await nodes[i].db.start();
        } catch (e) {
          if (!retryableStart(e) || attempt >= PORT_RETRIES) throw e;
          ports[i] = await newPorts();
        }
      }
    },
    remove: removeAll,
  };
}

/** A start (a joiner copies the data first) on a loaded 2-core machine, bounded. */
const START_TIMEOUT_MS = 180_000;

/**
 * Galera's options for a test node. Small gcache (tests write little; IST still covers a
 * node stopped for a while). Failure detection made patient: on a loaded machine a node's
 * threads can go unscheduled for seconds, and the default 5 s suspect / 15 s inactive
 * timeouts would then split the cluster; a node stopped by a test leaves cleanly (it
 * says so), so nothing waits on these timeouts.
 */
function providerOptions(p: NodePorts, tls: GaleraTls | undefined): string {
  return [
    ...(tls ? ['socket.ssl=yes', `socket.ssl_ca=${tls.ca}`, `socket.ssl_cert=${tls.cert}`, `socket.ssl_key=${tls.key}`] : []),
    `gmcast.listen_addr=tcp://127.0.0.1:${p.gcomm}`,
    `ist.recv_addr=127.0.0.1:${p.ist}`,
    'gcache.size=16M',
    'evs.keepalive_period=PT3S',
    'evs.suspect_timeout=PT30S',
    'evs.inactive_timeout=PT60S',
    'evs.install_timeout=PT60S',
    'pc.wait_prim_timeout=PT120S',
  ].join(';');
}

function nodeOf(index: number, db: MariaDb, gcommPort: () => number): GaleraNode {
  return {
    index,
    db,
    get gcommPort() {
      return gcommPort();
    },
    async status() {
      const s = await wsrepStatus(db.port);
      return {
        state: s.get('wsrep_local_state_comment') ?? '',
        size: Number(s.get('wsrep_cluster_size') ?? 0),
        primary: s.get('wsrep_cluster_status') === 'Primary',
      };
    },
  };
}

const LOCK_FILE = path.join(os.tmpdir(), 'opensps-galera-start.lock');
/** Longer than a slow cluster start (three nodes, each joining in well under START_TIMEOUT_MS). */
const LOCK_WAIT_MS = 600_000;

/**
 * One cluster start at a time on this machine, across test processes: six nodes starting
 * at once (two runs, or two files) on 2 cores made state transfers crawl, and ports picked
 * by one process could be taken by the other's. The lock file holds the owner's pid; one
 * whose owner is gone is taken over. The wait is bounded.
 */
async function withStartLock<T>(fn: () => Promise<T>): Promise<T> {
  let waited = '';
  await waitFor(
    'the Galera start lock',
    () => {
      try {
        writeFileSync(LOCK_FILE, String(process.pid), { flag: 'wx' });
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let owner: number;
      try {
        owner = Number(readFileSync(LOCK_FILE, 'utf8').trim() || NaN);
      } catch {
        return false; // released in between: try again
      }
      waited = `held by pid ${owner}`;
      if (!alive(owner)) rmSync(LOCK_FILE, { force: true });
      return false;
    },
    LOCK_WAIT_MS,
    250,
  ).catch((e: Error) => {
    throw new Error(`${e.message} (${waited}; ${LOCK_FILE})`);
  });
  try {
    return await fn();
  } finally {
    rmSync(LOCK_FILE, { force: true });
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The joiner's rsync daemon, started as root, drops to the user nobody (rsync's default;
 * the SST script sets no uid), so as root the node's directory must be reachable and its
 * data directory writable by nobody. mariadbd itself runs as root and reads it all.
 */
export function letRsyncWrite(dir: string, datadir: string): void {
  if (process.getuid?.() !== 0) return;
  const r = spawnSync('chown', ['-R', 'nobody', datadir]);
  if (r.status !== 0) throw new Error(`chown -R nobody ${datadir} failed: ${r.stderr}`);
  chmodSync(dir, 0o711);
}

async function waitSyncedOf(nodes: readonly GaleraNode[], size: number, timeoutMs: number): Promise<void> {
  let last = '';
  await waitFor(
    `${size} Galera nodes Synced`,
    async () => {
      const states: string[] = [];
      let ok = true;
      for (const n of nodes) {
        if (!n.db.running) continue;
        try {
          const s = await n.status();
          states.push(`node${n.index + 1}: ${s.state}, size ${s.size}${s.primary ? '' : ', non-primary'}`);
          if (s.state !== 'Synced' || s.size !== size || !s.primary) ok = false;
        } catch (e) {
          states.push(`node${n.index + 1}: ${(e as Error).message}`);
          ok = false;
        }
      }
      last = states.join('; ');
      return ok;
    },
    timeoutMs,
    200,
  ).catch((e: Error) => {
    throw new Error(`${e.message} (last seen: ${last})`);
  });
}
