// Appendix C, "How to Start and Stop Cisco SPS", driven through bin/sip and bin/sipd
// against a real sipd, with sipp as the SIP peer.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { controlRequest } from '../../src/server/control.js';
import { processExists, readPid } from '../../src/common/pidfile.js';
import {
  udpExchange,
  FIXTURES,
  describeSipp,
  forceStopSipd,
  freePort,
  makeServerRoot,
  processesMentioning,
  requireTool,
  runBin,
  runSipp,
  sleep,
  startBin,
  waitFor,
} from '../helpers/index.js';
import type { RunResult, ServerRoot } from '../helpers/index.js';

const OPTIONS_XML = path.join(FIXTURES, 'sipp', 'options.xml');
const INVITE_503_XML = path.join(FIXTURES, 'sipp', 'invite-503.xml');

const show = (r: RunResult) => `exit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;



function badRequest(port: number, lines: string[]): string {
  return [...lines.map((l) => l.replace('PORT', String(port))), '', ''].join('\r\n');
}

const BASE_REQUEST = [
  'OPTIONS sip:127.0.0.1:PORT SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKtest1',
  'Max-Forwards: 70',
  'From: <sip:t@127.0.0.1>;tag=1',
  'To: <sip:127.0.0.1:PORT>',
  'Call-ID: malformed-test@127.0.0.1',
  'CSeq: 1 OPTIONS',
  'Content-Length: 0',
];

describe('sipd -t (configuration test)', () => {
  let sr: ServerRoot;
  before(async () => {
    sr = makeServerRoot(await freePort());
  });
  after(() => sr.remove());

  test('a good file prints Syntax OK and exits 0', async () => {
    const r = await runBin('sipd', ['-t', '-f', sr.conf]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /Syntax OK/);
  });

  test('a bad file prints file:line:col and exits 1', async () => {
    const bad = path.join(sr.root, 'conf', 'bad.conf');
    writeFileSync(bad, `Listen 127.0.0.1:${sr.port}\nLogLevl debug\nPort seventy\n`);
    const r = await runBin('sipd', ['-t', '-f', bad]);
    assert.equal(r.code, 1, show(r));
    assert.ok(r.stderr.includes(`${bad}:2:1: unknown directive "LogLevl"`), show(r));
    assert.ok(r.stderr.includes(`${bad}:3:`), show(r));
    assert.doesNotMatch(r.stdout, /Syntax OK/);
  });

  test('a file using an unbuilt feature is accepted, with a warning at each line that sets one', async () => {
    const conf = path.join(sr.root, 'conf', 'unbuilt.conf');
    writeFileSync(conf, `Listen 127.0.0.1:${sr.port}\nGktmpConnection On\nDiffServValue 0xB8\n<RASGatekeeperCluster 1>\nRASGatekeeper gk.example.com\n</RASGatekeeperCluster>\n`);
    const r = await runBin('sipd', ['-t', '-f', conf]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /Syntax OK/);
    assert.ok(r.stderr.includes(`${conf}:2:1: warning: GktmpConnection has no effect: `), show(r));
    assert.ok(r.stderr.includes(`${conf}:3:1: warning: DiffServValue has no effect: Node.js 20 cannot set the IP TOS byte`), show(r));
    assert.ok(r.stderr.includes(`${conf}:4:1: warning: <RASGatekeeperCluster> has no effect: H.323 RAS location`), show(r));
    assert.equal(r.stderr.trim().split('\n').length, 3, show(r));
  });

  test('AuthServer Radius (with its servers) and AuthServer Proxy pass sipd -t without a warning', async () => {
    const conf = path.join(sr.root, 'conf', 'radius.conf');
    writeFileSync(conf, `Listen 127.0.0.1:${sr.port}\nAuthentication On\nAuthServer radius\nPrimaryRadiusAuthIp 127.0.0.1\nPrimaryRadiusAuthSecret s3cret\n`);
    const r = await runBin('sipd', ['-t', '-f', conf]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /Syntax OK/);
    assert.equal(r.stderr.trim(), '', show(r));
    assert.doesNotMatch(r.stdout + r.stderr, /s3cret/);
    // AuthServer Proxy (the default, here written out) is no warning.
    writeFileSync(conf, `Listen 127.0.0.1:${sr.port}\nAuthentication On\nAuthServer Proxy\n`);
    const ok = await runBin('sipd', ['-t', '-f', conf]);
    assert.equal(ok.code, 0, show(ok));
    assert.equal(ok.stderr.trim(), '', show(ok));
  });
});

describe('Appendix C: sip start, status, graceful, txngraceful-restart, stop', () => {
  let sr: ServerRoot;
  let firstPid: number | undefined;

  before(async () => {
    requireTool('sipp', 'sip-tester');
    sr = makeServerRoot(await freePort());
  });
  after(async () => {
    await forceStopSipd(sr);
    sr.remove();
  });

  test('C-7 start: "Starting sipd: [ OK ]", pid file written, sip status running', async () => {
    const r = await runBin('sip', ['start', '-f', sr.conf]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /Starting sipd:\s+\[ OK \]/);
    assert.match(r.stdout, /sip: Starting sipd: succeeded/);
    firstPid = readPid(sr.pidFile);
    assert.ok(firstPid && processExists(firstPid), 'pid file names a live process');

    const s = await runBin('sip', ['status', '-f', sr.conf]);
    assert.equal(s.code, 0, show(s));
    assert.equal(s.stdout.trim(), `sipd (pid ${firstPid}) is running`);
    await waitFor('the start notice in error_log', () => /\[notice\] .*configured -- resuming normal operations/.test(sr.readErrorLog()), 5000);
  });

  test('OPTIONS over UDP is answered 200 with Allow (sipp)', async () => {
    const r = await runSipp({ scenario: OPTIONS_XML, port: sr.port, transport: 'udp' });
    assert.equal(r.code, 0, describeSipp(r));
    assert.match(r.messages, /SIP\/2\.0 200 OK/);
    assert.match(r.messages, /Accept: application\/sdp/);
    await waitFor('the access log line', () => /"OPTIONS sip:127\.0\.0\.1:\d+ SIP\/2\.0" 200/.test(sr.readAccessLog()), 5000);
  });

  test('OPTIONS over TCP is answered 200 (sipp -t t1)', async () => {
    const r = await runSipp({ scenario: OPTIONS_XML, port: sr.port, transport: 'tcp' });
    assert.equal(r.code, 0, describeSipp(r));
    assert.match(r.messages, /SIP\/2\.0 200 OK/);
  });

  test('a malformed request over UDP gets 400 naming the fault, even without a Call-ID (RFC 4475 §3.3.1); one without a CSeq gets nothing', async () => {
    const mismatch = badRequest(sr.port, BASE_REQUEST.map((l) => (l.startsWith('CSeq') ? 'CSeq: 1 INVITE' : l)));
    const answer = await udpExchange(sr.port, mismatch, 3000);
    assert.ok(answer, 'an answer came');
    assert.match(answer!, /^SIP\/2\.0 400 CSeq method does not match the request method\r\n/);
    const noCallId = badRequest(sr.port, BASE_REQUEST.filter((l) => !l.startsWith('Call-ID')));
    const answered = await udpExchange(sr.port, noCallId, 3000);
    assert.match(answered ?? '(no answer)', /^SIP\/2\.0 400 Missing Call-ID header\r\n/);
    assert.doesNotMatch(answered!, /^Call-ID:/im);
    // No client could match an answer without a CSeq (RFC 3261 §17.1.3): none is sent.
    const noCSeq = badRequest(sr.port, BASE_REQUEST.filter((l) => !l.startsWith('CSeq')));
    assert.equal(await udpExchange(sr.port, noCSeq, 700), undefined);
  });

  test('INFO to the server itself gets 404 over TCP; a message without Content-Length gets 400 and the connection is closed', async () => {
    const sock = net.createConnection(sr.port, '127.0.0.1');
    const received: Buffer[] = [];
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.on('data', (d) => received.push(d));
    sock.on('error', () => undefined);
    const info = badRequest(sr.port, BASE_REQUEST.map((l) => l.replace(/OPTIONS/g, 'INFO').replace('UDP', 'TCP')));
    const noLength = badRequest(sr.port, BASE_REQUEST.filter((l) => !l.startsWith('Content-Length')).map((l) => l.replace('UDP', 'TCP')));
    sock.write(info + noLength);
    await Promise.race([closed, sleep(5000)]);
    sock.destroy();
    const text = Buffer.concat(received).toString();
    // Both answers come back before the close; answers to different requests need not keep their order.
    assert.match(text, /(^|\r\n\r\n)SIP\/2\.0 404 Not Found\r\n/);
    assert.match(text, /(^|\r\n\r\n)SIP\/2\.0 400 Missing Content-Length header/);
  });

  test('a second sip start does not start another sipd', async () => {
    const r = await runBin('sip', ['start', '-f', sr.conf]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, new RegExp(`sipd \\(pid ${firstPid}\\) already running`));
    assert.equal(readPid(sr.pidFile), firstPid);
    const running = processesMentioning(sr.conf);
    assert.deepEqual(running, [firstPid], `processes using the conf: ${running.join(', ')}`);
  });

  test('C-9 graceful: LogLevel debug takes effect, the pid stays', async () => {
    sr.writeConf(sr.lines.map((l) => (l.startsWith('LogLevel') ? 'LogLevel debug' : l)));
    const r = await runBin('sip', ['graceful', '-f', sr.conf]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /Gracefully restarting sipd:\s+\[ OK \]/);
    assert.equal(readPid(sr.pidFile), firstPid);

    const status = await controlRequest(sr.controlSocket, { cmd: 'status' });
    assert.equal(status.pid, firstPid);
    assert.equal(status.logLevel, 'debug');

    const o = await runSipp({ scenario: OPTIONS_XML, port: sr.port });
    assert.equal(o.code, 0, describeSipp(o));
    await waitFor('a [debug] line in error_log', () => /\[debug\] OPTIONS .* answered 200 OK/.test(sr.readErrorLog()), 5000);
  });

  test('graceful with a misspelt directive is rejected with file:line; sipd keeps answering', async () => {
    const lines = [...sr.lines, 'LogLevl notice'];
    sr.writeConf(lines);
    const badLine = lines.length;
    try {
      const r = await runBin('sip', ['graceful', '-f', sr.conf]);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stdout, /Gracefully restarting sipd:\s+\[FAILED\]/);
      assert.ok(r.stderr.includes(`${sr.conf}:${badLine}:1: unknown directive "LogLevl"`), show(r));
      await waitFor('error_log to name file:line', () => sr.readErrorLog().includes(`[error] ${sr.conf}:${badLine}:1: unknown directive "LogLevl"`), 5000);
      assert.equal(readPid(sr.pidFile), firstPid);

      const o = await runSipp({ scenario: OPTIONS_XML, port: sr.port });
      assert.equal(o.code, 0, describeSipp(o));
    } finally {
      sr.writeConf(sr.lines);
    }
  });

  test('graceful reports directives that need a full restart', async () => {
    const other = await freePort();
    sr.writeConf([...sr.lines, `Listen 127.0.0.1:${other}`]);
    try {
      const r = await runBin('sip', ['graceful', '-f', sr.conf]);
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /sip: Listen needs restart/);
      const status = await controlRequest(sr.controlSocket, { cmd: 'status' });
      assert.deepEqual(status.pending, ['Listen']);
    } finally {
      sr.writeConf(sr.lines);
      const back = await runBin('sip', ['graceful', '-f', sr.conf]);
      assert.equal(back.code, 0, show(back));
    }
  });

  test('C-10 txngraceful-restart 3 1: an INVITE in the window gets 503 with Retry-After: 60, then sipd comes back', async () => {
    const txn = startBin('sip', ['txngraceful-restart', '3', '1', '-f', sr.conf], 40_000);
    try {
      await waitFor('sipd to drain', async () => {
        const s = await controlRequest(sr.controlSocket, { cmd: 'status' }).catch(() => undefined);
        return s !== undefined && s.draining !== false;
      }, 5000);
      const inv = await runSipp({ scenario: INVITE_503_XML, port: sr.port, timeoutS: 5 });
      assert.equal(inv.code, 0, describeSipp(inv));
      assert.match(inv.messages, /SIP\/2\.0 503 Service Unavailable[\s\S]*Retry-After: 60/);

      // Other requests are still handled during the window.
      const o = await runSipp({ scenario: OPTIONS_XML, port: sr.port, timeoutS: 5 });
      assert.equal(o.code, 0, describeSipp(o));
    } finally {
      const r = await txn.done;
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /sipd signalled to gracefully stop after 3/);
      assert.match(r.stdout, /Going to sleep for 3 seconds, SPS will shutdown after this/);
      assert.match(r.stdout, /Stopping sipd:\s+\[ OK \]/);
      assert.match(r.stdout, /Starting sipd:\s+\[ OK \]/);
    }
    const pid = readPid(sr.pidFile);
    assert.ok(pid && pid !== firstPid && processExists(pid), 'a new sipd runs');
    assert.ok(!processExists(firstPid!), 'the old sipd is gone');
    const o = await runSipp({ scenario: OPTIONS_XML, port: sr.port });
    assert.equal(o.code, 0, describeSipp(o));
  });

  test('C-7 stop: "Stopping sipd: [ OK ]" and no sipd is left', async () => {
    const pid = readPid(sr.pidFile);
    assert.ok(pid);
    const r = await runBin('sip', ['stop', '-f', sr.conf]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /Stopping sipd:\s+\[ OK \]/);
    assert.ok(!processExists(pid), `pid ${pid} is gone`);
    assert.deepEqual(processesMentioning(sr.conf), []);
    assert.ok(!existsSync(sr.pidFile), 'pid file removed');
    assert.ok(!existsSync(sr.controlSocket), 'control socket removed');
    assert.match(sr.readErrorLog(), /caught SIGTERM, shutting down/); // written out before sipd exited

    const s = await runBin('sip', ['status', '-f', sr.conf]);
    assert.equal(s.code, 3, show(s));
    assert.equal(s.stdout.trim(), 'sipd is stopped');

    const again = await runBin('sip', ['stop', '-f', sr.conf]);
    assert.equal(again.code, 0, show(again));
  });
});

describe('sipd start-up refusals', () => {
  let sr: ServerRoot;
  before(async () => {
    sr = makeServerRoot(await freePort());
  });
  after(async () => {
    await forceStopSipd(sr);
    sr.remove();
  });

  test('a pid file naming a live sipd stops a second start', async () => {
    const r = await runBin('sip', ['start', '-f', sr.conf]);
    assert.equal(r.code, 0, show(r));
    const pid = readPid(sr.pidFile)!;
    const second = await runBin('sipd', ['-f', sr.conf], 20_000);
    assert.equal(second.code, 1, show(second));
    assert.ok(second.stderr.includes(`sipd (pid ${pid}) is already running: pid file ${sr.pidFile}`), show(second));
    assert.equal(readPid(sr.pidFile), pid);
    await runBin('sip', ['stop', '-f', sr.conf]);
  });

  test('a stale pid file is replaced', async () => {
    writeFileSync(sr.pidFile, '999999\n');
    const r = await runBin('sip', ['status', '-f', sr.conf]);
    assert.equal(r.code, 1, show(r));
    const s = await runBin('sip', ['start', '-f', sr.conf]);
    assert.equal(s.code, 0, show(s));
    const pid = readPid(sr.pidFile);
    assert.ok(pid && pid !== 999999 && processExists(pid));
    const t = await runBin('sip', ['stop', '-f', sr.conf]);
    assert.equal(t.code, 0, show(t));
  });

  test('a User that does not exist is refused with a way out', { skip: process.getuid?.() !== 0 ? 'only root switches to User' : false }, async () => {
    const r = await runBin('sipd', ['-f', sr.conf, '-c', 'User nosuchuser-sipd-test'], 20_000);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /User "nosuchuser-sipd-test" .*does not exist/);
    assert.match(r.stderr, /useradd/);
    assert.ok(!existsSync(sr.pidFile));
  });

  test('usage errors exit 2', async () => {
    const r = await runBin('sip', ['txngraceful-restart', '3', '7', '-f', sr.conf]);
    assert.equal(r.code, 2, show(r));
    const u = await runBin('sip', ['frobnicate']);
    assert.equal(u.code, 2, show(u));
    // -f may come before the command too.
    const s = await runBin('sip', ['-f', sr.conf, 'status']);
    assert.equal(s.code, 3, show(s));
    assert.equal(s.stdout.trim(), 'sipd is stopped');
  });
});
