// A throw-away ServerRoot: conf/sipd.conf listening on one loopback port, logs/ beside it.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBin } from './run.js';

export interface ServerRoot {
  readonly root: string;
  readonly conf: string;
  readonly port: number;
  readonly pidFile: string;
  readonly controlSocket: string;
  readonly errorLog: string;
  readonly accessLog: string;
  /** The lines the conf was written with (before any rewrite). */
  readonly lines: readonly string[];
  /** Replace conf/sipd.conf with these lines. */
  writeConf(lines: readonly string[]): void;
  readErrorLog(): string;
  readAccessLog(): string;
  remove(): void;
}

/**
 * Make a ServerRoot under the temp directory. The conf listens on 127.0.0.1:port, keeps
 * its pid file in logs/, and runs as root (tests run as root in CI: User root / Group
 * root keep sipd from switching to an account that may not exist here).
 */
export function makeServerRoot(port: number, extra: readonly string[] = []): ServerRoot {
  const root = mkdtempSync(path.join(os.tmpdir(), 'sipd-test-'));
  mkdirSync(path.join(root, 'conf'));
  mkdirSync(path.join(root, 'logs'));
  const conf = path.join(root, 'conf', 'sipd.conf');
  const lines = ['# sipd.conf written by the integration tests', `Listen 127.0.0.1:${port}`, 'PidFile logs/sipd.pid', 'User root', 'Group root', 'LogLevel info', ...extra];
  const writeConf = (l: readonly string[]) => writeFileSync(conf, l.join('\n') + '\n');
  writeConf(lines);
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const errorLog = path.join(root, 'logs', 'error_log');
  const accessLog = path.join(root, 'logs', 'access_log');
  return {
    root,
    conf,
    port,
    pidFile: path.join(root, 'logs', 'sipd.pid'),
    controlSocket: path.join(root, 'logs', 'sipd.ctl'),
    errorLog,
    accessLog,
    lines,
    writeConf,
    readErrorLog: () => read(errorLog),
    readAccessLog: () => read(accessLog),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Pids of live processes whose command line mentions this text (e.g. a conf path). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (readFileSync(`/proc/${e}/cmdline`, 'latin1').split('\0').some((a) => a.includes(text))) pids.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** SIGKILL every live process whose command line mentions this text (e.g. a ServerRoot's sipd.conf). */
export function killMentioning(text: string): void {
  for (const pid of processesMentioning(text)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Stops whatever sipd this ServerRoot's pid file names, however it got there: `sip stop -f`,
 *  then SIGKILL for any process still naming its sipd.conf. */
export async function forceStopSipd(sr: ServerRoot): Promise<void> {
  await runBin('sip', ['stop', '-f', sr.conf], 30_000);
  killMentioning(sr.conf);
}
