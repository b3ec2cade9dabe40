// quick-start — what `npm start` runs in a checkout: the product the way an installed box
// runs it. ciagent, the SNMP agent, stays in the foreground and starts sipd as its critagt
// entry 1, the row through which it supervises sipd on an installed host; Ctrl-C (SIGINT),
// SIGTERM or SIGHUP stops the agent, then sipd, so nothing is left running.
//
//   node dist/src/cli/quick-start.js [--snmp udp:HOST:PORT] [--server-root DIR] [-c "directive"]...
//
// The agent answers on udp:127.0.0.1:1161 by default: loopback only, and a port that
// needs no privilege and leaves a system snmpd on 161 alone. It reads a copy of the
// checkout's agent files (conf/snmpd.cnf, logagt.cnf, eventagt.cnf, smpop.cnf), made
// afresh at every start in <server-root>/data/quick-start/, beside a critagt.cnf of its
// own: entry 1 with its intended status up(1) (conf/critagt.cnf ships it down(2)), which
// starts `bin/sipd -f conf/sipd.conf -d <server-root>` with User and Group set to the
// invoking account (an installed host runs sipd as csps, an account a checkout's host
// need not have). -c directives go to sipd after those, as sipd's own -c does.
//
// Stopping: the agent leaves the processes it supervises running when it stops (a restart
// of the agent must not take the proxy down), so this launcher stops sipd itself once the
// agent has gone: the pid in sipd's PidFile, and any sipd started with this ServerRoot
// that had not written it yet.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INSTALL_PREFIX, versionText } from '../common/install.js';
import { isProgram, readPid, terminate } from '../common/pidfile.js';
import { formatMessage, loadConfigFile } from '../server/config.js';
import { cnfField } from '../agent/cnf/cnf-rewrite.js';
import { listProcesses, processIsCalled } from '../agent/mibs/critapp/proc-scan.js';

export const USAGE = `Usage: npm start [-- OPTIONS]   (runs: node dist/src/cli/quick-start.js [OPTIONS])
  --snmp udp:HOST:PORT   where ciagent answers SNMP (default udp:127.0.0.1:1161)
  --server-root DIR      sipd's ServerRoot, holding logs/ and data/ for both programs
                         (default: the checkout, ${INSTALL_PREFIX})
  -c "directive"         a sipd.conf directive applied after the file, e.g. -c "Listen 127.0.0.1:5070"
  --help, --version      this text, or the OpenSPS version`;

/** The agent's files copied from conf/ (critagt.cnf is written instead). */
const AGENT_FILES = ['snmpd.cnf', 'logagt.cnf', 'eventagt.cnf', 'smpop.cnf'];
const SIPD_CONF = path.join(INSTALL_PREFIX, 'conf', 'sipd.conf');
const AGENT_EXIT_WAIT_MS = 20_000;
const SIPD_STOP_WAIT_MS = 15_000;

export interface QuickStartArgs {
  snmp: string;
  root: string;
  directives: string[];
}

export function parseArgs(argv: readonly string[]): QuickStartArgs | 'help' | 'version' | string {
  const a: QuickStartArgs = { snmp: 'udp:127.0.0.1:1161', root: INSTALL_PREFIX, directives: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--version') return 'version';
    const v = argv[i + 1];
    if (arg !== '--snmp' && arg !== '--server-root' && arg !== '-c') return `unknown argument "${arg}"`;
    if (v === undefined) return `${arg} needs a value`;
    i++;
    if (arg === '--snmp') a.snmp = v;
    else if (arg === '--server-root') a.root = path.resolve(v);
    else if (/[\r\n]/.test(v)) return 'a -c directive is one line';
    else a.directives.push(v);
  }
  return a;
}

/** A word for /bin/sh: single-quoted unless plainly safe. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The directives that make sipd run as whoever runs this (root included). */
function ownAccount(): string[] {
  const uid = process.geteuid?.() ?? os.userInfo().uid;
  const gid = process.getegid?.() ?? os.userInfo().gid;
  return [`User #${uid}`, `Group #${gid}`];
}

/** critagt.cnf for the quick start: entry 1, sipd, intended status up. */
export function critagtCnf(a: QuickStartArgs, pidFile: string): string {
  const sipd = [process.execPath, path.join(INSTALL_PREFIX, 'bin', 'sipd'), '-f', SIPD_CONF, '-d', a.root];
  for (const d of [...ownAccount(), ...a.directives]) sipd.push('-c', d);
  const start = sipd.map(shellWord).join(' ');
  return [
    '# Written by `npm start` (src/cli/quick-start.ts) at every start: edits here are lost.',
    '# Entry 1 as in conf/critagt.cnf, with intended status up(1): the agent starts sipd',
    '# now, and SNMP SETs of critAppAdminStatus.1 stop (2) and start (1) it. A stop command',
    '# of - stops it with SIGTERM (then SIGKILL).',
    `critAppProcEntry 1 sipd ${cnfField(start)} - 1 false 3000 true true true ${cnfField(pidFile)}`,
    '',
  ].join('\n');
}

/** Every sipd of this ServerRoot: the one in its pid file, and any started with `-d root`. */
async function sipdsOf(root: string, pidFile: string): Promise<number[]> {
  const pids = new Set<number>();
  const fromFile = readPid(pidFile);
  if (fromFile !== undefined && isProgram(fromFile, 'sipd')) pids.add(fromFile);
  for (const p of await listProcesses()) {
    const d = p.argv.indexOf('-d');
    if (d > 0 && p.argv[d + 1] === root && processIsCalled(p, 'sipd')) pids.add(p.pid);
  }
  return [...pids];
}

/** Stop them all; a launcher may still hand over to its daemon, so look again until none is left. */
async function stopSipds(root: string, pidFile: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const pids = await sipdsOf(root, pidFile);
    if (!pids.length) return;
    process.stderr.write(`quick-start: stopping sipd (pid ${pids.join(', ')})\n`);
    await terminate(pids, SIPD_STOP_WAIT_MS);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv);
  if (a === 'help' || a === 'version') {
    process.stdout.write(a === 'help' ? `${USAGE}\n` : versionText('quick-start'));
    return 0;
  }
  if (typeof a === 'string') {
    process.stderr.write(`quick-start: ${a}\n${USAGE}\n`);
    return 2;
  }
  // sipd's own check first, with the same directives: a mistake shows here, not in the agent's log.
  const loaded = loadConfigFile(SIPD_CONF, { after: [...ownAccount(), ...a.directives], serverRoot: a.root });
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(`${formatMessage(e)}\n`);
    return 1;
  }
  const pidFile = loaded.config.path(loaded.config.values.PidFile);
  const dir = path.join(a.root, 'data', 'quick-start');
  const logs = path.join(a.root, 'logs');
  mkdirSync(dir, { recursive: true });
  mkdirSync(logs, { recursive: true });
  for (const f of AGENT_FILES) {
    const from = path.join(INSTALL_PREFIX, 'conf', f);
    if (existsSync(from)) copyFileSync(from, path.join(dir, f));
  }
  writeFileSync(path.join(dir, 'critagt.cnf'), critagtCnf(a, pidFile));

  const agentArgs = ['-f', '--listen', a.snmp, '--config-dir', dir, '--pid-file', path.join(logs, 'ciagent.pid'), '--log-file', path.join(logs, 'ciagent_log'), '--data-dir', path.join(a.root, 'data')];
  const where = a.snmp.replace(/^udp:/, '');
  process.stderr.write(
    `quick-start: ciagent answers SNMP on ${where} and starts sipd (critagt entry 1; sipd logs in ${logs}).\n` +
      `quick-start: try  snmpwalk -v2c -c cspsAdmin ${where} system   Ctrl-C stops both.\n`,
  );
  // In this process group: the terminal's Ctrl-C reaches the agent directly, too.
  const agent = spawn(process.execPath, [path.join(INSTALL_PREFIX, 'bin', 'ciagent'), ...agentArgs], { stdio: 'inherit' });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (agent.exitCode === null && agent.signalCode === null) agent.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
    setTimeout(() => agent.kill('SIGKILL'), AGENT_EXIT_WAIT_MS).unref();
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => stop(s));
  const code = await new Promise<number | null>((resolve) => {
    agent.once('error', (e) => {
      process.stderr.write(`quick-start: cannot run ciagent: ${e.message}\n`);
      resolve(1);
    });
    agent.once('exit', (c) => resolve(c));
  });
  await stopSipds(a.root, pidFile);
  return stopping ? 0 : (code ?? 1);
}

const entry = path.basename(process.argv[1] ?? '');
if (entry === 'quick-start.js') {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`quick-start: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
