// Run by test/integration/route-store.test.ts as a child process, which kills it with
// SIGKILL part-way: opens the embedded route store in argv[2] and writes batches of five
// routes (patterns <i>0* .. <i>4*), up to 8 batches at a time, printing "acked i" as
// each batch resolves (once durable). A small compaction threshold makes snapshots
// happen along the way, so the kill may land in one.
import { openEmbeddedRouteStore } from '../../src/stores/embedded/route-store.js';
import type { Route } from '../../src/stores/route-store.js';

const dir = process.argv[2];
const total = Number(process.argv[3] ?? 100000);
const store = await openEmbeddedRouteStore({ dir, name: 'routing_db', maxAgeOnBootSeconds: 86400, log: () => undefined, compactBytes: 64 * 1024, compactEveryMs: 0 });
let next = 0;

export function batch(i: number): Route[] {
  return Array.from({ length: 5 }, (_, k) => ({
    pattern: `${i}${k}*`,
    type: 'phone' as const,
    nextHop: `gw${i % 7}.example.com`,
    port: 5060,
    transport: 'UDP' as const,
    priority: k,
    weight: 10,
    techPrefix: '',
    techPrefixAction: 'include' as const,
    allowLessSpecific: true,
    block: false,
    inService: true,
    label: `batch ${i}`,
  }));
}

async function worker(): Promise<void> {
  while (next < total) {
    const i = next++;
    await store.put(batch(i));
    process.stdout.write(`acked ${i}\n`);
  }
}

await Promise.all(Array.from({ length: 8 }, worker));
await store.close();
process.stdout.write('done\n');
