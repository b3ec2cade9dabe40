// A real MariaDB server for a test file: its own data directory under the temp directory,
// TCP on 127.0.0.1 and a free port, real grants (root without a password from this host;
// tests create the accounts they need). Stop it in an after() hook; a last-resort exit
// handler kills any server still running when the test process ends.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './ports.js';
import { run, waitFor } from './run.js';
import { requireTool } from './tools.js';

export interface MariaDb {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly dir: string;
  /** "127.0.0.1:<port>", as DB_MySQL_HostName takes it. */
  readonly address: string;
  /** Run statements as root (multiple statements allowed); returns the last result's rows. */
  sql(statements: string, values?: unknown[]): Promise<unknown>;
  /** Stop the server (SIGTERM, then SIGKILL after 20 s) and wait for it to exit. */
  stop(): Promise<void>;
  /** Start it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stop it and delete its files. */
  remove(): Promise<void>;
  readonly running: boolean;
}

export interface MariaDbOptions {
  /** More server options, asked for at every start (a Galera node bootstraps only once); told the server's MySQL port. */
  readonly extraArgs?: (port: number) => readonly string[];
  /** How long a start may take (a Galera joiner copies the data first). Default 60 s. */
  readonly startTimeoutMs?: number;
  /** Called once the data directory is installed, before the first start. */
  readonly prepare?: (dir: string, datadir: string) => void;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function startMariaDb(o: MariaDbOptions = {}): Promise<MariaDb> {
  const mariadbd = requireTool('mariadbd', 'mariadb-server');
  const installDb = requireTool('mariadb-install-db', 'mariadb-server');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mariadb-test-'));
  const datadir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const inst = await run(
    installDb,
    // Its own --tmpdir (passed on to the bootstrap server): several tests install at once.
    ['--no-defaults', `--datadir=${datadir}`, `--tmpdir=${dir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...(asRoot ? ['--user=root'] : [])],
    120_000,
  );
  if (inst.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (exit ${inst.code}):\n${inst.stdout}\n${inst.stderr}`);
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    const c = spawn(
      mariadbd,
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--socket=${path.join(dir, 'mysqld.sock')}`,
        `--pid-file=${path.join(dir, 'mysqld.pid')}`,
        `--log-error=${path.join(dir, 'error.log')}`,
        `--tmpdir=${dir}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=16M',
        '--innodb-flush-log-at-trx-commit=2',
        ...(asRoot ? ['--user=root'] : []),
        ...(o.extraArgs?.(port) ?? []),
      ],
      { stdio: 'ignore' },
    );
    child = c;
    live.add(c);
    exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    void exited.then(() => live.delete(c));
    let gone = false;
    void exited.then(() => (gone = true));
    try {
      await waitFor(
        `MariaDB on 127.0.0.1:${port}`,
        async () => {
          if (gone) throw new Error(`mariadbd exited at start:\n${failureReport(dir)}`);
          try {
            const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
            await conn.end();
            return true;
          } catch {
            return false;
          }
        },
        o.startTimeoutMs ?? 60_000,
        100,
      );
    } catch (e) {
      keepLog(dir);
      throw e;
    }
  };

  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };

  try {
    o.prepare?.(dir, datadir);
    await start();
  } catch (e) {
    await stop();
    keepLog(dir);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    host: '127.0.0.1',
    port,
    dir,
    address: `127.0.0.1:${port}`,
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    async sql(statements: string, values: unknown[] = []) {
      const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', multipleStatements: true, connectTimeout: 10_000 });
      try {
        const [rows] = await conn.query(statements, values);
        return rows;
      } finally {
        await conn.end();
      }
    },
    stop,
    start,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where the error logs of servers that failed to start are kept (the data directory goes). */
export const FAILED_LOGS_DIR = path.join(os.tmpdir(), 'opensps-mariadb-failed');

/** The error log's [ERROR] and port-in-use lines, its last lines, and where the whole log is kept. */
export function failureReport(dir: string): string {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'error.log'), 'utf8');
  } catch {
    return '(no error log)';
  }
  const lines = text.split('\n');
  // A port someone else took shows as a warning only, long before the end (Galera's IST).
  const errors = lines.filter((l) => l.includes('[ERROR]') || l.includes('Address already in use')).slice(-10);
  return [...errors, '...', ...lines.slice(-25), `(whole log kept as ${keptLogPath(dir)})`].join('\n');
}

const keptLogPath = (dir: string) => path.join(FAILED_LOGS_DIR, `${path.basename(dir)}-error.log`);

/** Keep a failed server's error log after its directory is deleted. */
export function keepLog(dir: string): void {
  try {
    mkdirSync(FAILED_LOGS_DIR, { recursive: true });
    copyFileSync(path.join(dir, 'error.log'), keptLogPath(dir));
  } catch {
    // no log written: the report already says so
  }
}
