// mysql_sync_check — the guide's MySQL synchronicity check (chapter 3, run from cron),
// reworked for a MariaDB Galera cluster: is every node reachable, in the primary
// component, Synced and ready, do they agree on the cluster size, and do the shared
// tables hold the same number of rows on each.
//
//   mysql_sync_check [-f FILE] [--node HOST[:PORT]]... [--expect-size N] [--timeout S]
//                    [--max-flow-paused F] [--quiet | --json]
//
// The account and database come from sipd.conf (DB_MySQL_*). The nodes are the first
// one (DB_MySQL_HostName, or the first --node) and the others it lists in
// wsrep_incoming_addresses, plus DB_MySQL_Secondary_HostName; --node names them all
// instead. On plain MySQL there is no cluster: the primary and the secondary (if any)
// are compared, as the original script compared its two servers.
//
// Exit 0: all well; 1: something is degraded or differs (one line each); 2: wrong
// command line or configuration, or the first node cannot be read.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatMessage, loadConfigFile, parseConfig } from '../server/config.js';
import { DEFAULT_CONFIG_FILE, versionText } from '../common/install.js';
import { endpointText, parseMySqlHost } from '../stores/mysql/pool.js';
import type { MySqlEndpoint } from '../stores/mysql/pool.js';
import { mysqlTlsFromConfig } from '../stores/mysql/tls.js';
import { judgeNodes, parseIncomingAddresses, probeNode, sharedTables } from '../stores/mysql/sync-check.js';
import type { NodeProbeOptions, NodeReport } from '../stores/mysql/sync-check.js';

const NAME = 'mysql_sync_check';
const USAGE = `usage: ${NAME} [-f FILE] [--node HOST[:PORT]]... [--expect-size N] [--timeout SECONDS] [--max-flow-paused F] [--quiet | --json]
       ${NAME} --help | --version
Checks that the MySQL/Galera nodes of the farm are in step. Exit 0: all well; 1: something
is degraded or differs (one line each); 2: wrong usage or configuration, or the first node
cannot be read.
  -f, --conf FILE        sipd.conf to read DB_MySQL_* from (default ${DEFAULT_CONFIG_FILE})
  --node HOST[:PORT]     a node to check; repeat for each (default: DB_MySQL_HostName and the nodes it lists)
  --expect-size N        every node must see a cluster of N nodes (finds a node that left)
  --timeout SECONDS      connect timeout per node (default DB_MySQL_Connect_Timeout, at least 5)
  --max-flow-paused F    report a node whose wsrep_flow_control_paused is above F (0 to 1)
  --quiet                print only problems (for cron: mail only when something is wrong)
  --json                 print the report as JSON
  --help, --version      print this text or the OpenSPS version`;

interface Args {
  conf?: string;
  nodes: MySqlEndpoint[];
  expectSize?: number;
  timeoutS?: number;
  maxFlowPaused?: number;
  quiet: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { nodes: [], quiet: false, json: false, help: false, version: false };
  const value = (i: number, what: string) => {
    const v = argv[i + 1];
    if (v === undefined || v === '') throw new UsageError(`${argv[i]} needs ${what}`);
    return v;
  };
  const number = (text: string, opt: string, ok: (n: number) => boolean) => {
    const n = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !ok(n)) throw new UsageError(`${opt}: "${text}" is out of range`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--help') a.help = true;
    else if (t === '--version') a.version = true;
    else if (t === '--quiet' || t === '-q') a.quiet = true;
    else if (t === '--json') a.json = true;
    else if (t === '-f' || t === '--conf') a.conf = value(i++, 'a file');
    else if (t === '--node') {
      const v = value(i++, 'HOST[:PORT]');
      const e = parseMySqlHost(v);
      if (!e.host || !Number.isInteger(e.port) || e.port < 1 || e.port > 65535) throw new UsageError(`--node: "${v}" is not HOST[:PORT]`);
      a.nodes.push(e);
    } else if (t === '--expect-size') a.expectSize = number(value(i++, 'a number'), t, (n) => Number.isInteger(n) && n >= 1);
    else if (t === '--timeout') a.timeoutS = number(value(i++, 'seconds'), t, (n) => n > 0 && n <= 600);
    else if (t === '--max-flow-paused') a.maxFlowPaused = number(value(i++, 'a fraction'), t, (n) => n >= 0 && n <= 1);
    else throw new UsageError(`unexpected argument "${t}"`);
  }
  if (a.quiet && a.json) throw new UsageError('--quiet and --json do not go together');
  return a;
}

const sameEndpoint = (x: MySqlEndpoint, y: MySqlEndpoint) => x.host === y.host && x.port === y.port;

/** The first node's report and the others', in the order they are shown. */
async function probeAll(first: MySqlEndpoint, named: readonly MySqlEndpoint[], secondary: MySqlEndpoint | undefined, o: NodeProbeOptions, discover: boolean): Promise<NodeReport[]> {
  const head = await probeNode(first, o);
  if (!head.reachable) return [head];
  const others: MySqlEndpoint[] = [];
  const candidates = [...named, ...(discover && head.galera ? parseIncomingAddresses((head.incomingAddresses ?? []).join(',')) : []), ...(secondary ? [secondary] : [])];
  for (const e of candidates) if (!sameEndpoint(e, first) && !others.some((x) => sameEndpoint(x, e))) others.push(e);
  const rest = await Promise.all(others.map((e) => probeNode(e, o)));
  // A discovered address can be the first node under another name (its IP rather than the
  // host name in sipd.conf): the group identity tells.
  const seen = new Set([head.nodeUuid].filter(Boolean));
  const kept: NodeReport[] = [head];
  for (const [i, r] of rest.entries()) {
    const isNamed = named.some((e) => sameEndpoint(e, others[i]));
    if (!isNamed && r.nodeUuid && seen.has(r.nodeUuid)) continue;
    if (r.nodeUuid) seen.add(r.nodeUuid);
    kept.push(r);
  }
  return kept;
}

function nodeLines(n: NodeReport, tables: readonly string[]): string[] {
  if (!n.reachable) return [`${n.address}: unreachable: ${n.error ?? 'no answer'}`];
  const head = n.galera
    ? `${n.address}: ${n.clusterStatus ?? '?'}, ${n.state ?? '?'}, cluster size ${n.clusterSize ?? '?'}, wsrep_ready ${n.ready ?? '?'}, flow control paused ${n.flowControlPaused ?? '?'}, last committed ${n.lastCommitted ?? '?'}`
    : `${n.address}: not a Galera node (wsrep_on is not ON)`;
  const counts = tables.filter((t) => t in n.counts).map((t) => `${t} ${n.counts[t]}`);
  return [head, `  rows: ${n.countError ? `unreadable: ${n.countError}` : counts.length ? counts.join(', ') : 'none of the tables exist'}`];
}

function verdict(nodes: readonly NodeReport[], galera: boolean): string {
  if (!galera) {
    return nodes.length === 1
      ? `OK: ${nodes[0].address} is not a Galera node: there is no cluster to check; its row counts are shown`
      : `OK: ${nodes.length} servers reachable (not Galera nodes), row counts equal`;
  }
  return `OK: ${nodes.length} nodes reachable, Primary and Synced, cluster size ${nodes[0].clusterSize}, row counts equal`;
}

export async function main(argv: readonly string[], out = (s: string) => void process.stdout.write(s), err = (s: string) => void process.stderr.write(s)): Promise<number> {
  let a: Args;
  try {
    a = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`${NAME}: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (a.help || a.version) {
    out(a.help ? `${USAGE}\n` : versionText(NAME));
    return 0;
  }
  const file = a.conf ?? DEFAULT_CONFIG_FILE;
  const loaded = a.conf !== undefined || existsSync(file) ? loadConfigFile(file) : parseConfig('', file);
  if (!loaded.ok) {
    err(loaded.errors.map(formatMessage).join('\n') + '\n');
    return 2;
  }
  const v = loaded.config.values;
  if (!v.DB_MySQL_Username) {
    err(`${NAME}: DB_MySQL_Username is not set in ${file}: it names the account to read the nodes with\n`);
    return 2;
  }
  const tables = sharedTables(v.DB_MySQL_SubscriberTable);
  let o: NodeProbeOptions = {
    user: v.DB_MySQL_Username,
    password: v.DB_MySQL_Password ?? '',
    database: v.DB_MySQL_DB,
    tables,
    timeoutMs: (a.timeoutS ?? Math.max(v.DB_MySQL_Connect_Timeout, 5)) * 1000,
  };
  try {
    const tls = mysqlTlsFromConfig(loaded.config);
    if (tls) o = { ...o, tls };
  } catch (e) {
    err(`${NAME}: ${(e as Error).message}\n`);
    return 2;
  }
  const named = a.nodes;
  const first = named[0] ?? parseMySqlHost(v.DB_MySQL_HostName);
  const secondary = named.length || !v.DB_MySQL_Secondary_HostName ? undefined : parseMySqlHost(v.DB_MySQL_Secondary_HostName);
  const run = () => probeAll(first, named.slice(1), secondary, o, named.length === 0);
  let nodes = await run();
  if (!nodes[0].reachable) {
    if (a.json) out(JSON.stringify({ verdict: 'error', error: `${endpointText(first)}: ${nodes[0].error}`, nodes }, null, 2) + '\n');
    err(`${NAME}: cannot read the first node ${endpointText(first)}: ${nodes[0].error}\n`);
    return 2;
  }
  const judge = (n: readonly NodeReport[]) => judgeNodes(n, { ...(a.expectSize !== undefined && { expectSize: a.expectSize }), ...(a.maxFlowPaused !== undefined && { maxFlowPaused: a.maxFlowPaused }), discovered: named.length === 0 });
  let j = judge(nodes);
  // Counts read a moment apart can differ by writes made in between: read them once more
  // and report only what still differs.
  if (j.problems.some((p) => p.startsWith('table '))) {
    nodes = await run();
    if (!nodes[0].reachable) {
      err(`${NAME}: cannot read the first node ${endpointText(first)}: ${nodes[0].error}\n`);
      return 2;
    }
    j = judge(nodes);
  }
  if (a.json) {
    out(JSON.stringify({ verdict: j.problems.length ? 'degraded' : 'ok', galera: j.galera, problems: j.problems, nodes }, null, 2) + '\n');
  } else {
    if (!a.quiet) for (const n of nodes) out(nodeLines(n, tables).join('\n') + '\n');
    for (const p of j.problems) out(`PROBLEM: ${p}\n`);
    if (!a.quiet && !j.problems.length) out(verdict(nodes, j.galera) + '\n');
  }
  return j.problems.length ? 1 : 0;
}

const entry = path.basename(process.argv[1] ?? '');
if (entry === NAME || entry === 'mysql-sync-check.js') process.exitCode = await main(process.argv.slice(2));
