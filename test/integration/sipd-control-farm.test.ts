// The control-socket requests pserver relies on: "config" (the text sipd loaded and the
// directives pending a restart) and "connections" (open TCP connections and the peers of
// persistent_tcp.conf).
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { controlRequest } from '../../src/server/control.js';
import { waitFor } from '../helpers/run.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { freePort } from '../helpers/ports.js';

test('control socket: config follows graceful restarts and names pending directives; connections lists the persistent peer', async () => {
  const peerPort = await freePort();
  const peer = net.createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((r) => peer.listen(peerPort, '127.0.0.1', r));
  let p: TestProxy | undefined;
  try {
    p = await startTestSipd(['MaxForks 4'], { files: { 'conf/persistent_tcp.conf': `# gateway\n127.0.0.1:${peerPort}\n` } });
    const ctl = p.sipd.controlPath!;
    const first = await controlRequest(ctl, { cmd: 'config' });
    assert.equal(first.ok, true);
    assert.equal(first.text, readFileSync(p.sr.conf, 'utf8'));
    assert.deepEqual(first.pending, []);

    writeFileSync(p.sr.conf, readFileSync(p.sr.conf, 'utf8').replace('MaxForks 4', 'MaxForks 6') + 'StatefulServer Off\n');
    const g = await controlRequest(ctl, { cmd: 'graceful' });
    assert.equal(g.ok, true, JSON.stringify(g));
    const after = await controlRequest(ctl, { cmd: 'config' });
    assert.match(String(after.text), /MaxForks 6/);
    assert.deepEqual(after.pending, ['StatefulServer']);

    const c = await waitFor(
      'sipd to connect to the persistent peer',
      async () => {
        const r = await controlRequest(ctl, { cmd: 'connections' });
        const conns = r.connections as { peer: string; direction: string; persistent: boolean }[];
        return conns.some((x) => x.peer === `127.0.0.1:${peerPort}`) ? r : undefined;
      },
      10_000,
    );
    assert.deepEqual(c.persistent, [{ transport: 'TCP', peer: `127.0.0.1:${peerPort}`, up: true }]);
    const conn = (c.connections as { peer: string; direction: string; persistent: boolean }[]).find((x) => x.peer === `127.0.0.1:${peerPort}`)!;
    assert.equal(conn.direction, 'out');
    assert.equal(conn.persistent, true);
    const bad = await controlRequest(ctl, { cmd: 'nosuch' } as never);
    assert.equal(bad.ok, false);
    assert.match(String(bad.error), /known: status, graceful, config, connections/);
  } finally {
    await stopTestSipd(p);
    peer.close();
  }
});
