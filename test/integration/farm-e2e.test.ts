// A farm end to end (issue 19, "Done when"): a 3-node Galera cluster on 127.0.0.1 and
// three sipd members A, B and C (test/helpers/farm.ts), each a separate process on its
// own node, driven by real SIP peers (sipp) and by the operator's tools:
// - a phone registered on A is called through B and through C;
// - a route added with sysadmin_sps_regroute on C's ServerRoot is used by a call through A;
// - a subscriber added with sysadmin_mysql_user on B's ServerRoot authenticates through A
//   (REGISTER and a whole call), and a wrong password is refused.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runTool, showRun, waitFor } from '../helpers/run.js';
import { FARM_DOMAIN, startFarm, waitForRegistrations } from '../helpers/farm.js';
import type { Farm } from '../helpers/farm.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult } from '../helpers/sip-peers.js';

let farm: Farm | undefined;
const peers: SippPeer[] = [];

before(async () => {
  farm = await startFarm();
});

after(async () => {
  for (const p of peers) await p.stop();
  await farm?.close();
});

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}\n${farm?.members.map((m) => m.describe()).join('\n')}`);
}

async function phone(calls: number): Promise<SippPeer> {
  const p = await startUas({ scenario: 'uas-answer', calls, timeoutS: 300 });
  peers.push(p);
  return p;
}

test('install_mysql_db made the farm tables and sipd\'s account; every member started on its own node', () => {
  const f = farm!;
  assert.match(f.installed, /account sps may read and write sip\.\*/);
  assert.match(f.installed, /location/);
  for (const m of f.members) assert.ok(m.running, `member ${m.label}`);
});

test('a phone registered on A is called through B and through C (200, call completes)', async () => {
  const [a, b, c] = farm!.members;
  const bob = await phone(2);
  ok(await runUac({ scenario: 'register', target: { port: a.port }, keys: { user: 'bob', domain: FARM_DOMAIN, contact: `sip:bob@${bob.address}`, expires: 3600 } }), 'REGISTER bob on A');
  // B and C follow the shared registry; wait (bounded) until their memory has it.
  for (const m of [b, c]) await waitForRegistrations(m, ['bob']);
  for (const m of [b, c]) ok(await runUac({ scenario: 'uac-call', target: { port: m.port }, keys: { ruri: `sip:bob@${FARM_DOMAIN}`, rr: 'any' } }), `call to bob through ${m.label}`);
  ok(await bob.done, 'bob answered both calls');
});

test('a route added with sysadmin_sps_regroute on C is used by a call through A', async () => {
  const [a, , c] = farm!.members;
  const gateway = await phone(1);
  const csv = path.join(c.sr.root, 'routes.csv');
  writeFileSync(csv, `pattern,type,nextHop,port,transport,priority,weight\n+1555.......,phone,127.0.0.1,${gateway.port},UDP,1,1\n`);
  const r = await runTool('sysadmin_sps_regroute', ['-p', c.sr.conf, '-m', 'routing', '-i', csv]);
  assert.equal(r.code, 0, showRun(r));
  assert.match(r.stdout, /routing: imported 1 entr/, showRun(r));
  // A's route table (in its memory, listed through its control socket) gets it from the shared tables.
  const listed = async () => (await runTool('sysadmin_sps_regroute', ['-p', a.sr.conf, '-m', 'routing', '-l'])).stdout;
  await waitFor('the route in member A', async () => new RegExp(`^\\+1555\\.{7},phone,127\\.0\\.0\\.1,${gateway.port},UDP,`, 'm').test(await listed()), 30_000, 250);
  ok(await runUac({ scenario: 'uac-call', target: { port: a.port }, keys: { ruri: `sip:+15550001234@${FARM_DOMAIN};user=phone`, rr: 'any' } }), 'call by the route through A');
  const g = await gateway.done;
  ok(g, 'the gateway named by the route answered');
  // Next-hop routing keeps the Request-URI; the gateway got the INVITE because the route names it.
  assert.match(g.messages, /^INVITE sip:\+15550001234@farm\.test;user=phone SIP\/2\.0/m, g.messages);
});

test('a subscriber added on B authenticates through A (REGISTER and a call); a wrong password is refused', async () => {
  const [a, b] = farm!.members;
  const add = await runTool('sysadmin_mysql_user', ['--conf', b.sr.conf, 'add', '--user', 'carol', '--password-stdin'], { input: 'carol-secret\n' });
  assert.equal(add.code, 0, showRun(add));
  // Without virtual proxy hosts sipd keys subscribers by user id alone (no domain).
  assert.match(add.stdout, /Added subscriber carol\b/);
  // Authentication on for member A: the operator edits its sipd.conf and restarts it gracefully.
  a.sr.writeConf([...a.sr.lines, 'Authentication On']);
  await a.graceful();

  const carol = await phone(1);
  const register = (password: string, expect: number) =>
    runUac({ scenario: 'auth-register', target: { port: a.port }, keys: { user: 'carol', domain: FARM_DOMAIN, contact: `sip:carol@${carol.address}`, expires: 3600, expect }, extraArgs: ['-au', 'carol', '-ap', password] });
  ok(await register('not-her-password', 401), 'REGISTER with a wrong password is challenged again');
  assert.match(a.sr.readErrorLog(), /authentication failed for carol/);
  ok(await register('carol-secret', 200), 'REGISTER with carol\'s password');

  const invite = (password: string, scenario: string, keys: Record<string, string>) =>
    runUac({ scenario, target: { port: a.port }, keys: { ruri: `sip:carol@${FARM_DOMAIN}`, caller: 'carol', ...keys }, extraArgs: ['-au', 'carol', '-ap', password] });
  ok(await invite('not-her-password', 'auth-invite', { expect: '407' }), 'INVITE with a wrong password is refused (407 again)');
  ok(await invite('carol-secret', 'auth-call', {}), 'an authenticated call through A to carol\'s registration');
  ok(await carol.done, 'carol\'s phone answered');
});
