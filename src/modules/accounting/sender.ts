// Hands accounting records to the RADIUS service without ever holding up a call. A record
// goes straight out while nothing waits in the spool; when no server acknowledges it, or
// while older records still wait, it joins the spool, which is retried oldest first with
// Acct-Delay-Time set to the seconds since the event. Per leg of a call, a record is
// handed over only once the one before it (its Start) is settled, so a Stop never
// overtakes its Start.
import type { RadiusServer, RadiusService } from '../radius/service.js';
import type { RadiusAttribute } from '../radius/service.js';
import type { QueuedRecord, Spool } from './spool.js';

export interface AccountingCounts {
  /** Records a server acknowledged. */
  sent: number;
  /** Records put in the spool (no server acknowledged them, or older ones were waiting). */
  spooled: number;
  /** Records refused because the spool was full. */
  dropped: number;
  /** Attempts no server acknowledged (first sends and spool retries). */
  unanswered: number;
}

export interface SenderOptions {
  readonly service: RadiusService;
  /** The accounting servers of the current configuration, primary first. */
  servers(): readonly RadiusServer[];
  readonly spool: Spool;
  /** Pause after a spool retry no server answered. */
  readonly retryMs: number;
  log(level: 'error' | 'warn' | 'info' | 'debug', message: string): void;
  /** Clock, for tests; Date.now by default. */
  now?(): number;
}

/** The attributes as sent: the record's own plus the time of its event. */
function withTimestamp(rec: QueuedRecord): RadiusAttribute[] {
  return [...rec.attrs, ['Event-Timestamp', new Date(rec.event)]];
}

export class RecordSender {
  readonly counts: AccountingCounts = { sent: 0, spooled: 0, dropped: 0, unanswered: 0 };
  private draining = false;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  /** Records being sent straight out, spooled by close() if still unanswered then. */
  private readonly inFlight = new Set<{ rec: QueuedRecord; spooled: boolean }>();

  constructor(private readonly o: SenderOptions) {
    if (o.spool.depth) {
      o.log('info', `accounting: ${o.spool.depth} record(s) wait in ${o.spool.dir}; sending them first`);
      this.drain();
    }
  }

  get spoolDepth(): number {
    return this.o.spool.depth;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /**
   * Send a record after `after` has settled (the leg's previous record). The promise
   * settles once the record is acknowledged, spooled or refused; it never rejects.
   */
  async submit(rec: QueuedRecord, after?: Promise<void>): Promise<void> {
    if (after && !this.closed) await after;
    if (this.refuse(rec)) return;
    if (this.closed || this.o.spool.depth || this.draining) {
      this.toSpool(rec);
      return;
    }
    const entry = { rec, spooled: false };
    this.inFlight.add(entry);
    const ok = await this.send(rec);
    this.inFlight.delete(entry);
    if (entry.spooled) return;
    if (ok) {
      this.counts.sent++;
      return;
    }
    this.counts.unanswered++;
    if (!this.o.spool.depth) this.o.log('warn', 'accounting: no RADIUS accounting server acknowledged a record; keeping records in the spool until one does');
    this.toSpool(rec);
  }

  /** One attempt, with Acct-Delay-Time from the event's age; a service that throws counts as no answer. */
  private async send(rec: QueuedRecord): Promise<boolean> {
    try {
      return await this.o.service.accounting(this.o.servers(), withTimestamp(rec), Math.max(0, Math.floor((this.now() - rec.event) / 1000)));
    } catch (e) {
      this.o.log('error', `accounting: the RADIUS service failed: ${(e as Error).message}`);
      return false;
    }
  }

  /** A record no server could ever take is dropped and said, not spooled: it would block every record behind it. */
  private refuse(rec: QueuedRecord): boolean {
    const why = this.o.service.unencodable?.(withTimestamp(rec));
    if (why === undefined) return false;
    this.counts.dropped++;
    this.o.log('error', `accounting: a record cannot be encoded and is dropped (${why})`);
    return true;
  }

  private toSpool(rec: QueuedRecord): void {
    let ok: boolean;
    try {
      ok = this.o.spool.append(rec);
    } catch (e) {
      this.o.log('error', `accounting: cannot write to the spool ${this.o.spool.dir}: ${(e as Error).message}; record lost`);
      this.counts.dropped++;
      return;
    }
    if (!ok) {
      this.counts.dropped++;
      this.o.log('error', `accounting: the spool is full (${this.o.spool.capacity} records, AccountingSpoolMaxRecords); a record was refused and is lost (${this.counts.dropped} so far)`);
      return;
    }
    this.counts.spooled++;
    this.drain();
  }

  /** Retry the spool, oldest first, until it is empty or the sender is closed. */
  private drain(): void {
    if (this.draining || this.closed) return;
    this.draining = true;
    void this.drainLoop().finally(() => {
      this.draining = false;
    });
  }

  private async drainLoop(): Promise<void> {
    const spool = this.o.spool;
    for (let rec = spool.head(); rec && !this.closed; rec = spool.head()) {
      if (this.refuse(rec)) {
        spool.shift();
        continue;
      }
      const ok = await this.send(rec);
      if (this.closed) return;
      if (ok) {
        spool.shift();
        this.counts.sent++;
        if (!spool.depth) this.o.log('info', 'accounting: the spool is empty again; every waiting record was acknowledged');
        continue;
      }
      this.counts.unanswered++;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.retryTimer = setTimeout(resolve, this.o.retryMs);
        this.retryTimer.unref?.();
      });
      this.wake = undefined;
    }
  }

  /** Stop sending; records still unanswered go to the spool, for the next start. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.inFlight) {
      e.spooled = true;
      this.toSpool(e.rec);
    }
    this.inFlight.clear();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wake?.();
  }

  /** After close() and the last records: release the spool file. */
  finish(): void {
    this.o.spool.close();
  }
}
