// The farm check engine: runs mysql_sync_check (the operator's tool, with --json) on the
// schedule of farmagt.cnf and keeps the last result in memory for OPENSPS-FARM-MIB. The
// agent never opens sipd's stores: like an operator it runs the tool and reads its output.
//
// One run at a time, bounded in time (a hung run is killed and counts as failed). Exit
// status 0/1/2 is the tool's own verdict (ok/degraded/failed); anything else, or no JSON
// on stdout, is a failed check whose problem is the tool's first line on stderr.
import { spawn } from 'node:child_process';

export type CheckOutcome = 'ok' | 'degraded' | 'failed' | 'notRun';
export type PartitionState = 'primary' | 'partitioned' | 'unknown';

export interface TableCounts {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly mismatch: boolean;
}

export interface FarmCheckResult {
  readonly outcome: CheckOutcome;
  /** The tool's exit status; -1 when it ended without one (killed, could not start). */
  readonly exitStatus: number;
  readonly problems: readonly string[];
  /** The member's own node (the first one the tool reads: DB_MySQL_HostName). */
  readonly clusterStatus: string;
  readonly clusterSize: number;
  readonly localState: string;
  readonly partition: PartitionState;
  readonly tables: readonly TableCounts[];
  /** When the run finished (ms). */
  readonly at: number;
}

export const NOT_RUN: FarmCheckResult = { outcome: 'notRun', exitStatus: -1, problems: [], clusterStatus: '', clusterSize: 0, localState: '', partition: 'unknown', tables: [], at: 0 };

interface JsonNode {
  reachable?: boolean;
  galera?: boolean;
  clusterStatus?: string;
  clusterSize?: number;
  state?: string;
  ready?: string;
  counts?: Record<string, number>;
}

/** What one run printed and how it ended, made into a result. Never throws. */
export function resultOf(exitStatus: number, stdout: string, stderr: string, at: number): FarmCheckResult {
  let report: { problems?: unknown; error?: unknown; nodes?: unknown } | undefined;
  try {
    const parsed: unknown = JSON.parse(stdout);
    if (parsed && typeof parsed === 'object') report = parsed as typeof report;
  } catch {
    report = undefined;
  }
  const outcome: CheckOutcome = exitStatus === 0 && report ? 'ok' : exitStatus === 1 && report ? 'degraded' : 'failed';
  const problems = Array.isArray(report?.problems) ? report.problems.map(String) : [];
  if (typeof report?.error === 'string') problems.push(report.error);
  if (!problems.length && outcome !== 'ok') problems.push(stderr.trim().split('\n')[0] || (report ? 'mysql_sync_check failed' : 'mysql_sync_check printed no report'));
  const nodes: JsonNode[] = Array.isArray(report?.nodes) ? (report.nodes as JsonNode[]).filter((n) => n && typeof n === 'object') : [];
  const own = nodes[0];
  // A plain MySQL server (no Galera) takes writes: it has no partition to be in.
  const partition: PartitionState = !own?.reachable ? 'unknown' : !own.galera || (own.clusterStatus === 'Primary' && own.ready === 'ON') ? 'primary' : 'partitioned';
  return {
    outcome,
    exitStatus,
    problems,
    clusterStatus: own?.reachable ? String(own.clusterStatus ?? '') : '',
    clusterSize: own?.reachable && Number.isFinite(Number(own.clusterSize)) ? Number(own.clusterSize) : 0,
    localState: own?.reachable ? String(own.state ?? '') : '',
    partition,
    tables: tablesOf(nodes, problems),
    at,
  };
}

/** Per table: the smallest and largest count the nodes reported, and whether the tool said they differ. */
function tablesOf(nodes: readonly JsonNode[], problems: readonly string[]): TableCounts[] {
  const names: string[] = [];
  for (const n of nodes) for (const t of Object.keys(n.counts ?? {})) if (!names.includes(t)) names.push(t);
  return names.map((name) => {
    const counts = nodes.map((n) => n.counts?.[name]).filter((c): c is number => typeof c === 'number' && Number.isFinite(c));
    return { name, min: Math.min(...counts), max: Math.max(...counts), mismatch: problems.some((p) => p.startsWith(`table ${name}:`)) };
  });
}

export interface FarmCheckOptions {
  /** The mysql_sync_check program. */
  readonly program: string;
  /** sipd.conf to read DB_MySQL_* from. */
  readonly conf: string;
  /** More arguments (e.g. --expect-size 3). */
  readonly args?: readonly string[];
  /** A run taking longer is killed. */
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/** Run the tool once. */
export function runFarmCheck(o: FarmCheckOptions): Promise<FarmCheckResult> {
  const now = o.now ?? Date.now;
  return new Promise((resolve) => {
    const child = spawn(o.program, ['-f', o.conf, '--json', ...(o.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-1_000_000)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-10_000)));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    timer.unref();
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(resultOf(-1, '', `cannot run ${o.program}: ${e.message}`, now()));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (killed) return resolve(resultOf(-1, '', `${o.program} did not finish within ${o.timeoutMs} ms`, now()));
      resolve(resultOf(code ?? -1, out, err, now()));
    });
  });
}
