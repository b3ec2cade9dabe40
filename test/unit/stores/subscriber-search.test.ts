// Search, sort and keyset paging over the embedded subscriber store's indexes
// (src/stores/sorted-index.ts), the generic one-pass pager
// (src/stores/search.ts), and the subscriber CSV format (src/stores/subscriber-csv.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedSubscriberStore } from '../../../src/stores/embedded/subscriber-store.js';
import { emptySubscriber } from '../../../src/stores/subscriber-store.js';
import type { Subscriber, SubscriberQuery } from '../../../src/stores/subscriber-store.js';
import { decodeCursor, encodeCursor, keysetPage } from '../../../src/stores/search.js';
import { exportSubscribers, formatSubscriberCsv, parseSubscriberCsv } from '../../../src/stores/subscriber-csv.js';
import { makeSecret } from '../../../src/stores/secret.js';

const sub = (user: string, domain: string, lastName: string): Subscriber => ({ ...emptySubscriber(user, domain), lastName });

async function withStore(fn: (s: EmbeddedSubscriberStore, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'subsearch-'));
  const s = await EmbeddedSubscriberStore.open({ dir, log: () => undefined });
  try {
    await fn(s, dir);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const q = (o: Partial<SubscriberQuery>): SubscriberQuery => ({ filter: { field: 'user', op: 'equals', text: '*' }, sort: 'user', desc: false, limit: 3, ...o });

test('paging walks every subscriber once, forward and back, in both orders', async () => {
  await withStore(async (s) => {
    const names = Array.from({ length: 10 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    await s.importMany([...names].reverse().map((u, i) => sub(u, 'example.com', `L${i % 3}`)));
    for (const desc of [false, true]) {
      const seen: string[] = [];
      let page = await s.search(q({ desc }));
      assert.equal(page.count, 10);
      assert.equal(page.prev, undefined);
      seen.push(...page.rows.map((r) => r.user));
      while (page.next) {
        page = await s.search(q({ desc, after: page.next }));
        seen.push(...page.rows.map((r) => r.user));
      }
      assert.deepEqual(seen, desc ? [...names].reverse() : names);
      // And back from the last page to the first.
      const back: string[] = [...page.rows.map((r) => r.user)].reverse();
      while (page.prev) {
        page = await s.search(q({ desc, before: page.prev }));
        back.push(...[...page.rows].reverse().map((r) => r.user));
      }
      assert.deepEqual(back, desc ? names : [...names].reverse());
    }
  });
});

test('operators on the sort field and on another field; counts; changes keep the index right', async () => {
  await withStore(async (s) => {
    await s.importMany([sub('alice', 'a.com', 'Smith'), sub('alfred', 'a.com', 'Jones'), sub('bob', 'b.com', 'smithers'), sub('carol', 'a.com', 'Brown')]);
    const users = async (o: Partial<SubscriberQuery>) => (await s.search(q({ limit: 10, ...o }))).rows.map((r) => r.user);
    assert.deepEqual(await users({ filter: { field: 'user', op: 'starts', text: 'al' } }), ['alfred', 'alice']);
    assert.deepEqual(await users({ filter: { field: 'lastName', op: 'starts', text: 'SMITH' } }), ['alice', 'bob']);
    assert.deepEqual(await users({ filter: { field: 'lastName', op: 'equals', text: 'smith' }, sort: 'lastName' }), ['alice']);
    assert.deepEqual(await users({ filter: { field: 'user', op: 'contains', text: 'o' } }), ['bob', 'carol']);
    assert.deepEqual(await users({ filter: { field: 'domain', op: 'ends', text: '.com' }, sort: 'lastName', desc: true }), ['bob', 'alice', 'alfred', 'carol']);
    assert.equal((await s.search(q({ filter: { field: 'lastName', op: 'contains', text: 'smith' } }))).count, 2);
    // The index follows single changes.
    await s.update({ ...sub('bob', 'b.com', 'Adams') });
    await s.add(sub('aaron', 'c.com', 'Zed'));
    await s.remove('alice', 'a.com');
    assert.deepEqual(await users({ sort: 'lastName' }), ['bob', 'carol', 'alfred', 'aaron']);
    assert.deepEqual(await users({}), ['aaron', 'alfred', 'bob', 'carol']);
  });
});

test('another process\'s writes reach the search of a reader', async () => {
  await withStore(async (writer, dir) => {
    const reader = await EmbeddedSubscriberStore.open({ dir, log: () => undefined, refreshMs: 0 });
    try {
      await writer.add(sub('x1', '', 'One'));
      assert.deepEqual((await reader.search(q({}))).rows.map((r) => r.user), ['x1']);
      await writer.importMany([sub('x0', '', 'Zero'), sub('x2', '', 'Two')]);
      await writer.remove('x1');
      assert.deepEqual((await reader.search(q({}))).rows.map((r) => r.user), ['x0', 'x2']);
    } finally {
      await reader.close();
    }
  });
});

test('keysetPage pages an unordered list without sorting it whole; cursors round-trip and bad ones are refused', () => {
  const rows = [5, 3, 9, 1, 7, 2, 8];
  const p1 = keysetPage(rows, (x) => x !== 8, (x) => [x], { limit: 2, desc: false });
  assert.deepEqual(p1.rows, [1, 2]);
  const p2 = keysetPage(rows, (x) => x !== 8, (x) => [x], { limit: 2, desc: false, after: decodeCursor(encodeCursor(p1.next!)) });
  assert.deepEqual(p2.rows, [3, 5]);
  assert.deepEqual(p2.prev, [3]);
  const back = keysetPage(rows, () => true, (x) => [x], { limit: 2, desc: true, before: [5] });
  assert.deepEqual(back.rows, [8, 7]);
  for (const bad of ['', '!!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[{}]').toString('base64url'), 'x'.repeat(5000)]) {
    assert.equal(decodeCursor(bad), undefined, bad);
  }
});

test('subscriber CSV: every bad line with its number and nothing else; a good file round-trips with secrets kept', async () => {
  const bad = 'user_id,domain,password,last_name,redirect_dn_privacy\nok1,example.com,pw,Smith,no\nbad user,example.com,,,\nok2,not a domain,,,\nok3,example.com,,,maybe\nok1,example.com,,,\n';
  const r = parseSubscriberCsv(bad, { realm: 'r' });
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.errors.map((e) => e.line), [3, 4, 5, 6]);
  assert.match(!r.ok ? r.errors[3].message : '', /as line 2/);
  // User IDs are SIP user parts; the names take any printable text, quotes included.
  const good = parseSubscriberCsv("2000,,secret,\"Smith, Jr\",,\"x'); DROP TABLE subscribers; --\",sip:vm@example.com,,,,yes\n", { realm: 'r' });
  assert.ok(good.ok, JSON.stringify(good));
  const s = good.entries[0];
  assert.equal(s.lastName, "x'); DROP TABLE subscribers; --");
  assert.deepEqual(s.secret, makeSecret(s.user, 'r', 'secret'));
  assert.equal(s.firstName, 'Smith, Jr');
  assert.equal(s.redirectDnPrivacy, true);
  // Without `secrets` no secret leaves; with it the HA1 comes back as it was.
  assert.doesNotMatch(formatSubscriberCsv([s]), /ha1\$/);
  const again = parseSubscriberCsv(formatSubscriberCsv([s], { secrets: true }), { realm: 'other' });
  assert.ok(again.ok);
  assert.deepEqual(again.entries[0], s);
  await withStore(async (store) => {
    await store.importMany([s, sub('b', '', 'B')]);
    let text = '';
    assert.equal(await exportSubscribers(store, (c) => void (text += c)), 2);
    assert.equal(text.split('\n').filter(Boolean).length, 3);
  });
});

test('importMany is all or nothing: a 50-character clash with a stored subscriber writes nothing', async () => {
  await withStore(async (s) => {
    const long = 'a'.repeat(50);
    await s.add(sub(`${long}1`, '', 'X'));
    await assert.rejects(s.importMany([sub('fresh', '', 'F'), sub(`${long}2`, '', 'Y')]), /first 50 characters/);
    assert.equal((await s.search(q({}))).count, 1);
  });
});
