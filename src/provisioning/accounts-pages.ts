// Administrator Accounts, My Account and the audit log: pages and the same operations as JSON.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../common/web/contract.js';
import { ROLES } from '../common/web/contract.js';
import { AccountError, isRole } from './accounts.js';
import type { ShellDeps } from './shell.js';

const ADMIN = { access: 'administrator' } as const;
const nameParam = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const errorSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;
const accountSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, role: { type: 'string', enum: [...ROLES] }, mustChange: { type: 'boolean' }, changed: { type: 'string' } },
} as const;
const AUDIT_PAGE = 50;

function str(body: unknown, k: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[k];
  return typeof v === 'string' ? v : '';
}

export async function accountsPlugin(app: FastifyInstance, deps: ShellDeps): Promise<void> {
  const { accounts, auditLog } = deps;

  /** Runs one change; an AccountError is the user's mistake (400), anything else a fault. */
  async function attempt(fn: () => Promise<void> | void): Promise<string | null> {
    try {
      await fn();
      return null;
    } catch (e) {
      if (e instanceof AccountError) return e.message;
      throw e;
    }
  }

  function listPage(reply: FastifyReply, status: number, message: string, ok: string): FastifyReply {
    return reply.code(status).page('accounts/list', 'Administrator Accounts', { accounts: accounts.list(), roles: ROLES, message, ok });
  }

  const ops = {
    async add(req: FastifyRequest, name: string, role: string, password: string) {
      if (!isRole(role)) return `role must be one of ${ROLES.join(', ')}`;
      return attempt(async () => {
        await accounts.add(name, role, password);
        req.audit('account add', `added user ${name} with role ${role}`);
      });
    },
    async role(req: FastifyRequest, name: string, role: string) {
      if (!isRole(role)) return `role must be one of ${ROLES.join(', ')}`;
      return attempt(() => {
        const before = accounts.get(name)?.role;
        accounts.setRole(name, role as Role);
        // Sessions carry the role they signed in with: end them so the new one applies at once.
        app.dropUserSessions(name);
        req.audit('account role', `user ${name}: role ${before} → ${role}`);
      });
    },
    async reset(req: FastifyRequest, name: string, password: string) {
      return attempt(async () => {
        await accounts.resetPassword(name, password);
        app.dropUserSessions(name);
        req.audit('account password reset', `reset the password of user ${name}`);
      });
    },
    async remove(req: FastifyRequest, name: string) {
      return attempt(() => {
        accounts.remove(name);
        app.dropUserSessions(name);
        req.audit('account delete', `deleted user ${name}`);
      });
    },
  };

  // ---- pages ----
  app.get('/account', { config: { access: 'read-only' }, schema: { hide: true } }, async (req, reply) => {
    const me = accounts.get(req.webUser!.name);
    return reply.page('account/mine', 'My Account', { account: me ?? { name: req.webUser!.name, role: req.webUser!.role, changed: '' }, message: '', forced: false, done: false });
  });

  app.get('/accounts', { config: ADMIN, schema: { hide: true } }, async (_req, reply) => listPage(reply, 200, '', ''));

  app.post('/accounts', { config: ADMIN, schema: { hide: true } }, async (req, reply) => {
    const name = str(req.body, 'name').trim();
    const problem = await ops.add(req, name, str(req.body, 'role'), str(req.body, 'password'));
    return problem ? listPage(reply, 400, problem, '') : listPage(reply, 200, '', `User ${name} added; they must change the password at first login.`);
  });

  app.post('/accounts/:name/role', { config: ADMIN, schema: { hide: true, params: nameParam } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const problem = await ops.role(req, name, str(req.body, 'role'));
    return problem ? listPage(reply, 400, problem, '') : listPage(reply, 200, '', `The role of ${name} is now ${str(req.body, 'role')}.`);
  });

  app.post('/accounts/:name/password', { config: ADMIN, schema: { hide: true, params: nameParam } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const problem = await ops.reset(req, name, str(req.body, 'password'));
    return problem ? listPage(reply, 400, problem, '') : listPage(reply, 200, '', `The password of ${name} was reset; they must change it at next login.`);
  });

  app.post('/accounts/:name/delete', { config: ADMIN, schema: { hide: true, params: nameParam } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const problem = await ops.remove(req, name);
    return problem ? listPage(reply, 400, problem, '') : listPage(reply, 200, '', `User ${name} deleted.`);
  });

  app.get('/audit', { config: ADMIN, schema: { hide: true } }, async (req, reply) => {
    const page = Math.max(1, Math.min(1_000_000, Number.parseInt(String((req.query as Record<string, unknown>).page ?? '1'), 10) || 1));
    const { entries, more } = auditLog.read((page - 1) * AUDIT_PAGE, AUDIT_PAGE);
    return reply.page('audit/list', 'Audit Log', { entries, page, more });
  });

  // ---- JSON API ----
  const tags = ['accounts'];
  app.get('/api/accounts', { config: ADMIN, schema: { summary: 'List the accounts', tags, response: { 200: { type: 'array', items: accountSchema } } } }, async () => accounts.list());

  app.post(
    '/api/accounts',
    {
      config: ADMIN,
      schema: {
        summary: 'Add an account; its password must be changed at first login',
        tags,
        body: {
          type: 'object',
          required: ['name', 'role', 'password'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, role: { type: 'string', enum: [...ROLES] }, password: { type: 'string', maxLength: 256 } },
        },
        response: { 201: accountSchema, '4xx': errorSchema },
      },
    },
    async (req, reply) => {
      const b = req.body as { name: string; role: string; password: string };
      const problem = await ops.add(req, b.name, b.role, b.password);
      return problem ? reply.code(400).send({ error: problem }) : reply.code(201).send(accounts.get(b.name));
    },
  );

  app.put(
    '/api/accounts/:name',
    {
      config: ADMIN,
      schema: {
        summary: "Change an account's role and/or reset its password (the user must then change it)",
        tags,
        params: nameParam,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { role: { type: 'string', enum: [...ROLES] }, password: { type: 'string', maxLength: 256 } } },
        response: { 200: accountSchema, '4xx': errorSchema },
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      const b = req.body as { role?: string; password?: string };
      if (!accounts.get(name)) return reply.code(404).send({ error: `there is no user ${name}` });
      const problem = (b.role !== undefined ? await ops.role(req, name, b.role) : null) ?? (b.password !== undefined ? await ops.reset(req, name, b.password) : null);
      return problem ? reply.code(400).send({ error: problem }) : accounts.get(name);
    },
  );

  app.delete('/api/accounts/:name', { config: ADMIN, schema: { summary: 'Delete an account', tags, params: nameParam, response: { '4xx': errorSchema } } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    if (!accounts.get(name)) return reply.code(404).send({ error: `there is no user ${name}` });
    const problem = await ops.remove(req, name);
    return problem ? reply.code(400).send({ error: problem }) : reply.code(204).send();
  });

  app.get(
    '/api/audit',
    {
      config: ADMIN,
      schema: {
        summary: 'The audit log, newest first',
        tags: ['audit'],
        querystring: { type: 'object', properties: { offset: { type: 'integer', minimum: 0, default: 0 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
      },
    },
    async (req) => {
      const q = req.query as { offset: number; limit: number };
      return auditLog.read(q.offset, q.limit);
    },
  );
}
