// TCP transport: framing on a live connection, keep-alive pings, idle connections closed.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TCP_DEFAULTS, TcpTransport } from '../../../src/transport/tcp.js';
import type { Inbound } from '../../../src/transport/types.js';
import { freePort } from '../../helpers/index.js';

describe('TcpTransport', () => {
  let t: TcpTransport;
  let port: number;
  const seen: { data: string; from: Inbound }[] = [];

  before(async () => {
    port = await freePort();
    t = await TcpTransport.listen(
      [{ host: '127.0.0.1', port }],
      (data, from, reply) => {
        seen.push({ data: data.toString(), from });
        reply(Buffer.from(`got ${data.length}\n`));
      },
      () => undefined,
      { ...TCP_DEFAULTS, idleMs: 300, maxConnections: 4 },
    );
  });
  after(() => t.close());

  test('messages are delivered one by one with their addresses, answers come back on the connection', async () => {
    const sock = net.createConnection(port, '127.0.0.1');
    const chunks: string[] = [];
    sock.on('data', (d) => chunks.push(d.toString()));
    const m = 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 2\r\n\r\nhi';
    await new Promise<void>((r) => sock.on('connect', () => r()));
    sock.write(m + m.slice(0, 10));
    sock.write(m.slice(10) + '\r\n\r\n');
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    await closed; // the idle timer closes it
    assert.equal(seen.length, 2);
    assert.equal(seen[0].data, m);
    assert.equal(seen[0].from.transport, 'TCP');
    assert.equal(seen[0].from.remoteAddress, '127.0.0.1');
    assert.equal(seen[0].from.localPort, port);
    assert.equal(chunks.join(''), `got ${m.length}\ngot ${m.length}\n\r\n`);
  });

  test('an idle connection is closed after idleMs', async () => {
    const started = Date.now();
    const sock = net.createConnection(port, '127.0.0.1');
    await new Promise<void>((r) => sock.on('close', () => r()));
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 3000, `closed after ${took} ms`);
  });
});

describe('outgoing TCP', () => {
  test('send() opens one connection per peer, reuses it, and hears replies on it', async () => {
    const received: string[] = [];
    const accepted: net.Socket[] = [];
    const peer = net.createServer((s) => {
      accepted.push(s);
      s.on('data', (d) => {
        received.push(d.toString());
        // Writes may arrive coalesced: one reply per request in the chunk.
        for (const _ of d.toString().matchAll(/OPTIONS /g)) s.write('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
      });
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    const peerPort = (peer.address() as net.AddressInfo).port;
    const heard: string[] = [];
    const t = await TcpTransport.listen([{ host: '127.0.0.1', port: await freePort() }], (data) => heard.push(data.toString()), () => undefined, TCP_DEFAULTS);
    try {
      const msg = Buffer.from('OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n');
      await Promise.all([t.send('127.0.0.1', peerPort, msg), t.send('127.0.0.1', peerPort, msg)]);
      await t.send('127.0.0.1', peerPort, msg);
      for (let i = 0; i < 100 && heard.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(accepted.length, 1, 'one connection for three sends');
      assert.equal(heard.length, 3, 'the replies were framed and delivered');
    } finally {
      await t.close();
      for (const s of accepted) s.destroy();
      await new Promise((r) => peer.close(r));
    }
  });

  test('an unreachable peer rejects the send instead of hanging', async () => {
    const t = await TcpTransport.listen([{ host: '127.0.0.1', port: await freePort() }], () => undefined, () => undefined, { ...TCP_DEFAULTS, connectTimeoutMs: 300 });
    try {
      const closedPort = await freePort();
      await assert.rejects(t.send('127.0.0.1', closedPort, Buffer.from('x')), /TCP connect to 127\.0\.0\.1:\d+ failed/);
    } finally {
      await t.close();
    }
  });
});
