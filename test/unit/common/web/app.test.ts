// createWebApp on its own, with a user directory in memory and a feature route or two, as
// pserver and the agent's Dr-Web use it: roles, htmx fragments, validation errors, faults.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import winston from 'winston';
import TransportStream from 'winston-transport';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createWebApp } from '../../../../src/common/web/app.js';
import type { Role, UserDirectory, WebUser } from '../../../../src/common/web/contract.js';

const USERS: Record<string, { password: string; role: Role }> = {
  viewer: { password: 'viewer-password', role: 'read-only' },
  op: { password: 'operator-password', role: 'operator' },
};

const directory: UserDirectory = {
  async verify(name, password): Promise<WebUser | null> {
    const u = USERS[name];
    return u && u.password === password ? { name, role: u.role } : null;
  },
  mustChangePassword: () => false,
  async changePassword() {
    throw new Error('not here');
  },
};

class Lines extends TransportStream {
  readonly lines: string[] = [];
  override log(info: { level: string; message: string }, next: () => void): void {
    this.lines.push(`${info.level} ${info.message}`);
    next();
  }
}

describe('createWebApp', () => {
  let app: FastifyInstance;
  const logs = new Lines();
  const audit: string[] = [];

  before(async () => {
    app = await createWebApp({
      product: 'Test GUI',
      users: directory,
      audit: { record: (user, action, detail) => audit.push(`${user} ${action} ${detail}`) },
      nav: [
        { path: '/things', label: 'Things', access: 'read-only' },
        { path: '/secret', label: 'Secret', access: 'administrator' },
      ],
      logger: winston.createLogger({ transports: [logs] }),
      sessionSecret: randomBytes(32),
      secureCookies: false,
    });
    await app.register(async (f) => {
      f.get('/things', { config: { access: 'read-only' } }, async (_req, reply) => reply.page('error', 'Things', { status: 200, message: 'a <b>thing</b>' }));
      f.post(
        '/api/things',
        { config: { access: 'operator' }, schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 8 } } } } },
        async (req) => {
          req.audit('thing add', (req.body as { name: string }).name);
          return { ok: true };
        },
      );
      f.get('/api/broken', { config: { access: 'read-only' } }, async () => {
        throw new Error('secret internals /var/lib/x');
      });
    });
    await app.ready();
  });
  after(async () => {
    await app?.close();
  });

  async function login(user: string): Promise<{ cookie: string; token: string }> {
    const r = await app.inject({ method: 'POST', url: '/api/session', payload: { user, password: USERS[user].password } });
    assert.equal(r.statusCode, 200, r.body);
    const c = r.cookies.find((x) => x.name.endsWith('_sid'))!;
    return { cookie: `${c.name}=${c.value}`, token: r.json().csrfToken };
  }
  const call = (s: { cookie: string; token: string }, o: { method: 'GET' | 'POST'; url: string; payload?: object; headers?: Record<string, string> }): Promise<LightMyRequestResponse> =>
    app.inject({ ...o, headers: { cookie: s.cookie, 'x-csrf-token': s.token, ...o.headers } });

  test('a page renders inside the layout with the nav the role allows, escaped; htmx gets the fragment alone', async () => {
    const s = await login('viewer');
    const page = await call(s, { method: 'GET', url: '/things' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>Things · Test GUI<\/title>/);
    assert.match(page.body, /href="\/things"[^>]*class="current"/);
    assert.doesNotMatch(page.body, /href="\/secret"/, 'the administrator entry is hidden from read-only');
    assert.match(page.body, /a &lt;b&gt;thing&lt;\/b&gt;/);
    const fragment = await call(s, { method: 'GET', url: '/things', headers: { 'hx-request': 'true' } });
    assert.doesNotMatch(fragment.body, /<html/);
    assert.match(fragment.body, /a &lt;b&gt;thing/);
  });

  test('role below the route → 403; enough role and the token → the handler runs and audits', async () => {
    const viewer = await login('viewer');
    const denied = await call(viewer, { method: 'POST', url: '/api/things', payload: { name: 'x' } });
    assert.equal(denied.statusCode, 403);
    assert.match(denied.json().error, /operator role/);
    const op = await login('op');
    const ok = await call(op, { method: 'POST', url: '/api/things', payload: { name: 'lamp' } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(audit.filter((a) => a.includes('thing add')), ['op thing add lamp']);
  });

  test('a schema violation is a 400 with the message; a fault is a 500 without internals, logged', async () => {
    const op = await login('op');
    const bad = await call(op, { method: 'POST', url: '/api/things', payload: { name: 'far-too-long-name' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error, /must NOT have more than 8 characters/);
    const broken = await call(op, { method: 'GET', url: '/api/broken' });
    assert.equal(broken.statusCode, 500);
    assert.doesNotMatch(broken.body, /internals/);
    assert.ok(logs.lines.some((l) => l.startsWith('error') && l.includes('secret internals')));
    const none = await call(op, { method: 'GET', url: '/api/nothing-here' });
    assert.equal(none.statusCode, 404);
    assert.match(none.json().error, /no such API route/);
  });

  test('the session cookie changes at login (no fixation) and the old id is worth nothing', async () => {
    const anon = await app.inject({ method: 'GET', url: '/login' });
    const before = anon.cookies.find((x) => x.name.endsWith('_sid'))!;
    const r = await app.inject({ method: 'POST', url: '/api/session', payload: USERS.op && { user: 'op', password: USERS.op.password }, headers: { cookie: `${before.name}=${before.value}` } });
    const afterLogin = r.cookies.find((x) => x.name.endsWith('_sid'))!;
    assert.notEqual(afterLogin.value.split('.')[0], before.value.split('.')[0]);
    const old = await app.inject({ method: 'GET', url: '/api/broken', headers: { cookie: `${before.name}=${before.value}` } });
    assert.equal(old.statusCode, 401);
  });
});
