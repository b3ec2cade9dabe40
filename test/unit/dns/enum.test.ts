// ENUM: the guide's rules for which domain a number is looked up under, the NAPTR
// regexp (RFC 3402 substitution expressions, RFC 6116 examples), and the targets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Config } from '../../../src/config/loader.js';
import { EnumTranslator, enumQueryFor, isSipService } from '../../../src/modules/enum/enum.js';
import { parseSubstitution, substitute } from '../../../src/modules/enum/substitution.js';
import type { RequestContext } from '../../../src/proxy/stages.js';
import { parseMessage } from '../../../src/sip/message.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { MemoryDns } from './memory-dns.js';
import { configOf, uriOf } from '../../helpers/values.js';

const config = (lines: string[]): Config => configOf(lines);
const uri = uriOf;

function ctx(ruri: string, cfg: Config, expandedUser?: string): RequestContext {
  const m = parseMessage(Buffer.from([`INVITE ${ruri} SIP/2.0`, 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKe', 'From: <sip:a@x.example>;tag=1', 'To: <sip:b@y.example>', 'Call-ID: e1', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n')));
  assert.ok(m.ok);
  const source = { transport: 'UDP' as const, remoteAddress: '192.0.2.1', remotePort: 5060, localAddress: '192.0.2.9', localPort: 5060 };
  return { req: m.message as SipRequest, source, config: cfg, trustedSource: false, ...(expandedUser !== undefined ? { expandedUser } : {}) };
}

describe('substitution expressions (RFC 3402 §3.2)', () => {
  test('RFC 6116 example: !^.*$!sip:info@example.com! replaces the whole number', () => {
    assert.equal(substitute('!^.*$!sip:info@example.com!', '+441632960083'), 'sip:info@example.com');
  });
  test('back-references \\1..\\9 insert the groups', () => {
    assert.equal(substitute('!^\\+1(408)(555)([0-9]{4})$!sip:\\3-\\2-\\1@example.com!', '+14085550122'), 'sip:0122-555-408@example.com');
    assert.equal(substitute('!^\\+(.*)$!sip:\\1\\9@gw.example!', '+4930'), 'sip:4930@gw.example', 'a group that did not match inserts nothing');
  });
  test('any delimiter; an escaped delimiter is literal in the ERE and in the replacement', () => {
    assert.equal(substitute('/^\\+(.*)$/sip:\\1@example.com/', '+123'), 'sip:123@example.com');
    assert.equal(substitute('#^\\+(1)\\#?(.*)$#sip:\\2\\#x@h.example#', '+1#99'), 'sip:99#x@h.example');
    assert.equal(substitute('|^\\+(.*)$|sip:a\\|b@h.example|', '+5'), 'sip:a|b@h.example');
  });
  test('flag "i" makes the ERE case-insensitive; without it case matters; other flags are invalid', () => {
    assert.equal(substitute('!^X(.*)$!sip:\\1@h.example!i', 'x12'), 'sip:12@h.example');
    assert.equal(substitute('!^X(.*)$!sip:\\1@h.example!', 'x12'), undefined);
    assert.equal(parseSubstitution('!^.*$!sip:a@h.example!g'), undefined);
  });
  test('the ERE matches part of the string: only that part is replaced (sed)', () => {
    assert.equal(substitute('!555!666!', '+14085550122'), '+14086660122');
  });
  test('POSIX classes are understood', () => {
    assert.equal(substitute('!^\\+([[:digit:]]+)$!sip:\\1@h.example!', '+4930'), 'sip:4930@h.example');
  });
  test('malformed expressions give nothing: digit or backslash delimiter, missing delimiter, bad ERE', () => {
    for (const bad of ['1^.*$1sip:x@h1', '\\^.*$\\sip:x\\', '!^.*$!sip:x@h.example', '!^(.*$!sip:x@h!', '', '!', '!^[[:nope:]]$!x!']) {
      assert.equal(parseSubstitution(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('the guide: which ENUM domain a number uses', () => {
  const global = { Cisco_Enum_Domain: undefined, Cisco_Enum_Global_Domain: 'e164.arpa' };
  const priv = { Cisco_Enum_Domain: 'enum.example.com', Cisco_Enum_Global_Domain: 'e164.arpa' };
  test('a number with + always uses Cisco_Enum_Global_Domain, even when Cisco_Enum_Domain is set', () => {
    assert.deepEqual(enumQueryFor('+14085550122', priv), { aus: '+14085550122', domain: '2.2.1.0.5.5.5.8.0.4.1.e164.arpa' });
    assert.deepEqual(enumQueryFor('+1-408-555-0122', global), { aus: '+14085550122', domain: '2.2.1.0.5.5.5.8.0.4.1.e164.arpa' });
    assert.equal(enumQueryFor('%2B14085550122', global)?.domain, '2.2.1.0.5.5.5.8.0.4.1.e164.arpa');
  });
  test('a number without + uses Cisco_Enum_Domain when it is set…', () => {
    assert.deepEqual(enumQueryFor('5550122', priv), { aus: '5550122', domain: '2.2.1.0.5.5.5.enum.example.com' });
  });
  test('…and Cisco_Enum_Global_Domain when it is not', () => {
    assert.deepEqual(enumQueryFor('5550122', global), { aus: '5550122', domain: '2.2.1.0.5.5.5.e164.arpa' });
    assert.equal(enumQueryFor('5550122', { Cisco_Enum_Domain: undefined, Cisco_Enum_Global_Domain: 'e164.example.net' })?.domain, '2.2.1.0.5.5.5.e164.example.net');
  });
  test('a user part that is not a number is not looked up', () => {
    for (const u of ['alice', '+', '12a4', '+1 408', '']) assert.equal(enumQueryFor(u, global), undefined, u);
  });
  test('services: E2U+sip and the older sip+E2U, in any case; other services are not SIP', () => {
    for (const s of ['E2U+sip', 'e2u+SIP', 'E2U+sip:uri', 'E2U+h323+sip', 'sip+E2U']) assert.ok(isSipService(s), s);
    for (const s of ['E2U+h323', 'E2U+email:mailto', 'SIP+D2U', 'sipx+E2U', 'E2U']) assert.ok(!isSipService(s), s);
  });
});

describe('EnumTranslator', () => {
  const zone = () =>
    new MemoryDns()
      .add('2.2.1.0.5.5.5.8.0.4.1.e164.arpa', 'NAPTR', { order: 100, preference: 10, flags: 'u', services: 'E2U+sip', regexp: '!^\\+1(.*)$!sip:\\1@primary.example!', replacement: '' })
      .add('2.2.1.0.5.5.5.8.0.4.1.e164.arpa', 'NAPTR', { order: 100, preference: 20, flags: 'U', services: 'sip+E2U', regexp: '!^.*$!sip:backup@backup.example!', replacement: '' })
      .add('2.2.1.0.5.5.5.8.0.4.1.e164.arpa', 'NAPTR', { order: 90, preference: 10, flags: 'u', services: 'E2U+email:mailto', regexp: '!^.*$!mailto:x@example!', replacement: '' })
      .add('2.2.1.0.5.5.5.8.0.4.1.e164.arpa', 'NAPTR', { order: 200, preference: 10, flags: 'u', services: 'E2U+sip', regexp: '!^.*$!tel:+14085550122!', replacement: '' })
      .add('2.2.1.0.5.5.5.8.0.4.1.e164.arpa', 'NAPTR', { order: 300, preference: 10, flags: 'u', services: 'E2U+sip', regexp: '!^.*$!sip:last@last.example!', replacement: '' })
      .add('9.9.e164.arpa', 'NAPTR', { order: 1, preference: 1, flags: '', services: '', regexp: '', replacement: 'redirected.example' })
      .add('redirected.example', 'NAPTR', { order: 1, preference: 1, flags: 'u', services: 'E2U+sip', regexp: '!^.*$!sip:moved@moved.example!', replacement: '' });

  test('Cisco_Enum Off: nothing is looked up', async () => {
    const dns = zone();
    assert.equal(await new EnumTranslator({ client: dns }).translate(ctx('sip:+14085550122@x.example', config([])), uri('sip:+14085550122@x.example')), undefined);
    assert.deepEqual(dns.asked, []);
  });

  test('E2U+sip records in order/preference order become targets with falling q; non-SIP and tel: results are skipped', async () => {
    const dns = zone();
    const t = await new EnumTranslator({ client: dns }).translate(ctx('sip:+14085550122@x.example;user=phone', config(['Cisco_Enum On'])), uri('sip:+14085550122@x.example;user=phone'));
    assert.deepEqual(
      t?.map((x) => [x.requestUri, x.q]),
      [
        ['sip:4085550122@primary.example', 1],
        ['sip:backup@backup.example', 0.667],
        ['sip:last@last.example', 0.333],
      ],
    );
    assert.deepEqual(dns.asked, ['NAPTR 2.2.1.0.5.5.5.8.0.4.1.e164.arpa']);
  });

  test('the expanded user (number expansion) is used before the Request-URI user; tel: URIs work too', async () => {
    const dns = zone();
    const e = new EnumTranslator({ client: dns });
    const c = config(['Cisco_Enum On']);
    assert.equal((await e.translate(ctx('sip:0122@x.example', c, '+14085550122'), uri('sip:0122@x.example')))?.[0].requestUri, 'sip:4085550122@primary.example');
    assert.equal((await e.translate(ctx('tel:+1-408-555-0122', c), uri('tel:+1-408-555-0122')))?.[0].requestUri, 'sip:4085550122@primary.example');
  });

  test('no record: undefined, so the next translation module is asked', async () => {
    const dns = zone();
    assert.equal(await new EnumTranslator({ client: dns }).translate(ctx('sip:+4930123@x.example', config(['Cisco_Enum On'])), uri('sip:+4930123@x.example')), undefined);
  });

  test('a non-terminal record sends the search to its replacement', async () => {
    const t = await new EnumTranslator({ client: zone() }).translate(ctx('sip:+99@x.example', config(['Cisco_Enum On'])), uri('sip:+99@x.example'));
    assert.equal(t?.[0].requestUri, 'sip:moved@moved.example');
  });

  test('private numbers go to Cisco_Enum_Domain', async () => {
    const dns = new MemoryDns().add('2.2.1.0.enum.example.com', 'NAPTR', { order: 1, preference: 1, flags: 'u', services: 'E2U+sip', regexp: '!^(.*)$!sip:\\1@pbx.example!', replacement: '' });
    const t = await new EnumTranslator({ client: dns }).translate(ctx('sip:0122@x.example', config(['Cisco_Enum On', 'Cisco_Enum_Domain enum.example.com'])), uri('sip:0122@x.example'));
    assert.equal(t?.[0].requestUri, 'sip:0122@pbx.example');
  });
});
