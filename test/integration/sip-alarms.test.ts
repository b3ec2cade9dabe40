// A ready-made SIP alarm end to end: ciagent (bin/ciagent) as AgentX master on a Unix socket
// in the test directory, with the shipped eventagt.cnf whose 5xx trigger is uncommented
// (sampled every 2 s instead of 60, rising at 5 instead of 100); sipd attached to it as a
// subagent (sipd.conf: AgentXSocket), serving OPENSPS-SIP-MIB's spsSipStatusClassOuts;
// snmptrapd receiving. A callee (sipp) refuses every call with 500, which sipd forwards to
// the caller (sipp): sipd sends 5xx responses until mteTriggerRising for sip5xxRate reaches
// snmptrapd, naming spsSipStatusClassOuts.5.<applIndex>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, FIXTURES, REPO, freePort, start, waitFor } from '../helpers/index.js';
import type { Running } from '../helpers/index.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer } from '../helpers/sip-peers.js';
import { lines, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';
import type { Trapd } from '../unit/agent/snmp-tools.js';

const OUTS_5XX = '1.3.6.1.4.1.32473.1.3.1.2.1.3.5';
const RISING = '.1.3.6.1.2.1.88.2.0.2';
const HOT_TRIGGER = '.1.3.6.1.2.1.88.2.1.1.0';
const HOT_OID = '.1.3.6.1.2.1.88.2.1.4.0';
const S = (name: string) => path.join(FIXTURES, 'sipp', `${name}.xml`);

/** The shipped eventagt.cnf with the 5xx alarm on, every 2 s, rising at 5 and falling at 1. */
function eventagtWith5xxAlarm(): string {
  const shipped = readFileSync(path.join(REPO, 'conf', 'eventagt.cnf'), 'utf8');
  let text = shipped.replace(/^#(mte[A-Za-z]+ .*sip5xx.*)$/gm, '$1');
  const edit = (from: RegExp, to: string) => {
    assert.match(text, from, `the shipped eventagt.cnf has ${from}`);
    text = text.replace(from, to);
  };
  edit(/^(mteTriggerEntry sip sip5xxRate .* )60u( .*)$/m, '$12u$2');
  edit(/^mteTriggerThresholdEntry 1 100 10 (.* sip sip5xxRate)$/m, 'mteTriggerThresholdEntry 1 5 1 $1');
  assert.equal(text.split('\n').filter((l, i) => l !== shipped.split('\n')[i]).length, 7, 'the 5xx alarm is 7 lines');
  return text;
}

test('the ready-made 5xx alarm: sipd answering 5xx through its AgentX subagent brings mteTriggerRising to snmptrapd', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-alarms-'));
  const sock = path.join(dir, 'agentx');
  const trapPort = await freePort();
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  writeFileSync(path.join(dir, 'snmpd.cnf'), trapSinkSnmpdCnf(trapPort));
  writeFileSync(path.join(dir, 'eventagt.cnf'), eventagtWith5xxAlarm());
  const logText = () => {
    try {
      return readFileSync(path.join(dir, 'ciagent_log'), 'utf8');
    } catch {
      return '';
    }
  };
  let trapd: Trapd | undefined;
  let agent: Running | undefined;
  let sipd: TestProxy | undefined;
  let callee: SippPeer | undefined;
  const context = () => `snmptrapd:\n${trapd?.output()}\nciagent_log:\n${logText()}`;
  try {
    trapd = await startTrapd(dir, trapPort);
    agent = start(process.execPath, [
      path.join(BIN, 'ciagent'), '-f', '--config-dir', dir, '--data-dir', path.join(dir, 'data'), '--listen', `udp:${target}`,
      '--pid-file', path.join(dir, 'ciagent.pid'), '--log-file', path.join(dir, 'ciagent_log'), '--agentx', sock,
    ], 240_000);
    await waitFor('ciagent to start with its AgentX master', () => /ciagent started on udp/.test(logText()) || agent!.child.exitCode !== null, 60_000);
    assert.match(logText(), /AgentX master listening on /, logText());

    sipd = await startTestSipd(['Cisco_Registry On', 'SipT1InMs 100', `AgentXSocket ${sock}`]);
    // sipd's SIP MIB through ciagent: an spsSipStatusClassOuts.5 instance for its applIndex.
    const instance = await waitFor('sipd to register its SIP MIB with ciagent', async () => {
      const r = await snmp('snmpgetnext', ['-v2c', '-c', 'cspsAdmin', target, OUTS_5XX]);
      const first = lines(r.stdout)[0];
      return first && first[0].startsWith(`.${OUTS_5XX}.`) ? first[0] : undefined;
    }, 30_000, 300).catch((e: Error) => assert.fail(`${e.message}\n${context()}`));

    callee = await startUas({ scenario: S('uas-error'), keys: { status: 500 }, calls: 1000, timeoutS: 180 });
    const reg = await runUac({ scenario: S('register'), target: { port: sipd.port }, keys: { user: 'refuser', domain: `127.0.0.1:${sipd.port}`, contact: `sip:refuser@${callee.address}`, expires: 300 } });
    assert.equal(reg.code, 0, `REGISTER\n${describePeer(reg)}`);

    // Batches of calls, each refused with 500 by the callee and forwarded by sipd, until the
    // trigger has seen 5 or more within one sample period.
    const rising = await waitFor('mteTriggerRising for sip5xxRate', async () => {
      const found = trapd!.output().split('\n').find((l) => l.includes(`OID: ${RISING}`) && l.includes(`${HOT_TRIGGER} = STRING: "sip5xxRate"`));
      if (found) return found;
      const r = await runUac({ scenario: S('uac-expect'), target: { port: sipd!.port }, calls: 10, rate: 10, keys: { ruri: `sip:refuser@127.0.0.1:${sipd!.port}`, caller: 'alice', expect: '500' } });
      assert.equal(r.code, 0, `calls refused with 500\n${describePeer(r)}`);
      return undefined;
    }, 90_000, 200).catch((e: Error) => assert.fail(`${e.message}\n${context()}`));
    assert.ok(rising.includes(`${HOT_OID} = OID: ${instance}`), `the hot OID is sipd's instance ${instance}\n${rising}`);
  } finally {
    await callee?.stop();
    await stopTestSipd(sipd);
    agent?.child.kill('SIGTERM');
    await agent?.done;
    await trapd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
