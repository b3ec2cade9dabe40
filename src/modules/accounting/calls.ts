// Which records a call produces (guide Appendix B "Configuring Accounting Services",
// Table B-1), as forward hooks of the proxy core:
// - server side (the caller's leg, h323-call-origin answer): a Start when a 2xx to the
//   INVITE goes upstream, a Stop when the BYE's final response does; with
//   AccountingUnsuccessful On, a Stop alone when the final answer upstream is 300 or more;
// - client side (each branch we forked to, h323-call-origin originate): the same from
//   the branch's own final response, for every branch;
// - no server-side records for an INVITE from this server or a registry/routing farm
//   member, no client-side ones for a branch sent to one (the farm exception);
// - a call whose BYE never passes here is stopped after AccountingMaxCallDuration;
// - a call open when sipd was killed is stopped by the next sipd (open-legs.ts).
// The legs of one dialog share its key (Call-ID and both tags) so the BYE, sent by either
// end, stops them all; every record carries the Call-ID, which correlates the legs.
import { randomBytes } from 'node:crypto';
import type { BranchInfo, ForwardHooks, RequestContext } from '../../proxy/stages.js';
import type { SipMessage, SipResponse } from '../../sip/message.js';
import { tagOf } from '../../sip/message.js';
import type { LegRecord } from './record.js';
import { recordAttributes, sipHeaderLines, userNameFor, userOf } from './record.js';
import type { RecordSender } from './sender.js';
import type { OpenLegJournal } from './open-legs.js';

/** How the hooks learn about the host around them. */
export interface CallAccountingDeps {
  readonly sender: RecordSender;
  /** True when host:port is this server or a member of its registry or routing farm. */
  isFarm(host: string, port: number | undefined): boolean;
  /** Our IPv4 address for NAS-IP-Address, if known. */
  readonly nasIp?: string;
  /** Where open legs are noted, so a sipd killed mid-call still gets their Stops sent by the next one. */
  readonly journal?: OpenLegJournal;
  /** Clock, for tests. */
  now?(): Date;
}

/** What is known about an INVITE once its fork starts. */
interface InviteState {
  readonly setup: Date;
  readonly serverSide: boolean;
}

interface OpenLeg {
  readonly base: Omit<LegRecord, 'status' | 'sipHeaders'>;
  readonly started: Promise<void>;
  readonly format: 'Local' | 'GMT';
  readonly timer: ReturnType<typeof setTimeout>;
  readonly side: 'server' | 'client';
}

/** The dialog's key: Call-ID and both tags, in either order (the BYE may come from either end). */
function dialogKey(msg: SipMessage): string | undefined {
  const callId = msg.headers.get('Call-ID');
  const a = tagOf(msg.headers.get('From'));
  const b = tagOf(msg.headers.get('To'));
  if (!callId || !a || !b) return undefined;
  return [callId, ...[a, b].sort()].join('\n');
}

/** Status of the Stop written when no BYE came in time (Q.850 102, recovery on timer expiry). */
const TIMED_OUT = 408;

export class CallAccounting implements ForwardHooks {
  private readonly invites = new WeakMap<RequestContext, InviteState>();
  private readonly dialogs = new Map<string, OpenLeg[]>();
  private readonly sessionPrefix = randomBytes(4).toString('hex');
  private seq = 0;

  constructor(private readonly d: CallAccountingDeps) {}

  /** Calls with a Start and no Stop yet (legs). */
  get openLegs(): number {
    let n = 0;
    for (const legs of this.dialogs.values()) n += legs.length;
    return n;
  }

  private now(): Date {
    return this.d.now?.() ?? new Date();
  }

  private newSessionId(): string {
    this.seq = (this.seq + 1) % 0x100000000;
    return `${this.sessionPrefix}-${this.seq.toString(16).padStart(8, '0')}`;
  }

  forkStarted(ctx: RequestContext): undefined {
    if (!ctx.config.values.Accounting) return undefined;
    const src = ctx.source;
    this.invites.set(ctx, { setup: this.now(), serverSide: !this.d.isFarm(src.remoteAddress, src.remotePort) });
    return undefined;
  }

  finalUpstream(ctx: RequestContext, res: SipResponse): void {
    const method = ctx.req.method;
    if (method === 'BYE') return this.bye(ctx);
    if (method !== 'INVITE') return;
    const st = this.invites.get(ctx);
    const v = ctx.config.values;
    if (!st || !st.serverSide || !v.AccountingServerSide) return;
    this.outcome(ctx, st, 'server', res, ctx.req.uri);
  }

  branchFinal(ctx: RequestContext, branch: BranchInfo, res: SipResponse): void {
    if (ctx.req.method !== 'INVITE') return;
    const st = this.invites.get(ctx);
    if (!st || !ctx.config.values.AccountingClientSide) return;
    if (branch.dest && this.d.isFarm(branch.dest.host, branch.dest.port)) return;
    this.outcome(ctx, st, 'client', res, branch.copy?.uri ?? branch.target.requestUri ?? ctx.req.uri);
  }

  /** A final response on one side: a Start for a 2xx, an unsuccessful Stop otherwise. */
  private outcome(ctx: RequestContext, st: InviteState, side: 'server' | 'client', res: SipResponse, called: string): void {
    const v = ctx.config.values;
    const callId = ctx.req.headers.get('Call-ID') ?? '';
    const base = {
      sessionId: this.newSessionId(),
      callId,
      side,
      userName: userNameFor(ctx.req, ctx.config, ctx.authenticatedUser),
      calling: userOf(ctx.req.headers.get('From')),
      called: userOf(`<${called}>`),
      setup: st.setup,
      ...(this.d.nasIp ? { nasIp: this.d.nasIp } : {}),
    };
    const format = v.AccountingTimeFormat;
    const headers = sipHeaderLines(res, v.AcctIncludeSIPHeader);
    if (res.status >= 300) {
      if (!v.AccountingUnsuccessful) return;
      const now = this.now();
      void this.d.sender.submit({ event: now.getTime(), attrs: recordAttributes({ ...base, status: 'Stop', disconnect: now, endStatus: res.status, sipHeaders: headers }, format) });
      return;
    }
    const key = dialogKey(res);
    if (!key) return;
    const legs = this.dialogs.get(key) ?? [];
    // A retransmitted 2xx, or the same branch seen twice: one Start per leg.
    if (legs.some((l) => l.side === side && (side === 'server' || l.base.called === base.called))) return;
    const connect = this.now();
    const started = this.d.sender.submit({ event: connect.getTime(), attrs: recordAttributes({ ...base, status: 'Start', connect, sipHeaders: headers }, format) });
    const leg: OpenLeg = {
      base: { ...base, connect },
      started,
      format,
      side,
      timer: setTimeout(() => this.expire(key, leg), v.AccountingMaxCallDuration * 1000),
    };
    leg.timer.unref?.();
    this.d.journal?.opened(leg.base, format);
    legs.push(leg);
    this.dialogs.set(key, legs);
  }

  /** The BYE's final answer went upstream: every open leg of its dialog stops. */
  private bye(ctx: RequestContext): void {
    const key = dialogKey(ctx.req);
    const legs = key ? this.dialogs.get(key) : undefined;
    if (!key || !legs) return;
    this.dialogs.delete(key);
    const headers = sipHeaderLines(ctx.req, ctx.config.values.AcctIncludeSIPHeader);
    for (const leg of legs) this.stop(leg, 200, headers);
  }

  private stop(leg: OpenLeg, endStatus: number, sipHeaders: readonly string[]): void {
    clearTimeout(leg.timer);
    const now = this.now();
    const rec: LegRecord = { ...leg.base, status: 'Stop', disconnect: now, endStatus, sipHeaders };
    // Once submitted the Stop is the sender's (sent, or in the spool): the leg is no longer open.
    void this.d.sender.submit({ event: now.getTime(), attrs: recordAttributes(rec, leg.format) }, leg.started).then(() => this.d.journal?.closed(leg.base.sessionId));
  }

  /** Legs an earlier sipd left open (killed mid-call): their Stops, ended when it was last alive. */
  stopLeftOpen(): number {
    const left = this.d.journal?.takeLeftOpen() ?? [];
    for (const l of left) {
      const rec: LegRecord = { ...l.base, status: 'Stop', disconnect: new Date(l.lastAlive), endStatus: TIMED_OUT, sipHeaders: [] };
      void this.d.sender.submit({ event: l.lastAlive, attrs: recordAttributes(rec, l.format) }).then(() => this.d.journal?.closed(l.base.sessionId));
    }
    return left.length;
  }

  /** AccountingMaxCallDuration passed with no BYE: stop the leg so the call is not left open. */
  private expire(key: string, leg: OpenLeg): void {
    const legs = this.dialogs.get(key);
    if (!legs) return;
    const rest = legs.filter((l) => l !== leg);
    if (rest.length) this.dialogs.set(key, rest);
    else this.dialogs.delete(key);
    this.stop(leg, TIMED_OUT, []);
  }

  /** sipd stops: every call still open gets its Stop now (they go to the spool when the sender is closed). */
  stopAll(): void {
    for (const legs of this.dialogs.values()) for (const leg of legs) this.stop(leg, TIMED_OUT, []);
    this.dialogs.clear();
  }
}
