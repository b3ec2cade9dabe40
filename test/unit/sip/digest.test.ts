// The one-shot digest and its fallback for Node releases before 20.12 give the same text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digestOf, digestWithHashObject } from '../../../src/sip/digest.js';

test('digestOf matches a Hash object digest for the algorithms and encodings the proxy uses', () => {
  for (const text of ['', 'INVITE sip:bob@example.com\0z9hG4bK1', 'ü€ unicode']) {
    for (const [alg, enc] of [['sha1', 'hex'], ['sha1', 'base64url'], ['sha256', 'base64url']] as const) {
      assert.equal(digestOf(alg, text, enc), digestWithHashObject(alg, text, enc));
    }
  }
  assert.equal(digestOf('sha1', 'abc', 'hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
});
