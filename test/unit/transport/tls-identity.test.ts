// Guide ch.1 "TLS Client Behavior" / "TLS Server Behavior": a certificate's names are
// matched to a host (the target of a request, or a client's Via sent-by) by
// subjectAltName first and by the subject CN only when it has no name of that kind.
// Also the AllowSipTlsConversionToSip rule.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalIp, certificateIdentities, certificateMatchesHost, checkSipServerIdentity, tlsDowngradeAllowed, tlsListenAddresses } from '../../../src/transport/tls.js';

const san = (subjectaltname: string, CN?: string | string[]) => ({ subjectaltname, subject: CN === undefined ? {} : { CN } });

describe('certificate names', () => {
  test('subjectAltName is read as Node prints it, including quoted entries and sip: URIs', () => {
    const id = certificateIdentities(san('DNS:Proxy.Example.COM., IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, URI:sip:example.org, URI:https://x.test/, DNS:"odd,name.test"', 'cn.test'));
    assert.deepEqual(id.dns, ['proxy.example.com', 'example.org', 'odd,name.test']);
    assert.deepEqual(id.ip, ['127.0.0.1', '::1']);
    assert.deepEqual(id.cn, ['cn.test']);
  });

  test('IPv6 addresses compare in any spelling, with or without brackets', () => {
    assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:10'), '2001:db8::10');
    assert.equal(canonicalIp('[2001:db8::10]'), '2001:db8::10');
    assert.equal(canonicalIp('sips.test'), undefined);
  });
});

describe('certificateMatchesHost', () => {
  const both = san('IP Address:127.0.0.1, DNS:sips.test', 'ignored.test');
  test('a DNS subjectAltName matches the host name, case and trailing dot aside', () => {
    assert.ok(certificateMatchesHost(both, 'SIPS.test.'));
    assert.ok(!certificateMatchesHost(both, 'other.test'));
  });
  test('an IP subjectAltName matches the address', () => {
    assert.ok(certificateMatchesHost(both, '127.0.0.1'));
    assert.ok(!certificateMatchesHost(both, '127.0.0.2'));
    assert.ok(certificateMatchesHost(san('IP Address:0:0:0:0:0:0:0:1'), '[::1]'));
  });
  test('the CN is ignored when the certificate has subjectAltNames of that kind', () => {
    assert.ok(!certificateMatchesHost(both, 'ignored.test'));
    assert.ok(!certificateMatchesHost(san('IP Address:10.0.0.1', '10.0.0.2'), '10.0.0.2'));
  });
  test('the CN is used when the certificate has no subjectAltName of the host\'s kind', () => {
    // Only an IP SAN: a host name falls back to the CN.
    assert.ok(certificateMatchesHost(san('IP Address:127.0.0.1', 'legacy.test'), 'legacy.test'));
    // Only a DNS SAN: an address falls back to the CN.
    assert.ok(certificateMatchesHost(san('DNS:sips.test', '127.0.0.1'), '127.0.0.1'));
    // No SAN at all.
    assert.ok(certificateMatchesHost({ subject: { CN: 'Legacy.Test' } }, 'legacy.test'));
    assert.ok(certificateMatchesHost({ subject: { CN: ['a.test', 'b.test'] } }, 'b.test'));
    assert.ok(!certificateMatchesHost({ subject: { CN: 'legacy.test' } }, 'other.test'));
    assert.ok(!certificateMatchesHost({ subject: {} }, 'legacy.test'));
  });
  test('wildcards are not matched (RFC 5922 §7.2)', () => {
    assert.ok(!certificateMatchesHost(san('DNS:*.example.com'), 'proxy.example.com'));
    assert.ok(!certificateMatchesHost({ subject: { CN: '*.example.com' } }, 'proxy.example.com'));
  });
  test('checkSipServerIdentity says what the certificate names instead', () => {
    assert.equal(checkSipServerIdentity('sips.test', both), undefined);
    const e = checkSipServerIdentity('other.test', both);
    assert.ok(e instanceof Error);
    assert.match(e.message, /does not name other\.test .*DNS:sips\.test.*IP:127\.0\.0\.1/);
  });
});

describe('AllowSipTlsConversionToSip', () => {
  test('a request that came over TLS leaves over TLS only, unless conversion is allowed', () => {
    assert.equal(tlsDowngradeAllowed('TLS', 'sip:bob@example.com', 'UDP', false), false);
    assert.equal(tlsDowngradeAllowed('TLS', 'sip:bob@example.com', 'TCP', false), false);
    assert.equal(tlsDowngradeAllowed('TLS', 'sip:bob@example.com', 'TLS', false), true);
    assert.equal(tlsDowngradeAllowed('TLS', 'sip:bob@example.com', 'UDP', true), true);
  });
  test('a sips: Request-URI keeps TLS whatever it arrived over', () => {
    assert.equal(tlsDowngradeAllowed('UDP', 'SIPS:bob@example.com', 'UDP', false), false);
    assert.equal(tlsDowngradeAllowed('UDP', 'sips:bob@example.com', 'UDP', true), true);
  });
  test('plain requests are not affected', () => {
    assert.equal(tlsDowngradeAllowed('UDP', 'sip:bob@example.com', 'TCP', false), true);
  });
});

describe('TLS listen addresses', () => {
  test('each Listen host once, on SipTlsPort; every address when any Listen has no host', () => {
    assert.deepEqual(tlsListenAddresses([{ host: '127.0.0.1', port: 5060 }, { host: '127.0.0.1', port: 5070 }, { host: '::1', port: 5060 }], 5061), [
      { host: '127.0.0.1', port: 5061 },
      { host: '::1', port: 5061 },
    ]);
    assert.deepEqual(tlsListenAddresses([{ port: 5060 }], 5062), [{ port: 5062 }]);
  });
});
