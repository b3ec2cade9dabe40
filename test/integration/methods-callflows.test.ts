// Guide Appendix A, Table A-2 ("SIP Methods"): sipd forwards INFO, NOTIFY, SUBSCRIBE,
// REFER, UPDATE and PRACK, and "handles unknown methods such as NEWMETHOD in the same
// manner as known methods". Each is sent by a sipp caller to a registered sipp callee
// through a real sipd, stateful and stateless (StatefulServer On/Off), over UDP and TCP:
// - outside a dialog: MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO and FOO, one request each;
// - inside an INVITE dialog that sipd record-routes, as the RFCs use them: PRACK for a
//   reliable 183 (RFC 3262), UPDATE (RFC 3311), INFO, REFER and the NOTIFY that reports
//   on it (RFC 3515), the NOTIFY going from callee to caller.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sippScenarioCopy } from '../helpers/sipp.js';
import { startTestSipd, stopTestSipd } from '../helpers/sipd.js';
import type { TestProxy } from '../helpers/sipd.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeerResult, SippTransport } from '../helpers/sip-peers.js';

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

/** The request lines sipp received, in order ("FOO sip:…"). */
function requestsReceived(r: SippPeerResult): string[] {
  const lines: string[] = [];
  for (const block of r.messages.split(/^-+ .*$/m)) {
    if (!/message received/i.test(block) && !/received \[/i.test(block)) continue;
    const m = /^([A-Z]+) sip:\S+ SIP\/2\.0$/m.exec(block);
    if (m) lines.push(m[1]);
  }
  return lines;
}

async function register(p: TestProxy, user: string, contact: string, transport: SippTransport): Promise<void> {
  ok(await runUac({ scenario: 'register', target: { port: p.port }, transport, keys: { user, domain: `127.0.0.1:${p.port}`, contact, expires: 300 } }), `REGISTER ${user}`);
}

const OUT_OF_DIALOG = ['MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'INFO', 'FOO'] as const;

for (const stateful of [true, false]) {
  describe(`Table A-2 methods through a ${stateful ? 'stateful' : 'stateless'} proxy (StatefulServer ${stateful ? 'On' : 'Off'})`, () => {
    let p: TestProxy;
    before(async () => (p = await startTestSipd(['Cisco_Registry On', 'AddRecordRoute On', `StatefulServer ${stateful ? 'On' : 'Off'}`, 'SipT1InMs 100'])));
    after(() => stopTestSipd(p));

    for (const transport of ['udp', 'tcp'] as const) {
      for (const method of OUT_OF_DIALOG) {
        test(`${method} over ${transport.toUpperCase()} reaches the callee and its answer comes back`, async () => {
          const user = `${method.toLowerCase()}-${transport}`;
          const bob = await startUas({ scenario: 'uas-request', transport, timeoutS: 20 });
          const scenario = sippScenarioCopy('uac-request', { METHOD: method });
          try {
            await register(p, user, `sip:${user}@${bob.address};transport=${transport}`, transport);
            const r = await runUac({ scenario: scenario.path, target: { port: p.port }, transport, keys: { ruri: `sip:${user}@127.0.0.1:${p.port}` } });
            ok(r, `${method} from the caller`);
            const expected = method === 'REFER' || method === 'SUBSCRIBE' ? '202 Accepted' : '200 OK';
            assert.match(r.messages, new RegExp(`^SIP/2\\.0 ${expected}$[\\s\\S]*^CSeq: 1 ${method}$`, 'm'), `the caller got ${expected}\n${describePeer(r)}`);
            const callee = await bob.done;
            ok(callee, 'callee');
            assert.deepEqual(requestsReceived(callee), [method], `the callee got the ${method}\n${describePeer(callee)}`);
            // The request crossed sipd: its Via is on top of the caller's.
            assert.match(callee.messages, new RegExp(`^${method} sip:${user}@[\\s\\S]*?^Via: SIP/2\\.0/${transport.toUpperCase()} 127\\.0\\.0\\.1:${p.port};[^\\n]*\\n^Via: SIP/2\\.0/${transport.toUpperCase()} 127\\.0\\.0\\.1:`, 'm'), describePeer(callee));
          } finally {
            scenario.remove();
            await bob.stop();
          }
        });
      }

      test(`INVITE dialog over ${transport.toUpperCase()}: PRACK, UPDATE, INFO, REFER and NOTIFY cross the record-routing proxy`, async () => {
        const user = `dialog-${transport}`;
        const bob = await startUas({ scenario: 'uas-dialog-methods', transport, timeoutS: 20 });
        try {
          await register(p, user, `sip:${user}@${bob.address};transport=${transport}`, transport);
          const r = await runUac({ scenario: 'uac-dialog-methods', target: { port: p.port }, transport, keys: { ruri: `sip:${user}@127.0.0.1:${p.port}` } });
          if (r.code !== 0) assert.fail(`caller failed\n${describePeer(r)}\n=== callee ===\n${describePeer(await bob.stop())}\n=== sipd error_log ===\n${p.sr.readErrorLog()}`);
          const callee = await bob.done;
          ok(callee, 'callee');
          assert.deepEqual(requestsReceived(callee), ['INVITE', 'PRACK', 'ACK', 'UPDATE', 'INFO', 'REFER', 'BYE'], describePeer(callee));
          assert.deepEqual(requestsReceived(r), ['NOTIFY'], describePeer(r));
          // Each mid-dialog request came through sipd (its Route to sipd is gone, its Via is there).
          for (const m of ['PRACK', 'UPDATE', 'INFO', 'REFER', 'BYE']) {
            assert.match(callee.messages, new RegExp(`^${m} sip:uas@[^\\n]*\\n^Via: SIP/2\\.0/${transport.toUpperCase()} 127\\.0\\.0\\.1:${p.port};`, 'm'), `${m} came through sipd\n${describePeer(callee)}`);
          }
          assert.match(r.messages, new RegExp(`^NOTIFY sip:alice@[^\\n]*\\n^Via: SIP/2\\.0/${transport.toUpperCase()} 127\\.0\\.0\\.1:${p.port};`, 'm'), `NOTIFY came through sipd\n${describePeer(r)}`);
        } finally {
          await bob.stop();
        }
      });
    }
  });
}
