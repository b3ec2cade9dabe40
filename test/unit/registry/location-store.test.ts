// The embedded location store's operations: replace-per-AOR puts, removal, static
// bindings, expiry, and many concurrent writes sharing fdatasyncs (group commit).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Binding } from '../../../src/stores/location-store.js';
import { openEmbeddedLocationStore } from '../../../src/stores/embedded/location-store.js';
import { crc32, decodeRecords, encodeRecord } from '../../../src/stores/embedded/journal-format.js';
import { manualClock, recordLog, tempRoot } from './helpers.js';

const roots: ReturnType<typeof tempRoot>[] = [];
after(() => roots.forEach((r) => r.remove()));

function binding(aor: string, contact: string, expiresAt: number, extra: Partial<Binding> = {}): Binding {
  return { aor, contact, q: 1, expiresAt, callId: 'c1', cseq: 1, static: false, updatedAt: 0, ...extra };
}

async function openStore(dir?: string, clock = manualClock()) {
  let d = dir;
  if (!d) {
    const t = tempRoot();
    roots.push(t);
    d = t.root;
  }
  const rec = recordLog();
  const store = await openEmbeddedLocationStore({ dir: d, name: 'registry_db', maxAgeOnBootSeconds: 86400, log: rec.log, now: clock.now, compactEveryMs: 0 });
  return { store, dir: d, rec, clock };
}

test('journal records carry a CRC-32 that catches damage', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926); // the standard check value
  const line = encodeRecord({ o: 'del', a: 'x@y' });
  assert.deepEqual(decodeRecords(Buffer.from(line))[0].record, { o: 'del', a: 'x@y' });
  const bad = Buffer.from(line.replace('x@y', 'x@z'));
  assert.equal(decodeRecords(bad)[0].record, undefined);
  const cut = decodeRecords(Buffer.from(line.slice(0, -5)));
  assert.equal(cut[0].unterminated, true);
});

test('put replaces an AOR\'s set; removeAll empties it; size and activeCount follow', async () => {
  const { store, clock } = await openStore();
  const t = clock.now();
  await store.put('a@x', [binding('a@x', 'sip:1@h', t + 1000), binding('a@x', 'sip:2@h', t + 5000)]);
  await store.put('b@x', [binding('b@x', 'sip:3@h', t + 1000)]);
  assert.equal(store.size(), 3);
  await store.put('a@x', [binding('a@x', 'sip:9@h', t + 1000, { received: { transport: 'TCP', address: '192.0.2.1', port: 40000 }, path: ['<sip:edge;lr>'] })]);
  assert.deepEqual(store.get('a@x').map((b) => b.contact), ['sip:9@h']);
  assert.equal(store.size(), 2);
  assert.equal(store.activeCount(t + 2000), 0);
  assert.equal(store.activeCount(t), 2);
  await store.removeAll('b@x');
  assert.deepEqual(store.get('b@x'), []);
  assert.deepEqual([...store.entries()].map(([k]) => k), ['a@x']);
  await store.close();
  await assert.rejects(store.put('c@x', []), /closed/);
});

test('static bindings sit beside dynamic ones, survive put and removeAll, and never expire', async () => {
  const { store, clock, dir } = await openStore();
  const t = clock.now();
  await store.setStatic('gw@x', binding('gw@x', 'sip:fxs1@gw', 0, { static: true }));
  await store.put('gw@x', [binding('gw@x', 'sip:dyn@h', t + 1000)]);
  await store.removeAll('gw@x');
  assert.deepEqual(store.get('gw@x').map((b) => [b.contact, b.static, b.expiresAt]), [['sip:fxs1@gw', true, Infinity]]);
  assert.equal(store.purgeExpired(t + 10 ** 12), 0);
  assert.equal(await store.removeStatic('gw@x', 'sip:nothere@gw'), false);
  await store.setStatic('gw@x', binding('gw@x', 'sip:fxs2@gw', 0, { static: true }));
  assert.equal(await store.removeStatic('gw@x', 'sip:fxs1@gw'), true);
  await store.close();
  const again = await openStore(dir, clock);
  assert.deepEqual(again.store.get('gw@x').map((b) => [b.contact, b.static, b.expiresAt]), [['sip:fxs2@gw', true, Infinity]]);
  await again.store.close();
});

test('purgeExpired drops lapsed dynamic bindings; expired bindings are not loaded again', async () => {
  const { store, clock, dir } = await openStore();
  const t = clock.now();
  await store.put('a@x', [binding('a@x', 'sip:1@h', t + 1000), binding('a@x', 'sip:2@h', t + 60_000)]);
  await store.put('b@x', [binding('b@x', 'sip:3@h', t + 1000)]);
  clock.advance(2000);
  assert.equal(store.purgeExpired(clock.now()), 2);
  assert.deepEqual(store.get('b@x'), []);
  await store.put('c@x', [binding('c@x', 'sip:4@h', t + 3000)]);
  await store.close();
  clock.advance(5000);
  const again = await openStore(dir, clock);
  assert.deepEqual([...again.store.entries()].map(([k, v]) => [k, v.length]), [['a@x', 1]]);
  await again.store.close();
});

test('group commit: 500 concurrent puts all resolve, share fdatasyncs, and are all on disk', async () => {
  const { store, clock, dir } = await openStore();
  const t = clock.now();
  const writes = Array.from({ length: 500 }, (_, i) => store.put(`u${i}@x`, [binding(`u${i}@x`, `sip:u${i}@h`, t + 3600_000, { cseq: i })]));
  await Promise.all(writes);
  // One batch per fdatasync: the journal holds every record even though they were written together.
  const lines = decodeRecords(readFileSync(`${dir}/registry_db.journal`));
  assert.equal(lines.length, 500);
  assert.ok(lines.every((l) => l.record !== undefined));
  await store.close();
  const again = await openStore(dir, clock);
  assert.equal(again.store.size(), 500);
  assert.equal(again.store.get('u321@x')[0].cseq, 321);
  await again.store.close();
});

test('a directory that cannot be created is reported with its path and the reason', async () => {
  const t = tempRoot();
  roots.push(t);
  // Under a plain file: fails with ENOTDIR even for root, who ignores permission bits.
  writeFileSync(path.join(t.root, 'plain'), '');
  const dir = path.join(t.root, 'plain', 'data');
  await assert.rejects(
    openEmbeddedLocationStore({ dir, name: 'registry_db', maxAgeOnBootSeconds: 86400, log: recordLog().log }),
    (e: Error) => e.message.includes(`registry database directory ${dir} cannot be created`) && e.message.includes('ENOTDIR'),
  );
});
