// Where the tools and pserver reach the registry and route databases (src/server/db-backend.ts):
// a sipd that is still loading its tables (pid file written, control socket not yet open)
// must keep them away from its files, with a message that says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { connectDb } from '../../../src/server/db-backend.js';
import { loadConfigFile } from '../../../src/server/config.js';
import { runtimePaths } from '../../../src/server/sipd.js';
import { writePidFile } from '../../../src/common/pidfile.js';
import { makeServerRoot } from '../../helpers/serverroot.js';
import { waitFor } from '../../helpers/run.js';

test('a sipd still loading its databases (pid file, no control socket yet): the files are left alone and the message says it is starting', async () => {
  const sr = makeServerRoot(5060, ['Cisco_Routing On', 'Cisco_Registry On']);
  // A live process whose command line names sipd stands in for one that is loading.
  const fake = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'sipd'], { stdio: 'ignore' });
  try {
    const loaded = loadConfigFile(sr.conf);
    assert.ok(loaded.ok);
    const { pidFile, controlSocket } = runtimePaths(loaded.config);
    await waitFor('the stand-in process', () => existsSync(`/proc/${fake.pid}/cmdline`), 5000, 20);
    writePidFile(pidFile, fake.pid);
    await assert.rejects(connectDb(loaded.config, () => undefined), (e: Error) => {
      assert.match(e.message, new RegExp(`sipd \\(pid ${fake.pid}\\) is starting`));
      assert.ok(e.message.includes(controlSocket), e.message);
      return true;
    });
    const data = path.join(sr.root, 'data');
    assert.deepEqual(existsSync(data) ? readdirSync(data).filter((f) => /routing|registry/.test(f)) : [], [], 'no database file was opened or made');
  } finally {
    fake.kill('SIGKILL');
    sr.remove();
  }
});
