// The parse memo and the header-list shortcuts taken for throughput must give exactly
// what the plain code gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParseCache } from '../../../src/sip/parse-cache.js';
import { HeaderList, splitList } from '../../../src/sip/headers.js';
import { parseUri } from '../../../src/sip/uri.js';
import { parseVia } from '../../../src/sip/via.js';

test('ParseCache parses a text once while it is held, and stays within its bound', () => {
  let calls = 0;
  const c = new ParseCache((t: string) => ({ n: ++calls, t }), 3);
  const a = c.get('x');
  assert.equal(c.get('x'), a);
  assert.equal(calls, 1);
  c.get('y');
  c.get('z');
  c.get('w'); // the bound was reached: the memo starts again
  assert.equal(calls, 4);
  assert.notEqual(c.get('x'), a);
  assert.deepEqual(c.get('x'), { n: 5, t: 'x' });
  // Long texts are parsed every time.
  const long = 'l'.repeat(600);
  c.get(long);
  c.get(long);
  assert.equal(calls, 7);
});

test('memoised parsers give the same answers, failures included', () => {
  const v = parseVia('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport');
  assert.equal(parseVia('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport'), v);
  assert.ok(v.ok && v.via.branch === 'z9hG4bKabc' && v.via.rport === true);
  const bad = parseUri('sip:exa mple.com');
  assert.equal(bad.ok, false);
  assert.deepEqual(parseUri('sip:exa mple.com'), bad);
});

test('HeaderList.first is values()[0] for lists, quoted commas, empty elements and non-lists', () => {
  const h = new HeaderList()
    .append('Via', ' , SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b')
    .append('Route', '<sip:a,b@x;lr>, <sip:y>')
    .append('Contact', '"Doe, J" <sip:j@x>')
    .append('Subject', 'a, b')
    .append('Allow', ' , ')
    .append('Allow', 'INVITE, ACK');
  for (const name of ['Via', 'v', 'Route', 'Contact', 'Subject', 'Allow', 'Missing']) assert.equal(h.first(name), h.values(name)[0], name);
  assert.deepEqual(splitList(' a ,, "b,c" , <d,e> '), ['a', '"b,c"', '<d,e>']);
  assert.deepEqual(splitList('  single  '), ['single']);
  assert.deepEqual(splitList('   '), []);
});

test('HeaderList.clone and replaceFirst leave the original and the other fields alone', () => {
  const h = new HeaderList().append('Via', 'v1, v2').append('To', '<sip:t>').append('Via', 'v3');
  const c = h.clone().replaceFirst('Via', 'new, v2');
  assert.deepEqual(h.values('Via'), ['v1', 'v2', 'v3']);
  assert.deepEqual([...c].map((f) => `${f.name}: ${f.value}`), ['Via: new, v2', 'To: <sip:t>', 'Via: v3']);
  c.replaceFirst('Via', undefined);
  assert.deepEqual([...c].map((f) => f.name), ['To', 'Via']);
  assert.deepEqual(h.fields('Via'), ['v1, v2', 'v3']);
});
