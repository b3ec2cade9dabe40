// Every AOR's bindings in memory, as both location stores (embedded and MySQL) hold them:
// reads allocate nothing (each AOR's list is rebuilt on change), and expiry is by time.
// The GUI's search runs on sorted views of it (sorted-index.ts), told of every change.
import type { Binding } from './location-store.js';
import { compareParts } from './search.js';
import { SortedIndex } from './sorted-index.js';
import type { IndexPage, IndexQuery } from './sorted-index.js';

interface Entry {
  dynamic: Binding[];
  statics: Binding[];
  /** dynamic then statics. */
  all: readonly Binding[];
}

export class BindingTable {
  private readonly map = new Map<string, Entry>();
  private count = 0;
  private activeCache: { at: number; n: number } | undefined;
  /** Sorted views for the GUI's search, built on first use; a binding's group is its AOR. */
  private readonly index = new SortedIndex<Binding, string>({
    rows: () => this.allBindings(),
    size: () => this.count,
    group: (b) => b.aor,
    current: (aor) => this.get(aor),
    value: (b, field) => (field === 'expires' ? (Number.isFinite(b.expiresAt) ? b.expiresAt : Number.MAX_SAFE_INTEGER) : field === 'contact' ? b.contact : b.aor),
    tail: (b) => [b.aor, b.contact],
    compareTail: (a, b) => (a.aor !== b.aor ? (a.aor < b.aor ? -1 : 1) : compareParts(a.contact, b.contact)),
  });

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

  /** One page of a search of the bindings live at `now`. Fields: aor and contact (text), expires (a number; static bindings last). */
  search(q: IndexQuery<string>, now: number): IndexPage<Binding> {
    return this.index.search(q, () => this.activeForSearch(now), (b) => b.expiresAt > now);
  }

  /** activeCount for a list's heading: a pass over a million AORs, so reused for up to a second while nothing changes. */
  private activeForSearch(now: number): number {
    if (!this.activeCache || Math.abs(now - this.activeCache.at) >= 1000) this.activeCache = { at: now, n: this.activeCount(now) };
    return this.activeCache.n;
  }

  private *allBindings(): IterableIterator<Binding> {
    for (const e of this.map.values()) yield* e.all;
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
    this.index.changed(aor);
    this.activeCache = undefined;
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
