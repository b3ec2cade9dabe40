// DB_MySQL_HostName / _Secondary_HostName take host[:port]; bad values name file:line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/server/config.js';
import { parseMySqlHost } from '../../../src/stores/mysql/pool.js';
import { columnsFromConfig } from '../../../src/stores/mysql/subscriber-store.js';

test('host, host:port, [IPv6]:port and bare IPv6 are accepted and split', () => {
  const r = parseConfig('DB_MySQL_HostName db1.example.com:3307\nDB_MySQL_Secondary_HostName [2001:db8::5]:3308\n', 'x.conf');
  assert.ok(r.ok);
  assert.deepEqual(parseMySqlHost(r.config.values.DB_MySQL_HostName), { host: 'db1.example.com', port: 3307 });
  assert.deepEqual(parseMySqlHost(r.config.values.DB_MySQL_Secondary_HostName!), { host: '2001:db8::5', port: 3308 });
  assert.deepEqual(parseMySqlHost('2001:db8::5'), { host: '2001:db8::5', port: 3306 });
  assert.deepEqual(parseMySqlHost('localhost'), { host: 'localhost', port: 3306 });
});

test('a bad port or host is an error at file:line', () => {
  const r = parseConfig('# c\nDB_MySQL_HostName db1:70000\nDB_MySQL_Secondary_HostName bad_host!\n', 'x.conf');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.errors.map((e) => e.line), [2, 3]);
  assert.match(r.errors[0].message, /out of range/);
});

test('the _Field directives map onto the store columns', () => {
  const r = parseConfig('DB_MySQL_UserId_Field login\nDB_MySQL_DestUrlCfna_Field fwd_na\n', 'x.conf');
  assert.ok(r.ok);
  const c = columnsFromConfig(r.config.values);
  assert.equal(c.user, 'login');
  assert.equal(c.cfna, 'fwd_na');
  assert.equal(c.cfb, 'dest_url_cfb');
  const bad = parseConfig('DB_MySQL_Password_Field pass;word\n', 'x.conf');
  assert.equal(bad.ok, false);
});
