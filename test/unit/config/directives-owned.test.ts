// The custom argument parsers of the feature modules' directives, called directly with
// Arg objects as the sipd.conf parser would (the Listen parser is tested elsewhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTAINER_INDEX, DIRECTIVE_INDEX } from '../../../src/server/config.js';
import { ValueError } from '../../../src/config/spec.js';
import type { AnyDirective, Arg } from '../../../src/config/spec.js';

function spec(name: string): AnyDirective {
  const s = DIRECTIVE_INDEX.get(name.toLowerCase());
  assert.ok(s, `directive ${name} is declared`);
  return s;
}

function args(line: string): Arg[] {
  return line
    .split(/\s+/)
    .filter(Boolean)
    .map((text, i) => ({ text, quoted: false, line: 1, col: i * 10 + 1 }));
}

/** Parse one directive line ("Name arg arg…") on top of `prev` (the default when omitted). */
function parse(line: string, prev?: unknown): unknown {
  const [name, ...rest] = line.split(/\s+/);
  const s = spec(name);
  return s.parse(args(rest.join(' ')), prev === undefined ? s.default : prev, { written: name, file: line });
}

/** Parse a sequence of lines of the same directive, accumulating as the loader does. */
function parseAll(lines: string[]): unknown {
  let v: unknown;
  for (const l of lines) v = parse(l, v);
  return v;
}

function rejects(line: string, message: RegExp, argIndex?: number, prev?: unknown): void {
  assert.throws(
    () => parse(line, prev),
    (e: unknown) => {
      assert.ok(e instanceof ValueError, `ValueError expected, got ${String(e)}`);
      assert.match(e.message, message);
      if (argIndex !== undefined) assert.equal(e.arg, argIndex);
      return true;
    },
  );
}

// ---- access control ----

test('B-19 Allow/Deny: every host form the guide lists', () => {
  assert.deepEqual(parse('Allow from all'), [{ direction: 'from', hosts: [{ kind: 'all' }] }]);
  assert.deepEqual(parse('Deny from ALL'), [{ direction: 'from', hosts: [{ kind: 'all' }] }]);
  assert.deepEqual(parse('Allow from company.com'), [{ direction: 'from', hosts: [{ kind: 'domain', domain: 'company.com' }] }]);
  assert.deepEqual(parse('Allow from .Company.COM'), [{ direction: 'from', hosts: [{ kind: 'domain', domain: 'company.com' }] }]);
  assert.deepEqual(parse('Allow from 10.1.2.3'), [{ direction: 'from', hosts: [{ kind: 'ip', family: 4, address: '10.1.2.3' }] }]);
  assert.deepEqual(parse('Allow from 10.1'), [{ direction: 'from', hosts: [{ kind: 'net', family: 4, network: '10.1.0.0', prefix: 16, form: 'partial' }] }]);
  assert.deepEqual(parse('Allow from 192.168.5.'), [{ direction: 'from', hosts: [{ kind: 'net', family: 4, network: '192.168.5.0', prefix: 24, form: 'partial' }] }]);
  assert.deepEqual(parse('Allow from 10.1.0.0/255.255.0.0'), [
    { direction: 'from', hosts: [{ kind: 'net', family: 4, network: '10.1.0.0', prefix: 16, form: 'netmask' }] },
  ]);
  assert.deepEqual(parse('Allow from 10.1.0.0/16'), [{ direction: 'from', hosts: [{ kind: 'net', family: 4, network: '10.1.0.0', prefix: 16, form: 'cidr' }] }]);
  assert.deepEqual(parse('Allow from 0.0.0.0/0'), [{ direction: 'from', hosts: [{ kind: 'net', family: 4, network: '0.0.0.0', prefix: 0, form: 'cidr' }] }]);
  assert.deepEqual(parse('Allow from 2001:DB8:0:0::/32'), [{ direction: 'from', hosts: [{ kind: 'net', family: 6, network: '2001:db8::', prefix: 32, form: 'cidr' }] }]);
  assert.deepEqual(parse('Allow from 2001:db8::0:1'), [{ direction: 'from', hosts: [{ kind: 'ip', family: 6, address: '2001:db8::1' }] }]);
});

test('B-19 Allow/Deny: several hosts per line, "to" lists, lines accumulate', () => {
  const v = parseAll(['Allow from 10.1 gw.example.com', 'Allow to trusted.example.com 192.0.2.7']);
  assert.deepEqual(v, [
    {
      direction: 'from',
      hosts: [
        { kind: 'net', family: 4, network: '10.1.0.0', prefix: 16, form: 'partial' },
        { kind: 'domain', domain: 'gw.example.com' },
      ],
    },
    {
      direction: 'to',
      hosts: [
        { kind: 'domain', domain: 'trusted.example.com' },
        { kind: 'ip', family: 4, address: '192.0.2.7' },
      ],
    },
  ]);
});

test('B-19 Allow/Deny: bad hosts are named precisely, with the argument that is wrong', () => {
  rejects('Allow from 10.1.2.300', /host "10\.1\.2\.300": 300 is not a number from 0 to 255/, 1);
  rejects('Allow from 10.1.2.3.4', /host "10\.1\.2\.3\.4" has more than four numbers/, 1);
  rejects('Allow from 10..2', /host "10\.\.2" has an empty part/, 1);
  rejects('Deny from 10.1.0.0/255.0.255.0', /host "10\.1\.0\.0\/255\.0\.255\.0": netmask 255\.0\.255\.0 is not a run of ones/, 1);
  rejects('Deny from 10.1.2.3/16', /did you mean 10\.1\.0\.0\/16\?/, 1);
  rejects('Deny from 10.1.0.0/255.255.0.0x', /neither a netmask/, 1);
  rejects('Deny from 10.1.0.0/33', /prefix length \/33 is out of range/, 1);
  rejects('Deny from 10.1/16', /"10\.1" before the \/ is not a full IP address/, 1);
  rejects('Deny from 2001:db8::1/32', /did you mean 2001:db8::\/32\?/, 1);
  rejects('Allow from company.com comp@ny.com', /host "comp@ny\.com" is not valid: use all, a domain/, 2);
  rejects('Allow from all 10.1', /"all" already covers every host/, 2);
  rejects('Allow between 10.1', /expected "from" or "to" before the hosts, got "between"/, 0);
  rejects('Allow from', /takes at least 2 arguments/);
});

test('B-19 Order: with and without blanks around the comma', () => {
  assert.equal(spec('Order').default, 'Deny,Allow');
  assert.equal(parse('Order Deny,Allow'), 'Deny,Allow');
  assert.equal(parse('Order Allow,Deny'), 'Allow,Deny');
  assert.equal(parse('Order Allow, Deny'), 'Allow,Deny');
  assert.equal(parse('Order Deny ,Allow'), 'Deny,Allow');
  assert.equal(parse('Order Allow , Deny'), 'Allow,Deny');
  assert.equal(parse('Order allow,deny'), 'Allow,Deny');
  rejects('Order Deny', /"Deny" is not valid/);
  rejects('Order Allow,Deny,Allow', /is not valid/);
  rejects('Order Mutual-failure', /is not valid/);
});

// ---- number expansion ----

test('B-24 NumberPlan: the guide\'s example block parses', () => {
  const plan = CONTAINER_INDEX.get('numberplan');
  assert.ok(plan);
  assert.deepEqual(plan.id, { kind: 'text' });
  assert.deepEqual(
    plan.children.map((c) => [c.name, c.context]),
    [['NumExp', 'NumberPlan']],
  );
  const v = parseAll(['NumExp 2... +1919392...', 'NumExp 7... +1408527...', 'NumExp 8... 5555...']);
  assert.deepEqual(v, [
    { from: '2...', to: '+1919392...' },
    { from: '7...', to: '+1408527...' },
    { from: '8...', to: '5555...' },
  ]);
});

test('NumExp: stripping a prefix, fixed numbers, and fewer wildcards on the right', () => {
  assert.deepEqual(parse('NumExp +1888555.... ....'), [{ from: '+1888555....', to: '....' }]);
  assert.deepEqual(parse('NumExp 5.... +1303555....'), [{ from: '5....', to: '+1303555....' }]);
  assert.deepEqual(parse('NumExp 911 +19195551234'), [{ from: '911', to: '+19195551234' }]);
  assert.deepEqual(parse('NumExp *67.......... .......'), [{ from: '*67..........', to: '.......' }]);
});

test('NumExp: bad patterns are refused with the reason', () => {
  rejects('NumExp 2.. +1919392...', /has 3 wildcard digits but "2\.\." only matches 2/, 1);
  rejects('NumExp 2x.. +19193922..', /unexpanded pattern "2x\.\." contains "x"/, 0);
  rejects('NumExp 2... 1+919392...', /expanded pattern "1\+919392\.\.\." has a \+ that is not at the start/, 1);
  rejects('NumExp 2...', /takes 2 arguments/);
  rejects('NumExp 2... +1919392... extra', /takes 2 arguments/, 2);
});

// ---- RAS ----

test('B-30 RASTechPrefix: the guide\'s examples, case-insensitive action', () => {
  const v = parseAll(['RASTechPrefix 1919321... 001# INCLUDE', 'RASTechPrefix 1919456... 002# STRIP', 'RASTechPrefix 1212* 9# include']);
  assert.deepEqual(v, [
    { pattern: '1919321...', prefix: '001#', action: 'Include' },
    { pattern: '1919456...', prefix: '002#', action: 'Strip' },
    { pattern: '1212*', prefix: '9#', action: 'Include' },
  ]);
  rejects('RASTechPrefix 1919321... 001# KEEP', /"KEEP" is not valid/, 2);
  rejects('RASTechPrefix 1919321... 00a# STRIP', /technology prefix "00a#" is not valid/, 1);
  rejects('RASTechPrefix 19x9... 001# STRIP', /number pattern "19x9\.\.\." is not valid/, 0);
  rejects('RASTechPrefix 1919321... 001#', /takes 3 arguments/);
});

test('B-30 RASGatekeeperCluster: the guide\'s example clusters parse', () => {
  const cluster = CONTAINER_INDEX.get('rasgatekeepercluster');
  assert.ok(cluster);
  assert.deepEqual(cluster.id, { kind: 'int', min: 1, max: 65535 });
  const v = parseAll(['RASGatekeeper gatekeeper1.company.com 1719', 'RASGatekeeper gatekeeper2.company.com 1719', 'RASGatekeeper 192.0.2.1']);
  assert.deepEqual(v, [
    { host: 'gatekeeper1.company.com', port: 1719 },
    { host: 'gatekeeper2.company.com', port: 1719 },
    { host: '192.0.2.1', port: 1719 },
  ]);
  const five = parseAll(['RASGatekeeper a.example 1719', 'RASGatekeeper b.example', 'RASGatekeeper c.example', 'RASGatekeeper d.example', 'RASGatekeeper e.example']);
  rejects('RASGatekeeper f.example', /at most 5 times/, 0, five);
});

// ---- RPMS ----

test('B-22 RPMS_ServerIpPortSecret: host, port and secret; at most 10', () => {
  assert.deepEqual(parse('RPMS_ServerIpPortSecret 10.1.1.20 1645 s3cret'), [{ host: '10.1.1.20', port: 1645, secret: 's3cret' }]);
  assert.deepEqual(parse('RPMS_ServerIpPortSecret rpms.example.com 1812 x'), [{ host: 'rpms.example.com', port: 1812, secret: 'x' }]);
  rejects('RPMS_ServerIpPortSecret 10.1.1.20 70000 s3cret', /70000 is out of range/, 1);
  rejects('RPMS_ServerIpPortSecret 10.1.1.20 1645', /takes 3 arguments \(host port secret\), got 2/);
  rejects('RPMS_ServerIpPortSecret 10.1.1.20:1645 1645 s', /is not a host name or IP address/, 0);
  let ten: unknown;
  for (let i = 1; i <= 10; i++) ten = parse(`RPMS_ServerIpPortSecret 10.1.1.${i} 1645 s`, ten);
  assert.equal((ten as unknown[]).length, 10);
  rejects('RPMS_ServerIpPortSecret 10.1.1.11 1645 s', /at most 10 times/, 0, ten);
});

test('B-22 PreAuthPreviousHop: ALL and the access-list host forms', () => {
  assert.deepEqual(parse('PreAuthPreviousHop ALL'), [{ kind: 'all' }]);
  assert.deepEqual(parseAll(['PreAuthPreviousHop 10.1 gw.example.com', 'PreAuthPreviousHop 192.0.2.0/24']), [
    { kind: 'net', family: 4, network: '10.1.0.0', prefix: 16, form: 'partial' },
    { kind: 'domain', domain: 'gw.example.com' },
    { kind: 'net', family: 4, network: '192.0.2.0', prefix: 24, form: 'cidr' },
  ]);
  rejects('PreAuthPreviousHop 10.1.2.999', /host "10\.1\.2\.999": 999 is not a number/, 0);
});

// ---- the other examples the guide prints ----

test('B-29 VirtualProxyHost: the guide\'s example entry parses', () => {
  const vph = CONTAINER_INDEX.get('virtualproxyhost');
  assert.ok(vph);
  assert.equal(vph.maxCount, 10);
  assert.deepEqual(vph.required, ['Virtual_Proxy_Domain']);
  assert.equal(parse('Virtual_Proxy_Domain foo.bar'), 'foo.bar');
  assert.equal(parse('Virtual_Proxy_Server_Name usa.foo.bar'), 'usa.foo.bar');
  assert.equal(parse('Virtual_Proxy_Server_IP 61.12.1.1'), '61.12.1.1');
  rejects('Virtual_Proxy_Server_IP usa.foo.bar', /is not an IPv4 or IPv6 address/);
  rejects('Virtual_Proxy_Domain 61.12.1.1', /is not a DNS domain name/);
});

test('B-31 farm members: the quoted value the guide writes', () => {
  assert.deepEqual(parse('Cisco_Registry_Farm_Members host2.cisco.com'), ['host2.cisco.com']);
  const s = spec('Cisco_Routing_Farm_Members');
  const quoted: Arg[] = [{ text: 'host2.cisco.com host3.cisco.com', quoted: true, line: 1, col: 28 }];
  assert.deepEqual(s.parse(quoted, s.default, { written: s.name, file: '' }), ['host2.cisco.com', 'host3.cisco.com']);
});

test('AuthDigestQop reads the old value none as auth', () => {
  assert.equal(parse('AuthDigestQop none'), 'auth');
  assert.equal(parse('AuthDigestQop auth-int'), 'auth-int');
});

test('DB_MySQL_*_Field values must be SQL names', () => {
  assert.equal(spec('DB_MySQL_UserId_Field').default, 'user_id');
  assert.equal(parse('DB_MySQL_DestUrlCfna_Field cf_noanswer'), 'cf_noanswer');
  rejects('DB_MySQL_UserId_Field 1user', /is not a valid SQL name/);
  rejects('DB_MySQL_UserId_Field user-id', /is not a valid SQL name/);
});
