// The pending timers of one transaction (RFC 3261 §17 Timers A-K), kept so that ending
// a transaction clears all of them at once.

/**
 * The pending timers of one transaction: at most one per slot, each a single unref'd
 * setTimeout, all cleared when the transaction ends. Slots: a retransmission timer
 * (A, E, G), an end timer (B, F, H, D, I, J, K, the TCB hold) and a wait timer (the
 * provisional wait on the client side, the abandon guard on the server side).
 */
export class TimerSlots {
  private retxT: NodeJS.Timeout | undefined;
  private endT: NodeJS.Timeout | undefined;
  private waitT: NodeJS.Timeout | undefined;

  retx(ms: number, fn: () => void): void {
    if (this.retxT) clearTimeout(this.retxT);
    this.retxT = arm(ms, fn);
  }
  end(ms: number, fn: () => void): void {
    if (this.endT) clearTimeout(this.endT);
    this.endT = arm(ms, fn);
  }
  wait(ms: number, fn: () => void): void {
    if (this.waitT) clearTimeout(this.waitT);
    this.waitT = arm(ms, fn);
  }
  stopRetx(): void {
    if (this.retxT) clearTimeout(this.retxT);
    this.retxT = undefined;
  }
  stopEnd(): void {
    if (this.endT) clearTimeout(this.endT);
    this.endT = undefined;
  }
  stopWait(): void {
    if (this.waitT) clearTimeout(this.waitT);
    this.waitT = undefined;
  }
  clear(): void {
    this.stopRetx();
    this.stopEnd();
    this.stopWait();
  }
}

function arm(ms: number, fn: () => void): NodeJS.Timeout {
  const t = setTimeout(fn, Math.max(0, ms));
  t.unref();
  return t;
}
