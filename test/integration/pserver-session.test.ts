// pserver as a user meets it: the first start's one-time password, the forced password
// change (pages and API), login lockout, CSRF, roles, cookies and escaping, over a real
// bin/pserver process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/index.js';
import { startPserver, WebClient } from '../helpers/web.js';
import type { TestPserver } from '../helpers/web.js';

const ADMIN_PW = 'admin-password-1';

describe('pserver sessions and accounts', () => {
  let ps: TestPserver;
  let admin: WebClient;

  before(async () => {
    ps = await startPserver();
    admin = new WebClient(ps.url);
  });
  after(async () => {
    await ps?.stop();
  });

  test('first start creates cspsuser with a one-time password in a 0600 file and in pserver_log', async () => {
    assert.ok(ps.initialPassword, 'an initial password');
    const file = path.join(ps.dir, 'data', 'pserver', 'initial-password');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(ps.dir, 'data', 'pserver', 'accounts.json')).mode & 0o777, 0o600);
    // pserver_log is written asynchronously: the line may reach the file a little after the start.
    const line = new RegExp(`cspsuser .*${ps.initialPassword}`);
    await waitFor('the one-time password in pserver_log', () => line.test(readFileSync(ps.logFile, 'utf8')), 10_000).catch(() =>
      assert.match(readFileSync(ps.logFile, 'utf8'), line),
    );
  });

  test('first login forces the password change: pages redirect to /password and the API answers 403', async () => {
    const r = await admin.login('cspsuser', ps.initialPassword!);
    assert.equal(r.mustChangePassword, true);
    const page = await admin.get('/accounts');
    assert.equal(page.status, 303);
    assert.equal(page.headers.location, '/password');
    const api = await admin.get('/api/accounts', { headers: { accept: 'application/json' } });
    assert.equal(api.status, 403);
    assert.match(api.json<{ error: string }>().error, /password must be changed/);
    // Too short, and the user name itself, are refused.
    assert.equal((await admin.changePassword(ps.initialPassword!, 'short')).status, 400);
    assert.equal((await admin.changePassword(ps.initialPassword!, 'cspsuser')).status, 400);
    const ok = await admin.changePassword(ps.initialPassword!, ADMIN_PW);
    assert.equal(ok.status, 200, ok.body);
    assert.ok(!existsSync(path.join(ps.dir, 'data', 'pserver', 'initial-password')), 'the one-time password file is gone');
    const list = await admin.get('/api/accounts', { headers: { accept: 'application/json' } });
    assert.equal(list.status, 200, list.body);
    assert.deepEqual(
      list.json<{ name: string }[]>().map((a) => a.name),
      ['cspsuser'],
    );
  });

  test('the OpenAPI document lists the API routes with their schemas', async () => {
    const r = await admin.get('/api/openapi.json', { headers: { accept: 'application/json' } });
    assert.equal(r.status, 200);
    const doc = r.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/api/accounts']?.post, Object.keys(doc.paths).join(', '));
    assert.ok(doc.paths['/api/session']?.post);
    assert.ok(!Object.keys(doc.paths).some((p) => !p.startsWith('/api/')), 'pages stay out of the API document');
  });

  test('the old one-time password no longer works', async () => {
    const c = new WebClient(ps.url);
    const r = await c.postJson('/api/session', { user: 'cspsuser', password: ps.initialPassword }, { csrf: false });
    assert.equal(r.status, 401);
  });

  test('session cookie is HttpOnly and SameSite=Strict (no Secure over loopback HTTP)', async () => {
    const c = new WebClient(ps.url);
    const r = await c.get('/login');
    const cookie = r.setCookies.find((s) => s.includes('_sid='));
    assert.ok(cookie, r.setCookies.join('\n'));
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.doesNotMatch(cookie, /Secure/i);
  });

  test('a POST without the CSRF token is refused with 403, and changes nothing', async () => {
    const r = await admin.postJson('/api/accounts', { name: 'nocsrf', role: 'operator', password: 'a-long-password' }, { csrf: false });
    assert.equal(r.status, 403);
    const form = await admin.postForm('/accounts', { name: 'nocsrf', role: 'operator', password: 'a-long-password' }, { csrf: false });
    assert.equal(form.status, 403);
    const bad = await admin.postJson('/api/accounts', { name: 'nocsrf', role: 'operator', password: 'a-long-password' }, { headers: { 'x-csrf-token': 'forged' }, csrf: false });
    assert.equal(bad.status, 403);
    const names = (await admin.get('/api/accounts', { headers: { accept: 'application/json' } })).json<{ name: string }[]>().map((a) => a.name);
    assert.ok(!names.includes('nocsrf'));
  });

  test('an account named <script>alert(1)</script> is shown as text', async () => {
    const name = '<script>alert(1)</script>';
    const r = await admin.postJson('/api/accounts', { name, role: 'read-only', password: 'xss-password-1' });
    assert.equal(r.status, 201, r.body);
    const page = await admin.get('/accounts');
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes(name), 'the raw tag must not appear');
    assert.ok(page.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    const audit = await admin.get('/audit');
    assert.ok(!audit.body.includes(name));
  });

  test('a read-only user cannot change anything (API 403), and a role change applies at once', async () => {
    assert.equal((await admin.postJson('/api/accounts', { name: 'viewer', role: 'read-only', password: 'viewer-initial-1' })).status, 201);
    const v = new WebClient(ps.url);
    await v.firstLogin('viewer', 'viewer-initial-1', 'viewer-password-2');
    assert.equal((await v.get('/api/accounts', { headers: { accept: 'application/json' } })).status, 403);
    assert.equal((await v.postJson('/api/accounts', { name: 'evil', role: 'administrator', password: 'evil-password-1' })).status, 403);
    assert.equal((await v.putJson('/api/accounts/viewer', { role: 'administrator' })).status, 403);
    assert.equal((await v.delete('/api/accounts/cspsuser')).status, 403);
    assert.equal((await v.get('/accounts')).status, 403);
    assert.equal((await v.get('/account')).status, 200);
    // Promoted: the old session ends (it carried the old role).
    assert.equal((await admin.putJson('/api/accounts/viewer', { role: 'operator' })).status, 200);
    assert.equal((await v.get('/account')).status, 303);
  });

  test('the last administrator can be neither demoted nor deleted', async () => {
    const r = await admin.putJson('/api/accounts/cspsuser', { role: 'operator' });
    assert.equal(r.status, 400);
    assert.match(r.json<{ error: string }>().error, /last administrator/);
    assert.equal((await admin.delete('/api/accounts/cspsuser')).status, 400);
  });

  test('login lockout after 5 failures: even the right password is refused, and each failure is logged without the password', async () => {
    assert.equal((await admin.postJson('/api/accounts', { name: 'victim', role: 'operator', password: 'victim-initial-1' })).status, 201);
    const c = new WebClient(ps.url);
    for (let i = 0; i < 5; i++) {
      const r = await c.postJson('/api/session', { user: 'victim', password: `wrong-guess-${i}` }, { csrf: false });
      assert.equal(r.status, 401);
    }
    const locked = await c.postJson('/api/session', { user: 'victim', password: 'victim-initial-1' }, { csrf: false });
    assert.equal(locked.status, 429);
    assert.match(locked.json<{ error: string }>().error, /too many failed logins/);
    const log = readFileSync(ps.logFile, 'utf8');
    assert.equal(log.match(/login failed for user "victim"/g)?.length, 5);
    assert.ok(!log.includes('wrong-guess-'), 'passwords never reach the log');
    // Another user is not affected.
    assert.equal((await new WebClient(ps.url).postJson('/api/session', { user: 'cspsuser', password: ADMIN_PW }, { csrf: false })).status, 200);
  });

  test('the login page signs in, and logout ends the session', async () => {
    const c = new WebClient(ps.url);
    const r = await c.loginForm('cspsuser', ADMIN_PW);
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/');
    const home = await c.get('/');
    assert.equal(home.status, 303);
    assert.equal(home.headers.location, '/account');
    assert.equal((await c.get('/account')).status, 200);
    assert.equal((await c.postForm('/logout', {})).status, 303);
    assert.equal((await c.get('/account')).status, 303);
  });

  test('a wrong password on the login page shows the form again with the message', async () => {
    const c = new WebClient(ps.url);
    const r = await c.loginForm('nobody', 'not-the-password');
    assert.equal(r.status, 401);
    assert.match(r.body, /wrong user name or password/);
  });
});
