// The transaction-graceful drain (`sip txngraceful`): for a while, new INVITE and
// REGISTER requests get 503 with Retry-After (behavior 1) or no answer at all (behavior
// 2), everything else is handled as usual, and the sip script stops sipd when the time
// is up.
import type { ErrorLog } from '../logging/index.js';
import type { SipRequest } from '../sip/message.js';

/** Default Retry-After (seconds) of the 503s sent during a transaction-graceful drain. */
export const DRAIN_RETRY_AFTER = 60;
/**
 * A drain outlives its announced time by this much, so that the sip script (which
 * sleeps for the same time and then stops sipd) never finds sipd answering normally
 * again; if nothing stops sipd by then, it resumes normal operation.
 */
const DRAIN_GRACE_MS = 30_000;

interface Draining {
  readonly behavior: 1 | 2;
  readonly retryAfter: number;
  readonly endsAt: number;
  readonly timer: NodeJS.Timeout;
}

export class Drain {
  private current: Draining | undefined;

  constructor(private readonly log: ErrorLog) {}

  /** Start (or restart) a drain of `seconds`. */
  start(seconds: number, behavior: 1 | 2, retryAfter: number): void {
    this.stop();
    const timer = setTimeout(() => {
      this.current = undefined;
      this.log.warn('transaction-graceful drain over and sipd was not stopped: accepting INVITE and REGISTER again');
    }, seconds * 1000 + DRAIN_GRACE_MS);
    timer.unref();
    this.current = { behavior, retryAfter, endsAt: Date.now() + seconds * 1000, timer };
    this.log.notice(
      `transaction-graceful restart: for ${seconds} s new INVITE and REGISTER requests ${behavior === 1 ? `are answered 503 Service Unavailable (Retry-After: ${retryAfter})` : 'get no answer'}; sipd will then be stopped`,
    );
  }

  /** What a drain does to this request: drop it, answer 503 with this Retry-After, or nothing (undefined). */
  verdict(req: SipRequest): { drop: true } | { drop: false; retryAfter: number } | undefined {
    const d = this.current;
    if (!d || (req.method !== 'INVITE' && req.method !== 'REGISTER')) return undefined;
    return d.behavior === 2 ? { drop: true } : { drop: false, retryAfter: d.retryAfter };
  }

  /** For `sip status`. */
  status(): { behavior: 1 | 2; retryAfter: number; secondsLeft: number } | false {
    const d = this.current;
    return d ? { behavior: d.behavior, retryAfter: d.retryAfter, secondsLeft: Math.max(0, Math.ceil((d.endsAt - Date.now()) / 1000)) } : false;
  }

  stop(): void {
    if (this.current) clearTimeout(this.current.timer);
    this.current = undefined;
  }
}
