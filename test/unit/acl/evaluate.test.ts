// Access lists (Appendix B "Configuring SIP Access Control and Trust Lists"): the guide's
// two examples, every host form, both orders, and the downstream ("to") trust list.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { compileAcl, compileHostSet, parseAddr } from '../../../src/modules/acl/evaluate.js';
import type { HostLookup } from '../../../src/modules/acl/evaluate.js';
import { parseAclHosts } from '../../../src/modules/acl/directives.js';
import { configFrom } from '../registry/helpers.js';
import { FIXTURES } from '../../helpers/paths.js';

/** A resolver over a fixed table that counts its calls. */
function table(entries: Record<string, string[]>): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const f = async (name: string) => {
    calls.push(name);
    const hit = entries[name];
    if (!hit) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return hit;
  };
  return Object.assign(f, { calls });
}

const conf = (lines: string[]) => configFrom(lines, os.tmpdir());
const guide = (file: string) => readFileSync(path.join(FIXTURES, 'guide', file), 'utf8').split('\n');

const DNS = table({ 'company.com': ['192.0.2.10', '2001:db8::10'], 'foo.company.com': ['192.0.2.20'] });

describe('Appendix B access-control examples', () => {
  test('first example: Order Deny,Allow / Deny from all / Allow from company.com admits company.com only', async () => {
    const acl = await compileAcl(conf(guide('acl-1.conf')), DNS);
    assert.equal(acl.allowedSource('192.0.2.10'), true);
    assert.equal(acl.allowedSource('2001:db8::10'), true);
    assert.equal(acl.allowedSource('198.51.100.7'), false);
    assert.equal(acl.inUse, true);
  });

  test('second example: Order Allow, Deny admits company.com except foo.company.com, refuses the rest', async () => {
    const acl = await compileAcl(conf(guide('acl-2.conf')), DNS);
    assert.equal(acl.order, 'Allow,Deny');
    assert.equal(acl.allowedSource('192.0.2.10'), true);
    assert.equal(acl.allowedSource('192.0.2.20'), false, 'foo.company.com is denied');
    assert.equal(acl.allowedSource('198.51.100.7'), false, 'not in company.com: denied by default');
  });

  test('second example with Order Deny,Allow admits every host, foo.company.com included', async () => {
    const lines = guide('acl-2.conf').map((l) => (l.startsWith('Order') ? 'Order Deny,Allow' : l));
    const acl = await compileAcl(conf(lines), DNS);
    assert.equal(acl.allowedSource('192.0.2.20'), true, 'Allow from company.com is evaluated last and overrides');
    assert.equal(acl.allowedSource('192.0.2.10'), true);
    assert.equal(acl.allowedSource('198.51.100.7'), true, 'default state is Allow');
  });
});

describe('host forms', () => {
  test('the guide\'s list: full IP, partial IP, netmask, CIDR (acl-forms.conf without "all")', async () => {
    const lines = ['Order Allow,Deny', ...guide('acl-forms.conf').filter((l) => !/from all/.test(l))];
    const acl = await compileAcl(conf(lines), DNS);
    for (const a of ['10.1.2.3', '10.1.0.1', '10.1.255.254', '192.0.2.10']) assert.equal(acl.allowedSource(a), true, a);
    for (const a of ['10.2.0.1', '11.1.2.3', '192.0.2.11']) assert.equal(acl.allowedSource(a), false, a);
  });

  test('each form alone', async () => {
    const cases: [string, string[], string[]][] = [
      ['10.1.2.3', ['10.1.2.3'], ['10.1.2.4']],
      ['10.1', ['10.1.0.0', '10.1.200.3'], ['10.10.0.1', '10.0.1.1']],
      ['10.1.', ['10.1.9.9'], ['10.11.9.9']],
      ['172.16.0.0/255.240.0.0', ['172.16.0.1', '172.31.255.255'], ['172.32.0.1', '172.15.255.255']],
      ['192.168.4.0/22', ['192.168.4.1', '192.168.7.254'], ['192.168.8.1', '192.168.3.255']],
      ['2001:db8:1::/48', ['2001:db8:1::5', '2001:db8:1:ffff::1'], ['2001:db8:2::1', '10.0.0.1']],
      ['2001:db8::7', ['2001:db8:0:0::7', '[2001:db8::7]'], ['2001:db8::8']],
      ['all', ['10.0.0.1', '::1', '203.0.113.9'], []],
    ];
    for (const [host, yes, no] of cases) {
      const acl = await compileAcl(conf(['Order Allow,Deny', `Allow from ${host}`]), DNS);
      for (const a of yes) assert.equal(acl.allowedSource(a), true, `${host} should admit ${a}`);
      for (const a of no) assert.equal(acl.allowedSource(a), false, `${host} should refuse ${a}`);
    }
  });

  test('an IPv4-mapped IPv6 source counts as its IPv4 address', async () => {
    const acl = await compileAcl(conf(['Order Allow,Deny', 'Allow from 10.1.0.0/16']), DNS);
    assert.equal(acl.allowedSource('::ffff:10.1.2.3'), true);
    assert.equal(acl.allowedSource('::ffff:10.2.2.3'), false);
    assert.deepEqual(parseAddr('::ffff:10.1.2.3'), parseAddr('10.1.2.3'));
  });

  test('a partial domain is resolved once, at compile time, and covers the listed names under it', async () => {
    const dns = table({ 'company.com': ['192.0.2.10'], 'gw.company.com': ['192.0.2.30'] });
    const acl = await compileAcl(conf(['Order Allow,Deny', 'Allow from company.com', 'Allow to gw.company.com']), dns);
    assert.deepEqual([...dns.calls].sort(), ['company.com', 'gw.company.com']);
    for (let i = 0; i < 50; i++) acl.allowedSource('192.0.2.30');
    assert.equal(dns.calls.length, 2, 'no lookup per request');
    assert.equal(acl.allowedSource('192.0.2.10'), true);
    assert.equal(acl.allowedSource('192.0.2.30'), true, 'gw.company.com lies under company.com');
    assert.equal(acl.allowedSource('192.0.2.31'), false);
  });

  test('a name that does not resolve matches nothing and is reported, naming the file and the host', async () => {
    const c = conf(['Order Deny,Allow', 'Deny from all', 'Allow from nowhere.invalid', 'Allow from 10.1']);
    const acl = await compileAcl(c, table({}));
    assert.equal(acl.warnings.length, 1);
    assert.match(acl.warnings[0], /nowhere\.invalid/);
    assert.ok(acl.warnings[0].includes(c.file));
    assert.equal(acl.allowedSource('10.1.0.9'), true);
    assert.equal(acl.allowedSource('192.0.2.10'), false);
  });

  test('compileHostSet matches one list on its own (PreAuthPreviousHop and the like)', async () => {
    const hosts = parseAclHosts(['10.1', 'company.com'].map((text) => ({ text, quoted: false, line: 1, col: 1 })), 0);
    const set = await compileHostSet(hosts, DNS);
    assert.equal(set.matches('10.1.3.3'), true);
    assert.equal(set.matches('2001:db8::10'), true);
    assert.equal(set.matches('10.2.3.3'), false);
    assert.equal(set.matches('not an address'), false);
  });
});

describe('Order', () => {
  test('with no lines, Deny,Allow admits everyone and Allow,Deny refuses everyone; access control is not in use', async () => {
    const open = await compileAcl(conf(['Order Deny,Allow']), DNS);
    const shut = await compileAcl(conf(['Order Allow,Deny']), DNS);
    assert.equal(open.allowedSource('203.0.113.1'), true);
    assert.equal(shut.allowedSource('203.0.113.1'), false);
    assert.equal(open.inUse, false);
  });

  test('a host matching both lists: Deny,Allow lets the Allow win, Allow,Deny lets the Deny win', async () => {
    const lines = ['Allow from 10.1.0.0/16', 'Deny from 10.1.2.0/24'];
    const da = await compileAcl(conf(['Order Deny,Allow', ...lines]), DNS);
    const ad = await compileAcl(conf(['Order Allow,Deny', ...lines]), DNS);
    assert.equal(da.allowedSource('10.1.2.3'), true);
    assert.equal(ad.allowedSource('10.1.2.3'), false);
    assert.equal(ad.allowedSource('10.1.3.3'), true);
    // Only in the Deny list, only in neither.
    const only = await compileAcl(conf(['Order Deny,Allow', 'Deny from 10.9']), DNS);
    assert.equal(only.allowedSource('10.9.0.1'), false);
    assert.equal(only.allowedSource('10.8.0.1'), true);
  });

  test('coveredByAllow is true only for hosts an Allow from line names', async () => {
    const acl = await compileAcl(conf(['Order Deny,Allow', 'Deny from 10.9', 'Allow from 10.1']), DNS);
    assert.equal(acl.coveredByAllow('10.1.0.1'), true);
    assert.equal(acl.coveredByAllow('10.8.0.1'), false, 'admitted by default, but no Allow names it');
    assert.equal(acl.allowedSource('10.8.0.1'), true);
  });
});

describe('downstream trust list (Allow to / Deny to)', () => {
  test('to-lines decide trustedDestination under the same Order and leave the from-list alone', async () => {
    const acl = await compileAcl(conf(['Order Allow,Deny', 'Allow to 10.0.0.0/8 company.com', 'Deny to 10.9.0.0/16', 'Allow from 192.0.2.0/24']), DNS);
    assert.equal(acl.trustedDestination('10.1.2.3'), true);
    assert.equal(acl.trustedDestination('192.0.2.10'), true, 'company.com');
    assert.equal(acl.trustedDestination('10.9.1.1'), false);
    assert.equal(acl.trustedDestination('203.0.113.5'), false);
    assert.equal(acl.trustedDestination('192.0.2.77'), false, 'an Allow from line does not make a receiver trusted');
    assert.equal(acl.allowedSource('10.1.2.3'), false, 'an Allow to line does not admit a sender');
    assert.equal(acl.allowedSource('192.0.2.77'), true);
  });

  test('only to-lines: access control is not in use for senders', async () => {
    const acl = await compileAcl(conf(['Order Deny,Allow', 'Deny to all', 'Allow to 10.1']), DNS);
    assert.equal(acl.inUse, false);
    assert.equal(acl.allowedSource('203.0.113.5'), true);
    assert.equal(acl.trustedDestination('10.1.0.5'), true);
    assert.equal(acl.trustedDestination('10.2.0.5'), false);
  });
});
