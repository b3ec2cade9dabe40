// DebugFlag in a real sipd driven by a UDP peer: StateMachine writes each transaction's
// state changes, Registry the registrar's decisions and lookups, Parser each message
// received; with the flags Off none of those lines appear. The flags of features not
// built yet (GKTMP, GktmpAPI, RPMS, RAS, RasAPI) write nothing, and turning one
// On gives a notice at start naming the line and the reason.
// SipTcp, Numexpand, Routing, Privacy, Enum, SipTls (an OPTIONS over TLS, certificates
// made by openssl) and DBMySQL (an authenticated REGISTER against a real MariaDB: the
// statements with placeholders, never a secret) each get a sipd of their own, driven with
// the flag Off and again after a graceful restart that turns it On. A graceful restart
// also gives the notices for lines without effect that it newly reads.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { udpExchange, waitFor } from '../helpers/index.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy, TestSipdOptions } from '../helpers/sipd.js';
import { DEBUG_FLAGS, FLAGS_WITHOUT_OUTPUT } from '../../src/logging/directives.js';
import { ROUTE_DEFAULTS } from '../../src/modules/routing/csv.js';
import { loadConfigFile } from '../../src/server/config.js';
import { openEmbeddedRouteStore } from '../../src/stores/embedded/route-store.js';
import { routeStoreOptions } from '../../src/stores/open.js';
import { TestDnsServer } from '../helpers/dns-server.js';
import { freePort } from '../helpers/ports.js';
import { TestPki, connectTlsPeer, pem } from '../helpers/tls.js';
import { startMariaDb } from '../helpers/mariadb.js';
import type { MariaDb } from '../helpers/mariadb.js';
import { MySqlPool } from '../../src/stores/mysql/pool.js';
import { installSchema } from '../../src/stores/mysql/schema.js';
import { MySqlSubscriberStore } from '../../src/stores/mysql/subscriber-store.js';
import { encodeSecret, makeSecret } from '../../src/stores/secret.js';
import { emptySubscriber } from '../../src/stores/subscriber-store.js';
import { answer } from '../unit/auth/client.js';

const UNBUILT = Object.keys(FLAGS_WITHOUT_OUTPUT);
const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function request(port: number, lines: readonly string[]): string {
  return [...lines.map((l) => l.replaceAll('PORT', String(port))), '', ''].join('\r\n');
}

/** A REGISTER binding alice to the test's contact socket, then one refused (400). */
function registers(port: number, callId: string, contactPort: number): string[] {
  const head = (cseq: number) => [
    'REGISTER sip:127.0.0.1:PORT SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${callId}${cseq}`,
    'Max-Forwards: 70',
    'From: <sip:alice@127.0.0.1:PORT>;tag=1',
    'To: <sip:alice@127.0.0.1:PORT>',
    `Call-ID: ${callId}@127.0.0.1`,
    `CSeq: ${cseq} REGISTER`,
  ];
  return [
    request(port, [...head(1), `Contact: <sip:alice@127.0.0.1:${contactPort}>`, 'Expires: 600', 'Content-Length: 0']),
    // Contact * needs Expires: 0 (RFC 3261 §10.2.2): a refusal.
    request(port, [...head(2), 'Contact: *', 'Expires: 60', 'Content-Length: 0']),
  ];
}

/** OPTIONS to alice: the registry looks her up, and the request is forwarded to her contact. */
function optionsToAlice(port: number, callId: string): string {
  return request(port, [
    'OPTIONS sip:alice@127.0.0.1:PORT SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${callId}o`,
    'Max-Forwards: 70',
    'From: <sip:bob@127.0.0.1>;tag=2',
    'To: <sip:alice@127.0.0.1:PORT>',
    `Call-ID: ${callId}-o@127.0.0.1`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
  ]);
}

/**
 * Register alice at a UDP socket of the test, have one REGISTER refused, then send an
 * OPTIONS to alice and wait until sipd has forwarded it to that socket: by then the
 * registrar and the registry lookup have both run.
 */
async function drive(p: TestProxy, callId: string): Promise<void> {
  const alice = dgram.createSocket('udp4');
  const received: string[] = [];
  alice.on('message', (m) => received.push(m.toString()));
  await new Promise<void>((r) => alice.bind(0, '127.0.0.1', r));
  try {
    const [ok, refused] = registers(p.port, callId, alice.address().port);
    assert.match((await udpExchange(p.port, ok)) ?? 'no answer', /^SIP\/2\.0 200 /);
    assert.match((await udpExchange(p.port, refused)) ?? 'no answer', /^SIP\/2\.0 400 /);
    await udpExchange(p.port, optionsToAlice(p.port, callId), 200);
    await waitFor('the OPTIONS forwarded to alice', () => received.some((m) => m.startsWith('OPTIONS sip:alice@127.0.0.1')), 5000);
  } finally {
    alice.close();
  }
}

describe('DebugFlag On: each built feature writes its lines to error_log', () => {
  let p: TestProxy | undefined;
  before(async () => {
    p = await startTestSipd(['Cisco_Registry On', 'DebugFlag StateMachine On', 'DebugFlag Registry On', 'DebugFlag Parser On', ...UNBUILT.map((f) => `DebugFlag ${f} On`)]);
    await drive(p, 'flags-on');
  });
  after(() => stopTestSipd(p));

  test('StateMachine: server and client transactions, created and moved', async () => {
    const log = await waitFor('StateMachine lines', () => {
      const t = p!.sr.readErrorLog();
      return /StateMachine: client transaction OPTIONS sip:alice@127\.0\.0\.1:\d+ .*created in calling/.test(t) && t;
    });
    assert.match(log, /\[debug\] StateMachine: server transaction REGISTER sip:127\.0\.0\.1:\d+ .*: created in trying/);
    assert.match(log, /StateMachine: server transaction REGISTER .*: trying -> completed/);
    assert.match(log, /StateMachine: server transaction OPTIONS sip:alice@127\.0\.0\.1:\d+ .*: created in trying/);
  });

  test('Registry: the binding stored, the refusal with its status, the lookup with its contact', async () => {
    const log = await waitFor('Registry lookup line', () => {
      const t = p!.sr.readErrorLog();
      return /Registry: lookup of .*alice.*: sip:alice@127\.0\.0\.1:\d+;q=1/.test(t) && t;
    });
    assert.match(log, /\[debug\] Registry: REGISTER for \S*alice\S* from 127\.0\.0\.1:\d+: bindings now sip:alice@127\.0\.0\.1:\d+ \(600 s\)/);
    assert.match(log, /Registry: REGISTER sip:127\.0\.0\.1:\d+ .*Call-ID flags-on@127\.0\.0\.1.*: refused 400 Contact "\*" needs Expires: 0/);
  });

  test('Parser: each message received, with its text', () => {
    assert.match(p!.sr.readErrorLog(), /Parser: Received \d+ bytes UDP packet from 127\.0\.0\.1:\d+\nREGISTER sip:127\.0\.0\.1/);
  });

  test('flags of unbuilt features: one notice each at start, naming the line and the reason', () => {
    const log = p!.sr.readErrorLog();
    for (const f of UNBUILT) {
      const re = new RegExp(`\\[notice\\] DebugFlag ${f} \\(.*sipd\\.conf:\\d+\\) has no effect: ${escape(FLAGS_WITHOUT_OUTPUT[f as keyof typeof FLAGS_WITHOUT_OUTPUT]!)}`, 'g');
      assert.equal(log.match(re)?.length, 1, `${f}\n${log}`);
      assert.doesNotMatch(log, new RegExp(`\\] ${f}: `), `${f} wrote lines`);
    }
    assert.deepEqual(
      UNBUILT.filter((f) => !(DEBUG_FLAGS as readonly string[]).includes(f)),
      [],
    );
  });
});

describe('DebugFlag Off (the default): none of those lines', () => {
  let p: TestProxy | undefined;
  before(async () => {
    p = await startTestSipd(['Cisco_Registry On', 'LogLevel debug']);
    await drive(p, 'flags-off');
  });
  after(() => stopTestSipd(p));

  test('the same traffic at LogLevel debug writes no StateMachine, Registry or Parser line, and no flag notice', async () => {
    // drive() returned only after the OPTIONS reached alice: every line it could cause is written.
    const log = p!.sr.readErrorLog();
    assert.match(log, /resuming normal operations/);
    assert.doesNotMatch(log, /StateMachine: |Registry: |Parser: /);
    assert.doesNotMatch(log, /DebugFlag \w+ .*has no effect/);
  });
});

describe('graceful: lines newly set without effect get their notice, as at start', () => {
  let p: TestProxy | undefined;
  before(async () => {
    p = await startTestSipd(['Authentication On']);
  });
  after(() => stopTestSipd(p));

  const register = (callId: string) =>
    request(p!.port, [
      'REGISTER sip:127.0.0.1:PORT SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${callId}`,
      'Max-Forwards: 70',
      'From: <sip:alice@127.0.0.1:PORT>;tag=1',
      'To: <sip:alice@127.0.0.1:PORT>',
      `Call-ID: ${callId}@127.0.0.1`,
      'CSeq: 1 REGISTER',
      'Contact: <sip:alice@127.0.0.1:9>',
      'Content-Length: 0',
    ]);

  /** What error_log gained since `before`, once the graceful restart's last line is written. */
  const afterGraceful = (before: string) =>
    waitFor('the graceful restart logged', () => {
      const t = p!.sr.readErrorLog().slice(before.length);
      return /resuming normal operations \(graceful restart/.test(t) && t;
    });

  test('AuthServer Radius and DebugFlag RAS added: a notice each after the graceful, and REGISTER is answered 500', async () => {
    assert.match((await udpExchange(p!.port, register('grace-1'))) ?? 'no answer', /^SIP\/2\.0 401 /);
    const before = p!.sr.readErrorLog();
    assert.doesNotMatch(before, /has no effect/);
    p!.sr.writeConf([...p!.sr.lines, 'AuthServer Radius', 'DebugFlag RAS On']);
    const r = await p!.sipd.graceful('test');
    assert.equal(r.ok, true, JSON.stringify(r));
    const log = await afterGraceful(before);
    const n = p!.sr.lines.length;
    assert.match(log, new RegExp(`\\[notice\\] AuthServer Radius \\(.*sipd\\.conf:${n + 1}\\) has no effect: RADIUS authentication is not built yet.*answered 500`));
    assert.match(log, new RegExp(`\\[notice\\] DebugFlag RAS \\(.*sipd\\.conf:${n + 2}\\) has no effect: ${escape(FLAGS_WITHOUT_OUTPUT.RAS!)}`));
    assert.match((await udpExchange(p!.port, register('grace-2'))) ?? 'no answer', /^SIP\/2\.0 500 Authentication server not available/);
  });

  test('a graceful with those lines removed again gives no such notice', async () => {
    const before = p!.sr.readErrorLog();
    p!.sr.writeConf(p!.sr.lines);
    assert.equal((await p!.sipd.graceful('test')).ok, true);
    const log = await afterGraceful(before);
    assert.doesNotMatch(log, /has no effect/);
    assert.match((await udpExchange(p!.port, register('grace-3'))) ?? 'no answer', /^SIP\/2\.0 401 /);
  });
});

// ---- one sipd per flag: driven with the flag Off, then again after a graceful restart that turns it On ----

/** A UDP socket of the test that takes whatever sipd forwards to it. */
async function sink(): Promise<{ port: number; received: string[]; close(): void }> {
  const s = dgram.createSocket('udp4');
  const received: string[] = [];
  s.on('message', (m) => received.push(m.toString()));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { port: s.address().port, received, close: () => s.close() };
}

/** An INVITE to `ruri` over UDP with these extra header lines; the caller waits for its effect. */
function invite(port: number, ruri: string, callId: string, extra: readonly string[] = []): string {
  return request(port, [
    `INVITE ${ruri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${callId}`,
    'Max-Forwards: 70',
    'From: <sip:carol@127.0.0.1>;tag=3',
    `To: <${ruri}>`,
    `Call-ID: ${callId}@127.0.0.1`,
    'CSeq: 1 INVITE',
    ...extra,
    'Content-Length: 0',
  ]);
}

/**
 * Start sipd with `lines` (the flag Off), run `drive`, then turn the flag On with a graceful
 * restart and run `drive` again. Returns error_log before the graceful restart and after it,
 * once `lineOn` appears in the second part: lines written in order, so whatever the Off run
 * caused is in the first part.
 */
async function toggle(flag: string, lines: readonly string[], lineOn: { test(text: string): boolean }, drive: (p: TestProxy, run: string) => Promise<void>, o: TestSipdOptions = {}): Promise<{ off: string; on: string }> {
  const p = await startTestSipd(lines, o);
  try {
    await drive(p, 'off');
    const off = p.sr.readErrorLog();
    p.sr.writeConf([...p.sr.lines, `DebugFlag ${flag} On`]);
    assert.equal((await p.sipd.graceful('test')).ok, true);
    await drive(p, 'on');
    const on = await waitFor(`${flag} lines`, () => {
      const t = p.sr.readErrorLog().slice(off.length);
      return lineOn.test(t) && t;
    });
    const flagged = new RegExp(`\\[debug\\] ${flag}: `);
    assert.doesNotMatch(on.slice(0, on.indexOf('graceful restart requested')) + off, flagged, `${flag} Off wrote lines`);
    assert.match(off, /resuming normal operations/);
    return { off, on };
  } finally {
    await stopTestSipd(p);
  }
}

/** OPTIONS over a new TCP connection; resolves with the answer and the client's port, then closes the connection. */
function tcpOptions(port: number, callId: string): Promise<{ text: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => (c.destroy(), reject(new Error('no answer over TCP'))), 5000);
    c.on('error', reject);
    c.on('data', (d) => {
      text += d.toString();
      if (/\r\n\r\n/.test(text)) {
        clearTimeout(timer);
        c.end();
        resolve({ text, localPort: c.localPort ?? 0 });
      }
    });
    c.write(request(port, ['OPTIONS sip:127.0.0.1:PORT SIP/2.0', `Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK${callId}`, 'Max-Forwards: 70', 'From: <sip:bob@127.0.0.1>;tag=2', 'To: <sip:127.0.0.1:PORT>', `Call-ID: ${callId}@127.0.0.1`, 'CSeq: 1 OPTIONS', 'Content-Length: 0']));
  });
}

describe('DebugFlag SipTcp: TCP connections accepted and closed', () => {
  test('Off: no SipTcp line; On: the connection from the peer and its close', async () => {
    // The Off run's connection may be seen closing after the graceful restart, so the On part
    // is awaited by the On run's own client port: its connection line, then its close.
    let onPort = 0;
    const onLines = () => new RegExp(`SipTcp: TCP connection from 127\\.0\\.0\\.1:${onPort}\\n[\\s\\S]*SipTcp: TCP connection from 127\\.0\\.0\\.1:${onPort} closed`);
    const lineOn = { test: (t: string) => onPort > 0 && onLines().test(t) };
    const { on } = await toggle('SipTcp', [], lineOn, async (p, run) => {
      const r = await tcpOptions(p.port, `tcp-${run}`);
      assert.match(r.text, /^SIP\/2\.0 200 /);
      if (run === 'on') onPort = r.localPort;
    });
    assert.match(on, onLines());
  });
});

describe('DebugFlag Numexpand: each user part a NumExp rule changed, with the rule', () => {
  test('Off: no Numexpand line; On: 50100 -> +13035550100 with its rule', async () => {
    const plan = ['Cisco_Numexpand On', '<NumberPlan Global>', 'NumExp 5.... +1303555....', '</NumberPlan>'];
    const { on } = await toggle('Numexpand', plan, /Numexpand: numexp: 50101 -> \+13035550101 \(NumExp 5\.\.\.\. \+1303555\.\.\.\.\)/, async (p, run) => {
      const to = await sink();
      try {
        // Nobody is registered as +1303555010x: the expanded number is not found (404).
        const user = run === 'off' ? '50100' : '50101';
        assert.match((await udpExchange(p.port, invite(p.port, `sip:${user}@127.0.0.1:${p.port}`, `numexp-${run}`))) ?? 'no answer', /^SIP\/2\.0 (100|404) /);
      } finally {
        to.close();
      }
    });
    assert.doesNotMatch(on, /50100 ->/);
  });
});

describe('DebugFlag Routing: route lookups and the route chosen', () => {
  test('Off: no Routing line; On: the number, the route it matched and its next hop', async () => {
    const gw = await sink();
    try {
      const prepare = async (sr: { conf: string }) => {
        const r = loadConfigFile(sr.conf);
        assert.ok(r.ok);
        const store = await openEmbeddedRouteStore(routeStoreOptions(r.config, () => undefined));
        await store.put([{ ...ROUTE_DEFAULTS, pattern: '5551234', type: 'phone', nextHop: '127.0.0.1', port: gw.port }]);
        await store.close();
      };
      let sent = 0;
      const { on } = await toggle(
        'Routing',
        ['Cisco_Routing On', 'SipT1InMs 100', 'SipT3InMs 4000'],
        new RegExp(`Routing: routing: number 5551234 \u2192 5551234 127\\.0\\.0\\.1:${gw.port}/`),
        async (p, run) => {
          await udpExchange(p.port, invite(p.port, `sip:5551234@127.0.0.1:${p.port};user=phone`, `route-${run}`), 200);
          sent++;
          await waitFor('the INVITE at the route\'s gateway', () => gw.received.filter((m) => m.startsWith('INVITE sip:5551234@')).length >= sent, 5000);
        },
        { prepare },
      );
      assert.match(on, /\[debug\] Routing: /);
    } finally {
      gw.close();
    }
  });
});

describe('DebugFlag Privacy: PAI, RPID and Diversion handling for privacy requests', () => {
  test('Off: no Privacy line; On: Privacy: id added for an Anonymous caller, with the Call-ID', async () => {
    const bob = await sink();
    try {
      let sent = 0;
      const { on } = await toggle(
        'Privacy',
        ['Privacy On', 'PrivacyWithPAI On', 'PrivacyWithRPID On', 'SipT1InMs 100', 'SipT3InMs 4000'],
        /Privacy: INVITE sip:bob@127\.0\.0\.1:\d+ \(Call-ID privacy-on@127\.0\.0\.1\): to 127\.0\.0\.1 \(\w+\): Privacy: id added for an Anonymous caller/,
        async (p, run) => {
          // A phone asking for privacy the old way: Anonymous as its display name.
          const text = invite(p.port, `sip:bob@127.0.0.1:${bob.port}`, `privacy-${run}`).replace('From: <sip:carol@', 'From: "Anonymous" <sip:carol@');
          await udpExchange(p.port, text, 200);
          sent++;
          await waitFor('the INVITE at bob', () => bob.received.filter((m) => m.startsWith('INVITE sip:bob@')).length >= sent, 5000);
        },
      );
      assert.doesNotMatch(on, /privacy-off/);
      // The flag only reports: the INVITE is forwarded with Privacy: id, flag Off or On
      // (bob never answers, so sipd retransmits: count calls, not datagrams).
      for (const run of ['off', 'on']) {
        assert.ok(bob.received.some((m) => m.includes(`Call-ID: privacy-${run}@`) && /^Privacy: id\r$/m.test(m)), `${run}\n${bob.received.join('\n')}`);
      }
    } finally {
      bob.close();
    }
  });
});

describe('DebugFlag Enum: ENUM queries and their answers', () => {
  test('Off: no Enum line; On: the NAPTR query for the number and its answer', async () => {
    const dns = await TestDnsServer.start([]);
    try {
      const { on } = await toggle('Enum', ['Cisco_Enum On', `DnsServer ${dns.address}`], /Enum: ENUM \+14085559991: NAPTR 1\.9\.9\.9\.5\.5\.5\.8\.0\.4\.1\.e164\.arpa: \w+, 0 record\(s\)/, async (p, run) => {
        // No ENUM record and no route: 404 once the query is answered.
        const n = run === 'off' ? '+14085559990' : '+14085559991';
        assert.match((await udpExchange(p.port, invite(p.port, `sip:${n}@127.0.0.1:${p.port};user=phone`, `enum-${run}`), 5000)) ?? 'no answer', /^SIP\/2\.0 (100|404) /);
        await waitFor('the NAPTR query', () => dns.queries(`${[...n.slice(1)].reverse().join('.')}.e164.arpa`, 'NAPTR') >= 1, 5000);
      });
      assert.doesNotMatch(on, /9990/);
    } finally {
      await dns.stop();
    }
  });
});

describe('DebugFlag SipTls: TLS handshakes and connections', () => {
  test('Off: no SipTls line; On: the handshake with its protocol and cipher, the connection and its close', async () => {
    const pki = TestPki.create();
    try {
      const ca = await pki.ca('ca');
      const server = await pki.leaf('server', ca, 'sipd.test', 'IP:127.0.0.1,DNS:sips.test');
      const tlsPort = await freePort();
      const lines = ['SipTlsEnable On', `SipTlsPort ${tlsPort}`, `SipTlsCertificateFile ${server.cert}`, `SipTlsCertificateKeyFile ${server.key}`, `SipTlsCACertificateFile ${ca.cert}`];
      // The Off run's connection may be seen closing after the graceful restart, so the On
      // part is awaited by the On run's own client port.
      let onPort = 0;
      const lineOn = { test: (t: string) => onPort > 0 && new RegExp(`SipTls: TLS connection from 127\\.0\\.0\\.1:${onPort} closed`).test(t) };
      const { off, on } = await toggle('SipTls', lines, lineOn, async (p, run) => {
        const peer = await connectTlsPeer({ host: '127.0.0.1', port: tlsPort, ca: pem(ca.cert), servername: 'sips.test' });
        if (run === 'on') onPort = peer.localPort;
        try {
          const callId = `tls-${run}@127.0.0.1`;
          peer.send(
            [
              `OPTIONS sip:127.0.0.1:${tlsPort} SIP/2.0`,
              `Via: SIP/2.0/TLS 127.0.0.1:${peer.localPort};branch=z9hG4bKtls${run}`,
              'Max-Forwards: 70',
              'From: <sip:bob@127.0.0.1>;tag=2',
              `To: <sip:127.0.0.1:${tlsPort}>`,
              `Call-ID: ${callId}`,
              'CSeq: 1 OPTIONS',
            ].join('\n'),
          );
          const res = await peer.next('the answer to OPTIONS over TLS', (m) => m.kind === 'response' && m.headers.get('Call-ID') === callId);
          assert.equal(res.kind === 'response' && res.status, 200);
        } finally {
          await peer.close();
        }
      });
      // Off at LogLevel info: the handshake and the connection leave no line at all.
      assert.doesNotMatch(off, /TLS handshake with|TLS connection from/);
      assert.match(on, new RegExp(`\\[debug\\] SipTls: TLS handshake with 127\\.0\\.0\\.1:${onPort}: TLSv1\\.[23] \\S+`));
      assert.match(on, new RegExp(`\\[debug\\] SipTls: TLS connection from 127\\.0\\.0\\.1:${onPort}\\n`));
    } finally {
      pki.remove();
    }
  });
});

describe('DebugFlag DBMySQL: the statements sent to MySQL, without their values', () => {
  const user = 'dave';
  const password = 'dbflag-Secret-77';
  const secret = makeSecret(user, 'CISCO', password); // AuthRealm's default
  let db: MariaDb | undefined;
  before(async () => {
    db = await startMariaDb();
    await db.sql("CREATE USER 'sps'@'%' IDENTIFIED BY 'spspw-dbflag'; GRANT ALL ON sip.* TO 'sps'@'%';");
    const pool = new MySqlPool({ primary: { host: db.host, port: db.port }, user: 'root', password: '', timeoutMs: 10_000, log: () => undefined });
    try {
      await installSchema(pool, { database: 'sip', table: 'subscriber' });
      await new MySqlSubscriberStore({ pool, database: 'sip', table: 'subscriber', log: () => undefined }).add({ ...emptySubscriber(user), secret });
    } finally {
      await pool.close();
    }
  });
  after(() => db?.remove());

  /** REGISTER for dave without credentials (401), then with them: sipd reads his row (200). */
  async function authenticatedRegister(p: TestProxy, run: string): Promise<void> {
    const uri = `sip:127.0.0.1:${p.port}`;
    const register = (cseq: number, extra: readonly string[]) =>
      request(p.port, [
        `REGISTER ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKdb${run}${cseq}`,
        'Max-Forwards: 70',
        `From: <sip:${user}@127.0.0.1:PORT>;tag=4`,
        `To: <sip:${user}@127.0.0.1:PORT>`,
        `Call-ID: db-${run}@127.0.0.1`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: <sip:${user}@127.0.0.1:9>`,
        'Expires: 300',
        ...extra,
        'Content-Length: 0',
      ]);
    const first = (await udpExchange(p.port, register(1, []))) ?? 'no answer';
    assert.match(first, /^SIP\/2\.0 401 /);
    const challenge = /^WWW-Authenticate:\s*(.*)$/im.exec(first)?.[1]?.trim();
    assert.ok(challenge, first);
    const auth = `Authorization: ${answer({ user, password, method: 'REGISTER', uri, challenge })}`;
    assert.match((await udpExchange(p.port, register(2, [auth]), 10_000)) ?? 'no answer', /^SIP\/2\.0 200 /);
  }

  test('Off: no DBMySQL line; On: the SELECT with placeholders and its row count, and no secret', async () => {
    const lines = ['Cisco_Registry On', 'Authentication On', 'DB_MySQL On', `DB_MySQL_HostName ${db!.address}`, 'DB_MySQL_Username sps', 'DB_MySQL_Password spspw-dbflag'];
    const { off, on } = await toggle('DBMySQL', lines, /DBMySQL: primary MySQL server 127\.0\.0\.1:\d+: SELECT .* FROM `sip`\.`subscriber` WHERE .*\? .*LIMIT 1 -> 1 row\(s\)/, authenticatedRegister);
    assert.doesNotMatch(off, /SELECT/);
    assert.match(on, /\[debug\] DBMySQL: /);
    // The statements carry placeholders: no DBMySQL line names the user, and neither the
    // password, its HA1 digests, their stored form nor the MySQL account's password is
    // anywhere in error_log.
    const dbLines = on.split('\n').filter((l) => l.includes('] DBMySQL: '));
    assert.ok(dbLines.every((l) => !l.includes(user)), dbLines.join('\n'));
    assert.equal(secret.kind, 'ha1');
    const hidden = [password, encodeSecret(secret), 'spspw-dbflag', ...(secret.kind === 'ha1' ? [secret.md5, secret.sha256] : [])];
    for (const h of hidden) assert.ok(!(off + on).includes(h), `error_log shows ${h}`);
  });
});
