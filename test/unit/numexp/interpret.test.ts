// NumericUsernameInterpretation and NumericUsernameCharacterSet (Appendix B, SIP server core).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMessage, parseConfig } from '../../../src/server/config.js';
import type { Config } from '../../../src/config/loader.js';
import { numericKinds } from '../../../src/modules/numexp/interpret.js';
import { uriOf } from '../../helpers/values.js';

function conf(...lines: string[]): Config {
  const r = parseConfig(lines.join('\n') + '\n', '/srv/sip/conf/sipd.conf');
  if (!r.ok) assert.fail(r.errors.map(formatMessage).join('\n'));
  return r.config;
}

const uri = uriOf;

test('the default is E164_IP: a number first, then a user name', () => {
  assert.deepEqual(numericKinds(uri('sip:50122@example.com'), conf()), ['e164', 'ip']);
});

test('each NumericUsernameInterpretation value gives its order', () => {
  const cases: [string, string[]][] = [
    ['IP_164', ['ip', 'e164']],
    ['IP_E164', ['ip', 'e164']],
    ['E164_IP', ['e164', 'ip']],
    ['IP', ['ip']],
    ['E164', ['e164']],
  ];
  for (const [value, kinds] of cases) {
    assert.deepEqual(numericKinds(uri('sip:+14085550122@example.com'), conf(`NumericUsernameInterpretation ${value}`)), kinds, value);
  }
});

test(';user=phone and ;user=ip decide without the directive', () => {
  const c = conf('NumericUsernameInterpretation IP');
  assert.deepEqual(numericKinds(uri('sip:+14085550122@cisco.com;user=phone'), c), ['e164']);
  assert.deepEqual(numericKinds(uri('sip:50122@cisco.com;user=PHONE'), c), ['e164']);
  const e = conf('NumericUsernameInterpretation E164');
  assert.deepEqual(numericKinds(uri('sip:bsmith@foo.com;user=ip'), e), ['ip']);
  assert.deepEqual(numericKinds(uri('sip:50122@foo.com;user=ip'), e), ['ip']);
});

test('a non-numeric user or no user at all is a user name', () => {
  const c = conf('NumericUsernameInterpretation E164');
  assert.deepEqual(numericKinds(uri('sip:alice@example.com'), c), ['ip']);
  assert.deepEqual(numericKinds(uri('sip:5012a@example.com'), c), ['ip']);
  assert.deepEqual(numericKinds(uri('sip:example.com'), c), ['ip']);
});

test('visual separators and escapes count as numeric with the default set', () => {
  const c = conf('NumericUsernameInterpretation E164');
  assert.deepEqual(numericKinds(uri('sip:408.902.3126@example.com'), c), ['e164']);
  assert.deepEqual(numericKinds(uri('sip:(408)902-3126@example.com'), c), ['e164']);
  assert.deepEqual(numericKinds(uri('sip:%2B14089023126@example.com'), c), ['e164']);
});

test('NumericUsernameCharacterSet narrows what is numeric; user parameters are ignored', () => {
  const c = conf('NumericUsernameInterpretation E164', 'NumericUsernameCharacterSet 0123456789');
  assert.deepEqual(numericKinds(uri('sip:+14089023126@example.com'), c), ['ip']);
  assert.deepEqual(numericKinds(uri('sip:4089023126@example.com'), c), ['e164']);
  assert.deepEqual(numericKinds(uri('sip:4089023126;isub=12ab@example.com'), c), ['e164']);
});

test('a tel: URI is a number', () => {
  assert.deepEqual(numericKinds(uri('tel:+1-408-902-3126'), conf('NumericUsernameInterpretation IP')), ['e164']);
});
