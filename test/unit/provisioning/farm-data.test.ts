// pserver's persistent_tcp.conf editing and the Dashboard's sampler, ring and error_log tail.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { addPersistent, deletePersistent, readPersistent } from '../../../src/provisioning/persistent-tcp.js';
import { recentErrors, Ring, Sampler, tailLines } from '../../../src/provisioning/metrics.js';

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'farm-data-'));
}

test('persistent_tcp.conf: add checks the entry as sipd reads it, delete removes only its line; comments stay', () => {
  const dir = tmp();
  const file = path.join(dir, 'persistent_tcp.conf');
  try {
    assert.deepEqual(readPersistent(file), { peers: [], errors: [] }, 'a missing file has no peers');
    assert.equal(addPersistent(file, 'gw1.example.com'), undefined);
    assert.equal(readFileSync(file, 'utf8'), 'gw1.example.com\n');
    writeFileSync(file, '# gateways\ngw1.example.com\n');
    assert.equal(addPersistent(file, '[2001:db8::1]:5070'), undefined);
    assert.match(String(addPersistent(file, 'gw1.example.com:5060')), /already listed/);
    assert.match(String(addPersistent(file, '10.0.0.1:99999')), /out of range/);
    assert.match(String(addPersistent(file, 'a b')), /without blanks/);
    assert.deepEqual(
      readPersistent(file).peers.map((p) => [p.host, p.port, p.line]),
      [
        ['gw1.example.com', 5060, 2],
        ['2001:db8::1', 5070, 3],
      ],
    );
    assert.match(String(deletePersistent(file, 2, 'gw2.example.com', 5060)), /no longer holds/);
    assert.equal(deletePersistent(file, 2, 'gw1.example.com', 5060), undefined);
    assert.equal(readFileSync(file, 'utf8'), '# gateways\n[2001:db8::1]:5070\n');
    writeFileSync(file, 'good.example.com\nbad entry here\n');
    const r = readPersistent(file);
    assert.deepEqual(r.peers.map((p) => p.host), ['good.example.com'], 'good lines still shown');
    assert.match(r.errors[0], /:2: "bad entry here" is not a peer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the ring keeps the newest samples only, oldest first', () => {
  const r = new Ring<number>(3);
  assert.deepEqual(r.toArray(), []);
  for (let i = 1; i <= 5; i++) r.push(i);
  assert.deepEqual(r.toArray(), [3, 4, 5]);
});

test('sampler: calls/s from the INVITE counter, null when sipd does not answer or restarted', () => {
  const s = new Sampler();
  const status = (pid: number, invites: number) => ({ ok: true, pid, rss: 50 * 1024 * 1024, counters: { 'requests.INVITE': invites, 'registrations.active': 7, 'transactions.server': 2, 'transactions.client': 1 } });
  assert.equal(s.add(status(10, 100), 1_000_000).callsPerSecond, null, 'no rate from one sample');
  const b = s.add(status(10, 150), 1_010_000);
  assert.equal(b.callsPerSecond, 5);
  assert.equal(b.registrations, 7);
  assert.equal(b.transactions, 3);
  assert.equal(b.sipdMemoryMiB, 50);
  const down = s.add(undefined, 1_020_000);
  assert.deepEqual([down.callsPerSecond, down.registrations, down.sipdMemoryMiB], [null, null, null]);
  assert.equal(s.add(status(11, 3), 1_030_000).callsPerSecond, null, 'a new sipd starts its counters again');
  assert.equal(s.add(status(11, 23), 1_040_000).callsPerSecond, 2);
  assert.deepEqual(s.series().callsPerSecond, [null, 5, null, null, 2]);
  assert.deepEqual(s.series().t, [1000, 1010, 1020, 1030, 1040]);
});

test('error_log tail: bounded read from the end, partial first line dropped, warnings and worse only', () => {
  const dir = tmp();
  const file = path.join(dir, 'error_log');
  try {
    assert.deepEqual(tailLines(file), [], 'a missing file');
    const lines = Array.from({ length: 1000 }, (_, i) => `[Mon Dec 07 10:00:00 2026] [${i % 3 === 0 ? 'error' : 'info'}] line ${i}`);
    writeFileSync(file, lines.join('\n') + '\n');
    const tail = tailLines(file, 10, 200);
    assert.ok(tail.length <= 10 && tail.length >= 3);
    assert.equal(tail[tail.length - 1], lines[999]);
    assert.ok(tail.every((l) => l.startsWith('[Mon')), 'no partial line');
    const errs = recentErrors(file, 5);
    assert.equal(errs.length, 5);
    assert.ok(errs.every((l) => l.includes('[error]')));
    assert.equal(errs[4], lines[999]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
