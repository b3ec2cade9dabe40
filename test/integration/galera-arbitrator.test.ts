// Two-node farms and Galera's quorum (docs/mysql.md, "Two database nodes: add garbd"):
// a cluster of two database nodes with the arbitrator garbd as a third voter, then one
// without it.
//
//   2 nodes + garbd   node 2 killed (kill -9: no goodbye, the worst case) → node 1 and
//                     garbd are 2 of 3, a majority: node 1 stays Primary, takes writes, and
//                     the member on it registers phones
//   2 nodes alone     node 2 killed → node 1 is 1 of 2, no majority: it goes non-Primary,
//                     and the member on it says so in its log and answers REGISTER with 503
//
// garbd missing fails the test naming its Debian package, galera-arbitrator-4.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { installMySqlDb } from '../../src/cli/install-mysql-db.js';
import { freePort, requireTool, start, waitFor } from '../helpers/index.js';
import type { Running } from '../helpers/index.js';
import { farmMemberLines, registerAt, statusOf } from '../helpers/farm-sip.js';
import { startGaleraCluster } from '../helpers/galera.js';
import type { GaleraCluster } from '../helpers/galera.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';

let cluster: GaleraCluster | undefined;
let garbd: Running | undefined;
let member: TestProxy | undefined;

/** Bound for a view change after a kill: the test cluster's evs.suspect_timeout is 30 s. */
const VIEW_CHANGE_MS = 150_000;

/**
 * A 2-node cluster (with garbd as a third voter when asked), the farm tables, and a member
 * on node 1. Each test has its own: a node killed with -9 and started again needs a full
 * state transfer, which the test machine's rsync does not always survive.
 */
async function farmOfTwo(withGarbd: boolean): Promise<GaleraCluster> {
  const bin = withGarbd ? requireTool('garbd', 'galera-arbitrator-4') : '';
  const c = await startGaleraCluster(2);
  cluster = c;
  if (withGarbd) {
    const gcomm = await freePort();
    const peers = c.nodes.map((n) => `127.0.0.1:${n.gcommPort}`).join(',');
    // The same patient failure detection as the test nodes (helpers/galera.ts): a loaded
    // machine must not split the cluster by itself.
    const options = [`gmcast.listen_addr=tcp://127.0.0.1:${gcomm}`, 'evs.keepalive_period=PT3S', 'evs.suspect_timeout=PT30S', 'evs.inactive_timeout=PT60S', 'evs.install_timeout=PT60S'].join(';');
    garbd = start(bin, ['--address', `gcomm://${peers}`, '--group', 'opensps-test', '--name', 'arbitrator', '--options', options], 900_000);
    await c.waitSynced(3);
  }
  const n1 = c.nodes[0].db;
  await installMySqlDb({ server: { host: '127.0.0.1', port: n1.port }, adminUser: 'root', adminPassword: '', database: 'sip', table: 'subscriber', account: { user: 'sps', password: 'spspw' }, timeoutMs: 10_000 });
  await c.caughtUp();
  member = await startTestSipd(farmMemberLines(n1.address, 'sps1.farm.test'));
  return c;
}

async function teardown(): Promise<void> {
  await stopTestSipd(member);
  member = undefined;
  await stopGarbd();
  await cluster?.remove();
  cluster = undefined;
}

after(teardown);

async function stopGarbd(): Promise<void> {
  const g = garbd;
  garbd = undefined;
  if (!g || g.child.exitCode !== null || g.child.signalCode !== null) return;
  // SIGINT: garbd leaves the group cleanly on it (Debian's unit uses it for that reason).
  g.child.kill('SIGINT');
  const timer = setTimeout(() => g.child.kill('SIGKILL'), 20_000);
  await g.done;
  clearTimeout(timer);
}

/** kill -9 a node: it leaves without a word, as a crashed machine would. */
async function killNode(c: GaleraCluster, i: number): Promise<void> {
  const db = c.nodes[i].db;
  const pid = Number(readFileSync(path.join(db.dir, 'mysqld.pid'), 'utf8').trim());
  assert.ok(Number.isInteger(pid) && pid > 0, `pid of node ${i + 1}`);
  process.kill(pid, 'SIGKILL');
  await waitFor(`node ${i + 1} to exit`, () => !db.running, 20_000);
}

test('with garbd, a 2-node cluster that loses a node keeps quorum: the survivor stays Primary and takes writes', async () => {
  try {
    const c = await farmOfTwo(true);
    assert.equal(statusOf(await registerAt(member!.port, 'alice', 40000)), 200);
    await killNode(c, 1);
    const s = await waitFor(
      'node 1 to see the cluster without node 2',
      async () => {
        const x = await c.nodes[0].status();
        return x.size === 2 ? x : undefined;
      },
      VIEW_CHANGE_MS,
      500,
    );
    assert.deepEqual(s, { state: 'Synced', size: 2, primary: true }, 'node 1 and garbd: 2 of 3, still Primary');
    await c.nodes[0].db.sql('CREATE TABLE sip.arbitrated (k INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO sip.arbitrated VALUES (1)');
    const rows = (await c.nodes[0].db.sql('SELECT k FROM sip.arbitrated')) as { k: number }[];
    assert.deepEqual(rows.map((r) => r.k), [1]);
    assert.equal(statusOf(await registerAt(member!.port, 'bob', 40001)), 200, 'the member on the survivor still registers');
    assert.doesNotMatch(member!.sr.readErrorLog(), /left the Galera primary component/);
  } finally {
    await teardown();
  }
});

test('without garbd, the survivor of a 2-node cluster is non-Primary and the member refuses REGISTER with 503', async () => {
  const c = await farmOfTwo(false);
  assert.equal(statusOf(await registerAt(member!.port, 'alice', 40000)), 200);
  await killNode(c, 1);
  await waitFor('node 1 to go non-Primary', async () => !(await c.nodes[0].status()).primary, VIEW_CHANGE_MS, 500);
  await waitFor('the member to log the partition', () => /left the Galera primary component/.test(member!.sr.readErrorLog()), 15_000);
  const answer = await registerAt(member!.port, 'carol', 40002);
  assert.equal(statusOf(answer), 503, String(answer));
  assert.match(answer!, /^Retry-After: *\d+/m);
  assert.equal(member!.sr.readErrorLog().split('\n').filter((l) => /left the Galera primary component/.test(l)).length, 1);
});
