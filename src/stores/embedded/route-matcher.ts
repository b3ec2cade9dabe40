// Finding every pattern that matches a number or a host, for tables of a million routes.
//
// Numbers: a pattern is a literal head, then runs of `.` each followed by a literal run,
// then perhaps `*` (see ../route-pattern.ts). The index is a tree of hash maps keyed by whole
// literal runs rather than by single characters: the top level maps each head to its
// entry, an entry holds the group of the pattern that ends there (exactly, or with `*`)
// and, per run length of `.`, a sub-level for what follows the dots. A lookup tries, at
// each level, every literal-run length present there (at most the key's length), so its
// cost depends on the key and on how many patterns share a head — not on the size of the
// table. A trie with one node per character would do the same work but costs a JS object
// per character: several million objects for a million E.164 routes, against one map
// entry per distinct head here.
//
// Domains: a trie of labels from the top-level domain down (`.com.ibm.*` is the path
// com → ibm with a `*` group on the ibm node).
import type { DomainPattern, NumberPattern, Pattern } from '../route-pattern.js';
import { canonicalPattern, compareDomainSpecificity, compareNumberSpecificity, parseDomainPattern, parseNumberPattern, parsePattern } from '../route-pattern.js';
import type { Route, RouteType } from '../route-store.js';
import { parseRouteKey } from '../route-store.js';

/** A group of routes sharing one pattern, with its rank precomputed for sorting. */
export interface Group<T> {
  /** The canonical pattern text. */
  readonly pattern: string;
  /** Packs the specificity counts: larger is more specific (see numberRank / domainRank). */
  readonly rank: number;
  readonly items: T[];
}

/** Larger is more specific: literals, then dots, then no final `*` (../route-pattern.ts compareNumberSpecificity). */
export function numberRank(p: NumberPattern): number {
  return p.literals * 10_000 + p.dots * 10 + (p.star ? 0 : 1);
}

/** Larger is more specific: labels, then an exact host before `*`. */
export function domainRank(p: DomainPattern): number {
  return p.labels.length * 10 + (p.star ? 0 : 1);
}

/** Where patterns end: exactly here, or here followed by `*`. */
interface Ends<T> {
  exact?: Group<T>;
  star?: Group<T>;
}

/** A literal run, and where the patterns continuing after it with dots go. */
interface Entry<T> extends Ends<T> {
  dots?: DotsEdge<T>[];
}

/**
 * A run of `n` dots. Patterns ending right after the dots (the common `+1408.......`)
 * end on the edge itself; only patterns with more literals after the dots need a level.
 */
interface DotsEdge<T> extends Ends<T> {
  readonly n: number;
  next?: Level<T>;
}

interface Level<T> {
  readonly lits: Map<string, Entry<T>>;
  /** How many literal runs of each length this level holds, and those lengths sorted: the lookup tries only these. */
  readonly lenCount: number[];
  lens: number[];
}

function newLevel<T>(): Level<T> {
  return { lits: new Map(), lenCount: [], lens: [] };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

interface Frame<T> {
  readonly level: Level<T>;
  readonly lit: string;
  readonly entry: Entry<T>;
  edge?: DotsEdge<T>;
}

export class NumberIndex<T> {
  private readonly root: Level<T> = newLevel();
  private count = 0;

  /** Number of patterns (groups) held. */
  get size(): number {
    return this.count;
  }

  /** The group of a pattern, if present. */
  get(p: NumberPattern): Group<T> | undefined {
    const path = this.path(p, false);
    if (!path) return undefined;
    const holder = holderOf(path);
    return p.star ? holder.star : holder.exact;
  }

  /** The group of a pattern, created with `first` as its only item when absent. */
  ensure(p: NumberPattern, canonical: string, first: T): { group: Group<T>; created: boolean } {
    const holder = holderOf(this.path(p, true)!);
    const slot = p.star ? 'star' : 'exact';
    const g = holder[slot];
    if (g) return { group: g, created: false };
    // An array literal of one: `[]` then push would reserve 17 slots per pattern.
    const group = { pattern: canonical, rank: numberRank(p), items: [first] };
    holder[slot] = group;
    this.count++;
    return { group, created: true };
  }

  /** Remove a pattern's group; the path to it is pruned. */
  delete(p: NumberPattern): boolean {
    const path = this.path(p, false);
    if (!path) return false;
    const holder = holderOf(path);
    const slot = p.star ? 'star' : 'exact';
    if (!holder[slot]) return false;
    delete holder[slot];
    this.count--;
    // Prune from the leaf up: an empty edge leaves its entry, an empty entry its level, an empty level its edge.
    for (let i = path.length - 1; i >= 0; i--) {
      const f = path[i];
      if (f.edge) {
        if (f.edge.exact || f.edge.star || f.edge.next) break;
        f.entry.dots = f.entry.dots!.filter((e) => e !== f.edge);
        if (!f.entry.dots.length) delete f.entry.dots;
      }
      if (f.entry.exact || f.entry.star || f.entry.dots) break;
      f.level.lits.delete(f.lit);
      const len = f.lit.length;
      if (--f.level.lenCount[len] === 0) f.level.lens = f.level.lens.filter((x) => x !== len);
      if (f.level.lits.size || i === 0) break;
      delete path[i - 1].edge!.next;
    }
    return true;
  }

  /** Every group whose pattern matches `key`, pushed onto `out` in no particular order. */
  collect(key: string, out: Group<T>[]): void {
    this.walk(this.root, key, 0, out);
  }

  *groups(): IterableIterator<Group<T>> {
    const stack: Level<T>[] = [this.root];
    while (stack.length) {
      const lv = stack.pop()!;
      for (const e of lv.lits.values()) {
        if (e.exact) yield e.exact;
        if (e.star) yield e.star;
        for (const edge of e.dots ?? []) {
          if (edge.exact) yield edge.exact;
          if (edge.star) yield edge.star;
          if (edge.next) stack.push(edge.next);
        }
      }
    }
  }

  clear(): void {
    this.root.lits.clear();
    this.root.lenCount.length = 0;
    this.root.lens = [];
    this.count = 0;
  }

  private walk(level: Level<T>, key: string, i: number, out: Group<T>[]): void {
    const n = key.length;
    const lens = level.lens;
    for (let k = 0; k < lens.length; k++) {
      const len = lens[k];
      const j = i + len;
      if (j > n) break;
      const e = level.lits.get(len === 0 ? '' : key.slice(i, j));
      if (!e) continue;
      if (e.exact && j === n) out.push(e.exact);
      if (e.star) out.push(e.star);
      if (!e.dots) continue;
      for (const edge of e.dots) {
        const end = j + edge.n;
        if (end > n) continue;
        let ok = true;
        for (let x = j; x < end; x++) {
          if (!isDigit(key.charCodeAt(x))) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        if (edge.exact && end === n) out.push(edge.exact);
        if (edge.star) out.push(edge.star);
        if (edge.next) this.walk(edge.next, key, end, out);
      }
    }
  }

  /** The frames from the root to where the pattern ends (undefined when absent and not creating). */
  private path(p: NumberPattern, create: boolean): Frame<T>[] | undefined {
    const frames: Frame<T>[] = [];
    let level = this.root;
    let lit = p.head;
    for (let i = 0; ; i++) {
      let entry = level.lits.get(lit);
      if (!entry) {
        if (!create) return undefined;
        entry = {};
        level.lits.set(lit, entry);
        const c = level.lenCount[lit.length] ?? 0;
        level.lenCount[lit.length] = c + 1;
        if (c === 0) level.lens = [...level.lens, lit.length].sort((a, b) => a - b);
      }
      const frame: Frame<T> = { level, lit, entry };
      frames.push(frame);
      const step = p.rest[i];
      if (!step) return frames;
      let edge = entry.dots?.find((e) => e.n === step.dots);
      if (!edge) {
        if (!create) return undefined;
        edge = { n: step.dots };
        (entry.dots ??= []).push(edge);
      }
      frame.edge = edge;
      if (step.lit === '') return frames; // ends after the dots: on the edge
      if (!edge.next) {
        if (!create) return undefined;
        edge.next = newLevel();
      }
      level = edge.next;
      lit = step.lit;
    }
  }
}

/** Where a path's pattern ends: the last edge when it ends after dots, else the last entry. */
function holderOf<T>(path: readonly Frame<T>[]): Ends<T> {
  const last = path[path.length - 1];
  return last.edge ?? last.entry;
}

interface DomainNode<T> {
  children?: Map<string, DomainNode<T>>;
  exact?: Group<T>;
  star?: Group<T>;
}

export class DomainIndex<T> {
  private readonly root: DomainNode<T> = {};
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(p: DomainPattern): Group<T> | undefined {
    const node = this.node(p.labels, false);
    return node && (p.star ? node.star : node.exact);
  }

  ensure(p: DomainPattern, canonical: string, first: T): { group: Group<T>; created: boolean } {
    const node = this.node(p.labels, true)!;
    const slot = p.star ? 'star' : 'exact';
    const g = node[slot];
    if (g) return { group: g, created: false };
    const group = { pattern: canonical, rank: domainRank(p), items: [first] };
    node[slot] = group;
    this.count++;
    return { group, created: true };
  }

  delete(p: DomainPattern): boolean {
    const path: DomainNode<T>[] = [this.root];
    for (const l of p.labels) {
      const next = path[path.length - 1].children?.get(l);
      if (!next) return false;
      path.push(next);
    }
    const node = path[path.length - 1];
    const slot = p.star ? 'star' : 'exact';
    if (!node[slot]) return false;
    delete node[slot];
    this.count--;
    for (let i = path.length - 1; i > 0; i--) {
      const n = path[i];
      if (n.exact || n.star || n.children?.size) break;
      const parent = path[i - 1];
      parent.children!.delete(p.labels[i - 1]);
      if (!parent.children!.size) delete parent.children;
    }
    return true;
  }

  /**
   * Every group matching `host` (lower case, no trailing dot), pushed onto `out`. The
   * labels are walked from the top-level domain down: a `*` group on any node passed
   * matches, and the exact group of the node the whole host leads to.
   */
  collect(host: string, out: Group<T>[]): void {
    let node: DomainNode<T> | undefined = this.root;
    let end = host.length;
    for (;;) {
      if (node.star) out.push(node.star);
      if (end < 0) {
        if (node.exact) out.push(node.exact);
        return;
      }
      const dot = host.lastIndexOf('.', end - 1);
      node = node.children?.get(host.slice(dot + 1, end));
      if (!node) return;
      end = dot;
    }
  }

  *groups(): IterableIterator<Group<T>> {
    const stack: DomainNode<T>[] = [this.root];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.exact) yield n.exact;
      if (n.star) yield n.star;
      if (n.children) for (const c of n.children.values()) stack.push(c);
    }
  }

  clear(): void {
    delete this.root.children;
    delete this.root.exact;
    delete this.root.star;
    this.count = 0;
  }

  private node(labels: readonly string[], create: boolean): DomainNode<T> | undefined {
    let n = this.root;
    for (const l of labels) {
      let next = n.children?.get(l);
      if (!next) {
        if (!create) return undefined;
        next = {};
        (n.children ??= new Map()).set(l, next);
      }
      n = next;
    }
    return n;
  }
}

/** Lower case, without a trailing dot: the form a host is looked up in. */
export function domainKey(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * The route table in memory: both indexes, routes grouped by pattern. The embedded
 * store keeps one and makes it durable; any other store can use it as its cache.
 * Routes must have passed checkRoute (../route-store.ts): a bad pattern throws here.
 */
export class RouteMatcher {
  private readonly numbers = new NumberIndex<Route>();
  private readonly domains = new DomainIndex<Route>();
  private routes = 0;

  size(): number {
    return this.routes;
  }

  /**
   * Add a route, or replace the one with the same routeKey; returns the one replaced.
   * `parsed` (from checkRoute) saves parsing the pattern again.
   */
  put(r: Route, parsed?: Pattern): Route | undefined {
    const p = parsed ?? mustParse(r.type, r.pattern);
    const { group: g, created } = p.type === 'phone' ? this.numbers.ensure(p, canonicalPattern(p), r) : this.domains.ensure(p, canonicalPattern(p), r);
    if (created) {
      this.routes++;
      return undefined;
    }
    const host = r.nextHop.toLowerCase();
    const i = g.items.findIndex((x) => x.port === r.port && x.nextHop.toLowerCase() === host && x.pattern === r.pattern);
    if (i >= 0) {
      const old = g.items[i];
      g.items[i] = r;
      return old;
    }
    g.items.push(r);
    this.routes++;
    return undefined;
  }

  /** The route with this routeKey, if any. */
  get(key: string): Route | undefined {
    const f = this.find(key);
    return f && f.g.items[f.i];
  }

  /** Remove the route with this routeKey; returns it, or undefined when there was none. */
  remove(key: string): Route | undefined {
    const f = this.find(key);
    if (!f) return undefined;
    const { g, i, p } = f;
    const [old] = g.items.splice(i, 1);
    this.routes--;
    if (!g.items.length) {
      if (p.type === 'phone') this.numbers.delete(p);
      else this.domains.delete(p);
    }
    return old;
  }

  private find(key: string): { g: Group<Route>; i: number; p: Pattern } | undefined {
    const k = parseRouteKey(key);
    if (!k) return undefined;
    const pr = parsePattern(k.type, k.pattern);
    if (!pr.ok) return undefined;
    const p = pr.pattern;
    const g = p.type === 'phone' ? this.numbers.get(p) : this.domains.get(p);
    if (!g) return undefined;
    const host = k.nextHop.toLowerCase();
    const i = g.items.findIndex((x) => x.port === k.port && x.nextHop.toLowerCase() === host && x.pattern === k.pattern);
    return i < 0 ? undefined : { g, i, p };
  }

  clear(): void {
    this.numbers.clear();
    this.domains.clear();
    this.routes = 0;
  }

  /**
   * The routes of every pattern matching `key` (a number with separators removed, or a
   * host in domainKey form), most specific pattern first, one array per pattern. The
   * arrays are the table's own: callers must not change them.
   */
  match(type: RouteType, key: string): (readonly Route[])[] {
    const found: Group<Route>[] = [];
    if (type === 'phone') this.numbers.collect(key, found);
    else this.domains.collect(domainKey(key), found);
    if (found.length > 1) found.sort(type === 'phone' ? byNumberSpecificity : byDomainSpecificity);
    return found.map((g) => g.items);
  }

  /** Every route: number routes then domain routes, each by pattern text. */
  all(): Route[] {
    const out: Route[] = [];
    for (const index of [this.numbers, this.domains]) {
      const groups = [...index.groups()].sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0));
      for (const g of groups) out.push(...g.items);
    }
    return out;
  }

  /** Every route, in no particular order, without building a list (snapshots of a million routes). */
  *each(): IterableIterator<Route> {
    for (const g of this.numbers.groups()) yield* g.items;
    for (const g of this.domains.groups()) yield* g.items;
  }
}

function mustParse(type: RouteType, text: string): Pattern {
  const p = parsePattern(type, text);
  if (!p.ok) throw new Error(p.reason);
  return p.pattern;
}

// The rank settles almost every comparison; equal ranks re-parse the two patterns for the
// positional tie-break (a handful of groups per lookup).
function byNumberSpecificity(a: Group<Route>, b: Group<Route>): number {
  if (a.rank !== b.rank) return b.rank - a.rank;
  const pa = parseNumberPattern(a.pattern);
  const pb = parseNumberPattern(b.pattern);
  return pa.ok && pb.ok ? compareNumberSpecificity(pa.pattern, pb.pattern) : 0;
}

function byDomainSpecificity(a: Group<Route>, b: Group<Route>): number {
  if (a.rank !== b.rank) return b.rank - a.rank;
  const pa = parseDomainPattern(a.pattern);
  const pb = parseDomainPattern(b.pattern);
  return pa.ok && pb.ok ? compareDomainSpecificity(pa.pattern, pb.pattern) : 0;
}
