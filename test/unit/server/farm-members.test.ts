// Farm membership without a database: which row is which named member, the warnings the
// checks give for each kind of farm problem, the digest of the farm-wide directives, the
// state shown for an old heartbeat, and loop vs spiral across members.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../../src/server/config.js';
import type { Config } from '../../../src/config/loader.js';
import { farmConfigDigest, farmWarnings, rowMatches, sipAddresses } from '../../../src/server/farm-members.js';
import type { NamedMember } from '../../../src/server/farm-members.js';
import { HEARTBEAT_MS, isAnswering, shownState } from '../../../src/stores/mysql/member-store.js';
import type { MemberRow, MemberSelf } from '../../../src/stores/mysql/member-store.js';
import { proxyIdentity } from '../../../src/proxy/identity.js';
import { parseMessage } from '../../../src/sip/message.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { loopSuffix, loopVia } from '../../../src/proxy/sanity.js';
import { farmMemberOfVia, isOurVia } from '../../../src/proxy/us.js';

function config(text: string): Config {
  const r = parseConfig(text, 'sipd.conf');
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  return r.config;
}

const NOW = 1_800_000_000_000;
const me: MemberSelf = { name: 'sps1', host: 'sps1', sip: ['UDP 192.0.2.1:5060'], pid: 10, version: '1.0.0', confDigest: 'a'.repeat(64), instance: '1111111111111111' };
function row(over: Partial<MemberRow>): MemberRow {
  return { ...me, name: 'sps2', host: 'sps2', sip: ['UDP 192.0.2.2:5060'], pid: 20, instance: '2222222222222222', state: 'running', startedMs: NOW - 60_000, heartbeatMs: NOW - 1000, clockSkewMs: 0, ...over };
}
const named = (name: string, ...addresses: string[]): NamedMember => ({ name, addresses: new Set(addresses) });
const check = (rows: MemberRow[], names: NamedMember[], extra: { skewMs?: number; graceOver?: boolean } = {}) =>
  farmWarnings({ me, named: names, listing: { dbNowMs: NOW, rows: [row({ ...me, state: 'running', heartbeatMs: NOW }), ...rows] }, skewMs: extra.skewMs ?? 0, graceOver: extra.graceOver ?? true });

describe('farm member rows', () => {
  test('a named member matches its row by name, by host name (short or full) or by an address it resolves to', () => {
    assert.ok(rowMatches(named('sps2'), row({})));
    assert.ok(rowMatches(named('sps2.example.com'), row({ name: 'x', host: 'sps2' })));
    assert.ok(rowMatches(named('proxy-b.example.com', '192.0.2.2'), row({ name: 'x', host: 'y' })));
    assert.ok(rowMatches(named('192.0.2.2'), row({ name: 'x', host: 'y' })));
    assert.ok(!rowMatches(named('sps3', '192.0.2.3'), row({})));
  });
  test('a heartbeat older than three intervals is not answering; a stopping member then shows as stopped', () => {
    assert.ok(isAnswering({ heartbeatMs: NOW - 3 * HEARTBEAT_MS }, NOW));
    assert.ok(!isAnswering({ heartbeatMs: NOW - 3 * HEARTBEAT_MS - 1 }, NOW));
    assert.equal(shownState({ heartbeatMs: NOW, state: 'starting' }, NOW), 'starting');
    assert.equal(shownState({ heartbeatMs: NOW - 60_000, state: 'running' }, NOW), 'not answering');
    assert.equal(shownState({ heartbeatMs: NOW - 60_000, state: 'stopping' }, NOW), 'stopped');
  });
  test('the SIP addresses written: concrete binds and the Via sent-by, not a wildcard bind', () => {
    const c = config('Listen 0.0.0.0:5070\nIpAddrInPathHeaders 192.0.2.1\n');
    const bound = [{ transport: 'UDP' as const, address: '0.0.0.0', port: 5070 }, { transport: 'TCP' as const, address: '198.51.100.4', port: 5070 }];
    const sip = sipAddresses(bound, proxyIdentity(c, bound));
    assert.ok(!sip.some((s) => s.includes('0.0.0.0')), sip.join());
    assert.ok(sip.includes('TCP 198.51.100.4:5070'), sip.join());
    assert.equal(sip.filter((s) => s.startsWith('UDP ')).length, 1, sip.join());
  });
});

describe('farm checks', () => {
  test('a healthy farm gives no warning', () => {
    assert.deepEqual([...check([row({})], [named('sps2')]).keys()], []);
  });
  test('a member named but never seen is reported only once the start-up grace is over', () => {
    assert.ok(check([], [named('sps3')]).has('unseen:sps3'));
    assert.ok(!check([], [named('sps3')], { graceOver: false }).has('unseen:sps3'));
  });
  test('a named member whose heartbeat is old is not answering', () => {
    const w = check([row({ heartbeatMs: NOW - 60_000 })], [named('sps2')]);
    assert.match(w.get('silent:sps2') ?? '', /not answering: its last heartbeat was 60 s ago/);
  });
  test('a live row not named in the directives is reported; an old one is not', () => {
    assert.match(check([row({ name: 'sps9', host: 'sps9' })], []).get('unnamed:sps9') ?? '', /not named in this member's Cisco_Registry_Farm_Members/);
    assert.ok(!check([row({ name: 'sps9', host: 'sps9', heartbeatMs: NOW - 60_000 })], []).has('unnamed:sps9'));
  });
  test('another sipd.conf digest, another version and clock skew are each reported, keyed by what differs', () => {
    const w = check([row({ confDigest: 'b'.repeat(64), version: '0.9.0', clockSkewMs: 5000 })], [named('sps2')]);
    assert.ok(w.has(`digest:sps2:${'b'.repeat(64)}`));
    assert.match(w.get('version:sps2:0.9.0') ?? '', /runs OpenSPS 0\.9\.0, this member 1\.0\.0/);
    assert.match(w.get('skew:sps2') ?? '', /5000 ms apart: synchronise every member with NTP/);
    assert.ok(check([], [], { skewMs: -3000 }).has('skew:self'));
    assert.ok(!check([], [], { skewMs: 1500 }).has('skew:self'));
  });
  test('two processes writing one member name are reported', () => {
    const w = farmWarnings({ me, named: [], listing: { dbNowMs: NOW, rows: [row({ name: 'sps1', host: 'other', instance: '9999999999999999' })] }, skewMs: 0, graceOver: true });
    assert.match(w.get('clash') ?? '', /give each member its own ServerName/);
  });
});

describe('farm-wide directives digest', () => {
  const base = 'Cisco_Routing_Use_Domain_Routing On\nMaxForks 5\n';
  test('members differing only in addresses, names and member lists have the same digest', () => {
    const a = config(`${base}ServerName sps1.example.com\nListen 192.0.2.1:5060\nCisco_Registry_Farm_Members "sps2.example.com"\nDB_MySQL_HostName db1\n`);
    const b = config(`${base}ServerName sps2.example.com\nListen 192.0.2.2:5060\nCisco_Registry_Farm_Members "sps1.example.com"\nDB_MySQL_HostName db2\n`);
    assert.equal(farmConfigDigest(a), farmConfigDigest(b));
  });
  test('a farm-wide directive that differs changes the digest', () => {
    assert.notEqual(farmConfigDigest(config(base)), farmConfigDigest(config(base.replace('On', 'Off'))));
  });
});

describe('loop detection across farm members (RFC 3261 §16.3 step 4)', () => {
  const head = ['From: <sip:alice@a.example>;tag=f1', 'To: <sip:bob@b.example>', 'Call-ID: c1@a.example', 'CSeq: 1 INVITE', 'Max-Forwards: 60'];
  const invite = (vias: string[], uri = 'sip:bob@b.example'): SipRequest => {
    const r = parseMessage(Buffer.from([`INVITE ${uri} SIP/2.0`, ...vias.map((v) => `Via: ${v}`), 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa', ...head, 'Content-Length: 0', '', ''].join('\r\n')));
    assert.ok(r.ok);
    return r.message as SipRequest;
  };
  // This member is 192.0.2.1:5060; the other member (from the member table) is 192.0.2.2:5070.
  const c = config('Listen 192.0.2.1:5060\n');
  const deps = {
    identity: proxyIdentity(c, [{ transport: 'UDP', address: '192.0.2.1', port: 5060 }]),
    isThisServer: (h: string, p: number | undefined) => h === '192.0.2.1' && p === 5060,
    farmMemberAt: (h: string, p: number) => (h === '192.0.2.2' && p === 5070 ? 'sps2' : undefined),
  };
  const ours = (v: Parameters<typeof isOurVia>[1]) => isOurVia(deps, v) || farmMemberOfVia(deps, v) !== undefined;
  const first = invite([]);
  const memberVia = `SIP/2.0/UDP 192.0.2.2:5070;branch=z9hG4bKx${loopSuffix(first)}`;

  test('a request that passed another member unchanged is a loop, and names that member', () => {
    const looped = invite([memberVia]);
    const v = loopVia(looped, ours);
    assert.ok(v);
    assert.equal(farmMemberOfVia(deps, v), 'sps2');
  });
  test('a spiral (Request-URI changed since it passed the member) goes on', () => {
    assert.equal(loopVia(invite([memberVia], 'sip:carol@b.example'), ours), undefined);
  });
  test('the same Via from a host that is no member is not ours', () => {
    assert.equal(loopVia(invite([`SIP/2.0/UDP 192.0.2.2:5071;branch=z9hG4bKx${loopSuffix(first)}`]), ours), undefined);
    assert.equal(loopVia(invite([memberVia]), (v) => isOurVia(deps, v)), undefined);
  });
});
