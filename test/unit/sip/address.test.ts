// name-addr / addr-spec (From, To, Contact, Route) and Via values.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressTag, contactExpires, contactQ, paramValue, parseAddress, parseAddressList, parseContacts, serializeAddress } from '../../../src/sip/address.js';
import type { Address } from '../../../src/sip/address.js';
import { serializeUri } from '../../../src/sip/uri.js';
import type { SipUri } from '../../../src/sip/uri.js';
import { parseVia, parseVias, serializeVia } from '../../../src/sip/via.js';
import type { Via } from '../../../src/sip/via.js';

function addr(text: string): Address {
  const r = parseAddress(text);
  assert.ok(r.ok, `${text}: ${r.ok ? '' : r.reason}`);
  return r.address;
}
function via(text: string): Via {
  const r = parseVia(text);
  assert.ok(r.ok, `${text}: ${r.ok ? '' : r.reason}`);
  return r.via;
}

describe('addresses', () => {
  test('name-addr with a token display name and a tag', () => {
    const a = addr('Alice Smith <sip:alice@atlanta.com>;tag=1928301774');
    assert.equal(a.displayName, 'Alice Smith');
    assert.equal(serializeUri(a.uri), 'sip:alice@atlanta.com');
    assert.equal(a.angle, true);
    assert.equal(addressTag(a), '1928301774');
  });

  test('quoted display names with escapes, commas and semicolons', () => {
    assert.equal(addr('"Quoted \\"Name\\"" <sip:a@b>').displayName, 'Quoted "Name"');
    assert.equal(addr('"J. Rosenberg \\\\\\"" <sip:jdrosen@example.com>').displayName, 'J. Rosenberg \\"');
    assert.equal(addr('"Smith, Bob; Jr" <sip:bob@b>').displayName, 'Smith, Bob; Jr');
    assert.equal(addr('"" <sip:a@b>').displayName, '');
    assert.equal(addr('"Ünïcødé" <sip:a@b>').displayName, 'Ünïcødé');
  });

  test('addr-spec: parameters after the URI belong to the header', () => {
    const a = addr('sip:alice@atlanta.com;tag=88sja8x');
    assert.equal(a.angle, false);
    assert.equal(serializeUri(a.uri), 'sip:alice@atlanta.com');
    assert.equal(addressTag(a), '88sja8x');
  });

  test('URI parameters inside <> stay with the URI', () => {
    const a = addr('<sip:alice@atlanta.com;transport=tcp>;tag=1');
    assert.deepEqual((a.uri as SipUri).params, [{ name: 'transport', value: 'tcp' }]);
    assert.deepEqual(a.params, [{ name: 'tag', value: '1' }]);
  });

  test('whitespace around parameters and quoted parameter values', () => {
    const a = addr('<sip:a@b>  ;  tag = x1 ; +sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"');
    assert.equal(addressTag(a), 'x1');
    assert.equal(paramValue(a.params, '+sip.instance'), '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>');
  });

  test('tel and IPv6 addresses', () => {
    assert.equal(addr('<tel:+1-201-555-0123>;tag=t').uri.scheme, 'tel');
    assert.equal((addr('<sip:bob@[2001:db8::1]:5060>').uri as SipUri).hostType, 'ipv6');
  });

  test('writing back', () => {
    assert.equal(serializeAddress(addr('Alice <sip:alice@a.com>;tag=1')), 'Alice <sip:alice@a.com>;tag=1');
    assert.equal(serializeAddress(addr('"A, B" <sip:a@b>')), '"A, B" <sip:a@b>');
    assert.equal(serializeAddress(addr('sip:a@b;tag=2')), '<sip:a@b>;tag=2');
    const tricky = addr('"say \\"hi\\" \\\\" <sip:a@b>');
    assert.equal(addr(serializeAddress(tricky)).displayName, tricky.displayName);
  });

  test('malformed addresses', () => {
    const cases: [string, RegExp][] = [
      ['"unterminated <sip:a@b>', /unterminated/],
      ['"Name" sip:a@b', /without <URI>/],
      ['Name <sip:a@b', /missing >/],
      ['<sip:a@b> junk', /unexpected/],
      ['<sip:a@b>;tag="x', /unterminated quoted/],
      ['sip:a@b?subject=x', /enclosed in <>/],
      ['<not a uri>', /scheme|whitespace/],
      ['Bad@Name <sip:a@b>', /display name/],
      ['<sip:a@b>;=x', /empty parameter/],
    ];
    for (const [text, reason] of cases) {
      const r = parseAddress(text);
      assert.ok(!r.ok, text);
      if (!r.ok) assert.match(r.reason, reason, text);
    }
  });

  test('a flag parameter without a value is allowed', () => {
    assert.equal(paramValue(addr('<sip:a@b>;tag').params, 'tag'), '');
  });

  test('Route lists keep their order', () => {
    const r = parseAddressList(['<sip:p1.example.com;lr>, <sip:p2.example.com;lr>', '<sip:p3.example.com;lr>']);
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.addresses.map((a) => (a.uri as SipUri).host), ['p1.example.com', 'p2.example.com', 'p3.example.com']);
  });
});

describe('Contact', () => {
  test('star', () => {
    const r = parseContacts(['*']);
    assert.ok(r.ok && r.star);
    assert.ok(!parseContacts(['*, <sip:a@b>']).ok);
    assert.ok(!parseContacts(['*', '<sip:a@b>']).ok);
  });

  test('several values, q and expires', () => {
    const r = parseContacts(['<sip:bob@192.0.2.4>;q=0.7;expires=3600, "Bob, mobile" <sip:bob@192.0.2.5>;q=0.3', 'sip:bob@192.0.2.6']);
    assert.ok(r.ok && !r.star);
    if (!r.ok || r.star) return;
    assert.equal(r.contacts.length, 3);
    assert.deepEqual(r.contacts.map(contactQ), [0.7, 0.3, 1]);
    assert.deepEqual(r.contacts.map(contactExpires), [3600, undefined, undefined]);
    assert.equal(r.contacts[1].displayName, 'Bob, mobile');
  });

  test('bad q and expires values', () => {
    for (const v of ['<sip:a@b>;q=1.5', '<sip:a@b>;q=0.1234', '<sip:a@b>;q=x', '<sip:a@b>;expires=-1', '<sip:a@b>;expires=soon']) {
      assert.ok(!parseContacts([v]).ok, v);
    }
    for (const v of ['<sip:a@b>;q=0', '<sip:a@b>;q=1', '<sip:a@b>;q=1.000', '<sip:a@b>;q=0.5', '<sip:a@b>;expires=0']) {
      assert.ok(parseContacts([v]).ok, v);
    }
  });
});

describe('Via', () => {
  test('all the parts', () => {
    const v = via('SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5067;maddr=239.1.1.1;ttl=16');
    assert.equal(v.protocolName, 'SIP');
    assert.equal(v.protocolVersion, '2.0');
    assert.equal(v.transport, 'UDP');
    assert.equal(v.host, 'pc33.atlanta.com');
    assert.equal(v.port, 5066);
    assert.equal(v.branch, 'z9hG4bK776asdhds');
    assert.equal(v.received, '192.0.2.1');
    assert.equal(v.rport, 5067);
    assert.equal(v.maddr, '239.1.1.1');
    assert.equal(v.ttl, 16);
  });

  test('rport with and without a value; no port', () => {
    const bare = via('SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK1');
    assert.equal(bare.rport, true);
    assert.equal(bare.port, undefined);
    assert.equal(via('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1').rport, undefined);
  });

  test('IPv6 sent-by and received', () => {
    const v = via('SIP/2.0/TCP [2001:db8::10]:5070;branch=z9hG4bKv6;received=2001:db8::9');
    assert.equal(v.host, '[2001:db8::10]');
    assert.equal(v.port, 5070);
    assert.equal(v.received, '2001:db8::9');
    assert.equal(via('SIP/2.0/UDP [::1];received=[::2]').received, '::2');
  });

  test('whitespace inside the sent-protocol and around the port (RFC 4475 §3.1.1.1 style)', () => {
    const v = via('SIP  /  2.0  /  tcp   host.example.com  :  5061 ; branch = z9hG4bKws');
    assert.equal(v.transport, 'TCP');
    assert.equal(v.host, 'host.example.com');
    assert.equal(v.port, 5061);
    assert.equal(v.branch, 'z9hG4bKws');
  });

  test('lists and writing back', () => {
    const r = parseVias(['SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com:5061;branch=z9hG4bK2', 'SIP/2.0/TLS [::1]:5061;branch=z9hG4bK3;rport']);
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual(r.vias.map((v) => v.transport), ['UDP', 'TCP', 'TLS']);
    assert.deepEqual(r.vias.map(serializeVia), ['SIP/2.0/UDP a.example.com;branch=z9hG4bK1', 'SIP/2.0/TCP b.example.com:5061;branch=z9hG4bK2', 'SIP/2.0/TLS [::1]:5061;branch=z9hG4bK3;rport']);
  });

  test('malformed Via values', () => {
    const cases: [string, RegExp][] = [
      ['nonsense', /sent-protocol/],
      ['SIP/2.0 host', /sent-protocol/],
      ['SIP/2.0/UDP', /sent-protocol/],
      ['SIP/2.0/UDP [2001:db8::1', /unterminated/],
      ['SIP/2.0/UDP 2001:db8::1', /host|port/],
      ['SIP/2.0/UDP host:70000', /port/],
      ['SIP/2.0/UDP host;branch=a"b', /branch|malformed/],
      ['SIP/2.0/UDP host;received=host.example.com', /received/],
      ['SIP/2.0/UDP host;rport=abc', /rport/],
      ['SIP/2.0/UDP host;ttl=256', /ttl/],
      ['SIP/2.0/UDP host;maddr=bad_host', /maddr/],
      ['SIP/2.0/UDP bad_host;branch=z9hG4bK1', /host/],
    ];
    for (const [text, reason] of cases) {
      const r = parseVia(text);
      assert.ok(!r.ok, text);
      if (!r.ok) assert.match(r.reason, reason, text);
    }
  });
});
