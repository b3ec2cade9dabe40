// The RADIUS client's per-server figures over SNMP (OPENSPS-SIP-MIB spsRadiusServerTable),
// as an NMS reads them through ciagent: sipd with AuthServer Radius in front of a real
// FreeRADIUS, a right and a wrong REGISTER from sipp, then one row naming the server with
// two requests sent and two answered, and a second row for a server nobody runs, which
// time out without an answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, FIXTURES, freePort, REPO, requireTool, run, start, waitFor } from '../helpers/index.js';
import type { Running } from '../helpers/index.js';
import { startFreeRadius } from '../helpers/freeradius.js';
import type { FreeRadius } from '../helpers/freeradius.js';
import { describePeer, runUac } from '../helpers/sip-peers.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';

const MIBDIRS = `${path.join(REPO, 'mibs')}:${path.join(REPO, 'mibs', 'base')}`;
let dir: string;
let target: string;
let agent: Running | undefined;
let fr: FreeRadius;
let p: TestProxy;
let deadPort: number;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sip-mib-radius-'));
  target = `127.0.0.1:${await freePort()}`;
  deadPort = await freePort();
  const sock = path.join(dir, 'agentx');
  writeFileSync(path.join(dir, 'snmpd.cnf'), [
    'snmpCommunityEntry t0000001 cspsAdmin adminSec localSnmpID - - nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c adminSec adminGroup nonVolatile',
    'vacmAccessEntry adminGroup - any noAuthNoPriv exact All All All nonVolatile',
    'vacmViewTreeFamilyEntry All internet - included nonVolatile',
    '',
  ].join('\n'), { mode: 0o600 });
  agent = start(process.execPath, [
    path.join(BIN, 'ciagent'), '-f', '--config-dir', dir, '--data-dir', path.join(dir, 'data'), '--listen', `udp:${target}`,
    '--pid-file', path.join(dir, 'ciagent.pid'), '--log-file', path.join(dir, 'ciagent_log'), '--agentx', sock,
  ], 300_000);
  await waitFor('ciagent to start', () => {
    try {
      return /ciagent started on udp/.test(readFileSync(path.join(dir, 'ciagent_log'), 'utf8'));
    } catch {
      return false;
    }
  }, 60_000);
  fr = await startFreeRadius({ users: 'alice Cleartext-Password := "wonderland"\n' });
  p = await startTestSipd([
    'Cisco_Registry On', 'Authentication On', 'AuthServer Radius',
    // The primary is a port nobody listens on, so every request fails over to FreeRADIUS.
    'PrimaryRadiusAuthIp 127.0.0.1', `PrimaryRadiusAuthPort ${deadPort}`, `PrimaryRadiusAuthSecret ${fr.secret}`,
    'SecondaryRadiusAuthIp 127.0.0.1', `SecondaryRadiusAuthPort ${fr.authPort}`, `SecondaryRadiusAuthSecret ${fr.secret}`,
    'RadiusRetransmissionInterval 200', 'RadiusRetransmissionCount 1', 'RadiusRetryTime 1',
    `AgentXSocket ${sock}`,
  ]);
});

after(async () => {
  await stopTestSipd(p);
  await fr?.remove();
  agent?.child.kill('SIGTERM');
  await agent?.done;
  rmSync(dir, { recursive: true, force: true });
});

test('spsRadiusServerTable shows each RADIUS server with what happened to the requests', async () => {
  for (const [password, expect] of [['wonderland', 200], ['looking-glass', 401]] as const) {
    const r = await runUac({
      scenario: path.join(FIXTURES, 'sipp', 'auth-register.xml'),
      target: { port: p.port },
      keys: { user: 'alice', domain: `127.0.0.1:${p.port}`, expires: 300, expect },
      extraArgs: ['-au', 'alice', '-ap', password],
      timeoutS: 20,
    });
    assert.equal(r.code, 0, describePeer(r));
  }
  const walk = await run(requireTool('snmpbulkwalk', 'snmp'), ['-M', MIBDIRS, '-m', 'ALL', '-v2c', '-c', 'cspsAdmin', '-OQs', target, 'OPENSPS-SIP-MIB::spsRadiusServerTable'], 60_000);
  assert.equal(walk.code, 0, walk.stderr);
  const cells = new Map(walk.stdout.trim().split('\n').map((l) => l.split(' = ') as [string, string]));
  const rowOf = (address: string) => [...cells].find(([k, v]) => k.startsWith('spsRadiusServerAddress.1.') && v === address)?.[0].split('.').pop();
  const live = rowOf(`127.0.0.1:${fr.authPort}`);
  const dead = rowOf(`127.0.0.1:${deadPort}`);
  assert.ok(live && dead, walk.stdout);
  const get = (column: string, row: string) => Number(cells.get(`${column}.1.${row}`));
  assert.equal(get('spsRadiusServerSent', live), 2, walk.stdout);
  assert.equal(get('spsRadiusServerAnswered', live), 2, walk.stdout);
  assert.equal(get('spsRadiusServerBadResponses', live), 0, walk.stdout);
  assert.ok(get('spsRadiusServerSent', dead) >= 1, walk.stdout);
  assert.equal(get('spsRadiusServerAnswered', dead), 0, walk.stdout);
  assert.ok(get('spsRadiusServerRetransmitted', dead) >= 1, walk.stdout);
  assert.equal(get('spsRadiusServerFailedOver', dead), get('spsRadiusServerSent', dead), walk.stdout);
});
