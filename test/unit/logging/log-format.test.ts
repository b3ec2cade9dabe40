process.env.TZ = 'America/Los_Angeles';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileLogFormat, escapeLogItem, resolveLogFormat } from '../../../src/logging/log-format.js';
import type { AccessEntry, CompiledFormat } from '../../../src/logging/log-format.js';
import { BUILTIN_LOG_FORMATS } from '../../../src/logging/directives.js';

function entry(over: Partial<AccessEntry> = {}): AccessEntry {
  const req: Record<string, string> = { 'user-agent': 'Cisco-SIP-IP-Phone/2', 'call-id': 'c3943000-ee2f@10.80.36.85', referer: 'sip:ref@x' };
  const res: Record<string, string> = { server: 'OpenSPS/0.1', contact: '<sip:bob@10.0.0.2>' };
  return {
    remoteAddress: '10.80.36.85',
    remotePort: 50117,
    localAddress: '64.102.93.77',
    localPort: 5060,
    transport: 'UDP',
    method: 'INVITE',
    requestUri: 'sip:bob@example.com',
    protocol: 'SIP/2.0',
    requestHeader: (n) => req[n.toLowerCase()],
    status: 200,
    responseHeader: (n) => res[n.toLowerCase()],
    bytes: 512,
    start: 1_000_000_000n,
    end: 3_500_250_000n, // 2.50025 s later
    time: new Date(2000, 9, 10, 13, 55, 36, 123),
    user: 'alice',
    ...over,
  };
}

function fmt(f: string): CompiledFormat {
  const r = compileLogFormat(f);
  if (!r.ok) throw new Error(`${r.error} at ${r.index}`);
  return r.fn;
}

test('every code', () => {
  const e = entry();
  const cases: [string, string][] = [
    ['%h', '10.80.36.85'],
    ['%a', '10.80.36.85'],
    ['%{c}a', '10.80.36.85'],
    ['%A', '64.102.93.77'],
    ['%l', '-'],
    ['%u', 'alice'],
    ['%t', '[10/Oct/2000:13:55:36 -0700]'],
    ['%{%Y-%m-%d %H:%M:%S}t', '2000-10-10 13:55:36'],
    ['%{sec}t', String(Math.floor(e.time.getTime() / 1000))],
    ['%{msec_frac}t', '123'],
    ['%{end:%H:%M:%S}t', '13:55:38'],
    ['%r', 'INVITE sip:bob@example.com SIP/2.0'],
    ['%m', 'INVITE'],
    ['%U', 'sip:bob@example.com'],
    ['%H', 'SIP/2.0'],
    ['%s', '200'],
    ['%>s', '200'],
    ['%<s', '200'],
    ['%b', '512'],
    ['%B', '512'],
    ['%{User-Agent}i', 'Cisco-SIP-IP-Phone/2'],
    ['%{Call-ID}i', 'c3943000-ee2f@10.80.36.85'],
    ['%{X-Missing}i', '-'],
    ['%{Server}o', 'OpenSPS/0.1'],
    ['%{X-Missing}o', '-'],
    ['%T', '2'],
    ['%{ms}T', '2500'],
    ['%{us}T', '2500250'],
    ['%D', '2500250'],
    ['%P', String(process.pid)],
    ['%p', '5060'],
    ['%{local}p', '5060'],
    ['%{remote}p', '50117'],
    ['%x', 'UDP'],
    ['%%', '%'],
    ['100%% sure', '100% sure'],
  ];
  for (const [f, want] of cases) assert.equal(fmt(f)(e), want, f);
});

test('missing values: %b gives "-" for 0 bytes, %B gives 0, %u gives "-"', () => {
  const e = entry({ bytes: 0, user: undefined });
  assert.equal(fmt('%b %B %u')(e), '- 0 -');
});

test('the built-in formats', () => {
  const e = entry();
  assert.equal(fmt(BUILTIN_LOG_FORMATS.common)(e), '10.80.36.85 - alice [10/Oct/2000:13:55:36 -0700] "INVITE sip:bob@example.com SIP/2.0" 200 512');
  assert.equal(
    fmt(BUILTIN_LOG_FORMATS.combined)(e),
    '10.80.36.85 - alice [10/Oct/2000:13:55:36 -0700] "INVITE sip:bob@example.com SIP/2.0" 200 512 "sip:ref@x" "Cisco-SIP-IP-Phone/2"',
  );
  assert.equal(fmt(BUILTIN_LOG_FORMATS.referer)(e), 'sip:ref@x -> sip:bob@example.com');
  assert.equal(fmt(BUILTIN_LOG_FORMATS.agent)(e), 'Cisco-SIP-IP-Phone/2');
});

test('%h uses the environment (hostname cache)', () => {
  const f = fmt('%h %a');
  assert.equal(f(entry(), { host: () => 'phone1.example.com' }), 'phone1.example.com 10.80.36.85');
});

test('status conditions as in Apache', () => {
  const f = fmt('%404,500{User-Agent}i|%!200{User-Agent}i');
  assert.equal(f(entry({ status: 200 })), '-|-');
  assert.equal(f(entry({ status: 404 })), 'Cisco-SIP-IP-Phone/2|Cisco-SIP-IP-Phone/2');
  assert.equal(f(entry({ status: 486 })), '-|Cisco-SIP-IP-Phone/2');
});

test('escaping of quotes, backslashes, control characters and non-ASCII', () => {
  assert.equal(escapeLogItem('plain text'), 'plain text');
  assert.equal(escapeLogItem('say "hi"'), 'say \\"hi\\"');
  assert.equal(escapeLogItem('a\\b'), 'a\\\\b');
  assert.equal(escapeLogItem('l1\r\nl2\tx'), 'l1\\r\\nl2\\tx');
  assert.equal(escapeLogItem('\x01\x7f'), '\\x01\\x7f');
  assert.equal(escapeLogItem('é'), '\\xc3\\xa9');
  const e = entry({ requestHeader: (n) => (n === 'User-Agent' ? 'Evil "agent"\n[error] fake' : undefined), user: 'bo"b' });
  assert.equal(fmt('"%{User-Agent}i" %u')(e), '"Evil \\"agent\\"\\n[error] fake" bo\\"b');
  assert.equal(fmt('%r')(entry({ requestUri: 'sip:a b@x' })), 'INVITE sip:a b@x SIP/2.0');
});

test('literal \\t and \\n in the format', () => {
  assert.equal(fmt('%m\\t%s')(entry()), 'INVITE\t200');
});

test('errors give a message and the index of the item', () => {
  const bad: [string, number, RegExp][] = [
    ['%h %Z', 3, /unknown format code %Z/],
    ['ok %{Referer', 3, /unterminated/],
    ['abc %', 4, /ends in the middle/],
    ['%i', 0, /header name/],
    ['x %{foo}p', 2, /\{local\}/],
    ['%{x}h', 0, /takes no/],
    ['%99s', 0, /status code/],
    ['%{}o', 0, /header name/],
  ];
  for (const [f, index, re] of bad) {
    const r = compileLogFormat(f);
    assert.equal(r.ok, false, f);
    if (!r.ok) {
      assert.equal(r.index, index, f);
      assert.match(r.error, re, f);
    }
  }
});

test('nicknames', () => {
  assert.deepEqual(resolveLogFormat('common', BUILTIN_LOG_FORMATS), { ok: true, format: BUILTIN_LOG_FORMATS.common });
  assert.deepEqual(resolveLogFormat('%h', BUILTIN_LOG_FORMATS), { ok: true, format: '%h' });
  const r = resolveLogFormat('nosuch', BUILTIN_LOG_FORMATS);
  assert.equal(r.ok, false);
  assert.equal(resolveLogFormat('toString', BUILTIN_LOG_FORMATS).ok, false);
});
