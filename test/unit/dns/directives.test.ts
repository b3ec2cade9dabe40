// DnsServer (our addition) as sipd.conf spells it, and what a bad value says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMessage, parseConfig } from '../../../src/server/config.js';
import { dnsServersOf, readResolvConf } from '../../../src/modules/dns/client.js';

function values(text: string) {
  const r = parseConfig(text, '/srv/sip/conf/sipd.conf');
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatMessage).join('; '));
  return r.config;
}

test('DnsServer: addresses with and without ports, IPv6 in brackets, lines accumulate', () => {
  const c = values('DnsServer 192.0.2.53 192.0.2.54:5353\nDnsServer [2001:db8::53]:5300');
  assert.deepEqual(c.values.DnsServer, [
    { host: '192.0.2.53', port: 53 },
    { host: '192.0.2.54', port: 5353 },
    { host: '2001:db8::53', port: 5300 },
  ]);
  assert.deepEqual(values('DnsServer 2001:db8::1').values.DnsServer, [{ host: '2001:db8::1', port: 53 }]);
  assert.deepEqual(dnsServersOf(c), c.values.DnsServer);
});

test('DnsServer unset: the servers of /etc/resolv.conf', () => {
  assert.deepEqual(dnsServersOf(values('')), readResolvConf());
});

test('DnsServer: names, bad ports and a fourth server are refused with file:line and what is valid', () => {
  for (const [line, want] of [
    ['DnsServer ns1.example.com', /sipd\.conf:2:\d+: .*"ns1\.example\.com" is not the address of a name server.*IP address/],
    ['DnsServer 192.0.2.53:99999', /sipd\.conf:2:\d+: .*out of range/],
    ['DnsServer 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4', /sipd\.conf:2:\d+: .*takes 1 to 3 arguments/],
    ['DnsServer 192.0.2.1 192.0.2.2\nDnsServer 192.0.2.3 192.0.2.4', /sipd\.conf:3:\d+: .*at most 3 are used/],
  ] as const) {
    const r = parseConfig(`# first line\n${line}\n`, '/srv/sip/conf/sipd.conf');
    assert.equal(r.ok, false, line);
    if (!r.ok) assert.match(r.errors.map(formatMessage).join('\n'), want);
  }
});
