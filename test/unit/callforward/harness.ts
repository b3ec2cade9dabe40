// A call-forwarding test bench: the real fork (src/proxy/fork.ts) over a fake
// transaction layer, an in-memory subscriber store, and the config under test.
import assert from 'node:assert/strict';
import type { Config } from '../../../src/config/loader.js';
import { ForkContext } from '../../../src/proxy/fork.js';
import type { Target } from '../../../src/proxy/stages.js';
import type { ProxyDeps } from '../../../src/proxy/stages.js';
import type { ForwardHooks, RequestContext } from '../../../src/proxy/stages.js';
import { buildResponse, parseMessage } from '../../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { parseUri } from '../../../src/sip/uri.js';
import { StoreUnavailableError } from '../../../src/stores/subscriber-store.js';
import type { Subscriber, SubscriberStore } from '../../../src/stores/subscriber-store.js';
import type { ClientTxn, ClientTxnEvents, ServerTxn } from '../../../src/transaction/types.js';
import type { Destination } from '../../../src/transport/types.js';

export { configOf } from '../../helpers/values.js';

export function request(lines: string[]): SipRequest {
  const r = parseMessage(Buffer.from([...lines, 'Content-Length: 0', '', ''].join('\r\n')));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.message as SipRequest;
}

/** Alice calls Bob at company.com, as in figures E-4 to E-11. */
export function inviteBob(): SipRequest {
  return request([
    'INVITE sip:bob@company.com SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKalice',
    'From: "Alice" <sip:alice@company.com>;tag=a1',
    'To: <sip:bob@company.com>',
    'Call-ID: cf-test@10.0.0.1',
    'CSeq: 1 INVITE',
    'Max-Forwards: 70',
  ]);
}

export function subscriber(user: string, fields: Partial<Subscriber> = {}): Subscriber {
  return { user, domain: '', secret: undefined, firstName: '', middleName: '', lastName: '', cfu: '', cfb: '', cfna: '', cfunv: '', redirectDnPrivacy: false, ...fields };
}

/** An in-memory store; `down` makes every lookup fail as an unreachable database does. */
export class MemoryStore implements SubscriberStore {
  down = false;
  lookups = 0;
  constructor(private readonly subs: Subscriber[]) {}
  async get(user: string, domain?: string): Promise<Subscriber | undefined> {
    this.lookups++;
    if (this.down) throw new StoreUnavailableError('MySQL server at 127.0.0.1 is not answering');
    return this.subs.find((s) => s.user === user && s.domain === (domain ?? ''));
  }
  async list(): Promise<Subscriber[]> {
    return [...this.subs];
  }
  async add(s: Subscriber): Promise<void> {
    this.subs.push(s);
  }
  async update(): Promise<void> {}
  async remove(): Promise<boolean> {
    return false;
  }
  async close(): Promise<void> {}
}

export function target(text: string, extra: Partial<Target> = {}): Target {
  const u = parseUri(text);
  assert.ok(u.ok);
  return { uri: u.uri, requestUri: text, ...extra };
}

export interface Sent {
  readonly copy: SipRequest;
  readonly dest: Destination;
  readonly events: ClientTxnEvents;
  cancelled: boolean;
}

export function contextFor(req: SipRequest, config: Config): RequestContext {
  const source = { transport: 'UDP' as const, remoteAddress: '10.0.0.1', remotePort: 5060, localAddress: '192.0.2.9', localPort: 5060 };
  const u = parseUri(req.uri);
  return { req, source, config, trustedSource: false, ...(u.ok && u.uri.scheme !== 'tel' && u.uri.user && { expandedUser: u.uri.user }) };
}

/** A fork of `req` toward `targets` with `hooks`; `sent` lists every branch started, in order. */
export function fork(req: SipRequest, ctx: RequestContext, targets: Target[], hooks: ForwardHooks[]) {
  const config = ctx.config;
  const sent: Sent[] = [];
  const upstream: SipResponse[] = [];
  const answers: { status: number; headers: readonly (readonly [string, string])[] }[] = [];
  const deps = {
    log: { info() {}, debug() {}, error() {}, warn() {} },
    identity: { viaSentBy: () => ({ host: '192.0.2.9', port: 5060 }) },
    resolver: { resolve: async (uri: { host?: string }) => [{ transport: 'UDP' as const, host: uri.host ?? '', port: 5060 }] },
    txn: {
      sendRequest(copy: SipRequest, dest: Destination, _via: unknown, events: ClientTxnEvents): ClientTxn {
        const s: Sent = { copy, dest, events, cancelled: false };
        sent.push(s);
        return { request: copy, destination: dest, branch: 'z9hG4bKx', state: 'calling', cancel: () => (s.cancelled = true) };
      },
    },
  } as unknown as ProxyDeps;
  const stx = { request: req, source: ctx.source, onCancel: undefined } as unknown as ServerTxn;
  const f = new ForkContext({
    stx,
    request: req,
    targets,
    config,
    deps,
    ctx,
    hooks,
    sequential: false,
    recursive: config.values.Recursive,
    recordRoute: () => undefined,
    answer: (status, _reason, headers) => answers.push({ status, headers: headers ?? [] }),
    send: (res) => upstream.push(res),
  });
  return { fork: f, sent, upstream, answers };
}

/** A response from downstream to what was sent in `s` (our Via on top, as the layer leaves it). */
export function reply(s: Sent, status: number): SipResponse {
  const res = buildResponse(s.copy, status);
  res.headers.prepend('Via', 'SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKx');
  return res;
}

export const settle = () => new Promise((r) => setImmediate(r));
