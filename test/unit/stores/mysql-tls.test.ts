// DB_MySQL_TLS and its files: values and pairing checked at file:line, the files read and
// checked (readable, PEM, key matching the certificate) with the directive's file:line, the
// ssl option handed to mysql2 (TLS 1.2 at least; Verify checks chain and name), and TLS
// failures explained in words.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../../src/server/config.js';
import { mysqlConnectOptions } from '../../../src/stores/mysql/pool.js';
import { MySqlTlsConfigError, describeTlsError, mysqlSslOption, mysqlTlsFromConfig, mysqlTlsProblems } from '../../../src/stores/mysql/tls.js';
import { TestPki } from '../../helpers/tls.js';
import type { CertFiles } from '../../helpers/tls.js';

let pki: TestPki;
let ca: CertFiles;
let client: CertFiles;
let other: CertFiles;
let root: string;

before(async () => {
  pki = TestPki.create();
  ca = await pki.ca('ca');
  client = await pki.leaf('client', ca, 'sps', 'DNS:sps.test');
  other = await pki.leaf('other', ca, 'other', 'DNS:other.test');
  root = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-unit-'));
});
after(() => {
  pki?.remove();
  if (root) rmSync(root, { recursive: true, force: true });
});

const parse = (text: string) => parseConfig(text, path.join(root, 'sipd.conf'), { serverRoot: root });
function config(text: string) {
  const r = parse(text);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

test('DB_MySQL_TLS takes Off, On or Verify (Off by default); another value names the valid ones at file:line', () => {
  assert.equal(config('').values.DB_MySQL_TLS, 'Off');
  assert.equal(config('DB_MySQL_TLS verify\n').values.DB_MySQL_TLS, 'Verify');
  const r = parse('# c\nDB_MySQL_TLS Required\n');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors[0].line, 2);
  assert.match(r.errors[0].message, /Off, On, Verify/);
});

test('a client certificate without its key (or the other way round) is an error naming the directive', () => {
  const r = parse(`DB_MySQL_TLS Verify\nDB_MySQL_TLS_Cert_File ${client.cert}\n`);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.errors.map((e) => e.message).join('\n'), /DB_MySQL_TLS_Key_File/);
  assert.equal(r.errors[0].line, 2);
  assert.equal(parse(`DB_MySQL_TLS_Key_File ${client.key}\n`).ok, false);
});

test('Off reads no file; On and Verify read them, relative paths from ServerRoot', () => {
  assert.equal(mysqlTlsFromConfig(config('DB_MySQL_TLS_CA_File conf/none.pem\n')), undefined);
  writeFileSync(path.join(root, 'ca.pem'), readFileSync(ca.cert));
  const t = mysqlTlsFromConfig(config(`DB_MySQL_TLS Verify\nDB_MySQL_TLS_CA_File ca.pem\nDB_MySQL_TLS_Cert_File ${client.cert}\nDB_MySQL_TLS_Key_File ${client.key}\n`));
  assert.equal(t?.mode, 'Verify');
  assert.ok(t?.ca && t.cert && t.key);
});

test('unreadable, non-PEM and mismatched files throw with the directive\'s file:line', () => {
  const bad = (text: string, re: RegExp) =>
    assert.throws(() => mysqlTlsFromConfig(config(text)), (e: Error) => {
      assert.ok(e instanceof MySqlTlsConfigError);
      assert.match(e.message, re);
      return true;
    });
  bad('DB_MySQL_TLS On\n\nDB_MySQL_TLS_CA_File conf/missing.pem\n', /sipd\.conf:3: DB_MySQL_TLS_CA_File: cannot read .*conf\/missing\.pem: no such file/);
  writeFileSync(path.join(root, 'junk.pem'), 'not a certificate\n');
  bad('DB_MySQL_TLS Verify\nDB_MySQL_TLS_CA_File junk.pem\n', /sipd\.conf:2: DB_MySQL_TLS_CA_File: .*junk\.pem holds no PEM certificate/);
  bad(`DB_MySQL_TLS On\nDB_MySQL_TLS_Cert_File ${client.cert}\nDB_MySQL_TLS_Key_File ${other.key}\n`, /sipd\.conf:3: DB_MySQL_TLS_Key_File: the key in .* does not belong to the certificate/);
});

test('sipd -t\'s check: the file problem with DB_MySQL On, nothing with it Off', () => {
  const text = 'DB_MySQL_TLS Verify\nDB_MySQL_TLS_CA_File conf/missing.pem\n';
  assert.deepEqual(mysqlTlsProblems(config(text)), []);
  const p = mysqlTlsProblems(config(`DB_MySQL On\n${text}`));
  assert.equal(p.length, 1);
  assert.match(p[0], /sipd\.conf:3: DB_MySQL_TLS_CA_File: cannot read/);
});

test('the ssl option: TLS 1.2 or later always; On checks nothing, Verify the chain and the name', () => {
  assert.deepEqual(mysqlSslOption({ mode: 'On' }), { minVersion: 'TLSv1.2', rejectUnauthorized: false, verifyIdentity: false });
  const v = mysqlSslOption({ mode: 'Verify', ca: Buffer.from('x') });
  assert.equal(v.rejectUnauthorized, true);
  assert.equal(v.verifyIdentity, true);
  assert.equal(v.minVersion, 'TLSv1.2');
  const o = mysqlConnectOptions({ host: '127.0.0.1', port: 3306 }, { user: 'u', password: 'p', timeoutMs: 1000, tls: { mode: 'Verify' } });
  assert.equal(typeof (o as { stream?: unknown }).stream, 'function', 'an IP host gets a socket Node checks the IP on');
  const named = mysqlConnectOptions({ host: 'db.example.com', port: 3306 }, { user: 'u', password: 'p', timeoutMs: 1000, tls: { mode: 'Verify' } });
  assert.equal((named as { stream?: unknown }).stream, undefined, 'a host name is checked by mysql2 itself');
  assert.equal(mysqlConnectOptions({ host: '127.0.0.1', port: 3306 }, { user: 'u', password: 'p', timeoutMs: 1000 }).ssl, undefined);
});

test('TLS failures are explained; other errors are left alone', () => {
  const e = (code: string, message: string) => Object.assign(new Error(message), { code });
  assert.match(describeTlsError(e('HANDSHAKE_NO_SSL_SUPPORT', 'Server does not support secure connection'))!, /does not offer TLS/);
  assert.match(describeTlsError(e('HANDSHAKE_SSL_ERROR', 'self-signed certificate in certificate chain'))!, /not signed by an authority in DB_MySQL_TLS_CA_File/);
  assert.match(describeTlsError(e('HANDSHAKE_SSL_ERROR', "Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list"))!, /does not name the host/);
  assert.match(describeTlsError(e('HANDSHAKE_SSL_ERROR', 'certificate has expired'))!, /not valid now/);
  assert.equal(describeTlsError(e('ECONNREFUSED', 'connect ECONNREFUSED')), undefined);
  assert.equal(describeTlsError(undefined), undefined);
});
