// Nonces: signed, dated, single-count-use, bounded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NonceManager } from '../../../src/modules/auth/nonce.js';

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('nonces', () => {
  test('a fresh nonce is valid; after the lifetime it is stale; altered or foreign it is invalid', () => {
    const c = clock();
    const m = new NonceManager({ now: c.now, lifetimeMs: 300_000 });
    const n = m.issue();
    assert.equal(m.state(n), 'valid');
    c.t += 299_000;
    assert.equal(m.state(n), 'valid');
    c.t += 2_000;
    assert.equal(m.state(n), 'stale');
    const flipped = n.slice(0, 10) + (n[10] === 'A' ? 'B' : 'A') + n.slice(11);
    assert.equal(m.state(flipped), 'invalid');
    assert.equal(m.state('dcd98b7102dd2f0e8b11d0f600bfb0c093'), 'invalid');
    assert.equal(m.state(''), 'invalid');
    assert.equal(new NonceManager({ now: c.now }).state(m.issue()), 'invalid', 'another process (key) did not make it');
  });

  test('nonces differ each time', () => {
    const m = new NonceManager();
    const seen = new Set(Array.from({ length: 1000 }, () => m.issue()));
    assert.equal(seen.size, 1000);
  });

  test('a nonce count must grow: equal or lower is a replay', () => {
    const m = new NonceManager();
    const n = m.issue();
    assert.equal(m.count(n, 1), 'ok');
    assert.equal(m.count(n, 1), 'replay');
    assert.equal(m.count(n, 2), 'ok');
    assert.equal(m.count(n, 5), 'ok');
    assert.equal(m.count(n, 3), 'replay');
    assert.equal(m.count(m.issue(), 1), 'ok', 'counts are per nonce');
  });

  test('memory stays bounded; a nonce whose count was forgotten is answered stale, never accepted again', () => {
    const c = clock();
    const m = new NonceManager({ now: c.now, maxTracked: 100 });
    const first = m.issue();
    assert.equal(m.count(first, 1), 'ok');
    c.t += 1;
    const later: string[] = [];
    for (let i = 0; i < 500; i++) {
      const n = m.issue();
      later.push(n);
      assert.equal(m.count(n, 1), 'ok');
      c.t += 1;
    }
    assert.ok(m.tracked <= 100, `tracked ${m.tracked}`);
    assert.equal(m.count(first, 1), 'stale', 'replay of an evicted nonce is not accepted');
    assert.equal(m.count(first, 2), 'stale');
    assert.equal(m.count(later[499], 1), 'replay', 'recent nonces are still tracked');
    assert.equal(m.count(m.issue(), 1), 'ok', 'new nonces still work');
  });

  test('expired entries leave the table first', () => {
    const c = clock();
    const m = new NonceManager({ now: c.now, maxTracked: 10, lifetimeMs: 1000 });
    for (let i = 0; i < 10; i++) m.count(m.issue(), 1);
    c.t += 5000;
    const n = m.issue();
    assert.equal(m.count(n, 1), 'ok');
    assert.equal(m.tracked, 1);
  });
});
