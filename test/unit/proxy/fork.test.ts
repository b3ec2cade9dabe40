// The fork's failover and call-forwarding controls, driven through a fake transaction
// layer: which destination each branch goes to, and what reaches the caller.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../../src/server/config.js';
import type { Config } from '../../../src/config/loader.js';
import { ForkContext } from '../../../src/proxy/fork.js';
import type { Target } from '../../../src/proxy/stages.js';
import type { ProxyDeps } from '../../../src/proxy/stages.js';
import type { ForwardHooks, RequestContext } from '../../../src/proxy/stages.js';
import { buildResponse, parseMessage } from '../../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { parseUri } from '../../../src/sip/uri.js';
import type { ClientTxn, ClientTxnEvents, ServerTxn } from '../../../src/transaction/types.js';
import type { Destination } from '../../../src/transport/types.js';

function invite(): SipRequest {
  const text = [
    'INVITE sip:+14085550100@proxy.example SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKcaller',
    'From: <sip:alice@proxy.example>;tag=f1',
    'To: <sip:+14085550100@proxy.example>',
    'Call-ID: fork-test@10.0.0.1',
    'CSeq: 1 INVITE',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  assert.ok(r.ok);
  return r.message as SipRequest;
}

function configOf(text: string): Config {
  const r = parseConfig(text, '/x/conf/sipd.conf');
  assert.ok(r.ok);
  return r.config;
}

function target(text: string, extra: Partial<Target> = {}): Target {
  const u = parseUri(text);
  assert.ok(u.ok);
  return { uri: u.uri, requestUri: undefined, ...extra };
}

interface Sent {
  readonly copy: SipRequest;
  readonly dest: Destination;
  readonly events: ClientTxnEvents;
  cancelled: boolean;
}

/** A fork over fake sockets: `sent` lists every client transaction started, in order. */
function harness(targets: Target[], opts: { hooks?: ForwardHooks[]; resolve?: (t: string) => Destination[]; config?: Config } = {}) {
  const config = opts.config ?? configOf('ServerType Proxy\n');
  const request = invite();
  const sent: Sent[] = [];
  const upstream: SipResponse[] = [];
  const answers: { status: number; headers?: readonly (readonly [string, string])[] }[] = [];
  const deps = {
    log: { info() {}, debug() {}, error() {}, warn() {} },
    identity: { viaSentBy: () => ({ host: '192.0.2.9', port: 5060 }) },
    resolver: {
      resolve: async (uri: { host?: string }) => (opts.resolve ? opts.resolve(uri.host ?? '') : [{ transport: 'UDP' as const, host: uri.host ?? '', port: 5060 }]),
    },
    txn: {
      sendRequest(copy: SipRequest, dest: Destination, _via: unknown, events: ClientTxnEvents): ClientTxn {
        const s: Sent = { copy, dest, events, cancelled: false };
        sent.push(s);
        return { request: copy, destination: dest, branch: 'z9hG4bKx', state: 'calling', cancel: () => (s.cancelled = true) };
      },
    },
  } as unknown as ProxyDeps;
  const stx = { request, source: { transport: 'UDP', remoteAddress: '10.0.0.1', remotePort: 5060, localAddress: '192.0.2.9', localPort: 5060 }, onCancel: undefined } as unknown as ServerTxn;
  const ctx: RequestContext = { req: request, source: stx.source, config, trustedSource: false };
  const fork = new ForkContext({
    stx,
    request,
    targets,
    config,
    deps,
    ctx,
    hooks: opts.hooks ?? [],
    sequential: false,
    recursive: false,
    recordRoute: () => undefined,
    answer: (status, _reason, headers) => answers.push({ status, headers }),
    send: (res) => upstream.push(res),
  });
  return { fork, sent, upstream, answers, request };
}

/** A response from downstream to what was sent in `s` (our Via on top, as the layer leaves it). */
function reply(s: Sent, status: number, headers: [string, string][] = []): SipResponse {
  const res = buildResponse(s.copy, status);
  res.headers.prepend('Via', 'SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKx');
  for (const [n, v] of headers) res.headers.append(n, v);
  return res;
}

const settle = () => new Promise((r) => setImmediate(r));

describe('fork failover', () => {
  test('a 503 moves on to the next address of the same target (RFC 3263 §4.3)', async () => {
    const h = harness([target('sip:gw.example')], { resolve: () => [{ transport: 'UDP', host: '127.0.0.2', port: 5060 }, { transport: 'UDP', host: '127.0.0.3', port: 5060 }] });
    h.fork.start();
    await settle();
    assert.equal(h.sent.length, 1);
    h.sent[0].events.onResponse(reply(h.sent[0], 503));
    assert.equal(h.sent.length, 2);
    assert.equal(h.sent[1].dest.host, '127.0.0.3');
    h.sent[1].events.onResponse(reply(h.sent[1], 200));
    assert.equal(h.upstream.at(-1)?.status, 200);
  });

  test('a next hop that never answers fails over to the next route; one that rang does not', async () => {
    const routes = target('sip:127.0.0.2:5060', { failover: [target('sip:127.0.0.3:5060'), target('sip:127.0.0.4:5060')] });
    const h = harness([routes]);
    h.fork.start();
    await settle();
    h.sent[0].events.onTimeout('no-response');
    await settle();
    assert.equal(h.sent.length, 2);
    assert.equal(h.sent[1].dest.host, '127.0.0.3');
    h.sent[1].events.onResponse(reply(h.sent[1], 180));
    h.sent[1].events.onTimeout('no-final-response');
    await settle();
    assert.equal(h.sent.length, 2, 'no failover after the callee rang');
    assert.equal(h.answers.at(-1)?.status, 408);
  });

  test('a 486 is final: no failover', async () => {
    const h = harness([target('sip:127.0.0.2:5060', { failover: [target('sip:127.0.0.3:5060')] })]);
    h.fork.start();
    await settle();
    h.sent[0].events.onResponse(reply(h.sent[0], 486));
    await settle();
    assert.equal(h.sent.length, 1);
    assert.equal(h.upstream.at(-1)?.status, 486);
  });
});

describe('fork hooks', () => {
  test('target headers go on top and outgoing hooks see the copy', async () => {
    const seen: string[] = [];
    const hooks: ForwardHooks[] = [{ outgoing: (_ctx, copy, dest) => seen.push(`${dest.host} ${copy.headers.first('Diversion')}`) }];
    const h = harness([target('sip:127.0.0.2', { headers: [['Diversion', '<sip:bob@proxy.example>;reason=unconditional']] })], { hooks });
    h.fork.start();
    await settle();
    assert.deepEqual(seen, ['127.0.0.2 <sip:bob@proxy.example>;reason=unconditional']);
  });

  test('beforeFinal can divert a busy call to a new target, cancelling nothing answered', async () => {
    let diverted = 0;
    const hooks: ForwardHooks[] = [
      {
        beforeFinal: (_ctx, best, ctl) => {
          if (best.status !== 486 || diverted++) return false;
          ctl.divert([target('sip:vm@127.0.0.9', { headers: [['Diversion', '<sip:b@x>;reason=user-busy']] })]);
          return true;
        },
      },
    ];
    const h = harness([target('sip:127.0.0.2')], { hooks });
    h.fork.start();
    await settle();
    h.sent[0].events.onResponse(reply(h.sent[0], 486));
    await settle();
    assert.equal(h.upstream.length, 0, 'the 486 is not sent upstream');
    assert.equal(h.sent.length, 2);
    assert.equal(h.sent[1].dest.host, '127.0.0.9');
    assert.match(h.sent[1].copy.headers.first('Diversion') ?? '', /user-busy/);
    h.sent[1].events.onResponse(reply(h.sent[1], 200));
    assert.equal(h.upstream.at(-1)?.status, 200);
  });

  test('a timer-driven redirect cancels the ringing branch and answers 302 once', async () => {
    let fire: (() => void) | undefined;
    let cleared = false;
    const hooks: ForwardHooks[] = [
      {
        forkStarted: (_ctx, ctl) => {
          fire = () => ctl.ringing && ctl.redirect(302, [['Contact', '<sip:vm@127.0.0.9>']]);
          return () => (cleared = true);
        },
      },
    ];
    const h = harness([target('sip:127.0.0.2')], { hooks });
    h.fork.start();
    await settle();
    h.sent[0].events.onResponse(reply(h.sent[0], 180));
    fire!();
    assert.equal(h.sent[0].cancelled, true);
    assert.deepEqual(h.answers.map((a) => a.status), [302]);
    assert.ok(cleared, 'the hook is told the fork ended');
    h.sent[0].events.onResponse(reply(h.sent[0], 487));
    await settle();
    assert.deepEqual(h.answers.map((a) => a.status), [302], 'the cancelled branch adds no second answer');
  });
});
