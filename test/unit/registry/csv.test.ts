// Ch. 2 "How to Import and Export Bulk Routing and Registry Data", registrations: the
// CSV format, each class of error with its line, and imports into the embedded store
// that write all or nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatRegistrationCsv, importRegistrations, liveBindings, parseRegistrationCsv, registrationKey } from '../../../src/modules/registry/csv.js';
import type { RegistrationEntry } from '../../../src/modules/registry/csv.js';
import type { CsvError } from '../../../src/modules/routing/csv.js';
import { openEmbeddedLocationStore } from '../../../src/stores/embedded/location-store.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

function entries(text: string, limit?: number): readonly RegistrationEntry[] {
  const r = parseRegistrationCsv(text, { limit, now: NOW });
  if (!r.ok) assert.fail(r.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
  return r.entries;
}

function errors(text: string, limit?: number): readonly CsvError[] {
  const r = parseRegistrationCsv(text, { limit, now: NOW });
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors;
}

async function withStore<T>(fn: (store: Awaited<ReturnType<typeof openEmbeddedLocationStore>>, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'regcsv-'));
  const store = await openEmbeddedLocationStore({ dir, name: 'registry_db', maxAgeOnBootSeconds: 86400, log: () => undefined, now: () => NOW, compactEveryMs: 0 });
  try {
    return await fn(store, dir);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('AOR keys follow the registrar: E.164 numbers alone, private users with their domain', () => {
  // Ch. 1 CompanyA/CompanyB: 2xxx are private to each domain, +1408555 8xxx are shared.
  assert.deepEqual(registrationKey('2000@CompanyA.com'), { key: '2000@companya.com' });
  assert.deepEqual(registrationKey('+14085558000@companyA.com'), { key: '+14085558000' });
  assert.deepEqual(registrationKey('+1-408-555-8000'), { key: '+14085558000' });
  assert.deepEqual(registrationKey('sip:alice@example.com'), { key: 'alice@example.com' });
  assert.match((registrationKey('2000') as { error: string }).error, /needs a domain/);
  assert.match((registrationKey('9*@example.com') as { error: string }).error, /wildcards are not allowed/);
  assert.match((registrationKey('@example.com') as { error: string }).error, /no user part/);
  assert.match((registrationKey('bob@bad domain') as { error: string }).error, /not a domain name/);
});

test('static and dynamic registrations, header optional, defaults for q', () => {
  const es = entries(['aor,contact,q,expires', '2000@companyA.com,sip:2000@10.1.1.20:5060', '+14085558000,"sip:8000@10.1.1.21;transport=tcp",0.5,2024-05-01T13:00:00Z'].join('\n'));
  assert.deepEqual(es, [
    { aor: '2000@companya.com', contact: 'sip:2000@10.1.1.20:5060', q: 1, expiresAt: Infinity },
    { aor: '+14085558000', contact: 'sip:8000@10.1.1.21;transport=tcp', q: 0.5, expiresAt: Date.parse('2024-05-01T13:00:00Z') },
  ]);
});

test('records that have already expired are counted, not imported, and are no error', () => {
  const r = parseRegistrationCsv('alice@example.com,sip:alice@10.0.0.1,1,2024-05-01T11:00:00Z\n', { now: NOW });
  assert.equal(r.ok, true);
  assert.equal(r.ok && r.entries.length, 0);
  assert.equal(r.expired, 1);
});

test('syntax errors with their lines: quotes and field counts', () => {
  const e = errors(['alice@example.com,sip:alice@10.0.0.1', 'bob@example.com', 'carol@example.com,sip:carol@10.0.0.3,1,,extra', 'dave@example.com,sip:"dave"@10.0.0.4', 'erin@example.com,"sip:erin@10.0.0.5'].join('\n'));
  assert.deepEqual(
    e.map((x) => [x.line, x.message.replace(/[:;].*/, '')]),
    [
      [2, 'too few fields'],
      [3, 'too many fields'],
      [4, 'field 2'],
      [5, 'field 2'],
    ],
  );
});

test('semantic errors with their lines: q, expires, contact, aor, duplicates', () => {
  const e = errors(
    [
      'alice@example.com,sip:alice@10.0.0.1,1.5', // 1 q out of range
      'alice@example.com,sip:alice@10.0.0.2,high', // 2 q not a number
      'alice@example.com,sip:alice@10.0.0.3,1,tomorrow', // 3 expires
      'alice@example.com,http://example.com', // 4 contact scheme
      'alice@example.com,', // 5 contact empty
      '9*@example.com,sip:x@10.0.0.9', // 6 wildcard
      'bob@example.com,sip:bob@10.0.0.6', // 7 fine
      'bob@EXAMPLE.com,sip:bob@10.0.0.6', // 8 same as 7 once filed
    ].join('\n'),
  );
  const byLine = new Map(e.map((x) => [x.line, x.message]));
  assert.deepEqual([...byLine.keys()], [1, 2, 3, 4, 5, 6, 8]);
  assert.match(byLine.get(1)!, /q: "1.5" is not valid; valid: 0 to 1/);
  assert.match(byLine.get(2)!, /q: "high"/);
  assert.match(byLine.get(3)!, /expires: "tomorrow" is not valid; valid: empty or never/);
  assert.match(byLine.get(4)!, /contact: "http:\/\/example.com" is not a SIP URI/);
  assert.match(byLine.get(5)!, /contact is empty/);
  assert.match(byLine.get(6)!, /wildcards are not allowed in registrations/);
  assert.match(byLine.get(8)!, /same AOR and contact as line 7/);
});

test('overflow: more registrations than the limit is an error at the first one too many', () => {
  const text = ['a@x.com,sip:a@10.0.0.1', 'b@x.com,sip:b@10.0.0.1', 'c@x.com,sip:c@10.0.0.1'].join('\n');
  assert.deepEqual(errors(text, 2), [{ line: 3, message: 'registry database overflow: more than 2 registrations' }]);
});

test('export then import into another store gives the same registrations (round trip)', async () => {
  const text = [
    '2000@companya.com,"sip:2000@10.1.1.20;transport=tcp",1,',
    '+14085558000,sip:8000@10.1.1.21,0.25,',
    '+14085558000,sip:8000@10.1.1.22,0.75,2024-05-01T12:30:00.000Z',
    '"al,ice@example.com",sip:alice@10.0.0.1',
  ].join('\n');
  const r = parseRegistrationCsv(text, { now: NOW });
  assert.equal(r.ok, false, 'a comma is not valid in a user part');
  const good = entries(text.split('\n').slice(0, 3).join('\n'));
  await withStore(async (a) => {
    await importRegistrations(a, good, { now: NOW });
    const exported = formatRegistrationCsv(liveBindings(a, NOW));
    await withStore(async (b) => {
      await importRegistrations(b, entries(exported), { now: NOW });
      const again = formatRegistrationCsv(liveBindings(b, NOW));
      const sorted = (s: string) => s.trim().split('\n').sort();
      assert.deepEqual(sorted(again), sorted(exported));
      assert.equal(b.get('+14085558000').length, 2);
      assert.equal(b.get('+14085558000').filter((x) => x.static).length, 1);
      assert.equal(b.get('2000@companya.com')[0].static, true);
    });
  });
});

test('import replaces a static contact rather than duplicating it, and refuses an overflow whole', async () => {
  await withStore(async (store, dir) => {
    await importRegistrations(store, entries('a@x.com,sip:a@10.0.0.1,1\nb@x.com,sip:b@10.0.0.1\n'), { now: NOW, limit: 3 });
    assert.deepEqual(await importRegistrations(store, entries('a@x.com,sip:a@10.0.0.1,0.5\n'), { now: NOW, limit: 3 }), { added: 0, replaced: 1 });
    assert.equal(store.get('a@x.com').length, 1);
    assert.equal(store.get('a@x.com')[0].q, 0.5);
    await assert.rejects(
      importRegistrations(store, entries('c@x.com,sip:c@10.0.0.1\nd@x.com,sip:d@10.0.0.1\n'), { now: NOW, limit: 3 }),
      /overflow: 2 registrations held plus 2 new would exceed the limit of 3; nothing was imported/,
    );
    assert.equal(store.size(), 2);
    assert.deepEqual(store.get('c@x.com'), []);
    // And what was imported is on disk: a second store on the same files sees it.
    await store.compact();
    const again = await openEmbeddedLocationStore({ dir, name: 'registry_db', maxAgeOnBootSeconds: 86400, log: () => undefined, now: () => NOW, compactEveryMs: 0 });
    try {
      assert.equal(again.get('b@x.com')[0].contact, 'sip:b@10.0.0.1');
    } finally {
      await again.close();
    }
  });
});
