// SIP traffic counters of one sipd: written to stats_log, served on the control socket
// and, through the AgentX subagent, as RFC 4780's SIP-COMMON-MIB and SIP-SERVER-MIB.
// One object of plain numbers and small maps, so counting costs an addition or a Map
// update; names are only built when snapshot() is asked for.
//
// The layers below count where each event happens, through the interfaces they define
// (the floors rule): the transaction layer (TrafficCounts, src/transaction/types.ts) for
// transmissions, retransmissions and transactions; the proxy (ProxyCounts,
// src/proxy/stages.ts) for its stateless traffic and its refusals; the modules
// (ModuleCounts, src/modules/module.ts) for the registrar's answers and failed
// authentications. sipd.ts counts what arrives at its sockets and what it answers itself.
import type { ModuleCounts } from '../modules/module.js';
import type { ProxyCounts } from '../proxy/stages.js';
import type { SipResponse } from '../sip/message.js';
import type { TransactionStats } from '../transaction/types.js';

/** Methods counted by name; any other method is counted as "other". */
export const COUNTED_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'PRACK', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE', 'PUBLISH'] as const;

/**
 * RFC 4780's method rows are per method name, and a method is any token a peer sends.
 * So that a peer inventing names cannot grow the maps, each per-method map holds at most
 * this many distinct names; a request or response of a method beyond them is counted in
 * the summary counters only, in no per-method row.
 */
export const MAX_METHOD_NAMES = 64;

/** Most AORs whose failed authentications are kept; the one that failed longest ago goes first. */
export const MAX_AUTH_FAILURE_AORS = 256;

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', '6xx'] as const;
type StatusClass = (typeof CLASSES)[number];

function zeroClasses(): Record<StatusClass, number> {
  return { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, '6xx': 0 };
}

export function statusClass(status: number): StatusClass {
  const c = Math.min(6, Math.max(1, Math.floor(status / 100)));
  return `${c}xx` as StatusClass;
}

/** One row of RFC 4780's sipCommonStatsRetryTable: retransmissions this sipd sent. */
export interface RetryCounts {
  requests: number;
  finalResponses: number;
  nonFinalResponses: number;
}

export type ResponseListener = (dir: 'in' | 'out', method: string, status: number, res: SipResponse) => void;

export class SipCounters implements ProxyCounts, ModuleCounts {
  /** Requests received, by method (retransmissions included). */
  readonly requests: Record<string, number> = Object.fromEntries([...COUNTED_METHODS, 'other'].map((m) => [m, 0]));
  /** Responses sent, by class (first transmissions that went upstream; the access log's view). */
  readonly responsesSent = zeroClasses();
  /** Responses received, by class. */
  readonly responsesReceived = zeroClasses();
  /** Messages that could not be parsed. */
  parseErrors = 0;
  /** INVITE/REGISTER answered 503 during a transaction-graceful drain. */
  drainRejected = 0;
  /** INVITE/REGISTER dropped silently during a transaction-graceful drain. */
  drainDropped = 0;

  // ---- RFC 4780 (SIP-COMMON-MIB summary, method, retry and other statistics; SIP-SERVER-MIB) ----

  /** Requests received, retransmissions included (sipCommonSummaryInRequests). */
  inRequests = 0;
  /** Request transmissions, originated or relayed: every retransmission and every fork counts (…OutRequests). */
  outRequests = 0;
  /** Responses received, retransmissions included (…InResponses). */
  inResponses = 0;
  /** Response transmissions, originated or relayed, retransmissions included (…OutResponses). */
  outResponses = 0;
  /** Transactions created since start, server and client; stays 0 while sipd runs stateless (…TotalTransactions). */
  totalTransactions = 0;
  /** Requests received by method, retransmissions excluded (sipCommonMethodStatsInbounds). */
  readonly methodIn = new Map<string, number>();
  /** Requests sent by method, originated or relayed, retransmissions excluded (…Outbounds). */
  readonly methodOut = new Map<string, number>();
  /** Retransmissions this sipd sent, by method (sipCommonStatsRetryTable). */
  readonly retries = new Map<string, RetryCounts>();
  /** Request-URIs with a scheme we do not support (…NumUnsupportedUris). */
  unsupportedUris = 0;
  /** Requests to the proxy itself with a method it does not implement (…NumUnsupportedMethods). */
  unsupportedMethods = 0;
  /** Messages dropped without an answer (…OtherwiseDiscardedMsgs). */
  otherwiseDiscarded = 0;
  /** 420 Bad Extension answers to a Proxy-Require (sipServerProxyStatProxyReqFailures). */
  proxyReqFailures = 0;
  /** REGISTERs our registrar answered 200 (sipServerRegStatsAcceptedRegs). */
  regAccepted = 0;
  /** REGISTERs our registrar answered 300 or above (…RejectedRegs). */
  regRejected = 0;
  /** Failed authentications by address-of-record, at most MAX_AUTH_FAILURE_AORS of them (sipServerRegUserAuthenticationFailures). */
  readonly authFailures = new Map<string, number>();
  /**
   * Told of every response received or sent, after it was counted, except those known to
   * be retransmissions; `method` is the CSeq method. It must be cheap; an exception in it
   * is counted (listenerErrors), never let into the message path.
   */
  onResponse: ResponseListener | undefined = undefined;
  /** Exceptions thrown by onResponse or by a module's provided figures. */
  listenerErrors = 0;

  /** Values owned elsewhere (transactions, registrations), read at snapshot time. */
  gauges: () => Record<string, number> = () => ({});

  /**
   * A request arrived at a socket (parsed, or malformed but answerable). `answeredHere`
   * when sipd answers it without the transaction layer (a malformed request), which
   * then does not count it by method itself.
   */
  countRequest(method: string, answeredHere = false): void {
    this.inRequests++;
    if (answeredHere) this.requestReceived(method, false);
    if (Object.hasOwn(this.requests, method)) this.requests[method]++;
    else this.requests.other++;
  }

  /** A response went upstream (the access log's view, by class). */
  countSent(status: number): void {
    this.responsesSent[statusClass(status)]++;
  }

  /** A response arrived at a socket. */
  countReceived(status: number): void {
    this.inResponses++;
    this.responsesReceived[statusClass(status)]++;
  }

  // ---- TrafficCounts (transaction layer), ProxyCounts ----

  requestReceived(method: string, retransmission: boolean): void {
    if (!retransmission) bump(this.methodIn, method);
  }

  responseReceived(res: SipResponse, method: string, retransmission: boolean): void {
    if (!retransmission) this.tell('in', method, res);
  }

  requestSent(method: string, retransmission: boolean): void {
    this.outRequests++;
    if (!retransmission) bump(this.methodOut, method);
    else {
      const r = this.retryRow(method);
      if (r) r.requests++;
    }
  }

  responseSent(res: SipResponse, method: string, retransmission: boolean): void {
    this.outResponses++;
    if (!retransmission) return this.tell('out', method, res);
    const r = this.retryRow(method);
    if (!r) return;
    if (res.status >= 200) r.finalResponses++;
    else r.nonFinalResponses++;
  }

  transactionStarted(): void {
    this.totalTransactions++;
  }

  unsupportedUri(): void {
    this.unsupportedUris++;
  }

  unsupportedMethod(): void {
    this.unsupportedMethods++;
  }

  proxyRequireFailure(): void {
    this.proxyReqFailures++;
  }

  discarded(): void {
    this.otherwiseDiscarded++;
  }

  // ---- ModuleCounts ----

  registration(accepted: boolean): void {
    if (accepted) this.regAccepted++;
    else this.regRejected++;
  }

  authFailure(aor: string): void {
    const n = this.authFailures.get(aor);
    // Re-inserted on each failure, so the map's first key is the one that failed longest ago.
    if (n !== undefined) this.authFailures.delete(aor);
    else if (this.authFailures.size >= MAX_AUTH_FAILURE_AORS) this.authFailures.delete(this.authFailures.keys().next().value as string);
    this.authFailures.set(aor, (n ?? 0) + 1);
  }

  /** Figures the modules keep themselves (the RADIUS client's per-server counters), by module name. */
  private readonly provided = new Map<string, () => Record<string, number>>();

  provide(name: string, read: () => Record<string, number>): void {
    this.provided.set(name, read);
  }

  private retryRow(method: string): RetryCounts | undefined {
    let r = this.retries.get(method);
    if (!r && method && this.retries.size < MAX_METHOD_NAMES) {
      r = { requests: 0, finalResponses: 0, nonFinalResponses: 0 };
      this.retries.set(method, r);
    }
    return r;
  }

  private tell(dir: 'in' | 'out', method: string, res: SipResponse): void {
    const f = this.onResponse;
    if (!f) return;
    try {
      f(dir, method, res.status, res);
    } catch {
      this.listenerErrors++;
    }
  }

  /** Flat name=value view, the form stats_log writes and the control socket serves. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [m, n] of Object.entries(this.requests)) out[`requests.${m}`] = n;
    for (const [c, n] of Object.entries(this.responsesSent)) out[`responses.${c}`] = n;
    for (const [c, n] of Object.entries(this.responsesReceived)) out[`responsesReceived.${c}`] = n;
    out.parseErrors = this.parseErrors;
    out['txngraceful.rejected'] = this.drainRejected;
    out['txngraceful.dropped'] = this.drainDropped;
    const r = 'rfc4780.';
    out[`${r}inRequests`] = this.inRequests;
    out[`${r}outRequests`] = this.outRequests;
    out[`${r}inResponses`] = this.inResponses;
    out[`${r}outResponses`] = this.outResponses;
    out[`${r}totalTransactions`] = this.totalTransactions;
    out[`${r}unsupportedUris`] = this.unsupportedUris;
    out[`${r}unsupportedMethods`] = this.unsupportedMethods;
    out[`${r}otherwiseDiscarded`] = this.otherwiseDiscarded;
    out[`${r}proxyReqFailures`] = this.proxyReqFailures;
    out[`${r}regAccepted`] = this.regAccepted;
    out[`${r}regRejected`] = this.regRejected;
    out[`${r}listenerErrors`] = this.listenerErrors;
    for (const [m, n] of this.methodIn) out[`methodIn.${m}`] = n;
    for (const [m, n] of this.methodOut) out[`methodOut.${m}`] = n;
    for (const [m, c] of this.retries) {
      out[`retries.${m}.requests`] = c.requests;
      out[`retries.${m}.finalResponses`] = c.finalResponses;
      out[`retries.${m}.nonFinalResponses`] = c.nonFinalResponses;
    }
    for (const [aor, n] of this.authFailures) out[`authFailures.${aor}`] = n;
    for (const [name, read] of this.provided) {
      try {
        for (const [k, n] of Object.entries(read())) out[`${name}.${k}`] = n;
      } catch {
        this.listenerErrors++;
      }
    }
    return { ...out, ...this.gauges() };
  }
}

/** Add one to a per-method row, unless the method would be a row beyond MAX_METHOD_NAMES. */
function bump(map: Map<string, number>, method: string): void {
  const n = map.get(method);
  if (n !== undefined) map.set(method, n + 1);
  else if (method && map.size < MAX_METHOD_NAMES) map.set(method, 1);
}

/** The transaction layer's own figures, as stats_log and the control socket name them (0 before it exists). */
export function transactionGauges(t: TransactionStats | undefined): Record<string, number> {
  return {
    'transactions.server': t?.serverActive ?? 0,
    'transactions.client': t?.clientActive ?? 0,
    retransmissionsSent: t?.retransmissionsSent ?? 0,
    retransmissionsAbsorbed: t?.retransmissionsAbsorbed ?? 0,
    'transactions.timeouts': t?.timeouts ?? 0,
  };
}
