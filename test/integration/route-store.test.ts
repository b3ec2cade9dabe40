// Durability of the embedded route database (Cisco_Routing_Rendezvous_Directory /
// _Name): the table survives a restart and kill -9 (every acknowledged batch there,
// every batch whole), a cut-short record is ignored with a warning, a database older
// than Cisco_Routing_Max_DB_Age_on_Boot is deleted at start, and journal lines left
// over from before a snapshot are never replayed on top of it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Route } from '../../src/stores/route-store.js';
import { routeKey } from '../../src/stores/route-store.js';
import { openEmbeddedRouteStore } from '../../src/stores/embedded/route-store.js';
import { routeStoreOptions } from '../../src/stores/open.js';
import type { EmbeddedRouteStoreOptions } from '../../src/stores/embedded/route-store.js';
import { killAfterAcks } from '../helpers/kill-writer.js';
import { REPO } from '../helpers/paths.js';
import { configOf, route } from '../unit/routing/helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function newDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'route-store-'));
  dirs.push(d);
  return path.join(d, 'data');
}

async function open(dir: string, extra: Partial<EmbeddedRouteStoreOptions> = {}) {
  const lines: string[] = [];
  const store = await openEmbeddedRouteStore({ dir, name: 'routing_db', maxAgeOnBootSeconds: 86400, log: (l, m) => lines.push(`${l}: ${m}`), compactEveryMs: 0, ...extra });
  return { store, lines };
}

const patterns = (routes: readonly Route[]) => routes.map((r) => `${r.pattern}>${r.nextHop}`).sort();

test('the directives name the files: Cisco_Routing_Rendezvous_Directory / _Name, Max_DB_Age_on_Boot', () => {
  const c = configOf(['ServerRoot /srv/sps', 'Cisco_Routing_Rendezvous_Name routes_a', 'Cisco_Routing_Rendezvous_Directory db', 'Cisco_Routing_Max_DB_Age_on_Boot 600']);
  const o = routeStoreOptions(c, () => undefined);
  assert.equal(o.name, 'routes_a');
  assert.equal(o.maxAgeOnBootSeconds, 600);
  assert.ok(o.dir.endsWith(`${path.sep}db`) && path.isAbsolute(o.dir), o.dir);
  const d = routeStoreOptions(configOf(), () => undefined);
  assert.equal(d.name, 'routing_db');
  assert.ok(d.dir.endsWith(`${path.sep}data`), d.dir);
});

test('restart: puts, removes and a replace come back as they were', async () => {
  const dir = newDir();
  let { store } = await open(dir);
  await store.put([route('1408.......', { nextHop: 'sj.example.com' }), route('1*', { nextHop: 'us.example.com', label: 'national' })]);
  await store.put([route('.com.ibm.*', { type: 'ip', nextHop: 'proxy-1.isp.com', port: 0 })]);
  assert.equal(await store.remove([routeKey(route('1*', { nextHop: 'us.example.com' })), 'phone|nope|x|1']), 1);
  await store.close();
  ({ store } = await open(dir));
  assert.deepEqual(patterns(store.all()), ['.com.ibm.*>proxy-1.isp.com', '1408.......>sj.example.com']);
  assert.equal(store.match('ip', 'us.ibm.com')[0][0].nextHop, 'proxy-1.isp.com');
  await store.replaceAll([route('9*', { nextHop: 'pstn.example.com' }), route('\\*69', { nextHop: 'feature.example.com' })]);
  await store.put([route('911', { nextHop: 'psap.example.com', priority: 0 })]);
  await store.close();
  ({ store } = await open(dir));
  assert.deepEqual(patterns(store.all()), ['9*>pstn.example.com', '911>psap.example.com', '\\*69>feature.example.com']);
  assert.deepEqual(
    store.match('phone', '911').map((g) => g[0].pattern),
    ['911', '9*'],
  );
  await store.close();
});

test('a bad route refuses the whole batch, saying which route and why', async () => {
  const dir = newDir();
  const { store } = await open(dir);
  await assert.rejects(store.put([route('1*'), { ...route('2*'), pattern: '21091878[1-8]' }]), /route 2 of 2: .*\[1-8\] are not supported/);
  assert.equal(store.size(), 0);
  await assert.rejects(store.replaceAll([{ ...route('3*'), weight: 70000 }]), /weight must be a whole number from 0 to 65535/);
  await store.close();
});

test('kill -9 during a stream of batches: every acknowledged batch is there after restart, and no batch is half there', async () => {
  const dir = newDir();
  const acked = await killAfterAcks(path.join(REPO, 'dist', 'test', 'integration', 'route-store-child.js'), [dir, '1000000'], 600);

  const { store, lines } = await open(dir);
  const count = new Map<string, number>();
  for (const r of store.all()) count.set(r.label, (count.get(r.label) ?? 0) + 1);
  const missing = acked.filter((i) => count.get(`batch ${i}`) !== 5);
  assert.deepEqual(missing, [], `acknowledged but lost after kill -9 (log: ${lines.join(' | ')})`);
  const partial = [...count].filter(([, n]) => n !== 5);
  assert.deepEqual(partial, [], 'a batch is there whole or not at all');
  assert.ok(lines.some((l) => /route snapshot .* loaded \(generation \d+\)/.test(l)), lines.join('\n'));
  const i = acked[acked.length - 1];
  assert.deepEqual(store.match('phone', `${i}3555`)[0].map((r) => r.priority), [3]);
  await store.close();
});

test('a torn last journal record is ignored with a warning; a damaged one in the middle is skipped', async () => {
  const dir = newDir();
  let { store } = await open(dir);
  for (let i = 0; i < 5; i++) await store.put([route(`${i}*`, { nextHop: `gw${i}.example.com` })]);
  await store.close();
  const journal = path.join(dir, 'routing_db.journal');
  const good = readFileSync(journal, 'utf8');
  assert.equal(good.split('\n').length, 6, 'one line per batch');
  appendFileSync(journal, good.split('\n')[0].slice(0, 40));
  let r = await open(dir);
  assert.ok(r.lines.some((l) => /^warn: route journal .*incomplete record/.test(l)), r.lines.join('\n'));
  assert.equal(r.store.size(), 5);
  // The torn tail was cleaned up: later writes are not glued to it.
  await r.store.put([route('77*')]);
  await r.store.close();
  r = await open(dir);
  assert.equal(r.store.size(), 6);
  await r.store.put([route('81*')]);
  await r.store.put([route('82*')]);
  await r.store.close();
  const text = readFileSync(journal, 'utf8').split('\n');
  const i81 = text.findIndex((l) => l.includes('"81*"'));
  text[i81] = text[i81].replace('81*', '83*');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(journal, text.join('\n'));
  r = await open(dir);
  assert.ok(r.lines.some((l) => /^warn: route journal .*damaged record/.test(l)), r.lines.join('\n'));
  assert.equal(r.store.match('phone', '82').length, 1);
  assert.equal(r.store.match('phone', '81').length, 0);
  assert.equal(r.store.match('phone', '83').length, 0);
  await r.store.close();
});

test('journal lines from before a snapshot are not replayed on it (crash between rename and truncate)', async () => {
  const dir = newDir();
  const journal = path.join(dir, 'routing_db.journal');
  let { store } = await open(dir);
  await store.put([route('555*', { nextHop: 'old.example.com' })]);
  copyFileSync(journal, `${journal}.saved`);
  await store.remove([routeKey(route('555*', { nextHop: 'old.example.com' }))]);
  await store.compact();
  assert.equal(store.journalSize, 0);
  await store.close();
  // As if the crash came after the new snapshot's rename, before the journal was emptied.
  copyFileSync(`${journal}.saved`, journal);
  let r = await open(dir);
  assert.equal(r.store.match('phone', '5551').length, 0, 'a removed route came back from a stale journal line');
  assert.ok(r.lines.some((l) => /1 record from before the last snapshot ignored/.test(l)), r.lines.join('\n'));
  // The same after replaceAll, which is written as a snapshot.
  await r.store.put([route('666*')]);
  copyFileSync(journal, `${journal}.saved`);
  await r.store.replaceAll([route('777*')]);
  await r.store.close();
  copyFileSync(`${journal}.saved`, journal);
  r = await open(dir);
  assert.deepEqual(patterns(r.store.all()), ['777*>gw.example.com']);
  await r.store.close();
});

test('a bulk put is written as one snapshot, not a huge journal line', async () => {
  const dir = newDir();
  const { store } = await open(dir, { bulkPut: 100 });
  const gen = store.generation;
  await store.put(Array.from({ length: 500 }, (_, i) => route(`4${String(i).padStart(3, '0')}*`)));
  assert.equal(store.generation, gen + 1);
  assert.equal(store.journalSize, 0);
  await store.close();
  const r = await open(dir);
  assert.equal(r.store.size(), 500);
  assert.equal(r.store.match('phone', '4123999')[0][0].pattern, '4123*');
  await r.store.close();
});

test('changes queued while a snapshot is being written are journaled in the new generation', async () => {
  const dir = newDir();
  const { store } = await open(dir);
  await store.put([route('1*')]);
  const gen = store.generation;
  // Not awaited one by one: the put behind the snapshot must not be written with the old
  // generation (it would then be ignored at the next load as already in the snapshot).
  const writes = [store.put([route('2*')]), store.compact(), store.put([route('3*')]), store.remove([routeKey(route('1*'))])];
  await Promise.all(writes);
  assert.equal(store.generation, gen + 1);
  assert.ok(store.journalSize > 0, 'the later changes are in the journal');
  await store.close();
  const r = await open(dir);
  assert.deepEqual(patterns(r.store.all()).map((p) => p.split('>')[0]), ['2*', '3*']);
  await r.store.close();
});

test('Cisco_Routing_Max_DB_Age_on_Boot: a database last written longer ago is deleted and logged', async () => {
  const dir = newDir();
  const { store } = await open(dir);
  await store.put([route('1*')]);
  await store.close();
  const old = new Date(Date.now() - 7200_000);
  const files = ['routing_db.snapshot', 'routing_db.journal'].map((f) => path.join(dir, f));
  for (const f of files) utimesSync(f, old, old);
  let r = await open(dir, { maxAgeOnBootSeconds: 10800 });
  assert.equal(r.store.size(), 1, 'younger than the limit: kept');
  await r.store.close();
  for (const f of files) utimesSync(f, old, old);
  r = await open(dir, { maxAgeOnBootSeconds: 3600 });
  assert.equal(r.store.size(), 0);
  assert.ok(r.lines.some((l) => /^warn: route database .*Cisco_Routing_Max_DB_Age_on_Boot \(3600 s\): deleted/.test(l)), r.lines.join('\n'));
  assert.ok(statSync(files[0]).mtimeMs > old.getTime(), 'a fresh, empty database replaces it');
  assert.ok(!existsSync(`${files[0]}.tmp`));
  await r.store.close();
});
