// The Registry page and /api/registry: live bindings (dynamic ones with their expiry,
// static ones marked), search/sort/paging, static registrations added and any binding
// deleted, and CSV import/export in sysadmin_sps_regroute's format, all through the
// shared backend (sipd's control socket while it runs, the registry files when it does not).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatRegistrationCsv } from '../modules/registry/csv.js';
import { eachCsvPage, importCsvText } from '../server/db-backend.js';
import type { DbRequest } from '../server/db-control.js';
import { REGISTRY_SEARCH_FIELDS, REGISTRY_SORT_FIELDS } from '../server/db-search.js';
import type { RegistrationRow } from '../server/db-search.js';
import { COUNT_CAP } from '../stores/search.js';
import type { SortKey } from '../stores/search.js';
import type { DataAccess } from './csv-upload.js';
import { UserError, csvFromRequest, errorSchema, replyError, runApi, runPage } from './csv-upload.js';
import { apiCursors, listBar, listQuerySchema, parseListQuery } from './listing.js';
import type { ListQuery, ListSpec } from './listing.js';

const FIELD_LABELS: Record<(typeof REGISTRY_SEARCH_FIELDS)[number], string> = { aor: 'User (AOR)', contact: 'Contact' };
const SORT_LABELS: Record<(typeof REGISTRY_SORT_FIELDS)[number], string> = { aor: 'User (AOR)', contact: 'Contact', expires: 'Expires' };
const SPEC: ListSpec = { path: '/registry', fields: FIELD_LABELS, sorts: SORT_LABELS };
const OPERATOR = { access: 'operator' } as const;
const READ = { access: 'read-only' } as const;

const rowSchema = {
  type: 'object',
  properties: { aor: { type: 'string' }, contact: { type: 'string' }, q: { type: 'number' }, static: { type: 'boolean' }, expires: { type: ['string', 'null'] }, received: { type: 'string' } },
} as const;
const keyQuery = { type: 'object', required: ['aor', 'contact'], additionalProperties: false, properties: { aor: { type: 'string', minLength: 1, maxLength: 300 }, contact: { type: 'string', minLength: 1, maxLength: 1024 } } } as const;

interface NewRegistration {
  aor: string;
  contact: string;
  q?: number;
  /** ISO time; absent or empty: a static registration. */
  expires?: string;
}

export function registryRoutes(app: FastifyInstance, data: DataAccess): void {
  const run = async (req: DbRequest) => {
    const r = await data.withBackend((b) => b.run(req));
    if (r.ok !== true) throw replyError(r);
    return r;
  };
  const search = async (lq: ListQuery) => {
    const r = await run({ cmd: 'db', db: 'registry', op: 'search', field: lq.field, match: lq.op, text: lq.q, sort: lq.sort, desc: lq.desc, limit: lq.limit, ...(lq.after && { after: lq.after }), ...(lq.before && { before: lq.before }) });
    return { rows: r.entries as RegistrationRow[], count: Number(r.count), ...(r.next ? { next: r.next as SortKey } : {}), ...(r.prev ? { prev: r.prev as SortKey } : {}) };
  };

  const ops = {
    async add(req: FastifyRequest, n: NewRegistration): Promise<void> {
      const expiresAt = n.expires ? Date.parse(n.expires) : Infinity;
      if (Number.isNaN(expiresAt)) throw new UserError(`expires: "${n.expires}" is not a time; give an ISO 8601 time such as 2030-01-01T12:00:00Z, or leave it empty for a static registration`);
      const csv = formatRegistrationCsv([{ aor: n.aor, contact: n.contact, q: n.q ?? 1, expiresAt }]);
      const r = await data.withBackend((b) => importCsvText(b, 'registry', csv));
      if (r.ok !== true) {
        const e = replyError(r);
        // One line: its message is the whole story.
        throw new UserError(e.errors[0]?.message ?? e.message, e.status);
      }
      req.audit('registry add', `added ${Number.isFinite(expiresAt) ? `a registration until ${new Date(expiresAt).toISOString()}` : 'a static registration'}: ${n.aor} → ${n.contact}`);
    },
    async remove(req: FastifyRequest, aor: string, contact: string): Promise<void> {
      const r = await run({ cmd: 'db', db: 'registry', op: 'remove', keys: [{ aor, contact }] });
      if (!r.removed) throw new UserError(`no registration of ${contact} for ${aor}`, 404);
      req.audit('registry delete', `deleted the registration ${aor} → ${contact}`);
    },
    async importCsv(req: FastifyRequest): Promise<{ added: number; replaced: number; expired: number }> {
      const csv = await csvFromRequest(req);
      const r = await data.withBackend((b) => importCsvText(b, 'registry', csv));
      if (r.ok !== true) throw replyError(r);
      req.audit('registry import', `imported ${Number(r.added) + Number(r.replaced)} registrations (${r.added} new, ${r.replaced} replaced)`);
      return { added: Number(r.added), replaced: Number(r.replaced), expired: Number(r.expired ?? 0) };
    },
    async exportCsv(req: FastifyRequest, reply: FastifyReply) {
      const chunks: string[] = [];
      const n = await data.withBackend((b) => eachCsvPage(b, 'registry', undefined, (c) => void chunks.push(c)));
      if (typeof n === 'string') throw new UserError(n, 503);
      req.audit('registry export', `exported ${n} registrations`);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="registry.csv"').send(chunks.join(''));
    },
  };

  async function listPage(req: FastifyRequest, reply: FastifyReply, status: number, msg: { message?: string; ok?: string; errors?: unknown[]; moreErrors?: number } = {}) {
    const parsed = parseListQuery(SPEC, req.query);
    const lq = typeof parsed === 'string' ? (parseListQuery(SPEC, {}) as ListQuery) : parsed;
    let page: Awaited<ReturnType<typeof search>> = { rows: [], count: 0 };
    let message = typeof parsed === 'string' ? parsed : (msg.message ?? '');
    try {
      page = await search(lq);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      message ||= e.message;
      if (status === 200) status = e.status;
    }
    return reply.code(typeof parsed === 'string' ? 400 : status).page('registry/list', 'Registry', {
      rows: page.rows,
      bar: listBar(SPEC, lq, { ...page, cap: COUNT_CAP }),
      canChange: req.webUser!.role !== 'read-only',
      importAction: '/registry/import',
      importTool: 'sysadmin_sps_regroute -m registry -i',
      form: msg.message ? ((req.body as Record<string, unknown>) ?? {}) : {},
      message,
      ok: msg.ok ?? '',
      errors: msg.errors ?? [],
      moreErrors: msg.moreErrors ?? 0,
    });
  }
  const str = (o: unknown, k: string) => {
    const v = (o as Record<string, unknown> | undefined)?.[k];
    return typeof v === 'string' ? v.trim() : '';
  };

  // ---- pages ----
  app.get('/registry', { config: READ, schema: { hide: true } }, (req, reply) => listPage(req, reply, 200));
  app.post('/registry', { config: OPERATOR, schema: { hide: true } }, (req, reply) => {
    const qText = str(req.body, 'q');
    const n: NewRegistration = { aor: str(req.body, 'aor'), contact: str(req.body, 'contact'), ...(qText && { q: Number(qText) }), expires: str(req.body, 'expires') };
    return runPage(
      reply,
      async () => {
        if (qText && !(Number(qText) >= 0 && Number(qText) <= 1)) throw new UserError(`q: "${qText}" must be a number from 0 to 1`);
        await ops.add(req, n);
        return listPage(req, reply, 200, { ok: `Registration ${n.aor} → ${n.contact} added.` });
      },
      (u) => listPage(req, reply, u.status, { message: u.message }),
    );
  });
  app.post('/registry/delete', { config: OPERATOR, schema: { hide: true } }, (req, reply) =>
    runPage(
      reply,
      async () => {
        await ops.remove(req, str(req.body, 'aor'), str(req.body, 'contact'));
        return listPage(req, reply, 200, { ok: 'Registration deleted.' });
      },
      (u) => listPage(req, reply, u.status, { message: u.message }),
    ),
  );
  app.post('/registry/import', { config: OPERATOR, schema: { hide: true } }, (req, reply) =>
    runPage(
      reply,
      async () => {
        const r = await ops.importCsv(req);
        return listPage(req, reply, 200, { ok: `Imported ${r.added + r.replaced} registrations (${r.added} new, ${r.replaced} replaced${r.expired ? `, ${r.expired} already expired and skipped` : ''}).` });
      },
      (u) => listPage(req, reply, u.status, { message: u.message, errors: [...u.errors], moreErrors: u.moreErrors }),
    ),
  );
  app.get('/registry/export.csv', { config: READ, schema: { hide: true } }, (req, reply) =>
    runPage(reply, () => ops.exportCsv(req, reply), (u) => reply.code(u.status).page('error', 'Export', { status: u.status, message: u.message })),
  );

  // ---- JSON API ----
  const tags = ['registry'];
  app.get(
    '/api/registry',
    { config: READ, schema: { summary: 'Search live registrations: one page, with cursors', tags, querystring: listQuerySchema(SPEC), response: { 200: { type: 'object', properties: { count: { type: 'integer' }, countCapped: { type: 'boolean' }, rows: { type: 'array', items: rowSchema }, next: { type: 'string' }, prev: { type: 'string' } } }, '4xx': errorSchema } } },
    async (req, reply) => {
      const lq = parseListQuery(SPEC, req.query);
      if (typeof lq === 'string') return reply.code(400).send({ error: lq });
      return runApi(reply, async () => {
        const page = await search(lq);
        return { count: Math.min(page.count, COUNT_CAP + 1), countCapped: page.count > COUNT_CAP, rows: page.rows, ...apiCursors(page) };
      });
    },
  );
  app.post(
    '/api/registry',
    {
      config: OPERATOR,
      schema: {
        summary: 'Add a registration: static without expires, else lapsing at that time',
        tags,
        body: { type: 'object', required: ['aor', 'contact'], additionalProperties: false, properties: { aor: { type: 'string', minLength: 1, maxLength: 300 }, contact: { type: 'string', minLength: 1, maxLength: 1024 }, q: { type: 'number', minimum: 0, maximum: 1 }, expires: { type: 'string', maxLength: 40 } } },
        response: { 201: { type: 'object', properties: { added: { type: 'boolean' } } }, '4xx': errorSchema },
      },
    },
    (req, reply) =>
      runApi(
        reply,
        async () => {
          await ops.add(req, req.body as NewRegistration);
          return { added: true };
        },
        201,
      ),
  );
  app.delete('/api/registry/one', { config: OPERATOR, schema: { summary: 'Delete one binding (static or live)', tags, querystring: keyQuery, response: { 200: { type: 'object', properties: { deleted: { type: 'boolean' } } }, '4xx': errorSchema } } }, (req, reply) =>
    runApi(reply, async () => {
      const { aor, contact } = req.query as { aor: string; contact: string };
      await ops.remove(req, aor, contact);
      return { deleted: true };
    }),
  );
  app.post(
    '/api/registry/import',
    { config: OPERATOR, schema: { summary: 'Import registrations from a text/csv body (sysadmin_sps_regroute format); any bad line imports nothing', tags, consumes: ['text/csv'], response: { 200: { type: 'object', properties: { added: { type: 'integer' }, replaced: { type: 'integer' }, expired: { type: 'integer' } } }, '4xx': errorSchema } } },
    (req, reply) => runApi(reply, () => ops.importCsv(req)),
  );
  app.get('/api/registry/export.csv', { config: READ, schema: { summary: 'Export the live registrations as CSV', tags, produces: ['text/csv'] } }, async (req, reply) => {
    try {
      return await ops.exportCsv(req, reply);
    } catch (e) {
      if (e instanceof UserError) return reply.code(e.status).send({ error: e.message });
      throw e;
    }
  });
}
