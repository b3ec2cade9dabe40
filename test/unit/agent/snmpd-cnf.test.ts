// snmpd.cnf reader and VACM (RFC 3415) decisions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { notifyTypeOf, parseSnmpdCnf, readSnmpdCnf } from '../../../src/agent/cnf/snmpd-cnf.js';
import { Vacm } from '../../../src/agent/vacm.js';
import type { RequestSecurity } from '../../../src/agent/net-snmp/index.js';
import { FIXTURES, REPO } from '../../helpers/index.js';

const v2c = (securityName: string): RequestSecurity => ({ model: 'v2c', securityName, level: 'noAuthNoPriv', contextName: '', address: '127.0.0.1', port: 1 });

test("the guide's snmpd.cnf example lines load unchanged", () => {
  const { config, messages } = readSnmpdCnf(path.join(FIXTURES, 'agent', 'guide-snmpd.cnf'));
  assert.deepEqual(messages, []);
  assert.equal(config.communities[0].community, 'cspsAdmin');
  assert.equal(config.communities[0].securityName, 'proxySec');
  assert.equal(config.communities[0].transportTag, '');
  assert.deepEqual(
    { ...config.access[0], line: 0 },
    { group: 'proxyGroup', contextPrefix: '', model: 'snmpv2c', level: 'noAuthNoPriv', match: 'exact', readView: 'All', writeView: 'All', notifyView: 'All', line: 0 },
  );
  assert.equal(config.targets[0].host, '172.17.140.131');
  assert.equal(config.targets[0].port, 162, 'port 0 means the default trap port');
  assert.deepEqual(config.targets[0].tags, ['Console']);
  assert.equal(config.params[0].mpModel, 1);
  assert.equal(config.httpUsers.length, 1);
  // The guide's configuration: cspsAdmin reads and writes everything under the built-in All view.
  const vacm = new Vacm(config);
  assert.equal(vacm.community('cspsAdmin', '10.1.2.3'), 'proxySec');
  assert.equal(vacm.isAccessAllowed(v2c('proxySec'), 'read', '1.3.6.1.2.1.1.1.0'), 'allowed');
  assert.equal(vacm.isAccessAllowed(v2c('proxySec'), 'write', '1.3.6.1.2.1.1.4.0'), 'allowed');
  // No NOTIFY-VIEW field: notified of what it may read (its traps keep going to the guide's target).
  assert.equal(vacm.isAccessAllowed(v2c('proxySec'), 'notify', '1.3.6.1.6.3.1.1.5.1'), 'allowed');
  assert.equal(vacm.isAccessAllowed({ ...v2c('proxySec'), model: 'v1' }, 'read', '1.3.6.1.2.1.1.1.0'), 'noGroupName');
});

test('the shipped conf/snmpd.cnf loads: cspsAdmin reads from 127.0.0.1 only and writes nothing', () => {
  const { config, messages } = readSnmpdCnf(path.join(REPO, 'conf', 'snmpd.cnf'));
  assert.deepEqual(messages, []);
  const vacm = new Vacm(config);
  assert.equal(vacm.community('cspsAdmin', '127.0.0.1'), 'proxySec');
  assert.equal(vacm.community('cspsAdmin', '192.0.2.7'), undefined);
  assert.equal(vacm.community('public', '127.0.0.1'), undefined);
  assert.equal(vacm.isAccessAllowed(v2c('proxySec'), 'read', '1.3.6.1.2.1.25.1.1.0'), 'allowed');
  assert.equal(vacm.isAccessAllowed(v2c('proxySec'), 'write', '1.3.6.1.2.1.1.4.0'), 'noSuchView');
  assert.equal(config.targets.filter((t) => t.params).length, 1);
  assert.deepEqual(config.targets.map((t) => [t.name, notifyTypeOf(config, t)]), [['localOnlyAddr', undefined], ['localTrapSink', 'trap']]);
});

test('snmpNotifyEntry: each target gets the type of the rows naming its tags; none at all keeps traps for every target', () => {
  const targets = [
    'snmpTargetParamsEntry v2 1 snmpv2c sec noAuthNoPriv nonVolatile',
    'snmpTargetParamsEntry v1 0 snmpv1 sec noAuthNoPriv nonVolatile',
    'snmpTargetAddrEntry a snmpUDPDomain 192.0.2.1:162 100 3 nmsA v2 nonVolatile',
    'snmpTargetAddrEntry b snmpUDPDomain 192.0.2.2:162 100 3 "nmsB other" v2 nonVolatile',
    'snmpTargetAddrEntry c snmpUDPDomain 192.0.2.3:162 100 3 nmsA,nmsB v2 nonVolatile',
    'snmpTargetAddrEntry d snmpUDPDomain 192.0.2.4:162 100 3 nobody v2 nonVolatile',
    'snmpTargetAddrEntry e snmpUDPDomain 192.0.2.5:162 100 3 nmsB v1 nonVolatile',
    'snmpTargetAddrEntry f snmpUDPDomain 192.0.2.6:0 100 3 nmsB - nonVolatile',
  ];
  const types = (src: string[]) => {
    const { config, messages } = parseSnmpdCnf(src.join('\n'), 'n.cnf');
    return { types: Object.fromEntries(config.targets.map((t) => [t.name, notifyTypeOf(config, t)])), messages: messages.map((m) => `${m.severity} ${m.line}: ${m.message}`) };
  };
  const none = types(targets);
  assert.deepEqual(none.types, { a: 'trap', b: 'trap', c: 'trap', d: 'trap', e: 'trap', f: undefined });
  assert.deepEqual(none.messages, []);

  // The guide's form (trap/inform) and the numbers of RFC 3413's snmpNotifyType (1/2).
  const some = types([...targets, 'snmpNotifyEntry n1 nmsA trap nonVolatile', 'snmpNotifyEntry n2 nmsB 2 nonVolatile']);
  assert.deepEqual(some.types, { a: 'trap', b: 'inform', c: 'inform', d: undefined, e: 'inform', f: undefined });
  assert.deepEqual(some.messages, [
    'warning 6: snmpTargetAddrEntry d: no snmpNotifyEntry names any of its tags (nobody); it gets no notifications',
    'warning 7: snmpTargetAddrEntry e: SNMPv1 (parameters v1) has no InformRequest; it gets traps instead',
  ]);

  const { config, messages } = parseSnmpdCnf(
    ['snmpNotifyEntry n1 t informs nonVolatile', 'snmpNotifyEntry n2 t inform', 'snmpNotifyEntry n3 t 1 nonVolatile', 'snmpNotifyEntry n3 u 2 nonVolatile'].join('\n'),
    'x.cnf',
  );
  const text = messages.map((m) => `${m.file}:${m.line}:${m.col}: ${m.message}`);
  assert.match(text[0], /^x\.cnf:1:\d+: notification type 'informs' is not valid \(did you mean inform\?\); valid: trap, inform, 1, 2$/);
  assert.match(text[1], /^x\.cnf:2:1: snmpNotifyEntry takes 4 fields, found 3: snmpNotifyEntry NAME TAG trap\|inform STORAGE$/);
  assert.match(text[2], /^x\.cnf:4:\d+: snmpNotifyEntry n3 is already defined on line 3$/);
  assert.equal(messages.length, 3);
  assert.deepEqual(config.notify.map((n) => [n.name, n.type]), [['n3', 'trap']]);
});

test('errors name file:line:col and what is valid; a bad entry is left out, the rest loads', () => {
  const src = [
    'snmpCommunityEntry t1 public pubSec localSnmpID - - nonVolatile',
    'vacmSecurityToGroupEntry snmpv3 pubSec g nonVolatile',
    'snmpCommunityEntri t2 x y - - - nonVolatile',
    'vacmViewTreeFamilyEntry v 1.3.6.1.2.1 zz included nonVolatile',
    'snmpTargetAddrEntry t snmpUDPDomain 300.1.1.1:162 100 3 tag p nonVolatile',
    'usmUserEntry localSnmpID u sha aes nonVolatile short longenough',
    'vacmAccessEntry g snmpv2c noAuthNoPriv exact All nonVolatile \\',
    '   extra',
  ].join('\n');
  const { config, messages } = parseSnmpdCnf(src, 'x.cnf');
  const text = messages.map((m) => `${m.file}:${m.line}:${m.col}: ${m.message}`);
  assert.equal(config.communities.length, 1);
  assert.match(text[0], /^x\.cnf:2:\d+: security model 'snmpv3' is not valid.*valid: snmpv1, snmpv2c, usm/);
  assert.match(text[1], /^x\.cnf:3:1: unknown entry type 'snmpCommunityEntri' \(did you mean snmpCommunityEntry\?\); known: snmpCommunityEntry/);
  assert.match(text[2], /^x\.cnf:4:\d+: mask 'zz'/);
  assert.match(text[3], /^x\.cnf:5:\d+: target address '300\.1\.1\.1:162'/);
  assert.match(text[4], /^x\.cnf:6:\d+: user u: an authentication passphrase of at least 8 characters/);
  assert.match(text[5], /^x\.cnf:8:4: storage type 'extra'/, 'continuation lines join the entry (the field is on line 8)');
  assert.equal(messages.length, 6);
});

test('VACM: view families with masks, longest match, exclusions, best access entry', () => {
  const src = [
    'vacmSecurityToGroupEntry snmpv2c s g nonVolatile',
    'vacmSecurityToGroupEntry usm alice v3 nonVolatile',
    'vacmAccessEntry g - snmpv2c noAuthNoPriv exact limited - - nonVolatile',
    'vacmAccessEntry v3 - usm authNoPriv exact All - - nonVolatile',
    'vacmAccessEntry v3 - usm authPriv exact All All - nonVolatile',
    'vacmViewTreeFamilyEntry limited internet - included nonVolatile',
    'vacmViewTreeFamilyEntry limited 1.3.6.1.2.1.25 - excluded nonVolatile',
    'vacmViewTreeFamilyEntry limited 1.3.6.1.2.1.25.1.1 - included nonVolatile',
    // mask ff:a0 = bits 11111111 101: sub-ids 1-9 and 11 must match, sub-id 10 (the ifEntry column) is a wildcard
    'vacmViewTreeFamilyEntry ifdescr 1.3.6.1.2.1.2.2.1.2 ff:a0 included nonVolatile',
  ].join('\n');
  const { config, messages } = parseSnmpdCnf(src, 'v.cnf');
  assert.deepEqual(messages, []);
  const vacm = new Vacm(config);
  assert.equal(vacm.isAccessAllowed(v2c('s'), 'read', '1.3.6.1.2.1.1.1.0'), 'allowed');
  assert.equal(vacm.isAccessAllowed(v2c('s'), 'read', '1.3.6.1.2.1.25.2.3.1.1.1'), 'notInView');
  assert.equal(vacm.isAccessAllowed(v2c('s'), 'read', '1.3.6.1.2.1.25.1.1.0'), 'allowed');
  assert.equal(vacm.isAccessAllowed(v2c('s'), 'write', '1.3.6.1.2.1.1.4.0'), 'noSuchView');
  assert.equal(vacm.isAccessAllowed(v2c('nobody'), 'read', '1.3.6.1.2.1.1.1.0'), 'noGroupName');
  const usm = (level: RequestSecurity['level']): RequestSecurity => ({ model: 'usm', securityName: 'alice', level, contextName: '', address: '127.0.0.1', port: 1 });
  assert.equal(vacm.isAccessAllowed(usm('noAuthNoPriv'), 'read', '1.3.6.1.2.1.1.1.0'), 'noAccessEntry');
  assert.equal(vacm.isAccessAllowed(usm('authNoPriv'), 'write', '1.3.6.1.2.1.1.4.0'), 'noSuchView');
  assert.equal(vacm.isAccessAllowed(usm('authPriv'), 'write', '1.3.6.1.2.1.1.4.0'), 'allowed', 'authPriv picks the authPriv entry');
  assert.equal(vacm.inView('ifdescr', '1.3.6.1.2.1.2.2.1.2.7'), 'allowed');
  assert.equal(vacm.inView('ifdescr', '1.3.6.1.2.1.2.2.1.3.7'), 'allowed', 'the masked-out sub-id (column) matches anything');
  assert.equal(vacm.inView('ifdescr', '1.3.6.1.2.1.2.2.9.2.7'), 'notInView', 'sub-id 9 is under the mask');
  assert.equal(vacm.inView('ifdescr', '1.3.6.1.2.1.2.2.1'), 'notInView', 'shorter than the family');
});
