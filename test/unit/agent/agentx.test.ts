// AgentX codec (both byte orders, framing, bad input) and the registration rules that decide
// which subagent owns which part of the OID space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentxParseError, decodePdu, encodePdu, PduFramer, VarType } from '../../../src/common/agentx/pdu.js';
import type { Pdu } from '../../../src/common/agentx/pdu.js';
import { Registry, regionAfter, regionAt } from '../../../src/agent/agentx/registry.js';
import type { Registration } from '../../../src/agent/agentx/registry.js';
import { compareOids } from '../../../src/agent/net-snmp/index.js';

const oid = (s: string) => s.split('.').map(Number);
const head = { flags: 0, sessionID: 7, transactionID: 9, packetID: 11 };
/** Without flags (the encoder sets the byte-order and context bits) and absent optionals. */
const clean = (p: Pdu) => Object.fromEntries(Object.entries(p).filter(([k, v]) => k !== 'flags' && v !== undefined));

test('PDUs survive encode/decode in both byte orders, values and context included', () => {
  const pdus: Pdu[] = [
    { ...head, type: 1, timeout: 3, id: oid('1.3.6.1.4.1.8072.3.2.10'), descr: 'sub agent' },
    { ...head, type: 3, context: 'ctx', timeout: 5, priority: 100, rangeSubid: 9, subtree: oid('1.3.6.1.2.1.2.2.1.1.3'), upperBound: 7 },
    { ...head, type: 7, nonRepeaters: 1, maxRepetitions: 20, ranges: [{ start: oid('1.3.6.1.4.1.2021'), include: true, end: oid('1.3.6.1.4.1.2022') }] },
    {
      ...head, type: 18, sysUpTime: 12345, error: 0, index: 0,
      varbinds: [
        { oid: oid('1.3.6.1.2.1.1.1.0'), type: VarType.OctetString, value: Buffer.from('hello') },
        { oid: oid('1.3.6.1.2.1.1.2.0'), type: VarType.OID, value: oid('1.3.6.1.4.1.32473') },
        { oid: oid('1.2.3'), type: VarType.Integer, value: -5 },
        { oid: oid('1.2.4'), type: VarType.Counter64, value: 2n ** 63n + 1n },
        { oid: oid('1.2.5'), type: VarType.IpAddress, value: '10.1.2.3' },
        { oid: oid('1.2.6'), type: VarType.EndOfMibView, value: null },
      ],
    },
  ];
  for (const be of [true, false]) {
    for (const p of pdus) {
      const back = decodePdu(encodePdu(p, be));
      assert.deepEqual(clean(back), clean(p), `type ${p.type}, big-endian ${be}`);
      assert.equal((back.flags & 0x10) !== 0, be);
    }
  }
});

test('the framer reassembles PDUs split across reads and rejects oversized ones', () => {
  const a = encodePdu({ ...head, type: 13 }, false);
  const b = encodePdu({ ...head, type: 2, reason: 5 }, true);
  const all = Buffer.concat([a, b]);
  const f = new PduFramer();
  const got: Buffer[] = [];
  for (let i = 0; i < all.length; i += 3) got.push(...f.push(all.subarray(i, i + 3)));
  assert.deepEqual(got.map((x) => decodePdu(x).type), [13, 2]);
  const huge = Buffer.from(a);
  huge.writeUInt32LE(1 << 30, 16);
  assert.throws(() => new PduFramer().push(huge), AgentxParseError);
  // A short payload is a parse error, not a crash.
  const cut = encodePdu({ ...head, type: 1, timeout: 0, id: [], descr: 'x' }, true);
  cut.writeUInt32BE(4, 16);
  assert.throws(() => decodePdu(cut.subarray(0, 24)), AgentxParseError);
});

test('registrations: duplicates refused, most specific subtree wins, then priority; ours count as 127', () => {
  const reg = (sessionID: number, subtree: string, priority = 127, rangeSubid = 0, upperBound = 0): Registration => ({
    sessionID, subtree: oid(subtree), priority, rangeSubid, upperBound, timeoutMs: 0, instance: false,
  });
  const local = [oid('1.3.6.1.2.1.1.1'), oid('1.3.6.1.4.1.32473.1')];
  const r = new Registry();
  assert.equal(r.add(reg(1, '1.3.6.1.2.1.1.1'), local), 'duplicate', 'exactly one of our objects');
  assert.equal(r.add(reg(1, '1.3.6.1.2.1.1'), local), 'ok');
  assert.equal(r.add(reg(2, '1.3.6.1.2.1.1'), local), 'duplicate');
  assert.equal(r.add(reg(2, '1.3.6.1.2.1.1', 50), local), 'ok');
  assert.equal(r.add(reg(3, '1.3.6.1.2.1.1.5'), local), 'ok');
  // Range: ifDescr..ifOperStatus rows 1.3.6.1.2.1.2.2.1.{2..8}
  assert.equal(r.add(reg(1, '1.3.6.1.2.1.2.2.1.2', 127, 10, 8), local), 'ok');
  assert.equal(r.add(reg(2, '1.3.6.1.2.1.2.2.1.5', 127), local), 'duplicate', 'inside the range');

  const regions = r.regions(local);
  const owner = (o: string) => regionAt(regions, oid(o))?.registration.sessionID;
  assert.equal(owner('1.3.6.1.2.1.1.1.0'), undefined, 'sysDescr stays ours (more specific)');
  assert.equal(owner('1.3.6.1.2.1.1.2.0'), 2, 'priority 50 beats 127 on the same subtree');
  assert.equal(owner('1.3.6.1.2.1.1.5.0'), 3, 'the longer subtree wins');
  assert.equal(owner('1.3.6.1.2.1.2.2.1.8.1'), 1);
  assert.equal(owner('1.3.6.1.2.1.2.2.1.9.1'), undefined);
  assert.deepEqual(regionAfter(regions, oid('1.3.6.1.2.1.1.1.0'))?.start, oid('1.3.6.1.2.1.1.2'));
  // Regions are sorted and disjoint.
  for (let i = 1; i < regions.length; i++) assert.ok(compareOids(regions[i - 1].end, regions[i].start) <= 0);

  assert.ok(r.remove(2, oid('1.3.6.1.2.1.1'), 0, 0, 50));
  assert.equal(regionAt(r.regions(local), oid('1.3.6.1.2.1.1.2.0'))?.registration.sessionID, 1);
  assert.equal(r.removeSession(1), 2);
  assert.equal(regionAt(r.regions(local), oid('1.3.6.1.2.1.1.2.0')), undefined);
});
