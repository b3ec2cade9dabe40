// AOR keys and "is this server me?": the guide's registrar-for-multiple-domains rules,
// its CompanyA / CompanyB registrations, and the visual-separator troubleshooting note.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { aorKey, homeDomain, normalizeUser, servedDomain } from '../../../src/modules/registry/aor.js';
import { isThisServer, normalizeHost } from '../../../src/modules/registry/this-server.js';
import { BOUND, COMPANIES_CONF, tempRoot } from './helpers.js';
import { uriOf } from '../../helpers/values.js';

const t = tempRoot();
after(() => t.remove());
const config = t.config(COMPANIES_CONF);

const uri = uriOf;

function regKey(text: string): string {
  const k = aorKey(uri(text), config, { registering: true, bound: BOUND });
  assert.ok(k.ok, `${text}: ${k.ok ? '' : k.reason}`);
  return k.key;
}

function lookupKey(text: string): string {
  const k = aorKey(uri(text), config, { registering: false, bound: BOUND });
  assert.ok(k.ok, `${text}: ${k.ok ? '' : k.reason}`);
  return k.key;
}

test('visual separators . - ( ) are stripped from numeric users (troubleshooting: 408.902.3126)', () => {
  assert.equal(normalizeUser('408.902.3126').user, '4089023126');
  assert.equal(normalizeUser('408-902-3126').user, '4089023126');
  assert.equal(normalizeUser('(408)902-3126').user, '4089023126');
  assert.equal(normalizeUser('02109187.').user, '02109187');
  assert.deepEqual(normalizeUser('+1-408-555-8000'), { user: '+14085558000', numeric: true, e164: true });
  assert.deepEqual(normalizeUser('%2B14085558000'), { user: '+14085558000', numeric: true, e164: true });
  // Not numbers: kept as written.
  assert.deepEqual(normalizeUser('john.doe'), { user: 'john.doe', numeric: false, e164: false });
  assert.deepEqual(normalizeUser('1+2'), { user: '1+2', numeric: false, e164: false });
  assert.equal(normalizeUser('John').user, 'John');
  assert.equal(regKey('sip:408.902.3126@proxy.com'), regKey('sip:4089023126@proxy.com'));
});

test('CompanyA/CompanyB: 2xxx at CompanyA registers as 2xxx@companyA.com, 2xxx at CompanyB as 2xxx@companyB.com', () => {
  // Phones expand 2xxx to 2xxx@<proxy>: their company's virtual proxy (name or address).
  assert.equal(regKey('sip:2000@companyA.com'), '2000@companya.com');
  assert.equal(regKey('sip:2000@sip.companyA.com'), '2000@companya.com');
  assert.equal(regKey('sip:2000@10.1.1.10'), '2000@companya.com');
  assert.equal(regKey('sip:2000@companyB.com'), '2000@companyb.com');
  assert.equal(regKey('sip:2000@10.1.1.11:5060'), '2000@companyb.com');
  // Same extension, two domains: two separate entries.
  assert.notEqual(regKey('sip:2000@companyA.com'), regKey('sip:2000@companyB.com'));
});

test('CompanyA/CompanyB: 8xxx at CompanyA registers as +14085558xxx@companyA.com, 8xxx at CompanyB as +14086668xxx@companyB.com', () => {
  assert.equal(regKey('sip:+14085558000@companyA.com'), '+14085558000');
  assert.equal(regKey('sip:+14086668000@companyB.com'), '+14086668000');
  assert.equal(regKey('sip:+1-408-555-8000@10.1.1.10;user=phone'), '+14085558000');
});

test('E.164 numbers are one entry for every domain; other users are one entry per domain', () => {
  // <e.164-number>@*.com is treated as <e.164-number>@<ProxyDomain>.
  for (const d of ['companyA.com', 'companyB.com', 'proxy.com', 'sps.proxy.com', '10.1.1.5']) {
    assert.equal(regKey(`sip:+14085558000@${d}`), '+14085558000', d);
  }
  // "2001 at CompanyA calls 8000 at CompanyB as +14086668000@companyA.com [4]" reaches CompanyB's 8000.
  assert.equal(lookupKey('sip:+14086668000@companyA.com'), regKey('sip:+14086668000@companyB.com'));
  // John Doe calls 8000 at CompanyA as +14085558000@<proxy>.com [6].
  assert.equal(lookupKey('sip:+14085558000@proxy.com'), regKey('sip:+14085558000@companyA.com'));
  assert.equal(lookupKey('tel:+1-408-555-8000'), '+14085558000');
  // user@a.com, user@b.com, user@cisco.com: three separate entries.
  const keys = new Set(['companyA.com', 'companyB.com', 'proxy.com'].map((d) => regKey(`sip:alice@${d}`)));
  assert.equal(keys.size, 3);
});

test('the proxy\'s own names and addresses key to ProxyDomain', () => {
  assert.equal(homeDomain(config), 'proxy.com');
  for (const h of ['proxy.com', 'PROXY.com.', 'sps.proxy.com', '10.1.1.5']) assert.equal(regKey(`sip:2000@${h}`), '2000@proxy.com', h);
  // ProxyDomain unset: ServerName stands in.
  const noDomain = t.config(['ServerName sps.example.net']);
  assert.equal(homeDomain(noDomain), 'sps.example.net');
  assert.equal(servedDomain('sps.example.net', noDomain), 'sps.example.net');
});

test('a domain this registrar does not serve is refused (404); lookups keep it as written', () => {
  const k = aorKey(uri('sip:2000@elsewhere.example'), config, { registering: true, bound: BOUND });
  assert.equal(k.ok, false);
  assert.equal(!k.ok && k.status, 404);
  assert.equal(lookupKey('sip:2000@Elsewhere.example'), '2000@elsewhere.example');
  const tel = aorKey(uri('tel:+14085558000'), config, { registering: true, bound: BOUND });
  assert.equal(!tel.ok && tel.status, 404);
});

test('"*" in a registration is refused: wildcards are for routes only', () => {
  const k = aorKey(uri('sip:20*@companyA.com'), config, { registering: true, bound: BOUND });
  assert.equal(k.ok, false);
  assert.equal(!k.ok && k.status, 400);
  assert.match(!k.ok ? k.reason : '', /wildcards are not allowed in registrations/i);
});

test('Cisco_Registry_Use_Virtual_Proxy_Host Off: the virtual hosts\' domains are not served', () => {
  const off = t.config([...COMPANIES_CONF, 'Cisco_Registry_Use_Virtual_Proxy_Host Off']);
  const k = aorKey(uri('sip:2000@companyA.com'), off, { registering: true, bound: BOUND });
  assert.equal(!k.ok && k.status, 404);
  assert.equal(isThisServer('10.1.1.10', undefined, off, BOUND), false);
  assert.equal(isThisServer('10.1.1.10', undefined, config, BOUND), true);
});

test('isThisServer: names, listening addresses and ports', () => {
  assert.equal(isThisServer('sps.proxy.com', 5060, config, BOUND), true);
  assert.equal(isThisServer('proxy.com', undefined, config, BOUND), true);
  assert.equal(isThisServer('10.1.1.5', 5060, config, BOUND), true);
  assert.equal(isThisServer('10.1.1.5', 5070, config, BOUND), false, 'a port we do not listen on');
  assert.equal(isThisServer('10.1.1.6', 5060, config, BOUND), false);
  assert.equal(isThisServer('127.0.0.1', 5060, config, BOUND), false, 'bound to one address only');
  assert.equal(isThisServer('sip.companyB.com', 5060, config, BOUND), true);
  // Bound to every address: loopback and localhost are us too.
  const any = [{ address: '0.0.0.0', port: 5060 }];
  assert.equal(isThisServer('127.0.0.1', 5060, config, any), true);
  assert.equal(isThisServer('localhost', undefined, config, any), true);
  assert.equal(isThisServer('[::1]', 5060, config, [{ address: '::', port: 5060 }]), true);
  // Nothing bound yet: the Listen lines of the file decide.
  const listen = t.config(['Listen 192.0.2.7:5080', 'ProxyDomain example.com']);
  assert.equal(isThisServer('192.0.2.7', 5080, listen), true);
  assert.equal(isThisServer('192.0.2.7', 5060, listen), false);
  assert.equal(isThisServer('127.0.0.1', 5080, listen), false);
  assert.equal(normalizeHost('[2001:DB8:0::1]'), '2001:db8::1');
});
