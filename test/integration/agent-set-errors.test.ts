// SET error statuses on the wire (RFC 3416 §4.2.5, RFC 3584 §4.4): Net-SNMP's snmpset
// against the agent core with the CRITAPP module. v2c and v3 must see wrongValue /
// wrongType / wrongLength; v1 the mapped badValue (net-snmp's library answered badValue to
// every version).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, freePort } from '../helpers/index.js';
import { lines, snmp } from '../unit/agent/snmp-tools.js';
import { AgentCore } from '../../src/agent/core.js';
import { createCritAppModule } from '../../src/agent/mibs/critapp/index.js';
import { OID } from '../../src/agent/oids.js';

const E = OID.critAppProcEntry;
const V3 = ['-v3', '-l', 'authPriv', '-u', 'alice', '-a', 'SHA-256', '-A', 'alice-auth-pass', '-x', 'AES', '-X', 'alice-priv-pass'];
const CONF = [
  'snmpCommunityEntry t1 writer rwSec localSnmpID - - nonVolatile',
  'vacmSecurityToGroupEntry snmpv1 rwSec rw nonVolatile',
  'vacmSecurityToGroupEntry snmpv2c rwSec rw nonVolatile',
  'vacmSecurityToGroupEntry usm alice rw nonVolatile',
  'vacmAccessEntry rw - any noAuthNoPriv exact All All All nonVolatile',
  'usmUserEntry localSnmpID alice sha256 aes nonVolatile "alice-auth-pass" "alice-priv-pass"',
  '',
].join('\n');

let dir: string;
let core: AgentCore;
let target: string;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'agent-set-errors-'));
  const conf = path.join(dir, 'conf');
  mkdirSync(conf);
  writeFileSync(path.join(conf, 'snmpd.cnf'), CONF, { mode: 0o600 });
  // A row nobody will start (admin down, not adopted at start-up).
  writeFileSync(path.join(conf, 'critagt.cnf'), `critAppProcEntry 1 nosuchproc${process.pid} "true" - 2 false 3000 false false false\n`);
  core = await AgentCore.create({
    rootDir: dir, configDir: conf, dataDir: path.join(dir, 'data'), address: '127.0.0.1', port: await freePort(),
    mibDirs: [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')],
  });
  assert.deepEqual(await core.startModules([createCritAppModule({ engine: { pollMs: 60_000 } })]), []);
  target = `127.0.0.1:${core.address.port}`;
});

after(async () => {
  await core?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const set = (auth: string[], oid: string, type: string, value: string) => snmp('snmpset', [...auth, target, oid, type, value]);
const v1 = ['-v1', '-c', 'writer'];
const v2c = ['-v2c', '-c', 'writer'];

/** The error status name snmpset reports ("Reason: wrongValue (…)" / "Reason: (badValue) …"). */
function reason(r: { stdout: string; stderr: string; code: number | null }): string {
  const m = /Reason: \(?(\w+)/.exec(r.stderr + r.stdout);
  assert.ok(m, `no error reported (exit ${r.code}): ${r.stdout}${r.stderr}`);
  return m[1];
}

test('an out-of-range enumerated INTEGER: wrongValue for v2c and v3, badValue for v1', async () => {
  assert.equal(reason(await set(v2c, `${E}.5.1`, 'i', '7')), 'wrongValue');
  assert.equal(reason(await set(V3, `${E}.5.1`, 'i', '7')), 'wrongValue');
  assert.equal(reason(await set(v1, `${E}.5.1`, 'i', '7')), 'badValue');
  // The scalar switches (TruthValue) too.
  assert.equal(reason(await set(v2c, `${OID.critAppTrapWhenAllRunning}.0`, 'i', '0')), 'wrongValue');
  const got = await snmp('snmpget', [...v2c, target, `${E}.5.1`]);
  assert.deepEqual(lines(got.stdout).map(([, v]) => v), ['INTEGER: 2'], 'the refused SETs changed nothing');
});

test('a value of the wrong ASN.1 type: wrongType (v1: badValue)', async () => {
  assert.equal(reason(await set(v2c, `${E}.5.1`, 's', '1')), 'wrongType', 'a string "1" is not an INTEGER');
  assert.equal(reason(await set(v2c, `${E}.5.1`, 'u', '1')), 'wrongType', 'nor is a Gauge32 1');
  assert.equal(reason(await set(v2c, `${E}.3.1`, 'i', '1')), 'wrongType', 'an INTEGER is not a DisplayString');
  assert.equal(reason(await set(v1, `${E}.5.1`, 's', '1')), 'badValue');
});

test('a string outside its SIZE: wrongLength (v1: badValue)', async () => {
  assert.equal(reason(await set(v2c, `${E}.2.1`, 's', '')), 'wrongLength', 'critAppProcName is SIZE (1..255)');
  assert.equal(reason(await set(v2c, `${E}.3.1`, 's', 'x'.repeat(256))), 'wrongLength');
  assert.equal(reason(await set(v1, `${E}.2.1`, 's', '')), 'badValue');
});

test('RowStatus: a value outside its six is wrongValue; cells of a row created in the same PDU are checked too', async () => {
  assert.equal(reason(await set(v2c, `${E}.17.9`, 'i', '7')), 'wrongValue');
  const r = await snmp('snmpset', [...v2c, target, `${E}.17.9`, 'i', '5', `${E}.5.9`, 'i', '9']);
  assert.equal(reason(r), 'wrongValue');
  assert.match(r.stderr + r.stdout, new RegExp(`Failed object: \\.?${E.replace(/\./g, '\\.')}\\.5\\.9`));
  const after9 = await snmp('snmpget', [...v2c, target, `${E}.17.9`]);
  assert.match(after9.stdout, /No Such Instance/, 'the refused create left no row');
  // A good value still works (and v1 keeps its own codes for the rest).
  const ok = await set(v2c, `${OID.critAppTrapWhenAllRunning}.0`, 'i', '1');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(reason(await set(v1, `${E}.11.1`, 'i', '1')), 'noSuchName', 'v1: notWritable maps to noSuchName');
});
