// The RADIUS client's per-server figures and the accounting records over SNMP
// (OPENSPS-SIP-MIB spsRadiusServerTable, spsAcctTable), as an NMS reads them through
// ciagent: sipd with AuthServer Radius and Accounting On in front of a real FreeRADIUS, a
// right and a wrong REGISTER and an authenticated INVITE to nobody from sipp, then one row
// naming the authentication server with two requests sent and two answered, a row for a
// server nobody runs (its requests time out and fail over), and the unsuccessful call's
// record counted as sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, freePort, REPO, requireTool, run } from '../helpers/index.js';
import { adminSnmpdCnf, restartableCiagent } from '../unit/agent/snmp-tools.js';
import { startFreeRadius } from '../helpers/freeradius.js';
import type { FreeRadius } from '../helpers/freeradius.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';

const MIBDIRS = `${path.join(REPO, 'mibs')}:${path.join(REPO, 'mibs', 'base')}`;
let dir: string;
let target: string;
let agent: ReturnType<typeof restartableCiagent> | undefined;
let fr: FreeRadius;
let p: TestProxy;
let deadPort: number;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sip-mib-radius-'));
  deadPort = await freePort();
  const sock = path.join(dir, 'agentx');
  writeFileSync(path.join(dir, 'snmpd.cnf'), adminSnmpdCnf(), { mode: 0o600 });
  agent = restartableCiagent(dir, await freePort(), '1.3.6.1.2.1.1.3.0', ['--agentx', sock]);
  target = agent.target;
  await agent.launch();
  fr = await startFreeRadius({ users: 'alice Cleartext-Password := "wonderland"\n' });
  p = await startTestSipd([
    'Cisco_Registry On', 'Authentication On', 'AuthServer Radius',
    // The primary is a port nobody listens on, so every request fails over to FreeRADIUS.
    'PrimaryRadiusAuthIp 127.0.0.1', `PrimaryRadiusAuthPort ${deadPort}`, `PrimaryRadiusAuthSecret ${fr.secret}`,
    'SecondaryRadiusAuthIp 127.0.0.1', `SecondaryRadiusAuthPort ${fr.authPort}`, `SecondaryRadiusAuthSecret ${fr.secret}`,
    'RadiusRetransmissionInterval 200', 'RadiusRetransmissionCount 1', 'RadiusRetryTime 1',
    'Accounting On', 'AccountingUnsuccessful On', 'AddRecordRoute On',
    'PrimaryRadiusAcctIp 127.0.0.1', `PrimaryRadiusAcctPort ${fr.acctPort}`, `PrimaryRadiusAcctSecret ${fr.secret}`,
    `AgentXSocket ${sock}`,
  ]);
});

after(async () => {
  await stopTestSipd(p);
  await fr?.remove();
  await agent?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('spsRadiusServerTable shows each RADIUS server with what happened to the requests', async () => {
  const busy = await startUas({ scenario: 'uas-busy', timeoutS: 40 });
  for (const [password, expect] of [['wonderland', 200], ['looking-glass', 401]] as const) {
    const r = await runUac({
      scenario: path.join(FIXTURES, 'sipp', 'auth-register.xml'),
      target: { port: p.port },
      keys: { user: 'alice', domain: `127.0.0.1:${p.port}`, expires: 300, expect, contact: `sip:alice@${busy.address}` },
      extraArgs: ['-au', 'alice', '-ap', password],
      timeoutS: 20,
    });
    assert.equal(r.code, 0, describePeer(r));
  }
  // alice (registered above, her contact a busy phone) calls herself: the INVITE is checked
  // by FreeRADIUS, forwarded, answered 486: an unsuccessful call, with a record.
  const invite = await runUac({
    scenario: path.join(FIXTURES, 'sipp', 'auth-invite.xml'),
    target: { port: p.port },
    keys: { ruri: `sip:alice@127.0.0.1:${p.port}`, caller: 'alice', expect: 486 },
    extraArgs: ['-au', 'alice', '-ap', 'wonderland'],
    timeoutS: 20,
  });
  assert.equal(invite.code, 0, describePeer(invite));
  await busy.done;
  await fr.waitForRecords(1, undefined, 30_000);
  const walk = await run(requireTool('snmpbulkwalk', 'snmp'), ['-M', MIBDIRS, '-m', 'ALL', '-v2c', '-c', 'cspsAdmin', '-OQs', target, 'OPENSPS-SIP-MIB::spsRadiusServerTable'], 60_000);
  assert.equal(walk.code, 0, walk.stderr);
  const cells = new Map(walk.stdout.trim().split('\n').map((l) => l.split(' = ') as [string, string]));
  const rowOf = (address: string) => [...cells].find(([k, v]) => k.startsWith('spsRadiusServerAddress.1.') && v === address)?.[0].split('.').pop();
  const live = rowOf(`127.0.0.1:${fr.authPort}`);
  const dead = rowOf(`127.0.0.1:${deadPort}`);
  assert.ok(live && dead, walk.stdout);
  const get = (column: string, row: string) => Number(cells.get(`${column}.1.${row}`));
  // Two REGISTERs and the INVITE were checked there.
  assert.equal(get('spsRadiusServerSent', live), 3, walk.stdout);
  assert.equal(get('spsRadiusServerAnswered', live), 3, walk.stdout);
  assert.equal(get('spsRadiusServerBadResponses', live), 0, walk.stdout);
  assert.ok(get('spsRadiusServerSent', dead) >= 1, walk.stdout);
  assert.equal(get('spsRadiusServerAnswered', dead), 0, walk.stdout);
  assert.ok(get('spsRadiusServerRetransmitted', dead) >= 1, walk.stdout);
  assert.equal(get('spsRadiusServerFailedOver', dead), get('spsRadiusServerSent', dead), walk.stdout);
  const acct = await run(requireTool('snmpget', 'snmp'), ['-M', MIBDIRS, '-m', 'ALL', '-v2c', '-c', 'cspsAdmin', '-OQs', target, 'OPENSPS-SIP-MIB::spsAcctRecordsSent.1', 'OPENSPS-SIP-MIB::spsAcctSpoolDepth.1', 'OPENSPS-SIP-MIB::spsAcctRecordsDropped.1'], 60_000);
  assert.equal(acct.code, 0, acct.stderr);
  const [sent, depth, dropped] = acct.stdout.trim().split('\n').map((l) => Number(l.split(' = ')[1]));
  assert.equal(sent, (await fr.waitForRecords(1)).length, `the records FreeRADIUS wrote\n${acct.stdout}`);
  assert.equal(depth, 0, acct.stdout);
  assert.equal(dropped, 0, acct.stdout);
});
