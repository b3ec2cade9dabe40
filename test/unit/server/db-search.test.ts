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

/** Ask until sipd's sorted view answers (it is built in the background after the first ask). */
async function untilIndexed(ask: () => Promise<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await ask()).indexed === true) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail('the sorted view was never built');
}

const compare = async (what: string, a: Promise<Record<string, unknown>>, b: Promise<Record<string, unknown>>) => {
  const [x, y] = await Promise.all([a, b]);
  assert.deepEqual([x.entries, x.count], [y.entries, y.count], what);
};

test('the stores keep their sorted views in step with every kind of change: the same answers as a pass over the table', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsearch-'));
  const now = Date.now();
  const routes = await openEmbeddedRouteStore({ dir, name: 'routes', maxAgeOnBootSeconds: 86400, log: () => undefined, compactEveryMs: 0 });
  const reg = await openEmbeddedLocationStore({ dir, name: 'registry', maxAgeOnBootSeconds: 86400, log: () => undefined, compactEveryMs: 0, now: () => now });
  try {
    // The same tables seen through an object without `search`: db-search pages it by one pass.
    const plainRoutes = { all: () => routes.all(), each: () => routes.each(), size: () => routes.size() } as unknown as typeof routes;
    const plainReg = { entries: () => reg.entries(), activeCount: (t: number) => reg.activeCount(t) } as unknown as typeof reg;
    const ops = new DbOperations(reg, routes);
    const plain = new DbOperations(plainReg, plainRoutes);
    const route = (i: number, prio: number) => ({ pattern: `+1555${String(i).padStart(4, '0')}`, type: 'phone' as const, nextHop: `gw${i % 3}.example.com`, port: 5060, transport: 'UDP' as const, priority: prio, weight: 1, techPrefix: '', techPrefixAction: 'include' as const, allowLessSpecific: true, block: false, inService: true, label: `L${i % 4}` });
    await routes.put(Array.from({ length: 40 }, (_, i) => route(i, i % 5)));
    const bind = (aor: string, n: number, ttl: number) => Array.from({ length: n }, (_, k) => ({ aor, contact: `sip:${aor.split('@')[0]}@10.0.0.${k}`, q: 1, expiresAt: now + ttl, callId: `c${k}`, cseq: 1, static: false, updatedAt: now }));
    for (let i = 0; i < 30; i++) await reg.put(`u${i}@a.com`, bind(`u${i}@a.com`, 1 + (i % 3), 60_000 * (1 + (i % 7))));
    const routeQs = [{ text: '*', sort: 'priority', limit: 7 }, { field: 'pattern', match: 'starts', text: '+15550', sort: 'pattern', limit: 5, desc: true }, { field: 'label', match: 'equals', text: 'l1', sort: 'weight', limit: 4 }];
    const regQs = [{ text: '*', sort: 'aor', limit: 6 }, { field: 'aor', match: 'starts', text: 'U1', sort: 'expires', limit: 5 }, { field: 'aor', match: 'equals', text: 'u7@a.com', sort: 'contact', limit: 5, desc: true }];
    const run = (o: DbOperations, db: string, q: Record<string, unknown>) => o.run(req({ db, ...q }));
    for (const q of routeQs) await untilIndexed(() => run(ops, 'routing', q));
    for (const q of regQs) await untilIndexed(() => run(ops, 'registry', q));
    const check = async (step: string) => {
      for (const q of routeQs) {
        const a = await run(ops, 'routing', q);
        assert.equal(a.indexed, true, `${step}: ${JSON.stringify(q)} answered from the view`);
        await compare(`${step}: routes ${JSON.stringify(q)}`, Promise.resolve(a), run(plain, 'routing', q));
      }
      for (const q of regQs) {
        const a = await run(ops, 'registry', q);
        assert.equal(a.indexed, true, `${step}: ${JSON.stringify(q)} answered from the view`);
        await compare(`${step}: registry ${JSON.stringify(q)}`, Promise.resolve(a), run(plain, 'registry', q));
      }
    };
    await check('built');
    await routes.put([route(3, 0), route(77, 2), { ...route(5, 4), nextHop: 'GW9.example.com', label: 'L1' }]);
    await routes.remove(['phone|+15550010|gw1.example.com|5060', 'phone|+15550011|GW2.EXAMPLE.COM|5060']);
    await reg.put('u1@a.com', bind('u1@a.com', 3, 10_000));
    await reg.removeAll('u2@a.com');
    await reg.setStatic('u10@a.com', { ...bind('u10@a.com', 1, 0)[0], contact: 'sip:u10@static.example.com', static: true, expiresAt: Infinity });
    await reg.put('new@a.com', bind('new@a.com', 2, 5_000));
    await check('after puts, replaces and removes');
    reg.purgeExpired(now + 150_000);
    await check('after expiry');
  } finally {
    await routes.close();
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
