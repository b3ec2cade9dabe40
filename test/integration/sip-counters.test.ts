// sipd's RFC 4780 counters (src/server/counters.ts) against what real sipp peers sent and
// received: REGISTERs to the registrar, answered calls through the proxy to a sipp UAS,
// calls to an unknown user (404) and to a busy UAS (486). The counters are read on the
// control socket, as stats_log and the AgentX subagent see them; every figure is checked
// against the peers' own message traces and call counts, so a retransmission on a slow
// machine changes both sides alike. The refusals of the "other" statistics (416, 420,
// 501) are checked with hand-made requests, and a REGISTER the registrar refuses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { controlRequest } from '../../src/server/control.js';
import { udpExchange } from '../helpers/index.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeerResult } from '../helpers/sip-peers.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';

/** One message of a sipp trace: which way it went, its start line, and what tells its copies apart. */
interface Traced {
  readonly dir: 'sent' | 'received';
  readonly method: string | undefined;
  readonly status: number | undefined;
  readonly cseqMethod: string;
  /** Start line, Call-ID, CSeq and top Via branch: equal for a message and its retransmissions. */
  readonly key: string;
}

function traced(r: SippPeerResult): Traced[] {
  const out: Traced[] = [];
  for (const block of r.messages.split(/^-+ .*$/m)) {
    const dir = /message sent/i.test(block) ? 'sent' : /message received/i.test(block) ? 'received' : undefined;
    if (!dir) continue;
    const lines = block.split(/\r?\n/).map((l) => l.trim());
    const start = lines.find((l) => /^(SIP\/2\.0 \d{3} |[A-Z]+ \S+ SIP\/2\.0$)/.test(l));
    if (!start) continue;
    const header = (name: string) => lines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.replace(/^[^:]*:\s*/, '') ?? '';
    const cseq = header('CSeq');
    const branch = /branch=([^;\s,]+)/.exec(header('Via'))?.[1] ?? '';
    const status = /^SIP\/2\.0 (\d{3}) /.exec(start);
    out.push({
      dir,
      method: status ? undefined : start.split(' ')[0],
      status: status ? Number(status[1]) : undefined,
      cseqMethod: cseq.split(/\s+/)[1] ?? '',
      key: [start, header('Call-ID'), cseq, branch].join('\n'),
    });
  }
  return out;
}

/** How many of these messages there are, and how many of them repeat one already seen (retransmissions). */
function tally(ms: readonly Traced[]): { all: number; distinct: number; repeats: number } {
  const distinct = new Set(ms.map((m) => m.key)).size;
  return { all: ms.length, distinct, repeats: ms.length - distinct };
}

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

async function counters(p: TestProxy): Promise<Record<string, number>> {
  const status = await controlRequest(p.sipd.controlPath!, { cmd: 'status' });
  return status.counters as Record<string, number>;
}

/** The sum of the snapshot entries whose name matches. */
function sum(c: Record<string, number>, name: RegExp): number {
  return Object.entries(c).reduce((n, [k, v]) => (name.test(k) ? n + v : n), 0);
}

describe('RFC 4780 counters against sipp (registrations, calls, 404, 486)', () => {
  let p: TestProxy;
  const told: string[] = [];
  before(async () => {
    p = await startTestSipd(['Cisco_Registry On', 'AddRecordRoute On']);
    p.sipd.counters.onResponse = (dir, method, status) => told.push(`${dir} ${method} ${status}`);
  });
  after(() => stopTestSipd(p));

  const N = 3; // REGISTERs
  const M = 2; // answered calls
  const K = 2; // calls to an unknown user: 404
  const J = 2; // calls to a busy UAS: 486

  test('every summary, method, retry, transaction and registrar figure matches what the sipp peers sent and received', async () => {
    const target = { port: p.port };
    const domain = `127.0.0.1:${p.port}`;
    const bob = await startUas({ scenario: 'uas-answer', calls: M, timeoutS: 40 });
    const busy = await startUas({ scenario: 'uas-busy', calls: J, timeoutS: 40 });
    const peers: { role: 'uac' | 'uas'; r: SippPeerResult }[] = [];
    try {
      for (const [user, contact] of [['bob', `sip:bob@${bob.address}`], ['busy', `sip:busy@${busy.address}`], ['dave', 'sip:dave@127.0.0.1:9']]) {
        const r = await runUac({ scenario: 'register', target, keys: { user, domain, contact, expires: 300 } });
        ok(r, `REGISTER ${user}`);
        peers.push({ role: 'uac', r });
      }
      const calls = await runUac({ scenario: 'uac-call', target, calls: M, rate: 5, timeoutS: 30, keys: { ruri: `sip:bob@${domain}`, rr: 'yes' } });
      ok(calls, 'answered calls');
      const unknown = await runUac({ scenario: 'uac-expect', target, calls: K, rate: 5, timeoutS: 30, keys: { ruri: `sip:nobody@${domain}`, expect: '404' } });
      ok(unknown, 'calls to an unknown user');
      const busyCalls = await runUac({ scenario: 'uac-expect', target, calls: J, rate: 5, timeoutS: 30, keys: { ruri: `sip:busy@${domain}`, expect: '486' } });
      ok(busyCalls, 'calls to a busy UAS');
      peers.push({ role: 'uac', r: calls }, { role: 'uac', r: unknown }, { role: 'uac', r: busyCalls });
      for (const [name, uas] of [['bob', bob], ['busy', busy]] as const) {
        const r = await uas.done;
        ok(r, `UAS ${name}`);
        peers.push({ role: 'uas', r });
      }
    } finally {
      await bob.stop();
      await busy.stop();
    }
    const inviteCalls = [peers[3], peers[4], peers[5]].reduce((n, x) => n + (x.r.counts?.created ?? NaN), 0);
    assert.equal(inviteCalls, M + K + J, 'sipp made the calls it was asked to');

    const c = await counters(p);
    const all = peers.flatMap((x) => traced(x.r).map((m) => ({ ...m, role: x.role })));
    const of = (f: (m: (typeof all)[number]) => boolean) => tally(all.filter(f));
    const detail = JSON.stringify(c, null, 1);

    // Summary: everything the peers sent reached sipd, everything they received came from it.
    assert.equal(c['rfc4780.inRequests'], of((m) => m.dir === 'sent' && !!m.method).all, detail);
    assert.equal(c['rfc4780.inResponses'], of((m) => m.dir === 'sent' && !!m.status).all, detail);
    assert.equal(c['rfc4780.outRequests'], of((m) => m.dir === 'received' && !!m.method).all, detail);
    assert.equal(c['rfc4780.outResponses'], of((m) => m.dir === 'received' && !!m.status).all, detail);

    // By method, without retransmissions.
    const sentByUacs = (method: string) => of((m) => m.role === 'uac' && m.dir === 'sent' && m.method === method).distinct;
    const gotByUases = (method: string) => of((m) => m.role === 'uas' && m.dir === 'received' && m.method === method).distinct;
    assert.equal(c['methodIn.INVITE'], M + K + J, detail);
    assert.equal(c['methodIn.INVITE'], sentByUacs('INVITE'), detail);
    assert.equal(c['methodIn.REGISTER'], N, detail);
    assert.equal(c['methodIn.BYE'], sentByUacs('BYE'), detail);
    assert.equal(c['methodIn.ACK'], sentByUacs('ACK'), detail);
    assert.equal(c['methodOut.INVITE'], M + J, detail);
    assert.equal(c['methodOut.INVITE'], gotByUases('INVITE'), detail);
    assert.equal(c['methodOut.BYE'], gotByUases('BYE'), detail);
    assert.equal(c['methodOut.ACK'], gotByUases('ACK'), detail);
    assert.equal(c['methodOut.REGISTER'], undefined, 'the registrar answers REGISTERs; none is sent on');

    // Retries: the copies the peers received again are exactly the ones sipd counted as
    // retransmissions (0 on an idle loopback). A 2xx to INVITE and the ACK of a 2xx are
    // relayed without a transaction and so are never retries.
    const repeats = (f: (m: (typeof all)[number]) => boolean) => of((m) => m.dir === 'received' && f(m)).repeats;
    assert.equal(sum(c, /^retries\.(?!ACK\.).*\.requests$/), repeats((m) => !!m.method && m.method !== 'ACK'), detail);
    assert.equal(sum(c, /^retries\..*\.nonFinalResponses$/), repeats((m) => !!m.status && m.status < 200), detail);
    assert.equal(sum(c, /^retries\..*\.finalResponses$/), repeats((m) => !!m.status && m.status >= 200 && !(m.cseqMethod === 'INVITE' && m.status < 300)), detail);

    // Transactions: one server transaction per request from the UACs but ACK, one client
    // transaction per request sent on to the UASs but ACK.
    const uacTxns = of((m) => m.role === 'uac' && m.dir === 'sent' && !!m.method && m.method !== 'ACK').distinct;
    const uasTxns = of((m) => m.role === 'uas' && m.dir === 'received' && !!m.method && m.method !== 'ACK').distinct;
    assert.equal(c['rfc4780.totalTransactions'], uacTxns + uasTxns, detail);

    // Registrar.
    assert.equal(c['rfc4780.regAccepted'], N, detail);
    assert.equal(c['rfc4780.regRejected'], 0, detail);
    assert.equal(c['registrations.active'], N, detail);

    // The response listener (the lead's per-status-code table): first transmissions only.
    const count = (s: string) => told.filter((x) => x === s).length;
    assert.equal(count('out INVITE 404'), K, told.join(', '));
    assert.equal(count('out INVITE 486'), J, told.join(', '));
    assert.equal(count('in INVITE 486'), J, told.join(', '));
    assert.equal(count('out REGISTER 200'), N, told.join(', '));
    assert.equal(count('in BYE 200'), M, told.join(', '));
    assert.equal(count('out BYE 200'), M, told.join(', '));
  });

  test('other statistics: an unsupported URI scheme (416), an unknown Proxy-Require (420), an unknown method to the proxy itself (501); a refused REGISTER', async () => {
    const before = await counters(p);
    const raw = (first: string, method: string, n: number, extra: string[] = []) =>
      [
        first,
        `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKother${n}`,
        'Max-Forwards: 70',
        `From: <sip:alice@127.0.0.1>;tag=o${n}`,
        `To: <sip:bob@127.0.0.1:${p.port}>`,
        `Call-ID: other-${n}@127.0.0.1`,
        `CSeq: 1 ${method}`,
        ...extra,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    assert.match((await udpExchange(p.port, raw('OPTIONS mailto:bob@example.com SIP/2.0', 'OPTIONS', 1)))!, /^SIP\/2\.0 416 /);
    assert.match((await udpExchange(p.port, raw(`OPTIONS sip:bob@127.0.0.1:${p.port} SIP/2.0`, 'OPTIONS', 2, ['Proxy-Require: x-no-such-extension'])))!, /^SIP\/2\.0 420 /);
    const answer = await udpExchange(p.port, raw(`FROB sip:127.0.0.1:${p.port} SIP/2.0`, 'FROB', 3));
    assert.match(answer!, /^SIP\/2\.0 501 /);
    assert.match(answer!, /\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER/);
    // A REGISTER sent to us for an AOR of a domain this registrar does not serve: the registrar refuses it (404).
    const register = raw(`REGISTER sip:127.0.0.1:${p.port} SIP/2.0`, 'REGISTER', 4, ['Contact: <sip:eve@127.0.0.1:9>', 'Expires: 300']).replace(/^To: .*$/m, 'To: <sip:eve@elsewhere.example>');
    assert.match((await udpExchange(p.port, register))!, /^SIP\/2\.0 404 /);
    const c = await counters(p);
    assert.equal(c['rfc4780.regRejected'] - before['rfc4780.regRejected'], 1);
    assert.equal(c['rfc4780.regAccepted'], before['rfc4780.regAccepted']);
    assert.equal(c['rfc4780.unsupportedUris'] - before['rfc4780.unsupportedUris'], 1);
    assert.equal(c['rfc4780.proxyReqFailures'] - before['rfc4780.proxyReqFailures'], 1);
    assert.equal(c['rfc4780.unsupportedMethods'] - before['rfc4780.unsupportedMethods'], 1);
    assert.equal(c['methodIn.FROB'], 1);
    assert.equal(c['rfc4780.inRequests'] - before['rfc4780.inRequests'], 4, 'three by hand and the REGISTER (no retransmission on loopback)');
  });
});
