// Shared by the registry tests: a configuration in a temporary ServerRoot, REGISTER
// requests built as text and parsed by our parser, and a log that records its lines.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../../src/config/loader.js';
import { formatMessage, parseConfig } from '../../../src/server/config.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { parseMessage } from '../../../src/sip/message.js';
import type { Inbound } from '../../../src/transport/types.js';

export interface TempRoot {
  readonly root: string;
  config(lines?: readonly string[]): Config;
  remove(): void;
}

/** A throw-away ServerRoot; config() parses sipd.conf lines with ServerRoot set to it. */
export function tempRoot(): TempRoot {
  const root = mkdtempSync(path.join(os.tmpdir(), 'registry-test-'));
  return {
    root,
    config: (lines = []) => configFrom(lines, root),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function configFrom(lines: readonly string[], serverRoot: string): Config {
  const r = parseConfig(lines.join('\n') + '\n', path.join(serverRoot, 'conf', 'sipd.conf'), { serverRoot });
  if (!r.ok) assert.fail(r.errors.map(formatMessage).join('\n'));
  return r.config;
}

/**
 * The guide's CompanyA / CompanyB example: one proxy (ProxyDomain proxy.com, the
 * default domain of E.164 numbers) with a virtual proxy host per company.
 */
export const COMPANIES_CONF = [
  'ProxyDomain proxy.com',
  'ServerName sps.proxy.com',
  '<VirtualProxyHost companyA>',
  'Virtual_Proxy_Domain companyA.com',
  'Virtual_Proxy_Server_Name sip.companyA.com',
  'Virtual_Proxy_Server_IP 10.1.1.10',
  '</VirtualProxyHost>',
  '<VirtualProxyHost companyB>',
  'Virtual_Proxy_Domain companyB.com',
  'Virtual_Proxy_Server_Name sip.companyB.com',
  'Virtual_Proxy_Server_IP 10.1.1.11',
  '</VirtualProxyHost>',
];

/** The sockets the tests pretend sipd has bound. */
export const BOUND = [
  { transport: 'UDP', address: '10.1.1.5', port: 5060 },
  { transport: 'TCP', address: '10.1.1.5', port: 5060 },
] as const;

export const SOURCE: Inbound = { transport: 'UDP', remoteAddress: '192.0.2.44', remotePort: 5062, localAddress: '10.1.1.5', localPort: 5060 };

export interface RegisterOptions {
  readonly to: string;
  readonly requestUri?: string;
  /** Contact header values, one header line each. */
  readonly contacts?: readonly string[];
  readonly expires?: number | string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly extra?: readonly string[];
}

let branch = 0;

/** REGISTER text as a phone would send it. */
export function registerText(o: RegisterOptions): string {
  const host = /@([^;>]+)/.exec(o.to)?.[1] ?? 'proxy.com';
  const lines = [
    `REGISTER ${o.requestUri ?? `sip:${host}`} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.44:5062;branch=z9hG4bK-reg-${++branch}`,
    'Max-Forwards: 70',
    `From: <${o.to}>;tag=from-1`,
    `To: <${o.to}>`,
    `Call-ID: ${o.callId ?? 'call-1@192.0.2.44'}`,
    `CSeq: ${o.cseq ?? 1} REGISTER`,
    ...(o.contacts ?? []).map((c) => `Contact: ${c}`),
    ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}

/** Parse a REGISTER; a message our parser refuses still yields what it could read (the registrar must cope). */
export function register(o: RegisterOptions): SipRequest {
  const r = parseMessage(Buffer.from(registerText(o)));
  const m = r.ok ? r.message : r.message;
  assert.ok(m && m.kind === 'request', `test REGISTER did not parse: ${r.ok ? '' : r.reason}`);
  return m;
}

export interface Recorded {
  readonly lines: string[];
  readonly log: (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;
}

export function recordLog(): Recorded {
  const lines: string[] = [];
  return { lines, log: (level, msg) => lines.push(`${level}: ${msg}`) };
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.UTC(2024, 0, 15, 12, 0, 0)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}
