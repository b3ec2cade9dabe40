// The MySQL subscriber store against real MariaDB servers: install_mysql_db (create and
// upgrade, idempotent), sysadmin_mysql_user (menu and commands, Appendix C), mapping an
// existing table with the DB_MySQL_*_Field directives, primary → secondary → primary
// failover, both servers down within DB_MySQL_Connect_Timeout, the guide's error
// messages, and a mysqldump / mysql backup round trip (ch. 3).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/server/config.js';
import type { Config } from '../../src/config/loader.js';
import { MySqlPool } from '../../src/stores/mysql/pool.js';
import { installSchema } from '../../src/stores/mysql/schema.js';
import { openSubscriberStore } from '../../src/stores/open.js';
import { makeSecret, encodeSecret } from '../../src/stores/secret.js';
import { StoreUnavailableError, emptySubscriber } from '../../src/stores/subscriber-store.js';
import type { SubscriberStore } from '../../src/stores/subscriber-store.js';
import { freePort, requireTool, runTool, showRun, start, waitFor } from '../helpers/index.js';
import { startMariaDb } from '../helpers/mariadb.js';
import type { MariaDb } from '../helpers/mariadb.js';

let primary: MariaDb;
let secondary: MariaDb;
let root: string;

before(async () => {
  // allSettled: when one fails to start, the other must still be assigned so after() stops it.
  const started = await Promise.allSettled([startMariaDb(), startMariaDb()]);
  if (started[0].status === 'fulfilled') primary = started[0].value;
  if (started[1].status === 'fulfilled') secondary = started[1].value;
  for (const r of started) if (r.status === 'rejected') throw r.reason;
  for (const db of [primary, secondary]) {
    await db.sql("CREATE USER 'sps'@'%' IDENTIFIED BY 'spspw'; GRANT ALL ON *.* TO 'sps'@'%';");
  }
  root = mkdtempSync(path.join(os.tmpdir(), 'mysql-subs-'));
  mkdirSync(path.join(root, 'conf'));
});

after(async () => {
  await Promise.all([primary?.remove(), secondary?.remove()]);
  if (root) rmSync(root, { recursive: true, force: true });
});

function writeConf(name: string, lines: string[]): string {
  const f = path.join(root, 'conf', name);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

function configOf(lines: string[]): Config {
  const r = parseConfig(lines.join('\n') + '\n', path.join(root, 'conf', 'test.conf'), { serverRoot: root });
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

/** Run one of our bin/ tools with this text on standard input (and these variables added to the environment). */
const tool = (name: string, args: string[], input = '', env: NodeJS.ProcessEnv = {}) => runTool(name, args, { input, env: { ...process.env, ...env } });

const mysqlLines = (db: MariaDb, extra: string[] = []) => [
  'DB_MySQL On',
  `DB_MySQL_HostName ${db.address}`,
  'DB_MySQL_Username sps',
  'DB_MySQL_Password spspw',
  'AuthRealm example.com',
  ...extra,
];

test('install_mysql_db creates sip.subscriber and schema_version; a second run changes nothing', async () => {
  const conf = writeConf('install.conf', mysqlLines(primary));
  const first = await tool('install_mysql_db', ['--conf', conf, '--admin-user', 'root']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /sip\.subscriber: version 1: create/);
  assert.match(first.stdout, /sip\.subscriber: version 2: add domain/);
  assert.match(first.stdout, /sip\.subscriber: version 3: indexes/);
  const again = await tool('install_mysql_db', ['--conf', conf, '--admin-user', 'root']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /up to date \(schema version 3\)/);
  const v = (await primary.sql('SELECT version FROM sip.schema_version WHERE table_name = ?', ['subscriber'])) as { version: number }[];
  assert.deepEqual(v.map((r) => r.version), [3]);
  // The secondary gets the same schema (as a replica would have it).
  const conf2 = writeConf('install2.conf', mysqlLines(secondary));
  assert.equal((await tool('install_mysql_db', ['--conf', conf2, '--admin-user', 'root'])).code, 0);
});

test('install_mysql_db upgrades a version-1 table in place, keeping its rows', async () => {
  const pool = new MySqlPool({ primary: { host: '127.0.0.1', port: primary.port }, user: 'root', password: '', timeoutMs: 10_000, log: () => undefined });
  try {
    const r1 = await installSchema(pool, { database: 'old', table: 'subscriber', upTo: 1 });
    assert.deepEqual([r1.from, r1.to], [0, 1]);
    await primary.sql("INSERT INTO old.subscriber (user_id, password, dest_url_cfna) VALUES ('4000', 'legacy', 'sip:vm@example.com')");
  } finally {
    await pool.close();
  }
  const conf = writeConf('old.conf', mysqlLines(primary, ['DB_MySQL_DB old']));
  const up = await tool('install_mysql_db', ['--conf', conf, '--admin-user', 'root']);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /old\.subscriber: version 2/);
  assert.doesNotMatch(up.stdout, /subscriber: version 1/);
  const again = await tool('install_mysql_db', ['--conf', conf, '--admin-user', 'root']);
  assert.match(again.stdout, /up to date/);
  const store = await openSubscriberStore(configOf(mysqlLines(primary, ['DB_MySQL_DB old'])), () => undefined);
  try {
    const s = await store.get('4000');
    assert.equal(s?.cfna, 'sip:vm@example.com');
    assert.deepEqual(s?.secret, { kind: 'plain', password: 'legacy' });
  } finally {
    await store.close();
  }
});

test('Appendix C: sysadmin_mysql_user commands add, show, modify, list and remove', async () => {
  const conf = writeConf('cli.conf', mysqlLines(primary));
  const add = await tool('sysadmin_mysql_user', ['--conf', conf, 'add', '--user', '2000', '--domain', 'example.com', '--password-stdin', '--cfna', 'sip:vm@example.com', '--first', 'Ann'], 'pw2000\n');
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /Added subscriber 2000@example\.com/);
  const rows = (await primary.sql('SELECT password, dest_url_cfna, first_name FROM sip.subscriber WHERE user_id = ?', ['2000'])) as Record<string, string>[];
  assert.equal(rows[0].password, encodeSecret(makeSecret('2000', 'example.com', 'pw2000')), 'HA1 form, realm from AuthRealm');
  assert.equal(rows[0].dest_url_cfna, 'sip:vm@example.com');
  const mod = await tool('sysadmin_mysql_user', ['--conf', conf, 'modify', '--user', '2000', '--domain', 'example.com', '--cfb', 'sip:busy@example.com', '--privacy', 'yes']);
  assert.equal(mod.code, 0, mod.stderr);
  const show = await tool('sysadmin_mysql_user', ['--conf', conf, 'show', '--user', '2000', '--domain', 'example.com']);
  assert.match(show.stdout, /dest_url_cfb:\s+sip:busy@example\.com/);
  assert.match(show.stdout, /dest_url_cfna:\s+sip:vm@example\.com/);
  assert.match(show.stdout, /redirect_dn_privacy: yes/);
  assert.match(show.stdout, /password:\s+\*\*\*\*/);
  assert.doesNotMatch(show.stdout, /pw2000|ha1\$/);
  const list = await tool('sysadmin_mysql_user', ['--conf', conf, 'list']);
  assert.match(list.stdout, /2000@example\.com\n1 subscriber/);
  const dup = await tool('sysadmin_mysql_user', ['--conf', conf, 'add', '--user', '2000', '--domain', 'example.com']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /ERROR: Subscriber 2000@example\.com already exists/);
  const rm = await tool('sysadmin_mysql_user', ['--conf', conf, 'remove', '--user', '2000', '--domain', 'example.com']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.deepEqual(await primary.sql("SELECT * FROM sip.subscriber WHERE user_id = '2000'"), []);
});

test('Appendix C: the menu — host/user/password/database/table prompts, A P N U, L Y, M B, S, R, X', async () => {
  const conf = writeConf('menu.conf', ['DB_MySQL On', 'AuthRealm CISCO']);
  const input = [
    primary.address, 'sps', 'spspw', '*', 'subscriber', // start prompts ("*" takes the default "sip")
    'a', '3000', 'example.com', // add
    'P', 'secret3000',
    'N', 'sip:3000-vm@example.com',
    'u', 'not a url', // refused, stays in the subscriber menu
    'X',
    'L', 'Y',
    'M', '3000', 'example.com', 'B', 'sip:3000-busy@example.com', 'X',
    'S', '3000', 'example.com',
    'A', 'bad id!', // refused
    'R', '3000', 'example.com',
    'X',
  ].join('\n') + '\n';
  const r = await tool('sysadmin_mysql_user', ['--conf', conf], input);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /MySQL host name \[localhost\]: /);
  assert.match(r.stdout, /Database name \[sip\]: /);
  assert.match(r.stdout, /MySQL Database main menu \(sip\.subscriber on 127\.0\.0\.1:\d+\)/);
  assert.match(r.stdout, /Added subscriber 3000@example\.com/);
  assert.match(r.stdout, /ERROR: Invalid dest_url_cfu syntax: "not a url"/);
  assert.match(r.stdout, /ERROR: Invalid user_id syntax: "bad id!"/);
  // L Y lists details, before the M step added call forward busy.
  assert.match(r.stdout, /3000@example\.com\n {2}user_id: +3000[\s\S]*dest_url_cfna: +sip:3000-vm@example\.com/);
  // S after M shows the busy target.
  assert.match(r.stdout, /dest_url_cfb: +sip:3000-busy@example\.com/);
  assert.match(r.stdout, /Removed subscriber 3000@example\.com\.\n0 subscribers/);
  assert.deepEqual(await primary.sql("SELECT * FROM sip.subscriber WHERE user_id = '3000'"), []);
});

test('Appendix C error messages: 2002, 1045, 1116, invalid user_id and dest_url_cfna', async () => {
  const closed = await freePort();
  const conf = writeConf('err.conf', ['DB_MySQL On', `DB_MySQL_HostName 127.0.0.1:${closed}`, 'DB_MySQL_Username sps', 'DB_MySQL_Password spspw', 'DB_MySQL_Connect_Timeout 2']);
  const down = await tool('sysadmin_mysql_user', ['--conf', conf, 'list']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^Error 2002: Can't connect to MySQL server on '127\.0\.0\.1:\d+' \(ECONNREFUSED\)\. Operation failed\./);
  const denied = await tool('sysadmin_mysql_user', ['--conf', conf, '--host', primary.address, '--db-user', 'sps', 'list'], '', { MYSQL_PWD: 'wrong' });
  assert.match(denied.stderr, /^Error 1045: Access denied for user 'sps'@'127\.0\.0\.1' \(using password: YES\)\. Operation failed\./);
  const noTable = await tool('sysadmin_mysql_user', ['--conf', conf, '--host', primary.address, '--table', 'nosuch', 'list'], '', { MYSQL_PWD: 'spspw' });
  assert.match(noTable.stderr, /^Error 1116: Table 'sip\.nosuch' doesn't exist\. Operation failed\./);
  const noDb = await tool('sysadmin_mysql_user', ['--conf', conf, '--host', primary.address, '--db', 'nosuchdb', 'list'], '', { MYSQL_PWD: 'spspw' });
  assert.match(noDb.stderr, /^Error 1116: Table 'nosuchdb\.subscriber' doesn't exist/);
  const badUser = await tool('sysadmin_mysql_user', ['--conf', conf, '--host', primary.address, 'add', '--user', 'a b'], '', { MYSQL_PWD: 'spspw' });
  assert.match(badUser.stderr, /^ERROR: Invalid user_id syntax/);
  const badUrl = await tool('sysadmin_mysql_user', ['--conf', conf, '--host', primary.address, 'add', '--user', '5000', '--cfna', 'vm'], '', { MYSQL_PWD: 'spspw' });
  assert.match(badUrl.stderr, /^ERROR: Invalid dest_url_cfna syntax: "vm"/);
  assert.equal(badUrl.code, 1);
});

test('B-13 field mapping: an existing table with other names and no domain column', async () => {
  await primary.sql(`CREATE DATABASE legacy;
    CREATE TABLE legacy.people (login VARCHAR(40) PRIMARY KEY, secret VARCHAR(200), fwd_noanswer VARCHAR(200), fwd_busy VARCHAR(200), hide ENUM('yes','no') DEFAULT 'no');
    INSERT INTO legacy.people VALUES ('6000', 'plainpw', 'sip:6000-vm@example.com', NULL, 'yes');`);
  const lines = mysqlLines(primary, [
    'DB_MySQL_DB legacy',
    'DB_MySQL_SubscriberTable people',
    'DB_MySQL_UserId_Field login',
    'DB_MySQL_Password_Field secret',
    'DB_MySQL_DestUrlCfna_Field fwd_noanswer',
    'DB_MySQL_DestUrlCfb_Field fwd_busy',
    'DB_MySQL_RedirectDnPrivacy_Field hide',
  ]);
  const store = await openSubscriberStore(configOf(lines), () => undefined);
  try {
    const s = await store.get('6000');
    assert.equal(s?.cfna, 'sip:6000-vm@example.com');
    assert.equal(s?.cfb, '');
    assert.equal(s?.redirectDnPrivacy, true);
    assert.deepEqual(s?.secret, { kind: 'plain', password: 'plainpw' });
    await store.add({ ...emptySubscriber('6001'), secret: makeSecret('6001', 'example.com', 'x'), cfb: 'sip:b@example.com' });
    await assert.rejects(store.add({ ...emptySubscriber('6002'), cfu: 'sip:u@example.com' }), /no column dest_url_cfu/);
    await assert.rejects(store.add(emptySubscriber('6003', 'example.com')), /no column domain/);
    const raw = (await primary.sql("SELECT login, fwd_busy, hide FROM legacy.people WHERE login = '6001'")) as Record<string, string>[];
    assert.deepEqual(raw, [{ login: '6001', fwd_busy: 'sip:b@example.com', hide: 'no' }]);
    assert.deepEqual((await store.list()).map((x) => x.user), ['6000', '6001']);
    assert.equal(await store.remove('6001'), true);
  } finally {
    await store.close();
  }
  // The command-line tool uses the same mapping from sipd.conf.
  const conf = writeConf('legacy.conf', lines);
  const show = await tool('sysadmin_mysql_user', ['--conf', conf, 'show', '--user', '6000']);
  assert.match(show.stdout, /dest_url_cfna:\s+sip:6000-vm@example\.com/);
});

test('DB_MySQL_Secondary_HostName: primary down → secondary answers → primary back', async () => {
  // Tell the servers apart by what each holds for 7000.
  await primary.sql("INSERT INTO sip.subscriber (user_id, domain, dest_url_cfna) VALUES ('7000', '', 'sip:primary@example.com')");
  await secondary.sql("INSERT INTO sip.subscriber (user_id, domain, dest_url_cfna) VALUES ('7000', '', 'sip:secondary@example.com')");
  const logs: string[] = [];
  const store = await openSubscriberStore(configOf(mysqlLines(primary, [`DB_MySQL_Secondary_HostName ${secondary.address}`])), (l, m) => logs.push(`${l} ${m}`));
  try {
    assert.equal((await store.get('7000'))?.cfna, 'sip:primary@example.com');
    await primary.stop();
    assert.equal((await store.get('7000'))?.cfna, 'sip:secondary@example.com', 'the call that finds the primary down is answered by the secondary');
    assert.ok(logs.some((l) => /primary MySQL server .* marked bad/.test(l)), logs.join('\n'));
    await primary.start();
    await waitFor('the primary answers again', async () => (await store.get('7000'))?.cfna === 'sip:primary@example.com', 30_000, 200);
    assert.ok(logs.some((l) => /primary MySQL server .* answers again/.test(l)), logs.join('\n'));
  } finally {
    await store.close();
  }
});

test('both servers down: get() throws StoreUnavailableError within DB_MySQL_Connect_Timeout, and nothing waits behind it', async (t) => {
  // Primary: accepts TCP and never says a word (a hung server). Secondary: nothing listens.
  const sockets = new Set<net.Socket>();
  const hung = net.createServer((s) => sockets.add(s));
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
  t.after(() => {
    for (const s of sockets) s.destroy();
    hung.close();
  });
  const hungPort = (hung.address() as net.AddressInfo).port;
  const closed = await freePort();
  const store: SubscriberStore = await openSubscriberStore(
    configOf(mysqlLines(primary, [`DB_MySQL_HostName 127.0.0.1:${hungPort}`, `DB_MySQL_Secondary_HostName 127.0.0.1:${closed}`, 'DB_MySQL_Connect_Timeout 2'])),
    () => undefined,
  );
  try {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 100);
    const started = Date.now();
    // Several lookups at once: each fails by the deadline, none queues behind another.
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((i) => store.get(`800${i}`)));
    const took = Date.now() - started;
    clearInterval(ticker);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok((r as PromiseRejectedResult).reason instanceof StoreUnavailableError, String((r as PromiseRejectedResult).reason));
    }
    assert.ok(took < 2000 + 1500, `all six failed within the 2 s timeout (took ${took} ms)`);
    assert.ok(ticks >= 5, `the event loop kept running while MySQL was awaited (${ticks} ticks)`);
    // Now both are marked bad: the next call fails at once instead of waiting again.
    const t2 = Date.now();
    await assert.rejects(store.get('8001'), StoreUnavailableError);
    assert.ok(Date.now() - t2 < 1000, 'a server marked bad is not waited for');
  } finally {
    await store.close();
  }
});

test('ch. 3 backup and restore: mysqldump --databases sip, drop, restore with mysql', async () => {
  const mysqldump = requireTool('mysqldump', 'mariadb-client');
  const mysqlCli = requireTool('mysql', 'mariadb-client');
  const conf = writeConf('backup.conf', mysqlLines(primary));
  const add = await tool('sysadmin_mysql_user', ['--conf', conf, 'add', '--user', '9000', '--password', 'pw9', '--cfu', 'sip:9000@elsewhere.example.com']);
  assert.equal(add.code, 0, add.stderr);
  const store = await openSubscriberStore(configOf(mysqlLines(primary)), () => undefined);
  const before = await store.list();
  await store.close();
  const dumpFile = path.join(root, 'sip.sql');
  const common = ['--no-defaults', '-h', '127.0.0.1', '-P', String(primary.port), '-u', 'sps'];
  const env = { ...process.env, MYSQL_PWD: 'spspw' };
  const dump = await start(mysqldump, [...common, '--databases', 'sip', `--result-file=${dumpFile}`], 60_000, { env }).done;
  assert.equal(dump.code, 0, showRun(dump));
  assert.match(readFileSync(dumpFile, 'utf8'), /CREATE TABLE `subscriber`/);
  await primary.sql('DROP DATABASE sip');
  const restore = await start(mysqlCli, common, 60_000, { env, input: readFileSync(dumpFile, 'utf8') }).done;
  assert.equal(restore.code, 0, showRun(restore));
  const again = await openSubscriberStore(configOf(mysqlLines(primary)), () => undefined);
  try {
    assert.deepEqual(await again.list(), before);
    assert.equal((await again.get('9000'))?.cfu, 'sip:9000@elsewhere.example.com');
  } finally {
    await again.close();
  }
});
