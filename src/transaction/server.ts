// Server transactions (RFC 3261 §17.2): the INVITE machine (Timers G, H, I, and the
// Accepted state of RFC 6026 after a 2xx) and the non-INVITE machine (Timer J).
// Retransmitted requests are absorbed by sending the last response again.
import type { SipRequest, SipResponse } from '../sip/message.js';
import { serializeMessage, tagOf } from '../sip/message.js';
import type { Inbound, Reply } from '../transport/types.js';
import type { LayerContext } from './layer-context.js';
import { guarded } from './layer-context.js';
import { TimerSlots } from './timer-slots.js';
import { serverKey, matchedByBranch } from './keys.js';
import { abandonAfter, giveUpAfter } from './timers.js';
import type { Received, ServerTxn, TxnTimers } from './types.js';

/** trying/proceeding/completed/terminated as in RFC 3261; confirmed after the ACK; accepted after a 2xx (RFC 6026). */
export type ServerState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export class ServerTransaction implements ServerTxn {
  private st: ServerState;
  private readonly invite: boolean;
  private readonly reliable: boolean;
  private readonly slots = new TimerSlots();
  private readonly keys: string[];
  private last: Buffer | undefined;
  private lastResponse: SipResponse | undefined;
  private interval: number;
  private cancelledFlag = false;
  private sentBytes = 0;
  onCancel: ((cancel: SipRequest) => void) | undefined = undefined;

  constructor(
    private readonly ctx: LayerContext,
    readonly key: string,
    readonly request: SipRequest,
    readonly source: Inbound,
    private reply: Reply,
    private readonly timers: TxnTimers,
  ) {
    this.invite = request.method === 'INVITE';
    this.reliable = source.transport !== 'UDP';
    this.st = this.invite ? 'proceeding' : 'trying';
    ctx.trace(() => `server transaction ${this.describe()}: created in ${this.st}`);
    this.keys = [key];
    this.interval = timers.t1;
    // A core that never answers must not leave the transaction behind.
    this.slots.wait(abandonAfter(timers, this.invite), () => this.abandoned());
  }

  /** Move to another state; DebugFlag StateMachine logs each move. */
  private enter(next: ServerState): void {
    const prev = this.st;
    this.st = next;
    if (prev !== next) this.ctx.trace(() => `server transaction ${this.describe()}: ${prev} -> ${next}`);
  }

  private describe(): string {
    return `${this.request.method} ${this.request.uri} (key ${this.key}) from ${this.source.transport} ${this.source.remoteAddress}:${this.source.remotePort}`;
  }

  get state(): ServerState {
    return this.st;
  }
  get cancelled(): boolean {
    return this.cancelledFlag;
  }
  get finished(): boolean {
    return this.st !== 'trying' && this.st !== 'proceeding';
  }
  get lastSentBytes(): number {
    return this.sentBytes;
  }
  /** The To tag of the last response sent, if any (the 200 to a CANCEL reuses it, RFC 3261 §9.2). */
  get toTag(): string | undefined {
    return this.lastResponse ? tagOf(this.lastResponse.headers.get('To')) : undefined;
  }

  respond(res: SipResponse): boolean {
    if (this.st === 'terminated') return false;
    if (res.status < 200) {
      if (this.finished) return false;
      this.remember(res);
      if (this.st === 'trying') this.enter('proceeding');
      this.sendLast(false);
      return true;
    }
    if (this.finished) {
      // RFC 6026: further 2xx (from other forks) go out through the Accepted state.
      if (this.st !== 'accepted' || res.status >= 300) return false;
      const out = serializeMessage(res);
      this.sentBytes = out.length;
      this.send(out, res, false);
      return true;
    }
    this.remember(res);
    this.slots.stopWait();
    this.sendLast(false);
    if (this.invite && res.status < 300) {
      // Accepted: absorb INVITE retransmissions for the TCB hold (RFC 6026 Timer L).
      this.enter('accepted');
      this.slots.end(this.timers.t4, () => this.terminate());
    } else if (this.invite) {
      this.enter('completed');
      if (!matchedByBranch(this.request)) {
        // An RFC 2543 ACK carries the To tag of this response: file the transaction under it too.
        const ackKey = serverKey(this.request, 'INVITE', this.toTag ?? '');
        if (ackKey !== this.key) {
          this.keys.push(ackKey);
          this.ctx.serverAlias(ackKey, this);
        }
      }
      if (!this.reliable) this.slots.retx(this.interval, () => this.timerG());
      this.slots.end(giveUpAfter(this.timers), () => this.timerH());
    } else {
      this.enter('completed');
      // Timer J: absorb retransmitted requests over UDP; none come over TCP.
      if (this.reliable) this.terminate();
      else this.slots.end(giveUpAfter(this.timers), () => this.terminate());
    }
    return true;
  }

  /** A retransmission of the request arrived (possibly by another path: answer there). */
  retransmitted(reply: Reply): Received {
    this.reply = reply;
    this.ctx.counters.retransmissionsAbsorbed++;
    this.ctx.counts.requestReceived(this.request.method, true);
    if ((this.st === 'proceeding' || this.st === 'completed') && this.last) {
      this.ctx.counters.retransmissionsSent++;
      this.sendLast(true);
    }
    return { kind: 'retransmission' };
  }

  /** An ACK matched this transaction. */
  ack(): Received {
    if (this.st === 'completed') {
      this.ctx.counts.requestReceived('ACK', false);
      this.enter('confirmed');
      this.slots.stopRetx();
      // Timer I: absorb ACK retransmissions over UDP.
      if (this.reliable) this.terminate();
      else this.slots.end(this.timers.t4, () => this.terminate());
      return { kind: 'ack-absorbed' };
    }
    if (this.st === 'confirmed') {
      this.ctx.counters.retransmissionsAbsorbed++;
      this.ctx.counts.requestReceived('ACK', true);
      return { kind: 'ack-absorbed' };
    }
    // The ACK of a 2xx (or a stray one): not ours to absorb.
    return { kind: 'stray-ack' };
  }

  /** A CANCEL matched this INVITE transaction; the layer has answered it 200. */
  cancelledBy(cancel: SipRequest): void {
    if (this.cancelledFlag) return;
    this.cancelledFlag = true;
    // Once a final response went out there is nothing left to cancel.
    if (this.finished) return;
    const cb = this.onCancel;
    if (cb) guarded(this.ctx.log, 'onCancel', () => cb(cancel));
  }

  private timerG(): void {
    if (this.st !== 'completed') return;
    this.ctx.counters.retransmissionsSent++;
    this.sendLast(true);
    this.interval = Math.min(this.interval * 2, this.timers.t2);
    this.slots.retx(this.interval, () => this.timerG());
  }

  private timerH(): void {
    if (this.st !== 'completed') return;
    this.ctx.counters.timeouts++;
    this.ctx.log('warn', `no ACK for the ${this.lastResponse?.status} response to INVITE ${this.request.uri} from ${this.source.remoteAddress}:${this.source.remotePort}`);
    this.terminate();
  }

  private abandoned(): void {
    if (this.finished || this.st === 'terminated') return;
    this.ctx.counters.timeouts++;
    this.ctx.log('warn', `no final response was given to ${this.request.method} ${this.request.uri} from ${this.source.remoteAddress}:${this.source.remotePort}; transaction dropped`);
    this.terminate();
  }

  private remember(res: SipResponse): void {
    this.lastResponse = res;
    this.last = serializeMessage(res);
    this.sentBytes = this.last.length;
  }

  /** Send the last response again, or for the first time (`retransmission` false). */
  private sendLast(retransmission: boolean): void {
    if (this.last && this.lastResponse) this.send(this.last, this.lastResponse, retransmission);
  }

  private send(data: Buffer, res: SipResponse, retransmission: boolean): void {
    let ok: boolean;
    try {
      ok = this.reply(data);
    } catch (err) {
      ok = false;
      this.ctx.log('debug', `reply failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (ok) this.ctx.counts.responseSent(res, this.request.method, retransmission);
    else this.ctx.log('debug', `response to ${this.request.method} from ${this.source.remoteAddress}:${this.source.remotePort} not sent: its path is gone`);
  }

  private terminate(): void {
    if (this.st === 'terminated') return;
    this.enter('terminated');
    this.slots.clear();
    this.ctx.serverEnded(this.keys, this);
  }

  /** Stop without sending anything (layer shutdown). */
  abort(): void {
    this.enter('terminated');
    this.slots.clear();
  }
}
