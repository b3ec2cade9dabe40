// What mysql_sync_check reads from each MySQL/Galera node and how it judges them: the
// guide's MySQL synchronicity check (a cron job comparing the databases), reworked for a
// Galera cluster, where the question is less "do the copies differ" than "is every node
// in the primary component, Synced and ready", with row counts as the cross-check.
//
// Each node gets its own connection with one deadline for connecting and every query: a
// hung node costs one timeout and is reported, never waited on for ever. Counts are read
// with wsrep_sync_wait on, so each node first applies everything the cluster committed
// before the read; counts read a moment apart on different nodes are then comparable
// (writes between the reads can still differ: see judgeNodes' second pass).
import mysql from 'mysql2/promise';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { FARM_CONFIG_OUTCOME_TABLE, FARM_CONFIG_TABLE } from './farm-config-schema.js';
import { LOCATION_LOG_TABLE, LOCATION_TABLE } from './location-schema.js';
import { MEMBER_TABLE } from './member-schema.js';
import { ROUTE_GENERATION_TABLE, ROUTE_LOG_TABLE, ROUTE_TABLE } from './route-schema.js';
import { MySqlTimeoutError, describeMySqlError, endpointText, mysqlConnectOptions, parseMySqlHost } from './pool.js';
import type { MySqlTls } from './tls.js';
import type { MySqlEndpoint } from './pool.js';

export interface NodeProbeOptions {
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Tables whose rows are counted (those that exist on the node). */
  readonly tables: readonly string[];
  /** Connect timeout; the whole probe of a node gets three times this. */
  readonly timeoutMs: number;
  /** DB_MySQL_TLS's settings; plain TCP when undefined. */
  readonly tls?: MySqlTls;
}

/** One node as read. Galera fields are undefined on a server without wsrep. */
export interface NodeReport {
  readonly address: string;
  readonly reachable: boolean;
  /** Why the node could not be read (unreachable, refused the account, timed out). */
  readonly error?: string;
  /** wsrep_on is ON (a Galera node); false on plain MySQL/MariaDB. */
  readonly galera: boolean;
  readonly clusterName?: string;
  readonly clusterSize?: number;
  /** wsrep_cluster_status: Primary, non-Primary or Disconnected. */
  readonly clusterStatus?: string;
  /** wsrep_cluster_state_uuid: the same on every node of one cluster. */
  readonly clusterStateUuid?: string;
  /** wsrep_local_state_comment: Synced, Donor/Desynced, Joining, Joined … */
  readonly state?: string;
  readonly ready?: string;
  readonly flowControlPaused?: number;
  readonly lastCommitted?: number;
  /** wsrep_gcomm_uuid: this node's identity in the group (to spot one node reached twice). */
  readonly nodeUuid?: string;
  /** wsrep_incoming_addresses: the client addresses of the cluster's nodes, as this node knows them. */
  readonly incomingAddresses?: readonly string[];
  /** Row count per table present on the node. */
  readonly counts: Readonly<Record<string, number>>;
  /** Why the counts could not be read (the node is not ready, a table is unreadable). */
  readonly countError?: string;
}

/** The tables install_mysql_db creates, in the order they are shown (absent ones are skipped). */
export function sharedTables(subscriberTable: string): string[] {
  return [
    subscriberTable,
    LOCATION_TABLE,
    LOCATION_LOG_TABLE,
    ROUTE_TABLE,
    ROUTE_GENERATION_TABLE,
    ROUTE_LOG_TABLE,
    MEMBER_TABLE,
    FARM_CONFIG_TABLE,
    FARM_CONFIG_OUTCOME_TABLE,
    'schema_version',
  ];
}

/** wsrep_incoming_addresses ("a:3306,b:3306"), without the empty and AUTO entries some nodes report. */
export function parseIncomingAddresses(text: string): MySqlEndpoint[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'AUTO' && !/^0\.0\.0\.0(:|$)/.test(s))
    .map(parseMySqlHost);
}

async function withDeadline<T>(ms: number, what: string, conn: () => Connection | undefined, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined); // settled by the destroyed connection after the deadline
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          conn()?.destroy();
          reject(new MySqlTimeoutError(`no answer from ${what} within ${ms} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connect to one node and read its wsrep status and row counts, within 3 × timeoutMs. Never throws. */
export async function probeNode(e: MySqlEndpoint, o: NodeProbeOptions): Promise<NodeReport> {
  const address = endpointText(e);
  let conn: Connection | undefined;
  // The status, once read: a node that answers it but hangs on the counts (a causal read
  // waiting on a node that is not Synced) is reported with its status, not as unreachable.
  let status: Omit<NodeReport, 'counts'> | undefined;
  try {
    return await withDeadline(o.timeoutMs * 3, address, () => conn, (async () => {
      conn = await mysql.createConnection(mysqlConnectOptions(e, { user: o.user, password: o.password, timeoutMs: o.timeoutMs, ...(o.tls && { tls: o.tls }) }, { bigNumberStrings: true }));
      conn.on('error', () => undefined);
      return readNode(conn, address, o, (s) => (status = s));
    })());
  } catch (err) {
    if (status) return { ...status, counts: {}, countError: describeMySqlError(err) };
    return { address, reachable: false, error: describeMySqlError(err), galera: false, counts: {} };
  } finally {
    conn?.destroy();
  }
}

const rowsOf = (x: unknown) => x as RowDataPacket[];

async function readNode(c: Connection, address: string, o: NodeProbeOptions, gotStatus: (s: Omit<NodeReport, 'counts'>) => void): Promise<NodeReport> {
  const status = new Map<string, string>();
  for (const r of rowsOf((await c.query("SHOW GLOBAL STATUS LIKE 'wsrep\\_%'"))[0])) status.set(String(r.Variable_name).toLowerCase(), String(r.Value));
  const vars = new Map<string, string>();
  for (const r of rowsOf((await c.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('wsrep_on', 'wsrep_cluster_name')"))[0])) vars.set(String(r.Variable_name).toLowerCase(), String(r.Value));
  const galera = vars.get('wsrep_on') === 'ON';
  const num = (k: string) => (status.has(k) && Number.isFinite(Number(status.get(k))) ? Number(status.get(k)) : undefined);
  const base = {
    address,
    reachable: true,
    galera,
    ...(galera && {
      clusterName: vars.get('wsrep_cluster_name'),
      clusterSize: num('wsrep_cluster_size'),
      clusterStatus: status.get('wsrep_cluster_status'),
      clusterStateUuid: status.get('wsrep_cluster_state_uuid'),
      state: status.get('wsrep_local_state_comment'),
      ready: status.get('wsrep_ready'),
      flowControlPaused: num('wsrep_flow_control_paused'),
      lastCommitted: num('wsrep_last_committed'),
      nodeUuid: status.get('wsrep_gcomm_uuid'),
      incomingAddresses: (status.get('wsrep_incoming_addresses') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    }),
  };
  gotStatus(base);
  const counts: Record<string, number> = {};
  try {
    // A causal read: the node applies what the cluster committed before answering.
    if (galera) await c.query('SET SESSION wsrep_sync_wait = 1');
    const present = new Set(
      rowsOf((await c.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [o.database]))[0]).map((r) => String(r.t)),
    );
    for (const t of o.tables) {
      if (!present.has(t)) continue;
      const [rows] = await c.query('SELECT COUNT(*) AS n FROM ??.??', [o.database, t]);
      counts[t] = Number(rowsOf(rows)[0].n);
    }
    return { ...base, counts };
  } catch (err) {
    return { ...base, counts, countError: describeMySqlError(err) };
  }
}

export interface Judgement {
  /** One line per problem, naming the node or table. */
  readonly problems: string[];
  /** Every node reached is a Galera node. */
  readonly galera: boolean;
}

export interface JudgeOptions {
  /** The cluster size the operator expects (--expect-size); every node must report it. */
  readonly expectSize?: number;
  /** A wsrep_flow_control_paused above this is a problem (--max-flow-paused). */
  readonly maxFlowPaused?: number;
  /**
   * The nodes were found through the first one's wsrep_incoming_addresses (no --node): a
   * cluster larger than what was found is a problem (nodes that list AUTO there, having
   * no wsrep_node_incoming_address, cannot be found, hence not checked).
   */
  readonly discovered?: boolean;
}

/** Everything that is degraded or differs across the nodes, one line each. */
export function judgeNodes(nodes: readonly NodeReport[], o: JudgeOptions = {}): Judgement {
  const problems: string[] = [];
  const up = nodes.filter((n) => n.reachable);
  for (const n of nodes) if (!n.reachable) problems.push(`${n.address}: unreachable: ${n.error ?? 'no answer'}`);
  const galera = up.length > 0 && up.every((n) => n.galera);
  if (!galera && up.some((n) => n.galera)) {
    problems.push(`${up.filter((n) => !n.galera).map((n) => n.address).join(', ')}: not a Galera node (wsrep_on is not ON), unlike ${up.filter((n) => n.galera).map((n) => n.address).join(', ')}`);
  }
  for (const n of up.filter((x) => x.galera)) {
    if (n.clusterStatus !== 'Primary') problems.push(`${n.address}: wsrep_cluster_status is ${n.clusterStatus ?? 'unknown'}, not Primary (the node does not take writes)`);
    if (n.state !== 'Synced') problems.push(`${n.address}: wsrep_local_state_comment is ${n.state ?? 'unknown'}, not Synced`);
    if (n.ready !== 'ON') problems.push(`${n.address}: wsrep_ready is ${n.ready ?? 'unknown'}, not ON`);
    if (o.expectSize !== undefined && n.clusterSize !== o.expectSize) problems.push(`${n.address}: cluster size ${n.clusterSize ?? 'unknown'}, expected ${o.expectSize}`);
    if (o.maxFlowPaused !== undefined && (n.flowControlPaused ?? 0) > o.maxFlowPaused) {
      problems.push(`${n.address}: wsrep_flow_control_paused is ${n.flowControlPaused}, above ${o.maxFlowPaused} (replication is being held back)`);
    }
  }
  const head = nodes[0];
  if (o.discovered && head?.galera && head.clusterSize !== undefined && head.clusterSize > nodes.length) {
    problems.push(
      `${head.address} sees ${head.clusterSize} nodes but only ${nodes.length} could be found: its wsrep_incoming_addresses is "${(head.incomingAddresses ?? []).join(',')}"; set wsrep_node_incoming_address (host:port) on every node, or name them with --node`,
    );
  }
  const g = up.filter((n) => n.galera);
  const sizes = new Set(g.map((n) => n.clusterSize));
  if (sizes.size > 1) problems.push(`cluster size differs: ${g.map((n) => `${n.address} sees ${n.clusterSize ?? 'unknown'}`).join(', ')}`);
  const uuids = new Set(g.map((n) => n.clusterStateUuid));
  if (uuids.size > 1) problems.push(`the nodes are in different clusters (wsrep_cluster_state_uuid): ${g.map((n) => `${n.address} ${n.clusterStateUuid ?? 'unknown'}`).join(', ')}`);
  for (const n of up) if (n.countError) problems.push(`${n.address}: row counts unreadable: ${n.countError}`);
  problems.push(...countDifferences(up.filter((n) => !n.countError)));
  return { problems, galera };
}

/** Tables whose row count (or presence) differs between the nodes, one line each. */
export function countDifferences(nodes: readonly NodeReport[]): string[] {
  if (nodes.length < 2) return [];
  const tables = [...new Set(nodes.flatMap((n) => Object.keys(n.counts)))];
  const lines: string[] = [];
  for (const t of tables) {
    const seen = nodes.map((n) => `${n.address} ${t in n.counts ? `has ${n.counts[t]}` : 'lacks the table'}`);
    const values = new Set(nodes.map((n) => n.counts[t]));
    if (values.size > 1) lines.push(`table ${t}: row counts differ: ${seen.join(', ')}`);
  }
  return lines;
}
