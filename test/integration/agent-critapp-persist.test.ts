// critAppProcTable rows created and destroyed over SNMP survive a SIGHUP and a restart of a
// real `ciagent -f`: they are written to the critagt.cnf it loaded, whose comments and
// other lines stay as the administrator wrote them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '../helpers/index.js';
import { lines, restartableCiagent, snmp, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';
import { OID } from '../../src/agent/oids.js';
import { parseCritagtCnf } from '../../src/agent/mibs/critapp/critagt-cnf.js';

const E = OID.critAppProcEntry;

test('rows created (createAndGo, createAndWait → active) and destroyed over SNMP are kept across SIGHUP and restart', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-critapp-persist-'));
  const agentPort = await freePort();
  const target = `127.0.0.1:${agentPort}`;
  const tag = `nosuch${process.pid}`;
  writeFileSync(path.join(dir, 'snmpd.cnf'), trapSinkSnmpdCnf(await freePort()), { mode: 0o600 });
  const cnf = path.join(dir, 'critagt.cnf');
  const adminText = [
    '# the administrator\'s comment',
    `critAppProcEntry 1 ${tag}a "true" - 2 false 3000 false false false`,
    `critAppProcEntry 2 ${tag}b \\`,
    '    "true" - 2 false 3000 false false false',
    'critAppTrapWhenAllRunning false',
    '',
  ].join('\n');
  writeFileSync(cnf, adminText);
  const agent = restartableCiagent(dir, agentPort, `${OID.critAppNumProcs}.0`);
  const { launch, halt, set } = agent;

  /** critAppProcName and critAppRowStatus of rows 1, 2, 7, 8. */
  const table = async () => {
    const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, ...[1, 2, 7, 8].flatMap((n) => [`${E}.2.${n}`, `${E}.17.${n}`])]);
    return lines(r.stdout).map(([, v]) => v.replace('No Such Instance currently exists at this OID', '-'));
  };
  try {
    await launch();
    // 7: createAndGo with its columns in one PDU; 8: createAndWait, columns, then active.
    await set(`${E}.17.7`, 'i', '4', `${E}.2.7`, 's', `${tag}g`, `${E}.3.7`, 's', 'echo "go on"', `${E}.10.7`, 'i', '2');
    await set(`${E}.17.8`, 'i', '5');
    await set(`${E}.2.8`, 's', `${tag}w`, `${E}.3.8`, 's', 'true');
    await set(`${E}.17.8`, 'i', '1');
    // 2 (the administrator's) goes.
    await set(`${E}.17.2`, 'i', '6');
    const expected = [`STRING: "${tag}a"`, 'INTEGER: 1', '-', '-', `STRING: "${tag}g"`, 'INTEGER: 1', `STRING: "${tag}w"`, 'INTEGER: 1'];
    let seen: string[] = [];
    await waitFor('the table as set', async () => JSON.stringify((seen = await table())) === JSON.stringify(expected), 10_000, 200).catch((e: Error) => {
      throw new Error(`${e.message}; last read ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
    });

    const text = await waitFor('critagt.cnf to list rows 1, 7 and 8', () => {
      const t = readFileSync(cnf, 'utf8');
      const procs = parseCritagtCnf(t, cnf).config.procs.map((p) => p.index);
      return JSON.stringify(procs) === '[1,7,8]' ? t : undefined;
    }, 10_000);
    assert.ok(text.startsWith(`# the administrator's comment\ncritAppProcEntry 1 ${tag}a "true" - 2 false 3000 false false false\ncritAppTrapWhenAllRunning false\n`), text);
    const parsed = parseCritagtCnf(text, cnf);
    assert.deepEqual(parsed.messages, []);
    assert.equal(parsed.config.procs[1].startCommand, 'echo "go on"');
    assert.equal(parsed.config.procs[1].findOnStartup, false);

    // SIGHUP re-reads the file: the rows stay.
    agent.signal('SIGHUP');
    await waitFor('the reload to be logged', () => /critagt|SIGHUP/.test(readFileSync(path.join(dir, 'ciagent_log'), 'utf8')), 10_000);
    assert.deepEqual(await table(), expected);

    await halt();
    await launch();
    assert.deepEqual(await table(), expected, 'after a restart');
    const start7 = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, `${E}.3.7`, `${E}.10.7`]);
    assert.deepEqual(lines(start7.stdout).map(([, v]) => v), ['STRING: "echo \\"go on\\""', 'INTEGER: 2']);
  } finally {
    await agent.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
