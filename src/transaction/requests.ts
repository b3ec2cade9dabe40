// Requests the layer writes itself: its own Via, the ACK of a non-2xx final response
// (RFC 3261 §17.1.1.3) and the CANCEL of an INVITE (§9.1).
import { HeaderList } from '../sip/headers.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { SIP_VERSION } from '../sip/message.js';
import { cseqNumber } from './branch.js';
import type { ViaSentBy } from './types.js';

/** "SIP/2.0/UDP host:port;branch=…" plus the extra parameters (a null value is a flag). */
export function viaValue(by: ViaSentBy, branch: string): string {
  const host = by.host.includes(':') && !by.host.startsWith('[') ? `[${by.host}]` : by.host;
  let s = `SIP/2.0/${by.transport} ${host}:${by.port};branch=${branch}`;
  for (const [name, value] of Object.entries(by.params ?? {})) s += value === null ? `;${name}` : `;${name}=${value}`;
  return s;
}

/** `req` with `via` on top of its Via fields; the original is left as it is. */
export function withTopVia(req: SipRequest, via: string): SipRequest {
  const headers = req.headers.clone();
  headers.prepend('Via', via);
  return { ...req, headers };
}

/**
 * The headers an ACK or CANCEL copies from the INVITE as we sent it: only the top Via
 * (ours), From, the given To, Call-ID, CSeq with the new method, and every Route.
 */
function derived(invite: SipRequest, method: string, to: string | undefined): HeaderList {
  const h = new HeaderList();
  const via = invite.headers.first('Via');
  if (via !== undefined) h.append('Via', via);
  h.append('Max-Forwards', '70');
  const from = invite.headers.get('From');
  if (from !== undefined) h.append('From', from);
  if (to !== undefined) h.append('To', to);
  const callId = invite.headers.get('Call-ID');
  if (callId !== undefined) h.append('Call-ID', callId);
  h.append('CSeq', `${cseqNumber(invite)} ${method}`);
  for (const r of invite.headers.fields('Route')) h.append('Route', r);
  return h;
}

/** The ACK for a non-2xx final response to `invite` (as sent, with our Via on top). */
export function buildAck(invite: SipRequest, res: SipResponse): SipRequest {
  const headers = derived(invite, 'ACK', res.headers.get('To') ?? invite.headers.get('To'));
  headers.append('Content-Length', '0');
  return { kind: 'request', method: 'ACK', uri: invite.uri, version: SIP_VERSION, headers, body: Buffer.alloc(0) };
}

/** The CANCEL of `invite` (as sent); `reason` becomes a Reason header (RFC 3326) when given. */
export function buildCancel(invite: SipRequest, reason?: string): SipRequest {
  const headers = derived(invite, 'CANCEL', invite.headers.get('To'));
  if (reason !== undefined && reason.trim() !== '') headers.append('Reason', reason.replace(/[\r\n]+/g, ' '));
  headers.append('Content-Length', '0');
  return { kind: 'request', method: 'CANCEL', uri: invite.uri, version: SIP_VERSION, headers, body: Buffer.alloc(0) };
}
