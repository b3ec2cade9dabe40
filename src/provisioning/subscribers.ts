// The Subscribers page and /api/subscribers: list with search, sort and paging; add, edit,
// delete; password set (hashed by the store's rules, never shown back); call-forward URLs;
// privacy flag; CSV import and export in sysadmin_mysql_user's format. The store is the
// one sipd.conf names (embedded, or MySQL with DB_MySQL On), searched through its indexes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { makeSecret } from '../stores/secret.js';
import { emptySubscriber } from '../stores/subscriber-store.js';
import type { Subscriber, SubscriberPage, SubscriberSearchField } from '../stores/subscriber-store.js';
import { exportSubscribers, parseSubscriberCsv } from '../stores/subscriber-csv.js';
import { COUNT_CAP } from '../stores/search.js';
import type { DataAccess } from './csv-upload.js';
import { UserError, csvErrors, csvFromRequest, errorSchema, runApi, runPage, sendApiError, storeError } from './csv-upload.js';
import { apiCursors, listBar, listQuerySchema, parseListQuery } from './listing.js';
import type { ListQuery, ListSpec } from './listing.js';

const LABELS: Record<SubscriberSearchField, string> = { user: 'User ID', domain: 'Domain', firstName: 'First name', middleName: 'Middle name', lastName: 'Last name' };
const SPEC: ListSpec = { path: '/subscribers', fields: LABELS, sorts: LABELS };
const OPERATOR = { access: 'operator' } as const;
const READ = { access: 'read-only' } as const;
const TEXT_FIELDS = ['firstName', 'middleName', 'lastName', 'cfu', 'cfb', 'cfna', 'cfunv'] as const;

/** A subscriber as pages and the API show it: everything but the secret, which is only "set" or not. */
export function publicSubscriber(s: Subscriber) {
  const { secret, ...rest } = s;
  return { ...rest, hasPassword: secret !== undefined };
}

const subscriberSchema = {
  type: 'object',
  properties: {
    user: { type: 'string' },
    domain: { type: 'string' },
    hasPassword: { type: 'boolean' },
    ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, { type: 'string' }])),
    redirectDnPrivacy: { type: 'boolean' },
  },
} as const;
const writableProps = {
  password: { type: 'string', maxLength: 256, description: "new password ('' removes it); hashed for AuthRealm, never returned" },
  ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, { type: 'string', maxLength: 255 }])),
  redirectDnPrivacy: { type: 'boolean' },
} as const;
const keyQuery = { type: 'object', required: ['user'], additionalProperties: false, properties: { user: { type: 'string', minLength: 1, maxLength: 128 }, domain: { type: 'string', maxLength: 128 } } } as const;

type Fields = Partial<Record<(typeof TEXT_FIELDS)[number] | 'password', string>> & { redirectDnPrivacy?: boolean };

function text(body: unknown, k: string): string | undefined {
  const v = (body as Record<string, unknown> | undefined)?.[k];
  return typeof v === 'string' ? v : undefined;
}

/** The record with these changes; a password is hashed here and never kept as given. */
function applyFields(base: Subscriber, f: Fields, realm: string): Subscriber {
  let s: Subscriber = { ...base };
  for (const k of TEXT_FIELDS) if (f[k] !== undefined) s = { ...s, [k]: f[k].trim() };
  if (f.redirectDnPrivacy !== undefined) s = { ...s, redirectDnPrivacy: f.redirectDnPrivacy };
  if (f.password !== undefined) s = { ...s, secret: f.password === '' ? undefined : makeSecret(s.user, realm, f.password) };
  return s;
}

/** Fields of a submitted form: the privacy checkbox is off when absent; an empty password field leaves the password alone. */
function formFields(body: unknown): Fields {
  const f: Fields = { redirectDnPrivacy: text(body, 'redirectDnPrivacy') === 'on' };
  for (const k of TEXT_FIELDS) {
    const v = text(body, k);
    if (v !== undefined) f[k] = v;
  }
  const pw = text(body, 'password') ?? '';
  if (text(body, 'clearPassword') === 'on') f.password = '';
  else if (pw !== '') f.password = pw;
  return f;
}

const who = (user: string, domain: string) => (domain ? `${user}@${domain}` : user);

export function subscriberRoutes(app: FastifyInstance, data: DataAccess): void {
  async function search(lq: ListQuery): Promise<SubscriberPage> {
    const store = await data.subscribers();
    return store.search({
      filter: { field: lq.field as SubscriberSearchField, op: lq.op, text: lq.q },
      sort: lq.sort as SubscriberSearchField,
      desc: lq.desc,
      limit: lq.limit,
      ...(lq.after && { after: lq.after }),
      ...(lq.before && { before: lq.before }),
    });
  }

  async function listPage(req: FastifyRequest, reply: FastifyReply, status: number, msg: { message?: string; ok?: string; errors?: unknown[]; moreErrors?: number } = {}) {
    const parsed = parseListQuery(SPEC, req.query);
    const lq = typeof parsed === 'string' ? (parseListQuery(SPEC, {}) as ListQuery) : parsed;
    let page: SubscriberPage = { rows: [], count: 0 };
    let message = typeof parsed === 'string' ? parsed : (msg.message ?? '');
    try {
      page = await search(lq);
    } catch (e) {
      const u = storeError(e);
      if (!(u instanceof UserError)) throw u;
      message = u.message;
      status = status === 200 ? u.status : status;
    }
    return reply.code(typeof parsed === 'string' ? 400 : status).page('subscribers/list', 'Subscribers', {
      rows: page.rows.map(publicSubscriber),
      bar: listBar(SPEC, lq, { ...page, cap: COUNT_CAP }),
      canChange: req.webUser!.role !== 'read-only',
      importAction: '/subscribers/import',
      importTool: 'sysadmin_mysql_user import',
      message,
      ok: msg.ok ?? '',
      errors: msg.errors ?? [],
      moreErrors: msg.moreErrors ?? 0,
    });
  }

  function editPage(reply: FastifyReply, status: number, s: ReturnType<typeof publicSubscriber>, isNew: boolean, message = '') {
    return reply.code(status).page('subscribers/edit', isNew ? 'Add subscriber' : `Subscriber ${who(s.user, s.domain)}`, { s, isNew, message });
  }

  const ops = {
    async add(req: FastifyRequest, user: string, domain: string, f: Fields): Promise<Subscriber> {
      const store = await data.subscribers();
      const s = applyFields(emptySubscriber(user, domain), f, data.realm);
      await store.add(s);
      req.audit('subscriber add', `added subscriber ${who(s.user, s.domain.toLowerCase())}${f.password ? ' with a password' : ''}`);
      return (await store.get(s.user, s.domain.toLowerCase())) ?? s;
    },
    async update(req: FastifyRequest, user: string, domain: string, f: Fields): Promise<Subscriber> {
      const store = await data.subscribers();
      const base = await store.get(user, domain);
      if (!base) throw new UserError(`no subscriber ${who(user, domain)}`, 404);
      const s = applyFields(base, f, data.realm);
      await store.update(s);
      const changed = Object.keys(f).filter((k) => k !== 'password' || f.password !== undefined);
      req.audit('subscriber edit', `changed ${changed.join(', ') || 'nothing'} of subscriber ${who(user, domain)}${f.password !== undefined ? (f.password ? ' (password set)' : ' (password removed)') : ''}`);
      return s;
    },
    async remove(req: FastifyRequest, user: string, domain: string): Promise<void> {
      const store = await data.subscribers();
      if (!(await store.remove(user, domain))) throw new UserError(`no subscriber ${who(user, domain)}`, 404);
      req.audit('subscriber delete', `deleted subscriber ${who(user, domain)}`);
    },
    async importCsv(req: FastifyRequest): Promise<{ added: number; replaced: number }> {
      const csv = await csvFromRequest(req);
      const parsed = parseSubscriberCsv(csv, { realm: data.realm });
      if (!parsed.ok) throw csvErrors(parsed.errors);
      const store = await data.subscribers();
      const r = await store.importMany(parsed.entries);
      req.audit('subscriber import', `imported ${parsed.entries.length} subscribers (${r.added} new, ${r.replaced} replaced)`);
      return r;
    },
    async exportCsv(req: FastifyRequest, reply: FastifyReply, lq: ListQuery) {
      const store = await data.subscribers();
      const chunks: string[] = [];
      // Digest secrets answer challenges: only administrators export them.
      const n = await exportSubscribers(store, (c) => void chunks.push(c), { secrets: req.webUser!.role === 'administrator', filter: { field: lq.field as SubscriberSearchField, op: lq.op, text: lq.q } });
      req.audit('subscriber export', `exported ${n} subscribers`);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="subscribers.csv"').send(chunks.join(''));
    },
  };

  const pageAction = runPage;
  const api = runApi;

  // ---- pages ----
  app.get('/subscribers', { config: READ, schema: { hide: true } }, (req, reply) => listPage(req, reply, 200));
  app.get('/subscribers/new', { config: OPERATOR, schema: { hide: true } }, (_req, reply) => editPage(reply, 200, publicSubscriber(emptySubscriber('')), true));
  app.get('/subscribers/edit', { config: READ, schema: { hide: true } }, async (req, reply) => {
    const user = text(req.query, 'user') ?? '';
    const domain = text(req.query, 'domain') ?? '';
    return pageAction(
      reply,
      async () => {
        const s = await (await data.subscribers()).get(user, domain);
        if (!s) throw new UserError(`no subscriber ${who(user, domain)}`, 404);
        return editPage(reply, 200, publicSubscriber(s), false);
      },
      (u) => reply.code(u.status).page('error', 'Subscriber', { status: u.status, message: u.message }),
    );
  });
  app.post('/subscribers', { config: OPERATOR, schema: { hide: true } }, async (req, reply) => {
    const user = (text(req.body, 'user') ?? '').trim();
    const domain = (text(req.body, 'domain') ?? '').trim();
    const f = formFields(req.body);
    return pageAction(
      reply,
      async () => {
        const s = await ops.add(req, user, domain, f);
        return listPage(req, reply, 200, { ok: `Subscriber ${who(s.user, s.domain)} added.` });
      },
      (u) => editPage(reply, u.status, publicSubscriber(applyFields(emptySubscriber(user, domain), { ...f, password: undefined }, data.realm)), true, u.message),
    );
  });
  app.post('/subscribers/edit', { config: OPERATOR, schema: { hide: true } }, async (req, reply) => {
    const user = text(req.body, 'user') ?? '';
    const domain = text(req.body, 'domain') ?? '';
    const f = formFields(req.body);
    return pageAction(
      reply,
      async () => {
        await ops.update(req, user, domain, f);
        return listPage(req, reply, 200, { ok: `Subscriber ${who(user, domain)} changed.` });
      },
      (u) => editPage(reply, u.status, publicSubscriber(applyFields(emptySubscriber(user, domain), { ...f, password: undefined }, data.realm)), false, u.message),
    );
  });
  app.post('/subscribers/delete', { config: OPERATOR, schema: { hide: true } }, async (req, reply) => {
    const user = text(req.body, 'user') ?? '';
    const domain = text(req.body, 'domain') ?? '';
    return pageAction(
      reply,
      async () => {
        await ops.remove(req, user, domain);
        return listPage(req, reply, 200, { ok: `Subscriber ${who(user, domain)} deleted.` });
      },
      (u) => listPage(req, reply, u.status, { message: u.message }),
    );
  });
  app.post('/subscribers/import', { config: OPERATOR, schema: { hide: true } }, async (req, reply) =>
    pageAction(
      reply,
      async () => {
        const r = await ops.importCsv(req);
        return listPage(req, reply, 200, { ok: `Imported ${r.added + r.replaced} subscribers (${r.added} new, ${r.replaced} replaced).` });
      },
      (u) => listPage(req, reply, u.status, { message: u.message, errors: [...u.errors], moreErrors: u.moreErrors }),
    ),
  );
  app.get('/subscribers/export.csv', { config: READ, schema: { hide: true } }, async (req, reply) => {
    const lq = parseListQuery(SPEC, req.query);
    if (typeof lq === 'string') return reply.code(400).page('error', 'Export', { status: 400, message: lq });
    return pageAction(reply, () => ops.exportCsv(req, reply, lq), (u) => reply.code(u.status).page('error', 'Export', { status: u.status, message: u.message }));
  });

  // ---- JSON API ----
  const tags = ['subscribers'];
  app.get(
    '/api/subscribers',
    {
      config: READ,
      schema: {
        summary: 'Search subscribers: one page, with cursors for the next and previous pages',
        tags,
        querystring: listQuerySchema(SPEC),
        response: { 200: { type: 'object', properties: { count: { type: 'integer' }, countCapped: { type: 'boolean' }, rows: { type: 'array', items: subscriberSchema }, next: { type: 'string' }, prev: { type: 'string' } } }, '4xx': errorSchema },
      },
    },
    async (req, reply) => {
      const lq = parseListQuery(SPEC, req.query);
      if (typeof lq === 'string') return reply.code(400).send({ error: lq });
      return api(reply, async () => {
        const page = await search(lq);
        return { count: Math.min(page.count, COUNT_CAP + 1), countCapped: page.count > COUNT_CAP, rows: page.rows.map(publicSubscriber), ...apiCursors(page) };
      });
    },
  );
  app.get('/api/subscribers/one', { config: READ, schema: { summary: 'One subscriber', tags, querystring: keyQuery, response: { 200: subscriberSchema, '4xx': errorSchema } } }, async (req, reply) => {
    const { user, domain = '' } = req.query as { user: string; domain?: string };
    return api(reply, async () => {
      const s = await (await data.subscribers()).get(user, domain);
      if (!s) throw new UserError(`no subscriber ${who(user, domain)}`, 404);
      return publicSubscriber(s);
    });
  });
  app.post(
    '/api/subscribers',
    {
      config: OPERATOR,
      schema: {
        summary: 'Add a subscriber',
        tags,
        body: { type: 'object', required: ['user'], additionalProperties: false, properties: { user: { type: 'string', minLength: 1, maxLength: 128 }, domain: { type: 'string', maxLength: 128 }, ...writableProps } },
        response: { 201: subscriberSchema, '4xx': errorSchema },
      },
    },
    async (req, reply) => {
      const { user, domain = '', ...f } = req.body as Fields & { user: string; domain?: string };
      return api(reply, async () => publicSubscriber(await ops.add(req, user, domain, f)), 201);
    },
  );
  app.put(
    '/api/subscribers/one',
    { config: OPERATOR, schema: { summary: "Change a subscriber's fields (those given)", tags, querystring: keyQuery, body: { type: 'object', additionalProperties: false, properties: writableProps }, response: { 200: subscriberSchema, '4xx': errorSchema } } },
    async (req, reply) => {
      const { user, domain = '' } = req.query as { user: string; domain?: string };
      return api(reply, async () => publicSubscriber(await ops.update(req, user, domain, req.body as Fields)));
    },
  );
  app.delete('/api/subscribers/one', { config: OPERATOR, schema: { summary: 'Delete a subscriber', tags, querystring: keyQuery, response: { 200: { type: 'object', properties: { deleted: { type: 'boolean' } } }, '4xx': errorSchema } } }, async (req, reply) => {
    const { user, domain = '' } = req.query as { user: string; domain?: string };
    return api(reply, async () => {
      await ops.remove(req, user, domain);
      return { deleted: true };
    });
  });
  app.post(
    '/api/subscribers/import',
    {
      config: OPERATOR,
      schema: {
        summary: 'Import subscribers from a text/csv body (sysadmin_mysql_user format); any bad line imports nothing',
        tags,
        consumes: ['text/csv'],
        response: { 200: { type: 'object', properties: { added: { type: 'integer' }, replaced: { type: 'integer' } } }, '4xx': errorSchema },
      },
    },
    async (req, reply) => api(reply, () => ops.importCsv(req)),
  );
  app.get('/api/subscribers/export.csv', { config: READ, schema: { summary: 'Export the subscribers matching the search as CSV', tags, querystring: listQuerySchema(SPEC), produces: ['text/csv'] } }, async (req, reply) => {
    const lq = parseListQuery(SPEC, req.query);
    if (typeof lq === 'string') return reply.code(400).send({ error: lq });
    try {
      return await ops.exportCsv(req, reply, lq);
    } catch (e) {
      const u = storeError(e);
      if (u instanceof UserError) return sendApiError(reply, u);
      throw u;
    }
  });
}

