// bin/pserver start and stop, as the agent's critAppProcEntry 2 and the init script use
// them: start returns once pserver listens and its pid file names it; stop ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { processExists } from '../../src/common/pidfile.js';
import { BIN } from '../helpers/paths.js';
import { freePort } from '../helpers/ports.js';

function health(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

test('pserver start runs it in the background with a pid file; a second start says so; stop ends it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opensps-pserver-ctl-'));
  const conf = path.join(dir, 'conf', 'ps.conf');
  const pidFile = path.join(dir, 'logs', 'pserver.pid');
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(BIN, 'pserver'), '--config', conf, ...args], { encoding: 'utf8', timeout: 60_000 });
  let pid: number | undefined;
  try {
    mkdirSync(path.join(dir, 'conf'));
    const port = await freePort();
    writeFileSync(conf, `PServerAddress 127.0.0.1\nPServerPort ${port}\nPServerPlainHttp On\n`);
    const started = run('start');
    assert.equal(started.status, 0, started.stdout + started.stderr);
    assert.match(started.stdout, new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));
    pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(processExists(pid));
    assert.equal(await health(port), 200);
    const again = run('start');
    assert.equal(again.status, 0);
    assert.match(again.stdout, new RegExp(`already running \\(pid ${pid}\\)`));
    const stopped = run('stop');
    assert.equal(stopped.status, 0, stopped.stderr);
    assert.ok(!processExists(pid));
    assert.ok(!existsSync(pidFile));
    assert.match(readFileSync(path.join(dir, 'logs', 'pserver_log'), 'utf8'), /\[notice\] pserver stopped/);
  } finally {
    if (pid && processExists(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
