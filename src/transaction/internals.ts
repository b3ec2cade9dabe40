// What the transaction objects share with the layer that owns them: the transport, the
// counters, the log, and a way to leave the layer's maps when they end.
import type { SipRequest } from '../sip/message.js';
import type { ClientTxn, ClientTxnEvents, Destination, TxnTransport } from './types.js';

export type LogFn = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;

export interface Counters {
  retransmissionsSent: number;
  retransmissionsAbsorbed: number;
  timeouts: number;
}

export interface LayerContext {
  readonly transport: TxnTransport;
  readonly log: LogFn;
  readonly counters: Counters;
  /** Start a client transaction for a request that already carries our Via (used for CANCEL). */
  startClient(req: SipRequest, dest: Destination, branch: string, events: ClientTxnEvents): ClientTxn;
  /** A transaction ended: drop it from the maps (only where it is still the one filed). */
  clientEnded(key: string, txn: unknown): void;
  serverEnded(keys: readonly string[], txn: unknown): void;
  /** File a server transaction under one more key (the RFC 2543 ACK key). */
  serverAlias(key: string, txn: unknown): void;
}

/**
 * The pending timers of one transaction: at most one per slot, each a single unref'd
 * setTimeout, all cleared when the transaction ends. Slots: a retransmission timer
 * (A, E, G), an end timer (B, F, H, D, I, J, K, the TCB hold) and a wait timer (the
 * provisional wait on the client side, the abandon guard on the server side).
 */
export class TimerSlots {
  private retxT: NodeJS.Timeout | undefined;
  private endT: NodeJS.Timeout | undefined;
  private waitT: NodeJS.Timeout | undefined;

  retx(ms: number, fn: () => void): void {
    if (this.retxT) clearTimeout(this.retxT);
    this.retxT = arm(ms, fn);
  }
  end(ms: number, fn: () => void): void {
    if (this.endT) clearTimeout(this.endT);
    this.endT = arm(ms, fn);
  }
  wait(ms: number, fn: () => void): void {
    if (this.waitT) clearTimeout(this.waitT);
    this.waitT = arm(ms, fn);
  }
  stopRetx(): void {
    if (this.retxT) clearTimeout(this.retxT);
    this.retxT = undefined;
  }
  stopEnd(): void {
    if (this.endT) clearTimeout(this.endT);
    this.endT = undefined;
  }
  stopWait(): void {
    if (this.waitT) clearTimeout(this.waitT);
    this.waitT = undefined;
  }
  clear(): void {
    this.stopRetx();
    this.stopEnd();
    this.stopWait();
  }
}

function arm(ms: number, fn: () => void): NodeJS.Timeout {
  const t = setTimeout(fn, Math.max(0, ms));
  t.unref();
  return t;
}

/** Run a callback of the layer's user; an exception there is logged, never let into the layer. */
export function guarded(log: LogFn, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log('error', `transaction layer: ${what} threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
