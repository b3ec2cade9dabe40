// conf/persistent_tcp.conf on the wire (src/transport/persistent.ts, stream.ts): sipd opens
// a TCP connection to each listed peer as it starts, keeps it open however long it is
// idle, sends requests for that peer over it, and opens it again after the peer drops it.
// The peers are sipp UASs over TCP; the connections are watched in /proc/net/tcp. sipd
// runs with a 500 ms idle time, so a connection to a peer that is not listed (the
// control) is seen to close for idleness while the persistent one stays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../helpers/run.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult } from '../helpers/sip-peers.js';
import { sippScenarioCopy } from '../helpers/sipp.js';
import { establishedTo } from '../helpers/tcp-connections.js';
import { freePort } from '../helpers/ports.js';

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

/** sipd's one connection to this port, once there is exactly one. */
function oneConnectionTo(port: number): number | undefined {
  const c = establishedTo(port);
  if (c === undefined) throw new Error('/proc/net/tcp cannot be read: this test needs Linux');
  return c.length === 1 ? c[0].localPort : undefined;
}

test('persistent_tcp.conf: the connection to a listed peer is opened at start, kept open when idle, used, and re-opened after the peer drops it', async () => {
  const port = await freePort();
  const peers: SippPeer[] = [];
  const uas = async (p?: number, calls = 2) => {
    const u = await startUas({ scenario: 'uas-request', transport: 'tcp', calls, timeoutS: 90, ...(p !== undefined && { port: p }) });
    peers.push(u);
    return u;
  };
  const message = sippScenarioCopy('uac-request', { METHOD: 'MESSAGE' });
  let p: TestProxy | undefined;
  try {
    const gateway = await uas(port);
    p = await startTestSipd(['Cisco_Registry On', 'SipT1InMs 100'], { files: { 'conf/persistent_tcp.conf': `# the gateway\n127.0.0.1:${port}\n` }, tcp: { idleMs: 500 } });
    const sipd = p;
    const send = async (user: string) => {
      const r = await runUac({ scenario: message.path, target: { port: sipd.port }, keys: { ruri: `sip:${user}@127.0.0.1:${sipd.port}` } });
      ok(r, `MESSAGE to ${user}`);
    };
    const register = async (user: string, to: SippPeer) =>
      ok(await runUac({ scenario: 'register', target: { port: sipd.port }, keys: { user, domain: `127.0.0.1:${sipd.port}`, contact: `sip:${user}@${to.address};transport=tcp`, expires: 300 } }), `REGISTER ${user}`);

    // 1. Opened at start, before any request needs it.
    const first = await waitFor('sipd to connect to the persistent peer', () => oneConnectionTo(port), 10_000);

    // 2. The control: a peer that is not listed gets a connection for one request, which closes once idle.
    const other = await uas();
    await register('other', other);
    await send('other');
    await waitFor('the idle connection to the unlisted peer to close', () => establishedTo(other.port)?.length === 0, 10_000);
    assert.equal(oneConnectionTo(port), first, 'the persistent connection outlived the idle time');

    // 3. A request for the listed peer goes over that connection: no second one is opened.
    await register('gw', gateway);
    await send('gw');
    assert.equal(oneConnectionTo(port), first, 'the MESSAGE went over the persistent connection');

    // 4. The peer drops it (its process ends); a peer listening again on the address is reconnected.
    await gateway.stop();
    await waitFor('the dropped connection to be gone', () => establishedTo(port)?.length === 0, 10_000);
    const again = await uas(port, 1);
    // sipd tries again 5 s after the loss, then every 30 s while the peer is not there.
    const second = await waitFor('sipd to re-open the persistent connection', () => oneConnectionTo(port), 45_000);
    assert.notEqual(second, first, 'a new connection');
    await send('gw');
    ok(await again.done, 'the gateway answered over the re-opened connection');
    const log = p.sr.readErrorLog();
    assert.match(log, new RegExp(`persistent TCP connection to 127\\.0\\.0\\.1:${port} is up[\\s\\S]*persistent TCP connection to 127\\.0\\.0\\.1:${port} is up`), log);
  } finally {
    message.remove();
    await stopTestSipd(p);
    for (const u of peers) await u.stop();
  }
});
