// TLS to MySQL (DB_MySQL_TLS Off|On|Verify, DB_MySQL_TLS_CA_File, client certificate) against a
// real MariaDB started with a test CA's server certificate: an account created REQUIRE SSL
// gets in only with TLS on; Verify accepts the right CA and refuses a foreign one with a
// clear reason; an account REQUIRE X509 needs the client certificate; and the tools
// (install_mysql_db, sysadmin_mysql_user, mysql_sync_check) use the same settings as sipd.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { parseConfig } from '../../src/server/config.js';
import { mysqlPoolFromConfig } from '../../src/stores/open.js';
import { runTool, showRun } from '../helpers/index.js';
import { startMariaDb } from '../helpers/mariadb.js';
import type { MariaDb } from '../helpers/mariadb.js';
import { TestPki } from '../helpers/tls.js';
import type { CertFiles } from '../helpers/tls.js';

let pki: TestPki;
let ca: CertFiles;
let foreign: CertFiles;
let client: CertFiles;
let db: MariaDb;
let root: string;

before(async () => {
  pki = TestPki.create();
  ca = await pki.ca('dbca');
  foreign = await pki.ca('foreign');
  const server = await pki.leaf('db', ca, '127.0.0.1', 'IP:127.0.0.1');
  client = await pki.leaf('client', ca, 'sps-client', 'DNS:sps-client.test');
  db = await startMariaDb({ extraArgs: () => [`--ssl-ca=${ca.cert}`, `--ssl-cert=${server.cert}`, `--ssl-key=${server.key}`] });
  await db.sql(
    [
      "CREATE USER 'tlsuser'@'%' IDENTIFIED BY 'tlspw' REQUIRE SSL",
      "CREATE USER 'x509user'@'%' IDENTIFIED BY 'x509pw' REQUIRE X509",
      "CREATE USER 'tlsadmin'@'%' IDENTIFIED BY 'adminpw' REQUIRE SSL",
      "GRANT ALL ON *.* TO 'tlsadmin'@'%' WITH GRANT OPTION",
      'CREATE DATABASE sip',
      "GRANT SELECT ON sip.* TO 'tlsuser'@'%'",
      "GRANT SELECT ON sip.* TO 'x509user'@'%'",
    ].join(';'),
  );
  root = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-'));
});

after(async () => {
  await db?.remove();
  pki?.remove();
  if (root) rmSync(root, { recursive: true, force: true });
});

let confs = 0;
function confText(user: string, password: string, tls: readonly string[], host = db.address): string {
  return ['DB_MySQL On', `DB_MySQL_HostName ${host}`, `DB_MySQL_Username ${user}`, `DB_MySQL_Password ${password}`, 'DB_MySQL_Connect_Timeout 10', ...tls, ''].join('\n');
}
function configOf(user: string, password: string, tls: readonly string[], host?: string) {
  const r = parseConfig(confText(user, password, tls, host), path.join(root, 'sipd.conf'), { serverRoot: root });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}
function confFile(user: string, password: string, tls: readonly string[]): string {
  const f = path.join(root, `sipd-${++confs}.conf`);
  writeFileSync(f, confText(user, password, tls));
  return f;
}

/** The TLS version and cipher of one connection opened as sipd would, or the error's message. */
async function session(user: string, password: string, tls: readonly string[], host?: string): Promise<{ version: string; cipher: string }> {
  const pool = mysqlPoolFromConfig(configOf(user, password, tls, host), () => undefined);
  try {
    const rows = await pool.query<RowDataPacket[]>("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher')");
    const get = (n: string) => String(rows.find((r) => r.Variable_name === n)?.Value ?? '');
    return { version: get('Ssl_version'), cipher: get('Ssl_cipher') };
  } finally {
    await pool.close();
  }
}

describe('an account created REQUIRE SSL', () => {
  test('is refused without TLS (DB_MySQL_TLS Off, the default)', async () => {
    await assert.rejects(session('tlsuser', 'tlspw', []), /Access denied/);
  });

  test('gets in with DB_MySQL_TLS On, over TLS 1.2 or later', async () => {
    const s = await session('tlsuser', 'tlspw', ['DB_MySQL_TLS On']);
    assert.match(s.version, /^TLSv1\.[23]$/);
    assert.notEqual(s.cipher, '');
  });

  test('gets in with Verify and the CA that signed the server certificate', async () => {
    const s = await session('tlsuser', 'tlspw', ['DB_MySQL_TLS Verify', `DB_MySQL_TLS_CA_File ${ca.cert}`]);
    assert.match(s.version, /^TLSv1\.[23]$/);
  });

  test('Verify with a foreign CA fails, saying the certificate is not signed by DB_MySQL_TLS_CA_File', async () => {
    await assert.rejects(session('tlsuser', 'tlspw', ['DB_MySQL_TLS Verify', `DB_MySQL_TLS_CA_File ${foreign.cert}`]), (e: Error) => {
      assert.match(e.message, /TLS: the server's certificate is not signed by an authority in DB_MySQL_TLS_CA_File/);
      return true;
    });
  });

  test('Verify refuses a host name the certificate does not name (it names IP 127.0.0.1 only)', async () => {
    await assert.rejects(session('tlsuser', 'tlspw', ['DB_MySQL_TLS Verify', `DB_MySQL_TLS_CA_File ${ca.cert}`], `localhost:${db.port}`), (e: Error) => {
      assert.match(e.message, /TLS: the server's certificate does not name the host connected to .*localhost/);
      return true;
    });
    // On does not check names or authorities: the same connection is accepted.
    assert.match((await session('tlsuser', 'tlspw', ['DB_MySQL_TLS On', `DB_MySQL_TLS_CA_File ${foreign.cert}`], `localhost:${db.port}`)).version, /^TLSv1\.[23]$/);
  });

  test('Verify without a CA file checks against the system authorities, which did not sign the test CA', async () => {
    await assert.rejects(session('tlsuser', 'tlspw', ['DB_MySQL_TLS Verify']), /not signed by an authority/);
  });
});

describe('an account created REQUIRE X509', () => {
  test('needs the client certificate', async () => {
    await assert.rejects(session('x509user', 'x509pw', ['DB_MySQL_TLS Verify', `DB_MySQL_TLS_CA_File ${ca.cert}`]), /Access denied/);
    const s = await session('x509user', 'x509pw', ['DB_MySQL_TLS Verify', `DB_MySQL_TLS_CA_File ${ca.cert}`, `DB_MySQL_TLS_Cert_File ${client.cert}`, `DB_MySQL_TLS_Key_File ${client.key}`]);
    assert.match(s.version, /^TLSv1\.[23]$/);
  });
});

describe('the MySQL tools use the same TLS settings', () => {
  const verify = () => ['DB_MySQL_TLS Verify', `DB_MySQL_TLS_CA_File ${ca.cert}`];

  test('install_mysql_db as an administrator that must use TLS creates the database and sipd\'s account', async () => {
    const conf = confFile('sps', 'spspw', verify());
    const r = await runTool('install_mysql_db', ['--conf', conf, '--admin-user', 'tlsadmin', '--create-user'], { env: { ...process.env, MYSQL_PWD: 'adminpw' } });
    assert.equal(r.code, 0, showRun(r));
    assert.match(r.stdout, /done on 127\.0\.0\.1:/);
    // Without TLS the same administrator is refused.
    const plain = await runTool('install_mysql_db', ['--conf', confFile('sps', 'spspw', []), '--admin-user', 'tlsadmin'], { env: { ...process.env, MYSQL_PWD: 'adminpw' } });
    assert.equal(plain.code, 1, showRun(plain));
    assert.match(plain.stderr, /Access denied/);
  });

  test('sysadmin_mysql_user adds and shows a subscriber over TLS, and names a foreign CA', async () => {
    await db.sql("ALTER USER 'sps'@'%' REQUIRE SSL");
    const conf = confFile('sps', 'spspw', verify());
    const add = await runTool('sysadmin_mysql_user', ['--conf', conf, 'add', '--user', 'alice', '--password', 'alicepw']);
    assert.equal(add.code, 0, showRun(add));
    const show = await runTool('sysadmin_mysql_user', ['--conf', conf, 'show', '--user', 'alice']);
    assert.equal(show.code, 0, showRun(show));
    assert.match(show.stdout, /alice/);
    const bad = await runTool('sysadmin_mysql_user', ['--conf', confFile('sps', 'spspw', ['DB_MySQL_TLS Verify', `DB_MySQL_TLS_CA_File ${foreign.cert}`]), 'show', '--user', 'alice']);
    assert.equal(bad.code, 1, showRun(bad));
    assert.match(bad.stderr, /Error 2026: SSL connection error on '127\.0\.0\.1:\d+': TLS: the server's certificate is not signed by an authority in DB_MySQL_TLS_CA_File/);
  });

  test('mysql_sync_check reads the server over TLS, and reports a foreign CA as unreachable with the reason', async () => {
    const ok = await runTool('mysql_sync_check', ['--conf', confFile('sps', 'spspw', verify())], { timeoutMs: 60_000 });
    assert.equal(ok.code, 0, showRun(ok));
    const bad = await runTool('mysql_sync_check', ['--conf', confFile('sps', 'spspw', ['DB_MySQL_TLS Verify', `DB_MySQL_TLS_CA_File ${foreign.cert}`])], { timeoutMs: 60_000 });
    assert.equal(bad.code, 2, showRun(bad));
    assert.match(bad.stderr, /not signed by an authority in DB_MySQL_TLS_CA_File/);
  });

  test('a CA file that cannot be read is a configuration error naming sipd.conf:line', async () => {
    const conf = confFile('sps', 'spspw', ['DB_MySQL_TLS Verify', 'DB_MySQL_TLS_CA_File conf/missing-ca.pem']);
    const r = await runTool('mysql_sync_check', ['--conf', conf], { timeoutMs: 60_000 });
    assert.equal(r.code, 2, showRun(r));
    assert.match(r.stderr, new RegExp(`${path.basename(conf)}:7: DB_MySQL_TLS_CA_File: cannot read .*missing-ca\\.pem: no such file`));
  });
});
