// critagt's real job: the critapp engine starts and stops a real sipd with our `sip`
// control script (as conf/critagt.cnf does) and follows its real state through its pid
// file and name. Other sipd instances may run on this host (other tests): the pid file
// (critAppPidFile) is what tells ours apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BIN } from '../helpers/paths.js';
import { freePort } from '../helpers/ports.js';
import { runBin, waitFor } from '../helpers/run.js';
import { makeServerRoot } from '../helpers/serverroot.js';
import { readPid } from '../../src/common/pidfile.js';
import { CritAppEngine } from '../../src/agent/mibs/critapp/engine.js';
import type { ExitInfo } from '../../src/agent/mibs/critapp/engine.js';

test('critAppAdminStatus up/down runs `sip start` / `sip stop`; oper status is the real sipd', async () => {
  const sr = makeServerRoot(await freePort());
  const sip = `'${process.execPath}' '${path.join(BIN, 'sip')}'`;
  const engine = new CritAppEngine(
    [
      {
        index: 1,
        name: 'sipd',
        startCommand: `${sip} start -f '${sr.conf}'`,
        terminateCommand: `${sip} stop -f '${sr.conf}'`,
        adminStatus: 'down',
        restartOnExit: false,
        restartInterval: 3000,
        trapOnExit: true,
        trapOnStart: true,
        findOnStartup: true,
        pidFile: sr.pidFile,
      },
    ],
    { pollMs: 300, commandTimeoutMs: 60_000 },
  );
  const exits: ExitInfo[] = [];
  const failures: string[] = [];
  engine.on('exited', (_r, e) => exits.push(e));
  engine.on('commandFailed', (_r, f) => failures.push(`${f.which} ${f.reason} ${f.result?.output ?? ''}`));
  try {
    await engine.start();
    assert.equal(engine.row(1)!.operStatus, 'down');
    engine.setAdminStatus(1, 'up');
    const up = await waitFor('sipd up', () => (engine.row(1)!.operStatus === 'up' ? engine.row(1)! : undefined), 45_000);
    assert.deepEqual(failures, []);
    assert.equal(up.pid, readPid(sr.pidFile), 'the supervised pid is the one in sipd.pid');

    engine.setAdminStatus(1, 'down');
    await waitFor('sipd down', () => engine.row(1)!.operStatus === 'down', 45_000);
    assert.deepEqual(failures, []);
    assert.equal(exits.length, 1);
    assert.equal(exits[0].requested, true);
    assert.equal(readPid(sr.pidFile), undefined, 'sip stop removed the pid file');
  } finally {
    await engine.stop();
    await runBin('sip', ['stop', '-f', sr.conf], 30_000);
    sr.remove();
  }
});
