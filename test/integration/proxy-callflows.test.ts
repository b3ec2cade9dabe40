// The guide's call flows through sipd with real SIP peers (sipp): registration, basic
// calls with and without Record-Route (Figures E-2, E-3), redirect (E-1), busy and
// errors (E-12 .. E-17), forking, CANCEL, a silent callee (408), Max-Forwards and loops.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURES } from '../helpers/index.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult, SippTransport } from '../helpers/sip-peers.js';

const S = (name: string) => path.join(FIXTURES, 'sipp', `${name}.xml`);

type Proxy = TestProxy;

function startSipd(extra: string[]): Promise<Proxy> {
  return startTestSipd(['Cisco_Registry On', 'SipT1InMs 100', 'SipT3InMs 2000', ...extra]);
}

const stopSipd = stopTestSipd;

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

/** Bind sip:USER@127.0.0.1:PORT (the proxy's domain) to a peer's address. */
async function register(p: Proxy, user: string, contact: string, transport: SippTransport = 'udp', expires = 300): Promise<SippPeerResult> {
  return runUac({ scenario: S('register'), target: { port: p.port }, transport, keys: { user, domain: `127.0.0.1:${p.port}`, contact, expires } });
}

async function call(p: Proxy, user: string, scenario: string, keys: Record<string, string> = {}, transport: SippTransport = 'udp'): Promise<SippPeerResult> {
  return runUac({ scenario: S(scenario), target: { port: p.port }, transport, keys: { ruri: `sip:${user}@127.0.0.1:${p.port}`, ...keys } });
}

async function uas(scenario: string, transport: SippTransport = 'udp', extra: { pauseMs?: number; keys?: Record<string, string> } = {}): Promise<SippPeer> {
  return startUas({ scenario: S(scenario), transport, timeoutS: 30, ...extra });
}

for (const transport of ['udp', 'tcp'] as const) {
  describe(`registration and calls through the proxy over ${transport.toUpperCase()}`, () => {
    let p: Proxy;
    before(async () => (p = await startSipd(['AddRecordRoute On'])));
    after(() => stopSipd(p));

    test('E-2: REGISTER, then INVITE/180/200/ACK/BYE with Record-Route', async () => {
      const bob = await uas('uas-answer', transport);
      try {
        ok(await register(p, 'bob', `sip:bob@${bob.address};transport=${transport}`, transport), 'REGISTER');
        ok(await call(p, 'bob', 'uac-call', { rr: 'yes' }, transport), 'call');
        ok(await bob.done, 'callee');
      } finally {
        await bob.stop();
      }
    });
  });
}

describe('proxy behaviours (UDP)', () => {
  let p: Proxy;
  before(async () => (p = await startSipd([])));
  after(() => stopSipd(p));

  test('E-3: a call without Record-Route (AddRecordRoute Off)', async () => {
    const bob = await uas('uas-answer');
    try {
      ok(await register(p, 'carol', `sip:carol@${bob.address}`), 'REGISTER');
      ok(await call(p, 'carol', 'uac-call', { rr: 'no' }), 'call');
    } finally {
      await bob.stop();
    }
  });

  test('E-15: the callee is busy — 486 comes back to the caller (and is ACKed hop by hop)', async () => {
    const bob = await uas('uas-busy');
    try {
      ok(await register(p, 'busy', `sip:busy@${bob.address}`), 'REGISTER');
      ok(await call(p, 'busy', 'uac-expect', { expect: '486' }), 'call');
      ok(await bob.done, 'callee got its ACK');
    } finally {
      await bob.stop();
    }
  });

  for (const status of ['404', '503', '603']) {
    test(`E-16/E-17: a ${status} from the callee reaches the caller unchanged`, async () => {
      const bob = await uas('uas-error', 'udp', { keys: { status } });
      try {
        ok(await register(p, `err${status}`, `sip:err${status}@${bob.address}`), 'REGISTER');
        ok(await call(p, `err${status}`, 'uac-expect', { expect: status }), 'call');
      } finally {
        await bob.stop();
      }
    });
  }

  test('forking: two contacts, one busy and one answering — the caller gets the 200', async () => {
    const busy = await uas('uas-busy');
    const answer = await uas('uas-answer');
    try {
      ok(await register(p, 'fork', `sip:fork@${busy.address}`), 'REGISTER busy phone');
      ok(await register(p, 'fork', `sip:fork@${answer.address}`), 'REGISTER answering phone');
      ok(await call(p, 'fork', 'uac-call', { rr: 'any' }), 'call');
      ok(await busy.done, 'busy phone got its ACK');
      ok(await answer.done, 'answering phone');
    } finally {
      await busy.stop();
      await answer.stop();
    }
  });

  test('CANCEL before answer: 200 to the CANCEL, 487 to the INVITE, the callee is cancelled too', async () => {
    const bob = await uas('uas-noanswer');
    try {
      ok(await register(p, 'ringing', `sip:ringing@${bob.address}`), 'REGISTER');
      ok(await call(p, 'ringing', 'uac-cancel'), 'caller');
      ok(await bob.done, 'callee saw the CANCEL');
    } finally {
      await bob.stop();
    }
  });

  test('a callee that never answers: 408 after Timer B (SipT1InMs 100 → 6.4 s)', async () => {
    const bob = await uas('uas-silent', 'udp', { pauseMs: 12000 });
    try {
      ok(await register(p, 'silent', `sip:silent@${bob.address}`), 'REGISTER');
      ok(await call(p, 'silent', 'uac-expect', { expect: '408' }), 'caller got 408');
    } finally {
      await bob.stop();
    }
  });

  test('Max-Forwards: 0 is refused with 483', async () => {
    ok(await call(p, 'anyone', 'uac-maxforwards0'), 'caller got 483');
  });

  test('a request that comes back unchanged is a loop: 482', async () => {
    // The host is not sipd's, but maddr sends the request back to sipd itself, unchanged.
    ok(await call(p, 'loop', 'uac-expect', { ruri: `sip:loop@elsewhere.invalid:${p.port};maddr=127.0.0.1`, expect: '482' }), 'caller got 482');
  });

  test('an unknown user of our domain gets 404', async () => {
    ok(await call(p, 'nobody', 'uac-expect', { expect: '404' }), 'caller got 404');
  });

  test('REGISTER refresh, query, remove and wildcard remove', async () => {
    const contact = 'sip:dave@127.0.0.1:5999';
    ok(await register(p, 'dave', contact), 'add');
    ok(await register(p, 'dave', contact, 'udp', 600), 'refresh');
    ok(await runUac({ scenario: S('register-query'), target: { port: p.port }, keys: { user: 'dave', domain: `127.0.0.1:${p.port}` } }), 'query lists it');
    ok(await register(p, 'dave', contact, 'udp', 0), 'remove');
    ok(await call(p, 'dave', 'uac-expect', { expect: '404' }), 'gone after remove');
    ok(await register(p, 'dave', contact), 'add again');
    ok(await register(p, 'dave', 'sip:dave@127.0.0.1:5998'), 'second contact');
    ok(await runUac({ scenario: S('register-wildcard'), target: { port: p.port }, keys: { user: 'dave', domain: `127.0.0.1:${p.port}` } }), 'wildcard remove');
    ok(await call(p, 'dave', 'uac-expect', { expect: '404' }), 'gone after wildcard');
  });
});

describe('redirect server (ServerType Redirect)', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['ServerType Redirect'])));
  after(() => stopSipd(p));

  test('E-1: a registered user is answered 302 with its contact', async () => {
    ok(await register(p, 'erin', 'sip:erin@192.0.2.10:5062'), 'REGISTER');
    const r = await call(p, 'erin', 'uac-redirect');
    ok(r, '302');
    assert.match(r.messages, /SIP\/2\.0 302 Moved Temporarily[\s\S]*Contact: <sip:erin@192\.0\.2\.10:5062>/);
  });

  test('several contacts: 300 Multiple Choices listing each with its q-value', async () => {
    ok(await register(p, 'frank', 'sip:frank@192.0.2.11:5060'), 'REGISTER 1');
    ok(await register(p, 'frank', 'sip:frank@192.0.2.12:5060'), 'REGISTER 2');
    const r = await call(p, 'frank', 'uac-expect', { expect: '300' });
    ok(r, '300');
    assert.match(r.messages, /SIP\/2\.0 300 Multiple Choices/);
    assert.match(r.messages, /192\.0\.2\.11/);
    assert.match(r.messages, /192\.0\.2\.12/);
  });
});

describe('redirect server resolving contacts (SipResolveLocalContactsInRedirectMode On, stateless)', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['ServerType Redirect', 'StatefulServer Off', 'SipResolveLocalContactsInRedirectMode On'])));
  after(() => stopSipd(p));

  test('the 302 carries the resolved address of a contact registered by name', async () => {
    ok(await register(p, 'hank', 'sip:hank@localhost:5064'), 'REGISTER');
    const r = await call(p, 'hank', 'uac-redirect');
    ok(r, '302');
    assert.match(r.messages, /SIP\/2\.0 302 Moved Temporarily[\s\S]*Contact: <sip:hank@(127\.0\.0\.1|\[::1\]):5064>/);
  });
});

describe('stateless proxy (StatefulServer Off)', () => {
  let p: Proxy;
  before(async () => (p = await startSipd(['StatefulServer Off'])));
  after(() => stopSipd(p));

  test('a call goes through with requests and responses forwarded statelessly', async () => {
    const bob = await uas('uas-answer');
    try {
      ok(await register(p, 'gina', `sip:gina@${bob.address}`), 'REGISTER');
      ok(await call(p, 'gina', 'uac-call', { rr: 'no' }), 'call');
    } finally {
      await bob.stop();
    }
  });
});
