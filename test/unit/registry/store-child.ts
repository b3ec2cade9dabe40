// Run by test/integration/registry-store.test.ts as a child process, which it kills with
// SIGKILL part-way: opens the embedded store in argv[2] and writes argv[3] registrations,
// up to 8 at a time, printing "acked i" as each write resolves (that is, once durable).
import { openEmbeddedLocationStore } from '../../../src/stores/embedded/location-store.js';

const dir = process.argv[2];
const total = Number(process.argv[3] ?? 100000);
const store = await openEmbeddedLocationStore({ dir, name: 'registry_db', maxAgeOnBootSeconds: 86400, log: () => undefined });
const now = Date.now();
let next = 0;

async function worker(): Promise<void> {
  while (next < total) {
    const i = next++;
    const aor = `user${i}@example.com`;
    await store.put(aor, [{ aor, contact: `sip:user${i}@192.0.2.1:${5060 + (i % 1000)}`, q: 1, expiresAt: now + 3600_000, callId: `c${i}`, cseq: i, static: false, updatedAt: now }]);
    process.stdout.write(`acked ${i}\n`);
  }
}

await Promise.all(Array.from({ length: 8 }, worker));
await store.close();
process.stdout.write('done\n');
