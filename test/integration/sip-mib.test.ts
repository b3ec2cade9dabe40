// sipd seen from the NMS (issue: RFC 4780 over AgentX). A real ciagent with its AgentX
// master, sipd with AgentXSocket, sipp phones registering and calling through it, and
// Net-SNMP's tools reading the SIP MIB by name (mibs/ loaded): the counters match what the
// sipp peers sent and received, the status-code table holds the 404 and the 486 the test
// caused, the registrar tables list the test's AORs and contacts, a walk of the whole tree
// is in increasing order with every OID known by name, and after ciagent is killed and
// started again sipd's subtrees come back by themselves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, REPO, requireTool, run, waitFor } from '../helpers/index.js';
import { adminSnmpdCnf, restartableCiagent } from '../unit/agent/snmp-tools.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeerResult } from '../helpers/sip-peers.js';

const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
const MIBDIRS = `${path.join(REPO, 'mibs')}:${path.join(REPO, 'mibs', 'base')}`;
let dir: string;
let target: string;
let sock: string;
let agent: ReturnType<typeof restartableCiagent>;
let p: TestProxy;
const uac: SippPeerResult[] = [];
const uas: SippPeerResult[] = [];

/** Net-SNMP tool with our MIBs loaded; names in, names out (-OQ: value only after " = "). */
async function tool(name: 'snmpget' | 'snmpbulkwalk' | 'snmpwalk', args: readonly string[], extra: readonly string[] = ['-OQs']) {
  const bin = requireTool(name, 'snmp');
  return run(bin, ['-M', MIBDIRS, '-m', 'ALL', '-v2c', '-c', 'cspsAdmin', '-t', '3', '-r', '1', ...extra, target, ...args], 120_000);
}

async function value(name: string): Promise<string> {
  const r = await tool('snmpget', [name]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split(' = ').slice(1).join(' = ');
}

const count = async (name: string) => Number(await value(name));

/** How many requests of this method a sipp peer sent or received, from its message trace. */
function messages(r: SippPeerResult, dirn: 'sent' | 'received', method: string): number {
  return r.messages.split(/^-+ .*$/m).filter((b) => new RegExp(`message ${dirn}`, 'i').test(b) && new RegExp(`^${method} \\S+ SIP/2\\.0$`, 'm').test(b)).length;
}
const total = (list: SippPeerResult[], dirn: 'sent' | 'received', method: string) => list.reduce((n, r) => n + messages(r, dirn, method), 0);

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sip-mib-'));
  sock = path.join(dir, 'agentx');
  writeFileSync(path.join(dir, 'snmpd.cnf'), adminSnmpdCnf(), { mode: 0o600 });
  agent = restartableCiagent(dir, await freePort(), SYS_UPTIME, ['--agentx', sock]);
  target = agent.target;
  await agent.launch();
  p = await startTestSipd(['Cisco_Registry On', 'AddRecordRoute On', `AgentXSocket ${sock}`]);
  await waitFor('sipd to register its subtrees', async () => /SIP\/2\.0/.test((await tool('snmpget', ['SIP-COMMON-MIB::sipCommonCfgProtocolVersion.1'])).stdout), 30_000, 300);

  // Three phones register; alice answers three calls, bob is busy, dave is not registered (404).
  const alice = await startUas({ scenario: 'uas-answer', calls: 3, timeoutS: 60 });
  const bob = await startUas({ scenario: 'uas-busy', timeoutS: 60 });
  const domain = `127.0.0.1:${p.port}`;
  for (const [user, contact] of [['alice', `sip:alice@${alice.address}`], ['bob', `sip:bob@${bob.address}`], ['carol', 'sip:carol@127.0.0.1:9']]) {
    const r = await runUac({ scenario: 'register', target: { port: p.port }, keys: { user, domain, contact, expires: 300 } });
    assert.equal(r.code, 0, describePeer(r));
    uac.push(r);
  }
  for (let i = 0; i < 3; i++) uac.push(await runUac({ scenario: 'uac-call', target: { port: p.port }, keys: { ruri: `sip:alice@${domain}`, rr: 'yes' } }));
  uac.push(await runUac({ scenario: 'uac-expect', target: { port: p.port }, keys: { ruri: `sip:bob@${domain}`, expect: 486 } }));
  uac.push(await runUac({ scenario: 'uac-expect', target: { port: p.port }, keys: { ruri: `sip:dave@${domain}`, expect: 404 } }));
  for (const r of uac) assert.equal(r.code, 0, describePeer(r));
  uas.push(await alice.done, await bob.done);
});

after(async () => {
  await stopTestSipd(p);
  await agent?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('the summary and per-method counters match what the sipp peers sent and received', async () => {
  const inv = total(uac, 'sent', 'INVITE');
  assert.equal(inv, 5, 'three calls to alice, one to bob, one to dave');
  assert.equal(await count('SIP-COMMON-MIB::sipCommonMethodStatsInbounds.1."INVITE"'), inv);
  assert.equal(await count('SIP-COMMON-MIB::sipCommonMethodStatsOutbounds.1."INVITE"'), total(uas, 'received', 'INVITE'));
  assert.equal(await count('SIP-COMMON-MIB::sipCommonMethodStatsInbounds.1."REGISTER"'), total(uac, 'sent', 'REGISTER'));
  assert.equal(await count('SIP-COMMON-MIB::sipCommonMethodStatsInbounds.1."BYE"'), total(uac, 'sent', 'BYE'));
  assert.equal(await count('SIP-COMMON-MIB::sipCommonMethodStatsOutbounds.1."BYE"'), total(uas, 'received', 'BYE'));
  const inRequests = await count('SIP-COMMON-MIB::sipCommonSummaryInRequests.1');
  const sentByPhones = ['INVITE', 'ACK', 'BYE', 'REGISTER', 'CANCEL'].reduce((n, m) => n + total(uac, 'sent', m), 0);
  assert.equal(inRequests, sentByPhones, 'every request the phones sent reached sipd once (no retransmissions on loopback)');
  assert.ok(await count('SIP-COMMON-MIB::sipCommonSummaryTotalTransactions.1') >= inv, 'at least one transaction per INVITE');
  assert.equal(await value('SIP-COMMON-MIB::sipCommonCfgServiceOperStatus.1'), 'up');
  assert.equal(await count('SIP-SERVER-MIB::sipServerRegStatsAcceptedRegs.1'), 3);
  assert.equal(await count('SIP-SERVER-MIB::sipServerRegCurrentUsers.1'), 3);
  assert.equal(await value('SIP-SERVER-MIB::sipServerCfgProxyRecursion.1'), 'true');
  assert.equal(await value('SIP-SERVER-MIB::sipServerCfgProxyRecordRoute.1'), 'true');
  assert.equal(await value('SIP-SERVER-MIB::sipServerCfgProxyStatefulness.1'), 'transactionStateful');
  assert.equal(await count('OPENSPS-SIP-MIB::spsSipApplRunIndex.1'), process.pid, 'the sipd process (in-process here) is the row\'s sysApplRunIndex');
});

test('the status-code table shows the 486 received and relayed and the 404 sent', async () => {
  assert.equal(await count('SIP-COMMON-MIB::sipCommonStatusCodeIns.1."INVITE".486'), 1);
  assert.equal(await count('SIP-COMMON-MIB::sipCommonStatusCodeOuts.1."INVITE".486'), 1);
  assert.equal(await count('SIP-COMMON-MIB::sipCommonStatusCodeOuts.1."INVITE".404'), 1);
  assert.equal(await count('SIP-COMMON-MIB::sipCommonStatusCodeOuts.1."REGISTER".200'), 3);
  assert.equal(await count('OPENSPS-SIP-MIB::spsSipStatusClassOuts.4.1'), 2, 'the 404 and the 486, by class');
  const w = await tool('snmpwalk', ['SIP-COMMON-MIB::sipCommonStatusCodeRowStatus']);
  assert.match(w.stdout, /"INVITE"\.486 = active/);
});

test('the registrar tables list the AORs and their contacts', async () => {
  const users = await tool('snmpbulkwalk', ['SIP-SERVER-MIB::sipServerRegUserUri']);
  assert.equal(users.code, 0, users.stderr);
  for (const u of ['alice', 'bob', 'carol']) assert.match(users.stdout, new RegExp(`= ${u}@`), users.stdout);
  const contacts = await tool('snmpbulkwalk', ['SIP-SERVER-MIB::sipServerRegContactURI']);
  assert.match(contacts.stdout, /sip:alice@127\.0\.0\.1:\d+/);
  assert.match(contacts.stdout, /sip:carol@127\.0\.0\.1:9/);
  // Each contact row sits under its user's index: carol's contact under carol's user row.
  const carol = /sipServerRegUserUri\.1\.(\d+) = carol@/.exec(users.stdout)![1];
  assert.match(contacts.stdout, new RegExp(`sipServerRegContactURI\\.1\\.${carol}\\.\\d+ = sip:carol@`));
});

test('a bulk walk of the whole tree is in increasing order, error-free, and every OID has a name', async () => {
  const numeric = await tool('snmpbulkwalk', ['-Cr50', '.1'], ['-On', '-Cc']);
  assert.equal(numeric.code, 0, numeric.stderr);
  assert.doesNotMatch(numeric.stderr, /error|OID not increasing/i);
  // The last line is the end of the MIB view (the tools print it with the last OID again).
  const oids = numeric.stdout.split('\n').filter((l) => l.startsWith('.') && !l.includes('No more variables left')).map((l) => l.slice(1, l.indexOf(' = ')).split('.').map(Number));
  for (let i = 1; i < oids.length; i++) {
    const [a, b] = [oids[i - 1], oids[i]];
    const k = a.findIndex((x, j) => x !== b[j]);
    assert.ok(k >= 0 ? a[k] < b[k] : a.length < b.length, `not increasing: ${a.join('.')} then ${b.join('.')}`);
  }
  assert.ok(oids.some((o) => o.join('.').startsWith('1.3.6.1.2.1.149.')), 'the SIP-COMMON-MIB objects are in the walk');
  const named = await tool('snmpbulkwalk', ['-Cr50', '.1'], ['-OS']);
  const unnamed = named.stdout.split('\n').filter((l) => /^(\.?\d|iso\.)/.test(l) && !l.includes('No more variables left'));
  assert.deepEqual(unnamed, [], 'objects served without a MIB definition');
});

test('ciagent killed and started again: sipd registers its subtrees again by itself', async () => {
  await agent.kill();
  await agent.launch();
  await waitFor('sipd\'s SIP MIB back through the new ciagent', async () => /up/.test((await tool('snmpget', ['SIP-COMMON-MIB::sipCommonCfgServiceOperStatus.1'])).stdout), 30_000, 500);
  assert.equal(await count('SIP-SERVER-MIB::sipServerRegCurrentUsers.1'), 3, 'the same sipd, its state kept');
});
