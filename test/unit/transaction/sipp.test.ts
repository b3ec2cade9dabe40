// The server side on a real UDP socket against sipp as the caller: a 486 is
// retransmitted by Timer G until sipp's ACK, which the layer matches and absorbs.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildResponse, parseMessage } from '../../../src/sip/message.js';
import { TransactionLayer } from '../../../src/transaction/layer.js';
import type { Received } from '../../../src/transaction/types.js';
import { describeSipp, freePort, runSipp, waitFor } from '../../helpers/index.js';
import { FakeTransport } from './fixtures.js';

// sipp's [branch] changes with the message index; [branch-4] in the ACK (message 4, after
// the pause) is the INVITE's (message 0). sipp takes the repeated 486s during the pause as
// retransmissions of the one it received.
const SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="busy, ACK one second late">
  <send retrans="500"><![CDATA[
INVITE sip:bob@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:bob@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

  ]]></send>
  <recv response="100"/>
  <recv response="486"/>
  <pause milliseconds="1000"/>
  <send><![CDATA[
ACK sip:bob@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-4]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:bob@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

  ]]></send>
</scenario>
`;

let dir: string;
let sock: dgram.Socket;
let port: number;
const layer = new TransactionLayer(new FakeTransport(), { t1: 200, t2: 4000, t3: 60000, maxT3: 180000, t4: 1000, maxInviteRetx: 6, maxNonInviteRetx: 10 }, () => undefined);
const outcomes: Received['kind'][] = [];
const finals: number[] = [];

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'txn-sipp-'));
  writeFileSync(path.join(dir, 'busy.xml'), SCENARIO);
  port = await freePort();
  sock = dgram.createSocket('udp4');
  sock.on('message', (buf, rinfo) => {
    const p = parseMessage(buf);
    if (!p.ok || p.message.kind !== 'request') return;
    const req = p.message;
    const reply = (data: Buffer) => {
      if (data.toString('latin1').startsWith('SIP/2.0 486')) finals.push(Date.now());
      sock.send(data, rinfo.port, rinfo.address);
      return true;
    };
    const r = layer.receiveRequest(req, { transport: 'UDP', remoteAddress: rinfo.address, remotePort: rinfo.port, localAddress: '127.0.0.1', localPort: port }, reply);
    outcomes.push(r.kind);
    if (r.kind === 'new') {
      r.txn.respond(buildResponse(req, 100));
      r.txn.respond(buildResponse(req, 486));
    }
  });
  await new Promise<void>((r) => sock.bind(port, '127.0.0.1', () => r()));
});

after(() => {
  sock.close();
  layer.close();
  rmSync(dir, { recursive: true, force: true });
});

test('sipp: a 486 is retransmitted (Timer G) until the ACK, which is absorbed; Timer I then ends the transaction', async () => {
  const r = await runSipp({ scenario: path.join(dir, 'busy.xml'), port, timeoutS: 15 });
  assert.equal(r.code, 0, describeSipp(r));
  assert.deepEqual(outcomes, ['new', 'ack-absorbed']);
  // T1 = 200 ms: the 486 at 0, then Timer G at 200 and 600 ms, before the ACK at about 1 s
  // (only the first retransmission is required, so a slow machine does not fail this).
  assert.ok(finals.length >= 2, `486 sent ${finals.length} times`);
  const sentBeforeAck = finals.length;
  await waitFor('the transaction to end after Timer I', () => layer.stats().serverActive === 0, 10_000, 50);
  assert.equal(finals.length, sentBeforeAck, 'no retransmission after the ACK');
  assert.ok(layer.stats().retransmissionsSent >= 1);
});
