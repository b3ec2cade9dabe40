// Galera replication over TLS, and a farm member set up by sps_setup joining that cluster.
// A 2-node test cluster is started with socket.ssl_ca/cert/key (test CA): it forms, a row
// written on one node is read on the other, and each node reports the TLS options it runs
// with. Then sps_setup, non-interactively from an answers file, sets up a third host as a
// node joining the cluster (galera=join, TLS files, its own ports) and its sipd.conf; a
// MariaDB started with the option file sps_setup wrote joins, is Synced in a cluster of
// 3, and has the data. One cluster for the whole file (the heaviest thing a test starts).
// Last, the first node of a new cluster: sps_setup with galera=bootstrap creates the
// database in a plain MariaDB and writes the option file; that server restarted with the
// file (and --wsrep-new-cluster, what galera_new_cluster adds) is a Primary cluster of one
// holding the database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { installMySqlDb } from '../../src/cli/install-mysql-db.js';
import { optionArgs } from '../../src/cli/sps-setup/galera.js';
import { loadConfigFile } from '../../src/server/config.js';
import { REPO, runTool, showRun, waitFor } from '../helpers/index.js';
import { letRsyncWrite, startGaleraCluster, wsrepStatus } from '../helpers/galera.js';
import type { GaleraCluster } from '../helpers/galera.js';
import { startMariaDb } from '../helpers/mariadb.js';
import type { MariaDb } from '../helpers/mariadb.js';
import { freePort } from '../helpers/ports.js';
import { TestPki } from '../helpers/tls.js';
import type { CertFiles } from '../helpers/tls.js';

let pki: TestPki;
let ca: CertFiles;
let nodeCert: CertFiles;
let cluster: GaleraCluster | undefined;
let joiner: MariaDb | undefined;
let prefix: string;
let bootstrapped: MariaDb | undefined;

before(async () => {
  pki = TestPki.create();
  ca = await pki.ca('galeraca');
  nodeCert = await pki.leaf('node', ca, '127.0.0.1', 'IP:127.0.0.1');
  cluster = await startGaleraCluster(2, { tls: { ca: ca.cert, cert: nodeCert.cert, key: nodeCert.key } });
  prefix = mkdtempSync(path.join(os.tmpdir(), 'galera-tls-setup-'));
});

after(async () => {
  await joiner?.remove();
  await bootstrapped?.remove();
  await cluster?.remove();
  pki?.remove();
  if (prefix) rmSync(prefix, { recursive: true, force: true });
});

/** The rows of the last statement of a multi-statement sql() call. */
function lastRows<T>(result: unknown): T[] {
  const r = result as unknown[];
  return (Array.isArray(r) && Array.isArray(r[r.length - 1]) ? r[r.length - 1] : r) as T[];
}

/** Three consecutive ports free now (group communication, IST, SST of one node). */
async function threeFreePorts(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    if (p + 2 <= 65535 && (await free(p + 1)) && (await free(p + 2))) return p;
  }
  throw new Error('no three consecutive free ports on 127.0.0.1');
}

describe('a Galera cluster with replication over TLS', () => {
  test('forms, replicates, and runs with the TLS options', async () => {
    const [n1, n2] = cluster!.nodes;
    for (const n of [n1, n2]) {
      const s = await n.status();
      assert.deepEqual(s, { state: 'Synced', size: 2, primary: true });
      const rows = (await n.db.sql("SHOW VARIABLES LIKE 'wsrep_provider_options'")) as { Value: string }[];
      const opts = rows[0].Value;
      assert.match(opts, /socket\.ssl = YES/i);
      assert.match(opts, /gmcast\.listen_addr = ssl:\/\/127\.0\.0\.1:\d+/);
      assert.match(opts, new RegExp(`socket\\.ssl_cert = ${nodeCert.cert.replace(/[.]/g, '\\.')}`));
      assert.match(opts, new RegExp(`socket\\.ssl_ca = ${ca.cert.replace(/[.]/g, '\\.')}`));
    }
    await n1.db.sql('CREATE DATABASE tlscheck; CREATE TABLE tlscheck.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO tlscheck.t VALUES (1, ?)', ['over tls']);
    await cluster!.caughtUp();
    const got = lastRows<{ v: string }>(await n2.db.sql('SET SESSION wsrep_sync_wait = 1; SELECT v FROM tlscheck.t WHERE id = 1'));
    assert.deepEqual(got.map((r) => r.v), ['over tls']);
    // Both nodes agree on the cluster they form.
    const [a, b] = [await wsrepStatus(n1.db.port), await wsrepStatus(n2.db.port)];
    assert.equal(a.get('wsrep_cluster_state_uuid'), b.get('wsrep_cluster_state_uuid'));
  });
});

/** An OpenSPS installation to run sps_setup on: the shipped conf/, empty logs/ and data/. */
function installation(dir: string): string {
  cpSync(path.join(REPO, 'conf'), path.join(dir, 'conf'), { recursive: true });
  mkdirSync(path.join(dir, 'logs'));
  mkdirSync(path.join(dir, 'data'));
  return path.join(dir, 'conf');
}

describe('sps_setup sets up a farm member that joins the cluster', () => {
  test('from an answers file: the Galera option file and sipd.conf; a node started with that file joins over TLS and has the data', async () => {
    const [n1, n2] = cluster!.nodes;
    await installMySqlDb({ server: { host: '127.0.0.1', port: n1.db.port }, adminUser: 'root', adminPassword: '', database: 'sip', table: 'subscriber', account: { user: 'sps', password: 'spspw' }, timeoutMs: 20_000 });
    await n1.db.sql("INSERT INTO sip.subscriber (user_id, domain, password) VALUES ('alice', '', 'x')");
    const conf = installation(prefix);
    const gport = await threeFreePorts();
    const galeraConf = path.join(prefix, 'galera.cnf');
    const answers = path.join(prefix, 'join.answers');
    writeFileSync(
      answers,
      [
        'host_address=127.0.0.1',
        'host_name=sps3.farm.test',
        'farm_members=sps1.farm.test sps2.farm.test',
        'mysql=on',
        `mysql_host=${n2.db.address}`,
        'mysql_user=sps',
        'mysql_password=spspw',
        'mysql_create_db=no',
        'galera=join',
        `galera_cluster_name=opensps-test`,
        `galera_node_address=127.0.0.1:${gport}`,
        `galera_nodes=127.0.0.1:${n1.gcommPort} 127.0.0.1:${n2.gcommPort}`,
        `galera_conf_file=${galeraConf}`,
        `galera_tls_ca=${ca.cert}`,
        `galera_tls_cert=${nodeCert.cert}`,
        `galera_tls_key=${nodeCert.key}`,
        'snmp_v3_user=-',
        '',
      ].join('\n'),
    );
    const r = await runTool('sps_setup', ['--prefix', prefix, '--answers', answers], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, showRun(r));
    assert.match(r.stdout, /Galera: wrote .*galera\.cnf \(joining cluster opensps-test, .*replication over TLS\)/);
    assert.ok(existsSync(galeraConf));
    const text = readFileSync(galeraConf, 'utf8');
    assert.match(text, new RegExp(`^wsrep_cluster_address = gcomm://127\\.0\\.0\\.1:${gport},127\\.0\\.0\\.1:${n1.gcommPort},127\\.0\\.0\\.1:${n2.gcommPort}$`, 'm'));
    assert.doesNotMatch(text, /new.cluster/);
    const loaded = loadConfigFile(path.join(conf, 'sipd.conf'));
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.map((e) => e.message).join('\n'));
    const v = loaded.config.values;
    assert.equal(v.DB_MySQL, true);
    assert.equal(v.DB_MySQL_HostName, n2.db.address);
    assert.deepEqual(v.Cisco_Registry_Farm_Members, ['sps1.farm.test', 'sps2.farm.test']);

    // The third node, started with exactly the options sps_setup wrote.
    joiner = await startMariaDb({ extraArgs: () => optionArgs(text), startTimeoutMs: 180_000, prepare: letRsyncWrite });
    await waitFor(
      'the joiner Synced in a cluster of 3',
      async () => {
        const s = await wsrepStatus(joiner!.port);
        return s.get('wsrep_local_state_comment') === 'Synced' && s.get('wsrep_cluster_size') === '3';
      },
      180_000,
      250,
    );
    const rows = lastRows<{ user_id: string }>(await joiner.sql("SET SESSION wsrep_sync_wait = 1; SELECT user_id FROM sip.subscriber WHERE user_id = 'alice'"));
    assert.deepEqual(rows.map((x) => x.user_id), ['alice']);
    const provider = ((await joiner.sql("SHOW VARIABLES LIKE 'wsrep_provider_options'")) as { Value: string }[])[0].Value;
    assert.match(provider, /socket\.ssl = YES/i);
    // Galera shows a TLS listener as ssl://.
    assert.match(provider, new RegExp(`gmcast\\.listen_addr = ssl://127\\.0\\.0\\.1:${gport}`));
    // A row written on the new node reaches the others.
    await joiner.sql("INSERT INTO sip.subscriber (user_id, domain, password) VALUES ('bob', '', 'y')");
    const seen = lastRows(await n1.db.sql("SET SESSION wsrep_sync_wait = 1; SELECT user_id FROM sip.subscriber WHERE user_id = 'bob'"));
    assert.equal(seen.length, 1);
  });
});

describe('sps_setup sets up the first node of a new cluster', () => {
  test('galera=bootstrap: the database made in the plain server is the cluster\'s once it is restarted with the option file', async () => {
    let galeraArgs: string[] = [];
    bootstrapped = await startMariaDb({ extraArgs: () => galeraArgs });
    const dir = mkdtempSync(path.join(prefix, 'bootstrap-'));
    installation(dir);
    const gport = await threeFreePorts();
    const galeraConf = path.join(dir, 'galera.cnf');
    const answers = path.join(dir, 'bootstrap.answers');
    writeFileSync(
      answers,
      [
        'host_address=127.0.0.1',
        'host_name=sps1.farm.test',
        'mysql=on',
        `mysql_host=${bootstrapped.address}`,
        'mysql_user=sps',
        'mysql_password=spspw',
        'mysql_create_db=yes',
        'mysql_admin_user=root',
        'galera=bootstrap',
        'galera_cluster_name=opensps-boot',
        `galera_node_address=127.0.0.1:${gport}`,
        `galera_conf_file=${galeraConf}`,
        `galera_tls_ca=${ca.cert}`,
        `galera_tls_cert=${nodeCert.cert}`,
        `galera_tls_key=${nodeCert.key}`,
        'snmp_v3_user=-',
        '',
      ].join('\n'),
    );
    const env = { ...process.env, MYSQL_PWD: '' };
    const r = await runTool('sps_setup', ['--prefix', dir, '--answers', answers], { timeoutMs: 90_000, env });
    assert.equal(r.code, 0, showRun(r));
    assert.match(r.stdout, /Galera: start this first node with galera_new_cluster/);
    assert.match(r.stdout, /sps can read sip\.subscriber \(0 subscribers\)/);
    const text = readFileSync(galeraConf, 'utf8');
    assert.match(text, new RegExp(`^wsrep_cluster_address = gcomm://127\\.0\\.0\\.1:${gport}$`, 'm'));

    await bootstrapped.stop();
    galeraArgs = [...optionArgs(text), '--wsrep-new-cluster'];
    await bootstrapped.start();
    const s = await wsrepStatus(bootstrapped.port);
    assert.equal(s.get('wsrep_cluster_status'), 'Primary');
    assert.equal(s.get('wsrep_cluster_size'), '1');
    assert.equal(s.get('wsrep_local_state_comment'), 'Synced');
    const tables = lastRows<{ n: number }>(await bootstrapped.sql("SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sip' AND TABLE_NAME IN ('subscriber', 'location', 'route')"));
    assert.equal(Number(tables[0].n), 3);
    const provider = lastRows<{ Value: string }>(await bootstrapped.sql("SHOW VARIABLES LIKE 'wsrep_provider_options'"))[0].Value;
    assert.match(provider, new RegExp(`gmcast\\.listen_addr = ssl://127\\.0\\.0\\.1:${gport}`));
  });
});
