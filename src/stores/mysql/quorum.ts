// Is our Galera node in the primary component? A node cut off from the majority (a
// partition, or the survivor of a 2-node cluster without an arbitrator) goes non-Primary:
// it answers SHOW STATUS but refuses every other statement with error 1047 ("WSREP has not
// yet prepared node for application use"). A farm member on such a node must refuse its
// writes (REGISTER gets 503) rather than diverge, and keep serving what it holds in memory.
//
// The watch learns it two ways: from the errors statements get (at once), and from a
// periodic read of wsrep_cluster_status and wsrep_ready (which also finds the recovery).
// One process may open several pools to one node (registry, routes, subscribers): the
// transition is logged once per node address, not once per pool.
import type { StoreLog } from '../store-log.js';
import { StoreUnavailableError } from '../subscriber-store.js';

/** How often a farm store's pool reads its node's Galera status: a partition is found within this. */
export const QUORUM_WATCH_MS = 2000;

/** ER_UNKNOWN_COM_ERROR: what a non-Primary Galera node answers to statements. */
export const ER_UNKNOWN_COM_ERROR = 1047;

export function isNotPrimaryError(e: unknown): boolean {
  return (e as { errno?: number } | undefined)?.errno === ER_UNKNOWN_COM_ERROR;
}

/** The node this store writes through is not in the primary component: writes are refused until it rejoins. */
export class ClusterPartitionedError extends StoreUnavailableError {
  constructor(
    readonly address: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the farm database node ${address} is not in the Galera primary component (${detail}): it refuses writes until it rejoins the majority of the cluster (see mysql_sync_check)`,
      options,
    );
  }
}

/**
 * Log a background failure (a sweep, a poll of the change log) unless it is the partition,
 * which the watch has logged once already: a partition of an hour must not log a line a
 * minute. Returns true when it logged.
 */
export function logUnlessPartitioned(log: StoreLog, e: unknown, message: () => string): boolean {
  if (e instanceof ClusterPartitionedError) return false;
  log('warn', message());
  return true;
}

export type QuorumState = 'primary' | 'non-primary' | 'unknown';

/** wsrep_cluster_status and wsrep_ready as read; undefined fields on a server without wsrep. */
export interface WsrepReading {
  readonly clusterStatus?: string;
  readonly ready?: string;
}

export interface QuorumWatchOptions {
  /** The node's address, as messages name it. */
  readonly address: string;
  /** Read wsrep_cluster_status and wsrep_ready (SHOW STATUS works on a non-Primary node). */
  readonly read: () => Promise<WsrepReading>;
  readonly log: StoreLog;
  /** How often the status is read. */
  readonly intervalMs: number;
  readonly now?: () => number;
}

// Per node address: the state last announced in the log, shared by every watch of this process.
const announced = new Map<string, QuorumState>();

export class QuorumWatch {
  private s: QuorumState = 'unknown';
  private why = '';
  private changedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: QuorumWatchOptions) {
    this.changedAt = (o.now ?? Date.now)();
  }

  get state(): QuorumState {
    return this.s;
  }

  /** Why the node is non-Primary ("wsrep_cluster_status non-Primary, wsrep_ready OFF"). */
  get detail(): string {
    return this.why;
  }

  /** When the state last changed (ms). */
  get since(): number {
    return this.changedAt;
  }

  get partitioned(): boolean {
    return this.s === 'non-primary';
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.check(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Read the status now (never two reads at once); a node that cannot be read leaves the state as it was. */
  check(): Promise<void> {
    this.reading ??= this.o
      .read()
      .then((r) => {
        if (r.clusterStatus === undefined && r.ready === undefined) {
          // Not a Galera node: there is no quorum to watch.
          this.stop();
          return;
        }
        if (r.clusterStatus === 'Primary' && r.ready === 'ON') this.set('primary', '');
        else this.set('non-primary', `wsrep_cluster_status ${r.clusterStatus ?? 'unknown'}, wsrep_ready ${r.ready ?? 'unknown'}`);
      })
      .catch(() => undefined)
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** A statement failed: returns the error to throw (a ClusterPartitionedError when the node refused it for want of quorum). */
  noteError(e: unknown): unknown {
    if (!isNotPrimaryError(e)) return e;
    if (!this.partitioned) this.set('non-primary', `error ${ER_UNKNOWN_COM_ERROR}: ${(e as { sqlMessage?: string; message?: string }).sqlMessage ?? (e as Error).message}`);
    return new ClusterPartitionedError(this.o.address, this.why, { cause: e });
  }

  /** A statement succeeded on the node: it takes statements, so it is in the primary component. */
  noteSuccess(): void {
    if (this.s !== 'primary') this.set('primary', '');
  }

  private set(state: QuorumState, why: string): void {
    if (state === this.s) return;
    this.s = state;
    this.why = why;
    this.changedAt = (this.o.now ?? Date.now)();
    const before = announced.get(this.o.address) ?? 'unknown';
    if (before === state) return;
    announced.set(this.o.address, state);
    if (state === 'non-primary') {
      this.o.log(
        'error',
        `farm database node ${this.o.address} left the Galera primary component (${why}): registrations and other writes are refused with 503 and calls are routed from memory until it rejoins`,
      );
    } else if (before === 'non-primary') {
      this.o.log('info', `farm database node ${this.o.address} is back in the Galera primary component: writes are accepted again`);
    }
  }
}
