// pserver's Subscribers, Registry and Routes API against a real sipd (routes and
// registrations go over its control socket) and the embedded subscriber store, then the
// subscriber operations against a real MariaDB: every operation, 4xx on bad input, all-or-
// nothing CSV imports, the SQL-injection string stored and shown literally, markup shown as
// text, roles, and the audit trail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPserver, WebClient } from '../helpers/web.js';
import type { TestPserver } from '../helpers/web.js';
import { freePort, makeServerRoot, runBin, showRun } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';
import { startMariaDb } from '../helpers/mariadb.js';
import type { MariaDb } from '../helpers/mariadb.js';
import { MySqlPool } from '../../src/stores/mysql/pool.js';
import { installSchema } from '../../src/stores/mysql/schema.js';

const INJECTION = "x'); DROP TABLE subscribers; --";
const MARKUP = '<script>alert(1)</script>';
const JSON_ACCEPT = { headers: { accept: 'application/json' } };

/** Signs in the first administrator and makes an operator and a read-only user. */
async function clients(ps: TestPserver): Promise<{ admin: WebClient; op: WebClient; ro: WebClient }> {
  const admin = new WebClient(ps.url);
  await admin.firstLogin('cspsuser', ps.initialPassword!, 'admin-password-1');
  const make = async (name: string, role: string) => {
    assert.equal((await admin.postJson('/api/accounts', { name, role, password: `${name}-initial-1` })).status, 201);
    const c = new WebClient(ps.url);
    await c.firstLogin(name, `${name}-initial-1`, `${name}-password-1`);
    return c;
  };
  return { admin, op: await make('oper', 'operator'), ro: await make('viewer', 'read-only') };
}

const csvPost = (c: WebClient, p: string, csv: string) => c.request('POST', p, { body: csv, headers: { 'content-type': 'text/csv', accept: 'application/json' } });

describe('pserver data pages with sipd running (embedded subscriber store)', () => {
  let sipd: { sr: ServerRoot; port: number };
  let ps: TestPserver;
  let c: { admin: WebClient; op: WebClient; ro: WebClient };

  before(async () => {
    // A real sipd process (sip start), so pserver reaches it over its control socket as in production.
    const port = await freePort();
    sipd = { sr: makeServerRoot(port, ['Cisco_Routing On', 'Cisco_Registry On', 'AuthRealm example.com']), port };
    const started = await runBin('sip', ['start', '-f', sipd.sr.conf]);
    assert.equal(started.code, 0, showRun(started));
    ps = await startPserver({ sipdConf: sipd.sr.conf });
    c = await clients(ps);
  });
  after(async () => {
    await ps?.stop();
    if (sipd) {
      await runBin('sip', ['stop', '-f', sipd.sr.conf]);
      sipd.sr.remove();
    }
  });

  test('subscribers: add, read, search, edit, delete; the password is never shown back', async () => {
    const add = await c.op.postJson('/api/subscribers', { user: '2000', domain: 'Example.com', password: 'pw-2000', firstName: MARKUP, lastName: INJECTION, cfna: 'sip:vm@example.com', redirectDnPrivacy: true });
    assert.equal(add.status, 201, add.body);
    const s = add.json();
    assert.equal(s.domain, 'example.com');
    assert.equal(s.lastName, INJECTION);
    assert.equal(s.hasPassword, true);
    assert.doesNotMatch(add.body, /ha1|pw-2000|secret/);
    assert.equal((await c.op.postJson('/api/subscribers', { user: '2001', domain: 'example.com', lastName: 'Jones' })).status, 201);
    const one = await c.ro.get('/api/subscribers/one?user=2000&domain=example.com', JSON_ACCEPT);
    assert.equal(one.json().lastName, INJECTION);
    const found = await c.ro.get(`/api/subscribers?field=lastName&op=equals&q=${encodeURIComponent(INJECTION)}`, JSON_ACCEPT);
    assert.equal(found.status, 200, found.body);
    assert.deepEqual(found.json<{ rows: { user: string }[] }>().rows.map((r) => r.user), ['2000']);
    const page1 = await c.ro.get('/api/subscribers?q=*&sort=user&limit=1', JSON_ACCEPT);
    const j1 = page1.json<{ rows: { user: string }[]; next: string; count: number }>();
    assert.deepEqual([j1.count, j1.rows[0].user], [2, '2000']);
    const page2 = await c.ro.get(`/api/subscribers?q=*&sort=user&limit=1&after=${j1.next}`, JSON_ACCEPT);
    assert.equal(page2.json<{ rows: { user: string }[] }>().rows[0].user, '2001');
    const put = await c.op.putJson('/api/subscribers/one?user=2001&domain=example.com', { cfu: 'sip:desk@example.com', password: '' });
    assert.equal(put.status, 200, put.body);
    assert.deepEqual([put.json().cfu, put.json().hasPassword], ['sip:desk@example.com', false]);
    assert.equal((await c.op.delete('/api/subscribers/one?user=2001&domain=example.com')).status, 200);
    assert.equal((await c.op.delete('/api/subscribers/one?user=2001&domain=example.com')).status, 404);
  });

  test('subscribers: bad input is a 4xx with a message, never a crash', async () => {
    const cases: [string, unknown][] = [
      ['an empty user', { user: '' }],
      ['a user with blanks', { user: 'a b' }],
      ['a bad call-forward URL', { user: '3000', cfu: 'not a url' }],
      ['a bad domain', { user: '3000', domain: 'bad domain!' }],
      ['the same subscriber twice', { user: '2000', domain: 'example.com' }],
    ];
    for (const [what, body] of cases) {
      const r = await c.op.postJson('/api/subscribers', body);
      assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status} ${r.body}`);
      assert.equal(typeof r.json().error, 'string', what);
    }
    for (const q of ['field=nope', 'op=like', 'sort=password', 'limit=0', 'after=!!!', 'dir=up']) {
      const r = await c.ro.get(`/api/subscribers?${q}`, JSON_ACCEPT);
      assert.equal(r.status, 400, `${q}: ${r.body}`);
    }
    assert.equal((await c.ro.get('/api/subscribers/one?user=nobody', JSON_ACCEPT)).status, 404);
    assert.equal((await c.op.putJson('/api/subscribers/one?user=nobody', { firstName: 'x' })).status, 404);
  });

  test('subscribers CSV: a file with bad lines lists each with its number and imports nothing; a good one imports; export has no secrets for non-administrators', async () => {
    const bad = 'user_id,domain,password,last_name\n4000,example.com,pw,Good\nbad user,example.com,,\n4001,example.com,,Good\n4002,bad domain!,,\n';
    const r = await csvPost(c.op, '/api/subscribers/import', bad);
    assert.equal(r.status, 400, r.body);
    assert.deepEqual(r.json<{ errors: { line: number }[] }>().errors.map((e) => e.line), [3, 5]);
    assert.equal((await c.ro.get('/api/subscribers?field=user&op=starts&q=400', JSON_ACCEPT)).json().count, 0);
    const good = await csvPost(c.op, '/api/subscribers/import', 'user_id,domain,password,last_name\n4000,example.com,pw,Good\n4001,example.com,,Good\n');
    assert.equal(good.status, 200, good.body);
    assert.deepEqual(good.json(), { added: 2, replaced: 0 });
    const ex = await c.ro.get('/api/subscribers/export.csv?field=user&op=starts&q=400');
    assert.equal(ex.status, 200);
    assert.match(ex.headers['content-type'] ?? '', /text\/csv/);
    assert.match(ex.body, /^user_id,domain,password/);
    assert.match(ex.body, /\n4000,example\.com,,/);
    assert.doesNotMatch(ex.body, /ha1\$/);
    assert.match((await c.admin.get('/api/subscribers/export.csv?field=user&op=equals&q=4000')).body, /ha1\$/);
    assert.equal((await csvPost(c.op, '/api/subscribers/import', '')).json().added, 0);
  });

  test('routes: add, search, edit, delete and import go to the running sipd; bad routes are refused', async () => {
    const add = await c.op.postJson('/api/routes', { pattern: '9*', type: 'phone', nextHop: 'gw1.example.com', priority: 2, label: MARKUP });
    assert.equal(add.status, 201, add.body);
    const key = add.json<{ key: string }>().key;
    for (const body of [{ pattern: '9*', type: 'phone', nextHop: 'bad host!' }, { pattern: '9x', type: 'phone', nextHop: 'gw' }, { pattern: '9*', type: 'pots' }, { pattern: '9*', type: 'phone', nextHop: 'gw', port: 70000 }]) {
      const r = await c.op.postJson('/api/routes', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.body}`);
    }
    const badCsv = 'pattern,type,nextHop,port\n81*,phone,gw81.example.com,5060\n82*,phone,,5060\n83*,phone,gw83.example.com,99999\n';
    const bad = await csvPost(c.op, '/api/routes/import', badCsv);
    assert.equal(bad.status, 400, bad.body);
    assert.deepEqual(bad.json<{ errors: { line: number }[] }>().errors.map((e) => e.line), [3, 4]);
    assert.equal((await c.ro.get('/api/routes?field=pattern&op=starts&q=8', JSON_ACCEPT)).json().count, 0);
    const good = await csvPost(c.op, '/api/routes/import', 'pattern,type,nextHop,port\n81*,phone,gw81.example.com,5060\n82*,phone,gw82.example.com,5060\n');
    assert.deepEqual(good.json(), { added: 2, replaced: 0 });
    const list = await c.ro.get('/api/routes?q=*&sort=priority&dir=desc', JSON_ACCEPT);
    assert.deepEqual(list.json<{ rows: { pattern: string }[] }>().rows.map((r) => r.pattern)[0], '9*');
    const edit = await c.op.putJson(`/api/routes/one?key=${encodeURIComponent(key)}`, { pattern: '9*', type: 'phone', nextHop: 'gw2.example.com', label: 'moved' });
    assert.equal(edit.status, 200, edit.body);
    const nines = await c.ro.get('/api/routes?field=pattern&op=equals&q=9*', JSON_ACCEPT);
    assert.deepEqual(nines.json<{ rows: { nextHop: string }[] }>().rows.map((r) => r.nextHop), ['gw2.example.com']);
    assert.equal((await c.op.delete(`/api/routes/one?key=${encodeURIComponent(edit.json<{ key: string }>().key)}`)).status, 200);
    assert.equal((await c.op.delete(`/api/routes/one?key=${encodeURIComponent(key)}`)).status, 404);
    assert.equal((await c.op.delete('/api/routes/one?key=nonsense')).status, 400);
    assert.match((await c.ro.get('/api/routes/export.csv')).body, /^pattern,type,nextHop/);
  });

  test('registry: static registrations added, listed with live ones, deleted; bad ones refused', async () => {
    const add = await c.op.postJson('/api/registry', { aor: '5000@example.com', contact: 'sip:5000@10.1.1.5' });
    assert.equal(add.status, 201, add.body);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await c.op.postJson('/api/registry', { aor: '5001@example.com', contact: 'sip:5001@10.1.1.6', expires: later, q: 0.5 })).status, 201);
    for (const body of [{ aor: '5*@example.com', contact: 'sip:x@h' }, { aor: 'nodomain', contact: 'sip:x@h' }, { aor: '5002@example.com', contact: 'not a uri' }, { aor: '5002@example.com', contact: 'sip:x@h', expires: 'tomorrow' }]) {
      const r = await c.op.postJson('/api/registry', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.equal(typeof r.json().error, 'string');
    }
    const list = await c.ro.get('/api/registry?sort=expires', JSON_ACCEPT);
    const rows = list.json<{ rows: { aor: string; static: boolean; expires: string | null }[] }>().rows;
    assert.deepEqual(rows.map((r) => [r.aor, r.static]), [['5001@example.com', false], ['5000@example.com', true]]);
    const bad = await csvPost(c.op, '/api/registry/import', 'aor,contact\n6000@example.com,sip:6000@h\n6*@example.com,sip:x@h\n');
    assert.deepEqual(bad.json<{ errors: { line: number }[] }>().errors.map((e) => e.line), [3]);
    assert.equal((await c.ro.get('/api/registry?field=aor&op=starts&q=6000', JSON_ACCEPT)).json().count, 0);
    assert.equal((await c.op.delete('/api/registry/one?aor=5000@example.com&contact=sip:5000@10.1.1.5')).status, 200);
    assert.equal((await c.op.delete('/api/registry/one?aor=5000@example.com&contact=sip:5000@10.1.1.5')).status, 404);
    assert.match((await c.ro.get('/api/registry/export.csv')).body, /5001@example\.com,sip:5001@10\.1\.1\.6,0\.5,/);
  });

  test('read-only users see and export but change nothing; every change is in the audit log', async () => {
    assert.equal((await c.ro.postJson('/api/subscribers', { user: '7000' })).status, 403);
    assert.equal((await c.ro.delete('/api/registry/one?aor=5001@example.com&contact=sip:5001@10.1.1.6')).status, 403);
    assert.equal((await csvPost(c.ro, '/api/routes/import', '1*,phone,gw\n')).status, 403);
    assert.equal((await c.ro.postForm('/subscribers/delete', { user: '2000', domain: 'example.com' })).status, 403);
    const audit = await c.admin.get('/api/audit?limit=1000', JSON_ACCEPT);
    const actions = audit.json<{ entries: { user: string; action: string }[] }>().entries.map((e) => `${e.user} ${e.action}`);
    for (const a of ['oper subscriber add', 'oper subscriber edit', 'oper subscriber delete', 'oper subscriber import', 'oper route add', 'oper route edit', 'oper route delete', 'oper route import', 'oper registry add', 'oper registry delete', 'viewer subscriber export']) {
      assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
    }
  });

  test('read-only: 403 from every state-changing data route (API from the OpenAPI document, and the forms); no change buttons on the pages', async () => {
    const doc = (await c.ro.get('/api/openapi.json', JSON_ACCEPT)).json<{ paths: Record<string, Record<string, unknown>> }>();
    const api = Object.entries(doc.paths)
      .filter(([p]) => /^\/api\/(subscribers|registry|routes)(\/|$)/.test(p))
      .flatMap(([p, ops]) => Object.keys(ops).filter((m) => !['get', 'head', 'options'].includes(m)).map((m) => [m.toUpperCase(), p] as const));
    // Every kind of change is there: add, edit and delete where the list has them, and the imports.
    for (const want of ['POST /api/subscribers', 'PUT /api/subscribers/one', 'DELETE /api/subscribers/one', 'POST /api/subscribers/import', 'POST /api/routes', 'PUT /api/routes/one', 'DELETE /api/routes/one', 'POST /api/routes/import', 'POST /api/registry', 'DELETE /api/registry/one', 'POST /api/registry/import']) {
      assert.ok(api.some(([m, p]) => `${m} ${p}` === want), `${want} in the OpenAPI document`);
    }
    // Bodies an operator's call would carry, so that only the role can be the reason for a refusal.
    const bodies: Record<string, string> = {
      '/api/subscribers': JSON.stringify({ user: '7100', domain: 'example.com' }),
      '/api/subscribers/one': JSON.stringify({ firstName: 'x' }),
      '/api/routes': JSON.stringify({ pattern: '71*', type: 'phone', nextHop: 'gw.example.com' }),
      '/api/routes/one': JSON.stringify({ pattern: '71*', type: 'phone', nextHop: 'gw.example.com' }),
      '/api/registry': JSON.stringify({ aor: '7100@example.com', contact: 'sip:7100@10.1.1.7' }),
    };
    const query: Record<string, string> = { '/api/subscribers/one': '?user=2000&domain=example.com', '/api/routes/one': '?key=x', '/api/registry/one': '?aor=5001@example.com&contact=sip:5001@10.1.1.6' };
    for (const [m, p] of api) {
      const csv = p.endsWith('/import');
      const r = await c.ro.request(m, `${p}${query[p] ?? ''}`, {
        ...(m !== 'DELETE' && { body: csv ? 'user_id,domain\n7101,example.com\n' : (bodies[p] ?? '{}') }),
        headers: { 'content-type': csv ? 'text/csv' : 'application/json', accept: 'application/json' },
      });
      assert.equal(r.status, 403, `${m} ${p} as read-only: ${r.status} ${r.body}`);
      assert.equal(typeof r.json().error, 'string', `${m} ${p}: a JSON error`);
    }
    for (const form of ['/subscribers', '/subscribers/edit', '/subscribers/delete', '/subscribers/import', '/routes', '/routes/delete', '/routes/import', '/registry', '/registry/delete', '/registry/import']) {
      assert.equal((await c.ro.postForm(form, { user: '7102', domain: 'example.com' })).status, 403, `POST ${form} as read-only`);
    }
    for (const p of ['/subscribers/new', '/routes/new']) assert.equal((await c.ro.get(p)).status, 403, `GET ${p} as read-only`);
    // Nothing changed: the user and the registration are still there, the would-be additions are not.
    assert.equal((await c.ro.get('/api/subscribers?field=user&op=starts&q=710', JSON_ACCEPT)).json().count, 0);
    assert.equal((await c.ro.get('/api/registry?field=aor&op=equals&q=5001@example.com', JSON_ACCEPT)).json().count, 1);
    // The pages with rows on them, and an edit page: no form that posts, no Add link, no submit button.
    for (const p of ['/subscribers', '/routes', '/registry', '/subscribers/edit?user=2000&domain=example.com']) {
      const page = await c.ro.get(p);
      assert.equal(page.status, 200, p);
      // The edit page keeps its (button-less) form so the fields show in place; the lists have none.
      if (!p.includes('/edit')) assert.doesNotMatch(page.body, /<form[^>]*method="post"[^>]*action="\/(subscribers|routes|registry)/i, `${p}: a change form`);
      // Search and the layout's Sign out are the submit buttons a read-only user may see.
      const buttons = [...page.body.matchAll(/<button[^>]*type="submit"[^>]*>([^<]*)</g)].map((m) => m[1]);
      assert.deepEqual(buttons.filter((b) => !['Search', 'Sign out'].includes(b.trim())), [], `${p}: a change button`);
      assert.doesNotMatch(page.body, /href="\/(subscribers|routes)\/new"|type="file"/, `${p}: an Add link or an import`);
    }
    const asOperator = await c.op.get('/subscribers');
    assert.match(asOperator.body, /href="\/subscribers\/new"/, 'the operator does see the Add button (the check above can fail)');
  });

  test('pages: markup in a name is shown as text; a form with a bad value comes back with the message', async () => {
    const page = await c.ro.get('/subscribers?field=user&op=equals&q=2000');
    assert.equal(page.status, 200);
    assert.ok(page.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!page.body.includes(MARKUP));
    assert.ok(page.body.includes('x&#39;); DROP TABLE subscribers; --') || page.body.includes("x'); DROP TABLE subscribers; --"));
    const bad = await c.op.postForm('/subscribers', { user: '8000', cfu: 'nonsense' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /Invalid dest_url_cfu syntax/);
    const routes = await c.ro.get('/routes?sort=label');
    assert.equal(routes.status, 200);
    assert.match(routes.body, /id="routes"/);
    assert.equal((await c.ro.get('/registry')).status, 200);
    assert.equal((await c.ro.get('/routes?sort=bogus')).status, 400);
  });
});

describe('pserver subscribers on MySQL (DB_MySQL On)', () => {
  let db: MariaDb;
  let dir: string;
  let ps: TestPserver;
  let c: { admin: WebClient; op: WebClient; ro: WebClient };

  before(async () => {
    db = await startMariaDb();
    await db.sql("CREATE USER 'sps'@'%' IDENTIFIED BY 'spspw'; GRANT ALL ON *.* TO 'sps'@'%';");
    const pool = new MySqlPool({ primary: { host: '127.0.0.1', port: db.port }, user: 'root', password: '', timeoutMs: 10_000, log: () => undefined });
    try {
      await installSchema(pool, { database: 'sip', table: 'subscriber' });
    } finally {
      await pool.close();
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'pserver-mysql-'));
    mkdirSync(path.join(dir, 'conf'));
    writeFileSync(path.join(dir, 'conf', 'sipd.conf'), ['DB_MySQL On', `DB_MySQL_HostName ${db.address}`, 'DB_MySQL_Username sps', 'DB_MySQL_Password spspw', 'AuthRealm example.com', ''].join('\n'));
    ps = await startPserver({ dir });
    c = await clients(ps);
  });
  after(async () => {
    await ps?.stop();
    await db?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the SQL-injection string is stored and shown literally; the table survives', async () => {
    const r = await c.op.postJson('/api/subscribers', { user: '2000', lastName: INJECTION, firstName: MARKUP, password: 'pw' });
    assert.equal(r.status, 201, r.body);
    const rows = (await db.sql('SELECT last_name, password FROM sip.subscriber WHERE user_id = ?', ['2000'])) as { last_name: string; password: string }[];
    assert.equal(rows[0].last_name, INJECTION);
    assert.match(rows[0].password, /^ha1\$example\.com\$/);
    const found = await c.ro.get(`/api/subscribers?field=lastName&op=contains&q=${encodeURIComponent("'); DROP")}`, JSON_ACCEPT);
    assert.deepEqual(found.json<{ rows: { lastName: string }[] }>().rows.map((x) => x.lastName), [INJECTION]);
    // LIKE wildcards in the search string are taken literally too.
    assert.equal((await c.ro.get('/api/subscribers?field=lastName&op=contains&q=%25', JSON_ACCEPT)).json().count, 0);
    const page = await c.ro.get('/subscribers');
    assert.ok(page.body.includes('&lt;script&gt;'));
  });

  test('CSV import into MySQL is all or nothing: bad lines, and a clash found only by the database, both leave the table as it was', async () => {
    const had = Number((await c.ro.get('/api/subscribers', JSON_ACCEPT)).json().count);
    const bad = await csvPost(c.op, '/api/subscribers/import', 'user_id,last_name\n3000,A\n3 001,B\n');
    assert.deepEqual(bad.json<{ errors: { line: number }[] }>().errors.map((e) => e.line), [3]);
    const long = 'a'.repeat(50);
    assert.equal((await c.op.postJson('/api/subscribers', { user: `${long}1` })).status, 201);
    // Valid on its own, but its first 50 characters match the stored subscriber: the transaction rolls back 3000 too.
    const clash = await csvPost(c.op, '/api/subscribers/import', `user_id,last_name\n3000,A\n${long}2,B\n`);
    assert.equal(clash.status, 400, clash.body);
    assert.match(String(clash.json().error), /first 50 characters/);
    assert.equal((await c.ro.get('/api/subscribers', JSON_ACCEPT)).json().count, had + 1);
    const good = await csvPost(c.op, '/api/subscribers/import', 'user_id,last_name\n3000,A\n3001,B\n2000,Replaced\n');
    assert.deepEqual(good.json(), { added: 2, replaced: 1 });
    const sorted = await c.ro.get('/api/subscribers?sort=lastName&dir=desc&limit=2', JSON_ACCEPT);
    assert.deepEqual(sorted.json<{ rows: { lastName: string }[] }>().rows.map((x) => x.lastName), ['Replaced', 'B']);
  });
});
