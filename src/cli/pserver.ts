// pserver — the provisioning GUI (web pages and the JSON API under /api/).
//
//   pserver [--config FILE] [-c "directive"]... [run | start | stop | -t] [--version]
//
// `run` (the default, for systemd) stays in the foreground; `start` starts it in the
// background and returns once it listens (the agent's critagt entry uses start and stop).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { reportToStarter, seconds, startInBackground } from '../common/starter.js';
import type { StartOutcome } from '../common/starter.js';
import { INSTALL_PREFIX, versionText } from '../common/install.js';
import { programPidState, removePidFile, stopProgram, writePidFile } from '../common/pidfile.js';
import { formatMessage } from '../config/loader.js';
import { startPserver } from '../provisioning/server.js';
import { loadPserverSettings } from '../provisioning/settings.js';
import type { PserverSettings } from '../provisioning/settings.js';

const DEFAULT_FILE = path.join(INSTALL_PREFIX, 'conf', 'ps.conf');
const USAGE = `Usage: pserver [--config FILE] [-c "directive"]... [run | start | stop | -t]
  --config FILE   pserver's settings (default ${DEFAULT_FILE}; missing means all defaults)
  -c "directive"  a setting applied after the file, e.g. -c "PServerPort 26006"
  run             serve in the foreground (the default)
  start           serve in the background; returns when it listens
  stop            stop the pserver named by the pid file
  -t              check the settings and exit
  --version       print the OpenSPS version and exit`;
/** How long `start` waits for a word from the server it started. */
const READY_IDLE_MS = 20_000;

type Command = 'run' | 'start' | 'stop' | 'check';

function parseArgs(argv: readonly string[]): { file: string; extra: string[]; command: Command } | string | 'help' | 'version' {
  let file = DEFAULT_FILE;
  const extra: string[] = [];
  let command: Command = 'run';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--version' || a === '-v') return 'version';
    if (a === '--config' || a === '-f') {
      if (argv[i + 1] === undefined) return `${a} needs a file name`;
      file = path.resolve(argv[++i]);
    } else if (a === '-c') {
      if (argv[i + 1] === undefined) return '-c needs a directive';
      extra.push(argv[++i]);
    } else if (a === '-t') command = 'check';
    else if (a === 'run' || a === 'start' || a === 'stop') command = a;
    else return `unknown argument "${a}"`;
  }
  return { file, extra, command };
}

async function run(s: PserverSettings): Promise<number> {
  const state = programPidState(s.pidFile, 'pserver');
  if (state.state === 'running') {
    process.stderr.write(`pserver: pserver (pid ${state.pid}) is already running: pid file ${s.pidFile}\n`);
    await report({ type: 'error', message: 'already running' });
    return 1;
  }
  let server;
  try {
    server = await startPserver(s);
  } catch (e) {
    process.stderr.write(`pserver: ${(e as Error).message}\n`);
    await report({ type: 'error', message: (e as Error).message });
    return 1;
  }
  writePidFile(s.pidFile);
  process.stdout.write(`pserver: listening on ${server.url}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => undefined);
    removePidFile(s.pidFile);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  await report({ type: 'ready', message: server.url });
  return -1;
}

/** Tells the `start` that spawned us how it went (nothing when run directly). */
const report = (m: { type: 'ready' | 'error'; message: string }): Promise<void> => reportToStarter(m);

async function startPserverInBackground(s: PserverSettings, argv: readonly string[]): Promise<number> {
  const state = programPidState(s.pidFile, 'pserver');
  if (state.state === 'running') {
    process.stdout.write(`pserver: already running (pid ${state.pid})\n`);
    return 0;
  }
  mkdirSync(path.dirname(s.pidFile), { recursive: true });
  const stderrFile = path.join(path.dirname(s.pidFile), 'pserver.stderr');
  const args = argv.filter((a) => a !== 'start');
  const r = await startInBackground({
    args: [process.argv[1], ...args, 'run'],
    stderrFile,
    idleMs: READY_IDLE_MS,
    onProgress: (m) => process.stdout.write(`pserver: ${m}\n`),
  });
  if (r.type === 'ready') {
    process.stdout.write(`pserver: started, listening on ${r.message}\n`);
    return 0;
  }
  process.stderr.write(`pserver: ${whyNotStarted(r, stderrFile)}\n`);
  return 1;
}

function whyNotStarted(r: Exclude<StartOutcome, { type: 'ready' }>, stderrFile: string): string {
  switch (r.type) {
    case 'error':
    case 'spawn-error':
      return r.message;
    case 'exit':
      return `exited during start (code ${r.code}); see ${stderrFile} and logs/pserver_log`;
    case 'timeout':
      return `not listening after ${seconds(r.waitedMs)}; see logs/pserver_log`;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv);
  if (a === 'help') return process.stdout.write(USAGE + '\n'), 0;
  if (a === 'version') return process.stdout.write(versionText('pserver')), 0;
  if (typeof a === 'string') return process.stderr.write(`pserver: ${a}\n${USAGE}\n`), 2;
  const r = loadPserverSettings(a.file, a.extra);
  if (!r.ok) {
    for (const e of r.errors) process.stderr.write(formatMessage(e) + '\n');
    process.stderr.write(`${r.errors.length} error${r.errors.length === 1 ? '' : 's'} in ${a.file}\n`);
    return 1;
  }
  for (const w of r.settings.warnings) process.stderr.write(formatMessage(w) + '\n');
  switch (a.command) {
    case 'check':
      process.stdout.write('Syntax OK\n');
      return 0;
    case 'stop':
      return (await stopProgram(r.settings.pidFile, 'pserver')) ? 0 : 1;
    case 'start':
      return startPserverInBackground(r.settings, argv);
    case 'run':
      return run(r.settings);
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
