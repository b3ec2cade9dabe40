// The sipp scenarios the proxy tests use (test/fixtures/sipp), proved against each other
// with no proxy between them: each UAC with the UAS it will meet behind sipd. The
// negative cases show that the scenarios' own checks fail when they should.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { describePeer, runUac, startUas } from '../../helpers/sip-peers.js';
import type { SippPeerOptions, SippPeerResult, UacOptions } from '../../helpers/sip-peers.js';
import { freePort } from '../../helpers/ports.js';

interface Pair {
  readonly uac: SippPeerResult;
  readonly uas: SippPeerResult;
}

/** Start the UAS, run the UAC against it, then wait (bounded) for the UAS to finish. */
async function pair(uasOpts: SippPeerOptions, uacOpts: Omit<UacOptions, 'target'> & { target?: UacOptions['target'] }): Promise<Pair> {
  const uas = await startUas({ timeoutS: 10, ...uasOpts });
  try {
    const uac = await runUac({ timeoutS: 5, pauseMs: 50, target: { port: uas.port }, ...uacOpts, keys: { ruri: `sip:bob@${uas.address}`, ...(uacOpts.keys ?? {}) } });
    // The UAS ends by itself after its calls; a failed UAC may leave it waiting.
    const settled = await Promise.race([uas.done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 3000))]);
    return { uac, uas: settled ?? (await uas.stop()) };
  } catch (e) {
    await uas.stop();
    throw e;
  }
}

const both = (p: Pair) => `--- UAC ---\n${describePeer(p.uac)}\n--- UAS ---\n${describePeer(p.uas)}`;

function assertPassed(p: Pair): void {
  assert.equal(p.uac.code, 0, both(p));
  assert.equal(p.uac.counts?.successful, 1, both(p));
  assert.equal(p.uas.code, 0, both(p));
  assert.equal(p.uas.counts?.successful, 1, both(p));
}

/** The request lines sipp sent, in order, from its message trace. */
function sentRequests(r: SippPeerResult): string[] {
  return [...r.messages.matchAll(/message sent[^\n]*\n\n([A-Z]+ \S+ SIP\/2\.0)/g)].map((m) => m[1]);
}

describe('sipp scenarios against each other (no proxy)', () => {
  test('uac-call ↔ uas-answer: INVITE (SDP) → 180 → 200 → ACK → BYE → 200 (Figure E-3 shape, rr any and rr no)', async () => {
    for (const rr of ['any', 'no']) {
      const p = await pair({ scenario: 'uas-answer' }, { scenario: 'uac-call', keys: { rr } });
      assertPassed(p);
      const sent = sentRequests(p.uac);
      assert.deepEqual(sent.map((l) => l.split(' ')[0]), ['INVITE', 'ACK', 'BYE'], both(p));
      // Without Record-Route the ACK and BYE go to the 200's Contact and carry no Route.
      assert.match(sent[1], /^ACK sip:uas@127\.0\.0\.1:\d+;transport=UDP SIP\/2\.0$/);
      assert.doesNotMatch(p.uac.messages, /^Route:/m);
      assert.match(p.uac.messages, /Content-Type: application\/sdp[\s\S]*m=audio \d+ RTP\/AVP 0/);
    }
  });

  test('uac-call rr yes ↔ uas-answer-rr: Record-Route kept, ACK and BYE carry the Route (Figure E-2 shape)', async () => {
    const p = await pair({ scenario: 'uas-answer-rr' }, { scenario: 'uac-call', keys: { rr: 'yes' } });
    assertPassed(p);
    assert.match(p.uac.messages, /ACK sip:uas@[^\n]*\nVia:[^\n]*\nRoute: <sip:rr@127\.0\.0\.1:\d+;lr>/);
    assert.match(p.uac.messages, /BYE sip:uas@[^\n]*\nVia:[^\n]*\nRoute: <sip:rr@127\.0\.0\.1:\d+;lr>/);
  });

  test('the Record-Route check bites: rr yes without Record-Route fails, rr no with one fails', async () => {
    const missing = await pair({ scenario: 'uas-answer' }, { scenario: 'uac-call', keys: { rr: 'yes' } });
    assert.notEqual(missing.uac.code, 0, both(missing));
    assert.match(missing.uac.errors, /looking in 'yes:'/);
    const unwanted = await pair({ scenario: 'uas-answer-rr' }, { scenario: 'uac-call', keys: { rr: 'no' } });
    assert.notEqual(unwanted.uac.code, 0, both(unwanted));
    assert.match(unwanted.uac.errors, /looking in 'no:sip:'/);
  });

  test('uac-call ↔ uas-answer over TCP (-t t1)', async () => {
    const p = await pair({ scenario: 'uas-answer', transport: 'tcp' }, { scenario: 'uac-call', transport: 'tcp' });
    assertPassed(p);
    assert.match(p.uac.messages, /TCP message sent/);
    assert.match(p.uac.messages, /Via: SIP\/2\.0\/TCP /);
  });

  test('outbound proxy (-rsa): the Request-URI is the callee AOR, the messages go to the proxy address', async () => {
    const nobody = await freePort();
    const uas = await startUas({ scenario: 'uas-answer', timeoutS: 10 });
    try {
      const uac = await runUac({
        scenario: 'uac-call',
        target: { port: nobody },
        outboundProxy: { port: uas.port },
        pauseMs: 50,
        timeoutS: 5,
        keys: { ruri: 'sip:bob@example.com' },
      });
      const done = await uas.done;
      assert.equal(uac.code, 0, describePeer(uac));
      assert.equal(done.code, 0, describePeer(done));
      assert.match(done.messages, /^INVITE sip:bob@example\.com SIP\/2\.0\r?$/m);
      assert.match(done.messages, /^To: <sip:bob@example\.com>\r?$/m);
    } finally {
      await uas.stop();
    }
  });

  test('uac-cancel ↔ uas-noanswer: INVITE → 180 → CANCEL → 200 → 487 → ACK (Figure E-13 shape)', async () => {
    const p = await pair({ scenario: 'uas-noanswer' }, { scenario: 'uac-cancel' });
    assertPassed(p);
    assert.deepEqual(sentRequests(p.uac).map((l) => l.split(' ')[0]), ['INVITE', 'CANCEL', 'ACK'], both(p));
    // The CANCEL has the INVITE's branch; the 487 answers CSeq 1 INVITE with the 180's tag.
    const branches = [...p.uac.messages.matchAll(/message sent[^\n]*\n\n(INVITE|CANCEL) [\s\S]*?branch=([^\s;]+)/g)].map((m) => m[2]);
    assert.equal(branches.length, 2);
    assert.equal(branches[0], branches[1]);
    assert.match(p.uas.messages, /SIP\/2\.0 487 Request Terminated[\s\S]*?CSeq: 1 INVITE/);
  });

  test('uac-expect 486 ↔ uas-busy (Figure E-15 shape); uac-expect fails on another status', async () => {
    const busy = await pair({ scenario: 'uas-busy' }, { scenario: 'uac-expect', keys: { expect: 486 } });
    assertPassed(busy);
    assert.deepEqual(sentRequests(busy.uac).map((l) => l.split(' ')[0]), ['INVITE', 'ACK']);
    const wrong = await pair({ scenario: 'uas-error', keys: { status: 404 } }, { scenario: 'uac-expect', keys: { expect: 486 } });
    assert.notEqual(wrong.uac.code, 0, both(wrong));
    assert.match(wrong.uac.errors, /status_got:"404" and status_want:"486"/);
  });

  test('uas-error sends the status its key names (4xx, 5xx, 6xx) and takes the ACK; an unknown key fails', async () => {
    for (const status of [404, 503, 603]) {
      const p = await pair({ scenario: 'uas-error', keys: { status } }, { scenario: 'uac-expect', keys: { expect: status } });
      assertPassed(p);
      assert.match(p.uac.messages, new RegExp(`SIP/2\\.0 ${status} `));
    }
    const uas = await startUas({ scenario: 'uas-error', keys: { status: 499 }, timeoutS: 10 });
    try {
      await runUac({ scenario: 'uac-expect', target: { port: uas.port }, timeoutS: 2, keys: { expect: 499 } });
      const r = await uas.stop();
      assert.match(r.errors, /looking in '499'/, describePeer(r));
      assert.doesNotMatch(r.messages, /message sent/);
    } finally {
      await uas.stop();
    }
  });

  test('uac-maxforwards0 ↔ uas-error 483: Max-Forwards: 0 is sent and 483 acknowledged', async () => {
    const p = await pair({ scenario: 'uas-error', keys: { status: 483 } }, { scenario: 'uac-maxforwards0' });
    assertPassed(p);
    assert.match(p.uas.messages, /^Max-Forwards: 0\r?$/m);
  });

  test('uac-redirect ↔ uas-redirect: the 302 Contact is captured (Figure E-1 shape)', async () => {
    const p = await pair({ scenario: 'uas-redirect', keys: { target: 'sip:carol@10.1.2.3:5062' } }, { scenario: 'uac-redirect' });
    assertPassed(p);
    assert.match(p.uac.logs, /302 Contact: sip:carol@10\.1\.2\.3:5062/);
  });

  test('uas-silent takes the INVITE and answers nothing; the caller gets no response', async () => {
    const uas = await startUas({ scenario: 'uas-silent', pauseMs: 1500, timeoutS: 10 });
    try {
      const uac = await runUac({ scenario: 'uac-expect', target: { port: uas.port }, timeoutS: 2, keys: { expect: 408 } });
      assert.notEqual(uac.code, 0, describePeer(uac));
      assert.doesNotMatch(uac.messages, /message received/);
      const r = await uas.done;
      assert.equal(r.code, 0, describePeer(r));
      assert.match(r.messages, /message received[\s\S]*INVITE sip:/);
      assert.doesNotMatch(r.messages, /message sent/);
    } finally {
      await uas.stop();
    }
  });

  test('register add / refresh / remove, wildcard and query ↔ uas-registrar', async () => {
    const uas = await startUas({ scenario: 'uas-registrar', calls: 5, timeoutS: 15, keys: { binding: 'sip:alice@10.0.0.9:5060' } });
    try {
      const keys = { user: 'alice', domain: 'example.com' };
      for (const expires of [3600, 3600, 0]) {
        const r = await runUac({ scenario: 'register', target: { port: uas.port }, timeoutS: 5, keys: { ...keys, expires, contact: 'sip:alice@127.0.0.1:5999' } });
        assert.equal(r.code, 0, describePeer(r));
        assert.match(r.messages, /REGISTER sip:example\.com SIP\/2\.0[\s\S]*To: <sip:alice@example\.com>[\s\S]*Contact: <sip:alice@127\.0\.0\.1:5999>\r?\nExpires: (\d+)/);
        assert.match(r.messages, new RegExp(`Expires: ${expires}\\r?\\n`));
      }
      const wild = await runUac({ scenario: 'register-wildcard', target: { port: uas.port }, timeoutS: 5, keys });
      assert.equal(wild.code, 0, describePeer(wild));
      assert.match(wild.messages, /^Contact: \*\r?\nExpires: 0\r?$/m);
      const query = await runUac({ scenario: 'register-query', target: { port: uas.port }, timeoutS: 5, keys });
      assert.equal(query.code, 0, describePeer(query));
      assert.match(query.logs, /bindings: sip:alice@10\.0\.0\.9:5060/);
      const r = await uas.done;
      assert.equal(r.counts?.successful, 5, describePeer(r));
    } finally {
      await uas.stop();
    }
  });

  test('register-query fails when the 200 lists no binding', async () => {
    // A registrar with no bindings: answers every REGISTER 200 without a Contact.
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    sock.on('message', (m, from) => {
      const head = m.toString('latin1').split('\r\n');
      const keep = head.filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
      sock.send(['SIP/2.0 200 OK', ...keep, 'Content-Length: 0', '', ''].join('\r\n'), from.port, from.address);
    });
    try {
      const r = await runUac({ scenario: 'register-query', target: { port: (sock.address() as AddressInfo).port }, timeoutS: 5, keys: { user: 'alice', domain: 'example.com' } });
      assert.notEqual(r.code, 0, describePeer(r));
      assert.match(r.messages, /SIP\/2\.0 200 OK/);
      assert.match(r.errors, /Failed regexp match/);
    } finally {
      sock.close();
    }
  });
});
