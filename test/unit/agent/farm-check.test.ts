// The farm check's parts without a database: the cron schedule (src/agent/mibs/farm/
// schedule.ts), farmagt.cnf and the farm test on sipd.conf's text, and how a run of
// mysql_sync_check (exit status, --json report) becomes OPENSPS-FARM-MIB's values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCron } from '../../../src/agent/mibs/farm/schedule.js';
import { describesFarm, parseFarmagtCnf } from '../../../src/agent/mibs/farm/farmagt-cnf.js';
import { resultOf } from '../../../src/agent/mibs/farm/engine.js';
import { effectiveSchedule } from '../../../src/agent/mibs/farm/index.js';

const at = (s: string) => new Date(s).getTime();
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);

test('cron: five fields fire on the minute, six on the second; steps, ranges, lists, weekdays', () => {
  // Local time is UTC in the test environment only if TZ says so: build dates in local time.
  const local = (y: number, mo: number, d: number, h: number, mi: number, s = 0) => new Date(y, mo - 1, d, h, mi, s).getTime();
  const every5 = parseCron('*/5 * * * *');
  assert.equal(every5.next(local(2026, 12, 8, 10, 3, 30)), local(2026, 12, 8, 10, 5));
  assert.equal(every5.next(local(2026, 12, 8, 10, 55)), local(2026, 12, 8, 11, 0));
  const secs = parseCron('*/3 * * * * *');
  assert.equal(secs.next(local(2026, 12, 8, 10, 0, 1)), local(2026, 12, 8, 10, 0, 3));
  const nightly = parseCron('30 2 * * 1-5');
  // 2026-12-12 is a Saturday: next is Monday 14th at 02:30.
  assert.equal(nightly.next(local(2026, 12, 11, 3, 0)), local(2026, 12, 14, 2, 30));
  const sunday = parseCron('0 0 * * 7');
  assert.equal(new Date(sunday.next(local(2026, 12, 8, 0, 0))).getDay(), 0);
  const list = parseCron('0 8,20 1 * *');
  assert.equal(list.next(local(2026, 12, 1, 9, 0)), local(2026, 12, 1, 20, 0));
  assert.equal(list.next(local(2026, 12, 1, 21, 0)), local(2027, 1, 1, 8, 0));
  for (const bad of ['* * * *', '61 * * * *', '*/0 * * * *', 'a * * * *', '5-2 * * * *']) assert.throws(() => parseCron(bad), Error, bad);
  assert.throws(() => parseCron('0 0 31 2 *').next(at('2026-01-01T00:00:00Z')), /never matches/);
  void iso;
});

test('farmagt.cnf: entries, defaults from the install root, bad lines reported with their line', () => {
  const ok = parseFarmagtCnf('# farm\nfarmCheckSchedule "0 * * * *"\nfarmCheckConf conf/member.conf\nfarmCheckArgs "--expect-size 3"\nfarmCheckTimeout 30\n', 'farmagt.cnf', '/opt/sps');
  assert.deepEqual(ok.messages, []);
  assert.deepEqual(ok.config, { schedule: '0 * * * *', conf: '/opt/sps/conf/member.conf', program: '/opt/sps/bin/mysql_sync_check', args: ['--expect-size', '3'], timeoutMs: 30_000 });
  const bad = parseFarmagtCnf('farmCheckSchedule "99 * * * *"\nfarmCheckTimeout 0\nfarmCheck x\nfarmCheckSchedule off\n', 'farmagt.cnf', '/opt/sps');
  assert.deepEqual(bad.messages.map((m) => m.line), [1, 2, 3]);
  assert.match(bad.messages[0].message, /minute field "99": out of range/);
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
