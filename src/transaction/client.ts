// Client transactions (RFC 3261 §17.1): the INVITE machine (Timers A, B, D, the
// provisional wait, local ACK of non-2xx finals, CANCEL) and the non-INVITE machine
// (Timers E, F, K). Each one sends the exact bytes it serialized once.
import type { SipRequest, SipResponse } from '../sip/message.js';
import { serializeMessage } from '../sip/message.js';
import type { LayerContext } from './layer-context.js';
import { guarded } from './layer-context.js';
import { TimerSlots } from './timer-slots.js';
import { buildAck, buildCancel } from './requests.js';
import { expiresOf, giveUpAfter, provisionalWait } from './timers.js';
import type { ClientTxn, ClientTxnEvents, TxnTimers } from './types.js';
import type { Destination } from '../transport/types.js';

type State = ClientTxn['state'];

/** Events of the CANCEL transactions the layer starts itself: their outcome matters to no one. */
const SILENT: ClientTxnEvents = { onResponse() {}, onTimeout() {}, onTransportError() {} };

export class ClientTransaction implements ClientTxn {
  private st: State = 'calling';
  private readonly invite: boolean;
  private readonly reliable: boolean;
  private readonly bytes: Buffer;
  private readonly slots = new TimerSlots();
  private retxCount = 0;
  private interval: number;
  /** An outcome (first final, timeout, transport error) has been reported. */
  private settled = false;
  private cancelState: 'none' | 'pending' | 'sent' = 'none';
  private cancelReason: string | undefined;
  private ackBytes: Buffer | undefined;

  constructor(
    private readonly ctx: LayerContext,
    readonly key: string,
    readonly request: SipRequest,
    readonly destination: Destination,
    readonly branch: string,
    private readonly events: ClientTxnEvents,
    private readonly timers: TxnTimers,
  ) {
    this.invite = request.method === 'INVITE';
    this.reliable = destination.transport !== 'UDP';
    this.bytes = serializeMessage(request);
    this.interval = timers.t1;
  }

  /** Move to another state; DebugFlag StateMachine logs each move. */
  private enter(next: State): void {
    const prev = this.st;
    this.st = next;
    if (prev !== next) this.ctx.trace(() => `client transaction ${this.describe()}: ${prev} -> ${next}`);
  }

  get state(): State {
    return this.st;
  }

  /** Send the request and arm the retransmission and give-up timers. */
  start(): void {
    this.ctx.trace(() => `client transaction ${this.describe()}: created in ${this.st}`);
    this.send(this.bytes, this.request.method, false);
    const max = this.invite ? this.timers.maxInviteRetx : this.timers.maxNonInviteRetx;
    if (!this.reliable && max > 0) this.slots.retx(this.interval, () => this.retransmit());
    // Timer B (INVITE) or F (others).
    this.slots.end(giveUpAfter(this.timers), () => this.timedOut('no-response'));
  }

  /** Send once and forget: an ACK has no transaction (RFC 3261 §17.1). */
  sendOnce(): void {
    this.enter('terminated');
    this.send(this.bytes, 'ACK', false);
  }

  cancel(reason?: string): void {
    if (!this.invite || this.cancelState !== 'none') return;
    if (this.st === 'completed' || this.st === 'terminated' || this.settled) return;
    this.cancelReason = reason;
    if (this.st === 'calling') this.cancelState = 'pending'; // RFC 3261 §9.1: not before a provisional
    else this.sendCancel();
  }

  /** A response matched to this transaction. Returns false to leave it unmatched (the proxy then forwards it statelessly). */
  receive(res: SipResponse): boolean {
    if (this.st === 'terminated') return false;
    const method = this.request.method;
    if (res.status < 200) {
      // A repeated provisional cannot be told from a new one: each counts as received.
      this.ctx.counts.responseReceived(res, method, false);
      return this.provisional(res);
    }
    if (this.invite && res.status < 300) {
      // A 2xx ends the INVITE transaction at once; the proxy forwards it (and its retransmissions) itself.
      if (this.st === 'completed') return false;
      this.ctx.counts.responseReceived(res, method, false);
      this.settled = true;
      this.terminate();
      guarded(this.ctx.log, 'onResponse', () => this.events.onResponse(res));
      return true;
    }
    if (this.st === 'completed') {
      // A retransmitted final: absorbed; for INVITE the ACK goes out again.
      this.ctx.counters.retransmissionsAbsorbed++;
      this.ctx.counts.responseReceived(res, method, true);
      if (this.ackBytes) {
        this.ctx.counters.retransmissionsSent++;
        this.send(this.ackBytes, 'ACK', true);
      }
      return true;
    }
    this.ctx.counts.responseReceived(res, method, false);
    this.enter('completed');
    this.slots.clear();
    if (this.invite) {
      this.ackBytes = serializeMessage(buildAck(this.request, res));
      this.send(this.ackBytes, 'ACK', false);
    }
    const report = !this.settled;
    this.settled = true;
    // Timer D (INVITE) or K: absorb retransmitted finals over UDP; nothing to absorb over TCP.
    if (this.reliable) this.terminate();
    else this.slots.end(this.timers.t4, () => this.terminate());
    if (report) guarded(this.ctx.log, 'onResponse', () => this.events.onResponse(res));
    return true;
  }

  private provisional(res: SipResponse): boolean {
    if (this.st === 'completed') return true;
    if (this.st === 'calling') {
      this.enter('proceeding');
      if (this.invite) {
        this.slots.stopRetx(); // no Timer A once a provisional came
        this.slots.stopEnd(); // nor Timer B: the provisional wait takes over
        if (this.cancelState === 'pending') this.sendCancel();
        else this.armProvisionalWait();
      } else {
        // RFC 3261 §17.1.2.2: in Proceeding, Timer E fires every T2.
        this.interval = this.timers.t2;
      }
    } else if (this.invite && res.status !== 100 && this.cancelState === 'none' && !this.settled) {
      // Like RFC 3261 Timer C: every provisional but 100 starts the wait again.
      this.armProvisionalWait();
    }
    // After a timeout the proxy has settled this branch as 408; later provisionals are noise.
    if (!this.settled) guarded(this.ctx.log, 'onResponse', () => this.events.onResponse(res));
    return true;
  }

  private armProvisionalWait(): void {
    this.slots.wait(provisionalWait(this.timers, expiresOf(this.request)), () => this.provisionalWaitOver());
  }

  private provisionalWaitOver(): void {
    if (this.st !== 'proceeding' || this.settled) return;
    this.settled = true;
    this.ctx.counters.timeouts++;
    this.ctx.log('debug', `no final response to ${this.describe()} after a provisional: sending CANCEL`);
    this.sendCancel();
    guarded(this.ctx.log, 'onTimeout', () => this.events.onTimeout('no-final-response'));
  }

  /** CANCEL as its own non-INVITE transaction, then wait 64·T1 for the INVITE's final (RFC 3261 §9.1). */
  private sendCancel(): void {
    this.cancelState = 'sent';
    this.slots.stopWait();
    const cancel = buildCancel(this.request, this.cancelReason);
    this.ctx.startClient(cancel, this.destination, this.branch, SILENT);
    this.slots.end(giveUpAfter(this.timers), () => this.timedOut('no-final-response'));
  }

  private retransmit(): void {
    if (this.st !== 'calling' && (this.invite || this.st !== 'proceeding')) return;
    this.retxCount++;
    this.ctx.counters.retransmissionsSent++;
    this.send(this.bytes, this.request.method, true);
    // Timer A doubles without bound; Timer E doubles up to T2 (and stays at T2 once proceeding).
    this.interval = this.invite ? this.interval * 2 : Math.min(this.interval * 2, this.timers.t2);
    if (!this.invite && this.st === 'proceeding') this.interval = this.timers.t2;
    const max = this.invite ? this.timers.maxInviteRetx : this.timers.maxNonInviteRetx;
    // Past the cap we stop sending but still wait for Timer B/F.
    if (this.retxCount < max) this.slots.retx(this.interval, () => this.retransmit());
  }

  private timedOut(reason: 'no-response' | 'no-final-response'): void {
    if (this.st === 'terminated') return;
    const report = !this.settled;
    this.settled = true;
    this.terminate();
    if (!report) return;
    this.ctx.counters.timeouts++;
    this.ctx.log('debug', `${reason === 'no-response' ? 'no response' : 'no final response'} to ${this.describe()}`);
    guarded(this.ctx.log, 'onTimeout', () => this.events.onTimeout(reason));
  }

  /** Hand one transmission of a request (`method`: the transaction's, or ACK) to the transport. */
  private send(data: Buffer, method: string, retransmission: boolean): void {
    let p: Promise<void>;
    try {
      p = this.ctx.transport.send(this.destination, data);
    } catch (err) {
      p = Promise.reject(err);
    }
    this.ctx.counts.requestSent(method, retransmission);
    p.catch((err: unknown) => this.transportFailed(err instanceof Error ? err : new Error(String(err))));
  }

  private transportFailed(err: Error): void {
    if (this.settled || (this.st === 'terminated' && this.request.method !== 'ACK')) {
      this.ctx.log('debug', `send of ${this.describe()} failed after it was settled: ${err.message}`);
      return;
    }
    this.settled = true;
    this.terminate();
    guarded(this.ctx.log, 'onTransportError', () => this.events.onTransportError(err));
  }

  private terminate(): void {
    if (this.st === 'terminated') return;
    this.enter('terminated');
    this.slots.clear();
    this.ctx.clientEnded(this.key, this);
  }

  /** Stop without telling anyone (layer shutdown). */
  abort(): void {
    this.enter('terminated');
    this.slots.clear();
  }

  private describe(): string {
    return `${this.request.method} ${this.request.uri} (branch ${this.branch}) sent to ${this.destination.transport} ${this.destination.host}:${this.destination.port}`;
  }
}
