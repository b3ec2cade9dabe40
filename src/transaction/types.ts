// The contract between the transaction layer (RFC 3261 §17) and its neighbours: the
// transports below it and the proxy core above it. Kept in one small file so each side
// can be built and tested against it alone.
import type { SipRequest, SipResponse } from '../sip/message.js';
import type { Destination, Inbound, Reply, TransportName } from '../transport/types.js';

/** The guide's timer and retransmission directives, in milliseconds and counts. */
export interface TxnTimers {
  /** SipT1InMs: RTT estimate; first retransmission interval. */
  readonly t1: number;
  /** SipT2InMs: cap on the doubling interval (non-INVITE requests, INVITE final responses). */
  readonly t2: number;
  /** SipT4InMs: how long a completed transaction absorbs retransmissions (Timers D/I/K, and the guide's TCB hold). */
  readonly t4: number;
  /** SipT3InMs: wait for a final response after a provisional when the INVITE has no Expires. */
  readonly t3: number;
  /** SipMaxT3InMs: ceiling on that wait whatever the INVITE's Expires says. */
  readonly maxT3: number;
  /** MaxInviteRetxCount: INVITE retransmissions over UDP before waiting out Timer B. */
  readonly maxInviteRetx: number;
  /** MaxNonInviteRetxCount: non-INVITE retransmissions over UDP before waiting out Timer F. */
  readonly maxNonInviteRetx: number;
}

/** Outcome of handing an incoming request to the layer. */
export type Received =
  /** A new request: a server transaction now owns it (not for ACK). */
  | { readonly kind: 'new'; readonly txn: ServerTxn }
  /** A retransmission: absorbed, the last response (if any) was sent again. */
  | { readonly kind: 'retransmission' }
  /** The ACK for a non-2xx final response this layer sent: absorbed. */
  | { readonly kind: 'ack-absorbed' }
  /** An ACK matching no transaction (the ACK of a 2xx): the proxy forwards it statelessly. */
  | { readonly kind: 'stray-ack' }
  /**
   * A CANCEL that matched the INVITE server transaction `invite`: the layer has answered
   * it 200 (RFC 3261 §9.2, §16.10) and called invite.onCancel (unless the INVITE already
   * had its final response). Nothing is left for the proxy to answer.
   */
  | { readonly kind: 'cancel-answered'; readonly invite: ServerTxn };

export interface ServerTxn {
  readonly request: SipRequest;
  readonly source: Inbound;
  /** Branch-based key (RFC 3261 §17.2.3), or the RFC 2543 fallback key. */
  readonly key: string;
  /** Set once a CANCEL matched this (INVITE) transaction. */
  readonly cancelled: boolean;
  /** True once a final response was sent. */
  readonly finished: boolean;
  /**
   * Send a response on the request's path. Provisionals may be sent any number of times;
   * the first final response completes the transaction (later ones are ignored and
   * return false), except that after a 2xx to an INVITE further 2xx (other forks) are
   * still sent and return true (RFC 6026 Accepted state, held SipT4InMs; retransmitted
   * INVITEs are absorbed meanwhile). Non-2xx finals to INVITE over UDP are retransmitted
   * (Timer G) until the ACK comes or Timer H fires. A transaction whose core never sends
   * a final response is dropped after a long guard (see timers.ts abandonAfter).
   */
  respond(res: SipResponse): boolean;
  /** Size in bytes of the response the last successful respond() sent (0 before any), for the access log. */
  readonly lastSentBytes: number;
  /** Called once when a CANCEL matching this INVITE transaction arrives (after the layer answered the CANCEL 200). */
  onCancel: ((cancel: SipRequest) => void) | undefined;
}

export interface ClientTxnEvents {
  /**
   * Every response matched to the transaction (provisionals, each final once). Once
   * onTimeout or onTransportError was called the branch is settled: later provisionals
   * and non-2xx finals are absorbed (the non-2xx still ACKed), only a 2xx is still passed up.
   */
  onResponse(res: SipResponse): void;
  /**
   * No final response in time: Timer B/F, or for INVITE after a provisional the
   * SipT3InMs/Expires/SipMaxT3InMs wait (RFC 3261 Timer C). The proxy treats it as 408.
   * For the provisional-wait case the layer has already sent CANCEL.
   */
  onTimeout(reason: 'no-response' | 'no-final-response'): void;
  /** The transport failed (connection refused, ICMP unreachable seen as send error). Treated as 503 by the proxy (RFC 3261 §16.7 step 4 says 408 for timeouts only). */
  onTransportError(err: Error): void;
}

export interface ClientTxn {
  readonly request: SipRequest;
  readonly destination: Destination;
  /** The branch of the Via this layer put on top of the request. */
  readonly branch: string;
  /**
   * RFC 3261 §17.1 state ('calling' also stands for a non-INVITE's Trying). A 2xx to an
   * INVITE terminates at once, so the proxy forwards 2xx retransmissions statelessly.
   */
  readonly state: 'calling' | 'proceeding' | 'completed' | 'terminated';
  /**
   * Cancel a pending INVITE (RFC 3261 §9.1): sends CANCEL once a provisional has been
   * received (waits for one otherwise), as its own non-INVITE client transaction.
   * No effect after a final response. `reason` becomes a Reason header when given
   * (the whole value, e.g. 'SIP;cause=200;text="Call completed elsewhere"'). If no
   * final response follows within 64·T1, onTimeout('no-final-response') is reported.
   */
  cancel(reason?: string): void;
}

export interface TransactionStats {
  readonly serverActive: number;
  readonly clientActive: number;
  /** Requests and responses this layer retransmitted. */
  readonly retransmissionsSent: number;
  /** Retransmissions received and absorbed. */
  readonly retransmissionsAbsorbed: number;
  readonly timeouts: number;
}

/**
 * Where the layer reports the traffic it handles, for the RFC 4780 counters
 * (server/counters.ts implements it; the proxy reports its stateless traffic through the
 * same calls). `retransmission` marks a message this layer knows to be a copy of one
 * already counted: a request or ACK matched to a transaction that had it, a final
 * response matched to a completed client transaction, and what Timers A, E and G send.
 * Each call costs a few additions; nothing is formatted.
 */
export interface TrafficCounts {
  /** A request received (after the layer's verdict on retransmission). */
  requestReceived(method: string, retransmission: boolean): void;
  /** A response received; `method` is its CSeq method. */
  responseReceived(res: SipResponse, method: string, retransmission: boolean): void;
  /** One transmission of a request (an ACK included). */
  requestSent(method: string, retransmission: boolean): void;
  /** One transmission of a response; `method` is its CSeq method. */
  responseSent(res: SipResponse, method: string, retransmission: boolean): void;
  /** A client or server transaction was created. */
  transactionStarted(): void;
}

/** Counts that go nowhere (tests, and users of the layer that keep no counters). */
export const NO_COUNTS: TrafficCounts = {
  requestReceived() {},
  responseReceived() {},
  requestSent() {},
  responseSent() {},
  transactionStarted() {},
};

export interface TransactionLayerApi {
  /** Hand over an incoming request (after parsing). CANCEL to a known INVITE is answered 200 here and reported through ServerTxn.onCancel; a CANCEL matching nothing returns 'new' so the proxy answers 481 or forwards it statelessly. */
  receiveRequest(req: SipRequest, source: Inbound, reply: Reply): Received;
  /** Hand over an incoming response. Returns false when no client transaction matched (the proxy then forwards it statelessly, RFC 3261 §16.7). */
  receiveResponse(res: SipResponse, source: Inbound): boolean;
  /**
   * Send a request statefully. The layer pushes its own Via (sent-by given by `via`) with
   * a fresh branch onto a copy of `req` and keeps retransmitting per the timers.
   */
  sendRequest(req: SipRequest, dest: Destination, via: ViaSentBy, events: ClientTxnEvents): ClientTxn;
  /** Apply new timer settings to transactions started from now on. */
  setTimers(timers: TxnTimers): void;
  stats(): TransactionStats;
  /** Stop every timer (at shutdown). */
  close(): void;
}

/** What the proxy writes in its Via: the transport and the host:port it is reached at. */
export interface ViaSentBy {
  readonly transport: TransportName;
  readonly host: string;
  readonly port: number;
  /** Extra Via parameters, e.g. rport. */
  readonly params?: Readonly<Record<string, string | null>>;
  /**
   * Appended to the fresh branch (after the random part): the proxy's loop-detection
   * hash (RFC 3261 §16.6 step 8), so a request coming back unchanged is recognised.
   */
  readonly branchSuffix?: string;
}
