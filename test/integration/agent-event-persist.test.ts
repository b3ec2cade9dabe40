// DISMAN-EVENT rows created over SNMP survive a restart of a real `ciagent -f`: an NMS
// creates an objects row, an event with its notification row and a boolean trigger with
// snmpset; they are written to the eventagt.cnf ciagent loaded (a destroyed row is taken
// out, the administrator's lines stay), a SIGHUP leaves them running untouched, and after a
// restart the rows are there and the trigger fires its event at snmptrapd again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '../helpers/index.js';
import { lines, restartableCiagent, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';
import { parseEventagtCnf } from '../../src/agent/mibs/event/eventagt-cnf.js';

const E = '1.3.6.1.2.1.88.1';
const FIRED = '.1.3.6.1.2.1.88.2.0.1';
const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
/** An OCTET STRING index component: length, then the octets. */
const str = (s: string) => [s.length, ...Buffer.from(s)].join('.');
const implied = (s: string) => [...Buffer.from(s)].join('.');
const trig = (col: number, table = '2.2') => `${E}.${table}.1.${col}.${str('nms')}.${implied('t1')}`;
const ev = (col: number, name: string, table = '4.2') => `${E}.${table}.1.${col}.${str('nms')}.${implied(name)}`;
const obj = (col: number) => `${E}.3.1.1.${col}.${str('nms')}.${str('objs')}.1`;

/** The notifications snmptrapd printed, one line each. */
const traps = (out: string) => out.split('\n').filter((l) => l.includes('.1.3.6.1.6.3.1.1.4.1.0 = OID:'));

test('DISMAN-EVENT rows created over SNMP are written to eventagt.cnf and fire again after a restart', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-event-persist-'));
  const agentPort = await freePort();
  const trapPort = await freePort();
  const target = `127.0.0.1:${agentPort}`;
  writeFileSync(path.join(dir, 'snmpd.cnf'), trapSinkSnmpdCnf(trapPort), { mode: 0o600 });
  const cnf = path.join(dir, 'eventagt.cnf');
  const adminText = '# the administrator\'s comment\nmteResourceSampleMinimum 1\n';
  writeFileSync(cnf, adminText);
  const trapd = await startTrapd(dir, trapPort);
  const agent = restartableCiagent(dir, agentPort, `${E}.2.1.0`);
  const { launch, halt, set } = agent;

  /** t1 fired (with sysDescr.0 from the objects row) since `from` characters of snmptrapd's output. */
  const firedSince = (from: number) => traps(trapd.output().slice(from)).find((t) => t.includes(`OID: ${FIRED}`) && t.includes('STRING: "t1"'));
  try {
    await launch();
    // Objects row (createAndGo with its column), event (createAndWait, columns, active).
    await set(obj(5), 'i', '4', obj(3), 'o', SYS_DESCR);
    await set(ev(5, 'fire'), 'i', '5');
    await set(ev(3, 'fire'), 'x', '80', ev(4, 'fire'), 'i', '1');
    await set(ev(1, 'fire', '4.3'), 'o', FIRED.slice(1), ev(2, 'fire', '4.3'), 's', 'nms', ev(3, 'fire', '4.3'), 's', 'objs');
    await set(ev(5, 'fire'), 'i', '1');
    // Trigger: createAndGo (disabled), then its boolean cells and "enabled" after it is active.
    await set(trig(15), 'i', '4', trig(4), 'x', '40', trig(6), 'o', SYS_UPTIME, trig(11), 'u', '1', trig(14), 'i', '2');
    await set(trig(1, '2.5'), 'i', '5', trig(2, '2.5'), 'i', '0', trig(3, '2.5'), 'i', '1', trig(6, '2.5'), 's', 'nms', trig(7, '2.5'), 's', 'fire');
    await set(trig(14), 'i', '1');
    // An event created and destroyed again leaves nothing behind.
    await set(ev(5, 'gone'), 'i', '4');
    await set(ev(5, 'gone'), 'i', '6');
    await waitFor('t1 to fire', () => firedSince(0), 20_000);

    const text = await waitFor('eventagt.cnf to hold the rows', () => {
      const t = readFileSync(cnf, 'utf8');
      const c = parseEventagtCnf(t, cnf).config;
      const t1 = c.triggers.find((x) => x.name === 't1');
      return t1?.enabled && t1.boolean.event === 'fire' && c.events.length === 1 && c.objects.length === 1 ? t : undefined;
    }, 10_000);
    assert.ok(text.startsWith(adminText), text);
    const parsed = parseEventagtCnf(text, cnf);
    assert.deepEqual(parsed.messages, []);
    const [t1, fire, objs] = [parsed.config.triggers[0], parsed.config.events[0], parsed.config.objects[0]];
    assert.deepEqual([t1.owner, t1.status, t1.valueId, t1.frequency, t1.test.boolean], ['nms', 'active', SYS_UPTIME, 1, true]);
    assert.deepEqual([t1.boolean.comparison, t1.boolean.value, t1.boolean.startup, t1.boolean.eventOwner], ['greater', 0, true, 'nms']);
    assert.deepEqual([fire.name, fire.status, fire.enabled, fire.actions.notification, fire.notification], ['fire', 'active', true, true, { oid: FIRED.slice(1), objectsOwner: 'nms', objects: 'objs' }]);
    assert.deepEqual([objs.owner, objs.name, objs.index, objs.id, objs.status], ['nms', 'objs', 1, SYS_DESCR, 'active']);

    // SIGHUP: the file now says what runs; nothing restarts (no second startup event).
    const before = trapd.output().length;
    agent.signal('SIGHUP');
    await waitFor('the reload', () => /eventagt\.cnf re-read: \d+ row/.test(readFileSync(agent.logFile, 'utf8')), 10_000);
    assert.match(readFileSync(agent.logFile, 'utf8'), /eventagt\.cnf re-read: 0 row\(s\)/);

    await halt();
    assert.equal(firedSince(before), undefined, 'the SIGHUP did not start t1 over');
    const beforeRestart = trapd.output().length;
    await launch();
    const again = await waitFor('t1 to fire after the restart', () => firedSince(beforeRestart), 20_000);
    assert.match(again, new RegExp(`\\.${SYS_DESCR.replace(/\./g, '\\.')} = STRING: `), 'the objects row\'s sysDescr.0 rides along');
    const rows = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', target, trig(15), trig(7, '2.5'), ev(5, 'fire'), obj(3), ev(5, 'gone')]);
    assert.deepEqual(lines(rows.stdout).map(([, v]) => v), ['INTEGER: 1', 'STRING: "fire"', 'INTEGER: 1', `OID: .${SYS_DESCR}`, 'No Such Instance currently exists at this OID'], rows.stderr);
  } finally {
    await agent.kill();
    await trapd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
