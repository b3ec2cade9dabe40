// A farm member whose Galera node is cut off from the majority (issue 19, item 3): the
// node is isolated from the group (gmcast.isolate=1: it drops its group connections and
// refuses new ones), so it leaves the primary component while the other two keep it.
//
//   before          REGISTER alice through the member on node 3 → 200
//   isolated        error_log says once that the node left the primary component;
//                   REGISTER bob → 503 + Retry-After (no hang, no divergent row);
//                   an INVITE to alice still reaches her contact (routed from memory)
//   healed          (gmcast.isolate=0) the node rejoins; error_log says so once;
//                   REGISTER bob → 200 and his row is on the other nodes
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { installMySqlDb } from '../../src/cli/install-mysql-db.js';
import { REGISTER_RETRY_AFTER_S } from '../../src/modules/registry/registrar.js';
import { waitFor } from '../helpers/index.js';
import { farmMemberLines, inviteReaches, registerAt, statusOf } from '../helpers/farm-sip.js';
import { startGaleraCluster } from '../helpers/galera.js';
import type { GaleraCluster } from '../helpers/galera.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';

let cluster: GaleraCluster | undefined;
let member: TestProxy | undefined;
let alicePhone: dgram.Socket | undefined;

/** Wait bound for the isolated node to give up on the others (the test cluster's evs.suspect_timeout is 30 s). */
const PARTITION_WAIT_MS = 150_000;

before(async () => {
  cluster = await startGaleraCluster(3);
  const n1 = cluster.nodes[0].db;
  await installMySqlDb({ server: { host: '127.0.0.1', port: n1.port }, adminUser: 'root', adminPassword: '', database: 'sip', table: 'subscriber', account: { user: 'sps', password: 'spspw' }, timeoutMs: 10_000 });
  await cluster.caughtUp();
  member = await startTestSipd(farmMemberLines(cluster.nodes[2].db.address, 'sps3.farm.test'));
  alicePhone = dgram.createSocket('udp4');
  await new Promise<void>((r) => alicePhone!.bind(0, '127.0.0.1', () => r()));
});

after(async () => {
  alicePhone?.close();
  await stopTestSipd(member);
  if (cluster) {
    // Let node 3 rejoin before the cluster is stopped (a clean stop of every node).
    await isolate(2, false).catch(() => undefined);
    await cluster.remove();
  }
});

function isolate(i: number, on: boolean): Promise<unknown> {
  return cluster!.nodes[i].db.sql(`SET GLOBAL wsrep_provider_options = 'gmcast.isolate=${on ? 1 : 0}'`);
}

const register = (user: string, contactPort: number) => registerAt(member!.port, user, contactPort);
const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

test('a member on a node cut off from the primary component refuses REGISTER with 503, routes from memory, and recovers', async () => {
  const c = cluster!;
  const alice = alicePhone!.address().port;
  assert.equal(statusOf(await register('alice', alice)), 200, 'REGISTER before the partition');

  await isolate(2, true);
  await waitFor('node 3 to leave the primary component', async () => !(await c.nodes[2].status()).primary, PARTITION_WAIT_MS, 500);
  // The member's watch reads the node's status every 2 s; its log says it once.
  await waitFor('the member to log the partition', () => /left the Galera primary component/.test(member!.sr.readErrorLog()), 15_000);

  const refused = await register('bob', alice + 1);
  assert.equal(statusOf(refused), 503, `REGISTER while partitioned: ${refused}`);
  assert.match(refused!, new RegExp(`^Retry-After: *${REGISTER_RETRY_AFTER_S}\\s*$`, 'mi'));
  const bobRows = await c.nodes[0].db.sql("SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) AS n FROM sip.location WHERE aor LIKE 'bob@%'");
  assert.equal(Number(((bobRows as unknown[]).at(-1) as { n: number }[])[0].n), 0, 'nothing of the refused REGISTER reached the majority');

  const invite = await inviteReaches(member!.port, 'alice', alicePhone!);
  assert.ok(invite, 'an INVITE to alice reaches her registered contact while the node is partitioned');
  assert.match(invite, new RegExp(`^INVITE sip:alice@127\\.0\\.0\\.1:${alice}`));

  await isolate(2, false);
  await c.waitSynced(3);
  const healed = await waitFor(
    'REGISTER to be accepted again',
    async () => {
      const a = await register('bob', alice + 1);
      return statusOf(a) === 200 ? a : undefined;
    },
    30_000,
    1000,
  );
  assert.ok(healed);
  await c.caughtUp();
  const rows = await c.nodes[0].db.sql("SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) AS n FROM sip.location WHERE aor LIKE 'bob@%'");
  assert.equal(Number(((rows as unknown[]).at(-1) as { n: number }[])[0].n), 1, "bob's registration is on node 1 after the heal");

  await waitFor('the member to log the recovery', () => /back in the Galera primary component/.test(member!.sr.readErrorLog()), 15_000);
  const log = member!.sr.readErrorLog();
  assert.equal(count(log, /left the Galera primary component/), 1, log);
  assert.equal(count(log, /back in the Galera primary component/), 1, log);
  assert.doesNotMatch(log, /sweep failed|cannot read the shared change log/, 'the partition is logged by the watch alone');
});
