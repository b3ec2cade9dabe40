// AgentX master: the GetBulk it sends to subagents (bytes as RFC 2741 §6.1/§6.2.7 lay them
// out), how it reads a subagent's GetBulk answer (bridged regions, out-of-order and
// unregistered varbinds), and the Close(timeouts) it sends a subagent that stops answering.
// The subagent here is a scripted AgentX peer on a TCP socket, so every byte is ours to choose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { AgentxMaster } from '../../../src/agent/agentx/master.js';
import { CloseReason, decodePdu, encodePdu, PduFramer, VarType } from '../../../src/common/agentx/pdu.js';
import type { Pdu, Varbind } from '../../../src/common/agentx/pdu.js';
import { ExternalError } from '../../../src/agent/net-snmp/index.js';
import type { ExternalView } from '../../../src/agent/net-snmp/index.js';
import { freePort, waitFor } from '../../helpers/index.js';

const oid = (s: string) => s.split('.').map(Number);
const BASE = '1.3.6.1.4.1.32473.77';

test('GetBulk encodes as RFC 2741 lays it out, in both byte orders', () => {
  const pdu: Pdu = {
    type: 7, flags: 0, sessionID: 0x01020304, transactionID: 5, packetID: 6, nonRepeaters: 0, maxRepetitions: 25,
    ranges: [{ start: oid('1.3.6.1.4.1.2021'), include: true, end: oid('1.3.6.1.4.1.2022') }],
  };
  const be = encodePdu(pdu, true);
  assert.deepEqual([...be.subarray(0, 4)], [1, 7, 0x10, 0], 'version 1, type GetBulk(7), NETWORK_BYTE_ORDER');
  assert.equal(be.readUInt32BE(4), 0x01020304);
  assert.equal(be.readUInt32BE(8), 5);
  assert.equal(be.readUInt32BE(12), 6);
  // payload: non_repeaters, max_repetitions, then the range: start (include set), end.
  const payload = [0, 0, 0, 25, 2, 4, 1, 0, 0, 0, 0, 1, 0, 0, 0x07, 0xe5, 2, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0x07, 0xe6];
  assert.equal(be.readUInt32BE(16), payload.length);
  assert.deepEqual([...be.subarray(20)], payload);

  const le = encodePdu(pdu, false);
  assert.equal(le[2] & 0x10, 0, 'little-endian: the byte-order flag is clear');
  assert.equal(le.readUInt32LE(4), 0x01020304);
  assert.deepEqual([...le.subarray(20, 24)], [0, 0, 25, 0], 'u16 fields little-endian');
  assert.equal(le.readUInt32LE(32), 2021);
  assert.deepEqual(decodePdu(le), { ...pdu, flags: 0, context: undefined });
});

test('Close with reason timeouts is reason code 4', () => {
  assert.equal(CloseReason.timeouts, 4);
  const b = encodePdu({ type: 2, flags: 0, sessionID: 9, transactionID: 0, packetID: 0, reason: CloseReason.timeouts }, true);
  assert.equal(b[1], 2);
  assert.deepEqual([...b.subarray(20)], [4, 0, 0, 0]);
});

/** A scripted subagent: opens a session, registers subtrees, hands every request to `answer`. */
async function scriptedSubagent(port: number, subtrees: string[], answer: (pdu: Pdu) => Varbind[] | undefined) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const framer = new PduFramer();
  const received: Pdu[] = [];
  const waiting: Array<(p: Pdu) => void> = [];
  socket.on('data', (d: Buffer) => {
    for (const buf of framer.push(d)) {
      const pdu = decodePdu(buf);
      received.push(pdu);
      if (pdu.type === 18) {
        waiting.shift()?.(pdu);
        continue;
      }
      const varbinds = answer(pdu);
      if (varbinds) socket.write(encodePdu({ type: 18, flags: 0, sessionID: pdu.sessionID, transactionID: pdu.transactionID, packetID: pdu.packetID, sysUpTime: 0, error: 0, index: 0, varbinds }, true));
    }
  });
  const call = (pdu: Pdu) =>
    new Promise<Pdu>((resolve) => {
      waiting.push(resolve);
      socket.write(encodePdu(pdu, true));
    });
  const opened = await call({ type: 1, flags: 0, sessionID: 0, transactionID: 0, packetID: 1, timeout: 0, id: [], descr: 'scripted' });
  const sessionID = opened.sessionID;
  for (const [i, s] of subtrees.entries()) {
    const r = await call({ type: 3, flags: 0, sessionID, transactionID: 0, packetID: 2 + i, timeout: 0, priority: 127, rangeSubid: 0, subtree: oid(s) });
    assert.equal(r.type === 18 && r.error, 0, `registered ${s}`);
  }
  return { socket, received, sessionID };
}

async function withMaster(options: { defaultTimeoutMs?: number; maxTimeouts?: number; local?: number[][] }, body: (m: AgentxMaster, port: number, logs: string[]) => Promise<void>) {
  const port = await freePort();
  const logs: string[] = [];
  const master = await AgentxMaster.listen({
    socket: `tcp:127.0.0.1:${port}`, log: (l, m) => logs.push(`${l}: ${m}`), sysUpTime: () => 0,
    notify: async () => undefined, localSubtrees: () => options.local ?? [], ...options,
  });
  try {
    await body(master, port, logs);
  } finally {
    await master.close();
  }
}

const vb = (o: string, value = 1): Varbind => ({ oid: oid(o), type: VarType.Integer, value });

test('bulk: one GetBulk spans the same subagent regions unless our objects lie between; out-of-order and unregistered answers are dropped', async () => {
  // Subagent regions .1, .3 and .5; ours at .4: [.1, .2) and [.3, .4) are bridged, .5 is not.
  await withMaster({ local: [oid(`${BASE}.4`)] }, async (master, port) => {
    let script: Varbind[] = [];
    const sub = await scriptedSubagent(port, [`${BASE}.1`, `${BASE}.3`, `${BASE}.5`], (pdu) => (pdu.type === 7 ? script : undefined));
    try {
      const view = master.view(() => [oid(`${BASE}.4`)]) as ExternalView;
      const region = view.owner(oid(`${BASE}.1`))!;
      assert.ok(region);
      script = [
        vb(`${BASE}.1.1.0`),
        vb(`${BASE}.2.0`), // in the gap: the subagent never registered it
        vb(`${BASE}.3.1.0`),
        vb(`${BASE}.3.1.0`), // not increasing: the rest is not trusted
        vb(`${BASE}.3.2.0`),
      ];
      const a = await view.bulk!(region, oid(`${BASE}.1`), true, 10);
      const sent = sub.received.filter((p) => p.type === 7).at(-1) as Pdu & { type: 7 };
      assert.equal(sent.maxRepetitions, 10);
      assert.equal(sent.nonRepeaters, 0);
      assert.deepEqual(sent.ranges, [{ start: oid(`${BASE}.1`), include: true, end: oid(`${BASE}.4`) }]);
      assert.deepEqual(a.varbinds.map((v) => v.oid), [`${BASE}.1.1.0`, `${BASE}.3.1.0`]);
      assert.equal(a.complete, false);
      assert.deepEqual(a.end, oid(`${BASE}.4`));

      // endOfMibView (or an OID at the range end) says the span holds nothing more.
      script = [vb(`${BASE}.3.2.0`), { oid: oid(`${BASE}.3.2.0`), type: VarType.EndOfMibView, value: null }];
      const b = await view.bulk!(region, oid(`${BASE}.3.1.0`), false, 10);
      assert.deepEqual(b.varbinds.map((v) => v.oid), [`${BASE}.3.2.0`]);
      assert.equal(b.complete, true);
      script = [vb(`${BASE}.5.1.0`)];
      const c = await view.bulk!(region, oid(`${BASE}.3.2.0`), false, 10);
      assert.deepEqual(c.varbinds, []);
      assert.equal(c.complete, true);
    } finally {
      sub.socket.destroy();
    }
  });
});

test('a subagent that misses maxTimeouts requests in a row gets Close(timeouts) and loses its registrations', async () => {
  await withMaster({ defaultTimeoutMs: 200, maxTimeouts: 2 }, async (master, port, logs) => {
    let answering = true;
    const sub = await scriptedSubagent(port, [`${BASE}.1`], (pdu) => (answering && pdu.type === 5 ? [vb(`${BASE}.1.0`, 5)] : undefined));
    try {
      const view = master.view(() => []) as ExternalView;
      const region = view.owner(oid(`${BASE}.1.0`))!;
      const get = () => view.get([{ region, oid: `${BASE}.1.0` }]);
      // One timeout, then an answer: the count starts again.
      answering = false;
      await assert.rejects(get(), ExternalError);
      answering = true;
      assert.deepEqual((await get()).map((v) => v.value), [5]);
      answering = false;
      await assert.rejects(get(), ExternalError);
      assert.equal(master.describe().length, 1, 'one timeout after an answer: still open');
      await assert.rejects(get(), ExternalError);
      const close = await waitFor('the Close PDU', () => sub.received.find((p) => p.type === 2) as (Pdu & { type: 2 }) | undefined, 5000);
      assert.equal(close.reason, CloseReason.timeouts);
      assert.equal(close.sessionID, sub.sessionID);
      assert.deepEqual(master.describe(), []);
      assert.equal(master.view(() => []), undefined, 'nothing delegated any more');
      assert.ok(logs.some((l) => /^warn: AgentX session \d+ \(scripted\) did not answer 2 requests in a row: closing it/.test(l)), logs.join('\n'));
    } finally {
      sub.socket.destroy();
    }
  });
});

test("a subagent whose GetBulk answers ignore the start (net-snmp's npm Subagent) is asked with GetNext from then on", async () => {
  await withMaster({}, async (master, port, logs) => {
    const sub = await scriptedSubagent(port, [`${BASE}.1`], (pdu) => {
      if (pdu.type === 7) return [vb(`${BASE}.1.1.0`), vb(`${BASE}.1.2.0`)]; // from the top, whatever the start
      if (pdu.type === 6) return [vb(`${BASE}.1.3.0`)];
      return undefined;
    });
    try {
      const view = master.view(() => []) as ExternalView;
      const region = view.owner(oid(`${BASE}.1`))!;
      const a = await view.bulk!(region, oid(`${BASE}.1.2.0`), false, 10);
      assert.deepEqual(a, { varbinds: [], complete: false, end: oid(`${BASE}.2`) }, 'nothing usable');
      assert.ok(logs.some((l) => /answers GetBulk out of order; using GetNext for it/.test(l)));
      const b = await view.bulk!(region, oid(`${BASE}.1.2.0`), false, 10);
      assert.deepEqual(b.varbinds.map((v) => v.oid), [`${BASE}.1.3.0`]);
      assert.deepEqual(sub.received.filter((p) => p.type === 6 || p.type === 7).map((p) => p.type), [7, 6]);
    } finally {
      sub.socket.destroy();
    }
  });
});
