// REGISTER writes per second into the embedded location store, each acknowledged only
// once fdatasync'ed, at several numbers of registrations in flight (group commit shares
// one fdatasync among the writes waiting for it). One run without fdatasync shows what
// the disk costs. Run: `node dist/bench/registry-store.js [seconds-per-case] [dir]`
// (dir: where the database goes; default a temporary directory — put it on the disk
// you mean to measure, since /tmp may be a RAM disk).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openEmbeddedLocationStore } from '../src/stores/embedded/location-store.js';

const seconds = Number(process.argv[2] ?? 2);
const base = process.argv[3] ?? os.tmpdir();

async function measure(inFlight: number, sync: boolean): Promise<{ opsPerSec: number; perBatch: number }> {
  const dir = mkdtempSync(path.join(base, 'registry-bench-'));
  try {
    const store = await openEmbeddedLocationStore({ dir, name: 'registry_db', maxAgeOnBootSeconds: 86400, log: () => undefined, sync, compactEveryMs: 0 });
    const end = Date.now() + seconds * 1000;
    let n = 0;
    const t0 = process.hrtime.bigint();
    // 20,000 users (the guide's registry size), re-registering round-robin.
    const worker = async (w: number) => {
      for (let i = w; Date.now() < end; i += inFlight) {
        const aor = `${20000 + (i % 20000)}@example.com`;
        const now = Date.now();
        await store.put(aor, [{ aor, contact: `sip:${aor.split('@')[0]}@192.0.2.${i % 250}:5060`, q: 1, expiresAt: now + 3600_000, callId: `c${i}`, cseq: i, static: false, updatedAt: now, received: { transport: 'UDP', address: `192.0.2.${i % 250}`, port: 5060 } }]);
        n++;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, (_, w) => worker(w)));
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const { batches, records } = store.stats;
    await store.close();
    return { opsPerSec: n / secs, perBatch: records / Math.max(1, batches) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`embedded location store, ${seconds} s per case, database under ${base}`);
for (const inFlight of [1, 16, 128]) {
  const r = await measure(inFlight, true);
  console.log(`fdatasync on,  ${String(inFlight).padStart(3)} in flight: ${Math.round(r.opsPerSec).toString().padStart(7)} REGISTER writes/s (${r.perBatch.toFixed(1)} per fdatasync)`);
}
const r = await measure(128, false);
console.log(`fdatasync off, 128 in flight: ${Math.round(r.opsPerSec).toString().padStart(7)} REGISTER writes/s (reference only)`);
