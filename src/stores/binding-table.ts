// Every AOR's bindings in memory, as both location stores (embedded and MySQL) hold them:
// reads allocate nothing (each AOR's list is rebuilt on change), and expiry is by time.
import type { Binding } from './location-store.js';

interface Entry {
  dynamic: Binding[];
  statics: Binding[];
  /** dynamic then statics. */
  all: readonly Binding[];
}

export class BindingTable {
  private readonly map = new Map<string, Entry>();
  private count = 0;

  get(aor: string): readonly Binding[] {
    return this.map.get(aor)?.all ?? [];
  }

  dynamicOf(aor: string): Binding[] {
    return this.map.get(aor)?.dynamic ?? [];
  }

  staticsOf(aor: string): Binding[] {
    return this.map.get(aor)?.statics ?? [];
  }

  /** Bindings held. */
  size(): number {
    return this.count;
  }

  /** AORs held. */
  aors(): number {
    return this.map.size;
  }

  activeCount(now: number): number {
    let n = 0;
    for (const e of this.map.values()) {
      n += e.statics.length;
      for (const b of e.dynamic) if (b.expiresAt > now) n++;
    }
    return n;
  }

  *entries(): IterableIterator<[string, readonly Binding[]]> {
    for (const [aor, e] of this.map) yield [aor, e.all];
  }

  /** Drop dynamic bindings that expired at or before `now`; returns how many. */
  purgeExpired(now: number): number {
    let removed = 0;
    for (const [aor, e] of this.map) {
      const keep = e.dynamic.filter((b) => b.expiresAt > now);
      if (keep.length === e.dynamic.length) continue;
      removed += e.dynamic.length - keep.length;
      this.set(aor, keep, e.statics);
    }
    return removed;
  }

  /** Replace the AOR's bindings (both empty: forget the AOR). */
  set(aor: string, dynamic: Binding[], statics: Binding[]): void {
    const old = this.map.get(aor);
    this.count -= old ? old.dynamic.length + old.statics.length : 0;
    if (!dynamic.length && !statics.length) {
      this.map.delete(aor);
      return;
    }
    this.map.set(aor, { dynamic, statics, all: statics.length ? [...dynamic, ...statics] : dynamic });
    this.count += dynamic.length + statics.length;
  }
}
