// Route database at scale: 20,000 and 1,000,000 random but realistic E.164 routes
// (country codes, national prefixes of varied length; open-ended `*` prefixes, fixed
// lengths with `.`, and exact numbers), looked up the way sipd does on each request.
// For each size: lookups per second for hits and for misses (RouteStore.match), and
// for a full stage-7 decision (match + priority/weight order); heap and RSS of the
// table after GC; time to write the table to the store files (replaceAll) and to load
// them at start.
//
// Run: `node --expose-gc dist/bench/route-lookup.js [seconds-per-case] [dir]`
// (dir: where the database files go; default a temporary directory).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Route } from '../src/stores/route-store.js';
import { selectRoutes } from '../src/modules/routing/select.js';
import { openEmbeddedRouteStore } from '../src/stores/embedded/route-store.js';
import type { EmbeddedRouteStore } from '../src/stores/embedded/route-store.js';
import { seeded } from '../test/helpers/seeded.js';

const seconds = Number(process.argv[2] ?? 1);
const base = process.argv[3] ?? os.tmpdir();
const gc = (globalThis as { gc?: () => void }).gc;


// Country codes with the national number length that follows them.
const COUNTRIES: readonly [string, number][] = [
  ['1', 10], ['44', 10], ['33', 9], ['49', 11], ['39', 10], ['34', 9], ['81', 10], ['86', 11], ['91', 10], ['61', 9],
  ['55', 11], ['52', 10], ['7', 10], ['27', 9], ['31', 9], ['46', 9], ['41', 9], ['353', 9], ['358', 9], ['972', 9],
];

function digits(rnd: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(rnd() * 10));
  return s;
}

function makeRoutes(n: number, rnd: () => number): Route[] {
  const seen = new Set<string>();
  const out: Route[] = [];
  while (out.length < n) {
    const [cc, len] = COUNTRIES[Math.floor(rnd() * COUNTRIES.length)];
    const x = rnd();
    let pattern: string;
    if (x < 0.55) {
      pattern = `+${cc}${digits(rnd, 1 + Math.floor(rnd() * 7))}*`; // least-cost prefix
    } else if (x < 0.85) {
      const fixed = 2 + Math.floor(rnd() * (len - 3));
      pattern = `+${cc}${digits(rnd, fixed)}${'.'.repeat(len - fixed)}`; // a number block of exact length
    } else {
      pattern = `+${cc}${digits(rnd, len)}`; // one number
    }
    if (seen.has(pattern)) continue;
    seen.add(pattern);
    const hops = 1 + Math.floor(rnd() * 2);
    const gw = Math.floor(rnd() * 64);
    for (let h = 0; h < hops && out.length < n; h++) {
      out.push({
        pattern,
        type: 'phone',
        nextHop: `gw${(gw + h) % 64}.carrier${gw % 8}.example.net`,
        port: rnd() < 0.3 ? 0 : 5060,
        transport: rnd() < 0.8 ? 'UDP' : 'TCP',
        priority: h,
        weight: 1 + Math.floor(rnd() * 100),
        techPrefix: rnd() < 0.1 ? '001#' : '',
        techPrefixAction: 'include',
        allowLessSpecific: true,
        block: false,
        inService: true,
        label: `carrier ${Math.floor(rnd() * 8)}`,
      });
    }
  }
  return out;
}

/** A number the pattern matches: dots and the star filled with digits. */
function hitKey(pattern: string, rnd: () => number): string {
  return pattern.replace(/\./g, () => digits(rnd, 1)).replace(/\*$/, () => digits(rnd, Math.floor(rnd() * 6)));
}

function memory(): { heap: number; rss: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

function rate(keys: readonly string[], fn: (k: string) => number): { perSec: number; avgGroups: number } {
  let n = 0;
  let groups = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) groups += fn(keys[(n + i) % keys.length]);
    n += 1000;
  }
  return { perSec: n / ((performance.now() - t0) / 1000), avgGroups: groups / n };
}

const MB = 1024 * 1024;
const rows: string[][] = [];

async function measure(size: number): Promise<void> {
  const dir = mkdtempSync(path.join(base, 'route-bench-'));
  try {
    const rnd = seeded(size);
    const before = memory();
    let routes: Route[] | undefined = makeRoutes(size, rnd);
    const opts = { dir, name: 'routing_db', maxAgeOnBootSeconds: 86400, log: () => undefined, compactEveryMs: 0 };
    let writer: EmbeddedRouteStore | undefined = await openEmbeddedRouteStore(opts);
    let t = performance.now();
    await writer.replaceAll(routes);
    const writeMs = performance.now() - t;
    const hits = Array.from({ length: 20_000 }, () => hitKey(routes![Math.floor(rnd() * routes!.length)].pattern, rnd));
    routes = undefined;
    if (writer.size() !== size) throw new Error(`the table holds ${writer.size()} routes of the ${size} written`);
    await writer.close();
    writer = undefined;
    const fileBytes = statSync(path.join(dir, 'routing_db.snapshot')).size;
    // Load from the files alone: what sipd does at start.
    const empty = memory();
    t = performance.now();
    const store = await openEmbeddedRouteStore(opts);
    const loadMs = performance.now() - t;
    const loaded = memory();
    if (store.size() !== size) throw new Error(`loaded ${store.size()} routes, wrote ${size}`);
    // Misses: a country code no route uses (+0 is unassigned), and numbers in used codes that no prefix covers.
    const misses = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? `+0${digits(rnd, 10)}` : `+${COUNTRIES[i % COUNTRIES.length][0]}${digits(rnd, 12)}`)).filter(
      (k) => store.match('phone', k).length === 0,
    );
    const hit = rate(hits, (k) => store.match('phone', k).length);
    const miss = rate(misses, (k) => store.match('phone', k).length);
    const decide = rate(hits, (k) => {
      const s = selectRoutes(store.match('phone', k), { lessSpecific: true });
      return s.kind === 'routes' ? s.routes.length : 0;
    });
    rows.push([
      size.toLocaleString('en-US'),
      Math.round(hit.perSec).toLocaleString('en-US'),
      hit.avgGroups.toFixed(2),
      Math.round(miss.perSec).toLocaleString('en-US'),
      Math.round(decide.perSec).toLocaleString('en-US'),
      ((loaded.heap - empty.heap) / MB).toFixed(0),
      ((loaded.rss - before.rss) / MB).toFixed(0),
      (fileBytes / MB).toFixed(1),
      (writeMs / 1000).toFixed(2),
      (loadMs / 1000).toFixed(2),
    ]);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!gc) console.log('(run node with --expose-gc for memory figures after garbage collection)');
console.log(`route database lookups, ${seconds} s per case, files under ${base}`);
for (const size of [20_000, 1_000_000]) await measure(size);
const head = ['routes', 'hits/s', 'patterns/hit', 'misses/s', 'match+order/s', 'heap MB', 'RSS MB', 'file MB', 'write s', 'load s'];
const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(width[i])).join('  ');
console.log(line(head));
for (const r of rows) console.log(line(r));
