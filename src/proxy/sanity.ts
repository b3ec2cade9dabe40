// Stage 1 of the proxy: the checks RFC 3261 §16.3 asks of every request before any
// routing — Max-Forwards, loops, Proxy-Require — each returning the refusal to send.
import { digestOf } from '../sip/digest.js';
import type { SipRequest } from '../sip/message.js';
import { tagOf } from '../sip/message.js';
import { parseVias } from '../sip/via.js';
import type { Via } from '../sip/via.js';

export interface Refusal {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: readonly (readonly [string, string])[];
}

/** Max-Forwards put on requests that arrive without one (RFC 3261 §16.6 step 3). */
export const DEFAULT_MAX_FORWARDS = 70;

/** The Max-Forwards value, undefined when absent; a malformed value is a refusal. */
export function maxForwards(req: SipRequest): number | undefined | Refusal {
  const raw = req.headers.get('Max-Forwards');
  if (raw === undefined) return undefined;
  // 1*DIGIT: leading zeros are valid ("0068", RFC 4475 §3.1.1.1).
  if (!/^0*\d{1,3}$/.test(raw.trim())) return { status: 400, reason: 'Bad Max-Forwards header' };
  return Number(raw.trim());
}

/** §16.3 step 3: nothing more may be forwarded at 0 (OPTIONS may still be answered by us). */
export function checkMaxForwards(req: SipRequest): Refusal | undefined {
  const mf = maxForwards(req);
  if (typeof mf === 'object') return mf;
  if (mf === 0) return { status: 483 };
  return undefined;
}

/** §16.3 step 6: option tags in Proxy-Require we do not know and are not told to ignore. */
export function checkProxyRequire(req: SipRequest, ignored: readonly string[]): Refusal | undefined {
  const wanted = req.headers.values('Proxy-Require');
  if (!wanted.length) return undefined;
  const ignore = new Set(ignored.map((t) => t.toLowerCase()));
  const unsupported = wanted.filter((t) => !ignore.has(t.toLowerCase()));
  if (!unsupported.length) return undefined;
  return { status: 420, headers: [['Unsupported', unsupported.join(', ')]] };
}

/**
 * The part of our branch parameter that identifies the request as it left us
 * (RFC 3261 §16.6 step 8): a hash of the fields a spiral changes and a loop does not —
 * the Request-URI, the dialog identifiers and the fields that steer routing.
 */
export function loopHash(req: SipRequest): string {
  const cseq = (req.headers.get('CSeq') ?? '').trim().split(/\s+/)[0];
  const parts = [
    req.uri,
    tagOf(req.headers.get('To')) ?? '',
    tagOf(req.headers.get('From')) ?? '',
    req.headers.get('Call-ID') ?? '',
    cseq,
    req.headers.values('Proxy-Require').join(','),
    req.headers.values('Proxy-Authorization').join(','),
    req.headers.values('Route').join(','),
  ]
    .map((part) => part + '\0')
    .join('');
  // The one-shot hash: the same digest as a Hash object fed part by part, at a fraction of the cost.
  return digestOf('sha1', parts, 'base64url').slice(0, 12);
}

/** The loop-detection suffix we append to our branches: "." + loopHash. */
export function loopSuffix(req: SipRequest): string {
  return '.' + loopHash(req);
}

/**
 * §16.3 step 4 and the guide's definition: a request that already carries one of our
 * Via entries is a loop when it comes back unchanged (same loop hash) and a spiral —
 * to be handled as a new request — when its Request-URI or routing changed.
 * `isOurVia` tells whether a Via's sent-by names this server.
 */
export function checkLoop(req: SipRequest, isOurVia: (via: Via) => boolean): Refusal | undefined {
  return loopVia(req, isOurVia) ? { status: 482 } : undefined;
}

/** The Via of ours (by `isOurVia`: this server, or any member of its farm) whose branch says the request came back unchanged. */
export function loopVia(req: SipRequest, isOurVia: (via: Via) => boolean): Via | undefined {
  const parsed = parseVias(req.headers.values('Via'));
  if (!parsed.ok) return undefined;
  const ours = parsed.vias.filter(isOurVia);
  if (!ours.length) return undefined;
  const suffix = loopSuffix(req);
  return ours.find((v) => v.branch?.endsWith(suffix));
}
