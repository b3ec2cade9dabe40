// RPMS preauthorization (guide B-22, "Configuring Preauthentication Query"): a new INVITE
// (no To tag) whose previous hop — the address it came from — is in PreAuthPreviousHop
// is sent as an Access-Request to a resource pool manager before it is processed.
//   Access-Accept   the INVITE goes on.
//   Access-Reject   480 Temporarily Unavailable (Table A-3 names 480 for a failed
//                   preauthorization; the B-22 text says "408 (temporarily unavailable)",
//                   whose reason phrase is 480's, so we follow the table).
//   no answer       the next server of the list is tried (the RADIUS client's
//                   retransmissions, then failover); when none answers the INVITE goes on
//                   as if PreAuthorization were Off, and error_log says so.
// Server designation, as the guide gives it: requests start at the designated server
// (the first of RPMS_ServerIpPortSecret at start) and go on down the list, wrapping
// round. When the first does not answer and another one does, Accept or Reject, that one
// becomes the designated server while the retry time (RadiusRetryTime, counted from the
// first server's failure) runs; once it has run out, or when no server answered at all,
// the first of the list is designated again.
//
// The request: User-Name (the From user, @domain per RadiusUserNameAttrAddDomain),
// Calling-Station-Id (From user), Called-Station-Id (Request-URI user), Service-Type
// Call-Check (RFC 2865: a check without a password), and Cisco-AVPair "call-id=" with the
// Call-ID. The guide names no attribute list; these are the ones a RADIUS server can key
// a policy on.
import type { Config } from '../../config/loader.js';
import type { Refusal } from '../../proxy/sanity.js';
import type { AdmissionStage, RequestContext } from '../../proxy/stages.js';
import { parseAddress } from '../../sip/address.js';
import { tagOf } from '../../sip/message.js';
import type { SipRequest } from '../../sip/message.js';
import { parseUri } from '../../sip/uri.js';
import { plainAddress } from '../../transport/types.js';
import { compileHostSet, systemLookup } from '../acl/evaluate.js';
import type { HostLookup, HostSet } from '../acl/evaluate.js';
import { radiusUserName, serverList } from '../auth/radius.js';
import type { RadiusAnswer, RadiusAttribute, RadiusServer, RadiusService } from '../radius/service.js';

export type PreauthLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

export interface PreauthDeps {
  readonly radius: RadiusService;
  /** Debug lines go under DebugFlag RPMS. */
  readonly log: PreauthLog;
  readonly lookup?: HostLookup;
  /** Clock (ms), for the designation's retry time. */
  readonly now?: () => number;
}

/** The answer to an INVITE the RPMS rejected. */
export const REJECTED: Refusal = { status: 480, reason: 'Temporarily Unavailable' };

export class Preauthorizer implements AdmissionStage {
  private readonly hops = new WeakMap<Config, Promise<HostSet>>();
  private readonly now: () => number;
  /** Index of the designated server in the list it was chosen from. */
  private designated = 0;
  /** When the designated server first failed to answer (ms); undefined while it answers. */
  private failedSince: number | undefined;
  /** The list the designation refers to ("host:port" joined): a new list designates its first server. */
  private listKey = '';

  constructor(private readonly deps: PreauthDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Resolve PreAuthPreviousHop of a snapshot (names looked up once); call before it takes requests. */
  prepare(config: Config): Promise<HostSet> {
    let p = this.hops.get(config);
    if (!p) {
      p = compileHostSet(config.values.PreAuthPreviousHop, this.deps.lookup ?? systemLookup).then((set) => {
        for (const w of set.warnings) this.deps.log('warn', `PreAuthPreviousHop: ${w}`);
        return set;
      });
      this.hops.set(config, p);
    }
    return p;
  }

  async admit(ctx: RequestContext): Promise<Refusal | undefined> {
    const { config, req } = ctx;
    const v = config.values;
    if (!v.PreAuthorization || req.method !== 'INVITE' || tagOf(req.headers.get('To')) !== undefined) return undefined;
    const servers = v.RPMS_ServerIpPortSecret;
    if (servers.length === 0) return undefined;
    const hop = plainAddress(ctx.source.remoteAddress);
    if (!(await this.prepare(config)).matches(hop)) return undefined;

    const order = this.orderFor(servers);
    const callId = req.headers.get('Call-ID') ?? '';
    // PreAuthRequestType has one value, Query: the only kind of request there is to send.
    this.deps.log('debug', `RPMS: preauthorizing INVITE ${callId} from ${hop} (${v.PreAuthRequestType}); asking ${serverList(order)}`);
    const started = this.now();
    const answer = await this.deps.radius.access(order, queryAttributes(req, config), 'rpms');
    this.designate(servers, answer, started, v.RadiusRetryTime * 1000);
    if (!answer) {
      this.deps.log('warn', `RPMS: no preauthorization server answered (${serverList(order)}) for INVITE ${callId} from ${hop}; processing it as if PreAuthorization were Off`);
      return undefined;
    }
    const from = `${answer.server.host}:${answer.server.port}`;
    if (answer.code === 'Access-Accept') {
      this.deps.log('debug', `RPMS: ${from} accepted INVITE ${callId}`);
      return undefined;
    }
    this.deps.log('info', `RPMS: ${from} answered ${answer.code} to INVITE ${callId} from ${hop}; answering ${REJECTED.status}`);
    return REJECTED;
  }

  /** The servers in the order to try them: the designated one first, then the rest of the list, wrapping round. */
  orderFor(servers: readonly RadiusServer[]): RadiusServer[] {
    const key = servers.map((s) => `${s.host}:${s.port}`).join(' ');
    if (key !== this.listKey) {
      this.listKey = key;
      this.designated = 0;
      this.failedSince = undefined;
    }
    const d = this.designated < servers.length ? this.designated : 0;
    return [...servers.slice(d), ...servers.slice(0, d)];
  }

  /** The designation rules, after one query started at `started`. */
  private designate(servers: readonly RadiusServer[], answer: RadiusAnswer | undefined, started: number, retryMs: number): void {
    const index = answer ? servers.findIndex((s) => s.host === answer.server.host && s.port === answer.server.port) : -1;
    if (index < 0) {
      // Nobody answered (or an answer from a server no longer listed): back to the first.
      this.designated = 0;
      this.failedSince = undefined;
      return;
    }
    if (index === 0) {
      this.designated = 0;
      this.failedSince = undefined;
      return;
    }
    // A later server answered: the first one failed, at the latest when this query started.
    this.failedSince ??= started;
    if (this.now() - this.failedSince <= retryMs) {
      if (this.designated !== index) this.deps.log('debug', `RPMS: ${answer!.server.host}:${answer!.server.port} is now the designated server`);
      this.designated = index;
    } else {
      this.deps.log('debug', 'RPMS: the retry time has run out; the first server of the list is designated again');
      this.designated = 0;
      this.failedSince = undefined;
    }
  }

  /** The designated server's index (for tests and status). */
  get current(): number {
    return this.designated;
  }
}

/** The user part of a From value or a URI, '' when there is none. */
function userOf(uriText: string | undefined): string {
  if (uriText === undefined) return '';
  const p = parseUri(uriText);
  if (!p.ok) return '';
  return p.uri.scheme === 'tel' ? p.uri.number : (p.uri.user ?? '');
}

/** The attributes of a preauthorization query for an INVITE. */
export function queryAttributes(req: SipRequest, config: Config): RadiusAttribute[] {
  const from = parseAddress(req.headers.get('From') ?? '');
  const caller = from.ok ? (from.address.uri.scheme === 'tel' ? from.address.uri.number : (from.address.uri.user ?? '')) : '';
  const called = userOf(req.uri);
  const callId = req.headers.get('Call-ID') ?? '';
  const out: RadiusAttribute[] = [
    ['User-Name', radiusUserName(caller || 'anonymous', req, config)],
    ['Service-Type', 'Call-Check'],
    ['Calling-Station-Id', caller],
    ['Called-Station-Id', called],
  ];
  if (callId) out.push(['Vendor-Specific', 9, [['Cisco-AVPair', `call-id=${callId}`.slice(0, 253)]]]);
  return out.filter(([, v]) => v !== '');
}
