// The Galera test cluster (test/helpers/galera.ts) and the farm location store on it
// (src/stores/mysql/location-store.ts). One cluster serves the whole file: a 3-node
// cluster is the heaviest thing the suite starts, and two at once on a loaded 2-core
// machine made state transfers crawl and their ports collide.
//
// The cluster: three nodes on 127.0.0.1 form one primary component; a row written on
// node 1 is read on node 3 with wsrep_sync_wait (read-after-write across nodes); a stopped
// node leaves (size 2), the others keep taking writes, and on restart it rejoins and has
// the rows written while it was away.
//
// The store: member A works through node 1 (node 2 as its secondary), member B through
// node 3. A binding written through A is seen by B (the delay is printed, not asserted),
// static bindings go the other way, expiry is by time in every member's memory and the
// row is deleted once (by its writer), a restarted member loads everything at open, a
// damaged row is skipped with a warning, and stopping A's database node loses nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { installMySqlDb } from '../../src/cli/install-mysql-db.js';
import { EmbeddedLocationStore } from '../../src/stores/embedded/location-store.js';
import { openLocationStore } from '../../src/stores/open.js';
import type { Binding } from '../../src/stores/location-store.js';
import { MySqlPool } from '../../src/stores/mysql/pool.js';
import { MySqlLocationStore as MySqlLocationStoreClass, openMySqlLocationStore } from '../../src/stores/mysql/location-store.js';
import type { MySqlLocationStore } from '../../src/stores/mysql/location-store.js';
import { waitFor, sleep } from '../helpers/index.js';
import { startGaleraCluster, withFarmMemberConfig } from '../helpers/galera.js';
import type { GaleraCluster } from '../helpers/galera.js';

let cluster: GaleraCluster | undefined;

before(async () => {
  cluster = await startGaleraCluster(3);
});

after(async () => {
  await cluster?.remove();
});

describe('the test cluster', () => {
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
});

describe('the farm location store', () => {
  const pools: MySqlPool[] = [];
  const stores: MySqlLocationStore[] = [];
  const messages: string[] = [];
  let a: MySqlLocationStore;
  let b: MySqlLocationStore;

  const log = (level: string, text: string) => void messages.push(`${level}: ${text}`);

  // DB_MySQL_Connect_Timeout of 10 s: every call's deadline, which a Galera commit on a
  // loaded 2-core machine running other tests can come near at 3 s.
  function poolOn(nodes: number[]): MySqlPool {
    const [p, s] = nodes.map((i) => ({ host: '127.0.0.1', port: cluster!.nodes[i].db.port }));
    const pool = new MySqlPool({ primary: p, ...(s && { secondary: s }), user: 'sps', password: 'spspw', database: 'sip', timeoutMs: 10_000, retryMs: 200, log });
    pools.push(pool);
    return pool;
  }

  async function member(name: string, nodes: number[]): Promise<MySqlLocationStore> {
    const s = await openMySqlLocationStore({ pool: poolOn(nodes), database: 'sip', member: name, log, pollMs: 100 });
    stores.push(s);
    return s;
  }

  function binding(aor: string, contact: string, expiresAt: number): Binding {
    return { aor, contact, q: 1, expiresAt, callId: `c-${contact}`, cseq: 1, static: false, updatedAt: Date.now(), received: { transport: 'udp', address: '127.0.0.1', port: 5070 } };
  }

  before(async () => {
    // The cluster tests above leave all three nodes running; this says so if one did not.
    await cluster!.waitSynced(3);
    const n1 = cluster!.nodes[0].db;
    await installMySqlDb({ server: { host: '127.0.0.1', port: n1.port }, adminUser: 'root', adminPassword: '', database: 'sip', table: 'subscriber', account: { user: 'sps', password: 'spspw' }, timeoutMs: 10_000 });
    // The account and tables were made through node 1; the members log in on all three.
    await cluster!.caughtUp();
    a = await member('a', [0, 1]);
    b = await member('b', [2]);
  });

  after(async () => {
    for (const s of stores) await s.close();
    for (const p of pools) await p.close();
  });

  test('install_mysql_db made Galera-safe tables: InnoDB with a primary key each', async () => {
    const rows = (await cluster!.nodes[2].db.sql(
      "SELECT t.TABLE_NAME AS name, t.ENGINE AS engine, (SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY') AS pk FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = 'sip' ORDER BY t.TABLE_NAME",
    )) as { name: string; engine: string; pk: number }[];
    assert.deepEqual(rows.map((r) => r.name), ['farm_config', 'farm_config_head', 'farm_config_outcome', 'farm_member', 'location', 'location_log', 'route', 'route_generation', 'route_log', 'schema_version', 'subscriber']);
    for (const r of rows) assert.deepEqual([r.name, r.engine, Number(r.pk)], [r.name, 'InnoDB', 1]);
  });

  test('a binding written through member A is seen by member B; the delay is printed', async (t) => {
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const aor = `100${i}@farm.test`;
      const written = Date.now();
      await a.put(aor, [binding(aor, `sip:100${i}@10.0.0.${i + 1}:5060`, Date.now() + 3_600_000)]);
      const seen = await waitFor(`${aor} in member B`, () => b.get(aor)[0], 10_000, 5);
      delays.push(Date.now() - written);
      assert.equal(seen.contact, `sip:100${i}@10.0.0.${i + 1}:5060`);
      assert.deepEqual(seen.received, { transport: 'udp', address: '127.0.0.1', port: 5070 });
    }
    t.diagnostic(`propagation A -> B (ms, commit included): ${delays.join(', ')}`);
    // The GUI's registry search in member B covers what it follows (the shared in-memory table's sorted views).
    const page = b.search({ filter: { field: 'aor', op: 'starts', text: '100' }, sort: 'aor', limit: 10, desc: false }, Date.now());
    assert.deepEqual(page.rows.map((x) => x.aor), ['1000@farm.test', '1001@farm.test', '1002@farm.test', '1003@farm.test', '1004@farm.test']);
    await a.removeAll('1000@farm.test');
    await waitFor('1000@farm.test gone from member B', () => b.get('1000@farm.test').length === 0, 10_000, 5);
    assert.equal(a.get('1000@farm.test').length, 0);
  });

  test('a static binding set through B reaches A, and its removal too', async () => {
    const aor = 'gw@farm.test';
    await b.setStatic(aor, { ...binding(aor, 'sip:gw.farm.test', 0), static: true });
    const got = await waitFor('static binding in member A', () => a.get(aor)[0], 10_000, 5);
    assert.deepEqual([got.static, got.expiresAt], [true, Infinity]);
    assert.equal(await b.removeStatic(aor, 'sip:nothing'), false);
    assert.equal(await b.removeStatic(aor, 'sip:gw.farm.test'), true);
    await waitFor('static binding gone from member A', () => a.get(aor).length === 0, 10_000, 5);
  });

  test('expiry: every member drops the binding by time; only its writer deletes the row', async () => {
    const aor = 'short@farm.test';
    const expires = Date.now() + 1500;
    await a.put(aor, [binding(aor, 'sip:short@10.0.1.1', expires)]);
    await waitFor('short binding in member B', () => b.get(aor).length === 1, 10_000, 5);
    await waitFor('the binding to expire', () => Date.now() > expires, 5_000, 20);
    assert.ok(b.purgeExpired(Date.now()) >= 1);
    assert.ok(a.purgeExpired(Date.now()) >= 1);
    assert.equal(b.get(aor).length, 0);
    const count = async () => Number(((await cluster!.nodes[2].db.sql('SELECT COUNT(*) AS n FROM sip.location WHERE aor = ?', [aor])) as { n: number }[])[0].n);
    assert.equal(await b.sweep(), 0, 'B leaves the row A wrote');
    assert.equal(await count(), 1);
    assert.ok((await a.sweep()) >= 1, 'A deletes its own expired row');
    await waitFor('the row gone on node 3', async () => (await count()) === 0, 10_000, 50);
  });

  test('a damaged row is skipped with a warning and does not stop the member', async () => {
    const n1 = cluster!.nodes[0].db;
    await n1.sql("INSERT INTO sip.location (aor, dynamic, statics, expires_at, member, updated) VALUES ('bad@farm.test', '{not json', '[]', NULL, 'x', 0); INSERT INTO sip.location_log (aor, member, at) VALUES ('bad@farm.test', 'x', 0)");
    await waitFor('a warning about the damaged row', () => messages.some((m) => m.startsWith('warn:') && m.includes('bad@farm.test')), 10_000, 20);
    assert.equal(b.get('bad@farm.test').length, 0);
    const aor = 'after-bad@farm.test';
    await a.put(aor, [binding(aor, 'sip:ok@10.0.2.1', Date.now() + 3_600_000)]);
    await waitFor('a later binding in member B', () => b.get(aor).length === 1, 10_000, 5);
  });

  test('a change whose log id is lower than one already seen (a late commit) is still picked up', async () => {
    const n1 = cluster!.nodes[0].db;
    const max = Number(((await n1.sql('SELECT COALESCE(MAX(id), 0) AS m FROM sip.location_log')) as { m: number }[])[0].m);
    const row = (aor: string) => `INSERT INTO sip.location (aor, dynamic, statics, expires_at, member, updated) VALUES ('${aor}', '[]', '[{"contact":"sip:${aor}","q":1,"expiresAt":null,"callId":"x","cseq":1,"updatedAt":0}]', NULL, 'x', 0)`;
    await n1.sql(`${row('early@farm.test')}; INSERT INTO sip.location_log (id, aor, member, at) VALUES (${max + 1000}, 'early@farm.test', 'x', 0)`);
    await waitFor('the higher id in member B', () => b.get('early@farm.test').length === 1, 10_000, 5);
    await n1.sql(`${row('late@farm.test')}; INSERT INTO sip.location_log (id, aor, member, at) VALUES (${max + 500}, 'late@farm.test', 'x', 0)`);
    const got = await waitFor('the lower, later id in member B', () => b.get('late@farm.test')[0], 10_000, 5);
    assert.equal(got.static, true);
  });

  test('a restarted member has every binding as soon as it opens', async () => {
    const many = 2000;
    // Four writes at a time: as many as the pool has connections to a server.
    for (let i = 0; i < many; i += 4) {
      await Promise.all([0, 1, 2, 3].map((k) => {
        const aor = `bulk${i + k}@farm.test`;
        return a.put(aor, [binding(aor, `sip:bulk${i + k}@10.1.0.1`, Date.now() + 3_600_000)]);
      }));
    }
    // C reads through node 3, not the node A wrote to: the load must not miss what node 3
    // has not applied yet.
    const c = await member('c', [2]);
    const now = Date.now();
    const active = (s: MySqlLocationStore) => new Set([...s.entries()].filter(([, list]) => list.some((x) => x.static || x.expiresAt > now)).map(([aor]) => aor));
    const inA = active(a);
    const inC = active(c);
    const missing = [...inA].filter((x) => !inC.has(x));
    const extra = [...inC].filter((x) => !inA.has(x));
    assert.deepEqual({ missing: missing.slice(0, 10), extra: extra.slice(0, 10) }, { missing: [], extra: [] });
    for (let i = 0; i < many; i++) assert.equal(c.get(`bulk${i}@farm.test`).length, 1, `bulk${i}`);
    assert.equal(c.activeCount(now), a.activeCount(now));
    assert.ok(messages.some((m) => /registry: \d+ bindings of \d+ AORs loaded/.test(m)));
  });

  test('sipd.conf: farm members named and DB_MySQL On open the shared store; no members, the embedded one', async () => {
    await withFarmMemberConfig(cluster!, async (configOf) => {
      const farm = await openLocationStore(configOf(['Cisco_Registry_Farm_Members "sps1.farm.test sps2.farm.test"']), log);
      try {
        assert.ok(farm instanceof MySqlLocationStoreClass);
        assert.equal(farm.get('1001@farm.test').length, 1, 'a binding member A wrote');
        const aor = 'from-conf@farm.test';
        await farm.put(aor, [binding(aor, 'sip:conf@10.0.4.1', Date.now() + 3_600_000)]);
        await waitFor('the binding in member A', () => a.get(aor).length === 1, 10_000, 5);
        const rows = (await cluster!.nodes[2].db.sql('SELECT member FROM sip.location WHERE aor = ?', [aor])) as { member: string }[];
        assert.deepEqual(rows.map((r) => r.member), ['sps3.farm.test']);
      } finally {
        await farm.close();
      }
      const single = await openLocationStore(configOf([]), log);
      try {
        assert.ok(single instanceof EmbeddedLocationStore);
      } finally {
        await single.close();
      }
    });
  });

  test('stopping member A\'s database node loses nothing: A fails over, B still follows', async () => {
    const c = cluster!;
    await c.stopNode(0);
    const aor = 'during-outage@farm.test';
    await waitFor(
      'a write through member A while node 1 is down',
      () => a.put(aor, [binding(aor, 'sip:out@10.0.3.1', Date.now() + 3_600_000)]).then(() => true, () => false),
      60_000, // several 10 s call deadlines
      200,
    );
    await waitFor('the binding in member B', () => b.get(aor).length === 1, 10_000, 5);
    assert.equal(b.get('1001@farm.test').length, 1, 'earlier bindings kept');
    await c.startNode(0);
    await c.waitSynced(3);
    const rows = (await c.nodes[0].db.sql('SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) AS n FROM sip.location WHERE aor = ?', [aor])) as unknown[];
    assert.equal(Number((rows.at(-1) as { n: number }[])[0].n), 1, 'node 1 has the row written while it was away');
    await sleep(0);
  });
});
