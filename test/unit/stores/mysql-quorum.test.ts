// The quorum watch (src/stores/mysql/quorum.ts) on readings and errors as a Galera node
// gives them: error 1047 becomes a ClusterPartitionedError naming the node, the transition
// and the recovery are each logged once per node address even with several watches, and
// a server without wsrep stops being watched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterPartitionedError, QuorumWatch, logUnlessPartitioned } from '../../../src/stores/mysql/quorum.js';
import type { WsrepReading } from '../../../src/stores/mysql/quorum.js';
import { StoreUnavailableError } from '../../../src/stores/subscriber-store.js';

const notPrimary = Object.assign(new Error('WSREP has not yet prepared node for application use'), {
  errno: 1047,
  code: 'ER_UNKNOWN_COM_ERROR',
  sqlMessage: 'WSREP has not yet prepared node for application use',
});

function watchOf(address: string, reading: { r: WsrepReading }, lines: string[]): QuorumWatch {
  return new QuorumWatch({ address, read: () => Promise.resolve(reading.r), log: (level, m) => lines.push(`${level}: ${m}`), intervalMs: 1000 });
}

test('error 1047 turns into a ClusterPartitionedError and one error line; other errors pass through', () => {
  const lines: string[] = [];
  const w = watchOf('10.0.0.1:3306', { r: {} }, lines);
  const dup = Object.assign(new Error('Duplicate entry'), { errno: 1062 });
  assert.equal(w.noteError(dup), dup);
  assert.equal(w.state, 'unknown');
  const e = w.noteError(notPrimary);
  assert.ok(e instanceof ClusterPartitionedError);
  assert.ok(e instanceof StoreUnavailableError, 'callers that know only StoreUnavailableError still answer 503');
  assert.match(e.message, /10\.0\.0\.1:3306 is not in the Galera primary component \(error 1047: WSREP has not yet prepared node/);
  assert.equal(e.cause, notPrimary);
  assert.equal(w.state, 'non-primary');
  w.noteError(notPrimary);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^error: farm database node 10\.0\.0\.1:3306 left the Galera primary component .*refused with 503/);
  w.noteSuccess();
  assert.equal(w.state, 'primary');
  assert.equal(lines.length, 2);
  assert.match(lines[1], /^info: farm database node 10\.0\.0\.1:3306 is back in the Galera primary component/);
});

test('the status read finds the partition and the recovery; two watches of one node log each once', async () => {
  const lines: string[] = [];
  const reading = { r: { clusterStatus: 'Primary', ready: 'ON' } as WsrepReading };
  const a = watchOf('10.0.0.2:3306', reading, lines);
  const b = watchOf('10.0.0.2:3306', reading, lines);
  await a.check();
  await b.check();
  assert.equal(a.state, 'primary');
  assert.deepEqual(lines, [], 'a node found Primary at start is not news');
  reading.r = { clusterStatus: 'non-Primary', ready: 'OFF' };
  await a.check();
  await b.check();
  assert.equal(b.partitioned, true);
  assert.equal(b.detail, 'wsrep_cluster_status non-Primary, wsrep_ready OFF');
  assert.equal(lines.length, 1);
  reading.r = { clusterStatus: 'Primary', ready: 'OFF' };
  await a.check();
  assert.equal(a.partitioned, true, 'Primary but not ready still refuses statements');
  reading.r = { clusterStatus: 'Primary', ready: 'ON' };
  await a.check();
  await b.check();
  assert.equal(a.state, 'primary');
  assert.equal(lines.length, 2);
  assert.match(lines[1], /back in the Galera primary component/);
});

test('a failed read leaves the state; a server without wsrep is not watched', async () => {
  const lines: string[] = [];
  let fail = false;
  const w = new QuorumWatch({
    address: '10.0.0.3:3306',
    read: () => (fail ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve({ clusterStatus: 'non-Primary', ready: 'OFF' })),
    log: (level, m) => lines.push(`${level}: ${m}`),
    intervalMs: 1000,
  });
  await w.check();
  assert.equal(w.state, 'non-primary');
  fail = true;
  await w.check();
  assert.equal(w.state, 'non-primary');
  const plain = new QuorumWatch({ address: '10.0.0.4:3306', read: () => Promise.resolve({}), log: (level, m) => lines.push(m), intervalMs: 1000 });
  plain.start();
  await plain.check();
  assert.equal(plain.state, 'unknown');
  plain.stop();
  assert.equal(lines.length, 1);
});

test('sysadmin_mysql_user names the partitioned node and what to do, not only Galera\'s own text', async () => {
  const { guideMessage } = await import('../../../src/cli/sysadmin-mysql-user.js');
  const e = new ClusterPartitionedError('10.0.0.5:3306', 'wsrep_cluster_status non-Primary, wsrep_ready OFF', { cause: notPrimary });
  const m = guideMessage(e, { database: 'sip', table: 'subscriber' });
  assert.match(m, /^Error 1047: the farm database node 10\.0\.0\.5:3306 is not in the Galera primary component .*until it rejoins the majority.*\. Operation failed\.$/);
});

test('background failures are logged, except the partition the watch has logged already', () => {
  const lines: string[] = [];
  const log = (level: string, m: string) => void lines.push(`${level}: ${m}`);
  assert.equal(logUnlessPartitioned(log, new ClusterPartitionedError('a:1', 'x'), () => 'sweep failed'), false);
  assert.equal(logUnlessPartitioned(log, new Error('ECONNRESET'), () => 'sweep failed: ECONNRESET'), true);
  assert.deepEqual(lines, ['warn: sweep failed: ECONNRESET']);
});
