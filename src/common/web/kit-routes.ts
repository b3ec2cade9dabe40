// The kit's own routes: signing in and out (pages and JSON), the password change every
// first login is sent to, the health check and the OpenAPI document.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebAppOptions, WebUser } from './contract.js';
import { MAX_PASSWORD_LENGTH, passwordProblem } from './passwords.js';
import type { LoginLockout } from './sessions.js';

/** A login rate (per address) far below the global one: guessing passwords is slow even across user names. */
const LOGIN_LIMIT = { rateLimit: { max: 30, timeWindow: 60_000 } };

/** Printable, short: a user name as it may appear in a log line. */
export function logSafe(s: string): string {
  return JSON.stringify(s.slice(0, 64)).replace(/[\u0000-\u001f\u007f]/g, '?');
}

/** Only a path on this site: never //evil.example or /\evil.example. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) && !next.startsWith('/login') ? next : '/';
}

const credentialsSchema = {
  type: 'object',
  required: ['user', 'password'],
  additionalProperties: false,
  properties: { user: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH } },
} as const;

const passwordSchema = {
  type: 'object',
  required: ['oldPassword', 'newPassword'],
  additionalProperties: false,
  properties: { oldPassword: { type: 'string', maxLength: MAX_PASSWORD_LENGTH }, newPassword: { type: 'string', maxLength: MAX_PASSWORD_LENGTH } },
} as const;

const errorSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;

export function installKitRoutes(app: FastifyInstance, opts: WebAppOptions, k: { lockout: LoginLockout; openapi: boolean }): void {
  const { logger, users } = opts;

  async function attemptLogin(req: FastifyRequest, name: string, password: string): Promise<{ user: WebUser } | { error: string; status: number }> {
    const until = k.lockout.lockedTill(name);
    if (until !== undefined) {
      logger.warn(`login refused for user ${logSafe(name)} from ${req.ip}: locked out after repeated failures`);
      return { status: 429, error: `too many failed logins for this user; try again after ${new Date(until).toISOString().slice(11, 16)} UTC` };
    }
    const user = await users.verify(name, password);
    if (!user) {
      const locked = k.lockout.fail(name);
      logger.warn(`login failed for user ${logSafe(name)} from ${req.ip}${locked ? '; the user is now locked out' : ''}`);
      return { status: 401, error: 'wrong user name or password' };
    }
    k.lockout.succeed(name);
    // A new id at login: a session id planted before it (fixation) is worth nothing after.
    await req.session.regenerate();
    req.session.user = { name: user.name, role: user.role };
    req.webUser = req.session.user;
    logger.notice?.(`user ${logSafe(user.name)} signed in from ${req.ip}`);
    opts.audit.record(user.name, 'login', `from ${req.ip}`);
    return { user };
  }

  async function changeOwnPassword(req: FastifyRequest, oldPassword: string, newPassword: string): Promise<string | null> {
    const me = req.webUser!;
    if (!(await users.verify(me.name, oldPassword))) return 'the current password is wrong';
    const problem = passwordProblem(me.name, newPassword, oldPassword);
    if (problem) return problem;
    try {
      await users.changePassword(me.name, newPassword);
    } catch (e) {
      return (e as Error).message;
    }
    // Other browsers signed in as this user lose their sessions; this one gets a fresh id.
    await req.session.regenerate();
    req.session.user = me;
    app.dropUserSessions(me.name, req.session.sessionId);
    req.audit('password change', `user ${me.name} changed their password`);
    return null;
  }

  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/login', { config: { access: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    if (req.webUser) return reply.redirect(next, 303);
    return reply.page('login', 'Sign in', { next, message: '', name: '' });
  });

  app.post('/login', { config: { access: 'public', ...LOGIN_LIMIT }, schema: { hide: true } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.user === 'string' ? body.user.trim().slice(0, 64) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, MAX_PASSWORD_LENGTH + 1) : '';
    const next = safeNext(body.next);
    const r = name && password ? await attemptLogin(req, name, password) : { status: 400, error: 'enter a user name and a password' };
    if ('error' in r) return reply.code(r.status).page('login', 'Sign in', { next, message: r.error, name });
    return reply.redirect(users.mustChangePassword(r.user.name) ? '/password' : next, 303);
  });

  app.post('/logout', { config: { access: 'read-only', duringPasswordChange: true }, schema: { hide: true } }, async (req, reply) => {
    logger.info(`user ${logSafe(req.webUser?.name ?? '')} signed out`);
    await req.session.destroy();
    return reply.redirect('/login', 303);
  });

  app.get('/password', { config: { access: 'read-only', duringPasswordChange: true }, schema: { hide: true } }, async (req, reply) => {
    return reply.page('password', 'Change password', { forced: users.mustChangePassword(req.webUser!.name), message: '', done: false });
  });

  app.post('/password', { config: { access: 'read-only', duringPasswordChange: true }, schema: { hide: true } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const forced = users.mustChangePassword(req.webUser!.name);
    let problem: string | null = str('newPassword') === str('confirm') ? null : 'the two new passwords differ';
    problem ??= await changeOwnPassword(req, str('oldPassword'), str('newPassword'));
    if (problem) return reply.code(400).page('password', 'Change password', { forced, message: problem, done: false });
    if (forced) return reply.redirect('/', 303);
    return reply.page('password', 'Change password', { forced: false, message: '', done: true });
  });

  app.post(
    '/api/session',
    {
      config: { access: 'public', csrfExempt: true, ...LOGIN_LIMIT },
      schema: {
        summary: 'Sign in; the session cookie comes back with the CSRF token to send as x-csrf-token',
        tags: ['session'],
        body: credentialsSchema,
        response: { 200: { type: 'object', properties: { csrfToken: { type: 'string' }, user: { type: 'string' }, role: { type: 'string' }, mustChangePassword: { type: 'boolean' } } }, '4xx': errorSchema },
      },
    },
    async (req, reply) => {
      const { user, password } = req.body as { user: string; password: string };
      const r = await attemptLogin(req, user, password);
      if ('error' in r) return reply.code(r.status).send({ error: r.error });
      return { csrfToken: reply.generateCsrf(), user: r.user.name, role: r.user.role, mustChangePassword: users.mustChangePassword(r.user.name) };
    },
  );

  app.delete('/api/session', { config: { access: 'read-only', duringPasswordChange: true }, schema: { summary: 'Sign out', tags: ['session'] } }, async (req, reply) => {
    await req.session.destroy();
    return reply.code(204).send();
  });

  app.post(
    '/api/password',
    {
      config: { access: 'read-only', duringPasswordChange: true },
      schema: { summary: 'Change your own password (the first thing a new account must do)', tags: ['session'], body: passwordSchema, response: { 200: { type: 'object', properties: { csrfToken: { type: 'string' } } }, '4xx': errorSchema } },
    },
    async (req, reply) => {
      const { oldPassword, newPassword } = req.body as { oldPassword: string; newPassword: string };
      const problem = await changeOwnPassword(req, oldPassword, newPassword);
      if (problem) return reply.code(400).send({ error: problem });
      // The session id changed, and with it the CSRF secret: the caller needs the new token.
      return { csrfToken: reply.generateCsrf() };
    },
  );

  if (k.openapi) {
    app.get('/api/openapi.json', { config: { access: 'read-only' }, schema: { hide: true } }, async () => app.swagger());
  }
}

