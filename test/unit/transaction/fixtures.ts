// Shared pieces of the transaction-layer tests: a recording transport, a recording
// Reply, message builders and a step-by-step clock advance for node:test mock timers.
import assert from 'node:assert/strict';
import { mock } from 'node:test';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { buildResponse, parseMessage, serializeMessage } from '../../../src/sip/message.js';
import { TransactionLayer } from '../../../src/transaction/layer.js';
import type { ClientTxnEvents, TxnTimers, ViaSentBy } from '../../../src/transaction/types.js';
import type { Destination, Inbound, Reply, TxnTransport } from '../../../src/transport/types.js';

/** The guide's defaults (Appendix B). */
export const DEFAULT_TIMERS: TxnTimers = { t1: 500, t2: 4000, t3: 60000, maxT3: 180000, t4: 32000, maxInviteRetx: 6, maxNonInviteRetx: 10 };

export interface Sent {
  readonly at: number;
  readonly dest: Destination;
  readonly data: Buffer;
}

/** Records every send with the (mocked) time; `reject` makes sends fail. */
export class FakeTransport implements TxnTransport {
  readonly sent: Sent[] = [];
  reject: Error | undefined;
  send(dest: Destination, data: Buffer): Promise<void> {
    this.sent.push({ at: Date.now(), dest, data });
    return this.reject ? Promise.reject(this.reject) : Promise.resolve();
  }
  /** The sent messages, parsed. */
  messages(): (SipRequest | SipResponse)[] {
    return this.sent.map((s) => parse(s.data));
  }
  requests(method: string): { at: number; req: SipRequest; data: Buffer; dest: Destination }[] {
    return this.sent.flatMap((s) => {
      const m = parse(s.data);
      return m.kind === 'request' && m.method === method ? [{ at: s.at, req: m, data: s.data, dest: s.dest }] : [];
    });
  }
}

/** A Reply that records what the server side sent. */
export function recordingReply(): { reply: Reply; sent: { at: number; data: Buffer }[] } {
  const sent: { at: number; data: Buffer }[] = [];
  return {
    sent,
    reply: (data) => {
      sent.push({ at: Date.now(), data });
      return true;
    },
  };
}

export function parse(data: Buffer | string): SipRequest | SipResponse {
  const r = parseMessage(typeof data === 'string' ? Buffer.from(data) : data);
  if (!r.ok) assert.fail(`test message does not parse: ${r.reason}`);
  return r.message;
}

export function parseRequest(data: Buffer | string): SipRequest {
  const m = parse(data);
  assert.equal(m.kind, 'request');
  return m as SipRequest;
}

export function parseResponse(data: Buffer | string): SipResponse {
  const m = parse(data);
  assert.equal(m.kind, 'response');
  return m as SipResponse;
}

export interface RequestOptions {
  readonly method?: string;
  readonly uri?: string;
  /** Whole top Via value; by default a UDP Via from 192.0.2.10 with `branch`. */
  readonly via?: string;
  readonly branch?: string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly toTag?: string;
  readonly extra?: readonly string[];
}

/** A request as a UA upstream would send it. */
export function request(o: RequestOptions = {}): SipRequest {
  const method = o.method ?? 'INVITE';
  const via = o.via ?? `SIP/2.0/UDP 192.0.2.10:5060;branch=${o.branch ?? 'z9hG4bKclient1'}`;
  const lines = [
    `${method} ${o.uri ?? 'sip:bob@example.com'} SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.org>;tag=fromtag1',
    `To: <sip:bob@example.com>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? 'call-1@192.0.2.10'}`,
    `CSeq: ${o.cseq ?? 1} ${method}`,
    'Contact: <sip:alice@192.0.2.10>',
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return parseRequest(lines.join('\r\n'));
}

/** The response a downstream element would send to a request we sent (parsed from the bytes). */
export function answer(sent: Buffer | SipRequest, status: number, toTag = 'down1'): SipResponse {
  const req = Buffer.isBuffer(sent) ? parseRequest(sent) : sent;
  // Round-trip through bytes so the response is exactly what would arrive.
  return parseResponse(serializeMessage(buildResponse(req, status, undefined, { toTag })));
}

export const UDP_DEST: Destination = { transport: 'UDP', host: '198.51.100.7', port: 5060 };
export const TCP_DEST: Destination = { transport: 'TCP', host: '198.51.100.7', port: 5060 };
export const OUR_VIA: ViaSentBy = { transport: 'UDP', host: '203.0.113.1', port: 5060 };

export const FROM_UDP: Inbound = { transport: 'UDP', remoteAddress: '192.0.2.10', remotePort: 5060, localAddress: '203.0.113.1', localPort: 5060 };
export const FROM_TCP: Inbound = { ...FROM_UDP, transport: 'TCP' };
/** Where responses from the next hop come from. */
export const DOWN: Inbound = { transport: 'UDP', remoteAddress: '198.51.100.7', remotePort: 5060, localAddress: '203.0.113.1', localPort: 5060 };

/** Events that record what the layer reported, with the time. */
export function recorder(): ClientTxnEvents & { log: { at: number; what: string; res?: SipResponse; err?: Error }[] } {
  const log: { at: number; what: string; res?: SipResponse; err?: Error }[] = [];
  return {
    log,
    onResponse: (res) => log.push({ at: Date.now(), what: `response ${res.status}`, res }),
    onTimeout: (reason) => log.push({ at: Date.now(), what: `timeout ${reason}` }),
    onTransportError: (err) => log.push({ at: Date.now(), what: 'transport-error', err }),
  };
}

/** A layer on a fake transport, with its log lines kept. */
export function makeLayer(timers: TxnTimers = DEFAULT_TIMERS): { layer: TransactionLayer; transport: FakeTransport; logs: string[] } {
  const transport = new FakeTransport();
  const logs: string[] = [];
  const layer = new TransactionLayer(transport, timers, (level, msg) => logs.push(`${level}: ${msg}`));
  return { layer, transport, logs };
}

/**
 * Move the mocked clock forward one millisecond at a time, so timers that timers set
 * fire at their exact times (a single big tick would skip them).
 */
export function advance(ms: number): void {
  for (let i = 0; i < ms; i++) mock.timers.tick(1);
}

/** Let rejected sends reach their handlers. */
export async function settle(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
}
