// LOG-MIB over SNMP, as the guide's chapter 4 uses it: `snmpget siLogSize.1` follows the
// file, and a real snmptrapd receives siLogMaxSizeReached once per crossing and
// siLogMatchFound for matching lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/paths.js';
import { freePort } from '../helpers/ports.js';
import { sleep, waitFor } from '../helpers/run.js';
import { lines, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';
import { AgentCore } from '../../src/agent/core.js';
import { createLogModule } from '../../src/agent/mibs/log/index.js';
import { OID } from '../../src/agent/oids.js';

const E = OID.siLogEntry;

const count = (text: string, needle: string) => text.split(needle).length - 1;

test('logagt over SNMP: siLogSize follows the file, max-size trap once per crossing, match traps', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-log-'));
  const conf = path.join(dir, 'conf');
  mkdirSync(conf);
  mkdirSync(path.join(dir, 'logs'));
  const log = path.join(dir, 'logs', 'error_log');
  writeFileSync(log, '');
  const agentPort = await freePort();
  const trapPort = await freePort();
  writeFileSync(
    path.join(conf, 'snmpd.cnf'),
    trapSinkSnmpdCnf(trapPort),
  );
  // The guide's layout, with a 200-byte limit, a 1 s poll and traps on match and size.
  writeFileSync(
    path.join(conf, 'logagt.cnf'),
    ['siLogGlobalPollInterval 60', 'siLogEntry 1 "CSPS error log" logs/error_log "\\[crit\\]" 2 0 0 0 - 1 0 200 - 1 1 2 csps 1'].join('\n') + '\n',
  );

  const trapd = await startTrapd(dir, trapPort);
  let core: AgentCore | undefined;
  try {
    core = await AgentCore.create({ rootDir: dir, configDir: conf, dataDir: path.join(dir, 'data'), address: '127.0.0.1', port: agentPort, mibDirs: [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')] });
    assert.deepEqual(await core.startModules([createLogModule()]), []);
    const get = async (oid: string) => {
      const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', `127.0.0.1:${agentPort}`, oid]);
      assert.equal(r.code, 0, r.stderr);
      return lines(r.stdout)[0][1];
    };
    assert.equal(await get(`${E}.10.1`), 'Gauge32: 0');
    assert.equal(await get(`${E}.3.1`), 'STRING: "logs/error_log"');

    appendFileSync(log, '[notice] starting\n[crit] disk full\n');
    const size1 = statSync(log).size;
    await waitFor('siLogSize.1 follows', async () => (await get(`${E}.10.1`)) === `Gauge32: ${size1}`, 15_000, 300);
    assert.equal(await get(`${E}.7.1`), 'Counter32: 1');
    await waitFor('siLogMatchFound trap', () => trapd.output().includes(OID.siLogMatchFound), 15_000);
    assert.ok(trapd.output().includes('[crit] disk full'), trapd.output());

    appendFileSync(log, 'x'.repeat(250) + '\n');
    await waitFor('siLogMaxSizeReached trap', () => trapd.output().includes(OID.siLogMaxSizeReached), 15_000);
    appendFileSync(log, 'y'.repeat(50) + '\n');
    await sleep(2500); // two more polls above the limit
    assert.equal(count(trapd.output(), OID.siLogMaxSizeReached), 1, 'once per crossing');

    // Rotate: below the limit again (re-armed), then over it: a second trap.
    renameSync(log, `${log}.1`);
    writeFileSync(log, 'fresh\n');
    await waitFor('size of the new file', async () => (await get(`${E}.10.1`)) === 'Gauge32: 6', 15_000, 300);
    appendFileSync(log, 'z'.repeat(300) + '\n');
    await waitFor('second siLogMaxSizeReached', () => count(trapd.output(), OID.siLogMaxSizeReached) === 2, 15_000);

    const set = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', `127.0.0.1:${agentPort}`, `${OID.siLogGlobalPollInterval}.0`, 'i', '30']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(await get(`${OID.siLogGlobalPollInterval}.0`), 'INTEGER: 30');
    const bad = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', `127.0.0.1:${agentPort}`, `${OID.siLogGlobalPollInterval}.0`, 'i', '0']);
    assert.notEqual(bad.code, 0);
    assert.equal(await get(`${OID.siLogGlobalPollInterval}.0`), 'INTEGER: 30');
  } finally {
    await core?.stop();
    trapd.run.child.kill('SIGTERM');
    await trapd.run.done;
    rmSync(dir, { recursive: true, force: true });
  }
});
