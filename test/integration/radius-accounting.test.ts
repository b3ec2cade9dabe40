// RADIUS accounting end to end (guide Appendix B "Configuring Accounting Services"):
// calls made with sipp through sipd, records read from the detail file of a real
// FreeRADIUS (test/helpers/freeradius.ts). Covers one call's Start/Stop, unsuccessful
// calls, a two-branch fork's client-side records, both servers down (the spool), and a
// sipd killed -9 with records in its spool.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFreeRadius } from '../helpers/freeradius.js';
import type { DetailRecord, FreeRadius } from '../helpers/freeradius.js';
import { freePort } from '../helpers/ports.js';
import { sleep, startBin, waitFor } from '../helpers/run.js';
import type { Running } from '../helpers/run.js';
import { makeServerRoot, killMentioning } from '../helpers/serverroot.js';
import type { ServerRoot } from '../helpers/serverroot.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeerResult } from '../helpers/sip-peers.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { udpExchange } from '../helpers/udp.js';

const HOLD_MS = 2000;

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

/** The Call-ID sipp used (from its message trace). */
function callIdOf(r: SippPeerResult): string {
  const m = /^Call-ID:\s*(\S+)/im.exec(r.messages);
  assert.ok(m, `no Call-ID in the caller's trace\n${describePeer(r)}`);
  return m[1];
}

const ofCall = (callId: string) => (r: DetailRecord) => r.values('Cisco-AVPair').includes(`call-id=${callId}`);

/** sipd.conf lines for accounting to `primary` (and `secondary`). */
function acctLines(primary: FreeRadius, secondary?: FreeRadius): string[] {
  return [
    'SipT1InMs 100',
    'AddRecordRoute On',
    'Accounting On',
    'OrigUserNameSource From',
    'RadiusRetransmissionInterval 200',
    'RadiusRetransmissionCount 1',
    `PrimaryRadiusAcctIp ${primary.host}`,
    `PrimaryRadiusAcctPort ${primary.acctPort}`,
    `PrimaryRadiusAcctSecret ${primary.secret}`,
    ...(secondary ? [`SecondaryRadiusAcctIp ${secondary.host}`, `SecondaryRadiusAcctPort ${secondary.acctPort}`, `SecondaryRadiusAcctSecret ${secondary.secret}`] : []),
  ];
}

/** A call from alice through sipd to a sipp callee that answers, held HOLD_MS. */
async function answeredCall(sipdPort: number): Promise<string> {
  const bob = await startUas({ scenario: 'uas-answer', timeoutS: 30 });
  try {
    const r = await runUac({ scenario: 'uac-call', target: { port: sipdPort }, pauseMs: HOLD_MS, keys: { ruri: `sip:bob@${bob.address}`, rr: 'yes' } });
    ok(r, 'call');
    ok(await bob.done, 'callee');
    return callIdOf(r);
  } finally {
    await bob.stop();
  }
}

/** A call the callee refuses with 486. */
async function busyCall(sipdPort: number): Promise<string> {
  const bob = await startUas({ scenario: 'uas-busy', timeoutS: 30 });
  try {
    const r = await runUac({ scenario: 'uac-expect', target: { port: sipdPort }, keys: { ruri: `sip:bob@${bob.address}`, expect: '486' } });
    ok(r, 'busy call');
    return callIdOf(r);
  } finally {
    await bob.stop();
  }
}

/** An OPTIONS to sipd itself, to see it is up. */
function probe(port: number): string {
  const id = `${process.pid}-${Date.now()}`;
  return [`OPTIONS sip:127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKacct${id}`, 'Max-Forwards: 70', `From: <sip:probe@127.0.0.1>;tag=${id}`, `To: <sip:127.0.0.1:${port}>`, `Call-ID: acct-probe-${id}`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n');
}

function spoolLines(root: string): number {
  const f = path.join(root, 'data', 'radius-spool', 'records.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).length : 0;
}

describe('RADIUS accounting with FreeRADIUS', () => {
  let radius: FreeRadius;
  let second: FreeRadius;
  before(async () => {
    radius = await startFreeRadius();
    second = await startFreeRadius();
  });
  after(async () => {
    await radius?.remove();
    await second?.remove();
  });

  describe('one sipd, AccountingUnsuccessful Off', () => {
    let p: TestProxy;
    before(async () => (p = await startTestSipd([...acctLines(radius), 'AcctIncludeSIPHeader Contact'])));
    after(() => stopTestSipd(p));

    test('a call gets exactly one Start and one Stop with its Call-ID, user name and session time', async () => {
      const callId = await answeredCall(p.port);
      const recs = await radius.waitForRecords(2, ofCall(callId), 20_000);
      const kinds = recs.map((r) => r.value('Acct-Status-Type'));
      assert.deepEqual(kinds, ['Start', 'Stop'], radius.log().slice(-3000));
      const [start, stop] = recs;
      assert.equal(start.value('Acct-Session-Id'), stop.value('Acct-Session-Id'));
      assert.equal(start.value('User-Name'), 'alice');
      assert.equal(stop.value('User-Name'), 'alice');
      assert.ok(start.values('h323-call-origin').includes('h323-call-origin=answer'));
      const seconds = Number(stop.value('Acct-Session-Time'));
      assert.ok(Math.abs(seconds - HOLD_MS / 1000) <= 1, `Acct-Session-Time ${seconds} for a ${HOLD_MS} ms call`);
      assert.equal(stop.values('h323-disconnect-time').length, 1);
      // AcctIncludeSIPHeader Contact: the 200's Contact in the Start, the BYE's in the Stop.
      assert.ok(start.values('Cisco-AVPair').some((v) => /^sip-hdr=Contact: <sip:uas@/.test(v)), start.values('Cisco-AVPair').join('\n'));
      assert.ok(stop.values('Cisco-AVPair').some((v) => /^sip-hdr=Contact: <sip:alice@/.test(v)), stop.values('Cisco-AVPair').join('\n'));
    });

    test('an unsuccessful call gets no record', async () => {
      const busy = await busyCall(p.port);
      // Records go out in event order: once a later call's Start is in, the busy call had its chance.
      const later = await answeredCall(p.port);
      await radius.waitForRecords(1, ofCall(later), 20_000);
      assert.equal(radius.records().filter(ofCall(busy)).length, 0);
    });
  });

  describe('one sipd, AccountingUnsuccessful On, client side On', () => {
    let p: TestProxy;
    before(async () => (p = await startTestSipd([...acctLines(radius), 'Cisco_Registry On', 'AccountingUnsuccessful On', 'AccountingClientSide On'])));
    after(() => stopTestSipd(p));

    test('an unsuccessful call gets one Stop with its cause, on each side', async () => {
      const busy = await busyCall(p.port);
      const recs = await radius.waitForRecords(2, ofCall(busy), 20_000);
      assert.deepEqual(recs.map((r) => r.value('Acct-Status-Type')), ['Stop', 'Stop']);
      assert.deepEqual(recs.map((r) => r.value('h323-call-origin')).sort(), ['h323-call-origin=answer', 'h323-call-origin=originate']);
      for (const r of recs) assert.equal(r.value('h323-disconnect-cause'), 'h323-disconnect-cause=11');
    });

    test('a two-branch fork: client-side records for the busy branch and the answering one, server side for the caller', async () => {
      const busyPhone = await startUas({ scenario: 'uas-busy', timeoutS: 30 });
      const answering = await startUas({ scenario: 'uas-answer', timeoutS: 30 });
      try {
        for (const phone of [busyPhone, answering]) {
          ok(await runUac({ scenario: 'register', target: { port: p.port }, keys: { user: 'fork', domain: `127.0.0.1:${p.port}`, contact: `sip:fork@${phone.address}`, expires: 300 } }), 'REGISTER');
        }
        const r = await runUac({ scenario: 'uac-call', target: { port: p.port }, pauseMs: 500, keys: { ruri: `sip:fork@127.0.0.1:${p.port}`, rr: 'any' } });
        ok(r, 'call');
        const callId = callIdOf(r);
        const recs = await radius.waitForRecords(5, ofCall(callId), 20_000);
        const seen = recs.map((x) => `${x.value('h323-call-origin')?.split('=')[1]} ${x.value('Acct-Status-Type')} ${x.value('Called-Station-Id')}`).sort();
        assert.deepEqual(seen, ['answer Start fork', 'answer Stop fork', 'originate Start fork', 'originate Stop fork', 'originate Stop fork']);
        const client = recs.filter((x) => x.value('h323-call-origin') === 'h323-call-origin=originate');
        const causes = client.filter((x) => x.value('Acct-Status-Type') === 'Stop').map((x) => x.value('h323-disconnect-cause')).sort();
        assert.deepEqual(causes, ['h323-disconnect-cause=10', 'h323-disconnect-cause=11']);
        // The answering branch's Start and Stop share a session id; the busy branch has its own.
        const ids = new Set(client.map((x) => x.value('Acct-Session-Id')));
        assert.equal(ids.size, 2);
      } finally {
        await busyPhone.stop();
        await answering.stop();
      }
    });
  });

  describe('failover and the spool', () => {
    let p: TestProxy;
    before(async () => (p = await startTestSipd(acctLines(radius, second))));
    after(async () => {
      await stopTestSipd(p);
      if (!radius.running) await radius.start();
      if (!second.running) await second.start();
    });

    test('primary stopped: the secondary receives the records', async () => {
      await radius.stop();
      const callId = await answeredCall(p.port);
      const recs = await second.waitForRecords(2, ofCall(callId), 30_000);
      assert.deepEqual(recs.map((r) => r.value('Acct-Status-Type')), ['Start', 'Stop']);
    });

    test('both stopped: records wait in the spool and arrive after a restart, in order, with Acct-Delay-Time', async () => {
      if (radius.running) await radius.stop();
      await second.stop();
      const callId = await answeredCall(p.port);
      await waitFor('two records in the spool', () => spoolLines(p.sr.root) >= 2, 60_000, 200);
      // Let the records age a little before a server comes back.
      await sleep(1500);
      await radius.start();
      const recs = await radius.waitForRecords(2, ofCall(callId), 60_000);
      assert.deepEqual(recs.map((r) => r.value('Acct-Status-Type')), ['Start', 'Stop']);
      for (const r of recs) assert.ok(Number(r.value('Acct-Delay-Time')) >= 1, `Acct-Delay-Time ${r.value('Acct-Delay-Time')}`);
      await waitFor('the spool to empty', () => spoolLines(p.sr.root) === 0, 20_000, 200);
    });
  });

  describe('sipd killed -9 with records in its spool', () => {
    let sr: ServerRoot | undefined;
    let sipd: Running | undefined;
    const startSipd = async (root: ServerRoot): Promise<Running> => {
      const s = startBin('sipd', ['-X', '-f', root.conf], 120_000);
      await waitFor('sipd to answer OPTIONS', async () => /^SIP\/2\.0 200 /.test((await udpExchange(root.port, probe(root.port), 300)) ?? ''), 15_000, 200);
      return s;
    };
    after(async () => {
      sipd?.child.kill('SIGKILL');
      if (sr) {
        killMentioning(sr.conf);
        sr.remove();
      }
      if (!radius.running) await radius.start();
    });

    test('a call open when sipd is killed -9 gets its Stop from the next sipd', async () => {
      if (!radius.running) await radius.start();
      sr ??= makeServerRoot(await freePort(), acctLines(radius));
      sipd = await startSipd(sr);
      const starts = (r: DetailRecord) => r.value('Acct-Status-Type') === 'Start';
      const before = radius.records().filter(starts).length;
      const bob = await startUas({ scenario: 'uas-answer', timeoutS: 40 });
      // A long hold: the call is still up when sipd is killed.
      const caller = runUac({ scenario: 'uac-call', target: { port: sr.port }, pauseMs: 8000, timeoutS: 30, keys: { ruri: `sip:bob@${bob.address}`, rr: 'yes' } });
      try {
        const [start] = (await radius.waitForRecords(before + 1, starts, 30_000)).slice(before);
        const callId = /^call-id=(.*)$/.exec(start.values('Cisco-AVPair').find((v) => v.startsWith('call-id=')) ?? '')?.[1];
        assert.ok(callId, JSON.stringify(start));
        sipd.child.kill('SIGKILL');
        await sipd.done;
        sipd = await startSipd(sr);
        const stop = (await radius.waitForRecords(1, (r) => ofCall(callId)(r) && r.value('Acct-Status-Type') === 'Stop', 30_000))[0];
        assert.equal(stop.value('Acct-Session-Id'), start.value('Acct-Session-Id'), 'the Stop closes the Start the killed sipd sent');
        assert.equal(stop.value('h323-disconnect-cause'), 'h323-disconnect-cause=66');
        assert.ok(Number(stop.value('Acct-Session-Time')) <= 8, `Acct-Session-Time ${stop.value('Acct-Session-Time')}: ended when the killed sipd was last alive, not now`);
        assert.match(sr.readErrorLog(), /1 call leg\(s\) were open when sipd last stopped/);
      } finally {
        await caller.catch(() => undefined);
        await bob.stop();
      }
    });

    test('the spooled records are sent by the next sipd', async () => {
      sipd?.child.kill('SIGKILL');
      await sipd?.done;
      if (radius.running) await radius.stop();
      sr ??= makeServerRoot(await freePort(), acctLines(radius));
      sipd = await startSipd(sr);
      const callId = await answeredCall(sr.port);
      await waitFor('two records in the spool', () => spoolLines(sr!.root) >= 2, 60_000, 200);
      sipd.child.kill('SIGKILL');
      await sipd.done;
      // Let the records age past a second, so their Acct-Delay-Time must show it (a fast
      // restart would otherwise deliver the Stop within the second it was written).
      await sleep(1500);
      await radius.start();
      sipd = await startSipd(sr);
      const recs = await radius.waitForRecords(2, ofCall(callId), 60_000);
      assert.deepEqual(recs.map((r) => r.value('Acct-Status-Type')), ['Start', 'Stop']);
      for (const r of recs) assert.ok(Number(r.value('Acct-Delay-Time')) >= 1, `Acct-Delay-Time ${r.value('Acct-Delay-Time')}`);
    });
  });
});
