// VACM notify views (RFC 3413 §3.3, RFC 3415 isAccessAllowed with viewType notify): three
// notification targets on one snmptrapd, told apart by community. The group of `allSec`
// may hear everything, `partSec`'s notify view excludes one subtree, `noneSec` has no
// notify view at all. Only what each view allows may arrive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '../helpers/index.js';
import { ONE_LINE_FORMAT, startTrapd } from '../unit/agent/snmp-tools.js';
import { AgentCore } from '../../src/agent/core.js';

const ARC = '1.3.6.1.4.1.32473.99';
const HIDDEN = `${ARC}.5`;

const conf = (trapPort: number) =>
  [
    'snmpCommunityEntry t1 allComm allSec localSnmpID - - nonVolatile',
    'snmpCommunityEntry t2 partComm partSec localSnmpID - - nonVolatile',
    'snmpCommunityEntry t3 noneComm noneSec localSnmpID - - nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c allSec allGroup nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c partSec partGroup nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c noneSec noneGroup nonVolatile',
    'vacmAccessEntry allGroup - snmpv2c noAuthNoPriv exact All - All nonVolatile',
    'vacmAccessEntry partGroup - snmpv2c noAuthNoPriv exact All - part nonVolatile',
    'vacmAccessEntry noneGroup - snmpv2c noAuthNoPriv exact All - - nonVolatile',
    'vacmViewTreeFamilyEntry part internet - included nonVolatile',
    `vacmViewTreeFamilyEntry part ${HIDDEN} - excluded nonVolatile`,
    ...['all', 'part', 'none'].flatMap((n) => [
      `snmpTargetAddrEntry ${n}Sink snmpUDPDomain 127.0.0.1:${trapPort} 100 3 Console ${n}Params nonVolatile`,
      `snmpTargetParamsEntry ${n}Params 1 snmpv2c ${n}Sec noAuthNoPriv nonVolatile`,
    ]),
    '',
  ].join('\n');

test('a notification reaches only the targets whose notify view holds its OID and every varbind', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-notify-view-'));
  const trapPort = await freePort();
  writeFileSync(path.join(dir, 'snmpd.cnf'), conf(trapPort), { mode: 0o600 });
  const trapd = await startTrapd(dir, trapPort, ONE_LINE_FORMAT);
  let core: AgentCore | undefined;
  try {
    core = await AgentCore.create({ rootDir: dir, configDir: dir, dataDir: path.join(dir, 'data'), address: '127.0.0.1', port: await freePort() });
    // 1: the notification OID itself is in the excluded subtree.
    await core.notify(`${HIDDEN}.0.1`, []);
    // 2: an allowed notification OID carrying an object of the excluded subtree.
    await core.notify(`${ARC}.0.2`, [{ oid: `${HIDDEN}.1.0`, type: 'Integer', value: 2 }]);
    // 3: everything outside it.
    await core.notify(`${ARC}.0.3`, [{ oid: `${ARC}.1.0`, type: 'Integer', value: 3 }]);

    const got = (community: string) => trapd.output().split('\n').filter((l) => l.includes(`community ${community}:`));
    await waitFor('all three at allComm and the third at partComm', () => got('allComm').length === 3 && got('partComm').length === 1, 15_000);
    // Each target has its own socket: had 1 or 2 been sent to partSec, they would have come first.
    assert.match(got('partComm')[0], new RegExp(`OID: \\.${ARC}\\.0\\.3~`), got('partComm').join('\n'));
    assert.deepEqual(got('noneComm'), [], 'no notify view: nothing at all');
    assert.match(got('allComm').join('\n'), new RegExp(`OID: \\.${HIDDEN}\\.0\\.1`));
    assert.equal(core.agent.counters.snmpOutTraps, 4, 'three to allSec, one to partSec');
  } finally {
    await core?.stop();
    await trapd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
