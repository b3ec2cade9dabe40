// Destination patterns as the guide defines them (ch. 2 "How to Configure Routes",
// troubleshooting "Routing"), and the most-specific-first order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NumberPattern } from '../../../src/stores/route-pattern.js';
import {
  canonicalPattern,
  compareNumberSpecificity,
  parseDomainPattern,
  parseNumberPattern,
  removeVisualSeparators,
} from '../../../src/stores/route-pattern.js';
import { RouteMatcher } from '../../../src/stores/embedded/route-matcher.js';
import { checkRoute } from '../../../src/stores/route-store.js';
import { route } from './helpers.js';

function num(text: string): NumberPattern {
  const r = parseNumberPattern(text);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.pattern;
}

function matches(pattern: string, key: string, type: 'phone' | 'ip' = 'phone'): boolean {
  const m = new RouteMatcher();
  m.put(route(pattern, { type }));
  return m.match(type, key).length === 1;
}

test('guide: 9* is a multiple-digit wildcard (matches 911 and 914085551212)', () => {
  assert.ok(matches('9*', '911'));
  assert.ok(matches('9*', '914085551212'));
  assert.ok(matches('9*', '9'), 'the star stands for any further digits, none included');
  assert.ok(!matches('9*', '811'));
});

test('guide: 9.. is a single-digit wildcard per dot (matches 911, not 9111)', () => {
  assert.ok(matches('9..', '911'));
  assert.ok(!matches('9..', '9111'));
  assert.ok(!matches('9..', '91'));
  assert.ok(!matches('9..', '91#'), 'a dot stands for a digit only');
});

test('guide: \\*69 is a literal star (matches *69)', () => {
  const p = num('\\*69');
  assert.equal(p.head, '*69');
  assert.equal(p.star, false);
  assert.ok(matches('\\*69', '*69'));
  assert.ok(!matches('\\*69', '169'));
  assert.ok(!matches('\\*69', '*691'));
});

test('+1408....... matches a San Jose E.164 number of the right length only', () => {
  assert.ok(matches('+1408.......', '+14085550122'));
  assert.ok(!matches('+1408.......', '+140855501222'));
  assert.ok(!matches('+1408.......', '14085550122'), 'the + is part of the number');
});

test('troubleshooting: 21091878[1-8] is refused, naming what is valid', () => {
  const r = parseNumberPattern('21091878[1-8]');
  assert.ok(!r.ok);
  assert.match(r.reason, /21091878\[1-8\]/);
  assert.match(r.reason, /ranges such as \[1-8\] are not supported/);
  assert.match(r.reason, /digits 0-9.*\\\*/);
  const c = checkRoute({ ...route('1'), pattern: '21091878[1-8]' });
  assert.ok(!c.ok && /not supported/.test(c.reason));
});

test('other bad number patterns are refused with a reason', () => {
  for (const [p, why] of [
    ['', /empty/],
    ['9*1', /may only end the pattern/],
    ['1+2', /\+ is allowed only as the first/],
    ['408-555', /visual separator/],
    ['(408)555', /visual separator/],
    ['9a', /"a" \(position 2\) is not allowed/],
    ['9\\1', /backslash may only escape a star/],
    ['#1', /"#"/],
    ['1'.repeat(65), /longer than 64/],
  ] as const) {
    const r = parseNumberPattern(p);
    assert.ok(!r.ok, `${p} accepted`);
    assert.match(r.reason, why, p);
  }
});

test('number patterns split into head, dot runs and literal runs', () => {
  assert.deepEqual(num('9..5.3*').rest, [
    { dots: 2, lit: '5' },
    { dots: 1, lit: '3' },
  ]);
  const p = num('..');
  assert.equal(p.head, '');
  assert.deepEqual(p.rest, [{ dots: 2, lit: '' }]);
  assert.equal(num('*').star, true);
});

test('guide: .com.ibm.* routes us.ibm.com and bldg1.sjc.ca.us.ibm.com (labels written top-level first)', () => {
  const r = parseDomainPattern('.com.ibm.*');
  assert.ok(r.ok);
  assert.deepEqual(r.pattern.labels, ['com', 'ibm']);
  assert.equal(r.pattern.star, true);
  assert.ok(matches('.com.ibm.*', 'us.ibm.com', 'ip'));
  assert.ok(matches('.com.ibm.*', 'bldg1.sjc.ca.us.ibm.com', 'ip'));
  assert.ok(matches('.com.ibm.*', 'IBM.COM.', 'ip'), 'case and a trailing dot do not matter; the domain itself matches');
  assert.ok(!matches('.com.ibm.*', 'ibm.org', 'ip'));
  assert.ok(!matches('.com.ibm.*', 'notibm.com', 'ip'), 'labels match whole, not as text suffixes');
  assert.ok(!matches('.com.ibm.*', 'ibm.com.evil.net', 'ip'));
});

test('domain patterns: exact hosts, *.domain, both spellings one canonical form; IP addresses refused', () => {
  assert.ok(matches('.com.ibm.us', 'us.ibm.com', 'ip'));
  assert.ok(!matches('.com.ibm.us', 'a.us.ibm.com', 'ip'));
  assert.ok(matches('us.ibm.com', 'us.ibm.com', 'ip'));
  assert.ok(matches('*.ibm.com', 'x.us.ibm.com', 'ip'));
  const canon = (t: string) => {
    const r = parseDomainPattern(t);
    assert.ok(r.ok, t);
    return canonicalPattern(r.pattern);
  };
  assert.equal(canon('*.ibm.com'), '.com.ibm.*');
  assert.equal(canon('us.ibm.com'), '.com.ibm.us');
  assert.equal(canon('*'), '.*');
  for (const [p, why] of [
    ['10.1.1.1', /not raw IP addresses/],
    ['.com..ibm', /empty label/],
    ['.com.*.ibm', /\* may only stand/],
    ['.com.ib_m', /not a valid host name label/],
    ['', /empty/],
  ] as const) {
    const r = parseDomainPattern(p);
    assert.ok(!r.ok, p);
    assert.match(r.reason, why, p);
  }
});

test('specificity: more literals, then more dots, then no star; then earlier literal', () => {
  const sorted = (list: string[]) => list.map(num).sort(compareNumberSpecificity).map((p) => p.text);
  assert.deepEqual(sorted(['9*', '91*', '911', '9..', '91.']), ['911', '91.', '91*', '9..', '9*']);
  assert.deepEqual(sorted(['*', '.*', '..']), ['..', '.*', '*']);
  assert.deepEqual(sorted(['.23', '1.3']), ['1.3', '.23']);
});

test('visual separators . - ( ) are removed from dialled numbers', () => {
  assert.equal(removeVisualSeparators('+1 (408) 555-0122'.replace(/ /g, '')), '+14085550122');
  assert.equal(removeVisualSeparators('1.408.555.0122'), '14085550122');
});
