// sps_setup with MySQL against a scratch MariaDB: mysql_create_db=yes creates the sip
// database, its tables and sipd's account (checked with the mysql client); the written
// sipd.conf passes `sipd -t`, is private (0640) and a sipd started on it authenticates a
// subscriber added with sysadmin_mysql_user (sipp REGISTER with digest → 200); running
// setup again keeps the subscriber; a wrong administrator password (1045) or no server
// (2002) fails with the guide's message, a non-zero status and no file changed.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setDirective } from '../../src/config/conf-edit.js';
import { loadConfigFile } from '../../src/server/config.js';
import { Sipd } from '../../src/server/sipd.js';
import { BIN, FIXTURES, REPO, freePort, requireTool, run, runTool } from '../helpers/index.js';
import { startMariaDb } from '../helpers/mariadb.js';
import type { MariaDb } from '../helpers/mariadb.js';
import { describePeer, runUac } from '../helpers/sip-peers.js';

const ADMIN_PW = 'dba-Secret-77';
const SIPD_PW = 'sipd-Secret-42';

/** One of our bin/ tools, with this standard input; MYSQL_PWD only when given. */
function tool(name: string, args: string[], input = '', env: NodeJS.ProcessEnv = {}) {
  const base = { ...process.env };
  delete base.MYSQL_PWD;
  return runTool(name, args, { input, env: { ...base, ...env }, timeoutMs: 90_000 });
}

describe('sps_setup with MySQL', () => {
  let db: MariaDb;
  let prefix: string;
  let conf: string;
  let sipPort: number;
  const sipdConf = () => path.join(conf, 'sipd.conf');
  const logText = () => readFileSync(path.join(prefix, 'logs', 'sps_setup_log'), 'utf8');
  const confFiles = () => readdirSync(conf).sort().map((f) => `${f}\n${readFileSync(path.join(conf, f), 'utf8')}`);

  /** Rows of a query run by the mysql client as the scratch server's root. */
  async function mysqlClient(sql: string): Promise<string[]> {
    const mysql = requireTool('mysql', 'mariadb-client');
    const r = await run(mysql, ['--no-defaults', '-h', '127.0.0.1', '-P', String(db.port), '-u', 'root', '-N', '-B', '-e', sql], 30_000);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  }

  function answers(name: string, extra: string[]): string {
    const file = path.join(prefix, name);
    writeFileSync(
      file,
      [
        'proxy_domain=example.com',
        'host_address=127.0.0.1',
        'host_name=sps1.example.com',
        `sip_port=${sipPort}`,
        'mysql=on',
        `mysql_host=${db.address}`,
        'mysql_user=csps',
        `mysql_password=${SIPD_PW}`,
        ...extra,
      ].join('\n') + '\n',
    );
    return file;
  }

  before(async () => {
    db = await startMariaDb();
    // An administrator with a password (the scratch root has none), as on a real server.
    await db.sql(`CREATE USER 'dba'@'%' IDENTIFIED BY '${ADMIN_PW}'; GRANT ALL ON *.* TO 'dba'@'%' WITH GRANT OPTION;`);
    sipPort = await freePort();
    prefix = mkdtempSync(path.join(tmpdir(), 'sps-setup-mysql-'));
    conf = path.join(prefix, 'conf');
    cpSync(path.join(REPO, 'conf'), conf, { recursive: true });
    mkdirSync(path.join(prefix, 'logs'));
    mkdirSync(path.join(prefix, 'data'));
    // What this test needs beyond sps_setup's items: run as root here (no csps account), challenge REGISTERs.
    const lines = readFileSync(sipdConf(), 'utf8').split('\n');
    for (const [name, value] of [['User', 'root'], ['Group', 'root'], ['Authentication', 'On'], ['Cisco_Registry', 'On']]) setDirective(lines, name, [value], sipdConf());
    writeFileSync(sipdConf(), lines.join('\n'));
    chmodSync(sipdConf(), 0o644); // world-readable before: sps_setup must close it once it holds a password
  });
  after(async () => {
    await db?.remove();
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  test('mysql_create_db=yes creates database sip, its tables and the account; sipd -t passes; sipd.conf becomes 0640', async () => {
    const r = await tool('sps_setup', ['--prefix', prefix, '--answers', answers('create.txt', ['mysql_create_db=yes', 'mysql_admin_user=dba'])], '', { MYSQL_PWD: ADMIN_PW });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /sip\.subscriber: version 1: create the subscriber table/);
    assert.match(r.stdout, /account csps may read and write sip\.\*/);
    assert.match(r.stdout, /csps can read sip\.subscriber \(0 subscribers\)/);
    assert.deepEqual(await mysqlClient("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sip' ORDER BY 1"), ['farm_config', 'farm_config_head', 'farm_config_outcome', 'farm_member', 'location', 'location_log', 'route', 'route_generation', 'route_log', 'schema_version', 'subscriber']);
    assert.deepEqual(await mysqlClient("SELECT User FROM mysql.user WHERE User = 'csps'"), ['csps']);
    const text = readFileSync(sipdConf(), 'utf8');
    for (const line of ['DB_MySQL On', `DB_MySQL_HostName ${db.address}`, 'DB_MySQL_Username csps', `DB_MySQL_Password ${SIPD_PW}`]) {
      assert.match(text, new RegExp(`^${line.replace(/[.]/g, '\\.')}$`, 'm'));
    }
    const t = await run(process.execPath, [path.join(BIN, 'sipd'), '-t', '-f', sipdConf()], 30_000);
    assert.equal(t.code, 0, t.stdout + t.stderr);
    assert.equal(statSync(sipdConf()).mode & 0o777, 0o640);
    assert.match(r.stdout, /sipd\.conf holds the MySQL password: mode 0640/);
    const log = logText();
    assert.match(log, /version 1: create the subscriber table/);
    assert.ok(!log.includes(ADMIN_PW) && !log.includes(SIPD_PW), 'no password in sps_setup_log');
    assert.ok(!(r.stdout + r.stderr).includes(ADMIN_PW) && !(r.stdout + r.stderr).includes(SIPD_PW), 'no password on screen');
    assert.doesNotMatch(readFileSync(path.join(conf, 'sps_setup.answers'), 'utf8'), /mysql_admin_password|mysql_create_db/);
  });

  test('a sipd started on the written conf authenticates a subscriber added with sysadmin_mysql_user', async () => {
    const add = await tool('sysadmin_mysql_user', ['--conf', sipdConf(), 'add', '--user', '1001', '--password-stdin'], 'pw-1001\n');
    assert.equal(add.code, 0, add.stdout + add.stderr);
    const loaded = loadConfigFile(sipdConf());
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.map((e) => e.message).join('; '));
    const sipd = await Sipd.start(loaded.config, { file: sipdConf(), load: {} });
    try {
      const reg = (password: string, expect: number) =>
        runUac({
          scenario: path.join(FIXTURES, 'sipp', 'auth-register.xml'),
          target: { port: sipPort },
          keys: { user: '1001', domain: `127.0.0.1:${sipPort}`, expires: 300, expect },
          extraArgs: ['-au', '1001', '-ap', password],
        });
      const ok = await reg('pw-1001', 200);
      assert.equal(ok.code, 0, describePeer(ok));
      const wrong = await reg('not-it', 401);
      assert.equal(wrong.code, 0, describePeer(wrong));
    } finally {
      await sipd.stop('test over');
    }
  });

  test('running setup again (create=yes) changes nothing in the database and keeps the subscriber', async () => {
    const r = await tool('sps_setup', ['--prefix', prefix, '--answers', answers('again.txt', ['mysql_create_db=yes', 'mysql_admin_user=dba', `mysql_admin_password=${ADMIN_PW}`])]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /sip\.subscriber is up to date \(schema version \d+\)/);
    assert.match(r.stdout, /csps can read sip\.subscriber \(1 subscriber\)/);
    assert.deepEqual(await mysqlClient("SELECT user_id FROM sip.subscriber"), ['1001']);
    assert.ok(!logText().includes(ADMIN_PW));
  });

  test('interactive: with the table in place, creating defaults to no', async () => {
    // Enter for every question up to the MySQL password, then the input ends.
    const r = await tool('sps_setup', ['--prefix', prefix], '\n'.repeat(9));
    assert.equal(r.code, 2);
    assert.match(r.stdout, /\(sip\.subscriber on 127\.0\.0\.1:\d+ exists already;[^)]*\)\nCreate \(or upgrade\) the sip database[^\n]*\[no\]: /);
  });

  test('a wrong administrator password gives Error 1045, no server gives Error 2002; exit 1, no file changed', async () => {
    const before = confFiles();
    const denied = await tool('sps_setup', ['--prefix', prefix, '--answers', answers('denied.txt', ['mysql_create_db=yes', 'mysql_admin_user=dba', 'mysql_admin_password=wrong-one'])]);
    assert.equal(denied.code, 1, denied.stdout + denied.stderr);
    assert.match(denied.stderr, /Error 1045: Access denied for user 'dba'@'127\.0\.0\.1' \(using password: YES\)/);
    assert.match(denied.stderr, /no file was changed/);
    assert.match(logText(), /Error 1045: Access denied for user 'dba'/);
    assert.ok(!logText().includes('wrong-one'));
    const closed = await freePort();
    const down = await tool('sps_setup', ['--prefix', prefix, '--answers', answers('down.txt', [`mysql_host=127.0.0.1:${closed}`, 'mysql_create_db=yes', 'mysql_admin_user=dba', `mysql_admin_password=${ADMIN_PW}`])]);
    assert.equal(down.code, 1, down.stdout + down.stderr);
    assert.match(down.stderr, /Error 2002: Can't connect to MySQL server on '127\.0\.0\.1:\d+'/);
    assert.deepEqual(confFiles(), before);
    assert.deepEqual(await mysqlClient("SELECT user_id FROM sip.subscriber"), ['1001']);
  });
});
