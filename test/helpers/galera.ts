// A 3-node MariaDB Galera cluster on 127.0.0.1 for tests. Each node is a startMariaDb()
// server (own data directory from mariadb-install-db, own free MySQL port) with wsrep on:
// its own free ports for group communication (gmcast.listen_addr), incremental state
// transfer (ist.recv_addr) and full state transfer (wsrep_sst_receive_address).
//
// State transfer uses rsync: it needs nothing but the rsync binary (Debian package rsync)
// and works without a network, while mariabackup needs the mariadb-backup package and an
// SST account. Node 1 bootstraps the cluster (--wsrep-new-cluster) on its first start
// only; every later start of any node joins through the others' addresses.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { startMariaDb } from './mariadb.js';
import type { MariaDb } from './mariadb.js';
import { freePort } from './ports.js';
import { waitFor } from './run.js';
import { requireTool } from './tools.js';

export const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';

export interface GaleraNode {
  readonly index: number;
  readonly db: MariaDb;
  /** The node's group communication port (gcomm://127.0.0.1:<port>). */
  readonly gcommPort: number;
  /** wsrep_local_state_comment and wsrep_cluster_size as the node reports them now. */
  status(): Promise<{ state: string; size: number; primary: boolean }>;
}

export interface GaleraCluster {
  readonly nodes: readonly GaleraNode[];
  /** Wait (bounded) until every running node is Synced in a primary component of `size` nodes. */
  waitSynced(size: number, timeoutMs?: number): Promise<void>;
  /** Stop one node (clean shutdown: it leaves the cluster). */
  stopNode(i: number): Promise<void>;
  /** Start a stopped node again: it rejoins (IST when the others still hold its gap, else SST). */
  startNode(i: number): Promise<void>;
  /** Stop every node and delete their files. */
  remove(): Promise<void>;
}

/** A connection's answer to SHOW STATUS LIKE 'wsrep_%', as name → value. */
async function wsrepStatus(port: number): Promise<Map<string, string>> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 2000 });
  try {
    const [rows] = await conn.query("SHOW STATUS LIKE 'wsrep_%'");
    return new Map((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]));
  } finally {
    conn.destroy();
  }
}

export async function startGaleraCluster(size = 3): Promise<GaleraCluster> {
  requireTool('rsync', 'rsync');
  requireTool('wsrep_sst_rsync', 'galera-4');
  if (!existsSync(GALERA_PROVIDER)) throw new Error(`${GALERA_PROVIDER} is missing: install the Debian package galera-4`);
  const ports: { gcomm: number; ist: number; sst: number }[] = [];
  for (let i = 0; i < size; i++) ports.push({ gcomm: await freePort(), ist: await freePort(), sst: await freePort() });
  const address = `gcomm://${ports.map((p) => `127.0.0.1:${p.gcomm}`).join(',')}`;
  const nodes: GaleraNode[] = [];
  let bootstrapped = false;
  const argsFor = (i: number) => (): string[] => {
    const p = ports[i];
    const first = i === 0 && !bootstrapped;
    return [
      '--wsrep-on=ON',
      `--wsrep-provider=${GALERA_PROVIDER}`,
      `--wsrep-cluster-address=${address}`,
      '--wsrep-cluster-name=opensps-test',
      `--wsrep-node-name=node${i + 1}`,
      '--wsrep-node-address=127.0.0.1',
      // Small gcache: tests write little; IST still covers a node stopped for a while.
      `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${p.gcomm};ist.recv_addr=127.0.0.1:${p.ist};gcache.size=32M`,
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
  try {
    for (let i = 0; i < size; i++) {
      const db = await startMariaDb({ extraArgs: argsFor(i), startTimeoutMs: 120_000, prepare: letRsyncWrite });
      if (i === 0) bootstrapped = true;
      const node: GaleraNode = {
        index: i,
        db,
        gcommPort: ports[i].gcomm,
        async status() {
          const s = await wsrepStatus(db.port);
          return {
            state: s.get('wsrep_local_state_comment') ?? '',
            size: Number(s.get('wsrep_cluster_size') ?? 0),
            primary: s.get('wsrep_cluster_status') === 'Primary',
          };
        },
      };
      nodes.push(node);
      // Join one at a time: two joiners asking for a state transfer at once slow each other down.
      await waitSyncedOf(nodes, i + 1, 120_000);
    }
  } catch (e) {
    await removeAll();
    throw e;
  }
  return {
    nodes,
    waitSynced: (n, timeoutMs = 120_000) => waitSyncedOf(nodes, n, timeoutMs),
    stopNode: (i) => nodes[i].db.stop(),
    startNode: (i) => nodes[i].db.start(),
    remove: removeAll,
  };
}

/**
 * The joiner's rsync daemon, started as root, drops to the user nobody (rsync's default;
 * the SST script sets no uid), so as root the node's directory must be reachable and its
 * data directory writable by nobody. mariadbd itself runs as root and reads it all.
 */
function letRsyncWrite(dir: string, datadir: string): void {
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
