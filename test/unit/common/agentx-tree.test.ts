// The subagent's OID tree (src/common/agentx/tree.ts): GET exceptions, GETNEXT order across
// scalars and tables (rows sorted by index, columns in order, absent cells skipped), the
// search range's include flag and end, and the test phase of a SET.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, compareOids, OidTree, readStringIndex, SetError, stringIndex } from '../../../src/common/agentx/tree.js';
import { VarType } from '../../../src/common/agentx/pdu.js';

const B = [1, 3, 6, 1, 4, 1, 99];
function tree(rows: Map<string, number | undefined>): OidTree {
  const t = new OidTree();
  t.scalar({ oid: [...B, 1], get: () => cell.integer(5) });
  t.table<string>({
    entry: [...B, 2, 1],
    rows: () => [...rows.keys()].map((k) => ({ index: stringIndex(k), row: k })),
    columns: [
      { sub: 3, get: (k) => (rows.get(k) === undefined ? undefined : cell.gauge(rows.get(k)!)) },
      { sub: 2, get: (k) => cell.text(k), set: (k, _i, vb) => (k ? (vb.type === VarType.OctetString ? { commit: () => undefined, undo: () => undefined } : SetError.wrongType) : SetError.noCreation) },
    ],
  });
  t.scalar({ oid: [...B, 3], get: () => undefined });
  return t;
}

const walk = (t: OidTree, from: number[], end: number[] = []) => {
  const out: string[] = [];
  for (let vb = t.next(from, false, end); vb.type !== VarType.EndOfMibView; vb = t.next(vb.oid, false, end)) out.push(vb.oid.slice(B.length).join('.'));
  return out;
};

test('GETNEXT walks scalars, then each column over rows sorted by index, skipping absent cells', () => {
  const t = tree(new Map([['bb', 2], ['a', undefined], ['ab', 1]]));
  t.beginRequest();
  assert.deepEqual(walk(t, B), ['1.0', '2.1.2.1.97', '2.1.2.2.97.98', '2.1.2.2.98.98', '2.1.3.2.97.98', '2.1.3.2.98.98']);
});

test('the search range: include returns the start itself, and nothing at or past the end', () => {
  const t = tree(new Map([['a', 1]]));
  t.beginRequest();
  assert.deepEqual(t.next([...B, 1, 0], true).oid, [...B, 1, 0]);
  assert.deepEqual(t.next([...B, 1, 0], false).oid, [...B, 2, 1, 2, 1, 97]);
  assert.equal(t.next([...B, 1, 0], false, [...B, 2, 1, 2]).type, VarType.EndOfMibView);
  assert.deepEqual(walk(t, [...B, 2, 1, 2], [...B, 2, 1, 3]), ['2.1.2.1.97']);
});

test('GET: noSuchObject outside the objects, noSuchInstance for a missing row or a scalar without .0', () => {
  const t = tree(new Map([['a', 1]]));
  t.beginRequest();
  assert.equal(t.get([...B, 9, 0]).type, VarType.NoSuchObject);
  assert.equal(t.get([...B, 2, 1, 7, 1, 97]).type, VarType.NoSuchObject);
  assert.equal(t.get([...B, 1]).type, VarType.NoSuchInstance);
  assert.equal(t.get([...B, 2, 1, 3, 1, 98]).type, VarType.NoSuchInstance);
  assert.equal(t.get([...B, 3, 0]).type, VarType.NoSuchInstance);
  assert.deepEqual(t.get([...B, 2, 1, 3, 1, 97]), { oid: [...B, 2, 1, 3, 1, 97], type: VarType.Gauge32, value: 1 });
});

test('SET test phase: read-only, wrong type, missing row and a good value', () => {
  const t = tree(new Map([['a', 1]]));
  t.beginRequest();
  assert.equal(t.testSet({ oid: [...B, 2, 1, 3, 1, 97], type: VarType.Gauge32, value: 1 }), SetError.notWritable);
  assert.equal(t.testSet({ oid: [...B, 2, 1, 2, 1, 97], type: VarType.Integer, value: 1 }), SetError.wrongType);
  assert.equal(t.testSet({ oid: [...B, 2, 1, 2, 1, 98], type: VarType.OctetString, value: Buffer.from('x') }), SetError.noCreation);
  assert.equal(typeof t.testSet({ oid: [...B, 2, 1, 2, 1, 97], type: VarType.OctetString, value: Buffer.from('x') }), 'object');
  assert.equal(t.testSet({ oid: [...B, 1, 0], type: VarType.Integer, value: 1 }), SetError.notWritable);
});

test('rows are re-read at the next request, not within one', () => {
  const rows = new Map<string, number | undefined>([['a', 1]]);
  const t = tree(rows);
  t.beginRequest();
  assert.equal(walk(t, [...B, 2]).length, 2);
  rows.set('b', 2);
  assert.equal(walk(t, [...B, 2]).length, 2, 'same request: the sorted rows are kept');
  t.beginRequest();
  assert.equal(walk(t, [...B, 2]).length, 4);
});

test('string indexes and OID order', () => {
  assert.deepEqual(stringIndex('INVITE'), [6, 73, 78, 86, 73, 84, 69]);
  assert.deepEqual(readStringIndex([6, 73, 78, 86, 73, 84, 69, 486]), { text: 'INVITE', rest: [486] });
  assert.equal(readStringIndex([9, 65]), undefined);
  assert.ok(compareOids([1, 2], [1, 2, 0]) < 0 && compareOids([1, 3], [1, 2, 9]) > 0 && compareOids([1], [1]) === 0);
  assert.deepEqual(cell.bits([2, 4]).value, Buffer.from([0x28]));
});
