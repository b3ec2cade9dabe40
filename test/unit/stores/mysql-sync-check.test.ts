// mysql_sync_check's verdict (src/stores/mysql/sync-check.ts) on node reports as the
// nodes would give them: each degraded state is one line naming the node, differences
// name the table and every node's count; wsrep_incoming_addresses is read leniently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeNodes, parseIncomingAddresses } from '../../../src/stores/mysql/sync-check.js';
import type { NodeReport } from '../../../src/stores/mysql/sync-check.js';

const counts = { subscriber: 3, location: 1, location_log: 2, schema_version: 2 };
const node = (address: string, over: Partial<NodeReport> = {}): NodeReport => ({
  address,
  reachable: true,
  galera: true,
  clusterSize: 3,
  clusterStatus: 'Primary',
  clusterStateUuid: 'u-1',
  state: 'Synced',
  ready: 'ON',
  flowControlPaused: 0.01,
  lastCommitted: 10,
  counts,
  ...over,
});

test('three healthy nodes: no problem, a Galera cluster', () => {
  assert.deepEqual(judgeNodes([node('a:1'), node('b:1'), node('c:1')]), { problems: [], galera: true });
});

test('each degraded state is reported on its own line, naming the node', () => {
  const j = judgeNodes([
    node('a:1'),
    node('b:1', { clusterStatus: 'non-Primary', state: 'Joined', ready: 'OFF', clusterSize: 1 }),
    { address: 'c:1', reachable: false, galera: false, error: 'connect ECONNREFUSED', counts: {} },
  ]);
  assert.deepEqual(j.problems, [
    'c:1: unreachable: connect ECONNREFUSED',
    'b:1: wsrep_cluster_status is non-Primary, not Primary (the node does not take writes)',
    'b:1: wsrep_local_state_comment is Joined, not Synced',
    'b:1: wsrep_ready is OFF, not ON',
    'cluster size differs: a:1 sees 3, b:1 sees 1',
  ]);
});

test('--expect-size and --max-flow-paused add their checks; without them neither is judged', () => {
  const nodes = [node('a:1', { clusterSize: 2, flowControlPaused: 0.6 }), node('b:1', { clusterSize: 2 })];
  assert.deepEqual(judgeNodes(nodes).problems, []);
  assert.deepEqual(judgeNodes(nodes, { expectSize: 3, maxFlowPaused: 0.5 }).problems, [
    'a:1: cluster size 2, expected 3',
    'a:1: wsrep_flow_control_paused is 0.6, above 0.5 (replication is being held back)',
    'b:1: cluster size 2, expected 3',
  ]);
});

test('counts that differ, a missing table, unreadable counts and different clusters are named', () => {
  const j = judgeNodes([
    node('a:1'),
    node('b:1', { counts: { ...counts, location: 0 } }),
    node('c:1', { counts: { subscriber: 3, location: 1, schema_version: 2 }, clusterStateUuid: 'u-2' }),
    node('d:1', { counts: {}, countError: 'Error 1047: WSREP has not yet prepared node for application use' }),
  ]);
  assert.deepEqual(j.problems, [
    'the nodes are in different clusters (wsrep_cluster_state_uuid): a:1 u-1, b:1 u-1, c:1 u-2, d:1 u-1',
    'd:1: row counts unreadable: Error 1047: WSREP has not yet prepared node for application use',
    'table location: row counts differ: a:1 has 1, b:1 has 0, c:1 has 1',
    'table location_log: row counts differ: a:1 has 2, b:1 has 2, c:1 lacks the table',
  ]);
});

test('plain servers: not Galera, only counts compared; a mix of the two is a problem', () => {
  const plain = (a: string, n: number) => ({ address: a, reachable: true, galera: false, counts: { subscriber: n } });
  assert.deepEqual(judgeNodes([plain('p:1', 4)]), { problems: [], galera: false });
  assert.deepEqual(judgeNodes([plain('p:1', 4), plain('s:1', 3)]).problems, ['table subscriber: row counts differ: p:1 has 4, s:1 has 3']);
  assert.deepEqual(judgeNodes([node('a:1', { counts: { subscriber: 4 } }), plain('s:1', 4)]).problems, ['s:1: not a Galera node (wsrep_on is not ON), unlike a:1']);
});

test('nodes found through wsrep_incoming_addresses: fewer than the cluster size is a problem saying why', () => {
  const head = node('a:1', { incomingAddresses: ['AUTO', 'AUTO', 'AUTO'] });
  assert.deepEqual(judgeNodes([head], { discovered: true }).problems, [
    'a:1 sees 3 nodes but only 1 could be found: its wsrep_incoming_addresses is "AUTO,AUTO,AUTO"; set wsrep_node_incoming_address (host:port) on every node, or name them with --node',
  ]);
  assert.deepEqual(judgeNodes([head, node('b:1'), node('c:1')], { discovered: true }).problems, []);
  assert.deepEqual(judgeNodes([head]).problems, [], 'nodes named with --node: the operator chose them');
});

test('wsrep_incoming_addresses: host:port entries, IPv6 in brackets, empty and AUTO ones skipped', () => {
  assert.deepEqual(parseIncomingAddresses('10.0.0.1:3306,,AUTO,[2001:db8::5]:3307, db3'), [
    { host: '10.0.0.1', port: 3306 },
    { host: '2001:db8::5', port: 3307 },
    { host: 'db3', port: 3306 },
  ]);
});
