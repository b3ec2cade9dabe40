// The Subscribers page and /api/subscribers: list with search, sort and paging; add, edit,
// delete; password set (hashed by the store's rules, never shown back); call-forward URLs;
// privacy flag; CSV import and export in sysadmin_mysql_user's format. The store is the
// one sipd.conf names (embedded, or MySQL with DB_MySQL On), searched through its indexes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { makeSecret } from '../stores/secret.js';
import { emptySubscriber } from '../stores/subscriber-store.js';
import type { Subscriber, SubscriberPage, SubscriberSearchField } from '../stores/subscriber-store.js';
import { exportSubscribers, parseSubscriberCsv } from '../stores/subscriber-csv.js';
import type { DataAccess } from './csv-upload.js';
import { UserError, csvErrors, errorSchema, runApi, runPage } from './csv-upload.js';
import { listFeature } from './list-feature.js';
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
  };

  const { listPage } = listFeature<Subscriber>(app, {
    spec: SPEC,
    view: 'subscribers/list',
    title: 'Subscribers',
    one: 'subscriber',
    many: 'subscribers',
    importTool: 'sysadmin_mysql_user import',
    rowSchema: subscriberSchema,
    search,
    show: publicSubscriber,
    async importCsv(_req, csv) {
      const parsed = parseSubscriberCsv(csv, { realm: data.realm });
      if (!parsed.ok) throw csvErrors(parsed.errors);
      return (await data.subscribers()).importMany(parsed.entries);
    },
    async exportCsv(req, lq) {
      const chunks: string[] = [];
      // Digest secrets answer challenges: only administrators export them.
      const filter = { field: lq.field as SubscriberSearchField, op: lq.op, text: lq.q };
      const count = await exportSubscribers(await data.subscribers(), (c) => void chunks.push(c), { secrets: req.webUser!.role === 'administrator', filter });
      return { csv: chunks.join(''), count };
    },
  });
  async function getOne(user: string, domain: string): Promise<Subscriber> {
    const s = await (await data.subscribers()).get(user, domain);
    if (!s) throw new UserError(`no subscriber ${who(user, domain)}`, 404);
    return s;
  }
  const pageAction = runPage;
  const api = runApi;

  // ---- pages ----
  app.get('/subscribers/new', { config: OPERATOR, schema: { hide: true } }, (_req, reply) => editPage(reply, 200, publicSubscriber(emptySubscriber('')), true));
  app.get('/subscribers/edit', { config: READ, schema: { hide: true } }, async (req, reply) => {
    const user = text(req.query, 'user') ?? '';
    const domain = text(req.query, 'domain') ?? '';
    return pageAction(
      reply,
      async () => editPage(reply, 200, publicSubscriber(await getOne(user, domain)), false),
      (u) => reply.code(u.status).page('error', 'Subscriber', { status: u.status, message: u.message }),
    );
  });
  /** Add (new) or change a subscriber from the form; on a refusal the form comes back with the message. */
  const saveForm = (isNew: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const user = (text(req.body, 'user') ?? '').trim();
    const domain = (text(req.body, 'domain') ?? '').trim();
    const f = formFields(req.body);
    return pageAction(
      reply,
      async () => {
        if (isNew) await ops.add(req, user, domain, f);
        else await ops.update(req, user, domain, f);
        return listPage(req, reply, 200, { ok: `Subscriber ${who(user, domain.toLowerCase())} ${isNew ? 'added' : 'changed'}.` });
      },
      (u) => editPage(reply, u.status, publicSubscriber(applyFields(emptySubscriber(user, domain), { ...f, password: undefined }, data.realm)), isNew, u.message),
    );
  };
  app.post('/subscribers', { config: OPERATOR, schema: { hide: true } }, saveForm(true));
  app.post('/subscribers/edit', { config: OPERATOR, schema: { hide: true } }, saveForm(false));
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
  // ---- JSON API ----
  const tags = ['subscribers'];
  app.get('/api/subscribers/one', { config: READ, schema: { summary: 'One subscriber', tags, querystring: keyQuery, response: { 200: subscriberSchema, '4xx': errorSchema } } }, async (req, reply) => {
    const { user, domain = '' } = req.query as { user: string; domain?: string };
    return api(reply, async () => publicSubscriber(await getOne(user, domain)));
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
}

