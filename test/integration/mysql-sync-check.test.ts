// mysql_sync_check (the guide's MySQL synchronicity check, for a Galera cluster) run as the
// installed command against the 3-node test cluster, one cluster for the whole file (the
// heaviest thing the suite starts): a healthy cluster passes with every node listed; rows
// written through different nodes are counted equal on all; a wrong password is a
// configuration error; a stopped node fails the check naming it. Then a plain MariaDB
// server: not a Galera node, counts shown, exit 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installMySqlDb } from '../../src/cli/install-mysql-db.js';
import { runTool, showRun } from '../helpers/index.js';
import { startGaleraCluster } from '../helpers/galera.js';
import type { GaleraCluster } from '../helpers/galera.js';
import { startMariaDb } from '../helpers/mariadb.js';
import type { MariaDb } from '../helpers/mariadb.js';

let root: string;

before(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'sync-check-'));
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

let confs = 0;
function conf(host: string, password = 'spspw'): string {
  const f = path.join(root, `sipd-${++confs}.conf`);
  writeFileSync(f, ['DB_MySQL On', `DB_MySQL_HostName ${host}`, 'DB_MySQL_Username sps', `DB_MySQL_Password ${password}`, 'DB_MySQL_Connect_Timeout 10', ''].join('\n'));
  return f;
}

const check = (args: string[]) => runTool('mysql_sync_check', args, { timeoutMs: 120_000 });

interface JsonReport {
  verdict: string;
  galera: boolean;
  problems: string[];
  nodes: { address: string; reachable: boolean; galera: boolean; clusterSize?: number; state?: string; counts: Record<string, number> }[];
}

describe('on a 3-node Galera cluster', () => {
  let cluster: GaleraCluster | undefined;
  let addresses: string[] = [];

  before(async () => {
    cluster = await startGaleraCluster(3);
    const n1 = cluster.nodes[0].db;
    await installMySqlDb({ server: { host: '127.0.0.1', port: n1.port }, adminUser: 'root', adminPassword: '', database: 'sip', table: 'subscriber', account: { user: 'sps', password: 'spspw' }, timeoutMs: 10_000 });
    await cluster.caughtUp();
    addresses = cluster.nodes.map((n) => n.db.address);
  });

  after(async () => {
    await cluster?.remove();
  });

  test('a healthy cluster: exit 0, every node listed Primary and Synced (found through wsrep_incoming_addresses)', async () => {
    const r = await check(['-f', conf(addresses[0])]);
    assert.equal(r.code, 0, showRun(r));
    for (const a of addresses) assert.match(r.stdout, new RegExp(`^${a.replace(/\./g, '\\.')}: Primary, Synced, cluster size 3, wsrep_ready ON`, 'm'), showRun(r));
    assert.match(r.stdout, /^OK: 3 nodes reachable, Primary and Synced, cluster size 3, row counts equal$/m, showRun(r));
    assert.doesNotMatch(r.stdout, /PROBLEM/, showRun(r));

    const quiet = await check(['-f', conf(addresses[0]), '--quiet']);
    assert.equal(quiet.code, 0, showRun(quiet));
    assert.equal(quiet.stdout + quiet.stderr, '', 'cron mails any output: nothing when all is well');
  });

  test('rows written through different nodes are counted equal on every node', async () => {
    const [n1, n2, n3] = cluster!.nodes.map((n) => n.db);
    await n2.sql("INSERT INTO sip.subscriber (user_id, domain) VALUES ('1000', ''), ('1001', '')");
    await n3.sql("INSERT INTO sip.subscriber (user_id, domain) VALUES ('1002', '')");
    await n1.sql("INSERT INTO sip.location (aor, dynamic, statics, member, updated) VALUES ('sip:a@x', '[]', '[]', 'm1', 1)");
    await n3.sql("INSERT INTO sip.location_log (aor, member, at) VALUES ('sip:a@x', 'm3', 1), ('sip:a@x', 'm3', 2)");
    const r = await check(['-f', conf(addresses[1]), '--json']);
    assert.equal(r.code, 0, showRun(r));
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.verdict, 'ok');
    assert.equal(report.galera, true);
    assert.deepEqual(report.nodes.map((n) => n.address).sort(), [...addresses].sort());
    for (const n of report.nodes) {
      assert.deepEqual({ subscriber: n.counts.subscriber, location: n.counts.location, location_log: n.counts.location_log }, { subscriber: 3, location: 1, location_log: 2 }, n.address);
    }
    const text = await check(['-f', conf(addresses[2])]);
    assert.equal(text.code, 0, showRun(text));
    assert.equal(text.stdout.match(/^ {2}rows: subscriber 3, location 1, location_log 2, route 0, route_generation \d+, route_log 0, farm_member 0, farm_config 0, farm_config_outcome 0, schema_version \d+$/gm)?.length, 3, showRun(text));
  });

  test('a wrong password: exit 2 with the reason, naming the first node', async () => {
    const r = await check(['-f', conf(addresses[0], 'not-the-password')]);
    assert.equal(r.code, 2, showRun(r));
    assert.match(r.stderr, new RegExp(`cannot read the first node ${addresses[0].replace(/\./g, '\\.')}: .*Access denied`), showRun(r));
    assert.equal(r.stdout, '', showRun(r));
  });

  test('a stopped node: exit 1 naming it (named with --node, or missed by --expect-size)', async () => {
    const c = cluster!;
    await c.stopNode(2);
    await c.waitSynced(2);
    const named = await check(['-f', conf(addresses[0]), ...addresses.flatMap((a) => ['--node', a])]);
    assert.equal(named.code, 1, showRun(named));
    assert.match(named.stdout, new RegExp(`^PROBLEM: ${addresses[2].replace(/\./g, '\\.')}: unreachable: `, 'm'), showRun(named));
    assert.equal(named.stdout.match(/^PROBLEM: /gm)?.length, 1, `only the stopped node is a problem\n${showRun(named)}`);
    assert.doesNotMatch(named.stdout, /^OK:/m, showRun(named));

    const quiet = await check(['-f', conf(addresses[0]), '--expect-size', '3', '--quiet']);
    assert.equal(quiet.code, 1, showRun(quiet));
    const lines = quiet.stdout.trim().split('\n');
    assert.deepEqual(lines, addresses.slice(0, 2).map((a) => `PROBLEM: ${a}: cluster size 2, expected 3`), showRun(quiet));
  });
});

describe('on plain MariaDB (no Galera)', () => {
  let db: MariaDb | undefined;

  before(async () => {
    db = await startMariaDb();
    await installMySqlDb({ server: { host: '127.0.0.1', port: db.port }, adminUser: 'root', adminPassword: '', database: 'sip', table: 'subscriber', account: { user: 'sps', password: 'spspw' }, timeoutMs: 10_000 });
    await db.sql("INSERT INTO sip.subscriber (user_id, domain) VALUES ('2000', '')");
  });

  after(async () => {
    await db?.remove();
  });

  test('says it is not a Galera node, shows the counts and exits 0', async () => {
    const r = await check(['-f', conf(db!.address)]);
    assert.equal(r.code, 0, showRun(r));
    assert.match(r.stdout, new RegExp(`^${db!.address.replace(/\./g, '\\.')}: not a Galera node`, 'm'), showRun(r));
    assert.match(r.stdout, /^ {2}rows: subscriber 1, location 0, location_log 0, route 0, route_generation \d+, route_log 0, farm_member 0, farm_config 0, farm_config_outcome 0, schema_version \d+$/m, showRun(r));
    assert.match(r.stdout, /^OK: .* is not a Galera node: there is no cluster to check/m, showRun(r));
  });
});
