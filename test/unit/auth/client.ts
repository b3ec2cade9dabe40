// A user agent's side of digest authentication, written from RFC 2617 §3.2.2 and
// RFC 7616 §3.4 independently of src/modules/auth, so that the tests do not check the
// server against itself. Also builds requests as text and parses them with our parser.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseMessage } from '../../../src/sip/message.js';
import type { SipRequest } from '../../../src/sip/message.js';

export function h(alg: string, s: string | Buffer): string {
  return createHash(/^sha-256/i.test(alg) ? 'sha256' : 'md5').update(s).digest('hex');
}

/** The parameters of a challenge value (quoted values unquoted; no escapes in ours). */
export function challengeParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = value.replace(/^\s*\w+\s+/, '');
  for (const m of body.matchAll(/([\w-]+)=("([^"]*)"|[^,\s]+)/g)) out[m[1].toLowerCase()] = m[3] ?? m[2];
  return out;
}

export interface Answer {
  user: string;
  password: string;
  method: string;
  uri: string;
  challenge: string;
  qop?: string;
  nc?: number;
  cnonce?: string;
  body?: string;
  /** Override the realm answered with. */
  realm?: string;
}

/** An Authorization / Proxy-Authorization value answering `challenge`. */
export function answer(a: Answer): string {
  const c = challengeParams(a.challenge);
  const alg = c.algorithm ?? 'MD5';
  const realm = a.realm ?? c.realm;
  const qop = a.qop ?? c.qop?.split(',')[0];
  const nc = (a.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = a.cnonce ?? 'c0ffee01';
  let ha1 = h(alg, `${a.user}:${realm}:${a.password}`);
  if (/-sess$/i.test(alg)) ha1 = h(alg, `${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = qop === 'auth-int' ? h(alg, `${a.method}:${a.uri}:${h(alg, a.body ?? '')}`) : h(alg, `${a.method}:${a.uri}`);
  const response = qop ? h(alg, `${ha1}:${c.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : h(alg, `${ha1}:${c.nonce}:${ha2}`);
  const parts = [`username="${a.user}"`, `realm="${realm}"`, `nonce="${c.nonce}"`, `uri="${a.uri}"`, `response="${response}"`, `algorithm=${alg}`];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  return `Digest ${parts.join(', ')}`;
}

export interface RequestSpec {
  method: string;
  uri?: string;
  from?: string;
  to?: string;
  headers?: string[];
  body?: string;
}

export function request(r: RequestSpec): SipRequest {
  const uri = r.uri ?? (r.method === 'REGISTER' ? 'sip:example.com' : 'sip:bob@example.com');
  const body = r.body ?? '';
  const text = [
    `${r.method} ${uri} SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.44:5062;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    `From: ${r.from ?? '<sip:alice@example.com>'};tag=1928301774`,
    `To: ${r.to ?? (r.method === 'REGISTER' ? '<sip:alice@example.com>' : '<sip:bob@example.com>')}`,
    'Call-ID: a84b4c76e66710@pc33.example.com',
    `CSeq: 1 ${r.method}`,
    ...(r.headers ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
  const p = parseMessage(Buffer.from(text));
  assert.ok(p.ok, p.ok ? '' : p.reason);
  assert.equal(p.message.kind, 'request');
  return p.message as SipRequest;
}

/**
 * A REGISTER of alice, as raw UDP text, for tests that drive digest by hand: `send(cseq,
 * extra)` builds one of the same registration (same Call-ID, From tag and contact), and
 * `authorize(challengeResponse)` answers the challenge of a 401 with alice's `password`.
 */
export function handRegister(proxyPort: number, localPort: number, tag: string, password = 'wonderland') {
  const uri = `sip:127.0.0.1:${proxyPort}`;
  return {
    send: (cseq: number, extra: string[] = []) =>
      [
        `REGISTER ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${localPort};rport;branch=z9hG4bK-${tag}-${cseq}-${process.pid}`,
        'Max-Forwards: 70',
        `From: <sip:alice@127.0.0.1:${proxyPort}>;tag=${tag}${process.pid}`,
        `To: <sip:alice@127.0.0.1:${proxyPort}>`,
        `Call-ID: ${tag}-${process.pid}@127.0.0.1`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: <sip:alice@127.0.0.1:${localPort}>`,
        'Expires: 60',
        ...extra,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    /** The Authorization header line answering a 401 (asserted to be one, with a challenge). */
    authorize(first: string | undefined): string {
      assert.match(first ?? '', /^SIP\/2\.0 401 /, String(first));
      const challenge = /^WWW-Authenticate: (.*)$/m.exec(first!)?.[1]?.trim();
      assert.ok(challenge, first);
      return `Authorization: ${answer({ user: 'alice', password, method: 'REGISTER', uri, challenge })}`;
    },
  };
}
