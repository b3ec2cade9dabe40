// OPENSPS-FARM-MIB over SNMP: ciagent runs the real mysql_sync_check on a schedule from
// farmagt.cnf against a real MariaDB, snmpget/snmpbulkwalk read the last result, and a
// real snmptrapd receives openSpsFarmCheckOutcomeChange when the outcome changes:
// notRun → ok, ok → failed (the database stopped), failed → ok (started again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installMySqlDb } from '../../src/cli/install-mysql-db.js';
import { AgentCore } from '../../src/agent/core.js';
import { createFarmModule } from '../../src/agent/mibs/farm/index.js';
import { OID } from '../../src/agent/oids.js';
import { REPO } from '../helpers/paths.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/run.js';
import { startMariaDb } from '../helpers/mariadb.js';
import type { MariaDb } from '../helpers/mariadb.js';
import { lines, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';

const O = OID.openSpsFarmObjects;
const count = (text: string, needle: string) => text.split(needle).length - 1;

test('farm check over SNMP: scheduled mysql_sync_check, last result, per-table counts, outcome traps', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-farm-'));
  const conf = path.join(dir, 'conf');
  mkdirSync(conf);
  mkdirSync(path.join(dir, 'logs'));
  let db: MariaDb | undefined;
  let core: AgentCore | undefined;
  const agentPort = await freePort();
  const trapPort = await freePort();
  const trapd = await startTrapd(dir, trapPort);
  try {
    db = await startMariaDb();
    await installMySqlDb({ server: { host: '127.0.0.1', port: db.port }, adminUser: 'root', adminPassword: '', database: 'sip', table: 'subscriber', account: { user: 'sps', password: 'spspw' }, timeoutMs: 10_000 });
    await db.sql("INSERT INTO sip.subscriber (user_id, domain) VALUES ('2000', ''), ('2001', '')");
    writeFileSync(
      path.join(conf, 'sipd.conf'),
      ['DB_MySQL On', `DB_MySQL_HostName ${db.address}`, 'DB_MySQL_Username sps', 'DB_MySQL_Password spspw', 'DB_MySQL_Connect_Timeout 5', 'Cisco_Registry_Farm_Members "127.0.0.2"', ''].join('\n'),
    );
    writeFileSync(path.join(conf, 'snmpd.cnf'), trapSinkSnmpdCnf(trapPort));
    // Every 2 seconds, so the test need not wait for a 5-minute schedule.
    writeFileSync(path.join(conf, 'farmagt.cnf'), ['farmCheckSchedule "*/2 * * * * *"', `farmCheckProgram ${path.join(REPO, 'bin', 'mysql_sync_check')}`, 'farmCheckTimeout 60', ''].join('\n'));

    core = await AgentCore.create({ rootDir: dir, configDir: conf, dataDir: path.join(dir, 'data'), address: '127.0.0.1', port: agentPort, mibDirs: [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')] });
    assert.deepEqual(await core.startModules([createFarmModule()]), []);
    const get = async (oid: string) => {
      const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', `127.0.0.1:${agentPort}`, oid]);
      assert.equal(r.code, 0, r.stderr);
      return lines(r.stdout)[0][1];
    };
    assert.equal(await get(`${O}.1.0`), 'STRING: "*/2 * * * * *"');

    await waitFor('the first check to pass', async () => (await get(`${O}.3.0`)) === 'INTEGER: 1', 60_000, 500);
    assert.equal(await get(`${O}.4.0`), 'INTEGER: 0');
    // net-snmp prints an empty OCTET STRING without its type.
    assert.equal(await get(`${O}.5.0`), '""');
    assert.equal(await get(`${O}.9.0`), 'INTEGER: 1', 'a plain server takes writes: primary');
    assert.equal(await get(`${O}.7.0`), 'Gauge32: 0', 'no Galera: no cluster size');
    assert.match(await get(`${O}.2.0`), /^Timeticks: \(\d+\)/);
    assert.notEqual(await get(`${O}.2.0`), 'Timeticks: (0) 0:00:00.00');

    const walk = await snmp('snmpbulkwalk', ['-v2c', '-c', 'cspsAdmin', '-On', `127.0.0.1:${agentPort}`, OID.openSpsFarmTableEntry]);
    assert.equal(walk.code, 0, walk.stderr);
    const cells = new Map(lines(walk.stdout).map(([k, v]) => [k.replace(/^\./, ''), v]));
    const names = [...cells].filter(([k]) => k.startsWith(`${OID.openSpsFarmTableEntry}.2.`)).map(([, v]) => v);
    assert.ok(names.includes('STRING: "subscriber"'), walk.stdout);
    const sub = [...cells].find(([k, v]) => k.startsWith(`${OID.openSpsFarmTableEntry}.2.`) && v === 'STRING: "subscriber"')![0].split('.').at(-1);
    assert.equal(cells.get(`${OID.openSpsFarmTableEntry}.3.${sub}`), 'Gauge32: 2');
    assert.equal(cells.get(`${OID.openSpsFarmTableEntry}.4.${sub}`), 'Gauge32: 2');
    assert.equal(cells.get(`${OID.openSpsFarmTableEntry}.5.${sub}`), 'INTEGER: 2', 'TruthValue false: one node, nothing differs');

    await waitFor('the notRun → ok notification', () => count(trapd.output(), OID.openSpsFarmCheckOutcomeChange) === 1, 15_000);

    await db.stop();
    await waitFor('a check to fail', async () => (await get(`${O}.3.0`)) === 'INTEGER: 3', 60_000, 500);
    assert.equal(await get(`${O}.4.0`), 'INTEGER: 2');
    assert.match(await get(`${O}.5.0`), new RegExp(`STRING: ".*${db.address.replace(/\./g, '\\.')}`));
    assert.equal(await get(`${O}.9.0`), 'INTEGER: 3', 'unreadable node: partition state unknown');
    await waitFor('the ok → failed notification', () => count(trapd.output(), OID.openSpsFarmCheckOutcomeChange) === 2, 15_000);

    await db.start();
    await waitFor('the check to pass again', async () => (await get(`${O}.3.0`)) === 'INTEGER: 1', 60_000, 500);
    await waitFor('the failed → ok notification', () => count(trapd.output(), OID.openSpsFarmCheckOutcomeChange) === 3, 15_000);
    // The same outcome again is no news: wait for two more checks, still three notifications.
    const t = Number(/\((\d+)\)/.exec(await get(`${O}.2.0`))![1]);
    await waitFor('two more checks', async () => Number(/\((\d+)\)/.exec(await get(`${O}.2.0`))![1]) > t + 200, 30_000, 500);
    assert.equal(count(trapd.output(), OID.openSpsFarmCheckOutcomeChange), 3, trapd.output());
  } finally {
    await core?.stop();
    await trapd.stop();
    await db?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});
