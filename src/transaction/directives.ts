// Server-core directives owned by the transaction layer (RFC 3261 section 17): the base
// timers and how many times a request is retransmitted before giving up.
import { directivesFor } from '../config/define.js';
import type { ValuesOf, Check } from '../config/spec.js';

const d = directivesFor('transaction', 'server-core');

export const transactionDirectives = [
  d.int('SipT1InMs', {
    default: 500,
    min: 50,
    max: 10000,
    unit: 'ms',
    doc: 'Estimated round-trip time (RFC 3261 T1): the wait before the first retransmission of an unanswered request, doubled for each later one. Lower it only on networks known to be fast.',
  }),
  d.int('SipT2InMs', {
    default: 4000,
    min: 500,
    max: 60000,
    unit: 'ms',
    doc: 'Ceiling on the doubling retransmission interval of non-INVITE requests and INVITE responses (RFC 3261 T2). Keep it at least SipT1InMs.',
  }),
  d.int('SipT3InMs', {
    default: 60000,
    min: 1000,
    max: 3600000,
    unit: 'ms',
    doc: 'How long an INVITE that has had a provisional response may wait for its final response when the caller gave no Expires header. Keep it no greater than SipMaxT3InMs.',
  }),
  d.int('SipMaxT3InMs', {
    default: 180000,
    min: 1000,
    max: 3600000,
    unit: 'ms',
    doc: 'Upper bound on that wait: a larger Expires value in an INVITE is cut down to this.',
  }),
  d.int('SipT4InMs', {
    default: 32000,
    min: 1000,
    max: 300000,
    unit: 'ms',
    doc: 'How long the transaction of an INVITE is kept after its final response has been forwarded, to absorb retransmissions (RFC 3261 Timer D; 32 s covers UDP).',
  }),
  d.int('MaxInviteRetxCount', {
    default: 6,
    min: 0,
    max: 6,
    doc: 'Most retransmissions of an INVITE sent without an answer; 6 spans the full 32 s of Timer B at the default T1.',
  }),
  d.int('MaxNonInviteRetxCount', {
    default: 10,
    min: 0,
    max: 10,
    doc: 'Most retransmissions of any other request sent without an answer; 10 spans the full 32 s of Timer F at the default timers.',
  }),
] as const;


const timers: Check = (v) =>
  v.SipMaxT3InMs < v.SipT3InMs ? [{ directive: 'SipMaxT3InMs', message: `${v.SipMaxT3InMs} is below SipT3InMs (${v.SipT3InMs}); the maximum wait cannot be shorter than the default wait` }] : [];

/** Checks across the timer directives, run after the whole file is read. */
export const transactionChecks: readonly Check[] = [timers];

type TransactionValues = ValuesOf<typeof transactionDirectives>;
declare module '../config/values.js' {
  interface ConfigValues extends TransactionValues {}
}
