// The Registry page and /api/registry: live bindings (dynamic ones with their expiry,
// static ones marked), search/sort/paging, static registrations added and any binding
// deleted, and CSV import/export in sysadmin_sps_regroute's format, all through the
// shared backend (sipd's control socket while it runs, the registry files when it does not).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatRegistrationCsv } from '../modules/registry/csv.js';
import { REGISTRY_SEARCH_FIELDS, REGISTRY_SORT_FIELDS } from '../server/db-search.js';
import type { RegistrationRow } from '../server/db-search.js';
import type { DataAccess } from './csv-upload.js';
import { UserError, backendExport, backendImport, backendRun, backendSearch, errorSchema, runApi, runPage } from './csv-upload.js';
import { listFeature } from './list-feature.js';
import type { ListSpec } from './listing.js';

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
  const ops = {
    async add(req: FastifyRequest, n: NewRegistration): Promise<void> {
      const expiresAt = n.expires ? Date.parse(n.expires) : Infinity;
      if (Number.isNaN(expiresAt)) throw new UserError(`expires: "${n.expires}" is not a time; give an ISO 8601 time such as 2030-01-01T12:00:00Z, or leave it empty for a static registration`);
      if (n.q !== undefined && !(n.q >= 0 && n.q <= 1)) throw new UserError(`q: "${n.q}" must be a number from 0 to 1`);
      try {
        await backendImport(data, 'registry', formatRegistrationCsv([{ aor: n.aor, contact: n.contact, q: n.q ?? 1, expiresAt }]));
      } catch (e) {
        // One line: its message is the whole story.
        if (e instanceof UserError && e.errors.length) throw new UserError(e.errors[0].message, e.status);
        throw e;
      }
      req.audit('registry add', `added ${Number.isFinite(expiresAt) ? `a registration until ${new Date(expiresAt).toISOString()}` : 'a static registration'}: ${n.aor} → ${n.contact}`);
    },
    async remove(req: FastifyRequest, aor: string, contact: string): Promise<void> {
      const r = await backendRun(data, { cmd: 'db', db: 'registry', op: 'remove', keys: [{ aor, contact }] });
      if (!r.removed) throw new UserError(`no registration of ${contact} for ${aor}`, 404);
      req.audit('registry delete', `deleted the registration ${aor} → ${contact}`);
    },
  };

  const { listPage } = listFeature<RegistrationRow>(app, {
    spec: SPEC,
    view: 'registry/list',
    title: 'Registry',
    one: 'registry',
    many: 'registrations',
    importTool: 'sysadmin_sps_regroute -m registry -i',
    rowSchema,
    search: (lq) => backendSearch<RegistrationRow>(data, 'registry', lq),
    show: (r) => r,
    importCsv: (_req, csv) => backendImport(data, 'registry', csv),
    exportCsv: () => backendExport(data, 'registry'),
  });
  const str = (o: unknown, k: string) => {
    const v = (o as Record<string, unknown> | undefined)?.[k];
    return typeof v === 'string' ? v.trim() : '';
  };

  // ---- pages ----
  app.post('/registry', { config: OPERATOR, schema: { hide: true } }, (req, reply) => {
    const qText = str(req.body, 'q');
    const n: NewRegistration = { aor: str(req.body, 'aor'), contact: str(req.body, 'contact'), ...(qText && { q: /^[0-9.]+$/.test(qText) ? Number(qText) : NaN }), expires: str(req.body, 'expires') };
    return runPage(
      reply,
      async () => {
        await ops.add(req, n);
        return listPage(req, reply, 200, { ok: `Registration ${n.aor} → ${n.contact} added.` });
      },
      (u) => listPage(req, reply, u.status, { message: u.message, form: { ...n, q: qText } }),
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

  // ---- JSON API ----
  const tags = ['registrations'];
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
}
