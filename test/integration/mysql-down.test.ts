// Issue 6: sipd with DB_MySQL On while its MySQL servers go away and come back, with real
// MariaDB servers, real sipp user agents and sipd in-process.
//
//   both up            authenticated REGISTER → 200 (primary)
//   primary stopped    authenticated REGISTER → 200 (secondary)
//   secondary hung too (SIGSTOP: it accepts TCP and never answers, the worst case)
//                      the authenticated REGISTER that finds it hung waits at most
//                      DB_MySQL_Connect_Timeout and gets 503 + Retry-After; meanwhile an
//                      OPTIONS from a trusted host (Satisfy Any, no subscriber lookup) is
//                      answered at once: nothing else waits for MySQL;
//                      once both are marked bad, 503 + Retry-After comes straight away
//   primary restarted  sipd's background retry finds it: REGISTER → 200 again
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { STORE_RETRY_AFTER_S } from '../../src/modules/auth/admission.js';
import { MySqlPool } from '../../src/stores/mysql/pool.js';
import { installSchema } from '../../src/stores/mysql/schema.js';
import { MySqlSubscriberStore } from '../../src/stores/mysql/subscriber-store.js';
import { makeSecret } from '../../src/stores/secret.js';
import { emptySubscriber } from '../../src/stores/subscriber-store.js';
import { waitFor } from '../helpers/index.js';
import { startMariaDb } from '../helpers/mariadb.js';
import type { MariaDb } from '../helpers/mariadb.js';
import { describePeer, runUac } from '../helpers/sip-peers.js';
import type { SippPeerResult } from '../helpers/sip-peers.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { answer } from '../unit/auth/client.js';

const USER = 'alice';
const PASSWORD = 'wonderland';
const REALM = 'CISCO'; // AuthRealm's default
const CONNECT_TIMEOUT_S = 4;
const TRUSTED_HOST = '127.0.0.2';

let primary: MariaDb | undefined;
let secondary: MariaDb | undefined;
let proxy: TestProxy | undefined;
let frozen: number | undefined; // pid of a mariadbd we stopped with SIGSTOP
let tmp: string | undefined;

/** A digest REGISTER → 503 scenario (the fixtures' auth-register knows only 200/401/403). */
const REGISTER_503 = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="REGISTER, 401, REGISTER with credentials answered 503 + Retry-After">
  <send retrans="500"><![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:[user]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[user]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:[user]@[local_ip]:[local_port]>
      Expires: 300
      Content-Length: 0

  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:[user]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[user]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:[user]@[local_ip]:[local_port]>
      Expires: 300
      [authentication]
      Content-Length: 0

  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="503">
    <action>
      <ereg regexp="^ *${STORE_RETRY_AFTER_S} *$" search_in="hdr" header="Retry-After:" check_it="true" assign_to="retry"/>
    </action>
  </recv>
  <Reference variables="retry"/>
</scenario>
`;

before(async () => {
  // allSettled: when one fails to start, the other must still be known to after(), or its
  // process would keep this test file from ever exiting.
  const started = await Promise.allSettled([startMariaDb(), startMariaDb()]);
  [primary, secondary] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  if (!primary || !secondary) throw new Error('unreachable: both MariaDB servers started');
  // The same schema and subscriber on both, as a replica would hold them.
  for (const db of [primary, secondary]) {
    await db.sql("CREATE USER 'sps'@'%' IDENTIFIED BY 'spspw'; GRANT ALL ON sip.* TO 'sps'@'%';");
    const pool = new MySqlPool({ primary: { host: db.host, port: db.port }, user: 'root', password: '', timeoutMs: 10_000, log: () => undefined });
    try {
      await installSchema(pool, { database: 'sip', table: 'subscriber' });
      await new MySqlSubscriberStore({ pool, database: 'sip', table: 'subscriber', log: () => undefined }).add({
        ...emptySubscriber(USER),
        secret: makeSecret(USER, REALM, PASSWORD),
      });
    } finally {
      await pool.close();
    }
  }
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mysql-down-'));
  proxy = await startTestSipd([
    'Cisco_Registry On',
    'SipT1InMs 100',
    'Authentication On',
    // Satisfy Any: the host named by Allow is trusted without credentials (no lookup);
    // any other host is admitted once it authenticates.
    'Satisfy Any',
    'Order Deny,Allow',
    'Deny from all',
    `Allow from ${TRUSTED_HOST}`,
    'DB_MySQL On',
    `DB_MySQL_HostName ${primary.address}`,
    `DB_MySQL_Secondary_HostName ${secondary.address}`,
    'DB_MySQL_Username sps',
    'DB_MySQL_Password spspw',
    `DB_MySQL_Connect_Timeout ${CONNECT_TIMEOUT_S}`,
  ]);
});

after(async () => {
  // A stopped process cannot act on SIGTERM: let it run again before it is shut down.
  if (frozen !== undefined) resume(frozen);
  await stopTestSipd(proxy);
  await Promise.all([primary?.remove(), secondary?.remove()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function mariadbPid(db: MariaDb): number {
  const pid = Number(readFileSync(path.join(db.dir, 'mysqld.pid'), 'utf8').trim());
  assert.ok(Number.isInteger(pid) && pid > 0, `pid file of MariaDB on ${db.address}`);
  return pid;
}

/** True when every thread of the process is in the stopped state (T). */
function allStopped(pid: number): boolean {
  const dir = `/proc/${pid}/task`;
  return readdirSync(dir).every((t) => {
    const stat = readFileSync(`${dir}/${t}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T';
  });
}

function resume(pid: number): void {
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    /* already gone */
  }
}

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

/** sipp: REGISTER → 401 → REGISTER with alice's credentials, expecting `expect` (200 or 401). */
function sippRegister(p: TestProxy, expect: number): Promise<SippPeerResult> {
  return runUac({
    scenario: 'auth-register',
    target: { port: p.port },
    keys: { user: USER, domain: `127.0.0.1:${p.port}`, expires: 300, expect },
    extraArgs: ['-au', USER, '-ap', PASSWORD],
    timeoutS: 15,
  });
}

interface Reply {
  readonly status: number;
  readonly text: string;
}

/**
 * A UDP user agent on `host` talking to sipd: each request gets its final response (1xx
 * skipped), or undefined after waitMs.
 */
async function udpAgent(host: string, port: number) {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, host, () => r()));
  const local = sock.address().port;
  const waiting = new Map<string, (r: Reply) => void>();
  sock.on('message', (m) => {
    const text = m.toString();
    const status = /^SIP\/2\.0 (\d{3})/.exec(text);
    const cseq = /^CSeq:\s*(\d+)/im.exec(text);
    if (!status || !cseq || Number(status[1]) < 200) return;
    waiting.get(cseq[1])?.({ status: Number(status[1]), text });
    waiting.delete(cseq[1]);
  });
  const tag = `${process.pid}-${local}`;
  return {
    local,
    close: () => sock.close(),
    send(method: string, uri: string, cseq: number, headers: string[], waitMs: number): Promise<Reply | undefined> {
      const msg = [
        `${method} ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP ${host}:${local};rport;branch=z9hG4bK-down-${tag}-${cseq}`,
        'Max-Forwards: 70',
        `From: <sip:${USER}@127.0.0.1:${port}>;tag=${tag}`,
        `To: <sip:${USER}@127.0.0.1:${port}>`,
        `Call-ID: down-${tag}@${host}`,
        `CSeq: ${cseq} ${method}`,
        `Contact: <sip:${USER}@${host}:${local}>`,
        ...headers,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(String(cseq));
          resolve(undefined);
        }, waitMs);
        waiting.set(String(cseq), (r) => {
          clearTimeout(timer);
          resolve(r);
        });
        sock.send(msg, port, '127.0.0.1');
      });
    },
  };
}

/**
 * REGISTER → 401, then returns a function sending the REGISTER with alice's digest
 * credentials (the one that needs the subscriber lookup).
 */
async function challengedRegister(p: TestProxy) {
  const ua = await udpAgent('127.0.0.1', p.port);
  const uri = `sip:127.0.0.1:${p.port}`;
  const first = await ua.send('REGISTER', uri, 1, ['Expires: 300'], 5000);
  if (first?.status !== 401) {
    ua.close();
    assert.fail(`REGISTER without credentials: expected 401, got ${first?.text ?? 'no answer'}`);
  }
  const challenge = /^WWW-Authenticate:\s*(.*)$/im.exec(first.text)?.[1]?.trim();
  assert.ok(challenge, first.text);
  const authorization = `Authorization: ${answer({ user: USER, password: PASSWORD, method: 'REGISTER', uri, challenge })}`;
  return async (waitMs: number): Promise<Reply | undefined> => {
    try {
      return await ua.send('REGISTER', uri, 2, ['Expires: 300', authorization], waitMs);
    } finally {
      ua.close();
    }
  };
}

test('both MySQL servers up: an authenticated REGISTER is accepted (200)', async () => {
  ok(await sippRegister(proxy!, 200), 'REGISTER with the primary up');
});

test('primary stopped: the secondary answers, REGISTER still 200', async () => {
  await primary!.stop();
  ok(await sippRegister(proxy!, 200), 'REGISTER with the primary down');
  await waitFor('the error log to say the primary was marked bad', () => /primary MySQL server .* marked bad/.test(proxy!.sr.readErrorLog()), 10_000, 100);
});

test('secondary hung as well: authenticated requests get 503 + Retry-After, a trusted OPTIONS does not wait', async () => {
  const p = proxy!;
  frozen = mariadbPid(secondary!);
  process.kill(frozen, 'SIGSTOP');
  const pid = frozen;
  await waitFor('every thread of the secondary MariaDB to be stopped', () => allStopped(pid), 10_000, 20);

  // This lookup goes to the secondary (the primary is marked bad) and waits for it.
  const send = await challengedRegister(p);
  let settled = false;
  const started = Date.now();
  // Answered within the connect timeout plus a generous margin, or the test fails.
  const pending = send(CONNECT_TIMEOUT_S * 1000 + 15_000).finally(() => (settled = true));

  // Meanwhile a trusted host (no subscriber lookup) is answered.
  const trusted = await udpAgent(TRUSTED_HOST, p.port);
  let options: Reply | undefined;
  try {
    options = await trusted.send('OPTIONS', `sip:127.0.0.1:${p.port}`, 1, [], 10_000);
  } finally {
    trusted.close();
  }
  assert.equal(options?.status, 200, `OPTIONS from ${TRUSTED_HOST}: ${options?.text ?? 'no answer'}`);
  assert.equal(settled, false, 'the OPTIONS was answered while the authenticated REGISTER still waited for the hung MySQL server');

  const reply = await pending;
  const took = Date.now() - started;
  assert.ok(reply, `the authenticated REGISTER got no answer within ${CONNECT_TIMEOUT_S + 15} s`);
  assert.equal(reply.status, 503, `${reply.text}\n--- error_log ---\n${p.sr.readErrorLog()}`);
  assert.match(reply.text, new RegExp(`^Retry-After: ${STORE_RETRY_AFTER_S}\\r?$`, 'm'));
  await waitFor('the error log to say the secondary was marked bad and 503 answered', () => {
    const log = p.sr.readErrorLog();
    return /secondary MySQL server .* marked bad/.test(log) && /subscriber store unavailable .*answering 503/.test(log);
  }, 10_000, 100);

  // Both marked bad now: sipp's REGISTER gets its 503 without waiting for MySQL again
  // (sipp's own -timeout bounds it).
  const dir = tmp!;
  const scenario = path.join(dir, 'register-503.xml');
  writeFileSync(scenario, REGISTER_503);
  const t2 = Date.now();
  const r = await runUac({ scenario, target: { port: p.port }, keys: { user: USER }, extraArgs: ['-au', USER, '-ap', PASSWORD], timeoutS: 10 });
  ok(r, `REGISTER with both servers down (first 503 after ${took} ms, this one after ${Date.now() - t2} ms)`);
  assert.match(r.messages, /SIP\/2\.0 503 Subscriber database unavailable/);
});

test('primary restarted: the background retry finds it and REGISTER is accepted again', async () => {
  const p = proxy!;
  await primary!.start();
  // The secondary is still hung, so a 200 can only come from the primary.
  await waitFor(
    'an authenticated REGISTER to be accepted again',
    async () => (await (await challengedRegister(p))(CONNECT_TIMEOUT_S * 1000 + 5000))?.status === 200,
    30_000,
    500,
  );
  await waitFor('the error log to say the primary answers again', () => /primary MySQL server .* answers again/.test(p.sr.readErrorLog()), 10_000, 100);
  ok(await sippRegister(p, 200), 'REGISTER after the primary came back');
});
