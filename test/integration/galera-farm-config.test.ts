// Farm-wide configuration (sip farm push / status, src/server/farm-config.ts) on the
// 3-node Galera test cluster with three sipd members, member N working through node N.
//
// A valid push reaches every member's sipd.conf (its own lines kept) and its running
// configuration (graceful restart), and each reports applied; a value no member could
// load is refused before anything is written; a generation that the members find
// invalid is written nowhere and each says why (file:line), and a corrected push mends it;
// a member that is down is reported as not answering, and applies the newest generation
// when it starts again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installMySqlDb } from '../../src/cli/install-mysql-db.js';
import { loadConfigFile } from '../../src/server/config.js';
import { Sipd } from '../../src/server/sipd.js';
import { FarmConfigTable } from '../../src/stores/mysql/farm-config-store.js';
import { MySqlPool } from '../../src/stores/mysql/pool.js';
import { runBin, showRun, waitFor } from '../helpers/index.js';
import { startGaleraCluster } from '../helpers/galera.js';
import type { GaleraCluster } from '../helpers/galera.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { startPserver, WebClient } from '../helpers/web.js';
import type { TestPserver } from '../helpers/web.js';

let cluster: GaleraCluster | undefined;
const members: TestProxy[] = [];
/** Member 3 after it was stopped and started again (same ServerRoot). */
let restarted: Sipd | undefined;
let pool: MySqlPool | undefined;
let table: FarmConfigTable;
let ps: TestPserver | undefined;

const NAMES = ['sps1.farm.test', 'sps2.farm.test', 'sps3.farm.test'];
const confOf = (i: number) => members[i].sr.conf;
const read = (i: number) => readFileSync(confOf(i), 'utf8');

/** `sip farm …` with member 1's sipd.conf. */
const sipFarm = (args: readonly string[]) => runBin('sip', ['farm', ...args, '-f', confOf(0)], 120_000);

before(async () => {
  cluster = await startGaleraCluster(3);
  await installMySqlDb({ server: { host: '127.0.0.1', port: cluster.nodes[0].db.port }, adminUser: 'root', adminPassword: '', database: 'sip', table: 'subscriber', account: { user: 'sps', password: 'spspw' }, timeoutMs: 10_000 });
  await cluster.caughtUp();
  for (let i = 0; i < 3; i++) {
    const others = NAMES.filter((_, j) => j !== i).join(' ');
    members.push(
      await startTestSipd([
        `ServerName ${NAMES[i]}`,
        'DB_MySQL On',
        `DB_MySQL_HostName 127.0.0.1:${cluster.nodes[i].db.port}`,
        'DB_MySQL_Username sps',
        'DB_MySQL_Password spspw',
        'DB_MySQL_Connect_Timeout 10',
        `Cisco_Registry_Farm_Members ${others}`,
        `Cisco_Routing_Farm_Members ${others}`,
        '# the timers every member shares',
        'SipT1InMs 500',
      ]),
    );
  }
  pool = new MySqlPool({ primary: { host: '127.0.0.1', port: cluster.nodes[1].db.port }, user: 'sps', password: 'spspw', database: 'sip', timeoutMs: 10_000, log: () => undefined });
  table = new FarmConfigTable(pool, 'sip');
});

after(async () => {
  await ps?.stop();
  await restarted?.stop('test over');
  for (const m of members) await stopTestSipd(m);
  await pool?.close();
  await cluster?.remove();
});

describe('sip farm push', () => {
  test('a valid push reaches every member: sipd.conf has it (own lines kept), the running sipd uses it, each reports applied', async () => {
    const r = await sipFarm(['push', '--wait', '90', 'SipT1InMs', '700', 'AuthRealm', 'farmrealm']);
    assert.equal(r.code, 0, showRun(r));
    assert.match(r.stdout, /generation 1 written/);
    for (let i = 0; i < 3; i++) {
      assert.match(r.stdout, new RegExp(`^${NAMES[i].replace(/\./g, '\\.')}: applied \\(graceful restart\\)`, 'm'), showRun(r));
      const text = read(i);
      assert.match(text, /^SipT1InMs 700$/m, `member ${i + 1}`);
      assert.match(text, /^AuthRealm farmrealm$/m);
      assert.match(text, new RegExp(`^ServerName ${NAMES[i]}$`, 'm'), 'host-specific lines stay');
      assert.match(text, new RegExp(`^DB_MySQL_HostName 127\\.0\\.0\\.1:${cluster!.nodes[i].db.port}$`, 'm'));
      assert.match(text, /^# the timers every member shares$/m, 'comments stay');
      assert.equal(members[i].sipd.config.values.SipT1InMs, 700, 'applied by a graceful restart');
      assert.equal(members[i].sipd.config.values.AuthRealm, 'farmrealm');
    }
    const status = await sipFarm(['status']);
    assert.equal(status.code, 0, showRun(status));
    assert.match(status.stdout, /^generation 1, pushed by .*\(sip farm push\)/m);
    assert.equal(status.stdout.match(/: applied \(graceful restart\)/g)?.length, 3, showRun(status));
  });

  test('a host-specific directive, or a value this host cannot load, is refused and nothing is written', async () => {
    const before = [0, 1, 2].map(read);
    const listen = await sipFarm(['push', 'Listen', '0.0.0.0:5999']);
    assert.equal(listen.code, 1, showRun(listen));
    assert.match(listen.stderr, /Listen is host-specific/);
    const bad = await sipFarm(['push', 'SipT1InMs', 'fast']);
    assert.equal(bad.code, 1, showRun(bad));
    assert.match(bad.stderr, /sipd\.conf:\d+:\d+: .*SipT1InMs|sipd\.conf:\d+:\d+: /);
    assert.match(bad.stderr, /nothing was pushed/);
    assert.equal((await table.generation())?.gen, 1, 'no generation written');
    assert.deepEqual([0, 1, 2].map(read), before);
  });

  test('a generation the members cannot load is written nowhere, each member says why, and a corrected push mends it', async () => {
    const before = [0, 1, 2].map(read);
    // Written past the pusher's check, as another release or a hand-made row could.
    const g = await table.push({ SipT1InMs: ['fast'] }, { allowRestart: false, by: 'test' });
    await waitFor('every member refusing it', async () => (await table.outcomes(g.gen)).filter((o) => o.state === 'invalid').length === 3, 60_000, 200);
    const status = await sipFarm(['status']);
    assert.equal(status.code, 1, showRun(status));
    for (let i = 0; i < 3; i++) {
      assert.match(status.stdout, new RegExp(`^${NAMES[i].replace(/\./g, '\\.')}: invalid: ${confOf(i).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `, 'm'), showRun(status));
    }
    assert.deepEqual([0, 1, 2].map(read), before, 'no sipd.conf written');
    assert.equal(members[0].sipd.config.values.SipT1InMs, 700);
    // Any other push now fails the check on the whole set, naming the bad value …
    const blocked = await sipFarm(['push', 'AuthRealm', 'other']);
    assert.equal(blocked.code, 1, showRun(blocked));
    // … and pushing a good value for it mends the farm.
    const mended = await sipFarm(['push', '--wait', '90', 'SipT1InMs', '800']);
    assert.equal(mended.code, 0, showRun(mended));
    for (let i = 0; i < 3; i++) assert.equal(members[i].sipd.config.values.SipT1InMs, 800);
  });

  test('a member that is down is reported as not answering; started again, it applies the newest generation', async () => {
    const m3 = members[2];
    await m3.sipd.stop('test: member 3 down');
    const r = await sipFarm(['push', '--wait', '15', 'SipT2InMs', '5000']);
    assert.equal(r.code, 1, showRun(r));
    assert.match(r.stdout, /^sps1\.farm\.test: applied \(graceful restart\)/m);
    assert.match(r.stdout, /^sps2\.farm\.test: applied \(graceful restart\)/m);
    assert.match(r.stdout, /^sps3\.farm\.test: not answering/m);
    assert.doesNotMatch(read(2), /SipT2InMs 5000/);
    const gen = (await table.generation())!.gen;
    const loaded = loadConfigFile(m3.sr.conf);
    assert.ok(loaded.ok);
    restarted = await Sipd.start(loaded.config, { file: m3.sr.conf, load: {} });
    await waitFor('member 3 applying the newest generation', async () => (await table.outcomes(gen)).some((o) => o.member === 'sps3.farm.test'), 60_000, 200);
    assert.match(read(2), /^SipT2InMs 5000$/m);
    assert.equal(restarted.config.values.SipT2InMs, 5000);
    const status = await sipFarm(['status']);
    assert.equal(status.code, 0, showRun(status));
  });
});

describe("pserver's Apply to the whole farm", () => {
  type FarmReply = { changed: string[]; farm?: { ok: boolean; gen?: number; pushed: string[]; notPushed: string[]; error?: string; members: { name: string; state: string; operation: string; line: string }[] } };

  test('saving a tab with farm: true on member 2 pushes its farm-wide changes; every member (member 2 too) applies them and the reply says so per member', async () => {
    ps = await startPserver({ sipdConf: confOf(1) });
    const admin = new WebClient(ps.url);
    await admin.firstLogin('cspsuser', ps.initialPassword!, 'Farm-push-pw-1');
    const r = await admin.putJson('/api/farm/tabs/sip-server-core', { values: { SipT1InMs: '900' }, farm: true });
    assert.equal(r.status, 200, r.body);
    const j = r.json<FarmReply>();
    assert.deepEqual(j.changed, ['SipT1InMs']);
    assert.ok(j.farm, r.body);
    assert.deepEqual(j.farm.pushed, ['SipT1InMs']);
    assert.equal(j.farm.ok, true, r.body);
    assert.deepEqual(j.farm.members.map((m) => [m.name, m.state]), [
      ['sps2.farm.test', 'applied'],
      ['sps1.farm.test', 'applied'],
      ['sps3.farm.test', 'applied'],
    ]);
    const m3 = restarted ?? members[2].sipd;
    for (const s of [members[0].sipd, members[1].sipd, m3]) assert.equal(s.config.values.SipT1InMs, 900);
    for (let i = 0; i < 3; i++) assert.match(read(i), /^SipT1InMs 900$/m);
    // Without farm: true only this host's file changes.
    const local = await admin.putJson('/api/farm/tabs/sip-server-core', { values: { SipT1InMs: '950' } });
    assert.equal(local.status, 200, local.body);
    assert.equal(local.json<FarmReply>().farm, undefined);
    assert.match(read(1), /^SipT1InMs 950$/m);
    assert.match(read(0), /^SipT1InMs 900$/m);
  });
});
