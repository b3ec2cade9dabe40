// bin/sps_setup on a copy of the shipped conf/: a non-interactive run writes files that
// `sipd -t` accepts, a second run with a new address updates every place that held the old
// one, bad answers change nothing, and the interactive questions take typed answers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseSnmpdCnf } from '../../src/agent/cnf/snmpd-cnf.js';
import { BIN, REPO } from '../helpers/index.js';

function sipd_t(conf: string) {
  return spawnSync(process.execPath, [path.join(BIN, 'sipd'), '-t', '-f', conf], { encoding: 'utf8', timeout: 30_000 });
}

function setup(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [path.join(BIN, 'sps_setup'), ...args], { encoding: 'utf8', timeout: 60_000, input: input ?? '' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Non-comment lines of every file in conf/ that contain `word` as a whole address. */
function activeLinesWith(conf: string, word: string): string[] {
  const re = new RegExp(`(?<![0-9.])${word.replace(/\./g, '\\.')}(?![0-9])`);
  return readdirSync(conf).flatMap((f) =>
    readFileSync(path.join(conf, f), 'utf8')
      .split('\n')
      .map((l, i) => [l, `${f}:${i + 1}: ${l}`] as const)
      .filter(([l]) => !l.trim().startsWith('#') && re.test(l))
      .map(([, where]) => where),
  );
}

describe('sps_setup', () => {
  let prefix: string;
  let conf: string;
  let shippedComments: string[];
  const sipdConf = () => readFileSync(path.join(conf, 'sipd.conf'), 'utf8');

  before(() => {
    prefix = mkdtempSync(path.join(tmpdir(), 'sps-setup-'));
    conf = path.join(prefix, 'conf');
    cpSync(path.join(REPO, 'conf'), conf, { recursive: true });
    mkdirSync(path.join(prefix, 'logs'));
    shippedComments = readFileSync(path.join(conf, 'sipd.conf'), 'utf8').split('\n').filter((l) => l.startsWith('#'));
  });
  after(() => rmSync(prefix, { recursive: true, force: true }));

  test('non-interactive (--answers): sipd.conf, snmpd.cnf and ps.conf written, sipd -t passes, comments kept', () => {
    const answers = path.join(prefix, 'answers.txt');
    writeFileSync(
      answers,
      [
        '# answers for sps1',
        'proxy_domain=example.com',
        'host_address=10.1.1.1',
        'host_name=sps1.example.com',
        'sip_port=5070',
        'farm_members=10.1.1.2, sps3.example.com',
        'mysql=on',
        'mysql_host=10.1.1.1',
        'mysql_user=csps',
        'mysql_password=s3cretpw',
        'snmp_community=opsCommunity',
        'snmp_v3_user=spsadmin',
        'snmp_v3_auth_password=authpass123',
        'snmp_v3_priv_password=privpass123',
        'trap_sink=10.1.1.1:162 10.1.1.50',
        'pserver_port=26005',
      ].join('\n') + '\n',
    );
    const r = setup(['--prefix', prefix, '--answers', answers]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /MySQL: the database was not touched/, 'mysql_create_db defaults to no without questions');
    const t = sipd_t(path.join(conf, 'sipd.conf'));
    assert.equal(t.status, 0, t.stdout + t.stderr);
    const text = sipdConf();
    for (const line of [
      'ProxyDomain example.com', 'ServerName sps1.example.com', 'Port 5070', 'Listen 10.1.1.1:5070', 'IpAddrInPathHeaders 10.1.1.1',
      'Cisco_Registry_Farm_Members "10.1.1.2 sps3.example.com"', 'Cisco_Routing_Farm_Members "10.1.1.2 sps3.example.com"',
      'DB_MySQL On', 'DB_MySQL_HostName 10.1.1.1', 'DB_MySQL_Username csps', 'DB_MySQL_Password s3cretpw',
    ]) {
      assert.equal(text.split('\n').filter((l) => l === line).length, 1, `exactly one "${line}"`);
    }
    // Every comment of the shipped file is still there, in order.
    const comments = text.split('\n').filter((l) => l.startsWith('#'));
    let at = 0;
    for (const c of comments) if (c === shippedComments[at]) at++;
    assert.equal(at, shippedComments.length, `shipped comment kept: ${shippedComments[at]}`);
    // snmpd.cnf: loads without errors and has the entries, in the guide's entry format.
    const snmpd = readFileSync(path.join(conf, 'snmpd.cnf'), 'utf8');
    const parsed = parseSnmpdCnf(snmpd, 'snmpd.cnf');
    assert.deepEqual(parsed.messages.filter((m) => m.severity === 'error'), []);
    assert.ok(parsed.config.communities.some((c) => c.community === 'opsCommunity'));
    assert.ok(parsed.config.users.some((u) => u.user === 'spsadmin' && u.auth === 'sha256' && u.priv === 'aes'));
    // The v3 user's group reads and writes only at authPriv; the community reads, from 127.0.0.1 only.
    assert.deepEqual(parsed.config.access.filter((x) => x.group === 'spsSetupV3Group').map((x) => [x.model, x.level, x.writeView]), [['usm', 'authPriv', 'spsSetupView']]);
    assert.deepEqual(parsed.config.access.filter((x) => x.group === 'spsSetupGroup').map((x) => x.writeView), ['', '']);
    const community = parsed.config.communities.find((c) => c.community === 'opsCommunity')!;
    assert.deepEqual(parsed.config.targets.filter((x) => x.tags.includes(community.transportTag)).map((x) => [x.host, x.tmask?.host, x.params]), [['127.0.0.1', '255.255.255.255', '']]);
    assert.equal(statSync(path.join(conf, 'snmpd.cnf')).mode & 0o027, 0, 'snmpd.cnf holds passphrases: no group write, nothing for others');
    assert.deepEqual(parsed.config.targets.filter((x) => x.name.startsWith('spsSetupSink')).map((x) => `${x.host}:${x.port}`), ['10.1.1.1:162', '10.1.1.50:162']);
    assert.match(snmpd, /^snmpTargetParamsEntry spsSetupTrapParams 1 snmpv2c spsSetupSec noAuthNoPriv nonVolatile$/m);
    assert.match(readFileSync(path.join(conf, 'ps.conf'), 'utf8'), /^PServerPort 26005$/m);
    assert.match(readFileSync(path.join(conf, 'ps.conf'), 'utf8'), /^PServerFirstAdministrator cspsuser$/m, 'the default first administrator');
    // The GUI's self-signed certificate, for the host name given; its key private.
    assert.equal(statSync(path.join(prefix, 'data', 'pserver', 'pserver-key.pem')).mode & 0o777, 0o600);
    assert.match(readFileSync(path.join(prefix, 'data', 'pserver', 'pserver-cert.pem'), 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    assert.match(r.out, /self-signed certificate .*pserver-cert\.pem/);
    // The log has the run, but no password.
    const log = readFileSync(path.join(prefix, 'logs', 'sps_setup_log'), 'utf8');
    assert.match(log, /host_address=10\.1\.1\.1/);
    assert.doesNotMatch(log, /s3cretpw|authpass123|privpass123/);
    assert.equal(statSync(path.join(conf, 'sps_setup.answers')).mode & 0o777, 0o600);
    // The agent's Dr-Web pages stay off unless drweb_port is answered.
    assert.match(readFileSync(path.join(conf, 'ciagent.env'), 'utf8'), /^CIAGENT_HTTP=$/m);
    assert.doesNotMatch(r.out, /Dr-Web/);
  });

  test('a second run with a new IP address updates every place that held the old one', () => {
    // A place sps_setup does not manage itself: a hand-written directive with the address.
    writeFileSync(path.join(conf, 'sipd.conf'), sipdConf() + 'MasterServerIpAddress 10.1.1.1\n');
    assert.ok(activeLinesWith(conf, '10.1.1.1').length >= 6);
    const r = setup(['--prefix', prefix, '--host-address', '10.1.1.9']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.deepEqual(activeLinesWith(conf, '10.1.1.1'), []);
    const text = sipdConf();
    for (const line of ['Listen 10.1.1.9:5070', 'IpAddrInPathHeaders 10.1.1.9', 'DB_MySQL_HostName 10.1.1.9', 'MasterServerIpAddress 10.1.1.9', 'ProxyDomain example.com', 'Cisco_Registry_Farm_Members "10.1.1.2 sps3.example.com"']) {
      assert.match(text, new RegExp(`^${line.replace(/[.*"]/g, '\\$&')}$`, 'm'));
    }
    assert.match(readFileSync(path.join(conf, 'snmpd.cnf'), 'utf8'), /^snmpTargetAddrEntry spsSetupSink1 snmpUDPDomain 10\.1\.1\.9:162 /m);
    assert.match(readFileSync(path.join(conf, 'sps_setup.answers'), 'utf8'), /^trap_sink=10\.1\.1\.9:162 10\.1\.1\.50$/m);
    assert.match(readFileSync(path.join(prefix, 'logs', 'sps_setup_log'), 'utf8'), /address changed from 10\.1\.1\.1 to 10\.1\.1\.9/);
    const t = sipd_t(path.join(conf, 'sipd.conf'));
    assert.equal(t.status, 0, t.stdout + t.stderr);
  });

  test('bad answers: every problem named (file:line, what is valid); nothing changes', () => {
    const before = readdirSync(conf).map((f) => readFileSync(path.join(conf, f), 'utf8'));
    const answers = path.join(prefix, 'bad.txt');
    writeFileSync(answers, 'host_adress=10.1.1.3\nsip_port=99999\n');
    const r = setup(['--prefix', prefix, '--answers', answers]);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.txt:1: unknown key "host_adress" \(did you mean host_address\?\)/);
    const r2 = setup(['--prefix', prefix, '--sip-port', '99999', '--host-address', '10.1.1.300']);
    assert.equal(r2.code, 2);
    assert.match(r2.err, /sip_port: "99999" is not valid; expected a port number from 1 to 65535/);
    assert.match(r2.err, /host_address: "10\.1\.1\.300" is not valid; expected an IPv4 or IPv6 address/);
    assert.deepEqual(readdirSync(conf).map((f) => readFileSync(path.join(conf, f), 'utf8')), before);
  });

  test('SNMPv3 passphrases: under 8 characters refused with a message, privacy cannot be left out', () => {
    const before = readdirSync(conf).map((f) => readFileSync(path.join(conf, f), 'utf8'));
    const short = setup(['--prefix', prefix, '--snmp-v3-user', 'nms', '--snmp-v3-auth-password', 'short12', '--snmp-v3-priv-password', 'privpass123']);
    assert.equal(short.code, 2);
    assert.match(short.err, /snmp_v3_auth_password: "…" is not valid; expected a passphrase of at least 8 characters/);
    assert.doesNotMatch(short.err, /short12/, 'the passphrase is not echoed');
    const noPriv = setup(['--prefix', prefix, '--snmp-v3-user', 'nms', '--snmp-v3-auth-password', 'authpass123', '--snmp-v3-priv-password', '-']);
    assert.equal(noPriv.code, 2);
    assert.match(noPriv.err, /snmp_v3_priv_password: "…" is not valid; expected a passphrase of at least 8 characters/);
    const wide = setup(['--prefix', prefix, '--snmp-community-sources', '10.0.0.0/33 bad']);
    assert.equal(wide.code, 2);
    assert.match(wide.err, /snmp_community_sources: .*not valid: 10\.0\.0\.0\/33, bad/);
    assert.deepEqual(readdirSync(conf).map((f) => readFileSync(path.join(conf, f), 'utf8')), before);
    // Answers from before snmp_community_sources existed: the run says the community narrowed.
    const kept = path.join(conf, 'sps_setup.answers');
    writeFileSync(kept, readFileSync(kept, 'utf8').replace(/^snmp_community_sources=.*\n/m, ''), { mode: 0o600 });
    const old = setup(['--prefix', prefix, '-n']);
    assert.equal(old.code, 0, old.out + old.err);
    assert.match(old.out, /snmp_community_sources: the community opsCommunity now answers 127\.0\.0\.1 only \(earlier runs let it answer any address\)/);
    assert.match(readFileSync(kept, 'utf8'), /^snmp_community_sources=127\.0\.0\.1$/m);
  });

  test('a sipd.conf that would not load is reported with file:line and left alone', () => {
    const broken = sipdConf() + 'MaxForks 99\n';
    writeFileSync(path.join(conf, 'sipd.conf'), broken);
    const r = setup(['--prefix', prefix, '-n']);
    assert.equal(r.code, 1);
    assert.match(r.err, /sipd\.conf:\d+:\d+: .*MaxForks/);
    assert.match(r.err, /nothing was changed/);
    assert.equal(sipdConf(), broken);
    writeFileSync(path.join(conf, 'sipd.conf'), broken.replace(/MaxForks 99\n$/, ''));
  });

  test('interactive: questions with defaults; a wrong answer is asked again', () => {
    // proxy_domain, host_address, host_name, sip_port (wrong, then right), farm_members, mysql (off:
    // no MySQL questions), snmp_community, snmp_community_sources, snmp_v3_user (- for none: no
    // passphrases), trap_sink, pserver_port, pserver_admin, drweb_port (wrong, then right).
    const input = ['example.org', '10.2.2.2', '', '99999', '5080', '', 'off', '', '', '-', '', '26010', 'guiadmin', '0', '8444', ''].join('\n');
    const r = setup(['--prefix', prefix], input);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /SIP port \[5070\]: +not valid: expected a port number/);
    const text = sipdConf();
    assert.match(text, /^ProxyDomain example\.org$/m);
    assert.match(text, /^Listen 10\.2\.2\.2:5080$/m);
    assert.match(text, /^DB_MySQL Off$/m);
    assert.match(text, /^ServerName sps1\.example\.com$/m, 'an empty answer keeps the previous value');
    assert.match(readFileSync(path.join(conf, 'ps.conf'), 'utf8'), /^PServerPort 26010$/m);
    assert.match(readFileSync(path.join(conf, 'ps.conf'), 'utf8'), /^PServerFirstAdministrator guiadmin$/m);
    assert.doesNotMatch(readFileSync(path.join(conf, 'snmpd.cnf'), 'utf8'), /^usmUserEntry localSnmpID spsadmin/m, '"-" removed the v3 user');
    assert.equal(sipd_t(path.join(conf, 'sipd.conf')).status, 0);
    // Dr-Web on: the agent service's options, a self-signed pair (key private), and how to add a user.
    assert.match(r.out, /Dr-Web pages \S+ port, or off \[\]: +not valid: expected a port number/);
    const env = readFileSync(path.join(conf, 'ciagent.env'), 'utf8');
    const keyFile = path.join(prefix, 'data', 'ciagent', 'drweb-key.pem');
    const certFile = path.join(prefix, 'data', 'ciagent', 'drweb-cert.pem');
    assert.match(env, new RegExp(`^CIAGENT_HTTP="--http 10\\.2\\.2\\.2:8444 --http-cert ${certFile} --http-key ${keyFile}"$`, 'm'));
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.match(readFileSync(certFile, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    assert.match(r.out, /ciagent --hash-password NAME SystemAdmin/);
    // What the service's shell makes of it: ciagent's own options, word by word.
    const words = spawnSync('/bin/sh', ['-c', `. '${path.join(conf, 'ciagent.env')}'; for w in $CIAGENT_HTTP; do echo "$w"; done`], { encoding: 'utf8' });
    assert.deepEqual(words.stdout.trim().split('\n'), ['--http', '10.2.2.2:8444', '--http-cert', certFile, '--http-key', keyFile]);
    // Turned off again with "off" on the command line.
    const off = setup(['--prefix', prefix, '--drweb-port', 'off']);
    assert.equal(off.code, 0, off.out + off.err);
    assert.match(readFileSync(path.join(conf, 'ciagent.env'), 'utf8'), /^CIAGENT_HTTP=$/m);
    const early = setup(['--prefix', prefix], 'example.org\n');
    assert.equal(early.code, 2);
    assert.match(early.err, /input ended/);
  });
});
