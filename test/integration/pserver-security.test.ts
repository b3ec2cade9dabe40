// pserver's security rules checked over every route it registers: no route but the login,
// health and static ones answers without a session; state-changing routes want the CSRF
// token; the CSP forbids inline script; HTTPS cookies are Secure and __Host-; plain HTTP
// is refused on a non-loopback address.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPserver } from '../../src/provisioning/server.js';
import { loadPserverSettings } from '../../src/provisioning/settings.js';
import { BIN } from '../helpers/paths.js';
import { startPserver, WebClient } from '../helpers/web.js';
import type { TestPserver } from '../helpers/web.js';

type Built = Awaited<ReturnType<typeof buildPserver>>;

/** A URL for a route pattern: parameters and wildcards filled with harmless values. */
function concrete(url: string): string {
  return url.replace(/:[A-Za-z_]+/g, 'x').replace(/\*/g, 'x');
}

const PUBLIC = new Set(['GET /login', 'POST /login', 'POST /api/session', 'GET /healthz', 'HEAD /login', 'HEAD /healthz']);

describe('pserver routes without a session', () => {
  let dir: string;
  let built: Built;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'opensps-pserver-routes-'));
    mkdirSync(path.join(dir, 'conf'));
    writeFileSync(path.join(dir, 'conf', 'sipd.conf'), '');
    const r = loadPserverSettings(path.join(dir, 'conf', 'ps.conf'), ['PServerAddress 127.0.0.1', 'PServerPort 1', 'PServerPlainHttp On']);
    assert.ok(r.ok);
    built = await buildPserver(r.settings);
    await built.app.ready();
  });
  after(async () => {
    await built?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every route declares its access, and only the login, health and static routes are public', () => {
    assert.ok(built.app.webRoutes.length > 20, `only ${built.app.webRoutes.length} routes`);
    const open = built.app.webRoutes.filter((r) => r.access === 'public' && !r.url.startsWith('/static/')).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(open.filter((x) => !PUBLIC.has(x)), []);
  });

  test('every other route answers 401 (API, non-GET) or redirects to /login (pages)', async () => {
    const checked: string[] = [];
    for (const r of built.app.webRoutes) {
      if (r.access === 'public') continue;
      const url = concrete(r.url);
      const res = await built.app.inject({ method: r.method as 'GET', url, headers: { accept: 'text/html' }, payload: r.method === 'GET' || r.method === 'HEAD' ? undefined : {} });
      const where = `${r.method} ${r.url}`;
      if ((r.method === 'GET' || r.method === 'HEAD') && !url.startsWith('/api/')) {
        assert.equal(res.statusCode, 303, where);
        assert.match(String(res.headers.location), /^\/login\?next=/, where);
      } else {
        assert.equal(res.statusCode, 401, `${where}: ${res.body}`);
        if (r.method !== 'HEAD') assert.ok(JSON.parse(res.body).error, where);
      }
      checked.push(where);
    }
    assert.ok(checked.includes('POST /api/accounts') && checked.includes('GET /accounts') && checked.includes('GET /api/openapi.json'), checked.join(', '));
  });

  test('a route without config.access stops the app from starting', async () => {
    const r = loadPserverSettings(path.join(dir, 'conf', 'ps.conf'), ['PServerAddress 127.0.0.1', 'PServerPort 1', 'PServerPlainHttp On']);
    assert.ok(r.ok);
    const other = await buildPserver(r.settings);
    try {
      assert.throws(() => other.app.get('/unguarded', async () => 'x'), /declares no config\.access/);
    } finally {
      await other.close();
    }
  });

  test('pages carry a CSP without inline script and are not framable', async () => {
    const res = await built.app.inject({ method: 'GET', url: '/login' });
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.doesNotMatch(res.body, /<script(?![^>]*\ssrc=)/, 'no inline <script>');
    assert.doesNotMatch(res.body, /\son[a-z]+=/i, 'no inline event handlers');
  });

  test('static files and the vendored htmx and uPlot are served', async () => {
    for (const url of ['/static/opensps.css', '/static/vendor/htmx.min.js', '/static/vendor/uPlot.iife.min.js', '/static/vendor/uPlot.min.css']) {
      const res = await built.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
    }
    assert.equal((await built.app.inject({ method: 'GET', url: '/static/../conf/ps.conf' })).statusCode, 404);
  });
});

describe('pserver over HTTPS', () => {
  let ps: TestPserver;
  before(async () => {
    ps = await startPserver({ https: true });
  });
  after(async () => {
    await ps?.stop();
  });

  test('makes a self-signed certificate at first start; the session cookie is Secure, HttpOnly, SameSite=Strict and __Host-', async () => {
    assert.match(ps.url, /^https:/);
    const c = new WebClient(ps.url);
    const r = await c.get('/login');
    assert.equal(r.status, 200);
    const cookie = r.setCookies.find((s) => s.includes('_sid='));
    assert.ok(cookie);
    assert.match(cookie, /^__Host-/);
    assert.match(cookie, /;\s*Secure/i);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.match(String(r.headers['strict-transport-security']), /max-age=/);
    await c.firstLogin('cspsuser', ps.initialPassword!, 'https-admin-pw-1');
    assert.equal((await c.get('/api/accounts', { headers: { accept: 'application/json' } })).status, 200);
  });
});

test('plain HTTP on a non-loopback address is refused with a clear message', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opensps-pserver-plain-'));
  try {
    mkdirSync(path.join(dir, 'conf'));
    writeFileSync(path.join(dir, 'conf', 'ps.conf'), 'PServerAddress 0.0.0.0\nPServerPort 26005\nPServerPlainHttp On\n');
    const r = spawnSync(process.execPath, [path.join(BIN, 'pserver'), '--config', path.join(dir, 'conf', 'ps.conf'), 'run'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /plain HTTP is allowed only on a loopback address/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pserver -t reports a bad ps.conf line with file:line and the valid values', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opensps-pserver-t-'));
  try {
    const conf = path.join(dir, 'ps.conf');
    writeFileSync(conf, '# pserver\nPServerLockoutAttempts 0\nPServerPlainHttp maybe\n');
    const r = spawnSync(process.execPath, [path.join(BIN, 'pserver'), '--config', conf, '-t'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: .*out of range.*1 to 100`));
    assert.match(r.stderr, /:3:\d+: .*"maybe" is not valid.*On, Off/);
    writeFileSync(conf, 'PServerAddress 127.0.0.1\nPServerPort 26005\n');
    const ok = spawnSync(process.execPath, [path.join(BIN, 'pserver'), '--config', conf, '-t'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Syntax OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
