// SNMP secure by default, with Net-SNMP's own tools against a real `ciagent -f` over the
// snmpd.cnf that bin/sps_setup writes into a copy of the shipped conf/: the SNMPv3 user it
// creates reads and writes at authPriv (HMAC-SHA-256, AES); a v2c SET and a v3 authNoPriv
// SET are refused; the community answers 127.0.0.1 only until snmp_community_sources widens it.
// Then a v3 trap target at authPriv, as docs/snmp-agent.md describes it, seen by snmptrapd.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, REPO, freePort, requireTool, start, waitFor } from '../helpers/index.js';
import { lines, restartableCiagent, snmp } from '../unit/agent/snmp-tools.js';

const SYS_DESCR = '.1.3.6.1.2.1.1.1.0';
const SYS_LOCATION = '.1.3.6.1.2.1.1.6.0';

function setup(prefix: string, args: string[]) {
  const r = spawnSync(process.execPath, [path.join(BIN, 'sps_setup'), '--prefix', prefix, ...args], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout;
}

/** key=value lines of sps_setup.answers. */
function answers(prefix: string): Record<string, string> {
  const text = readFileSync(path.join(prefix, 'conf', 'sps_setup.answers'), 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('SNMP after sps_setup', () => {
  let prefix: string;
  let agentDir: string;
  let agent: ReturnType<typeof restartableCiagent>;
  let v3: (level: 'authPriv' | 'authNoPriv', user?: string, auth?: string, priv?: string) => string[];

  before(async () => {
    prefix = mkdtempSync(path.join(tmpdir(), 'snmpv3-setup-'));
    cpSync(path.join(REPO, 'conf'), path.join(prefix, 'conf'), { recursive: true });
    mkdirSync(path.join(prefix, 'logs'));
    // Nothing about SNMP given: the run creates the v3 user with generated passphrases.
    const out = setup(prefix, ['--host-address', '127.0.0.1', '--host-name', 'localhost', '--proxy-domain', 'example.com']);
    assert.match(out, /SNMPv3 user spsAdmin \(SHA-256, AES\): generated snmp_v3_auth_password and snmp_v3_priv_password; read them in .*sps_setup\.answers/);
    const a = answers(prefix);
    assert.equal(a.snmp_v3_user, 'spsAdmin');
    assert.match(a.snmp_v3_auth_password, /^[0-9a-f]{32}$/);
    assert.doesNotMatch(out, new RegExp(`${a.snmp_v3_auth_password}|${a.snmp_v3_priv_password}`), 'no passphrase on the screen');
    v3 = (level, user = 'spsAdmin', auth = answers(prefix).snmp_v3_auth_password, priv = answers(prefix).snmp_v3_priv_password) => [
      '-v3', '-l', level, '-u', user, '-a', 'SHA-256', '-A', auth, ...(level === 'authPriv' ? ['-x', 'AES', '-X', priv] : []),
    ];
    // The agent gets the written snmpd.cnf alone (the shipped critagt.cnf would start sipd).
    agentDir = path.join(prefix, 'agent');
    mkdirSync(agentDir);
    copyFileSync(path.join(prefix, 'conf', 'snmpd.cnf'), path.join(agentDir, 'snmpd.cnf'));
    agent = restartableCiagent(agentDir, await freePort(), SYS_DESCR);
    await agent.launch();
  });

  after(async () => {
    await agent?.kill();
    rmSync(prefix, { recursive: true, force: true });
  });

  test('the v3 user reads and writes at authPriv with SHA-256 and AES', async () => {
    const get = await snmp('snmpget', [...v3('authPriv'), agent.target, SYS_DESCR]);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /STRING: "OpenSPS ciagent/);
    const set = await snmp('snmpset', [...v3('authPriv'), agent.target, SYS_LOCATION, 's', 'rack 7']);
    assert.equal(set.code, 0, set.stderr);
    const back = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', agent.target, SYS_LOCATION]);
    assert.deepEqual(lines(back.stdout).map(([, v]) => v), ['STRING: "rack 7"']);
  });

  test('a v2c SET is refused (noAccess): the community reads only', async () => {
    const set = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', agent.target, SYS_LOCATION, 's', 'intruder']);
    assert.notEqual(set.code, 0);
    assert.match(set.stderr, /noAccess/);
  });

  test('a v3 authNoPriv SET is refused, and so is a wrong passphrase', async () => {
    // net-snmp refuses a request below the user's own level before VACM sees it: a
    // usmStatsWrongDigests report, "Authentication failure".
    const set = await snmp('snmpset', [...v3('authNoPriv'), '-r', '0', agent.target, SYS_LOCATION, 's', 'intruder']);
    assert.notEqual(set.code, 0);
    assert.match(set.stderr, /Authentication failure/);
    const wrong = await snmp('snmpget', [...v3('authPriv', 'spsAdmin', 'not-the-passphrase'), '-r', '0', agent.target, SYS_DESCR]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Authentication failure/);
    // VACM refuses too: a hand-added user without privacy in sps_setup's v3 group finds no
    // access row below authPriv (RFC 3415 §3.2: authorizationError, v3 has no noSuchName).
    const cnf = path.join(agentDir, 'snmpd.cnf');
    appendFileSync(cnf, 'usmUserEntry localSnmpID weak sha256 none nonVolatile "weak-auth-pass"\nvacmSecurityToGroupEntry usm weak spsSetupV3Group nonVolatile\n');
    agent.signal('SIGHUP');
    const weak = ['-v3', '-l', 'authNoPriv', '-u', 'weak', '-a', 'SHA-256', '-A', 'weak-auth-pass'];
    const denied = await waitFor('the reloaded snmpd.cnf', async () => {
      const r = await snmp('snmpset', [...weak, '-r', '0', agent.target, SYS_LOCATION, 's', 'intruder']);
      return /authorizationError/.test(r.stdout + r.stderr) && r;
    }, 20_000, 250);
    assert.notEqual(denied.code, 0);
    const read = await snmp('snmpget', [...weak, agent.target, SYS_DESCR]);
    assert.match(read.stdout + read.stderr, /authorizationError/);
    const now = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', agent.target, SYS_LOCATION]);
    assert.deepEqual(lines(now.stdout).map(([, v]) => v), ['STRING: "rack 7"'], 'nothing was written');
  });

  test('the community answers 127.0.0.1 only, until snmp_community_sources widens it (then SIGHUP)', async () => {
    const other = ['--clientaddr=127.0.0.2', '-t', '1', '-r', '0'];
    const refused = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', ...other, agent.target, SYS_DESCR]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Timeout/, 'an unknown community (here: from an address it may not come from) gets no answer');
    // Chosen passphrases and a second source range; the generated passphrases stop working.
    setup(prefix, ['--snmp-community-sources', '127.0.0.1 127.0.0.0/24', '--snmp-v3-user', 'nms', '--snmp-v3-auth-password', 'auth-pass-1', '--snmp-v3-priv-password', 'priv-pass-1']);
    assert.equal(statSync(path.join(prefix, 'conf', 'snmpd.cnf')).mode & 0o027, 0);
    copyFileSync(path.join(prefix, 'conf', 'snmpd.cnf'), path.join(agentDir, 'snmpd.cnf'));
    agent.signal('SIGHUP');
    await waitFor('the reloaded snmpd.cnf', async () => (await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', ...other, agent.target, SYS_DESCR])).code === 0, 20_000, 250);
    const v3get = await snmp('snmpget', [...v3('authPriv', 'nms', 'auth-pass-1', 'priv-pass-1'), agent.target, SYS_DESCR]);
    assert.equal(v3get.code, 0, v3get.stderr);
    const gone = await snmp('snmpget', [...v3('authPriv', 'spsAdmin', 'x'.repeat(8), 'y'.repeat(8)), '-r', '0', agent.target, SYS_DESCR]);
    assert.match(gone.stderr, /Unknown user name/);
  });
});

test('a v3 trap target (MP-MODEL 3, authPriv): snmptrapd with the user under the agent engine ID gets coldStart', async () => {
  const snmptrapd = requireTool('snmptrapd', 'snmptrapd');
  const dir = mkdtempSync(path.join(tmpdir(), 'snmpv3-trap-'));
  const engine = '80001f88804f70656e53505331';
  const [trapPort, agentPort] = [await freePort(), await freePort()];
  writeFileSync(path.join(dir, 'snmpd.cnf'), [
    `snmpEngineID ${engine}`,
    'snmpCommunityEntry t1 cspsAdmin roSec localSnmpID - - nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c roSec ro nonVolatile',
    'vacmAccessEntry ro - snmpv2c noAuthNoPriv exact All - All nonVolatile',
    'usmUserEntry localSnmpID spsAdmin sha256 aes nonVolatile "auth-pass-1" "priv-pass-1"',
    'vacmSecurityToGroupEntry usm spsAdmin v3 nonVolatile',
    'vacmAccessEntry v3 - usm authPriv exact All All All nonVolatile',
    `snmpTargetAddrEntry v3sink snmpUDPDomain 127.0.0.1:${trapPort} 100 3 Console v3Params nonVolatile`,
    'snmpTargetParamsEntry v3Params 3 usm spsAdmin authPriv nonVolatile',
    '',
  ].join('\n'), { mode: 0o600 });
  // Only messages from this user at authPriv are logged (authUser … priv).
  writeFileSync(path.join(dir, 'snmptrapd.conf'), `createUser -e 0x${engine} spsAdmin SHA-256 auth-pass-1 AES priv-pass-1\nauthUser log spsAdmin priv\n`);
  const traps = start(snmptrapd, ['-f', '-Lo', '-On', '-n', '-m', '', '-M', '/nonexistent', '-C', '-c', path.join(dir, 'snmptrapd.conf'), '-p', path.join(dir, 'snmptrapd.pid'), `udp:127.0.0.1:${trapPort}`], 120_000);
  let out = '';
  traps.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const agent = restartableCiagent(dir, agentPort, SYS_DESCR);
  try {
    await waitFor('snmptrapd to start', () => /NET-SNMP version/i.test(out), 20_000);
    await agent.launch();
    await waitFor('coldStart at snmptrapd', () => /\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: \.1\.3\.6\.1\.6\.3\.1\.1\.5\.1\b/.test(out), 20_000);
  } finally {
    await agent.kill();
    traps.child.kill('SIGTERM');
    await traps.done;
    rmSync(dir, { recursive: true, force: true });
  }
});
