// Durability of the embedded registry database: an acknowledged registration survives
// kill -9; a record cut short by a crash is ignored with a warning; a database older
// than Cisco_Registry_Max_DB_Age_on_Boot is deleted at start; compaction keeps the data.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Binding } from '../../src/stores/location-store.js';
import { openEmbeddedLocationStore } from '../../src/stores/embedded/location-store.js';
import type { EmbeddedStoreOptions } from '../../src/stores/embedded/location-store.js';
import { killAfterAcks } from '../helpers/kill-writer.js';
import { REPO } from '../helpers/paths.js';
import { recordLog, tempRoot } from '../unit/registry/helpers.js';

const roots: ReturnType<typeof tempRoot>[] = [];
after(() => roots.forEach((r) => r.remove()));

function newDir(): string {
  const t = tempRoot();
  roots.push(t);
  return path.join(t.root, 'data');
}

function open(dir: string, extra: Partial<EmbeddedStoreOptions> = {}) {
  const rec = recordLog();
  const p = openEmbeddedLocationStore({ dir, name: 'registry_db', maxAgeOnBootSeconds: 86400, log: rec.log, compactEveryMs: 0, ...extra });
  return p.then((store) => ({ store, rec }));
}

function binding(aor: string, n: number): Binding {
  const now = Date.now();
  return { aor, contact: `sip:${aor.split('@')[0]}@192.0.2.${n % 250}:5060`, q: 0.5, expiresAt: now + 3600_000, callId: `call-${n}`, cseq: n, static: false, updatedAt: now };
}

test('kill -9 during a stream of registrations: every acknowledged one is there after restart', async () => {
  const dir = newDir();
  const acked = await killAfterAcks(path.join(REPO, 'dist', 'test', 'unit', 'registry', 'store-child.js'), [dir, '1000000'], 400);

  const { store, rec } = await open(dir);
  const missing = acked.filter((i) => store.get(`user${i}@example.com`).length !== 1);
  assert.deepEqual(missing, [], `acknowledged but lost after kill -9 (log: ${rec.lines.join(' | ')})`);
  const b = store.get(`user${acked[0]}@example.com`)[0];
  assert.equal(b.cseq, acked[0]);
  assert.equal(b.callId, `c${acked[0]}`);
  assert.ok(store.size() >= acked.length);
  await store.close();
});

test('a torn last record (crash mid-write) is ignored with a warning; the store opens and keeps working', async () => {
  const dir = newDir();
  let { store } = await open(dir);
  for (let i = 0; i < 5; i++) await store.put(`t${i}@x`, [binding(`t${i}@x`, i)]);
  await store.close();
  const journal = path.join(dir, 'registry_db.journal');
  const good = readFileSync(journal, 'utf8');
  // Half of a real record, as a crash in the middle of write() leaves it, then garbage.
  appendFileSync(journal, good.split('\n')[0].slice(0, 40));
  let r = await open(dir);
  assert.ok(r.rec.lines.some((l) => /^warn: .*incomplete record/.test(l)), r.rec.lines.join('\n'));
  for (let i = 0; i < 5; i++) assert.equal(r.store.get(`t${i}@x`).length, 1);
  await r.store.put('after@x', [binding('after@x', 9)]);
  await r.store.close();
  appendFileSync(journal, Buffer.from([0, 0, 0, 0, 0x7b, 0x22, 0xff, 0xfe]));
  r = await open(dir);
  assert.equal(r.store.get('after@x').length, 1);
  assert.equal(r.store.size(), 6);
  await r.store.close();
  // A damaged record in the middle is skipped, and the records after it still load.
  store = (await open(dir)).store;
  await store.put('m1@x', [binding('m1@x', 1)]);
  await store.put('m2@x', [binding('m2@x', 2)]);
  await store.close();
  const text = readFileSync(journal, 'utf8').split('\n');
  writeFileSync(journal, [text[0].replace('m1@x', 'm1@y'), ...text.slice(1)].join('\n'));
  r = await open(dir);
  assert.ok(r.rec.lines.some((l) => /^warn: .*damaged record/.test(l)), r.rec.lines.join('\n'));
  assert.equal(r.store.get('m2@x').length, 1);
  assert.equal(r.store.get('m1@x').length, 0);
  await r.store.close();
});

test('Cisco_Registry_Max_DB_Age_on_Boot: a database last written longer ago is deleted and logged', async () => {
  const dir = newDir();
  const { store } = await open(dir);
  await store.put('old@x', [binding('old@x', 1)]);
  await store.close();
  const old = new Date(Date.now() - 7200_000);
  for (const f of ['registry_db.snapshot', 'registry_db.journal']) utimesSync(path.join(dir, f), old, old);
  // Younger than the limit: kept.
  let r = await open(dir, { maxAgeOnBootSeconds: 10800 });
  assert.equal(r.store.get('old@x').length, 1);
  await r.store.close();
  for (const f of ['registry_db.snapshot', 'registry_db.journal']) utimesSync(path.join(dir, f), old, old);
  // An old snapshot with a fresh journal is one database still in use: kept.
  utimesSync(path.join(dir, 'registry_db.journal'), new Date(), new Date());
  r = await open(dir, { maxAgeOnBootSeconds: 3600 });
  assert.equal(r.store.get('old@x').length, 1);
  await r.store.close();
  // Both files older than the limit: deleted, with a warning naming the directive.
  for (const f of ['registry_db.snapshot', 'registry_db.journal']) utimesSync(path.join(dir, f), old, old);
  r = await open(dir, { maxAgeOnBootSeconds: 3600 });
  assert.equal(r.store.size(), 0);
  assert.ok(r.rec.lines.some((l) => /^warn: .*Cisco_Registry_Max_DB_Age_on_Boot \(3600 s\): deleted/.test(l)), r.rec.lines.join('\n'));
  assert.ok(statSync(path.join(dir, 'registry_db.snapshot')).mtimeMs > old.getTime(), 'a fresh, empty database replaces it');
  await r.store.close();
});

test('compaction folds the journal into the snapshot and keeps every binding', async () => {
  const dir = newDir();
  const { store } = await open(dir, { compactBytes: 4096 });
  for (let i = 0; i < 300; i++) await store.put(`c${i % 100}@x`, [binding(`c${i % 100}@x`, i)]);
  await store.setStatic('gw@x', { ...binding('gw@x', 7), static: true });
  // Size-triggered compactions ran along the way: the journal is far smaller than 300 records.
  assert.ok(store.journalSize < 300 * 150, `journal still ${store.journalSize} bytes`);
  await store.compact();
  assert.equal(store.journalSize, 0);
  assert.equal(statSync(path.join(dir, 'registry_db.journal')).size, 0);
  assert.ok(!existsSync(path.join(dir, 'registry_db.snapshot.tmp')));
  await store.put('late@x', [binding('late@x', 1)]);
  await store.close();
  const r = await open(dir);
  assert.equal(r.store.size(), 102);
  for (let i = 0; i < 100; i++) assert.equal(r.store.get(`c${i}@x`)[0].cseq, 200 + i, `c${i}@x keeps its last write`);
  assert.equal(r.store.get('gw@x')[0].static, true);
  assert.equal(r.store.get('late@x').length, 1);
  await r.store.close();
});
