// The VACM decision cache: (model, security name, level, context, view type) → view is
// computed once per configuration and gives the same answers as RFC 3415's steps run on
// every call; invalidate() and a reload of snmpd.cnf (a new configuration) drop it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSnmpdCnf } from '../../../src/agent/cnf/snmpd-cnf.js';
import { Vacm } from '../../../src/agent/vacm.js';
import { AgentCore } from '../../../src/agent/core.js';
import type { RequestSecurity, ViewType } from '../../../src/agent/net-snmp/index.js';
import { REPO, freePort } from '../../helpers/index.js';
import { lines, snmp } from './snmp-tools.js';

const CNF = [
  'vacmSecurityToGroupEntry snmpv2c ro roGroup nonVolatile',
  'vacmSecurityToGroupEntry usm admin adminGroup nonVolatile',
  'vacmSecurityToGroupEntry snmpv2c nogroupaccess lonely nonVolatile',
  'vacmAccessEntry roGroup - snmpv2c noAuthNoPriv exact sys - sys nonVolatile',
  'vacmAccessEntry adminGroup - usm authNoPriv exact All All All nonVolatile',
  'vacmAccessEntry adminGroup ctx any authPriv prefix sys sys - nonVolatile',
  'vacmViewTreeFamilyEntry sys system - included nonVolatile',
  'vacmViewTreeFamilyEntry sys 1.3.6.1.2.1.1.9 - excluded nonVolatile',
  'vacmViewTreeFamilyEntry sys 1.3.6.1.2.1.2.2.1.1 ff:c0 included nonVolatile',
  '',
].join('\n');

const sec = (model: RequestSecurity['model'], securityName: string, level: RequestSecurity['level'], contextName = ''): RequestSecurity => ({
  model, securityName, level, contextName, address: '127.0.0.1', port: 1,
});

/** RFC 3415 §3.2 without any cache, from the Vacm's own step functions. */
function uncached(v: Vacm, s: RequestSecurity, viewType: ViewType, oid: string) {
  const group = v.groupOf(s.model, s.securityName);
  if (group === undefined) return 'noGroupName';
  const entry = v.selectAccess(group, s.contextName, s.model, s.level);
  if (!entry) return 'noAccessEntry';
  return v.inView(viewType === 'read' ? entry.readView : viewType === 'write' ? entry.writeView : entry.notifyView, oid);
}

test('cached decisions are the RFC 3415 ones, computed once per security/context/view type', () => {
  const { config, messages } = parseSnmpdCnf(CNF, 'snmpd.cnf');
  assert.deepEqual(messages, []);
  const vacm = new Vacm(config);
  const reference = new Vacm(config);
  const secs = [
    sec('v2c', 'ro', 'noAuthNoPriv'), sec('v1', 'ro', 'noAuthNoPriv'), sec('usm', 'admin', 'authNoPriv'), sec('usm', 'admin', 'authPriv'),
    sec('usm', 'admin', 'authPriv', 'ctx1'), sec('usm', 'admin', 'noAuthNoPriv'), sec('v2c', 'nogroupaccess', 'noAuthNoPriv'), sec('v2c', 'nobody', 'noAuthNoPriv'),
  ];
  const oids = ['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.9.1.2.1', '1.3.6.1.2.1.2.2.1.1.7', '1.3.6.1.2.1.2.2.1.2.7', '1.3.6.1.2.1.25.1.1.0', '1.3.6.1.6.3.1.1.5.1'];
  const views: ViewType[] = ['read', 'write', 'notify'];
  const seen = new Set<string>();
  for (let round = 0; round < 3; round++) {
    for (const s of secs) for (const vt of views) for (const oid of oids) {
      assert.equal(vacm.isAccessAllowed(s, vt, oid), uncached(reference, s, vt, oid), `${JSON.stringify(s)} ${vt} ${oid}`);
      seen.add(`${s.model}/${s.securityName}/${s.level}/${s.contextName}/${vt}`);
    }
  }
  // Every outcome occurred (the comparison above covers them all).
  const outcomes = new Set(secs.flatMap((s) => views.flatMap((vt) => oids.map((oid) => vacm.isAccessAllowed(s, vt, oid)))));
  assert.deepEqual([...outcomes].sort(), ['allowed', 'noAccessEntry', 'noGroupName', 'noSuchView', 'notInView']);
  assert.equal(vacm.decisionsComputed, seen.size, 'steps 1-3 ran once per (model, name, level, context, view type), not per OID');
});

test('invalidate() drops cached decisions; the cache stays bounded', () => {
  const { config } = parseSnmpdCnf(CNF, 'snmpd.cnf');
  const vacm = new Vacm(config);
  const s = sec('usm', 'admin', 'authPriv', 'ctx1');
  assert.equal(vacm.isAccessAllowed(s, 'read', '1.3.6.1.2.1.25.1.1.0'), 'notInView', 'the ctx prefix row (view sys) wins');
  // An access entry that is more specific (exact context) appears in the configuration the
  // Vacm reads: the cached decision stands until invalidate().
  config.access.push({ ...config.access[1], contextPrefix: 'ctx1', match: 'exact', level: 'authPriv', line: 99 });
  assert.equal(vacm.isAccessAllowed(s, 'read', '1.3.6.1.2.1.25.1.1.0'), 'notInView');
  vacm.invalidate();
  assert.equal(vacm.isAccessAllowed(s, 'read', '1.3.6.1.2.1.25.1.1.0'), 'allowed');
  // Contexts come from the network: no more than CACHE_MAX decisions are kept.
  for (let i = 0; i < Vacm.CACHE_MAX + 10; i++) vacm.isAccessAllowed(sec('usm', 'admin', 'authPriv', `c${i}`), 'read', '1.3.6.1.2.1.1.1.0');
  const size = (vacm as unknown as { decisions: Map<string, unknown> }).decisions.size;
  assert.ok(size <= Vacm.CACHE_MAX, `${size} cached decisions`);
});

test('a reload of snmpd.cnf replaces the cached decisions (snmpget before and after)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vacm-cache-'));
  const cnf = (extra: string) =>
    [
      'snmpCommunityEntry t0000001 cspsAdmin proxySec localSnmpID - - nonVolatile',
      'vacmSecurityToGroupEntry snmpv2c proxySec proxyGroup nonVolatile',
      'vacmAccessEntry proxyGroup - snmpv2c noAuthNoPriv exact All All All nonVolatile',
      'vacmViewTreeFamilyEntry All internet - included nonVolatile',
      extra,
      '',
    ].join('\n');
  writeFileSync(path.join(dir, 'snmpd.cnf'), cnf(''), { mode: 0o600 });
  let core: AgentCore | undefined;
  try {
    core = await AgentCore.create({
      rootDir: dir, configDir: dir, dataDir: path.join(dir, 'data'), address: '127.0.0.1', port: await freePort(),
      mibDirs: [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')],
    });
    const target = `127.0.0.1:${core.address.port}`;
    const get = async () => lines((await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, '1.3.6.1.2.1.11.1.0', '1.3.6.1.2.1.11.30.0'])).stdout).map(([, v]) => v.replace(/: \d+$/, ''));
    assert.deepEqual(await get(), ['Counter32', 'INTEGER']);
    writeFileSync(path.join(dir, 'snmpd.cnf'), cnf('vacmViewTreeFamilyEntry All 1.3.6.1.2.1.11.1 - excluded nonVolatile'));
    assert.deepEqual(core.reloadConfig().filter((m) => m.severity === 'error'), []);
    assert.deepEqual(await get(), ['No Such Object available on this agent at this OID', 'INTEGER']);
    writeFileSync(path.join(dir, 'snmpd.cnf'), cnf(''));
    core.reloadConfig();
    assert.deepEqual(await get(), ['Counter32', 'INTEGER']);
  } finally {
    await core?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
