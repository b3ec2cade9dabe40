// The transaction timers from sipd.conf, and the derived waits RFC 3261 §17 builds on
// them. Everything is in milliseconds.
import type { ConfigValues } from '../config/values.js';
import type { SipRequest } from '../sip/message.js';
import type { TxnTimers } from './types.js';

type TimerDirectives = Pick<
  ConfigValues,
  'SipT1InMs' | 'SipT2InMs' | 'SipT3InMs' | 'SipMaxT3InMs' | 'SipT4InMs' | 'MaxInviteRetxCount' | 'MaxNonInviteRetxCount'
>;

/** The layer's timers from a Config's `values`. */
export function timersFrom(values: TimerDirectives): TxnTimers {
  return {
    t1: values.SipT1InMs,
    t2: values.SipT2InMs,
    t3: values.SipT3InMs,
    maxT3: values.SipMaxT3InMs,
    t4: values.SipT4InMs,
    maxInviteRetx: values.MaxInviteRetxCount,
    maxNonInviteRetx: values.MaxNonInviteRetxCount,
  };
}

/**
 * How long an INVITE client transaction waits for a final response once a provisional
 * has come: the caller's Expires when it gave one, SipT3InMs otherwise, and never more
 * than SipMaxT3InMs.
 */
export function provisionalWait(timers: TxnTimers, inviteExpiresSeconds: number | undefined): number {
  const wanted = inviteExpiresSeconds === undefined ? timers.t3 : inviteExpiresSeconds * 1000;
  return Math.min(wanted, timers.maxT3);
}

/** The Expires of a request in seconds, or undefined when absent or not a number (then it is ignored). */
export function expiresOf(req: SipRequest): number | undefined {
  const v = req.headers.get('Expires');
  if (v === undefined || !/^\d{1,10}$/.test(v)) return undefined;
  return Number(v);
}

/** RFC 3261 Timers B, F, H and J: 64·T1, how long an unanswered exchange is worth waiting for. */
export function giveUpAfter(timers: TxnTimers): number {
  return 64 * timers.t1;
}

/**
 * How long a server transaction waits for the proxy core to send a final response
 * before it is dropped, so a core that never answers cannot leak transactions. Far past
 * anything the core's own client timers allow: for INVITE ten provisional waits (serial
 * forking) plus two Timer Bs, for other requests twice Timer F, after which the client
 * has long given up.
 */
export function abandonAfter(timers: TxnTimers, invite: boolean): number {
  return invite ? 10 * Math.max(timers.maxT3, timers.t3) + 128 * timers.t1 : 128 * timers.t1;
}
