// Runs the sipd of an installed tree (PREFIX/bin/sipd with this Node) in the foreground on
// 127.0.0.1:freePort and sends it one OPTIONS with sipp; always stops it again.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../../helpers/paths.js';
import { freePort } from '../../helpers/ports.js';
import { start, waitFor } from '../../helpers/run.js';
import { runSipp, type SippResult } from '../../helpers/sipp.js';

export interface InstalledRun {
  readonly sipp: SippResult;
  readonly port: number;
  /** What sipd wrote on stdout/stderr and in its error_log. */
  readonly output: string;
}

/**
 * `port`: where sipd listens (its file already says so); without it, a free port given
 * with -c Listen. `overrides`: the -c directives (default: Listen as above, User/Group root).
 */
export async function optionsToInstalledSipd(prefixDir: string, o: { port?: number; overrides?: string[] } = {}): Promise<InstalledRun> {
  const port = o.port ?? (await freePort());
  const conf = path.join(prefixDir, 'conf', 'sipd.conf');
  const pidFile = path.join(prefixDir, 'logs', 'sipd.pid');
  const cs = o.overrides ?? [...(o.port ? [] : [`Listen 127.0.0.1:${port}`]), 'User root', 'Group root'];
  const sipd = start(process.execPath, [path.join(prefixDir, 'bin', 'sipd'), '-X', '-f', conf, ...cs.flatMap((c) => ['-c', c])], 120_000);
  let exited = false;
  void sipd.done.then(() => (exited = true));
  const errorLog = () => {
    try {
      return readFileSync(path.join(prefixDir, 'logs', 'error_log'), 'utf8');
    } catch {
      return '';
    }
  };
  try {
    await waitFor('the installed sipd to write its pid file', () => existsSync(pidFile) || exited, 20_000);
    if (exited) {
      const r = await sipd.done;
      throw new Error(`installed sipd exited ${r.code}:\n${r.stdout}${r.stderr}${errorLog()}`);
    }
    const sipp = await runSipp({ scenario: path.join(FIXTURES, 'sipp', 'options.xml'), port });
    return { sipp, port, output: errorLog() };
  } finally {
    if (!exited) {
      sipd.child.kill('SIGTERM');
      const timer = setTimeout(() => sipd.child.kill('SIGKILL'), 10_000);
      await sipd.done;
      clearTimeout(timer);
    }
  }
}
