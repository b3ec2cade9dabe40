// Privacy (CLIR) through sipd with real SIP peers: the guide's Appendix E "Call-Flow
// Scenarios with CLIR Support". ATA phones (A1-A3) live on 127.0.0.1, which is neither
// trusted upstream (Deny from) nor downstream (Deny to): they must authenticate. The
// PSTN gateway (PGW, P1 and P2 behind it) lives on 127.0.0.100, trusted both ways.
// Every caller asks for privacy (From "Anonymous"); every forwarding party is private
// (Diversion privacy=full, or RedirectDNPrivacy on its subscriber record). The tests read
// the identity headers each peer received from its sipp message trace.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedSubscriberStore } from '../../src/stores/embedded/subscriber-store.js';
import { makeSecret } from '../../src/stores/secret.js';
import type { Subscriber } from '../../src/stores/subscriber-store.js';
import { FIXTURES, sleep } from '../helpers/index.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult } from '../helpers/sip-peers.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';

const S = (name: string) => path.join(FIXTURES, 'sipp', `${name}.xml`);
const ATA = '127.0.0.1';
const PGW = '127.0.0.100';
const REALM = 'CISCO';
const PASSWORD = 'clir-secret';
const DOMAIN = 'sps.example';

type Proxy = TestProxy & { readonly subscribers: EmbeddedSubscriberStore };

async function startSipd(): Promise<Proxy> {
  const p = await startTestSipd([
    'Cisco_Registry On',
    'SipT1InMs 100',
    `ProxyDomain ${DOMAIN}`,
    'Recursive On',
    'Order Deny,Allow',
    `Deny from ${ATA}`,
    `Allow from ${PGW}`,
    `Deny to ${ATA}`,
    `Allow to ${PGW}`,
    'Satisfy Any',
    'Authentication On',
    `AuthRealm ${REALM}`,
    'Privacy On',
    'PrivacyWithPAI On',
    'PrivacyWithRPID On',
    'PrivacyWithDiversion On',
    'CallForwardBusy On',
    'DiversionHeaderName Diversion',
  ], { keepStore: true });
  await p.subscribers!.add(subscriber('5001', {}));
  return { ...p, subscribers: p.subscribers! };
}

function subscriber(user: string, fields: Partial<Subscriber>): Subscriber {
  return { user, domain: '', secret: makeSecret(user, REALM, PASSWORD), firstName: '', middleName: '', lastName: user, cfu: '', cfb: '', cfna: '', cfunv: '', redirectDnPrivacy: false, ...fields };
}

const stopSipd = stopTestSipd;

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

const aor = (p: Proxy, user: string) => `sip:${user}@127.0.0.1:${p.port}`;

/** A private subscriber (RedirectDNPrivacy) whose phone is `phone`, forwarding on busy to `cfb`. */
async function privateSubscriber(p: Proxy, user: string, phone: SippPeer, cfb = ''): Promise<void> {
  await p.subscribers.add(subscriber(user, { cfb, redirectDnPrivacy: true }));
  await sleep(300); // sipd's reader looks at the files at most every 100 ms
  // Registered from the trusted side (the ATA address would have to authenticate).
  ok(await runUac({ scenario: S('register'), host: PGW, target: { port: p.port }, keys: { user, domain: `127.0.0.1:${p.port}`, contact: `sip:${user}@${phone.address}`, expires: 300 } }), `REGISTER ${user}`);
}

/** A1 (5001, authenticated) calls anonymously, with a forged identity of its own. */
function a1Calls(p: Proxy, user: string): Promise<SippPeerResult> {
  return runUac({
    scenario: S('uac-identity-auth'),
    host: ATA,
    target: { port: p.port },
    keys: { ruri: aor(p, user), caller: '5001', display: 'Anonymous', pai: '9999', rpidprivacy: 'off', privacy: 'none' },
    // sipp signs "sip:" + -auth_uri; by default that is the proxy's address, not the Request-URI.
    extraArgs: ['-au', '5001', '-ap', PASSWORD, '-auth_uri', aor(p, user).slice('sip:'.length)],
  });
}

/** P1 (4081112222) calls anonymously through the PGW, which asserts its number. */
function p1Calls(p: Proxy, user: string): Promise<SippPeerResult> {
  return runUac({
    scenario: S('uac-identity'),
    host: PGW,
    target: { port: p.port },
    keys: { ruri: aor(p, user), caller: '4081112222', display: 'Anonymous', pai: '4081112222', rpidprivacy: 'full', privacy: 'id' },
  });
}

/** The values of one header in the last INVITE of a trace (names compared without case). */
function invited(r: SippPeerResult, name: string): string[] {
  const at = r.messages.lastIndexOf('INVITE sip:');
  assert.ok(at >= 0, `no INVITE received\n${describePeer(r)}`);
  const end = /\r?\n\r?\n/.exec(r.messages.slice(at));
  const head = r.messages.slice(at, end ? at + end.index : undefined);
  const n = name.toLowerCase() + ':';
  return head
    .split(/\r?\n/)
    .filter((l) => l.toLowerCase().startsWith(n))
    .map((l) => l.slice(n.length).trim());
}

/** Start peers and always stop them. */
async function withPeers(specs: { scenario: string; host: string; keys?: Record<string, string> }[], body: (peers: SippPeer[]) => Promise<void>): Promise<void> {
  const peers: SippPeer[] = [];
  try {
    for (const s of specs) peers.push(await startUas({ scenario: S(s.scenario), host: s.host, keys: s.keys, timeoutS: 30 }));
    await body(peers);
  } finally {
    for (const peer of peers) await peer.stop();
  }
}

const ANON_DIV = (reason: string) => new RegExp(`^<sip:Anonymous@Anonymous>;reason=${reason};.*privacy=full`);

describe('CLIR call flows (Privacy, PrivacyWithPAI, PrivacyWithRPID, PrivacyWithDiversion On)', () => {
  let p: Proxy;
  before(async () => (p = await startSipd()));
  after(() => stopSipd(p));

  test('E-23 A1 call A2 redirect to A3', async () => {
    await withPeers([{ scenario: 'uas-answer-ack', host: ATA }], async ([a3]) => {
      await withPeers([{ scenario: 'uas-redirect-diversion', host: ATA, keys: { target: `sip:5003@${a3.address}`, diverted: `sip:5002@${ATA}:5999` } }], async ([a2]) => {
        await privateSubscriber(p, '5002', a2);
        ok(await a1Calls(p, '5002'), 'A1 reaches A3');
        const r2 = await a2.done;
        assert.deepEqual(invited(r2, 'P-Asserted-Identity'), [], 'A2 is untrusted: no PAI');
        assert.deepEqual(invited(r2, 'Remote-Party-ID'), [], 'A2 is untrusted: no RPID');
        assert.deepEqual(invited(r2, 'Privacy'), ['id'], 'the Anonymous caller\'s privacy is made explicit');
        const r3 = await a3.done;
        assert.deepEqual(invited(r3, 'P-Asserted-Identity'), []);
        assert.deepEqual(invited(r3, 'Remote-Party-ID'), []);
        const div = invited(r3, 'Diversion');
        assert.equal(div.length, 1, `A3 learns the call was diverted:\n${r3.messages}`);
        assert.match(div[0], ANON_DIV('unconditional'));
      });
    });
  });

  test('E-24 A1 call A2 call forward busy to A3', async () => {
    await withPeers([{ scenario: 'uas-busy', host: ATA }, { scenario: 'uas-answer-ack', host: ATA }], async ([a2, a3]) => {
      await privateSubscriber(p, '5102', a2, `sip:5003@${a3.address}`);
      ok(await a1Calls(p, '5102'), 'A1 reaches A3');
      const r3 = await a3.done;
      assert.deepEqual(invited(r3, 'P-Asserted-Identity'), []);
      assert.deepEqual(invited(r3, 'Remote-Party-ID'), []);
      assert.deepEqual(invited(r3, 'Privacy'), ['id']);
      assert.deepEqual(invited(r3, 'Diversion'), ['<sip:Anonymous@Anonymous>;reason="user-busy";counter=1;privacy=full']);
    });
  });

  test('E-26 A1 call A2 redirect to P1', async () => {
    await withPeers([{ scenario: 'uas-answer-ack', host: PGW }], async ([p1]) => {
      await withPeers([{ scenario: 'uas-redirect-diversion', host: ATA, keys: { target: `sip:4085550001@${p1.address}`, diverted: `sip:5202@${ATA}:5999` } }], async ([a2]) => {
        await privateSubscriber(p, '5202', a2);
        ok(await a1Calls(p, '5202'), 'A1 reaches P1');
        const r1 = await p1.done;
        assert.deepEqual(invited(r1, 'P-Asserted-Identity'), [`<sip:5001@${DOMAIN}>`], 'the PGW is trusted: it gets the identity SPS asserts');
        assert.deepEqual(invited(r1, 'Remote-Party-ID'), [`<sip:5001@${DOMAIN}>;party=calling;screen=yes;privacy=full`]);
        assert.deepEqual(invited(r1, 'Privacy'), ['id']);
        // The redirecting phone's Diversion is corrected to the number A1 dialled, and kept private.
        assert.deepEqual(invited(r1, 'Diversion'), [`<${aor(p, '5202')}>;reason=unconditional;privacy=full`]);
      });
    });
  });

  test('E-27 A1 call A2 call forward busy to P1', async () => {
    await withPeers([{ scenario: 'uas-busy', host: ATA }, { scenario: 'uas-answer-ack', host: PGW }], async ([a2, p1]) => {
      await privateSubscriber(p, '5203', a2, `sip:4085550001@${p1.address}`);
      ok(await a1Calls(p, '5203'), 'A1 reaches P1');
      const r1 = await p1.done;
      assert.deepEqual(invited(r1, 'P-Asserted-Identity'), [`<sip:5001@${DOMAIN}>`]);
      assert.deepEqual(invited(r1, 'Remote-Party-ID'), [`<sip:5001@${DOMAIN}>;party=calling;screen=yes;privacy=full`]);
      assert.deepEqual(invited(r1, 'Diversion'), [`<${aor(p, '5203')}>;reason="user-busy";counter=1;privacy=full`]);
    });
  });

  test('E-29 P1 call A1 redirect to A2', async () => {
    await withPeers([{ scenario: 'uas-answer-ack', host: ATA }], async ([a2]) => {
      await withPeers([{ scenario: 'uas-redirect-diversion', host: ATA, keys: { target: `sip:5002@${a2.address}`, diverted: `sip:5301@${ATA}:5999` } }], async ([a1]) => {
        await privateSubscriber(p, '5301', a1);
        ok(await p1Calls(p, '5301'), 'P1 reaches A2');
        const r1 = await a1.done;
        assert.deepEqual(invited(r1, 'P-Asserted-Identity'), [], 'A1 is untrusted: P1\'s number is withheld');
        assert.deepEqual(invited(r1, 'Remote-Party-ID'), []);
        const r2 = await a2.done;
        assert.deepEqual(invited(r2, 'P-Asserted-Identity'), []);
        assert.deepEqual(invited(r2, 'Remote-Party-ID'), []);
        const div = invited(r2, 'Diversion');
        assert.equal(div.length, 1, `"INVITE 5002 Div: Anonymous privacy=full":\n${r2.messages}`);
        assert.match(div[0], ANON_DIV('unconditional'));
      });
    });
  });

  test('E-30 P1 call A1 call forward busy to A2', async () => {
    await withPeers([{ scenario: 'uas-busy', host: ATA }, { scenario: 'uas-answer-ack', host: ATA }], async ([a1, a2]) => {
      await privateSubscriber(p, '5302', a1, `sip:5002@${a2.address}`);
      ok(await p1Calls(p, '5302'), 'P1 reaches A2');
      const r2 = await a2.done;
      assert.deepEqual(invited(r2, 'P-Asserted-Identity'), []);
      assert.deepEqual(invited(r2, 'Remote-Party-ID'), []);
      assert.deepEqual(invited(r2, 'Privacy'), ['id']);
      assert.deepEqual(invited(r2, 'Diversion'), ['<sip:Anonymous@Anonymous>;reason="user-busy";counter=1;privacy=full']);
    });
  });

  test('E-32 P1 call A1 redirect to P2', async () => {
    await withPeers([{ scenario: 'uas-answer-ack', host: PGW }], async ([p2]) => {
      await withPeers([{ scenario: 'uas-redirect-diversion', host: ATA, keys: { target: `sip:4085552222@${p2.address}`, diverted: `sip:5401@${ATA}:5999` } }], async ([a1]) => {
        await privateSubscriber(p, '5401', a1);
        ok(await p1Calls(p, '5401'), 'P1 reaches P2');
        assert.deepEqual(invited(await a1.done, 'P-Asserted-Identity'), []);
        const r2 = await p2.done;
        assert.deepEqual(invited(r2, 'P-Asserted-Identity'), [`<sip:4081112222@${PGW}>`], 'trusted to trusted: P1\'s number passes');
        assert.deepEqual(invited(r2, 'Remote-Party-ID'), [`"4081112222" <sip:4081112222@${PGW}>;party=calling;screen=yes;privacy=full`]);
        assert.deepEqual(invited(r2, 'Diversion'), [`<${aor(p, '5401')}>;reason=unconditional;privacy=full`]);
      });
    });
  });

  test('E-33 P1 call A1 call forward busy to P2', async () => {
    await withPeers([{ scenario: 'uas-busy', host: ATA }, { scenario: 'uas-answer-ack', host: PGW }], async ([a1, p2]) => {
      await privateSubscriber(p, '5402', a1, `sip:4085552222@${p2.address}`);
      ok(await p1Calls(p, '5402'), 'P1 reaches P2');
      const r2 = await p2.done;
      assert.deepEqual(invited(r2, 'P-Asserted-Identity'), [`<sip:4081112222@${PGW}>`]);
      assert.deepEqual(invited(r2, 'Remote-Party-ID'), [`"4081112222" <sip:4081112222@${PGW}>;party=calling;screen=yes;privacy=full`]);
      assert.deepEqual(invited(r2, 'Privacy'), ['id']);
      assert.deepEqual(invited(r2, 'Diversion'), [`<${aor(p, '5402')}>;reason="user-busy";counter=1;privacy=full`]);
    });
  });
});
