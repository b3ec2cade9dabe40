// Via branch values. A stateful proxy needs every branch it creates to be unique; a
// stateless one needs the same branch for every retransmission of one request
// (RFC 3261 §16.11), so the two are made differently.
import { randomFillSync } from 'node:crypto';
import { digestOf } from '../sip/digest.js';
import type { SipRequest } from '../sip/message.js';
import { tagOf } from '../sip/message.js';
import { parseVia } from '../sip/via.js';

/** RFC 3261 §8.1.1.7: branches that start with this are unique per transaction. */
export const MAGIC_COOKIE = 'z9hG4bK';

// randomBytes per call costs a syscall-sized trip into OpenSSL; drawing 12 bytes at a
// time from a refilled pool keeps newBranch cheap on the request path.
const POOL = Buffer.alloc(12 * 256);
let poolAt = POOL.length;

/** A fresh branch: the magic cookie and 96 random bits (16 base64url characters, all token characters). */
export function newBranch(): string {
  if (poolAt + 12 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const s = POOL.toString('base64url', poolAt, poolAt + 12);
  poolAt += 12;
  return MAGIC_COOKIE + s;
}

/** True when the branch comes from an RFC 3261 element (starts with the magic cookie). */
export function hasMagicCookie(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE);
}

/** The CSeq sequence number, without the method. */
export function cseqNumber(req: SipRequest): string {
  return (req.headers.get('CSeq') ?? '').trim().split(/\s+/)[0] ?? '';
}

/**
 * The branch a stateless proxy puts on a forwarded request. It is a hash of what
 * identifies the received request, so retransmissions (and the CANCEL or non-2xx ACK
 * of an INVITE, which share its top Via) get the same value:
 *  - top Via with a magic-cookie branch: that branch and the Via's sent-by;
 *  - otherwise (RFC 2543 clients): top Via, To tag, From tag, Call-ID, CSeq number
 *    and Request-URI.
 * `outgoing` is what differs between forwarded copies of one request (for instance the
 * new Request-URI and next hop); it is hashed in as well when given.
 */
export function statelessBranch(req: SipRequest, outgoing = ''): string {
  const top = req.headers.first('Via') ?? '';
  const v = parseVia(top);
  let text: string;
  if (v.ok && hasMagicCookie(v.via.branch)) {
    text = `3261\0${v.via.branch}\0${v.via.host.toLowerCase()}\0${v.via.port ?? ''}`;
  } else {
    text = `2543\0${top}\0${tagOf(req.headers.get('To')) ?? ''}\0${tagOf(req.headers.get('From')) ?? ''}\0${req.headers.get('Call-ID') ?? ''}\0${cseqNumber(req)}\0${req.uri}`;
  }
  // One-shot hash of the same bytes a Hash object would be fed: same digest, less work.
  // 132 bits of the digest: collisions between distinct requests are not a concern.
  return MAGIC_COOKIE + digestOf('sha256', `${text}\0${outgoing}`, 'base64url').slice(0, 22);
}
