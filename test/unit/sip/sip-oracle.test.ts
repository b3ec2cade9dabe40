// Differential test: our parser against the npm package `sip` 0.0.6 on a corpus of valid
// messages. Where `sip` is wrong we say so and assert it, so a fixed `sip` (or a broken
// parser of ours) shows up here instead of being skipped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CORPUS } from './corpus.js';
import { differences, ours, sipPkg } from './oracle.js';

/**
 * The cases `sip` gets wrong, with the fields it gets wrong:
 * - IPv6: its Via regex stops the sent-by host at the first ':' ("[2001:db8::10]:5070"
 *   gives host "[2001" and no port), and its parseUri refuses bracketed IPv6 hosts.
 * - tel: its parseUri only knows sip/sips.
 * - bare LF line ends: it only splits on CRLF and returns nothing.
 */
const SIP_IS_WRONG: Readonly<Record<string, readonly string[]>> = {
  'IPv6 Via sent-by and IPv6 Request-URI': ['requri', 'via'],
  'tel Request-URI and tel From': ['requri'],
  'bare LF line endings': ['parse'],
};

describe('differential: ours vs the `sip` package', () => {
  test('the corpus has at least 30 valid messages and ours parses them all', () => {
    assert.ok(CORPUS.length >= 30, `${CORPUS.length}`);
    for (const c of CORPUS) assert.doesNotThrow(() => ours(c.text), c.name);
    for (const name of Object.keys(SIP_IS_WRONG)) assert.ok(CORPUS.some((c) => c.name === name), name);
  });

  for (const c of CORPUS) {
    const wrong = SIP_IS_WRONG[c.name] ?? [];
    test(wrong.length ? `${c.name} (sip wrong on: ${wrong.join(', ')})` : c.name, () => {
      assert.deepEqual(differences(c.text), wrong);
    });
  }

  test('the IPv6 Via: ours reads host and port, sip stops the host at the first ":"', () => {
    const c = CORPUS.find((x) => x.name === 'IPv6 Via sent-by and IPv6 Request-URI')!;
    const theirs = sipPkg.parse(c.text);
    assert.equal(theirs.headers.via[0].host, '[2001');
    assert.equal(theirs.headers.via[0].port, undefined);
  });

  test('serialize: both round-trip the plain cases to equal header values', () => {
    for (const c of CORPUS.filter((x) => !SIP_IS_WRONG[x.name])) {
      const theirs = sipPkg.parse(sipPkg.stringify(sipPkg.parse(c.text)));
      assert.ok(theirs, c.name);
      assert.equal(theirs.headers['call-id'], ours(c.text).headers.get('Call-ID'), c.name);
    }
  });
});
