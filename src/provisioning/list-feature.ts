// What Subscribers, Registry and Routes have in common, written once: the list page with
// its search/sort/paging bar and messages, CSV import (upload on the page, text/csv body
// on the API; every bad line shown, nothing imported) and export, and the API's search.
// Each page supplies how to search, import and export; its own add/edit/delete routes
// render through the `listPage` this returns.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { COUNT_CAP } from '../stores/search.js';
import type { SortKey } from '../stores/search.js';
import { UserError, csvFromRequest, errorSchema, runApi, runPage, sendApiError, storeError } from './csv-upload.js';
import { apiCursors, listBar, listQuerySchema, parseListQuery } from './listing.js';
import type { ListQuery, ListSpec } from './listing.js';

export interface ListPage<Row> {
  readonly rows: readonly Row[];
  readonly count: number;
  readonly next?: SortKey;
  readonly prev?: SortKey;
}

export interface ImportResult {
  readonly added: number;
  readonly replaced: number;
  readonly expired?: number;
}

export interface ListFeature<Row> {
  readonly spec: ListSpec;
  /** The list view, e.g. 'routes/list', and the page title. */
  readonly view: string;
  readonly title: string;
  /** Singular for the audit log ('route'), plural for messages ('routes'). */
  readonly one: string;
  readonly many: string;
  /** The command-line tool whose CSV format this is, for the upload form's hint. */
  readonly importTool: string;
  /** JSON schema of one row as the API returns it. */
  readonly rowSchema: Record<string, unknown>;
  search(lq: ListQuery): Promise<ListPage<Row>>;
  /** A row as the page and the API show it. */
  show(row: Row): unknown;
  importCsv(req: FastifyRequest, csv: string): Promise<ImportResult>;
  exportCsv(req: FastifyRequest, lq: ListQuery): Promise<{ csv: string; count: number }>;
}

export interface PageMessages {
  message?: string;
  ok?: string;
  errors?: readonly unknown[];
  moreErrors?: number;
  /** Values of a form to show again after an error. */
  form?: Record<string, unknown>;
}

const READ = { access: 'read-only' } as const;
const OPERATOR = { access: 'operator' } as const;

export function listFeature<Row>(app: FastifyInstance, f: ListFeature<Row>) {
  const api = `/api${f.spec.path}`;

  async function listPage(req: FastifyRequest, reply: FastifyReply, status: number, msg: PageMessages = {}): Promise<FastifyReply> {
    const parsed = parseListQuery(f.spec, req.query);
    const lq = typeof parsed === 'string' ? (parseListQuery(f.spec, {}) as ListQuery) : parsed;
    let page: ListPage<Row> = { rows: [], count: 0 };
    let message = typeof parsed === 'string' ? parsed : (msg.message ?? '');
    try {
      page = await f.search(lq);
    } catch (e) {
      const u = storeError(e);
      if (!(u instanceof UserError)) throw u;
      message ||= u.message;
      if (status === 200) status = u.status;
    }
    return reply.code(typeof parsed === 'string' ? 400 : status).page(f.view, f.title, {
      rows: page.rows.map((r) => f.show(r)),
      bar: listBar(f.spec, lq, { ...page, cap: COUNT_CAP }),
      canChange: req.webUser!.role !== 'read-only',
      importAction: `${f.spec.path}/import`,
      importTool: f.importTool,
      form: msg.form ?? {},
      message,
      ok: msg.ok ?? '',
      errors: msg.errors ?? [],
      moreErrors: msg.moreErrors ?? 0,
    });
  }

  async function doImport(req: FastifyRequest): Promise<ImportResult> {
    const r = await f.importCsv(req, await csvFromRequest(req));
    req.audit(`${f.one} import`, `imported ${r.added + r.replaced} ${f.many} (${r.added} new, ${r.replaced} replaced)`);
    return r;
  }

  async function doExport(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const lq = parseListQuery(f.spec, req.query);
    if (typeof lq === 'string') throw new UserError(lq);
    const { csv, count } = await f.exportCsv(req, lq);
    req.audit(`${f.one} export`, `exported ${count} ${f.many}`);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${f.many}.csv"`).send(csv);
  }

  app.get(f.spec.path, { config: READ, schema: { hide: true } }, (req, reply) => listPage(req, reply, 200));
  app.post(`${f.spec.path}/import`, { config: OPERATOR, schema: { hide: true } }, (req, reply) =>
    runPage(
      reply,
      async () => {
        const r = await doImport(req);
        const expired = r.expired ? `, ${r.expired} already expired and skipped` : '';
        return listPage(req, reply, 200, { ok: `Imported ${r.added + r.replaced} ${f.many} (${r.added} new, ${r.replaced} replaced${expired}).` });
      },
      (u) => listPage(req, reply, u.status, { message: u.message, errors: u.errors, moreErrors: u.moreErrors }),
    ),
  );
  app.get(`${f.spec.path}/export.csv`, { config: READ, schema: { hide: true } }, (req, reply) =>
    runPage(reply, () => doExport(req, reply), (u) => reply.code(u.status).page('error', 'Export', { status: u.status, message: u.message })),
  );

  const tags = [f.many];
  const pageSchema = { type: 'object', properties: { count: { type: 'integer' }, countCapped: { type: 'boolean' }, rows: { type: 'array', items: f.rowSchema }, next: { type: 'string' }, prev: { type: 'string' } } };
  app.get(api, { config: READ, schema: { summary: `Search ${f.many}: one page, with cursors for the next and previous pages`, tags, querystring: listQuerySchema(f.spec), response: { 200: pageSchema, '4xx': errorSchema } } }, async (req, reply) => {
    const lq = parseListQuery(f.spec, req.query);
    if (typeof lq === 'string') return reply.code(400).send({ error: lq });
    return runApi(reply, async () => {
      const page = await f.search(lq);
      return { count: Math.min(page.count, COUNT_CAP + 1), countCapped: page.count > COUNT_CAP, rows: page.rows.map((r) => f.show(r)), ...apiCursors(page) };
    });
  });
  app.post(
    `${api}/import`,
    {
      config: OPERATOR,
      schema: {
        summary: `Import ${f.many} from a text/csv body (${f.importTool} format); a file with any bad line imports nothing`,
        tags,
        consumes: ['text/csv'],
        response: { 200: { type: 'object', properties: { added: { type: 'integer' }, replaced: { type: 'integer' }, expired: { type: 'integer' } } }, '4xx': errorSchema },
      },
    },
    (req, reply) => runApi(reply, () => doImport(req)),
  );
  app.get(`${api}/export.csv`, { config: READ, schema: { summary: `Export the ${f.many} as CSV (${f.importTool} format)`, tags, querystring: listQuerySchema(f.spec), produces: ['text/csv'] } }, async (req, reply) => {
    try {
      return await doExport(req, reply);
    } catch (e) {
      const u = storeError(e);
      if (u instanceof UserError) return sendApiError(reply, u);
      throw u;
    }
  });

  return { listPage };
}
