// The farm check's parts without a database: the cron schedule (node-cron, src/agent/mibs/farm/
// schedule.ts), farmagt.cnf and the farm test on sipd.conf's text, and how a run of
// mysql_sync_check (exit status, --json report) becomes OPENSPS-FARM-MIB's values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCron, runOnSchedule } from '../../../src/agent/mibs/farm/schedule.js';
import { sleep, waitFor } from '../../helpers/run.js';
import { describesFarm, parseFarmagtCnf } from '../../../src/agent/mibs/farm/farmagt-cnf.js';
import { resultOf } from '../../../src/agent/mibs/farm/engine.js';
import { effectiveSchedule } from '../../../src/agent/mibs/farm/index.js';


test('cron: node-cron expressions are checked, a bad one names its field; a schedule fires and stops', async () => {
  for (const good of ['*/5 * * * *', '*/3 * * * * *', '30 2 * * 1-5', '0 0 * * 7', '0 8,20 1 * *']) assert.doesNotThrow(() => checkCron(good), good);
  assert.throws(() => checkCron('* * * *'), /5 or 6 fields/);
  for (const bad of ['61 * * * *', '*/0 * * * *', 'a * * * *']) assert.throws(() => checkCron(bad), /minute field/, bad);
  let fired = 0;
  const s = runOnSchedule('* * * * * *', () => {
    fired++;
  });
  try {
    await waitFor('the every-second schedule to fire', () => fired > 0, 5000, 50);
  } finally {
    s.stop();
  }
  const after = fired;
  await sleep(1500);
  assert.equal(fired, after, 'no run after stop()');
});

test('farmagt.cnf: entries, defaults from the install root, bad lines reported with their line', () => {
  const ok = parseFarmagtCnf('# farm\nfarmCheckSchedule "0 * * * *"\nfarmCheckConf conf/member.conf\nfarmCheckArgs "--expect-size 3"\nfarmCheckTimeout 30\n', 'farmagt.cnf', '/opt/sps');
  assert.deepEqual(ok.messages, []);
  assert.deepEqual(ok.config, { schedule: '0 * * * *', conf: '/opt/sps/conf/member.conf', program: '/opt/sps/bin/mysql_sync_check', args: ['--expect-size', '3'], timeoutMs: 30_000 });
  const bad = parseFarmagtCnf('farmCheckSchedule "99 * * * *"\nfarmCheckTimeout 0\nfarmCheck x\nfarmCheckSchedule off\n', 'farmagt.cnf', '/opt/sps');
  assert.deepEqual(bad.messages.map((m) => m.line), [1, 2, 3]);
  assert.match(bad.messages[0].message, /minute field "99"/);
  assert.equal(bad.config.schedule, 'off');
});

test('the default schedule runs only for a farm on a shared database', () => {
  const farm = 'DB_MySQL On\nCisco_Registry_Farm_Members "sps2 sps3"\n';
  assert.equal(describesFarm(farm), true);
  assert.equal(describesFarm('DB_MySQL Off\nCisco_Registry_Farm_Members "sps2"\n'), false);
  assert.equal(describesFarm('DB_MySQL On\n# Cisco_Routing_Farm_Members "sps2"\n'), false);
  const c = parseFarmagtCnf('', 'f', '/r').config;
  assert.equal(effectiveSchedule(c, () => farm), '*/5 * * * *');
  assert.equal(effectiveSchedule(c, () => 'DB_MySQL On\n'), undefined);
  assert.equal(effectiveSchedule(c, () => { throw new Error('ENOENT'); }), undefined);
  assert.equal(effectiveSchedule({ ...c, schedule: 'off' }, () => farm), undefined);
  assert.equal(effectiveSchedule({ ...c, schedule: '0 3 * * *' }, () => ''), '0 3 * * *');
});

const node = (address: string, over: Record<string, unknown> = {}) => ({
  address, reachable: true, galera: true, clusterSize: 3, clusterStatus: 'Primary', state: 'Synced', ready: 'ON',
  counts: { subscriber: 2, location: 5 }, ...over,
});

test('a run becomes the MIB values: exit status, problems, own node, partition, per-table counts', () => {
  const ok = resultOf(0, JSON.stringify({ verdict: 'ok', problems: [], nodes: [node('a'), node('b')] }), '', 1000);
  assert.equal(ok.outcome, 'ok');
  assert.equal(ok.partition, 'primary');
  assert.deepEqual([ok.clusterStatus, ok.clusterSize, ok.localState], ['Primary', 3, 'Synced']);
  assert.deepEqual(ok.tables, [{ name: 'subscriber', min: 2, max: 2, mismatch: false }, { name: 'location', min: 5, max: 5, mismatch: false }]);

  const split = resultOf(1, JSON.stringify({
    verdict: 'degraded',
    problems: ['a: wsrep_cluster_status is non-Primary, not Primary (the node does not take writes)', 'table location: row counts differ: a has 5, b has 7'],
    nodes: [node('a', { clusterStatus: 'non-Primary', ready: 'OFF', clusterSize: 1, state: 'Initialized' }), node('b', { counts: { subscriber: 2, location: 7 } })],
  }), '', 2000);
  assert.equal(split.outcome, 'degraded');
  assert.equal(split.partition, 'partitioned');
  assert.equal(split.clusterSize, 1);
  assert.deepEqual(split.tables.find((t) => t.name === 'location'), { name: 'location', min: 5, max: 7, mismatch: true });

  const down = resultOf(2, JSON.stringify({ verdict: 'error', error: '127.0.0.1:3306: connect ECONNREFUSED', nodes: [{ address: '127.0.0.1:3306', reachable: false, galera: false, counts: {} }] }), '', 3000);
  assert.deepEqual([down.outcome, down.partition, down.clusterStatus, down.problems], ['failed', 'unknown', '', ['127.0.0.1:3306: connect ECONNREFUSED']]);

  const usage = resultOf(2, '', 'mysql_sync_check: /etc/sipd.conf:3: DB_MySQL is Off\nmore\n', 4000);
  assert.deepEqual([usage.outcome, usage.problems], ['failed', ['mysql_sync_check: /etc/sipd.conf:3: DB_MySQL is Off']]);
  const garbage = resultOf(0, 'not json', '', 5000);
  assert.equal(garbage.outcome, 'failed', 'exit 0 without a report is not a passed check');
  const plain = resultOf(0, JSON.stringify({ verdict: 'ok', problems: [], nodes: [node('a', { galera: false, clusterStatus: undefined, ready: undefined })] }), '', 6000);
  assert.equal(plain.partition, 'primary', 'a server without Galera takes writes');
});
