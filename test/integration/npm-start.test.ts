// `npm start` brings the product up as an installed box runs it: ciagent in the foreground,
// which starts sipd through its critagt entry 1; Ctrl-C stops both. The test runs the
// command package.json's start script runs after its build (the suite has built already,
// and a second tsc writing dist/ under running tests would race them), in a process group
// of its own as a terminal's foreground job is, on free loopback ports and a throw-away
// ServerRoot, then sends SIGINT to the whole group, as Ctrl-C does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, freePort, processesMentioning, udpExchange, waitFor } from '../helpers/index.js';
import { lines, snmp } from '../unit/agent/snmp-tools.js';
import { processExists, readPid } from '../../src/common/pidfile.js';

const SYS_DESCR = '.1.3.6.1.2.1.1.1.0';
const CRIT_APP_ENTRY = '.1.3.6.1.4.1.32473.1.1.1.1.1';
const ADMIN_STATUS_1 = `${CRIT_APP_ENTRY}.5.1`;
const OPER_STATUS_1 = `${CRIT_APP_ENTRY}.11.1`;
const BUILD = 'npm run build --silent && ';

function options(port: number): string {
  return [
    `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.1:5061;rport;branch=z9hG4bKnpmstart1',
    'Max-Forwards: 70',
    'From: <sip:start@127.0.0.1>;tag=1',
    `To: <sip:127.0.0.1:${port}>`,
    'Call-ID: npm-start-1@127.0.0.1',
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The values snmpget gets for these OIDs (v2c, the shipped read-only loopback community). */
async function get(port: number, ...oids: string[]): Promise<Map<string, string>> {
  const r = await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', '-t', '1', '-r', '0', `127.0.0.1:${port}`, ...oids]);
  return new Map(r.code === 0 ? lines(r.stdout) : []);
}

test('npm start: ciagent on loopback starts sipd as critagt entry 1; both answer; Ctrl-C stops both', async () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts.start;
  assert.ok(script.startsWith(BUILD), `the start script builds first: ${script}`);
  const command = script.slice(BUILD.length);
  assert.match(command, /quick-start\.js$/);

  const root = mkdtempSync(path.join(os.tmpdir(), 'npm-start-'));
  const snmpPort = await freePort();
  const sipPort = await freePort();
  const child = spawn('/bin/sh', ['-c', `${command} --server-root '${root}' --snmp udp:127.0.0.1:${snmpPort} -c 'Listen 127.0.0.1:${sipPort}'`], {
    cwd: REPO,
    detached: true, // a process group of its own, like a shell's foreground job
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const show = () => `--- npm start's output ---\n${output}`;
  try {
    // The agent answers, and reports sipd running in critagt row 1, whose intended status is up.
    const up = await waitFor('critAppOperStatus.1 = up(1)', async () => {
      const v = await get(snmpPort, SYS_DESCR, ADMIN_STATUS_1, OPER_STATUS_1);
      return v.get(OPER_STATUS_1) === 'INTEGER: 1' ? v : undefined;
    }, 120_000, 500).catch((e: Error) => assert.fail(`${e.message}\n${show()}`));
    assert.match(up.get(SYS_DESCR) ?? '', /OpenSPS ciagent/, show());
    assert.equal(up.get(ADMIN_STATUS_1), 'INTEGER: 1', show());

    // sipd answers an OPTIONS to itself; its pid is the one the agent supervises.
    const answer = await udpExchange(sipPort, options(sipPort), 5000);
    assert.match(answer ?? '(no answer)', /^SIP\/2\.0 200 /, show());
    const sipdPid = readPid(path.join(root, 'logs', 'sipd.pid'));
    const agentPid = readPid(path.join(root, 'logs', 'ciagent.pid'));
    assert.ok(sipdPid && processExists(sipdPid), `sipd's pid file names a live process\n${show()}`);
    assert.ok(agentPid && processExists(agentPid), `ciagent's pid file names a live process\n${show()}`);

    process.kill(-child.pid!, 'SIGINT'); // Ctrl-C: the whole foreground group
    const end = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 60_000).unref())]);
    assert.ok(end, `npm start did not end within 60 s of SIGINT\n${show()}`);
    assert.equal(end.code, 0, show());
    assert.equal(processExists(sipdPid), false, `sipd (pid ${sipdPid}) still runs\n${show()}`);
    assert.equal(processExists(agentPid), false, `ciagent (pid ${agentPid}) still runs\n${show()}`);
    assert.deepEqual(processesMentioning(root), [], `processes of this ServerRoot still run\n${show()}`);
    assert.equal(await udpExchange(sipPort, options(sipPort), 1000), undefined, 'nothing answers SIP any more');
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* the group is gone already */
    }
    for (const pid of processesMentioning(root)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
});
