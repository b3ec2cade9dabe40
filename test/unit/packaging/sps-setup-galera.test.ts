// sps_setup's farm-member answers (galera=bootstrap|join, TLS files, MySQL TLS) and the
// MariaDB option file rendered from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAnswers } from '../../../src/cli/sps-setup/answers-file.js';
import { checkAnswers } from '../../../src/cli/sps-setup/questions.js';
import type { Answers } from '../../../src/cli/sps-setup/questions.js';
import { galeraFileProblems, galeraSetupOf, optionArgs, parseGaleraAddress, providerOptions, renderGaleraConf } from '../../../src/cli/sps-setup/galera.js';
import { defaults } from '../../../src/cli/sps-setup/starting-answers.js';

const base = (extra: Answers): Answers => ({
  ...defaults(),
  host_address: '10.0.0.1',
  host_name: 'sps1.example.com',
  mysql: 'on',
  mysql_host: '127.0.0.1',
  mysql_user: 'csps',
  mysql_password: 'pw',
  galera_node_address: '10.0.0.1',
  ...extra,
});

test('Galera addresses: host, host:port, [v6]:port; 4567 by default', () => {
  assert.deepEqual(parseGaleraAddress('10.0.0.2'), { host: '10.0.0.2', port: 4567 });
  assert.deepEqual(parseGaleraAddress('db2.example.com:5567'), { host: 'db2.example.com', port: 5567 });
  assert.deepEqual(parseGaleraAddress('[2001:db8::2]:4567'), { host: '2001:db8::2', port: 4567 });
});

test('bootstrap: every node in gcomm:// (never an empty one), no provider options on default ports, Galera\'s requirements', () => {
  const g = galeraSetupOf(base({ galera: 'bootstrap', galera_cluster_name: 'farm1', galera_nodes: '10.0.0.2 10.0.0.3' }))!;
  const text = renderGaleraConf(g);
  assert.match(text, /^\[galera\]$/m);
  assert.match(text, /^wsrep_on = ON$/m);
  assert.match(text, /^wsrep_cluster_name = farm1$/m);
  assert.match(text, /^wsrep_cluster_address = gcomm:\/\/10\.0\.0\.1:4567,10\.0\.0\.2:4567,10\.0\.0\.3:4567$/m);
  assert.match(text, /^wsrep_node_name = sps1\.example\.com$/m);
  assert.match(text, /galera_new_cluster/);
  assert.doesNotMatch(text, /wsrep_provider_options|wsrep_sst_receive_address/);
  for (const l of ['binlog_format = ROW', 'default_storage_engine = InnoDB', 'innodb_autoinc_lock_mode = 2']) assert.ok(text.includes(`\n${l}\n`), l);
});

test('join with TLS and its own port: socket.ssl_* options, IST and SST on the next ports', () => {
  const g = galeraSetupOf(base({ galera: 'join', galera_node_address: '127.0.0.1:14567', galera_nodes: '127.0.0.1:4567', galera_tls_ca: '/etc/ssl/ca.pem', galera_tls_cert: '/etc/ssl/n.pem', galera_tls_key: '/etc/ssl/n.key' }))!;
  assert.deepEqual(providerOptions(g), [
    'gmcast.listen_addr=tcp://127.0.0.1:14567',
    'ist.recv_addr=127.0.0.1:14568',
    'socket.ssl=yes',
    'socket.ssl_cert=/etc/ssl/n.pem',
    'socket.ssl_key=/etc/ssl/n.key',
    'socket.ssl_ca=/etc/ssl/ca.pem',
  ]);
  const text = renderGaleraConf(g);
  assert.match(text, /^wsrep_sst_receive_address = 127\.0\.0\.1:14569$/m);
  assert.match(text, /systemctl restart mariadb/);
  // The same options as mariadbd reads them, for starting a node from the file.
  const args = optionArgs(text);
  assert.ok(args.includes('--wsrep-cluster-address=gcomm://127.0.0.1:14567,127.0.0.1:4567'));
  assert.ok(args.includes(`--wsrep-provider-options=${providerOptions(g).join(';')}`));
  assert.ok(!args.some((a) => a.startsWith('--#')));
});

test('galera off, or MySQL off: no option file', () => {
  assert.equal(galeraSetupOf(base({ galera: 'off' })), undefined);
  assert.equal(galeraSetupOf(base({ galera: 'join', mysql: 'off' })), undefined);
  assert.match(galeraFileProblems(base({ galera: 'join', mysql: 'off' })).join('\n'), /galera: "join" needs mysql=on/);
});

test('answers are checked: join needs a node to join, this node is not one of the others, TLS needs cert and key', () => {
  const errs = (a: Answers) => checkAnswers(base(a)).filter((e) => e.startsWith('galera') || e.startsWith('mysql_tls'));
  assert.deepEqual(errs({ galera: 'bootstrap', galera_nodes: '' }), []);
  assert.match(errs({ galera: 'join', galera_nodes: '' }).join('\n'), /galera_nodes: .*at least one node of the cluster to join/);
  assert.match(errs({ galera: 'join', galera_nodes: '10.0.0.1 10.0.0.2' }).join('\n'), /10\.0\.0\.1 is this node/);
  assert.match(errs({ galera: 'join', galera_nodes: 'bad_host!' }).join('\n'), /not valid: bad_host!/);
  assert.match(errs({ galera: 'cluster' }).join('\n'), /galera: .*off, bootstrap or join/);
  assert.match(errs({ galera: 'bootstrap', galera_tls_ca: '/ca.pem' }).join('\n'), /galera_tls_cert: .*absolute path/);
  assert.match(errs({ galera: 'bootstrap', galera_conf_file: 'relative.cnf' }).join('\n'), /galera_conf_file: .*absolute path/);
  assert.match(errs({ mysql_tls: 'required' }).join('\n'), /mysql_tls: .*off, on or verify/);
});

test('named files must exist; the answers file gives each key\'s line for the error', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'galera-answers-'));
  try {
    writeFileSync(path.join(dir, 'ca.pem'), 'x');
    const p = galeraFileProblems(base({ galera: 'join', galera_nodes: '10.0.0.2', galera_tls_ca: path.join(dir, 'ca.pem'), galera_tls_cert: path.join(dir, 'n.pem'), galera_tls_key: path.join(dir, 'n.key'), galera_conf_file: '/nonexistent-dir/x.cnf' }));
    assert.deepEqual(p.map((e) => e.slice(0, e.indexOf(':'))), ['galera_tls_cert', 'galera_tls_key', 'galera_conf_file']);
    const r = parseAnswers('# farm\nmysql=on\n\ngalera = Join\ngalera_nodes=10.0.0.2, 10.0.0.3\nmysql_tls=-\n', 'farm.answers');
    assert.deepEqual(r.errors, []);
    assert.equal(r.answers.galera, 'join');
    assert.equal(r.answers.galera_nodes, '10.0.0.2 10.0.0.3');
    assert.equal(r.answers.mysql_tls, 'off');
    assert.equal(r.lines.galera, 4);
    assert.equal(r.lines.galera_nodes, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
