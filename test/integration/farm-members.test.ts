// Farm membership with two real sipd members on one MariaDB: each keeps its farm_member
// row current; a request that passed member A unchanged and reaches member B is a loop
// (482 at B, naming A), while a spiral that passed A with another Request-URI goes on;
// the farm checks warn in error_log (a member named but never seen, a row no directive
// names, another version, another sipd.conf digest, clock skew); sysadmin_sps_regroute -f
// and pserver's /api/farm show every member's state, pid, version and last heartbeat.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfigFile } from '../../src/server/config.js';
import { Sipd } from '../../src/server/sipd.js';
import { installMySqlDb } from '../../src/cli/install-mysql-db.js';
import { ROUTE_DEFAULTS } from '../../src/modules/routing/csv.js';
import { openEmbeddedRouteStore } from '../../src/stores/embedded/route-store.js';
import { routeStoreOptions } from '../../src/stores/open.js';
import { loopSuffix } from '../../src/proxy/sanity.js';
import { parseMessage } from '../../src/sip/message.js';
import type { SipRequest } from '../../src/sip/message.js';
import { FIXTURES, freePort, makeServerRoot, runTool, showRun, waitFor } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';
import { startMariaDb } from '../helpers/mariadb.js';
import type { MariaDb } from '../helpers/mariadb.js';
import { describePeer, runUac } from '../helpers/sip-peers.js';
import { startPserver, WebClient } from '../helpers/web.js';
import type { TestPserver } from '../helpers/web.js';

interface Member {
  readonly sr: ServerRoot;
  readonly sipd: Sipd;
  readonly port: number;
}

const LOOP_PREFIX = '+1555';

/** A member on 127.0.0.1:port whose embedded route database sends +1555… to `nextHop`. */
async function startMember(db: MariaDb, port: number, name: string, others: string, nextHop: number, extra: string[] = []): Promise<Member> {
  const sr = makeServerRoot(port, [
    `ServerName ${name}`,
    'DB_MySQL On',
    `DB_MySQL_HostName ${db.address}`,
    'DB_MySQL_Username sps',
    'DB_MySQL_Password spspw',
    `Cisco_Registry_Farm_Members "${others}"`,
    'Cisco_Routing On',
    'SipT1InMs 100',
    ...extra,
  ]);
  const r = loadConfigFile(sr.conf);
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
  const store = await openEmbeddedRouteStore(routeStoreOptions(r.config, () => undefined));
  await store.put([{ ...ROUTE_DEFAULTS, pattern: `${LOOP_PREFIX}.......`, type: 'phone', nextHop: '127.0.0.1', port: nextHop }]);
  await store.close();
  return { sr, port, sipd: await Sipd.start(r.config, { file: sr.conf, load: {} }) };
}

type FarmStatus = { name: string; members?: { rows: { name: string; sip: string[]; state: string }[] } };
const farmOf = (m: Member) => m.sipd.status().farm as FarmStatus | undefined;

/** Send one request from a UDP socket of ours and collect what comes back to it or to `listen` (a stand-in next hop) for up to `ms`. */
async function exchange(to: number, text: (mine: number) => string, listen: dgram.Socket, ms: number, done: (got: string[]) => boolean): Promise<string[]> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const got: string[] = [];
  try {
    return await new Promise<string[]>((resolve) => {
      const timer = setTimeout(() => resolve(got), ms);
      const take = (m: Buffer) => {
        got.push(m.toString());
        if (done(got)) {
          clearTimeout(timer);
          resolve(got);
        }
      };
      s.on('message', take);
      listen.on('message', take);
      s.send(text(s.address().port), to, '127.0.0.1');
    });
  } finally {
    listen.removeAllListeners('message');
    s.close();
  }
}

describe('farm members on a shared database', () => {
  let db: MariaDb;
  let a: Member;
  let b: Member;
  let ps: TestPserver | undefined;
  let nextHop: dgram.Socket;

  before(async () => {
    db = await startMariaDb();
    await db.sql("CREATE USER 'sps'@'%' IDENTIFIED BY 'spspw'; GRANT ALL ON *.* TO 'sps'@'%';");
    const lines = await installMySqlDb({ server: { host: '127.0.0.1', port: db.port }, adminUser: 'root', adminPassword: '', database: 'sip', table: 'subscriber', timeoutMs: 5000 });
    assert.ok(lines.some((l) => /sip\.farm_member: version 1/.test(l)), lines.join('\n'));
    const [pa, pb] = [await freePort(), await freePort()];
    // A names B and a member that never runs; B runs with one other farm-wide directive (MaxForks).
    a = await startMember(db, pa, 'sps-a.farm.test', 'sps-b.farm.test sps-c.farm.test', pb);
    b = await startMember(db, pb, 'sps-b.farm.test', 'sps-a.farm.test', pa, ['MaxForks 4']);
    nextHop = dgram.createSocket('udp4');
    await new Promise<void>((r) => nextHop.bind(0, '127.0.0.1', r));
  });
  after(async () => {
    nextHop?.close();
    await ps?.stop();
    for (const m of [a, b]) {
      await m?.sipd.stop('test over');
      m?.sr.remove();
    }
    await db?.remove();
  });

  test('each member writes its row: running, its pid, version, SIP address and the database time of its heartbeat', async () => {
    const rows = (await db.sql('SELECT name, sip, pid, version, state, heartbeat, UNIX_TIMESTAMP(NOW(3)) * 1000 AS now FROM sip.farm_member ORDER BY name')) as { name: string; sip: string; pid: number; state: string; heartbeat: number; now: number }[];
    assert.deepEqual(rows.map((r) => [r.name, r.state]), [['sps-a.farm.test', 'running'], ['sps-b.farm.test', 'running']]);
    assert.ok(JSON.parse(rows[0].sip).includes(`UDP 127.0.0.1:${a.port}`), rows[0].sip);
    assert.equal(Number(rows[1].pid), process.pid);
    assert.ok(Number(rows[0].now) - Number(rows[0].heartbeat) < 60_000);
    // B read A's row at its first heartbeat: it knows A's address.
    assert.ok(farmOf(b)?.members?.rows.some((r) => r.name === 'sps-a.farm.test' && r.sip.includes(`UDP 127.0.0.1:${a.port}`)));
  });

  test('a call routed A → B unchanged is a loop: B answers 482 and names A; A sees no loop of its own', async () => {
    const r = await runUac({ scenario: path.join(FIXTURES, 'sipp', 'uac-expect.xml'), target: { port: a.port }, transport: 'udp', timeoutS: 30, keys: { ruri: `sip:${LOOP_PREFIX}0001111@127.0.0.1:${a.port};user=phone`, expect: '482' } });
    assert.equal(r.code, 0, describePeer(r));
    assert.match(b.sr.readErrorLog(), new RegExp(`loop detected: INVITE sip:\\${LOOP_PREFIX}0001111@127\\.0\\.0\\.1:${a.port};user=phone .*came back unchanged \\(it passed farm member sps-a\\.farm\\.test\\)`));
    assert.doesNotMatch(a.sr.readErrorLog(), /loop detected/);
  });

  test('a spiral that passed A with another Request-URI goes on from B; the same request unchanged is a loop', async () => {
    const target = `sip:carol@127.0.0.1:${nextHop.address().port}`;
    const request = (uri: string, mine: number, suffix: string) =>
      [`OPTIONS ${uri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${mine};branch=z9hG4bKclient${mine}`, `Via: SIP/2.0/UDP 127.0.0.1:${a.port};branch=z9hG4bKmemberA${suffix}`, 'Max-Forwards: 60', 'From: <sip:alice@farm.test>;tag=f1', `To: <${uri}>`, 'Call-ID: spiral-1@farm.test', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n');
    // The suffix A would have put in its branch when the request reached it as sip:bob@farm.test.
    const atA = parseMessage(Buffer.from(request('sip:bob@farm.test', 1, ''))).message as SipRequest;
    const spiral = await exchange(b.port, (mine) => request(target, mine, loopSuffix(atA)), nextHop, 5000, (got) => got.some((m) => m.startsWith('OPTIONS ')));
    assert.ok(spiral.some((m) => m.startsWith(`OPTIONS ${target} `)), `B forwards the spiral:\n${spiral.join('\n---\n')}`);
    const looped = await exchange(b.port, (mine) => request(target, mine, loopSuffix(parseMessage(Buffer.from(request(target, mine, ''))).message as SipRequest)), nextHop, 5000, (got) => got.some((m) => /^SIP\/2\.0 482/.test(m)));
    assert.ok(looped.some((m) => /^SIP\/2\.0 482/.test(m)), `B refuses the loop:\n${looped.join('\n---\n')}`);
  });

  test('the farm checks warn in error_log: a member never seen, a row no directive names, another version, digest and clock', async () => {
    await db.sql(
      "INSERT INTO sip.farm_member (name, host, sip, pid, version, started, heartbeat, state, conf_digest, clock_skew_ms, instance) VALUES ('sps-x', 'hostx', '[\"UDP 192.0.2.99:5060\"]', 4242, '0.0.1', ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000), ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) + 600000, 'running', REPEAT('f', 64), 10000, 'xxxxxxxxxxxxxxxx')",
    );
    // A's heartbeat is every 5 s and "never seen" waits for three of them after start.
    const log = await waitFor('A\'s farm warnings', () => {
      const t = a.sr.readErrorLog();
      return /sps-c\.farm\.test .*has never written its row/.test(t) && /farm member sps-x .*not named in this member's/.test(t) && t;
    }, 40_000, 500);
    assert.match(log, /farm member sps-x \(host hostx, pid 4242\) runs OpenSPS 0\.0\.1, this member /);
    assert.match(log, /farm member sps-x .* runs farm-wide directives that differ from this member's \(sipd\.conf digest ffffffffffff there/);
    assert.match(log, /clocks of farm member sps-x .* are \d+ ms apart: synchronise every member with NTP/);
    assert.match(log, /farm member sps-b\.farm\.test .* runs farm-wide directives that differ/);
    const b1 = await waitFor('B\'s digest warning', () => /farm member sps-a\.farm\.test .* runs farm-wide directives that differ/.test(b.sr.readErrorLog()), 20_000, 500);
    assert.ok(b1);
    // Once per change, not at every heartbeat: wait for two more of A's heartbeats and count.
    const beats = async () => Number(((await db.sql("SELECT heartbeat FROM sip.farm_member WHERE name = 'sps-a.farm.test'")) as { heartbeat: number }[])[0].heartbeat);
    const first = await beats();
    await waitFor('two more heartbeats of A', async () => (await beats()) > first + 5_000, 20_000, 500);
    assert.equal(a.sr.readErrorLog().match(/sps-c\.farm\.test .*has never written its row/g)?.length, 1);
  });

  test('sysadmin_sps_regroute -f lists every member with state, heartbeat, version and pid; without a farm it says why', async () => {
    const r = await runTool('sysadmin_sps_regroute', ['-f', '-p', a.sr.conf]);
    assert.equal(r.code, 0, showRun(r));
    assert.match(r.stdout, /^sps-a\.farm\.test \(this host\): running$/m);
    assert.match(r.stdout, /^sps-b\.farm\.test: running\n {2}last heartbeat \d+ s ago; version \S+; pid \d+ on /m);
    assert.match(r.stdout, /^sps-c\.farm\.test: never seen$/m);
    assert.match(r.stdout, /^sps-x \(not named in sipd\.conf\): running\n {2}last heartbeat 0 s ago; version 0\.0\.1; pid 4242 on hostx/m);
    const single = makeServerRoot(await freePort());
    try {
      const no = await runTool('sysadmin_sps_regroute', ['-f', '-p', single.conf]);
      assert.equal(no.code, 1, showRun(no));
      assert.match(no.stderr, /makes no farm member on MySQL/);
    } finally {
      single.remove();
    }
  });

  test("pserver's /api/farm fills the other members' state, pid, uptime, version and last heartbeat from the table", async () => {
    ps = await startPserver({ sipdConf: a.sr.conf });
    const admin = new WebClient(ps.url);
    await admin.firstLogin('cspsuser', ps.initialPassword!, 'farm-members-password-1');
    const r = await admin.get('/api/farm', { headers: { accept: 'application/json' } });
    assert.equal(r.status, 200, r.body);
    type M = { name: string; local: boolean; running: boolean | null; pid?: number; uptime?: number; state?: string; version?: string; heartbeatAgo?: number };
    const members = r.json<{ members: M[] }>().members;
    const by = (n: string) => members.find((m) => m.name === n);
    assert.equal(members[0].local, true);
    assert.equal(members[0].state, 'running');
    const mb = by('sps-b.farm.test');
    assert.equal(mb?.running, true, JSON.stringify(members));
    assert.equal(mb?.pid, process.pid);
    assert.equal(mb?.state, 'running');
    assert.equal(typeof mb?.uptime, 'number');
    assert.equal(typeof mb?.heartbeatAgo, 'number');
    assert.ok(mb?.version);
    assert.equal(by('sps-c.farm.test')?.state, 'never seen');
    assert.equal(by('sps-c.farm.test')?.running, false);
    assert.equal(by('sps-x')?.version, '0.0.1');
    const page = await admin.get('/farm/sip-server-core');
    assert.match(page.body, /sps-b\.farm\.test<\/td>\s*<td class="state">running<\/td>/);
  });
});
