// Dr-Web's routes in-process (no SNMP, no browser): every route that is not public refuses a
// request without a session (a page sends the browser to the login, anything else gets 401),
// the API answers bad input with a 4xx JSON error, and the pages still render when a MIB
// module is not running (they say so instead of failing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashedUserLine, startDrWeb } from '../../../../src/agent/web/index.js';
import type { DrWeb } from '../../../../src/agent/web/index.js';

async function withDrWeb(fn: (web: DrWeb, logs: string[], snmpdCnf: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drweb-routes-'));
  const logs: string[] = [];
  const op = await hashedUserLine('op', 'Operator', 'operator password 1');
  assert.ok('line' in op);
  writeFileSync(path.join(dir, 'snmpd.cnf'), `${op.line}\nhttpUserNameEntry plain SystemAdmin - nonVolatile cleartext99\n`);
  const web = await startDrWeb({
    address: '127.0.0.1', port: 0, snmpdCnf: path.join(dir, 'snmpd.cnf'), dataDir: path.join(dir, 'data'),
    sources: { critapp: () => undefined, logmon: () => undefined, events: () => undefined, host: () => undefined, setThresholds: () => false },
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  try {
    await fn(web, logs, path.join(dir, 'snmpd.cnf'));
  } finally {
    await web.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every Dr-Web route without a session: the login page or 401', async () => {
  await withDrWeb(async (web) => {
    const routes = web.app.webRoutes.filter((r) => r.access !== 'public');
    for (const path of ['/critapp', '/critapp/:index/admin', '/logs', '/thresholds', '/host', '/applications', '/api/critapp', '/api/critapp/:index/admin', '/api/logs', '/api/thresholds', '/api/load', '/api/host', '/api/applications']) {
      assert.ok(routes.some((r) => r.url === path), `${path} is registered`);
    }
    for (const r of routes) {
      const url = `${web.url}${r.url.replace(/:[a-z]+/g, '1')}`;
      const res = await fetch(url, { method: r.method, redirect: 'manual', ...(r.method === 'GET' || r.method === 'HEAD' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }) });
      const isPage = !r.url.startsWith('/api/') && (r.method === 'GET' || r.method === 'HEAD');
      if (isPage) {
        assert.equal(res.status, 303, `${r.method} ${r.url}`);
        assert.match(res.headers.get('location') ?? '', /^\/login\?next=/, `${r.method} ${r.url}`);
      } else {
        assert.equal(res.status, 401, `${r.method} ${r.url}`);
        if (r.method !== 'HEAD') assert.ok(typeof ((await res.json()) as { error?: string }).error === 'string', `${r.method} ${r.url} JSON error`);
      }
    }
  });
});

test('signed in: bad API input is a 4xx JSON error, a missing module 503; pages say what is not running; clear-text users refused', async () => {
  await withDrWeb(async (web, logs) => {
    assert.ok(logs.some((l) => /^error: Dr-Web: .*snmpd\.cnf:2:\d+: httpUserNameEntry plain has a clear-text password/.test(l)), logs.join('\n'));
    const login = await fetch(`${web.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'plain', password: 'cleartext99' }) });
    assert.equal(login.status, 401, 'the clear-text line signs nobody in');
    const ok = await fetch(`${web.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'op', password: 'operator password 1' }) });
    assert.equal(ok.status, 200);
    const { csrfToken } = (await ok.json()) as { csrfToken: string };
    const cookie = (ok.headers.get('set-cookie') ?? '').split(';')[0];
    const put = (index: string, body: unknown, token = csrfToken) =>
      fetch(`${web.url}/api/critapp/${index}/admin`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': token }, body: JSON.stringify(body) });
    const bad = await put('1', { status: 'sideways' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /status/);
    const badIndex = await put('x', { status: 'up' });
    assert.equal(badIndex.status, 400);
    const noCsrf = await put('1', { status: 'up' }, 'forged');
    assert.equal(noCsrf.status, 403);
    const thresholds = await fetch(`${web.url}/api/thresholds/test/cpuLoad`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken }, body: JSON.stringify({ rising: 90, falling: 70 }) });
    assert.equal(thresholds.status, 403, 'thresholds are the administrator\'s');
    const missing = await put('1', { status: 'up' });
    assert.equal(missing.status, 503);
    assert.match(((await missing.json()) as { error: string }).error, /not running/);
    for (const p of ['/critapp', '/logs', '/thresholds', '/host', '/applications']) {
      const res = await fetch(`${web.url}${p}`, { headers: { cookie } });
      assert.equal(res.status, 200, p);
      const html = await res.text();
      assert.match(html, /CIAgent Dr-Web/, p);
    }
    const critapp = await (await fetch(`${web.url}/critapp`, { headers: { cookie } })).text();
    assert.match(critapp, /critagt\) is not running/);
    const form = await fetch(`${web.url}/critapp/1/admin`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(csrfToken)}&status=up` });
    assert.equal(form.status, 503, 'a form for a module that is not running gets the page again with the reason');
    assert.match(await form.text(), /role="alert"[^>]*>the Critical Application Monitor \(critagt\) is not running/);
  });
});

const signIn = async (web: DrWeb, user: string, password: string) => {
  const r = await fetch(`${web.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  return { status: r.status, cookie: (r.headers.get('set-cookie') ?? '').split(';')[0], csrfToken: r.ok ? ((await r.json()) as { csrfToken: string }).csrfToken : '' };
};

test('a password change rewrites the user\'s httpUserNameEntry; a user added to snmpd.cnf signs in after a reload (SIGHUP)', async () => {
  await withDrWeb(async (web, logs, snmpdCnf) => {
    const before = readFileSync(snmpdCnf, 'utf8').split('\n');
    const s = await signIn(web, 'op', 'operator password 1');
    assert.equal(s.status, 200);
    const change = await fetch(`${web.url}/api/password`, {
      method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
      body: JSON.stringify({ oldPassword: 'operator password 1', newPassword: 'operator password 2' }),
    });
    assert.equal(change.status, 200, await change.clone().text());
    const after = readFileSync(snmpdCnf, 'utf8').split('\n');
    assert.notEqual(after[0], before[0]);
    assert.match(after[0], /^httpUserNameEntry op Operator - nonVolatile scrypt\$/);
    assert.deepEqual(after.slice(1), before.slice(1), 'the other lines are kept');
    assert.equal((await signIn(web, 'op', 'operator password 1')).status, 401);
    assert.equal((await signIn(web, 'op', 'operator password 2')).status, 200);
    assert.ok(logs.some((l) => /Dr-Web audit: op: password change/.test(l)), logs.join('\n'));

    const carol = await hashedUserLine('carol', 'ReadOnly', 'carol password 1');
    assert.ok('line' in carol);
    appendFileSync(snmpdCnf, `${carol.line}\n`);
    assert.equal((await signIn(web, 'carol', 'carol password 1')).status, 401, 'not before the reload');
    web.reloadUsers();
    const c = await signIn(web, 'carol', 'carol password 1');
    assert.equal(c.status, 200);
    const page = () => fetch(`${web.url}/api/critapp`, { headers: { cookie: c.cookie } }).then((r) => r.status);
    assert.equal(await page(), 200);
    // carol's line taken out again: after the reload her session is gone too.
    writeFileSync(snmpdCnf, readFileSync(snmpdCnf, 'utf8').replace(`${carol.line}\n`, ''));
    web.reloadUsers();
    assert.equal(await page(), 401);
    assert.equal((await signIn(web, 'carol', 'carol password 1')).status, 401);
  });
});

test('plain HTTP off loopback is refused: Dr-Web needs --http-cert and --http-key there', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drweb-plain-'));
  try {
    await assert.rejects(
      startDrWeb({
        address: '0.0.0.0', port: 0, snmpdCnf: path.join(dir, 'snmpd.cnf'), dataDir: dir,
        sources: { critapp: () => undefined, logmon: () => undefined, events: () => undefined, host: () => undefined, setThresholds: () => false }, log: () => undefined,
      }),
      /plain HTTP is allowed only on a loopback address/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
