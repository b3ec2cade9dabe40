// ciagent's core against Net-SNMP's own tools: v1/v2c/v3 reads, VACM, SETs, endOfMibView,
// garbage datagrams, and the coldStart notification of a real `ciagent -f` process seen by
// snmptrapd.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentCore } from '../../src/agent/core.js';
import { AGENT_MODULES } from '../../src/agent/mib-modules.js';
import { BIN, REPO, freePort, requireTool, sleep, start, waitFor } from '../helpers/index.js';
import { lines, snmp } from '../unit/agent/snmp-tools.js';

const SYS = '.1.3.6.1.2.1.1';
const CONF = `
sysContact "ops@example.org"
sysLocation "rack 2"
snmpCommunityEntry t1 readonly roSec localSnmpID - - nonVolatile
snmpCommunityEntry t2 writer rwSec localSnmpID - - nonVolatile
snmpCommunityEntry t3 limited limSec localSnmpID - - nonVolatile
snmpCommunityEntry t4 remoteonly roSec localSnmpID - elsewhere nonVolatile
snmpTargetAddrEntry elsewhereAddr snmpUDPDomain 192.0.2.1:0 100 3 elsewhere - nonVolatile 255.255.255.255:0
vacmSecurityToGroupEntry snmpv1 roSec ro nonVolatile
vacmSecurityToGroupEntry snmpv2c roSec ro nonVolatile
vacmSecurityToGroupEntry snmpv1 rwSec rw nonVolatile
vacmSecurityToGroupEntry snmpv2c rwSec rw nonVolatile
vacmSecurityToGroupEntry snmpv2c limSec lim nonVolatile
vacmSecurityToGroupEntry usm alice v3 nonVolatile
vacmAccessEntry ro - any noAuthNoPriv exact All - All nonVolatile
vacmAccessEntry rw - any noAuthNoPriv exact All All All nonVolatile
vacmAccessEntry lim - snmpv2c noAuthNoPriv exact noSnmp - - nonVolatile
vacmAccessEntry v3 - usm authPriv exact All All All nonVolatile
vacmViewTreeFamilyEntry noSnmp internet - included nonVolatile
vacmViewTreeFamilyEntry noSnmp snmp - excluded nonVolatile
usmUserEntry localSnmpID alice sha256 aes nonVolatile "alice-auth-pass" "alice-priv-pass"
`;

let dir: string;
let core: AgentCore;
let target: string;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ciagent-'));
  writeFileSync(path.join(dir, 'snmpd.cnf'), CONF, { mode: 0o600 });
  core = await AgentCore.create({ rootDir: REPO, configDir: dir, dataDir: path.join(dir, 'data'), address: '127.0.0.1', port: await freePort() });
  await core.startModules(AGENT_MODULES.filter((m) => m.name === 'system'));
  target = `127.0.0.1:${core.address.port}`;
});

after(async () => {
  await core?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('v1, v2c and v3 (authPriv, SHA-256/AES) read the system group', async () => {
  for (const auth of [['-v1', '-c', 'readonly'], ['-v2c', '-c', 'readonly'], ['-v3', '-l', 'authPriv', '-u', 'alice', '-a', 'SHA-256', '-A', 'alice-auth-pass', '-x', 'AES', '-X', 'alice-priv-pass']]) {
    const get = await snmp('snmpget', [...auth, target, `${SYS}.4.0`, `${SYS}.6.0`, `${SYS}.2.0`]);
    assert.equal(get.code, 0, `${auth.join(' ')}: ${get.stderr}`);
    assert.deepEqual(lines(get.stdout).map(([, v]) => v), ['STRING: "ops@example.org"', 'STRING: "rack 2"', 'OID: .1.3.6.1.4.1.32473.2.1']);
    const walk = await snmp('snmpwalk', [...auth, target, SYS]);
    assert.equal(walk.code, 0, walk.stderr);
    assert.deepEqual(lines(walk.stdout).slice(0, 7).map(([o]) => o), [1, 2, 3, 4, 5, 6, 7].map((n) => `${SYS}.${n}.0`));
  }
});

test('a wrong community gets no answer at all, and is counted', async () => {
  const before = core.agent.counters.snmpInBadCommunityNames;
  const r = await snmp('snmpget', ['-v2c', '-c', 'nosuch', '-t', '1', '-r', '0', target, `${SYS}.1.0`]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Timeout/);
  // A community limited (transport tag) to another source address is unknown from here.
  const r2 = await snmp('snmpget', ['-v2c', '-c', 'remoteonly', '-t', '1', '-r', '0', target, `${SYS}.1.0`]);
  assert.match(r2.stderr, /Timeout/);
  assert.equal(core.agent.counters.snmpInBadCommunityNames, before + 2);
});

test('SNMPv3 with a wrong passphrase is refused', async () => {
  const r = await snmp('snmpget', ['-v3', '-l', 'authPriv', '-u', 'alice', '-a', 'SHA-256', '-A', 'not-the-pass', '-x', 'AES', '-X', 'alice-priv-pass', '-t', '1', '-r', '0', target, `${SYS}.1.0`]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Authentication failure/, 'a usmStatsWrongDigests report, not a timeout');
  assert.doesNotMatch(r.stdout, /STRING/);
});

test('SET sysContact: refused without a write view (noAccess / v1 noSuchName), done with one', async () => {
  const ro = await snmp('snmpset', ['-v2c', '-c', 'readonly', target, `${SYS}.4.0`, 's', 'intruder']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /noAccess/);
  const ro1 = await snmp('snmpset', ['-v1', '-c', 'readonly', target, `${SYS}.4.0`, 's', 'intruder']);
  assert.match(ro1.stderr, /noSuchName/);
  const notWritable = await snmp('snmpset', ['-v2c', '-c', 'writer', target, `${SYS}.1.0`, 's', 'x']);
  assert.match(notWritable.stderr, /notWritable/, 'sysDescr is read-only in the MIB');
  const rw = await snmp('snmpset', ['-v2c', '-c', 'writer', target, `${SYS}.4.0`, 's', 'noc@example.org']);
  assert.equal(rw.code, 0, rw.stderr);
  const v3 = await snmp('snmpset', ['-v3', '-l', 'authPriv', '-u', 'alice', '-a', 'SHA-256', '-A', 'alice-auth-pass', '-x', 'AES', '-X', 'alice-priv-pass', target, `${SYS}.6.0`, 's', 'rack 3']);
  assert.equal(v3.code, 0, v3.stderr);
  const get = await snmp('snmpget', ['-v2c', '-c', 'readonly', target, `${SYS}.4.0`, `${SYS}.6.0`]);
  assert.deepEqual(lines(get.stdout).map(([, v]) => v), ['STRING: "noc@example.org"', 'STRING: "rack 3"']);
  const tooLong = await snmp('snmpset', ['-v2c', '-c', 'writer', target, `${SYS}.4.0`, 's', 'x'.repeat(300)]);
  assert.notEqual(tooLong.code, 0);
});

test('a view that excludes a subtree hides it from walks and GETs', async () => {
  const walk = await snmp('snmpbulkwalk', ['-v2c', '-c', 'limited', target, '.1.3.6.1.2.1']);
  assert.equal(walk.code, 0, walk.stderr);
  const oids = lines(walk.stdout).map(([o]) => o);
  assert.ok(oids.some((o) => o.startsWith(`${SYS}.`)));
  assert.ok(!oids.some((o) => o.startsWith('.1.3.6.1.2.1.11.')), oids.join('\n'));
  const full = await snmp('snmpbulkwalk', ['-v2c', '-c', 'readonly', target, '.1.3.6.1.2.1.11']);
  assert.ok(lines(full.stdout).length > 5, 'the snmp group exists for others');
  const get = await snmp('snmpget', ['-v2c', '-c', 'limited', target, '.1.3.6.1.2.1.11.1.0']);
  assert.match(get.stdout, /No Such Object/);
});

test('walks past the end of the MIB terminate with endOfMibView', async () => {
  const bulk = await snmp('snmpbulkwalk', ['-v2c', '-c', 'readonly', '-Cr7', target, '.1'], 60_000);
  assert.equal(bulk.code, 0, bulk.stderr);
  assert.ok(lines(bulk.stdout).length > 20);
  const next = await snmp('snmpgetnext', ['-v2c', '-c', 'readonly', target, '.1.3.6.1.9']);
  assert.match(next.stdout, /No more variables left in this MIB View/);
  const v1 = await snmp('snmpgetnext', ['-v1', '-c', 'readonly', target, '.1.3.6.1.9']);
  assert.match(v1.stderr, /noSuchName/, 'v1 has no endOfMibView: noSuchName');
});

/** A v2c GetRequest for sysDescr.0, BER by hand. */
function getPdu(community: string, requestId: number): Buffer {
  const tlv = (tag: number, body: Buffer) => {
    const len = body.length < 128 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
    return Buffer.concat([Buffer.from([tag]), len, body]);
  };
  const int = (n: number) => tlv(0x02, Buffer.from([(n >> 8) & 0x7f, n & 0xff]));
  const oid = tlv(0x06, Buffer.from([0x2b, 6, 1, 2, 1, 1, 1, 0]));
  const varbind = tlv(0x30, Buffer.concat([oid, Buffer.from([0x05, 0x00])]));
  const pdu = tlv(0xa0, Buffer.concat([int(requestId), int(0), int(0), tlv(0x30, varbind)]));
  return tlv(0x30, Buffer.concat([int(1), tlv(0x04, Buffer.from(community)), pdu]));
}

test('1,000+ truncated, bit-flipped and mis-sized datagrams do not stop the agent', async () => {
  const valid = getPdu('readonly', 1234);
  const junk: Buffer[] = [];
  for (let n = 0; n < valid.length; n++) junk.push(valid.subarray(0, n));
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  while (junk.length < 900) {
    const b = Buffer.from(valid);
    const flips = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < flips; i++) b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
    junk.push(b);
  }
  for (let pos = 0; pos < valid.length && junk.length < 1100; pos++) {
    for (const len of [0x00, 0x7f, 0x81, 0x84, 0xff]) {
      const b = Buffer.from(valid);
      b[pos] = len;
      junk.push(b);
    }
  }
  junk.push(Buffer.alloc(0), Buffer.alloc(3000, 0x30), Buffer.concat([valid, Buffer.from([0, 0, 0])]));
  assert.ok(junk.length >= 1000);
  const sock = dgram.createSocket('udp4');
  const port = core.address.port;
  try {
    for (let i = 0; i < junk.length; i++) {
      await new Promise<void>((r) => sock.send(junk[i], port, '127.0.0.1', () => r()));
      if (i % 100 === 0) await sleep(5);
    }
  } finally {
    sock.close();
  }
  const r = await snmp('snmpget', ['-v2c', '-c', 'readonly', target, `${SYS}.3.0`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Timeticks/);
  assert.ok(core.agent.counters.snmpInASNParseErrs > 0);
});

test('ciagent -f sends coldStart to snmptrapd, answers, and stops cleanly on SIGTERM', async () => {
  const snmptrapd = requireTool('snmptrapd', 'snmptrapd');
  const work = mkdtempSync(path.join(os.tmpdir(), 'ciagent-proc-'));
  const trapPort = await freePort();
  const agentPort = await freePort();
  writeFileSync(path.join(work, 'snmptrapd.conf'), 'disableAuthorization yes\n');
  writeFileSync(
    path.join(work, 'snmpd.cnf'),
    `${CONF}\nsnmpTargetAddrEntry sink snmpUDPDomain 127.0.0.1:${trapPort} 100 3 Console v2cParams nonVolatile\nsnmpTargetParamsEntry v2cParams 1 snmpv2c roSec noAuthNoPriv nonVolatile\n`,
    { mode: 0o600 },
  );
  const traps = start(snmptrapd, ['-f', '-Lo', '-On', '-C', '-c', path.join(work, 'snmptrapd.conf'), `udp:127.0.0.1:${trapPort}`], 60_000);
  let trapOut = '';
  traps.child.stdout!.on('data', (d: Buffer) => (trapOut += d.toString()));
  const pidFile = path.join(work, 'ciagent.pid');
  let agent: ReturnType<typeof start> | undefined;
  try {
    await waitFor('snmptrapd to start', () => /NET-SNMP version/i.test(trapOut), 15_000);
    agent = start(process.execPath, [path.join(BIN, 'ciagent'), '-f', '--config-dir', work, '--data-dir', path.join(work, 'data'), '--listen', `udp:127.0.0.1:${agentPort}`, '--pid-file', pidFile, '--log-file', path.join(work, 'ciagent_log')], 60_000);
    await waitFor('the pid file', () => existsSync(pidFile), 20_000);
    await waitFor('coldStart at snmptrapd', () => /\.1\.3\.6\.1\.6\.3\.1\.1\.5\.1\b/.test(trapOut), 15_000);
    const r = await snmp('snmpget', ['-v2c', '-c', 'readonly', `127.0.0.1:${agentPort}`, `${SYS}.5.0`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(agent.child.pid));
    agent.child.kill('SIGTERM');
    const end = await agent.done;
    assert.equal(end.code, 0, end.stderr);
    assert.ok(!existsSync(pidFile), 'the pid file is removed on stop');
    assert.match(readFileSync(path.join(work, 'ciagent_log'), 'utf8'), /ciagent started on udp:127\.0\.0\.1/);
  } finally {
    agent?.child.kill('SIGKILL');
    traps.child.kill('SIGTERM');
    await traps.done;
    if (agent) await agent.done;
    rmSync(work, { recursive: true, force: true });
  }
});
