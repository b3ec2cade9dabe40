// SIP traffic counters of one sipd: written to stats_log and served on the control
// socket. One object, plain numbers, so counting costs an addition.

/** Methods counted by name; any other method is counted as "other". */
export const COUNTED_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'PRACK', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE', 'PUBLISH'] as const;

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', '6xx'] as const;
type StatusClass = (typeof CLASSES)[number];

function zeroClasses(): Record<StatusClass, number> {
  return { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, '6xx': 0 };
}

export function statusClass(status: number): StatusClass {
  const c = Math.min(6, Math.max(1, Math.floor(status / 100)));
  return `${c}xx` as StatusClass;
}

export class SipCounters {
  /** Requests received, by method. */
  readonly requests: Record<string, number> = Object.fromEntries([...COUNTED_METHODS, 'other'].map((m) => [m, 0]));
  /** Responses sent, by class. */
  readonly responsesSent = zeroClasses();
  /** Responses received, by class. */
  readonly responsesReceived = zeroClasses();
  /** Messages that could not be parsed. */
  parseErrors = 0;
  /** INVITE/REGISTER answered 503 during a transaction-graceful drain. */
  drainRejected = 0;
  /** INVITE/REGISTER dropped silently during a transaction-graceful drain. */
  drainDropped = 0;
  /** Values owned elsewhere (transactions, registrations), read at snapshot time. */
  gauges: () => Record<string, number> = () => ({});

  countRequest(method: string): void {
    if (Object.hasOwn(this.requests, method)) this.requests[method]++;
    else this.requests.other++;
  }

  countSent(status: number): void {
    this.responsesSent[statusClass(status)]++;
  }

  countReceived(status: number): void {
    this.responsesReceived[statusClass(status)]++;
  }

  /** Flat name=value view, the form stats_log writes. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [m, n] of Object.entries(this.requests)) out[`requests.${m}`] = n;
    for (const [c, n] of Object.entries(this.responsesSent)) out[`responses.${c}`] = n;
    for (const [c, n] of Object.entries(this.responsesReceived)) out[`responsesReceived.${c}`] = n;
    out.parseErrors = this.parseErrors;
    out['txngraceful.rejected'] = this.drainRejected;
    out['txngraceful.dropped'] = this.drainDropped;
    return { ...out, ...this.gauges() };
  }
}
