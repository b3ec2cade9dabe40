// The control socket's "search" operation (src/server/db-search.ts) over real embedded
// route and location stores: filters, sorts, keyset pages, counts and refused requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DbOperations, validateDbRequest } from '../../../src/server/db-control.js';
import type { DbRequest } from '../../../src/server/db-control.js';
import { openEmbeddedRouteStore } from '../../../src/stores/embedded/route-store.js';
import { openEmbeddedLocationStore } from '../../../src/stores/embedded/location-store.js';

const req = (o: Record<string, unknown>): DbRequest => {
  const r = validateDbRequest({ cmd: 'db', op: 'search', ...o });
  assert.equal(typeof r, 'object', String(r));
  return r as DbRequest;
};

test('routes: filter, sort by a number column, page forward and back; bad requests refused', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsearch-'));
  const routes = await openEmbeddedRouteStore({ dir, name: 'routes', maxAgeOnBootSeconds: 86400, log: () => undefined, compactEveryMs: 0 });
  try {
    const ops = new DbOperations(undefined, routes);
    const csv = ['pattern,type,nextHop,priority', '91*,phone,gw1.example.com,5', '92*,phone,gw2.example.com,1', '93*,phone,gw3.example.com,3', '4*,phone,gw4.example.com,2', '.example.org,ip,sip.example.org,0'].join('\n');
    assert.equal((await ops.run({ cmd: 'db', db: 'routing', op: 'import', csv })).ok, true);
    const p1 = await ops.run(req({ db: 'routing', field: 'pattern', match: 'starts', text: '9', sort: 'priority', limit: 2 }));
    assert.deepEqual((p1.entries as { pattern: string }[]).map((r) => r.pattern), ['92*', '93*']);
    assert.equal(p1.count, 3);
    const p2 = await ops.run(req({ db: 'routing', field: 'pattern', match: 'starts', text: '9', sort: 'priority', limit: 2, after: p1.next }));
    assert.deepEqual((p2.entries as { pattern: string }[]).map((r) => r.pattern), ['91*']);
    assert.equal(p2.next, undefined);
    const back = await ops.run(req({ db: 'routing', field: 'pattern', match: 'starts', text: '9', sort: 'priority', limit: 2, before: p2.prev }));
    assert.deepEqual((back.entries as { pattern: string }[]).map((r) => r.pattern), ['92*', '93*']);
    const ip = await ops.run(req({ db: 'routing', field: 'type', match: 'equals', text: 'ip' }));
    assert.deepEqual((ip.entries as { nextHop: string }[]).map((r) => r.nextHop), ['sip.example.org']);
    const all = await ops.run(req({ db: 'routing', text: '*', sort: 'nextHop', desc: true, limit: 10 }));
    assert.equal(all.count, 5);
    assert.equal((all.entries as { nextHop: string }[])[0].nextHop, 'sip.example.org');
    for (const bad of [{ field: 'nope' }, { sort: 'type' }, { match: 'like' }, { limit: 0 }, { limit: 501 }, { after: [{}] }, { after: ['a'], before: ['b'] }, { text: 5 }]) {
      assert.equal(typeof validateDbRequest({ cmd: 'db', db: 'routing', op: 'search', ...bad }), 'string', JSON.stringify(bad));
    }
  } finally {
    await routes.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('registry: static and live bindings, expired ones left out, sorted by expiry', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsearch-'));
  const now = Date.now();
  const reg = await openEmbeddedLocationStore({ dir, name: 'registry', maxAgeOnBootSeconds: 86400, log: () => undefined, compactEveryMs: 0 });
  try {
    const ops = new DbOperations(reg, undefined);
    const soon = new Date(now + 60_000).toISOString();
    const later = new Date(now + 3_600_000).toISOString();
    const csv = `aor,contact,q,expires\n2000@a.com,sip:2000@10.0.0.1,1,\n2001@a.com,sip:2001@10.0.0.2,0.5,${later}\n2002@a.com,sip:2002@10.0.0.3,1,${soon}\n`;
    assert.equal((await ops.run({ cmd: 'db', db: 'registry', op: 'import', csv })).ok, true);
    const r = await ops.run(req({ db: 'registry', text: '', sort: 'expires' }));
    assert.deepEqual((r.entries as { aor: string }[]).map((b) => b.aor), ['2002@a.com', '2001@a.com', '2000@a.com']);
    assert.deepEqual((r.entries as { expires: string | null; static: boolean }[]).map((b) => [b.static, b.expires === null]), [[false, false], [false, false], [true, true]]);
    const c = await ops.run(req({ db: 'registry', field: 'contact', match: 'ends', text: '10.0.0.2' }));
    assert.equal(c.count, 1);
  } finally {
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
