// sip — the control script: start, stop, restart, gracefully restart and drain sipd.
//
//   sip start|stop|restart|graceful|status [-f FILE]
//   sip txngraceful-restart SECONDS 1|2 [-f FILE]
//   sip farm push|status ...  [-f FILE]   (src/cli/sip-farm.ts)
//
// It finds sipd through the PidFile of the configuration file, talks to it over the
// control socket beside the pid file, and falls back to signals when that socket is
// not there. Exit codes: 0 done, 1 failed, 2 usage; status also uses 3 (stopped).
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { formatMessage, loadConfigFile, parseConfig } from '../server/config.js';
import { controlRequest, controlSocketPath } from '../server/control.js';
import type { ControlReply } from '../server/control.js';
import { DEFAULT_CONFIG_FILE, INSTALL_PREFIX, versionText } from '../common/install.js';
import { pidFileState, processExists, removeStalePidFile } from '../common/pidfile.js';
import { startIdleMs } from '../common/starter.js';
import { FARM_USAGE, farmMain, parseFarmArgs } from './sip-farm.js';

const USAGE = `Usage: sip start|stop|restart|graceful|status [-f FILE]
       sip txngraceful-restart SECONDS BEHAVIOR [-f FILE]
${FARM_USAGE}
  SECONDS   how long to drain before sipd is stopped and started again
  BEHAVIOR  1: answer new INVITE and REGISTER with 503 Service Unavailable (Retry-After)
            2: give new INVITE and REGISTER no answer at all
  -f FILE   configuration file (default ${DEFAULT_CONFIG_FILE})
  --help, --version  this text, or the OpenSPS version`;

const SIPD = path.join(INSTALL_PREFIX, 'bin', 'sipd');
const STOP_WAIT_S = 15;
/** sipd's own wait for a word from its background copy (src/cli/sipd.ts), and how much longer sip waits. */
const SIPD_IDLE_MS = 10_000;
const START_GRACE_MS = 10_000;
/** Past sipd's own overall limit (15 minutes). */
const START_CAP_MS = 16 * 60_000;
const KILL_WAIT_MS = 3_000;
/** Retry-After of the drain's 503s; the guide's sipdctl calls this RESTART_TIMER. */
const RETRY_AFTER = /^\d{1,5}$/.test(process.env.RESTART_TIMER ?? '') ? Number(process.env.RESTART_TIMER) : 60;

const say = (s: string) => process.stdout.write(s + '\n');
const complain = (s: string) => process.stderr.write(s + '\n');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** "Starting sipd:                    [ OK ]" as the init scripts print it. */
function statusLine(action: string, ok: boolean): void {
  say(`${action}:`.padEnd(60) + (ok ? '[ OK ]' : '[FAILED]'));
  say(`sip: ${action}: ${ok ? 'succeeded' : 'failed'}`);
}

interface Target {
  readonly file: string;
  readonly pidFile: string;
  readonly controlSocket: string;
  /** The account sipd runs as (User of the file; csps by default). */
  readonly user: string;
}

/**
 * The pid file of a configuration. When the file cannot be read or has errors, the
 * default place (logs/sipd.pid under the directory above conf/) is used, so that a
 * running sipd can still be stopped after someone broke its file.
 */
function targetOf(file: string): Target {
  // A broken file falls back to its defaults: the default PidFile under the ServerRoot
  // derived from the file's place, exactly as sipd would have used.
  let r = loadConfigFile(file);
  if (!r.ok) r = parseConfig('', file);
  if (!r.ok) throw new Error('the built-in defaults do not parse');
  const pidFile = r.config.path(r.config.values.PidFile);
  return { file, pidFile, controlSocket: controlSocketPath(pidFile), user: String(r.config.values.User) };
}

/**
 * sip acts for root or for the account sipd runs as (User, csps by default) and nobody
 * else: another user would leave pid files, logs and a sipd it cannot stop behind.
 * Returns why not, or undefined when this user may go on.
 */
export function wrongUser(user: string, file: string): string | undefined {
  const uid = process.geteuid?.();
  if (uid === undefined || uid === 0) return undefined;
  let name: string | undefined;
  try {
    name = os.userInfo().username;
  } catch {
    name = undefined; // a uid without a passwd entry
  }
  const wanted = user.trim();
  if (wanted === name || wanted === `#${uid}`) return undefined;
  const me = name ? `${name} (uid ${uid})` : `uid ${uid}`;
  return `must be run as root or as ${wanted} (the User of ${file}), not as ${me}; e.g. su ${wanted.replace(/^#/, '')} -c "${path.join(INSTALL_PREFIX, 'bin', 'sip')} ..."`;
}

async function ask(t: Target, req: Parameters<typeof controlRequest>[1], timeoutMs = 30_000): Promise<ControlReply | undefined> {
  try {
    return await controlRequest(t.controlSocket, req, timeoutMs);
  } catch {
    return undefined;
  }
}

async function start(t: Target): Promise<number> {
  const state = pidFileState(t.pidFile);
  if (state.state === 'running') {
    say(`sip: sipd (pid ${state.pid}) already running`);
    statusLine('Starting sipd', true);
    return 0;
  }
  const out = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [SIPD, '-f', t.file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    // sipd gives up on a silent server after its own idle deadline; ours is longer, so
    // sipd's message comes first. What it prints on stdout is progress: shown at once.
    const idleMs = startIdleMs(SIPD_IDLE_MS) + START_GRACE_MS;
    let idle = setTimeout(() => child.kill('SIGKILL'), idleMs);
    const cap = setTimeout(() => child.kill('SIGKILL'), START_CAP_MS);
    const heard = () => {
      clearTimeout(idle);
      idle = setTimeout(() => child.kill('SIGKILL'), idleMs);
    };
    child.stdout.on('data', (d: Buffer) => {
      process.stdout.write(d);
      heard();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
      heard();
    });
    const settle = (r: { code: number | null; output: string }) => {
      clearTimeout(idle);
      clearTimeout(cap);
      resolve(r);
    };
    child.on('error', (e) => settle({ code: 1, output: `cannot run ${SIPD}: ${e.message}\n` }));
    child.on('close', (code) => settle({ code, output }));
  });
  const ok = out.code === 0;
  statusLine('Starting sipd', ok);
  if (out.output) process.stderr.write(out.output);
  if (ok) {
    const now = pidFileState(t.pidFile);
    if (now.state === 'running') say(`sip: sipd started (pid ${now.pid})`);
  }
  return ok ? 0 : 1;
}

async function stop(t: Target): Promise<number> {
  const state = pidFileState(t.pidFile);
  if (state.state !== 'running') {
    if (state.state === 'stale') removeStalePidFile(t.pidFile);
    say('sip: sipd is not running');
    statusLine('Stopping sipd', true);
    return 0;
  }
  const pid = state.pid;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    complain(`sip: cannot signal sipd (pid ${pid}): ${(e as Error).message}`);
    statusLine('Stopping sipd', false);
    return 1;
  }
  say('sip: Waiting for process to stop.');
  let gone = false;
  for (let i = 0; i < STOP_WAIT_S * 5 && !gone; i++) {
    await sleep(200);
    gone = !processExists(pid);
    if (!gone && i % 5 === 4) say('sip: .');
  }
  if (!gone) {
    complain(`sip: sipd (pid ${pid}) did not stop within ${STOP_WAIT_S} s; killing it`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
    for (let i = 0; i < KILL_WAIT_MS / 100 && processExists(pid); i++) await sleep(100);
    gone = !processExists(pid);
    // A killed sipd could not clean up after itself.
    if (gone) {
      removeStalePidFile(t.pidFile);
      removeStalePidFile(t.controlSocket);
    }
  }
  if (gone) say('sip: stop: sipd stopped');
  statusLine('Stopping sipd', gone);
  return gone ? 0 : 1;
}

async function graceful(t: Target): Promise<number> {
  const state = pidFileState(t.pidFile);
  if (state.state !== 'running') {
    say('sip: sipd is not running; starting it');
    return start(t);
  }
  const reply = await ask(t, { cmd: 'graceful' });
  if (!reply) {
    // No control socket: check the file here, then signal.
    const r = loadConfigFile(t.file);
    if (!r.ok) {
      for (const e of r.errors) complain(formatMessage(e));
      complain(`sip: ${t.file} has errors; sipd (pid ${state.pid}) keeps running with its current configuration`);
      statusLine('Gracefully restarting sipd', false);
      return 1;
    }
    try {
      process.kill(state.pid, 'SIGUSR1');
    } catch (e) {
      complain(`sip: cannot signal sipd (pid ${state.pid}): ${(e as Error).message}`);
      statusLine('Gracefully restarting sipd', false);
      return 1;
    }
    say(`sip: control socket ${t.controlSocket} not available; sent SIGUSR1 to sipd (pid ${state.pid}); see the error log for the result`);
    statusLine('Gracefully restarting sipd', true);
    return 0;
  }
  for (const w of (reply.warnings as string[] | undefined) ?? []) complain(w);
  if (reply.ok !== true) {
    for (const e of (reply.errors as string[] | undefined) ?? [String(reply.error ?? 'graceful restart failed')]) complain(e);
    complain(`sip: the new configuration was rejected; sipd (pid ${state.pid}) keeps running with its current configuration`);
    statusLine('Gracefully restarting sipd', false);
    return 1;
  }
  const pending = (reply.pending as string[] | undefined) ?? [];
  for (const name of pending) say(`sip: ${name} needs restart (sip restart) to take effect`);
  say(`sip: graceful: sipd (pid ${state.pid}) gracefully restarted`);
  statusLine('Gracefully restarting sipd', true);
  return 0;
}

async function txnGraceful(t: Target, seconds: number, behavior: 1 | 2): Promise<number> {
  const state = pidFileState(t.pidFile);
  if (state.state !== 'running') {
    complain('sip: sipd is not running');
    return 1;
  }
  say('Gracefully Stopping sipd...');
  const reply = await ask(t, { cmd: 'txngraceful', seconds, behavior, retryAfter: RETRY_AFTER });
  if (!reply || reply.ok !== true) {
    complain(`sip: txngraceful-restart: ${reply ? String(reply.error) : `no answer on the control socket ${t.controlSocket}`}`);
    return 1;
  }
  for (const w of (reply.warnings as string[] | undefined) ?? []) complain(`sip: warning: ${w}`);
  say(`sip: txngraceful-restart: sipd signalled to gracefully stop after ${seconds}`);
  say(`sip: txngraceful-restart: Going to sleep for ${seconds} seconds, SPS will shutdown after this`);
  await sleep(seconds * 1000);
  const stopped = await stop(t);
  if (stopped !== 0) return stopped;
  say('Now starting sipd');
  return start(t);
}

function status(t: Target): number {
  const state = pidFileState(t.pidFile);
  if (state.state === 'running') {
    say(`sipd (pid ${state.pid}) is running`);
    return 0;
  }
  if (state.state === 'stale') {
    say(`sipd is dead but the pid file ${t.pidFile} exists${state.pid ? ` (pid ${state.pid})` : ''}`);
    return 1;
  }
  say('sipd is stopped');
  return 3;
}

type Command =
  | { name: 'start' | 'stop' | 'restart' | 'graceful' | 'status' }
  | { name: 'txngraceful-restart'; seconds: number; behavior: 1 | 2 }
  | { name: 'farm'; farm: Extract<ReturnType<typeof parseFarmArgs>, { ok: true }>['cmd'] };

function parse(argv: readonly string[]): { ok: true; cmd: Command; file: string } | { ok: false; error: string } | { ok: 'help' } | { ok: 'version' } {
  let file = DEFAULT_CONFIG_FILE;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-f') {
      const v = argv[++i];
      if (v === undefined) return { ok: false, error: '-f needs a file name' };
      file = path.resolve(v);
    } else if (a.startsWith('-f') && a.length > 2) file = path.resolve(a.slice(2));
    else if (a === '-h' || a === '--help') return { ok: 'help' };
    else if (a === '--version') return { ok: 'version' };
    else words.push(a);
  }
  const [name, ...rest] = words;
  switch (name) {
    case 'start':
    case 'stop':
    case 'restart':
    case 'graceful':
    case 'status':
      if (rest.length) return { ok: false, error: `${name} takes no arguments` };
      return { ok: true, cmd: { name }, file };
    case 'txngraceful-restart': {
      if (rest.length !== 2) return { ok: false, error: 'txngraceful-restart needs SECONDS and BEHAVIOR (1 or 2)' };
      const [s, b] = rest;
      if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 86400) return { ok: false, error: `SECONDS must be a whole number from 1 to 86400, not "${s}"` };
      if (b !== '1' && b !== '2') return { ok: false, error: `BEHAVIOR must be 1 (503) or 2 (no answer), not "${b}"` };
      return { ok: true, cmd: { name, seconds: Number(s), behavior: Number(b) as 1 | 2 }, file };
    }
    case 'farm': {
      const f = parseFarmArgs(rest);
      return f.ok ? { ok: true, cmd: { name, farm: f.cmd }, file } : f;
    }
    case undefined:
      return { ok: false, error: 'no command given' };
    default:
      return { ok: false, error: `unknown command "${name}"` };
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const p = parse(argv);
  if (p.ok === 'help' || p.ok === 'version') {
    process.stdout.write(p.ok === 'help' ? `${USAGE}\n` : versionText('sip'));
    return 0;
  }
  if (!p.ok) {
    complain(`sip: ${p.error}`);
    complain(USAGE);
    return 2;
  }
  const t = targetOf(p.file);
  const refused = wrongUser(t.user, t.file);
  if (refused) {
    complain(`sip: ${refused}`);
    return 4; // LSB: user had insufficient privilege
  }
  switch (p.cmd.name) {
    case 'start':
      return start(t);
    case 'stop':
      return stop(t);
    case 'restart': {
      const s = await stop(t);
      return s !== 0 ? s : start(t);
    }
    case 'graceful':
      return graceful(t);
    case 'status':
      return status(t);
    case 'txngraceful-restart':
      return txnGraceful(t, p.cmd.seconds, p.cmd.behavior);
    case 'farm': {
      const r = loadConfigFile(t.file);
      if (!r.ok) {
        for (const e of r.errors) complain(formatMessage(e));
        complain(`sip: ${t.file} has errors: fix them before pushing from it`);
        return 1;
      }
      return farmMain(r.config, p.cmd.farm);
    }
  }
}

process.exitCode = await main(process.argv.slice(2));
