// The transaction layer (RFC 3261 §17): finds the transaction each message belongs to,
// creates server transactions for new requests and client transactions for requests
// the proxy sends, answers CANCELs of pending INVITEs, and keeps the counters.
import type { SipRequest, SipResponse } from '../sip/message.js';
import { buildResponse } from '../sip/message.js';
import type { Destination, Inbound, Reply, TxnTransport } from '../transport/types.js';
import { newBranch } from './branch.js';
import { ClientTransaction } from './client.js';
import type { Counters, LayerContext, LogFn, TraceFn } from './layer-context.js';
import { clientKey, responseKey, serverKey } from './keys.js';
import { viaValue, withTopVia } from './requests.js';
import { ServerTransaction } from './server.js';
import { NO_COUNTS } from './types.js';
import type {
  ClientTxn,
  ClientTxnEvents,
  Received,
  TrafficCounts,
  TransactionLayerApi,
  TransactionStats,
  TxnTimers,
  ViaSentBy,
} from './types.js';

const BRANCH_TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]*$/;

export class TransactionLayer implements TransactionLayerApi {
  private timers: TxnTimers;
  /** Server transactions by key; an RFC 2543 INVITE may also be filed under its ACK key. */
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();
  private serverCount = 0;
  private readonly counters: Counters = { retransmissionsSent: 0, retransmissionsAbsorbed: 0, timeouts: 0 };
  private readonly ctx: LayerContext;

  constructor(
    transport: TxnTransport,
    timers: TxnTimers,
    private readonly log: LogFn,
    trace: TraceFn = () => undefined,
    private readonly counts: TrafficCounts = NO_COUNTS,
  ) {
    this.timers = timers;
    this.ctx = {
      transport,
      log,
      trace,
      counters: this.counters,
      counts,
      startClient: (req, dest, branch, events) => this.startClient(req, dest, branch, events),
      clientEnded: (key, txn) => {
        if (this.clients.get(key) === txn) this.clients.delete(key);
      },
      serverEnded: (keys, txn) => {
        for (const k of keys) if (this.servers.get(k) === txn) this.servers.delete(k);
        this.serverCount--;
      },
      serverAlias: (key, txn) => {
        this.servers.set(key, txn as ServerTransaction);
      },
    };
  }

  receiveRequest(req: SipRequest, source: Inbound, reply: Reply): Received {
    if (req.method === 'ACK') {
      // The transaction counts the ACKs it absorbs; the ACK of a 2xx is counted as new here.
      const txn = this.servers.get(serverKey(req));
      const r: Received = txn && txn.request.method === 'INVITE' ? txn.ack() : { kind: 'stray-ack' };
      if (r.kind === 'stray-ack') this.counts.requestReceived('ACK', false);
      return r;
    }
    const key = serverKey(req);
    const existing = this.servers.get(key);
    if (existing) return existing.retransmitted(reply);
    this.counts.requestReceived(req.method, false);

    if (req.method === 'CANCEL') {
      const invite = this.servers.get(serverKey(req, 'INVITE'));
      if (invite && invite.request.method === 'INVITE') {
        // RFC 3261 §9.2 / §16.10: answer the CANCEL at once, through its own transaction
        // (so a retransmitted CANCEL gets the 200 again), with the INVITE's To tag if one was sent.
        const cancelTxn = this.newServer(key, req, source, reply);
        cancelTxn.respond(buildResponse(req, 200, 'OK', invite.toTag ? { toTag: invite.toTag } : {}));
        invite.cancelledBy(req);
        return { kind: 'cancel-answered', invite };
      }
    }
    return { kind: 'new', txn: this.newServer(key, req, source, reply) };
  }

  receiveResponse(res: SipResponse, _source: Inbound): boolean {
    const key = responseKey(res);
    if (key === undefined) return false;
    const txn = this.clients.get(key);
    return txn ? txn.receive(res) : false;
  }

  sendRequest(req: SipRequest, dest: Destination, via: ViaSentBy, events: ClientTxnEvents): ClientTxn {
    let branch = newBranch();
    if (via.branchSuffix) {
      if (BRANCH_TOKEN.test(via.branchSuffix)) branch += via.branchSuffix;
      else this.log('warn', `branch suffix "${via.branchSuffix}" holds characters not allowed in a branch; not used`);
    }
    const sent = withTopVia(req, viaValue(via, branch));
    if (req.method === 'ACK') {
      // An ACK has no response and so no transaction: sent once, over at once.
      const txn = new ClientTransaction(this.ctx, clientKey(branch, 'ACK'), sent, dest, branch, events, this.timers);
      txn.sendOnce();
      return txn;
    }
    return this.startClient(sent, dest, branch, events);
  }

  setTimers(timers: TxnTimers): void {
    this.timers = timers;
  }

  stats(): TransactionStats {
    return { serverActive: this.serverCount, clientActive: this.clients.size, ...this.counters };
  }

  close(): void {
    for (const t of this.servers.values()) t.abort();
    for (const t of this.clients.values()) t.abort();
    this.servers.clear();
    this.clients.clear();
    this.serverCount = 0;
  }

  private newServer(key: string, req: SipRequest, source: Inbound, reply: Reply): ServerTransaction {
    const txn = new ServerTransaction(this.ctx, key, req, source, reply, this.timers);
    this.servers.set(key, txn);
    this.serverCount++;
    this.counts.transactionStarted();
    return txn;
  }

  private startClient(req: SipRequest, dest: Destination, branch: string, events: ClientTxnEvents): ClientTransaction {
    const key = clientKey(branch, req.method);
    const txn = new ClientTransaction(this.ctx, key, req, dest, branch, events, this.timers);
    const clash = this.clients.get(key);
    if (clash) {
      // Only a repeated CANCEL of one INVITE could land here; the older one is superseded.
      this.log('debug', `client transaction ${branch} ${req.method} replaced`);
      clash.abort();
    }
    this.clients.set(key, txn);
    this.counts.transactionStarted();
    txn.start();
    return txn;
  }
}
