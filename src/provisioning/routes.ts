// The Routes page and /api/routes: every route field (guide ch. 2 "How to Configure
// Routes"), search/sort/paging, add, edit, delete, and CSV import/export in
// sysadmin_sps_regroute's format, all through the shared backend (sipd's control socket
// while it runs, the route files when it does not), so sipd routes by a change at once.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ROUTE_DEFAULTS, formatRouteCsv } from '../modules/routing/csv.js';
import { ROUTE_SEARCH_FIELDS, ROUTE_SORT_FIELDS } from '../server/db-search.js';
import { checkRoute, parseRouteKey, routeKey } from '../stores/route-store.js';
import type { Route } from '../stores/route-store.js';
import type { DataAccess } from './csv-upload.js';
import { UserError, backendExport, backendImport, backendRun, backendSearch, errorSchema, runApi, runPage } from './csv-upload.js';
import { listFeature } from './list-feature.js';
import type { ListQuery, ListSpec } from './listing.js';

const FIELD_LABELS: Record<(typeof ROUTE_SEARCH_FIELDS)[number], string> = { pattern: 'Pattern', type: 'Type', nextHop: 'Next hop', transport: 'Transport', label: 'Label' };
const SORT_LABELS: Record<(typeof ROUTE_SORT_FIELDS)[number], string> = { pattern: 'Pattern', nextHop: 'Next hop', port: 'Port', priority: 'Priority', weight: 'Weight', label: 'Label' };
const SPEC: ListSpec = { path: '/routes', fields: FIELD_LABELS, sorts: SORT_LABELS };
const OPERATOR = { access: 'operator' } as const;
const READ = { access: 'read-only' } as const;

const routeProps = {
  pattern: { type: 'string', maxLength: 255 },
  type: { type: 'string', enum: ['phone', 'ip'] },
  nextHop: { type: 'string', maxLength: 255 },
  port: { type: 'integer' },
  transport: { type: 'string', enum: ['UDP', 'TCP', 'TLS'] },
  priority: { type: 'integer' },
  weight: { type: 'integer' },
  techPrefix: { type: 'string', maxLength: 8 },
  techPrefixAction: { type: 'string', enum: ['include', 'strip'] },
  allowLessSpecific: { type: 'boolean' },
  block: { type: 'boolean' },
  inService: { type: 'boolean' },
  label: { type: 'string', maxLength: 255 },
} as const;
const routeSchema = { type: 'object', properties: { ...routeProps, key: { type: 'string' } } } as const;
const routeBody = { type: 'object', required: ['pattern', 'type'], additionalProperties: false, properties: routeProps } as const;
const keyQuery = { type: 'object', required: ['key'], additionalProperties: false, properties: { key: { type: 'string', minLength: 3, maxLength: 600, description: 'type|pattern|nexthop|port, as listed' } } } as const;

const withKey = (r: Route) => ({ ...r, key: routeKey(r) });

/** A route from JSON or a form (defaults for what is left out), checked as the store checks it. */
function toRoute(x: Record<string, unknown>): Route {
  const c = checkRoute({ ...ROUTE_DEFAULTS, nextHop: '', ...x });
  if (!c.ok) throw new UserError(c.reason);
  return c.route;
}

function fromForm(body: unknown): Record<string, unknown> {
  const b = (body ?? {}) as Record<string, unknown>;
  const s = (k: string) => (typeof b[k] === 'string' ? (b[k] as string).trim() : '');
  const n = (k: string, def: number) => (s(k) === '' ? def : /^\d+$/.test(s(k)) ? Number(s(k)) : s(k));
  return {
    pattern: s('pattern'),
    type: s('type'),
    nextHop: s('nextHop'),
    port: n('port', ROUTE_DEFAULTS.port),
    transport: s('transport') || ROUTE_DEFAULTS.transport,
    priority: n('priority', ROUTE_DEFAULTS.priority),
    weight: n('weight', ROUTE_DEFAULTS.weight),
    techPrefix: s('techPrefix'),
    techPrefixAction: s('techPrefixAction') || ROUTE_DEFAULTS.techPrefixAction,
    allowLessSpecific: s('allowLessSpecific') === 'on',
    block: s('block') === 'on',
    inService: s('inService') === 'on',
    label: s('label'),
  };
}

export function routeRoutes(app: FastifyInstance, data: DataAccess): void {
  const search = (lq: ListQuery) => backendSearch<Route>(data, 'routing', lq);

  async function find(key: string): Promise<Route> {
    const k = parseRouteKey(key);
    if (!k) throw new UserError(`"${key}" is not a route key (type|pattern|nexthop|port)`);
    const page = await search({ field: 'pattern', op: 'equals', q: k.pattern, sort: 'pattern', desc: false, limit: 500 });
    const r = page.rows.find((x) => routeKey(x) === key);
    if (!r) throw new UserError(`no route ${key}`, 404);
    return r;
  }

  const ops = {
    /** Add, or replace the route with the same key; with `oldKey` of another route, that one is removed after. */
    async save(req: FastifyRequest, route: Route, oldKey?: string): Promise<Route> {
      await backendImport(data, 'routing', formatRouteCsv([route]));
      const old = oldKey ? parseRouteKey(oldKey) : undefined;
      if (old && oldKey !== routeKey(route)) await backendRun(data, { cmd: 'db', db: 'routing', op: 'remove', keys: [old] });
      req.audit(oldKey ? 'route edit' : 'route add', `${oldKey ? `route ${oldKey} is now` : 'added route'} ${formatRouteCsv([route], { header: false }).trim()}`);
      return route;
    },
    async remove(req: FastifyRequest, key: string): Promise<void> {
      const k = parseRouteKey(key);
      if (!k) throw new UserError(`"${key}" is not a route key (type|pattern|nexthop|port)`);
      const r = await backendRun(data, { cmd: 'db', db: 'routing', op: 'remove', keys: [k] });
      if (!r.removed) throw new UserError(`no route ${key}`, 404);
      req.audit('route delete', `deleted route ${key}`);
    },
  };

  const { listPage } = listFeature<Route>(app, {
    spec: SPEC,
    view: 'routes/list',
    title: 'Routes',
    one: 'route',
    many: 'routes',
    importTool: 'sysadmin_sps_regroute -m routing -i',
    rowSchema: routeSchema,
    search,
    show: withKey,
    importCsv: (_req, csv) => backendImport(data, 'routing', csv),
    exportCsv: () => backendExport(data, 'routing'),
  });
  const editPage = (reply: FastifyReply, status: number, r: Record<string, unknown>, oldKey: string, message = '') =>
    reply.code(status).page('routes/edit', oldKey ? 'Edit route' : 'Add route', { r: { ...ROUTE_DEFAULTS, pattern: '', type: 'phone', nextHop: '', ...r }, oldKey, message });
  const text = (o: unknown, k: string) => {
    const v = (o as Record<string, unknown> | undefined)?.[k];
    return typeof v === 'string' ? v : '';
  };

  // ---- pages ----
  app.get('/routes/new', { config: OPERATOR, schema: { hide: true } }, (_req, reply) => editPage(reply, 200, {}, ''));
  app.get('/routes/edit', { config: READ, schema: { hide: true } }, (req, reply) =>
    runPage(
      reply,
      async () => editPage(reply, 200, { ...(await find(text(req.query, 'key'))) }, text(req.query, 'key')),
      (u) => reply.code(u.status).page('error', 'Route', { status: u.status, message: u.message }),
    ),
  );
  app.post('/routes', { config: OPERATOR, schema: { hide: true } }, (req, reply) => {
    const form = fromForm(req.body);
    const oldKey = text(req.body, 'oldKey');
    return runPage(
      reply,
      async () => {
        const r = await ops.save(req, toRoute(form), oldKey || undefined);
        return listPage(req, reply, 200, { ok: `Route ${r.pattern} → ${r.nextHop || '(blocked)'} saved.` });
      },
      (u) => editPage(reply, u.status, form, oldKey, u.message),
    );
  });
  app.post('/routes/delete', { config: OPERATOR, schema: { hide: true } }, (req, reply) =>
    runPage(
      reply,
      async () => {
        await ops.remove(req, text(req.body, 'key'));
        return listPage(req, reply, 200, { ok: 'Route deleted.' });
      },
      (u) => listPage(req, reply, u.status, { message: u.message }),
    ),
  );

  // ---- JSON API ----
  const tags = ['routes'];
  app.get('/api/routes/one', { config: READ, schema: { summary: 'One route by its key', tags, querystring: keyQuery, response: { 200: routeSchema, '4xx': errorSchema } } }, (req, reply) =>
    runApi(reply, async () => withKey(await find((req.query as { key: string }).key))),
  );
  app.post('/api/routes', { config: OPERATOR, schema: { summary: 'Add a route (or replace the one with the same pattern, type, next hop and port)', tags, body: routeBody, response: { 201: routeSchema, '4xx': errorSchema } } }, (req, reply) =>
    runApi(reply, async () => withKey(await ops.save(req, toRoute(req.body as Record<string, unknown>))), 201),
  );
  app.put('/api/routes/one', { config: OPERATOR, schema: { summary: 'Replace a route (its key may change)', tags, querystring: keyQuery, body: routeBody, response: { 200: routeSchema, '4xx': errorSchema } } }, (req, reply) =>
    runApi(reply, async () => {
      const key = (req.query as { key: string }).key;
      await find(key);
      return withKey(await ops.save(req, toRoute(req.body as Record<string, unknown>), key));
    }),
  );
  app.delete('/api/routes/one', { config: OPERATOR, schema: { summary: 'Delete a route', tags, querystring: keyQuery, response: { 200: { type: 'object', properties: { deleted: { type: 'boolean' } } }, '4xx': errorSchema } } }, (req, reply) =>
    runApi(reply, async () => {
      await ops.remove(req, (req.query as { key: string }).key);
      return { deleted: true };
    }),
  );
}
