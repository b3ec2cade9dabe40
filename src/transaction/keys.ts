// Matching keys (RFC 3261 §17.1.3, §17.2.3). A server transaction is found by the top
// Via's branch, sent-by and the method (ACK and CANCEL looked up under INVITE where
// they refer to one); a request whose branch lacks the magic cookie comes from an
// RFC 2543 element and is matched on the fields that identified a transaction then.
// A client transaction is found by the top Via branch of the response and its CSeq method.
import type { SipRequest, SipResponse } from '../sip/message.js';
import { tagOf } from '../sip/message.js';
import { parseVia } from '../sip/via.js';
import { cseqNumber, hasMagicCookie } from './branch.js';

/**
 * The key of the server transaction `req` belongs to, taken as a request of `method`
 * (by default its own; ACK is always looked up under INVITE). For RFC 2543 requests
 * `toTag` replaces the request's own To tag: the ACK of a final response carries the
 * tag that response added, so the INVITE transaction is also filed under that.
 */
export function serverKey(req: SipRequest, method: string = req.method, toTag?: string): string {
  const m = method === 'ACK' ? 'INVITE' : method;
  const top = req.headers.first('Via') ?? '';
  const v = parseVia(top);
  if (v.ok && hasMagicCookie(v.via.branch)) {
    return `3261\0${v.via.branch}\0${v.via.host.toLowerCase()}:${v.via.port ?? ''}\0${m}`;
  }
  const to = toTag ?? tagOf(req.headers.get('To')) ?? '';
  const from = tagOf(req.headers.get('From')) ?? '';
  return `2543\0${req.uri}\0${to}\0${from}\0${req.headers.get('Call-ID') ?? ''}\0${cseqNumber(req)}\0${top}\0${m}`;
}

/** True when the request is matched by branch (RFC 3261) rather than by the RFC 2543 fields. */
export function matchedByBranch(req: SipRequest): boolean {
  const v = parseVia(req.headers.first('Via') ?? '');
  return v.ok && hasMagicCookie(v.via.branch);
}

/** The key of a client transaction: our branch and the request's method. */
export function clientKey(branch: string, method: string): string {
  return `${branch}\0${method}`;
}

/** The client transaction key a response belongs to, or undefined when it cannot match any. */
export function responseKey(res: SipResponse): string | undefined {
  const v = parseVia(res.headers.first('Via') ?? '');
  if (!v.ok || v.via.branch === undefined) return undefined;
  const method = cseqMethod(res);
  if (!method) return undefined;
  return clientKey(v.via.branch, method);
}

/** The method of a message's CSeq header, or undefined when it has none. */
export function cseqMethod(msg: SipRequest | SipResponse): string | undefined {
  return (msg.headers.get('CSeq') ?? '').trim().split(/\s+/)[1] || undefined;
}
