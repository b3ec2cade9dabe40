// SIGHUP to a real `ciagent -f`: eventagt.cnf and smpop.cnf are read again. A trigger the
// file keeps goes on sampling without a second startup event; a removed trigger stops, an
// added or changed one starts (snmptrapd sees its mteTriggerRising); a script run that is
// executing is not killed, a removed launch button disappears, an added one can be pressed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, freePort, sleep, start, waitFor } from '../helpers/index.js';
import { ONE_LINE_FORMAT, lines, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';
import { ownerNameIndex } from '../../src/agent/mibs/script/types.js';

const E = '1.3.6.1.2.1.88';
const RISING = `.${E}.2.0.2`;
// snmpEnableAuthenTraps.0: a constant 2 (disabled) that every trigger below samples.
const VALUE = '1.3.6.1.2.1.11.30.0';
const SM = '1.3.6.1.2.1.64.1';

/** A threshold trigger on VALUE sampled every second; startup rising fires when VALUE ≥ rising. */
const trigger = (name: string, rising: number) => [
  `mteTriggerEntry o ${name} "${name}" 20 1 ${VALUE} 2 - - 2 1u - - 1 1`,
  `mteTriggerThresholdEntry 1 ${rising} 0 0 0 - - o up - - - - - - o ${name}`,
];
const EVENTS = ['mteEventEntry up "rising" 80 1 1 o', 'mteEventNotificationEntry 0.0 - - o up'];

/** The index of a trigger row: owner length-prefixed, name IMPLIED. */
const triggerIndex = (name: string) => [1, ...Buffer.from('o'), ...Buffer.from(name)].join('.');

test('SIGHUP re-reads eventagt.cnf and smpop.cnf without restarting what did not change', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-reload-'));
  const trapPort = await freePort();
  const agentPort = await freePort();
  const target = `127.0.0.1:${agentPort}`;
  writeFileSync(path.join(dir, 'snmpd.cnf'), trapSinkSnmpdCnf(trapPort), { mode: 0o600 });
  writeFileSync(path.join(dir, 'eventagt.cnf'), [...trigger('keep', 1), ...trigger('gone', 1), ...trigger('changed', 1000), ...EVENTS, ''].join('\n'));
  writeFileSync(
    path.join(dir, 'smpop.cnf'),
    [
      'smScriptEntry o long "long" "sleep 60" enabled',
      'smLaunchEntry o long o long - 1 1 6000 360000 enabled',
      'smScriptEntry o old "old" "true" enabled',
      'smLaunchEntry o old o old - 1 1 6000 360000 enabled',
      '',
    ].join('\n'),
  );
  const trapd = await startTrapd(dir, trapPort, ONE_LINE_FORMAT);
  const pidFile = path.join(dir, 'ciagent.pid');
  const get = async (...oids: string[]) => {
    const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, ...oids]);
    assert.equal(r.code, 0, r.stderr);
    return lines(r.stdout).map(([, v]) => v);
  };
  const risingFor = (name: string) => trapd.output().split('\n').filter((l) => l.includes(`OID: ${RISING}~`) && l.includes(`STRING: "${name}"`));
  const agent = start(
    process.execPath,
    [path.join(BIN, 'ciagent'), '-f', '--config-dir', dir, '--data-dir', path.join(dir, 'data'), '--listen', `udp:${target}`, '--pid-file', pidFile, '--log-file', path.join(dir, 'ciagent_log')],
    180_000,
  );
  try {
    await waitFor('the pid file', () => existsSync(pidFile), 30_000);
    await waitFor('startup rising of keep and gone', () => risingFor('keep').length === 1 && risingFor('gone').length === 1, 30_000);

    // A long script run, executing when the signal comes.
    const longIdx = ownerNameIndex('o', 'long');
    const press = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', target, `${SM}.4.1.1.10.${longIdx}`, 'i', '0']);
    assert.equal(press.code, 0, press.stderr);
    await waitFor('run 1 executing', async () => (await get(`${SM}.4.2.1.10.${longIdx}.1`))[0] === 'INTEGER: 2', 20_000, 250);

    // The new files: `keep` moves (same text, other lines), `gone` goes, `changed` now fires,
    // `added` is new; script `long` gets another command, `old` goes, `fresh` comes.
    writeFileSync(path.join(dir, 'eventagt.cnf'), ['# edited', ...EVENTS, ...trigger('added', 1), ...trigger('changed', 1), '', ...trigger('keep', 1), ''].join('\n'));
    writeFileSync(
      path.join(dir, 'smpop.cnf'),
      [
        'smScriptEntry o long "long" "echo replaced" enabled',
        'smLaunchEntry o long o long - 1 1 6000 360000 enabled',
        'smScriptEntry o fresh "fresh" "echo fresh-output" enabled',
        'smLaunchEntry o fresh o fresh - 1 1 6000 360000 enabled',
        '',
      ].join('\n'),
    );
    agent.child.kill('SIGHUP');
    await waitFor('rising of the added and the changed trigger', () => risingFor('added').length === 1 && risingFor('changed').length === 1, 30_000);
    const goneBefore = risingFor('gone').length;
    await sleep(3000); // three more samples of every trigger
    assert.equal(risingFor('keep').length, 1, `no second startup event for the unchanged trigger:\n${trapd.output()}`);
    assert.equal(risingFor('gone').length, goneBefore, 'the removed trigger no longer samples');
    assert.equal(risingFor('added').length, 1);
    const rows = await get(`${E}.1.2.2.1.15.${triggerIndex('keep')}`, `${E}.1.2.2.1.15.${triggerIndex('gone')}`, `${E}.1.2.6.1.2.${triggerIndex('changed')}`);
    assert.deepEqual(rows, ['INTEGER: 1', 'No Such Instance currently exists at this OID', 'INTEGER: 1']);

    // Script MIB: the run goes on; the registered command and the buttons follow the file.
    const freshIdx = ownerNameIndex('o', 'fresh');
    const oldIdx = ownerNameIndex('o', 'old');
    assert.deepEqual(await get(`${SM}.4.2.1.10.${longIdx}.1`, `${SM}.3.1.1.5.${longIdx}`, `${SM}.4.1.1.16.${oldIdx}`), [
      'INTEGER: 2',
      'STRING: "echo replaced"',
      'No Such Instance currently exists at this OID',
    ]);
    const pressFresh = await snmp('snmpset', ['-v2c', '-c', 'cspsAdmin', target, `${SM}.4.1.1.10.${freshIdx}`, 'i', '0']);
    assert.equal(pressFresh.code, 0, pressFresh.stderr);
    await waitFor('the fresh run to end with its output', async () => (await get(`${SM}.4.2.1.8.${freshIdx}.1`))[0]?.startsWith('STRING: "fresh-output'), 20_000, 250);
    assert.equal((await get(`${SM}.4.2.1.10.${longIdx}.1`))[0], 'INTEGER: 2', 'still executing');
  } finally {
    agent.child.kill('SIGTERM');
    const end = await agent.done;
    await trapd.stop();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(end.code, 0, end.stderr);
  }
});
