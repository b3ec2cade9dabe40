// conf/persistent_tcp.conf: the peers sipd keeps a TCP connection open to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePersistentTcp } from '../../../src/transport/persistent.js';

test('peers are host or host:port, IPv6 in brackets, 5060 by default; comments and blank lines ignored', () => {
  const r = parsePersistentTcp('# gateways\n10.1.1.1\n\ngw2.example.com:5070  # second\n[2001:db8::5]:5062\n', 'persistent_tcp.conf');
  assert.ok(r.ok);
  assert.deepEqual(
    r.peers.map((p) => [p.host, p.port, p.line]),
    [
      ['10.1.1.1', 5060, 2],
      ['gw2.example.com', 5070, 4],
      ['2001:db8::5', 5062, 5],
    ],
  );
});

test('every bad line is reported with file:line and what is valid', () => {
  const r = parsePersistentTcp('10.1.1.1:99999\nnot a peer\nok.example.com\n', 'conf/persistent_tcp.conf');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.errors[0], /^conf\/persistent_tcp\.conf:1: port 99999 is out of range: 1 to 65535$/);
  assert.match(r.errors[1], /^conf\/persistent_tcp\.conf:2: "not a peer" is not a peer: write host or host:port/);
  assert.equal(r.errors.length, 2);
});
