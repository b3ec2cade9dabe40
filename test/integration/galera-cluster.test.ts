// The Galera test cluster itself (test/helpers/galera.ts): three nodes on 127.0.0.1 form
// one primary component; a row written on node 1 is read on node 3 with wsrep_sync_wait
// (read-after-write across nodes); a stopped node leaves (size 2), the others keep
// taking writes, and on restart it rejoins and has the rows written while it was away.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGaleraCluster } from '../helpers/galera.js';
import type { GaleraCluster } from '../helpers/galera.js';

let cluster: GaleraCluster | undefined;

before(async () => {
  cluster = await startGaleraCluster(3);
});

after(async () => {
  await cluster?.remove();
});

/** The rows of the last statement of a multi-statement call. */
const rowsOf = (x: unknown) => (x as unknown[]).at(-1) as Record<string, unknown>[];

test('three nodes form one primary component, all Synced', async () => {
  const c = cluster!;
  for (const n of c.nodes) {
    const s = await n.status();
    assert.deepEqual(s, { state: 'Synced', size: 3, primary: true }, `node${n.index + 1}`);
  }
});

test('a row written on node 1 is read on node 3 (wsrep_sync_wait)', async () => {
  const [n1, , n3] = cluster!.nodes;
  await n1.db.sql('CREATE DATABASE IF NOT EXISTS t; CREATE TABLE t.kv (k VARCHAR(32) PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB');
  await n1.db.sql("INSERT INTO t.kv VALUES ('a', 42)");
  const rows = rowsOf(await n3.db.sql("SET SESSION wsrep_sync_wait = 1; SELECT v FROM t.kv WHERE k = 'a'"));
  assert.deepEqual(rows.map((r) => r.v), [42]);
});

test('a stopped node leaves, the others keep writing, and it rejoins with their rows', async () => {
  const c = cluster!;
  const [n1, n2] = c.nodes;
  await c.stopNode(1);
  await c.waitSynced(2);
  await n1.db.sql("INSERT INTO t.kv VALUES ('while-away', 7)");
  await c.startNode(1);
  await c.waitSynced(3);
  const rows = rowsOf(await n2.db.sql("SET SESSION wsrep_sync_wait = 1; SELECT v FROM t.kv WHERE k = 'while-away'"));
  assert.deepEqual(rows.map((r) => r.v), [7]);
  const s = await n2.status();
  assert.deepEqual(s, { state: 'Synced', size: 3, primary: true });
});
