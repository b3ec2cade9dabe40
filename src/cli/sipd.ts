// sipd — the SIP proxy daemon.
//
//   sipd [-f FILE] [-d SERVERROOT] [-C "directive"]... [-c "directive"]... [-t] [-X | -DFOREGROUND] [-v]
//
// Without -X it checks the configuration, starts itself again in the background with
// -X, waits until that copy has bound its sockets and written its pid file, and exits
// 0 (or prints why it failed and exits 1). With -X it stays in the foreground.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { formatMessage, loadConfigFile, noEffectWarning } from '../server/config.js';
import { tlsFileProblems } from '../transport/tls.js';
import { mysqlTlsProblems } from '../stores/mysql/tls.js';
import type { Config, LoadOptions } from '../config/loader.js';
import { DEFAULT_CONFIG_FILE, INSTALL_PREFIX, SERVER_TOKEN, VERSION, versionText } from '../common/install.js';
import { daemonStderrPath, pidFileState } from '../common/pidfile.js';
import { reportToStarter, seconds, startInBackground, throttledProgress } from '../common/starter.js';
import type { LoadProgress } from '../stores/open.js';
import { Sipd, StartError } from '../server/sipd.js';

const USAGE = `Usage: sipd [-f FILE] [-d SERVERROOT] [-C "directive"]... [-c "directive"]... [-t] [-X | -DFOREGROUND] [-v]
  -f FILE        configuration file (default ${DEFAULT_CONFIG_FILE})
  -d SERVERROOT  use this ServerRoot whatever the file says
  -C "directive" apply a directive before reading the file
  -c "directive" apply a directive after reading the file (overrides it)
  -t             check the configuration and exit: "Syntax OK" or the errors
  -X             run in the foreground (also -DFOREGROUND or -DONE_PROCESS)
  -v             print the version and exit (as httpd -v does)
  --version      print the OpenSPS version and exit
  --help         this text`;

/** How long the starting copy waits for a word (progress or ready) from the background copy. */
const READY_IDLE_MS = 10_000;

interface Args {
  file: string;
  serverRoot?: string;
  before: string[];
  after: string[];
  test: boolean;
  foreground: boolean;
  version: boolean;
}

type ParsedArgs = { ok: true; args: Args } | { ok: false; error: string } | { ok: 'help' } | { ok: 'version' };

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const a: Args = { file: DEFAULT_CONFIG_FILE, before: [], after: [], test: false, foreground: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // Options with a value accept it attached (-fFILE) or as the next word (-f FILE).
    const valueOf = (): string | undefined => (arg.length > 2 ? arg.slice(2) : argv[++i]);
    switch (arg.slice(0, 2)) {
      case '-f': {
        const v = valueOf();
        if (v === undefined) return { ok: false, error: '-f needs a file name' };
        a.file = path.resolve(v);
        break;
      }
      case '-d': {
        const v = valueOf();
        if (v === undefined) return { ok: false, error: '-d needs a directory' };
        a.serverRoot = path.resolve(v);
        break;
      }
      case '-C':
      case '-c': {
        const v = valueOf();
        if (v === undefined) return { ok: false, error: `${arg.slice(0, 2)} needs a directive, e.g. ${arg.slice(0, 2)} "LogLevel debug"` };
        (arg.startsWith('-C') ? a.before : a.after).push(v);
        break;
      }
      case '-D': {
        const v = valueOf();
        if (v === 'FOREGROUND' || v === 'ONE_PROCESS' || v === 'NO_DETACH') a.foreground = true;
        else return { ok: false, error: `-D${v ?? ''}: only -DFOREGROUND and -DONE_PROCESS are known` };
        break;
      }
      default:
        if (arg === '-t') a.test = true;
        else if (arg === '-X') a.foreground = true;
        else if (arg === '-v' || arg === '-V') a.version = true;
        else if (arg === '-h' || arg === '--help') return { ok: 'help' };
        else if (arg === '--version') return { ok: 'version' };
        else return { ok: false, error: `unknown argument "${arg}"` };
    }
  }
  return { ok: true, args: a };
}

function loadOptions(a: Args): LoadOptions {
  return { before: a.before, after: a.after, ...(a.serverRoot ? { serverRoot: a.serverRoot } : {}) };
}

/** The arguments the background copy gets: the same configuration, plus -X. */
function childArgs(a: Args): string[] {
  const out = ['-f', a.file];
  if (a.serverRoot) out.push('-d', a.serverRoot);
  for (const c of a.before) out.push('-C', c);
  for (const c of a.after) out.push('-c', c);
  out.push('-X');
  return out;
}

function printMessages(r: ReturnType<typeof loadConfigFile>): void {
  if (!r.ok) for (const e of r.errors) process.stderr.write(formatMessage(e) + '\n');
  for (const w of r.warnings) process.stderr.write(formatMessage(w) + '\n');
}

/** -t: like apachectl configtest. */
function configTest(a: Args): number {
  const r = loadConfigFile(a.file, loadOptions(a));
  printMessages(r);
  if (!r.ok) {
    process.stderr.write(`${r.errors.length} error${r.errors.length === 1 ? '' : 's'} in ${a.file}\n`);
    return 1;
  }
  // Files the config names must exist too (checked here, not in the schema, which never reads files).
  // Lines that set what sipd accepts but does not act on (an unbuilt feature, say) are
  // warnings here, so "Syntax OK" never hides them; sipd logs them as notices at start.
  for (const u of r.config.noEffect) process.stderr.write(formatMessage(noEffectWarning(u)) + '\n');
  const tls = [...tlsFileProblems(r.config), ...mysqlTlsProblems(r.config)];
  for (const m of tls) process.stderr.write(`${m}\n`);
  if (tls.length) return 1;
  process.stdout.write('Syntax OK\n');
  return 0;
}

/** Start the background copy and wait for its report. */
async function daemonise(a: Args, config: Config): Promise<number> {
  const pidFile = config.path(config.values.PidFile);
  const state = pidFileState(pidFile);
  if (state.state === 'running') {
    process.stderr.write(`sipd: sipd (pid ${state.pid}) is already running: pid file ${pidFile}\n`);
    return 1;
  }
  // The background copy's stderr goes beside the pid file: Node's own fatal errors land there.
  const stderrFile = daemonStderrPath(pidFile);
  const report = await startInBackground({
    args: [process.argv[1], ...childArgs(a)],
    stderrFile,
    idleMs: READY_IDLE_MS,
    onProgress: (m) => process.stdout.write(`sipd: ${m}\n`),
  });
  switch (report.type) {
    case 'ready':
      return 0;
    case 'error':
    case 'spawn-error':
      process.stderr.write(`sipd: ${report.message}\n`);
      return 1;
    case 'exit':
      process.stderr.write(`sipd: the server exited during start (${report.signal ? `signal ${report.signal}` : `exit code ${report.code}`}); see ${stderrFile} and the error log\n`);
      return 1;
    case 'timeout': {
      const since = report.lastProgress === undefined || report.capped ? '' : ` (nothing for ${seconds(report.idleMs)} after "${report.lastProgress}")`;
      process.stderr.write(`sipd: the server did not report ready within ${seconds(report.waitedMs)}${since}; stopping it. See the error log.\n`);
      return 1;
    }
  }
}

/** Tell the starting copy (if there is one) how the start went, then let it go. */
const report = (r: { type: 'ready'; pid: number } | { type: 'error'; message: string }): Promise<void> => reportToStarter(r);

/** The stores' load progress for the starting copy, at most once a second: "loading routes: 400,000". */
function progressToStarter(): LoadProgress | undefined {
  const send = throttledProgress();
  return send && ((what, n) => send(() => `${what}: ${n.toLocaleString('en-US')}`));
}

/**
 * How a farm push that allows a restart restarts this sipd: `sip restart -f FILE` in its
 * own session (it stops this process and starts the file again). Only for a sipd started
 * in the background as `sip start` starts it, without -C/-c/-d (which sip would not pass
 * again); a foreground sipd belongs to whoever runs it (systemd, a terminal).
 */
function restartBySipScript(a: Args): { restart?: () => void } {
  if (!process.send || a.before.length || a.after.length || a.serverRoot) return {};
  const sip = path.join(INSTALL_PREFIX, 'bin', 'sip');
  return { restart: () => spawn(process.execPath, [...process.execArgv, sip, 'restart', '-f', a.file], { detached: true, stdio: 'ignore', cwd: '/' }).unref() };
}

/** -X: run the server in this process until a signal stops it. */
async function runForeground(a: Args, config: Config): Promise<number | undefined> {
  let sipd: Sipd;
  try {
    sipd = await Sipd.start(config, { file: a.file, load: loadOptions(a), progress: progressToStarter(), ...restartBySipScript(a) });
  } catch (e) {
    const message = e instanceof StartError ? e.message : ((e as Error).stack ?? String(e));
    await report({ type: 'error', message });
    if (!process.send) process.stderr.write(`sipd: ${message}\n`);
    return 1;
  }

  let exiting = false;
  const shutdown = (reason: string, code: number) => {
    if (exiting) return;
    exiting = true;
    void sipd.stop(reason).finally(() => process.exit(code));
  };
  process.on('SIGTERM', () => shutdown('caught SIGTERM', 0));
  process.on('SIGINT', () => shutdown('caught SIGINT', 0));
  const graceful = (sig: string) => {
    void sipd.graceful(sig).catch((e) => sipd.errorLog.error(`graceful restart failed: ${(e as Error).stack ?? e}`));
  };
  process.on('SIGUSR1', () => graceful('SIGUSR1'));
  process.on('SIGHUP', () => graceful('SIGHUP'));
  process.on('uncaughtException', (e) => {
    sipd.errorLog.crit(`internal error, sipd stops: ${e.stack ?? e}`);
    shutdown('internal error', 1);
  });
  process.on('unhandledRejection', (e) => {
    sipd.errorLog.error(`internal error (unhandled rejection): ${(e as Error)?.stack ?? e}`);
  });

  await report({ type: 'ready', pid: process.pid });
  return undefined; // keep running
}

export async function main(argv: readonly string[]): Promise<number | undefined> {
  const parsed = parseArgs(argv);
  if (parsed.ok === 'help' || parsed.ok === 'version') {
    process.stdout.write(parsed.ok === 'help' ? `${USAGE}\n` : versionText('sipd'));
    return 0;
  }
  if (!parsed.ok) {
    process.stderr.write(`sipd: ${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  const a = parsed.args;
  if (a.version) {
    process.stdout.write(`Server version: ${SERVER_TOKEN} (OpenSPS ${VERSION})\n`);
    return 0;
  }
  if (a.test) return configTest(a);

  const r = loadConfigFile(a.file, loadOptions(a));
  if (!a.foreground || !process.send) printMessages(r);
  if (!r.ok) {
    const summary = `${r.errors.length} error${r.errors.length === 1 ? '' : 's'} in ${a.file}; not started`;
    if (a.foreground && process.send) await report({ type: 'error', message: [...r.errors.map(formatMessage), summary].join('\n') });
    else process.stderr.write(`sipd: ${summary}\n`);
    return 1;
  }
  if (!a.foreground) return daemonise(a, r.config);
  return runForeground(a, r.config);
}

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exit(code);
