// Guide chapter 1 on the wire, through a real sipd with sipp peers:
// - MaxForks (guide Appendix B, the SIP server core directives): a registered address with more contacts than
//   MaxForks is forked to MaxForks of them, highest q first (RFC 3261 §16.6);
// - "Spiralled and Looped Request Detection": a request that comes back to sipd with a
//   new Request-URI is a new request (routed again, record-routed again), not a loop;
// - "Registrar Server for Multiple Domains": ProxyDomain and a <VirtualProxyHost>
//   domain each keep their own users, while E.164 numbers are shared by every domain;
// - virtual proxy hosts (guide B-29): the virtual host's name and address stand for its
//   domain, for REGISTER and for calls.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult } from '../helpers/sip-peers.js';

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

/** How many requests of this method sipp received. */
function received(r: SippPeerResult, method: string): number {
  return r.messages.split(/^-+ .*$/m).filter((b) => /message received/i.test(b) && new RegExp(`^${method} \\S+ SIP/2\\.0$`, 'm').test(b)).length;
}

async function register(p: TestProxy, user: string, domain: string, contact: string, q?: string): Promise<void> {
  const r = await runUac({ scenario: q === undefined ? 'register' : 'register-q', target: { port: p.port }, keys: { user, domain, contact, expires: 300, ...(q !== undefined && { q }) } });
  ok(r, `REGISTER ${user}@${domain} → ${contact}`);
}

describe('MaxForks on the wire (MaxForks 2, four contacts)', () => {
  let p: TestProxy;
  before(async () => (p = await startTestSipd(['Cisco_Registry On', 'MaxForks 2', 'SipT1InMs 100'])));
  after(() => stopTestSipd(p));

  test('only the two contacts with the highest q get the INVITE; the caller cancels them', async () => {
    // Registered out of q order, so the order tried can only come from the q-values.
    const phones: { q: string; uas: SippPeer }[] = [];
    try {
      for (const q of ['0.5', '1.0', '0.3', '0.9']) phones.push({ q, uas: await startUas({ scenario: 'uas-noanswer', timeoutS: 20 }) });
      for (const { q, uas } of phones) await register(p, 'forked', `127.0.0.1:${p.port}`, `sip:forked@${uas.address}`, q);
      const caller = await runUac({ scenario: 'uac-cancel-forked', target: { port: p.port }, keys: { ruri: `sip:forked@127.0.0.1:${p.port}` } });
      ok(caller, 'caller: two 180s, then CANCEL → 200 and 487');
      const tags = [...caller.messages.matchAll(/^SIP\/2\.0 180 [\s\S]*?^To: [^\n]*;tag=(\S+)$/gm)].map((m) => m[1]);
      assert.equal(new Set(tags).size, 2, `two branches rang: ${tags.join(', ')}`);
      for (const { q, uas } of phones.filter((x) => x.q === '1.0' || x.q === '0.9')) {
        const r = await uas.done;
        ok(r, `q=${q}: INVITE, 180, CANCEL, 487`);
        assert.equal(received(r, 'INVITE'), 1, `q=${q} got one INVITE\n${describePeer(r)}`);
      }
      for (const { q, uas } of phones.filter((x) => x.q === '0.5' || x.q === '0.3')) {
        const r = await uas.stop();
        assert.equal(received(r, 'INVITE'), 0, `q=${q} is beyond MaxForks and got no INVITE\n${describePeer(r)}`);
      }
    } finally {
      for (const { uas } of phones) await uas.stop();
    }
  });
});

describe('Spiralled and Looped Request Detection (guide ch. 1)', () => {
  // Two proxies: sipd A forwards sip:alias@B to sipd B, whose registry sends it back to A
  // as sip:bob@A. A sees its own Via on a request with a new Request-URI: a spiral.
  let a: TestProxy;
  let b: TestProxy;
  before(async () => {
    a = await startTestSipd(['Cisco_Registry On', 'AddRecordRoute On', 'SipT1InMs 100']);
    b = await startTestSipd(['Cisco_Registry On', 'SipT1InMs 100']);
  });
  after(async () => {
    await stopTestSipd(a);
    await stopTestSipd(b);
  });

  test('a request that comes back with a new Request-URI is handled as new (routed, record-routed again), not refused 482', async () => {
    const bob = await startUas({ scenario: 'uas-answer', timeoutS: 20 });
    try {
      await register(b, 'alias', `127.0.0.1:${b.port}`, `sip:bob@127.0.0.1:${a.port}`);
      await register(a, 'bob', `127.0.0.1:${a.port}`, `sip:bob@${bob.address}`);
      ok(await runUac({ scenario: 'uac-call', target: { port: a.port }, keys: { ruri: `sip:alias@127.0.0.1:${b.port}`, rr: 'yes' } }), 'caller: the call is answered');
      const r = await bob.done;
      ok(r, 'callee');
      const invite = r.messages.split(/^-+ .*$/m).find((x) => /^INVITE /m.test(x)) ?? '';
      const vias = [...invite.matchAll(/^Via: SIP\/2\.0\/UDP 127\.0\.0\.1:(\d+);/gm)].map((m) => Number(m[1]));
      // A, B, A again, then the caller.
      assert.deepEqual(vias.slice(0, 3), [a.port, b.port, a.port], invite);
      // "If the Record-Route field ... is enabled, the record-route procedure is performed more than once."
      assert.equal(invite.match(new RegExp(`^Record-Route: <sip:127\\.0\\.0\\.1:${a.port};lr>`, 'gm'))?.length, 2, invite);
      assert.match(invite, new RegExp(`^INVITE sip:bob@${bob.address.replace(/\./g, '\\.')} SIP/2\\.0$`, 'm'), invite);
    } finally {
      await bob.stop();
    }
  });

  test('a request that comes back with the Request-URI it first had is a loop: 482', async () => {
    // x at A → y at B → x at A again: the second visit to A repeats the first one.
    await register(a, 'x', `127.0.0.1:${a.port}`, `sip:y@127.0.0.1:${b.port}`);
    await register(b, 'y', `127.0.0.1:${b.port}`, `sip:x@127.0.0.1:${a.port}`);
    ok(await runUac({ scenario: 'uac-expect', target: { port: a.port }, keys: { ruri: `sip:x@127.0.0.1:${a.port}`, expect: '482' } }), 'caller got 482');
  });
});

describe('Registrar Server for Multiple Domains and virtual proxy hosts (guide ch. 1, B-29)', () => {
  let p: TestProxy;
  before(
    async () =>
      (p = await startTestSipd([
        'Cisco_Registry On',
        'SipT1InMs 100',
        'ProxyDomain companya.example',
        'Cisco_Registry_Use_Virtual_Proxy_Host On',
        '<VirtualProxyHost b>',
        'Virtual_Proxy_Domain companyb.example',
        'Virtual_Proxy_Server_Name sip.companyb.example',
        'Virtual_Proxy_Server_IP 192.0.2.20',
        '</VirtualProxyHost>',
      ])),
  );
  after(() => stopTestSipd(p));

  const call = (ruri: string) => runUac({ scenario: 'uac-call', target: { port: p.port }, keys: { ruri } });

  test('2000@companya.example and 2000@companyb.example are two users, each reached on its own phone', async () => {
    const a = await startUas({ scenario: 'uas-answer', timeoutS: 20 });
    const b = await startUas({ scenario: 'uas-answer', timeoutS: 20 });
    try {
      await register(p, '2000', 'companya.example', `sip:2000@${a.address}`);
      await register(p, '2000', 'companyb.example', `sip:2000@${b.address}`);
      ok(await call('sip:2000@companyb.example'), 'call 2000 at CompanyB');
      ok(await call('sip:2000@companya.example'), 'call 2000 at CompanyA');
      for (const [name, uas] of [['CompanyA', a], ['CompanyB', b]] as const) {
        const r = await uas.done;
        ok(r, `${name}'s phone answered its own call`);
        assert.equal(received(r, 'INVITE'), 1, `${name}'s phone got exactly one INVITE\n${describePeer(r)}`);
      }
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  test('an E.164 number registered in one domain is reached from every domain (one registration)', async () => {
    const phone = await startUas({ scenario: 'uas-answer', calls: 3, timeoutS: 30 });
    try {
      await register(p, '+14085558000', 'companya.example', `sip:8000@${phone.address}`);
      ok(await call('sip:+14085558000@companyb.example'), 'as +14085558000@companyb.example');
      ok(await call(`sip:+14085558000@127.0.0.1:${p.port}`), 'as +14085558000 at the proxy address');
      ok(await call('sip:+1-408-555-8000@companya.example'), 'with visual separators');
      const r = await phone.done;
      ok(r, 'the phone answered all three');
      assert.equal(received(r, 'INVITE'), 3, describePeer(r));
    } finally {
      await phone.stop();
    }
  });

  test('a non-E.164 user stays private to its domain: 3000@companyb.example is not found at companya.example', async () => {
    await register(p, '3000', 'companyb.example', 'sip:3000@127.0.0.1:9');
    ok(await runUac({ scenario: 'uac-expect', target: { port: p.port }, keys: { ruri: 'sip:3000@companya.example', expect: '404' } }), '404 at CompanyA');
  });

  test("the virtual host's name and address stand for its domain: REGISTER at the name, called at the address and the domain", async () => {
    const phone = await startUas({ scenario: 'uas-answer', calls: 2, timeoutS: 30 });
    try {
      await register(p, '4000', 'sip.companyb.example', `sip:4000@${phone.address}`);
      ok(await call('sip:4000@192.0.2.20'), 'called at Virtual_Proxy_Server_IP');
      ok(await call('sip:4000@companyb.example'), 'called at Virtual_Proxy_Domain');
      const r = await phone.done;
      ok(r, 'the phone answered both');
      assert.equal(received(r, 'INVITE'), 2, describePeer(r));
    } finally {
      await phone.stop();
    }
  });

  test('a domain sipd does not serve cannot be registered: 404', async () => {
    const r = await runUac({ scenario: 'register', target: { port: p.port }, keys: { user: '2000', domain: 'companyc.example', contact: 'sip:2000@127.0.0.1:9', expires: 300 } });
    assert.notEqual(r.code, 0, describePeer(r));
    assert.match(r.messages, /^SIP\/2\.0 404 /m, describePeer(r));
  });
});
