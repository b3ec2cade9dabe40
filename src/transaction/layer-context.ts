// What the transaction objects share with the layer that owns them: the transport, the
// counters, the log, and a way to leave the layer's maps when they end; and the guard
// that keeps a user callback's exception out of the layer.
import type { SipRequest } from '../sip/message.js';
import type { ClientTxn, ClientTxnEvents, TrafficCounts } from './types.js';
import type { Destination, TxnTransport } from '../transport/types.js';

export type LogFn = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;

/**
 * Where state changes go (DebugFlag StateMachine). It is handed a function making the
 * line, so that nothing is formatted while the flag is off.
 */
export type TraceFn = (line: () => string) => void;

export interface Counters {
  retransmissionsSent: number;
  retransmissionsAbsorbed: number;
  timeouts: number;
}

export interface LayerContext {
  readonly transport: TxnTransport;
  readonly log: LogFn;
  readonly trace: TraceFn;
  readonly counters: Counters;
  /** The RFC 4780 traffic counts of the server that owns the layer. */
  readonly counts: TrafficCounts;
  /** Start a client transaction for a request that already carries our Via (used for CANCEL). */
  startClient(req: SipRequest, dest: Destination, branch: string, events: ClientTxnEvents): ClientTxn;
  /** A transaction ended: drop it from the maps (only where it is still the one filed). */
  clientEnded(key: string, txn: unknown): void;
  serverEnded(keys: readonly string[], txn: unknown): void;
  /** File a server transaction under one more key (the RFC 2543 ACK key). */
  serverAlias(key: string, txn: unknown): void;
}

/** Run a callback of the layer's user; an exception there is logged, never let into the layer. */
export function guarded(log: LogFn, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log('error', `transaction layer: ${what} threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
