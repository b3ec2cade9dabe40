// The farm route store (src/stores/mysql/route-store.ts) on the 3-node Galera test
// cluster (test/helpers/galera.ts), one cluster for the file.
//
// Member A works through node 1 (node 2 as its secondary), member B through node 3. A
// route put through A is matched by B (the delay is printed, not asserted), a removal
// reaches B, a replaceAll of 20,000 routes is seen by B all at once (B is polled during
// the switch and every answer must be all-old or all-new), a put bigger than one
// transaction goes the same way, a member that opens later has every route, bad routes
// are refused before anything is written, puts racing a replaceAll leave every member
// and the database agreeing, of two replaceAlls at once one wins whole, and sipd.conf
// picks this store for a farm.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { installMySqlDb } from '../../src/cli/install-mysql-db.js';
import { EmbeddedRouteStore } from '../../src/stores/embedded/route-store.js';
import { connectDb } from '../../src/server/db-backend.js';
import { openRouteStore } from '../../src/stores/open.js';
import type { Route } from '../../src/stores/route-store.js';
import { routeKey } from '../../src/stores/route-store.js';
import { MySqlPool } from '../../src/stores/mysql/pool.js';
import { MySqlRouteStore, openMySqlRouteStore } from '../../src/stores/mysql/route-store.js';
import type { MySqlRouteStoreOptions } from '../../src/stores/mysql/route-store.js';
import { sleep, waitFor } from '../helpers/index.js';
import { startGaleraCluster, withFarmMemberConfig } from '../helpers/galera.js';
import type { GaleraCluster } from '../helpers/galera.js';

let cluster: GaleraCluster | undefined;
const pools: MySqlPool[] = [];
const stores: MySqlRouteStore[] = [];
const messages: string[] = [];
const log = (level: string, text: string) => void messages.push(`${level}: ${text}`);
let a: MySqlRouteStore;
let b: MySqlRouteStore;

// DB_MySQL_Connect_Timeout of 10 s: every call's deadline (a Galera commit on a loaded
// 2-core machine can take seconds).
function poolOn(nodes: number[]): MySqlPool {
  const [p, s] = nodes.map((i) => ({ host: '127.0.0.1', port: cluster!.nodes[i].db.port }));
  const pool = new MySqlPool({ primary: p, ...(s && { secondary: s }), user: 'sps', password: 'spspw', database: 'sip', timeoutMs: 10_000, retryMs: 200, log });
  pools.push(pool);
  return pool;
}

async function member(name: string, nodes: number[], extra: Partial<MySqlRouteStoreOptions> = {}): Promise<MySqlRouteStore> {
  const s = await openMySqlRouteStore({ pool: poolOn(nodes), database: 'sip', member: name, log, pollMs: 100, ...extra });
  stores.push(s);
  return s;
}

function route(pattern: string, nextHop: string, label = ''): Route {
  return { pattern, type: 'phone', nextHop, port: 5060, transport: 'UDP', priority: 1, weight: 1, techPrefix: '', techPrefixAction: 'include', allowLessSpecific: false, block: false, inService: true, label };
}

/** `n` routes 555xxxxx from `from` on, to `hop`, labelled `label`. */
function table(from: number, n: number, hop: string, label: string): Route[] {
  return Array.from({ length: n }, (_, i) => route(String(55_500_000 + from + i), hop, label));
}

const keysOf = (s: MySqlRouteStore) => [...s.each()].map(routeKey).sort();

async function count(sql: string): Promise<number> {
  const rows = (await cluster!.nodes[2].db.sql(`SET SESSION wsrep_sync_wait = 1; ${sql}`)) as unknown[];
  return Number(Object.values((rows.at(-1) as Record<string, unknown>[])[0])[0]);
}

before(async () => {
  cluster = await startGaleraCluster(3);
  await installMySqlDb({ server: { host: '127.0.0.1', port: cluster.nodes[0].db.port }, adminUser: 'root', adminPassword: '', database: 'sip', table: 'subscriber', account: { user: 'sps', password: 'spspw' }, timeoutMs: 10_000 });
  // The account and tables were made through node 1; the members log in on all three.
  await cluster.caughtUp();
  a = await member('a', [0, 1]);
  b = await member('b', [2]);
});

after(async () => {
  for (const s of stores) await s.close();
  for (const p of pools) await p.close();
  await cluster?.remove();
});

describe('the farm route store', () => {
  test('a route put through member A is matched by member B; the delay is printed; a removal reaches B', async (t) => {
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = route(`1408555${i}...`, `gw${i}.farm.test`, 'first');
      const written = Date.now();
      await a.put([r]);
      assert.deepEqual(a.match('phone', `1408555${i}123`)[0]?.map((x) => x.nextHop), [`gw${i}.farm.test`], 'the writer matches at once');
      const seen = await waitFor(`route ${i} in member B`, () => b.match('phone', `1408555${i}123`)[0], 10_000, 5);
      delays.push(Date.now() - written);
      assert.deepEqual(seen, [r]);
    }
    t.diagnostic(`route propagation A -> B (ms, commit included): ${delays.join(', ')}`);
    assert.equal(await a.remove([routeKey(route('14085550...', 'gw0.farm.test')), 'phone|nothing|x|1']), 1);
    await waitFor('the removal in member B', () => b.match('phone', '14085550123').length === 0, 10_000, 5);
    assert.equal(b.size(), 4);
  });

  test('replaceAll of 20,000 routes: member B serves all-old or all-new, never a mix', async (t) => {
    const n = 20_000;
    await a.replaceAll(table(0, n, 'old.farm.test', 'old'));
    await waitFor('the old table in member B', () => b.size() === n && [...b.each()].every((r) => r.label === 'old'), 30_000, 20);
    const seen = { old: 0, new: 0, mixed: [] as string[] };
    let done = false;
    const watch = (async () => {
      while (!done) {
        let old = 0;
        let fresh = 0;
        for (const r of b.each()) {
          if (r.label === 'old') old++;
          else if (r.label === 'new') fresh++;
        }
        // Sample lookups too: a key only the old table has, one only the new one has.
        const hopOld = b.match('phone', '55500000')[0]?.[0]?.nextHop;
        const hopNew = b.match('phone', String(55_500_000 + n / 2 + n - 1))[0]?.[0]?.nextHop;
        if (old === n && fresh === 0 && hopOld === 'old.farm.test' && hopNew === undefined) seen.old++;
        else if (fresh === n && old === 0 && hopOld === undefined && hopNew === 'new.farm.test') seen.new++;
        else if (seen.mixed.length < 5) seen.mixed.push(`old ${old}, new ${fresh}, lookups ${hopOld}/${hopNew}`);
        await sleep(2);
      }
    })();
    const started = Date.now();
    // Half the keys are the old table's, half new: a mix would show in the counts.
    await a.replaceAll(table(n / 2, n, 'new.farm.test', 'new'));
    const written = Date.now() - started;
    assert.ok([...a.each()].every((r) => r.label === 'new') && a.size() === n, 'the writer serves the new table');
    await waitFor('the new table in member B', () => seen.new > 0, 30_000, 20);
    const switched = Date.now() - started;
    await sleep(200);
    done = true;
    await watch;
    t.diagnostic(`replaceAll of ${n}: written in ${written} ms, served by B ${switched} ms after the start; B checked ${seen.old} times old, ${seen.new} times new`);
    assert.deepEqual(seen.mixed, []);
    assert.ok(seen.old > 0, 'B was watched before the switch');
    assert.deepEqual(keysOf(b), keysOf(a));
    // The old generation's rows are deleted after the switch.
    await waitFor('the old generation deleted', async () => (await count(`SELECT COUNT(*) FROM sip.route WHERE gen < ${a.generation}`)) === 0, 30_000, 200);
    assert.equal(await count(`SELECT COUNT(*) FROM sip.route WHERE gen = ${a.generation}`), n);
  });

  test('a put bigger than one transaction is written as a new generation and reaches B whole', async () => {
    const big = await member('big', [1], { bulkPut: 500, chunk: 400 });
    const before = b.size();
    // 1,500 routes: 1,000 over existing keys (same pattern and next hop: relabelled), 500 new ones.
    const routes = table(29_000, 1500, 'new.farm.test', 'bulk');
    await big.put(routes);
    assert.equal(big.size(), before + 500);
    await waitFor('the bulk put in members B and A', () => b.size() === before + 500 && a.size() === before + 500, 30_000, 20);
    assert.equal([...b.each()].filter((r) => r.label === 'bulk').length, 1500);
    assert.deepEqual(keysOf(b), keysOf(big));
  });

  test('a member that opens later has every route', async () => {
    await a.put([route('911', 'psap.farm.test', 'late')]);
    const c = await member('c', [2]);
    assert.deepEqual(keysOf(c), keysOf(a));
    assert.deepEqual(c.match('phone', '911')[0], [route('911', 'psap.farm.test', 'late')]);
    assert.ok(messages.some((m) => /route database: \d+ routes loaded from MySQL \(generation \d+\)/.test(m)));
  });

  test('bad routes are refused before anything is written', async () => {
    await waitFor('member B up to date', () => b.size() === a.size(), 10_000, 20);
    // The bulk put's old generation is deleted in the background: let it finish, so the counts below hold still.
    await waitFor('old generations deleted', async () => (await count(`SELECT COUNT(*) FROM sip.route WHERE gen < ${a.generation}`)) === 0, 30_000, 200);
    const rows = await count('SELECT COUNT(*) FROM sip.route');
    const logs = await count('SELECT COUNT(*) FROM sip.route_log');
    const gen = a.generation;
    const size = a.size();
    const good = route('4155550100', 'good.farm.test', 'bad batch');
    const bad = { ...route('4155550101', 'bad.farm.test'), port: 70000 };
    await assert.rejects(a.put([good, bad]), /route 2 of 2: port must be a whole number/);
    await assert.rejects(a.put([good, { ...good, pattern: '12ab' }]), /route 2 of 2/);
    await assert.rejects(a.replaceAll([good, bad]), /route 2 of 2: port/);
    await assert.rejects(a.put([route(`1${'.'.repeat(60)}`, `${'h'.repeat(60)}.${'x'.repeat(60)}.${'y'.repeat(60)}.${'z'.repeat(60)}.${'w'.repeat(60)}.${'v'.repeat(60)}.${'u'.repeat(60)}.${'t'.repeat(60)}.${'s'.repeat(60)}.${'r'.repeat(60)}.${'q'.repeat(60)}.${'p'.repeat(60)}.farm.test`)]), /too long|nextHop|pattern/);
    assert.equal(await count('SELECT COUNT(*) FROM sip.route'), rows);
    assert.equal(await count('SELECT COUNT(*) FROM sip.route_log'), logs);
    assert.equal(await count('SELECT COUNT(*) FROM sip.route_generation WHERE gen = ' + gen), 1);
    assert.equal(a.size(), size);
    assert.equal(a.match('phone', '4155550100').length, 0);
    await sleep(300);
    assert.equal(b.match('phone', '4155550100').length, 0);
    assert.equal(b.size(), size);
  });

  test('a damaged row is skipped with a warning and does not stop the member', async () => {
    const n1 = cluster!.nodes[0].db;
    const key = 'phone|7777|broken.farm.test|5060';
    await n1.sql(`INSERT INTO sip.route (gen, route_key, data) VALUES (${a.generation}, '${key}', '[not json'); INSERT INTO sip.route_log (gen, route_key, member, at) VALUES (${a.generation}, '${key}', 'x', 0)`);
    await waitFor('a warning about the damaged row', () => messages.some((m) => m.startsWith('warn:') && m.includes('broken.farm.test')), 10_000, 20);
    assert.equal(b.match('phone', '7777').length, 0);
    await a.put([route('7778', 'fine.farm.test')]);
    await waitFor('a later route in member B', () => b.match('phone', '7778').length === 1, 10_000, 5);
    await n1.sql(`DELETE FROM sip.route WHERE route_key = '${key}'`);
  });

  test('sipd.conf: routing farm members named and DB_MySQL On open the shared store (sipd and, with sipd stopped, regroute/pserver); no members, the embedded one', async () => {
    await withFarmMemberConfig(cluster!, async (configOf) => {
      const farm = await openRouteStore(configOf(['Cisco_Routing_Farm_Members "sps1.farm.test sps2.farm.test"']), log);
      try {
        assert.ok(farm instanceof MySqlRouteStore);
        assert.equal(farm.match('phone', '911').length, 1, 'a route member A wrote');
        await farm.put([route('912', 'conf.farm.test')]);
        await waitFor('the route in member A', () => a.match('phone', '912').length === 1, 10_000, 5);
      } finally {
        await farm.close();
      }
      // sysadmin_sps_regroute and pserver with this member's sipd stopped: the shared table,
      // not embedded files that no member reads.
      const backend = await connectDb(configOf(['Cisco_Routing_Farm_Members "sps1.farm.test sps2.farm.test"']), log);
      try {
        assert.match(backend.describe, /farm database/);
        const info = await backend.run({ cmd: 'db', db: 'routing', op: 'info' });
        assert.equal(info.size, a.size());
        const removed = await backend.run({ cmd: 'db', db: 'routing', op: 'remove', keys: [route('912', 'conf.farm.test')] });
        assert.equal(removed.removed, 1, JSON.stringify(removed));
        await waitFor('the route gone from member A', () => a.match('phone', '912').length === 0, 10_000, 5);
      } finally {
        await backend.close();
      }
      const single = await openRouteStore(configOf([]), log);
      try {
        assert.ok(single instanceof EmbeddedRouteStore);
      } finally {
        await single.close();
      }
    });
  });

  test('puts through B during a replaceAll through A: the members and the database agree afterwards', async () => {
    const n = 5000;
    let replaced = false;
    const replacing = a.replaceAll(table(100_000, n, 'swap.farm.test', 'swap')).then(() => (replaced = true));
    const after: string[] = [];
    let i = 0;
    while (!replaced) {
      const r = route(String(66_600_000 + i++), 'during.farm.test', 'during');
      await b.put([r]);
      if (replaced) after.push(routeKey(r));
    }
    await replacing;
    // One put that certainly comes after the replacement: it must be kept.
    const last = route('66699999', 'during.farm.test', 'after');
    await b.put([last]);
    after.push(routeKey(last));
    const rows = (await cluster!.nodes[2].db.sql(
      'SET SESSION wsrep_sync_wait = 1; SELECT route_key AS k FROM sip.route WHERE gen = (SELECT gen FROM sip.route_generation WHERE id = 1) ORDER BY route_key',
    )) as unknown[];
    const inDb = (rows.at(-1) as { k: string }[]).map((r) => r.k).sort();
    await waitFor('members A and B to agree with the database', () => JSON.stringify(keysOf(a)) === JSON.stringify(inDb) && JSON.stringify(keysOf(b)) === JSON.stringify(inDb), 30_000, 50);
    assert.ok(inDb.length >= n && inDb.length <= n + i + 1, `${inDb.length} rows`);
    for (const k of after) assert.ok(inDb.includes(k), `${k}, put after the replacement, is kept`);
    assert.equal(inDb.filter((k) => k.includes('swap.farm.test')).length, n);
  });
  test('two replaceAlls at once: one table wins whole in both members, the other is deleted', async () => {
    const x = table(200_000, 3000, 'x.farm.test', 'x');
    const y = table(201_000, 3000, 'y.farm.test', 'y');
    await Promise.all([a.replaceAll(x), b.replaceAll(y)]);
    const current = async () => {
      const rows = (await cluster!.nodes[2].db.sql('SET SESSION wsrep_sync_wait = 1; SELECT route_key AS k FROM sip.route WHERE gen = (SELECT gen FROM sip.route_generation WHERE id = 1)')) as unknown[];
      return (rows.at(-1) as { k: string }[]).map((r) => r.k).sort();
    };
    const inDb = await current();
    const winner = [x, y].find((t) => JSON.stringify(t.map(routeKey).sort()) === JSON.stringify(inDb));
    assert.ok(winner, `the table in the database is x or y whole (${inDb.length} rows)`);
    await waitFor('both members serving the winner', () => JSON.stringify(keysOf(a)) === JSON.stringify(inDb) && JSON.stringify(keysOf(b)) === JSON.stringify(inDb), 30_000, 50);
    await waitFor('only the current generation left', async () => (await count('SELECT COUNT(*) FROM sip.route WHERE gen <> (SELECT gen FROM sip.route_generation WHERE id = 1)')) === 0, 30_000, 200);
  });
});
