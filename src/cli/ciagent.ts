// ciagent — OpenSPS's SNMP master agent (the CIAgent replacement).
//
//   ciagent [-f] [--config-dir DIR] [--listen udp:HOST:PORT] [--pid-file FILE] [--log-file FILE]
//           [--data-dir DIR] [--agentx SOCKET] [--load-window SECONDS]
//           [--http [ADDR:]PORT [--http-cert FILE --http-key FILE]]
//   ciagent -fullstart | -fullstop
//   ciagent --hash-password NAME [SystemAdmin|Operator|ReadOnly]   (password on stdin)
//
// Without -f it starts a detached copy of itself and returns once that copy answers on its
// port (exit 0) or failed (exit 1). SIGTERM stops it; SIGHUP re-reads snmpd.cnf and lets
// each module reload its own file. A coldStart notification goes out at every start.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AgentCore, ConfigError } from '../agent/core.js';
import { AGENT_MODULES } from '../agent/mib-modules.js';
import { parseAgentxAddress } from '../common/agentx/address.js';
import { setLoadWindow } from '../agent/hostdata/index.js';
import { OID } from '../agent/oids.js';
import { INSTALL_PREFIX, versionText } from '../common/install.js';
import { formatErrorLine } from '../logging/error-log.js';
import { ciagentPidState, stopCiagent } from '../agent/pid.js';
import { removePidFile, writePidFile } from '../common/pidfile.js';
import { reportToStarter, startInBackground } from '../common/starter.js';
import { parseListen } from '../common/web/listen.js';
import { agentSources, hashedUserLine, startDrWeb } from '../agent/web/index.js';
import type { DrWeb } from '../agent/web/index.js';

export const USAGE = `Usage: ciagent [-f] [--config-dir DIR] [--listen udp:HOST:PORT] [--pid-file FILE]
               [--log-file FILE] [--data-dir DIR] [--agentx SOCKET [--agentx-group GROUP]]
               [--load-window SECONDS] [--http [ADDR:]PORT [--http-cert FILE --http-key FILE]]
       ciagent -fullstart | -fullstop | --help | --version
       ciagent --hash-password NAME [SystemAdmin|Operator|ReadOnly]
  -f            stay in the foreground (default: detach)
  --config-dir  directory with snmpd.cnf and the modules' files (default ${path.join(INSTALL_PREFIX, 'conf')})
  --listen      where to answer SNMP (default udp:0.0.0.0:161)
  --pid-file    default ${path.join(INSTALL_PREFIX, 'logs', 'ciagent.pid')}
  --log-file    default ${path.join(INSTALL_PREFIX, 'logs', 'ciagent_log')}
  --data-dir    state kept across restarts (engine id; default ${path.join(INSTALL_PREFIX, 'data')})
  --agentx      listen for AgentX subagents on this Unix socket path (or tcp:HOST:PORT);
                default: no AgentX master
  --agentx-group  give the Unix socket to this group, mode 0660, so a subagent running as
                that group attaches (sipd after it drops root: its sipd.conf Group);
                default: the socket is the agent user's only (0600)
  --load-window hrProcessorLoad's averaging window, 5-3600 s (default 60, as the MIB defines;
                shorter only for tests and demonstrations)
  --http        serve the Dr-Web pages (Critical Application Monitor, log monitor, event
                thresholds, host resources, system applications) on [ADDR:]PORT; ADDR
                defaults to 127.0.0.1. Users are snmpd.cnf's httpUserNameEntry lines.
                Default: no web pages
  --http-cert, --http-key  PEM certificate and key: HTTPS. Without them plain HTTP is
                allowed on a loopback address only
  --hash-password  read a password from stdin and print the httpUserNameEntry line that
                gives NAME that password (scrypt hash) and access level (default SystemAdmin)`;

export interface CiagentArgs {
  foreground: boolean;
  action: 'run' | 'fullstop' | 'help' | 'version' | 'hash-password';
  configDir: string;
  address: string;
  port: number;
  pidFile: string;
  logFile: string;
  dataDir: string;
  agentx?: string;
  agentxGroup?: string;
  loadWindow?: number;
  http?: { address: string; port: number; cert?: string; key?: string };
  /** --hash-password NAME [LEVEL] */
  hashUser?: { name: string; level: string };
}

/** --http's [ADDR:]PORT (the web kit's parser), a bare port meaning 127.0.0.1: plain HTTP anywhere else needs a certificate. */
export function parseHttpListen(v: string): { address: string; port: number } | string {
  const where = parseListen(/^\d+$/.test(v) ? `127.0.0.1:${v}` : v);
  if (typeof where === 'string') return `--http '${v}': ${where}; use [ADDR:]PORT, e.g. 8444 or 0.0.0.0:8444 (with --http-cert and --http-key)`;
  return { address: where.host, port: where.port };
}

export function parseArgs(argv: readonly string[]): CiagentArgs | string {
  const a: CiagentArgs = {
    foreground: false, action: 'run', configDir: path.join(INSTALL_PREFIX, 'conf'), address: '0.0.0.0', port: 161,
    pidFile: path.join(INSTALL_PREFIX, 'logs', 'ciagent.pid'), logFile: path.join(INSTALL_PREFIX, 'logs', 'ciagent_log'),
    dataDir: path.join(INSTALL_PREFIX, 'data'),
  };
  let httpCert: string | undefined;
  let httpKey: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    try {
      switch (arg) {
        case '-f': a.foreground = true; break;
        case '-fullstart': a.action = 'run'; break;
        case '-fullstop': a.action = 'fullstop'; break;
        case '-h': case '--help': a.action = 'help'; return a;
        case '--version': a.action = 'version'; return a;
        case '--config-dir': a.configDir = path.resolve(value()); break;
        case '--pid-file': a.pidFile = path.resolve(value()); break;
        case '--log-file': a.logFile = path.resolve(value()); break;
        case '--data-dir': a.dataDir = path.resolve(value()); break;
        case '--agentx': {
          const v = value();
          const spec = v.startsWith('tcp:') ? v : path.resolve(v.replace(/^unix:/, ''));
          const where = parseAgentxAddress(spec);
          if (typeof where === 'string') return where;
          a.agentx = spec;
          break;
        }
        case '--agentx-group': a.agentxGroup = value(); break;
        case '--http': {
          const where = parseHttpListen(value());
          if (typeof where === 'string') return where;
          a.http = { ...a.http, ...where };
          break;
        }
        case '--http-cert': httpCert = path.resolve(value()); break;
        case '--http-key': httpKey = path.resolve(value()); break;
        case '--hash-password': {
          const name = value();
          const level = argv[i + 1] !== undefined && !argv[i + 1].startsWith('-') ? argv[++i] : 'SystemAdmin';
          a.action = 'hash-password';
          a.hashUser = { name, level };
          break;
        }
        case '--load-window': {
          const v = value();
          const n = Number(v);
          if (!/^\d+$/.test(v) || n < 5 || n > 3600) return `--load-window '${v}' must be whole seconds from 5 to 3600`;
          a.loadWindow = n;
          break;
        }
        case '--listen': {
          const v = value();
          const m = /^(?:udp:)?(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(v);
          if (!m || Number(m[2]) > 65535) return `--listen '${v}' must be udp:HOST:PORT, e.g. udp:127.0.0.1:161`;
          a.address = m[1].replace(/^\[|\]$/g, '');
          a.port = Number(m[2]);
          break;
        }
        default:
          return `unknown argument '${arg}'`;
      }
    } catch (e) {
      return (e as Error).message;
    }
  }
  if ((httpCert === undefined) !== (httpKey === undefined)) return '--http-cert and --http-key go together';
  if (httpCert !== undefined && !a.http) return '--http-cert and --http-key need --http [ADDR:]PORT';
  if (a.http && httpCert !== undefined) a.http = { ...a.http, cert: httpCert, key: httpKey };
  return a;
}

function childArgs(a: CiagentArgs): string[] {
  const out = ['-f', '--config-dir', a.configDir, '--listen', `udp:${a.address}:${a.port}`, '--pid-file', a.pidFile, '--log-file', a.logFile, '--data-dir', a.dataDir];
  if (a.agentx) out.push('--agentx', a.agentx);
  if (a.agentxGroup) out.push('--agentx-group', a.agentxGroup);
  if (a.loadWindow !== undefined) out.push('--load-window', String(a.loadWindow));
  if (a.http) {
    out.push('--http', `${a.http.address.includes(':') ? `[${a.http.address}]` : a.http.address}:${a.http.port}`);
    if (a.http.cert && a.http.key) out.push('--http-cert', a.http.cert, '--http-key', a.http.key);
  }
  return out;
}

/** How long the starting copy waits for a word from the detached one. */
const READY_IDLE_MS = 20_000;

async function daemonise(a: CiagentArgs): Promise<number> {
  const state = ciagentPidState(a.pidFile);
  if (state.state === 'running') {
    process.stderr.write(`ciagent: already running (pid ${state.pid}), pid file ${a.pidFile}\n`);
    return 1;
  }
  mkdirSync(path.dirname(a.logFile), { recursive: true });
  const report = await startInBackground({
    args: [process.argv[1], ...childArgs(a)],
    env: { ...process.env, CIAGENT_DAEMON: '1' },
    stderrFile: `${a.logFile}.stderr`,
    idleMs: READY_IDLE_MS,
    onProgress: (m) => process.stdout.write(`ciagent: ${m}\n`),
  });
  if (report.type === 'ready') return 0;
  const why =
    report.type === 'exit' ? `exited during start (code ${report.code}); see ${a.logFile}` : report.type === 'timeout' ? 'did not report ready in time' : report.message;
  process.stderr.write(`ciagent: ${why}\n`);
  return 1;
}

async function run(a: CiagentArgs): Promise<number> {
  mkdirSync(path.dirname(a.logFile), { recursive: true });
  const log = (level: string, message: string) => {
    const line = formatErrorLine(new Date(), (level === 'warn' ? 'warn' : level) as 'info', message);
    try {
      appendFileSync(a.logFile, line);
    } catch {
      process.stderr.write(line);
    }
    if (a.foreground && !process.env.CIAGENT_DAEMON) process.stderr.write(line);
  };
  let core: AgentCore;
  try {
    core = await AgentCore.create({ rootDir: INSTALL_PREFIX, configDir: a.configDir, dataDir: a.dataDir, address: a.address, port: a.port, log });
  } catch (e) {
    const message = e instanceof ConfigError ? e.message : `cannot start: ${(e as Error).message}`;
    log('error', message);
    process.stderr.write(`ciagent: ${message}\n`);
    await reportToStarter({ type: 'error', message });
    return 1;
  }
  /** A part after the core failed to start: say why everywhere, stop the core, exit 1. */
  const failStart = async (message: string): Promise<number> => {
    log('error', message);
    process.stderr.write(`ciagent: ${message}\n`);
    await reportToStarter({ type: 'error', message });
    await core.stop();
    return 1;
  };
  if (a.agentx) {
    try {
      const socketGroup = a.agentxGroup === undefined ? undefined : groupId(a.agentxGroup);
      if (a.agentxGroup !== undefined && socketGroup === undefined) log('warn', `--agentx-group ${a.agentxGroup}: no such group in /etc/group; the AgentX socket stays private to ciagent's user`);
      await core.startAgentX(a.agentx, { socketGroup });
      log('notice', `AgentX master listening on ${a.agentx}${socketGroup !== undefined ? ` (group ${a.agentxGroup}, mode 0660)` : ''}`);
    } catch (e) {
      return failStart(`cannot start the AgentX master: ${(e as Error).message}`);
    }
  }
  if (a.loadWindow !== undefined) setLoadWindow(a.loadWindow);
  const failed = await core.startModules(AGENT_MODULES);
  let drweb: { web: DrWeb; release: () => void } | undefined;
  if (a.http) {
    const { sources, release } = await agentSources();
    try {
      const web = await startDrWeb({ ...a.http, snmpdCnf: path.join(a.configDir, 'snmpd.cnf'), dataDir: a.dataDir, sources, log });
      drweb = { web, release };
      log('notice', `Dr-Web pages on ${web.url}`);
    } catch (e) {
      release();
      return failStart(`cannot start the Dr-Web pages (--http): ${(e as Error).message}`);
    }
  }
  writePidFile(a.pidFile);
  const where = core.address;
  log('notice', `ciagent started on udp:${where.address}:${where.port}${failed.length ? ` (modules that failed: ${failed.join(', ')})` : ''}`);
  void core.notify(OID.coldStart, []);
  await reportToStarter({ type: 'ready' });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('notice', `${signal}: stopping`);
    if (drweb) {
      await drweb.web.close().catch((e: Error) => log('error', `Dr-Web did not close cleanly: ${e.message}`));
      drweb.release();
    }
    await core.stop();
    removePidFile(a.pidFile);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => {
    const messages = core.reloadConfig();
    const errors = messages.filter((m) => m.severity === 'error');
    if (errors.length) log('error', `SIGHUP: snmpd.cnf has errors, keeping the running configuration:\n${errors.map((m) => `${m.file}:${m.line}:${m.col}: ${m.message}`).join('\n')}`);
    else log('notice', 'SIGHUP: snmpd.cnf re-read');
    drweb?.web.reloadUsers();
    void core.reloadModules();
  });
  process.on('uncaughtException', (e) => log('error', `uncaught: ${e.stack ?? e}`));
  return await new Promise<number>(() => undefined);
}

export async function main(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv);
  if (typeof a === 'string') {
    process.stderr.write(`ciagent: ${a}\n${USAGE}\n`);
    return 2;
  }
  if (a.action === 'help' || a.action === 'version') {
    process.stdout.write(a.action === 'help' ? `${USAGE}\n` : versionText('ciagent'));
    return 0;
  }
  if (a.action === 'fullstop') return (await stopCiagent(a.pidFile)) ? 0 : 1;
  if (a.action === 'hash-password' && a.hashUser) return hashPasswordLine(a.hashUser.name, a.hashUser.level);
  if (!a.foreground) return daemonise(a);
  return run(a);
}

const self = process.argv[1] ? path.basename(process.argv[1]) : '';
if (self === 'ciagent' || self === 'ciagent.js') {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`ciagent: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}

/**
 * --hash-password: the password comes on stdin (one line; a terminal echoes it, so pipe it
 * or type it where nobody watches), the httpUserNameEntry line goes to stdout.
 */
async function hashPasswordLine(name: string, level: string): Promise<number> {
  if (process.stdin.isTTY) process.stderr.write(`password for ${name}: `);
  let input = '';
  for await (const chunk of process.stdin) {
    input += String(chunk);
    if (input.includes('\n') || input.length > 4096) break;
  }
  const password = input.split(/\r?\n/)[0];
  const r = await hashedUserLine(name, level, password);
  if ('error' in r) {
    process.stderr.write(`ciagent: ${r.error}\n`);
    return 1;
  }
  process.stdout.write(`${r.line}\n`);
  return 0;
}

/** A group's id: a number as given, else its /etc/group line. */
function groupId(group: string): number | undefined {
  if (/^\d+$/.test(group)) return Number(group);
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , gid] = line.split(':');
      if (name === group && /^\d+$/.test(gid ?? '')) return Number(gid);
    }
  } catch {
    // no /etc/group: unknown
  }
  return undefined;
}
