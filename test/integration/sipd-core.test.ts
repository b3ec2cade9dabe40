// The sipd core run in this process: what it answers, the transaction-graceful drain in
// both behaviours, and the counters on the control socket.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfigFile } from '../../src/server/config.js';
import { controlRequest } from '../../src/server/control.js';
import { Sipd } from '../../src/server/sipd.js';
import { freePort, makeServerRoot, udpExchange, waitFor } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';

/** A request to sipd itself (OPTIONS) or, with a user, to a user of its domain. */
function request(method: string, port: number, n: number): string {
  const user = method === 'OPTIONS' ? '' : 'bob@';
  return [
    `${method} sip:${user}127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKcore${n}`,
    'Max-Forwards: 70',
    `From: <sip:alice@127.0.0.1>;tag=a${n}`,
    `To: <sip:bob@127.0.0.1:${port}>`,
    `Call-ID: core-${n}@127.0.0.1`,
    `CSeq: ${n} ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}


describe('sipd core (in process)', () => {
  let sr: ServerRoot;
  let sipd: Sipd;
  let n = 0;

  before(async () => {
    sr = makeServerRoot(await freePort(), ['SIPStatsInterval 1', 'StartServers 8', 'MaxClients 50']);
    const r = loadConfigFile(sr.conf);
    assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
    sipd = await Sipd.start(r.config, { file: sr.conf, load: {} });
  });
  after(async () => {
    await sipd?.stop('test over');
    sr.remove();
  });

  test('pool directives set in the file get one "no effect" notice each', async () => {
    const log = await waitFor('the start-up notices', () => {
      const text = sr.readErrorLog();
      return /resuming normal operations/.test(text) && text;
    }, 5000);
    assert.equal(log.match(/StartServers \(.*sipd\.conf:\d+\) has no effect/g)?.length, 1);
    assert.equal(log.match(/MaxClients \(.*sipd\.conf:\d+\) has no effect/g)?.length, 1);
    assert.doesNotMatch(log, /MinSpareServers .*has no effect/);
  });

  test('OPTIONS to sipd: 200 with Allow, Accept, Supported; a stray ACK: nothing; an unknown local user: 404', async () => {
    const ok = await udpExchange(sr.port, request('OPTIONS', sr.port, ++n));
    assert.match(ok!, /^SIP\/2\.0 200 OK\r\n/);
    assert.match(ok!, /\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, PRACK, UPDATE, SUBSCRIBE, NOTIFY, REFER, MESSAGE\r\n/);
    assert.match(ok!, /\r\nAccept: application\/sdp\r\n/);
    assert.match(ok!, /\r\nSupported:/);
    assert.match(ok!, /\r\nTo: <sip:bob@127\.0\.0\.1:\d+>;tag=\w+\r\n/);
    assert.equal(await udpExchange(sr.port, request('ACK', sr.port, ++n), 500), undefined);
    assert.match((await udpExchange(sr.port, request('SUBSCRIBE', sr.port, ++n)))!, /^SIP\/2\.0 404 Not Found\r\n/);
  });

  test('txngraceful behaviour 1: INVITE and REGISTER get 503 + Retry-After, OPTIONS still 200', async () => {
    sipd.txnGraceful(30, 1, 60);
    for (const m of ['INVITE', 'REGISTER']) {
      const a = await udpExchange(sr.port, request(m, sr.port, ++n));
      assert.match(a!, /^SIP\/2\.0 503 Service Unavailable\r\n/);
      assert.match(a!, /\r\nRetry-After: 60\r\n/);
    }
    assert.match((await udpExchange(sr.port, request('OPTIONS', sr.port, ++n)))!, /^SIP\/2\.0 200 OK/);
    assert.match((await udpExchange(sr.port, request('BYE', sr.port, ++n)))!, /^SIP\/2\.0 404/);
  });

  test('txngraceful behaviour 2: INVITE and REGISTER get no answer at all', async () => {
    sipd.txnGraceful(30, 2);
    for (const m of ['INVITE', 'REGISTER']) assert.equal(await udpExchange(sr.port, request(m, sr.port, ++n), 700), undefined, m);
    assert.match((await udpExchange(sr.port, request('OPTIONS', sr.port, ++n)))!, /^SIP\/2\.0 200 OK/);
    const status = await controlRequest(sipd.controlPath!, { cmd: 'status' });
    assert.deepEqual((status.draining as { behavior: number }).behavior, 2);
    const c = status.counters as Record<string, number>;
    assert.equal(c['txngraceful.dropped'], 2);
    assert.equal(c['txngraceful.rejected'], 2);
  });

  test('counters: requests by method, responses by class, parse errors', async () => {
    await udpExchange(sr.port, 'this is not SIP\r\n\r\n', 300);
    const status = await controlRequest(sipd.controlPath!, { cmd: 'status' });
    const c = status.counters as Record<string, number>;
    assert.equal(c['requests.OPTIONS'], 3);
    assert.equal(c['requests.ACK'], 1);
    assert.equal(c['requests.INVITE'], 2);
    assert.equal(c['responses.2xx'], 3);
    assert.equal(c['responses.5xx'], 2);
    assert.equal(c['responses.4xx'], 2);
    assert.equal(c.parseErrors, 1);
    assert.equal(status.pid, process.pid);
  });

  test('stats_log gets the counters every SIPStatsInterval', async () => {
    const file = `${sr.root}/logs/stats_log`;
    const until = Date.now() + 5000;
    let text = '';
    while (Date.now() < until) {
      text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      if (/requests\.OPTIONS=\d+/.test(text)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(text, /requests\.OPTIONS=\d+ .*responses\.2xx=\d+/);
  });

  test('control socket rejects unknown commands and bad arguments', async () => {
    const raw = (line: string) =>
      new Promise<string>((resolve, reject) => {
        const s = net.createConnection(sipd.controlPath!);
        s.on('connect', () => s.write(line + '\n'));
        s.on('data', (d) => {
          resolve(d.toString());
          s.destroy();
        });
        s.on('error', reject);
      });
    assert.match(await raw('{"cmd":"reboot"}'), /unknown command/);
    assert.match(await raw('{"cmd":"txngraceful","seconds":0,"behavior":1}'), /seconds/);
    assert.match(await raw('not json'), /not valid JSON/);
  });
});
