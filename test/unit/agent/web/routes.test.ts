// Dr-Web's routes in-process (no SNMP, no browser): every route that is not public refuses a
// request without a session (a page sends the browser to the login, anything else gets 401),
// the API answers bad input with a 4xx JSON error, and the pages still render when a MIB
// module is not running (they say so instead of failing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashedUserLine, startDrWeb } from '../../../../src/agent/web/index.js';
import type { DrWeb } from '../../../../src/agent/web/index.js';

async function withDrWeb(fn: (web: DrWeb, logs: string[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drweb-routes-'));
  const logs: string[] = [];
  const op = await hashedUserLine('op', 'Operator', 'operator password 1');
  assert.ok('line' in op);
  writeFileSync(path.join(dir, 'snmpd.cnf'), `${op.line}\nhttpUserNameEntry plain SystemAdmin - nonVolatile cleartext99\n`);
  const web = await startDrWeb({
    address: '127.0.0.1', port: 0, snmpdCnf: path.join(dir, 'snmpd.cnf'), dataDir: path.join(dir, 'data'),
    sources: { critapp: () => undefined, logmon: () => undefined, events: () => undefined, host: () => undefined },
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  try {
    await fn(web, logs);
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
