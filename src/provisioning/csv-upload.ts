// What the three provisioning lists share besides the list bar: the stores pserver opens
// (the subscriber store sipd.conf names, and the registry/route backend: sipd's control
// socket while it runs, the files when it does not — src/server/db-backend.ts), reading an
// uploaded CSV (a multipart file from the page, a text/csv body on the API), and turning
// store errors into a 4xx/503 answer with a message.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/loader.js';
import { connectDb, eachCsvPage, importCsvText } from '../server/db-backend.js';
import type { Backend } from '../server/db-backend.js';
import type { DbName, DbReply, DbRequest } from '../server/db-control.js';
import type { SearchOp, SortKey } from '../stores/search.js';
import { openSubscriberStore } from '../stores/open.js';
import type { StoreLog } from '../stores/open.js';
import { StoreUnavailableError, SubscriberValidationError } from '../stores/subscriber-store.js';
import type { SearchableSubscriberStore } from '../stores/subscriber-store.js';
import type { CsvError } from '../common/csv.js';
import type { PserverDeps } from './deps.js';

/** Largest CSV the API takes as a text/csv body (the page's upload limit is the kit's). */
export const CSV_BODY_LIMIT = 256 * 1024 * 1024;

/** A problem the user can fix: shown on the page, or a 4xx JSON answer. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly errors: readonly CsvError[] = [],
    readonly moreErrors = 0,
  ) {
    super(message);
  }
}

/** The stores, opened on first use and again when sipd.conf was reloaded. */
export class DataAccess {
  private subs: { config: Config; store: Promise<SearchableSubscriberStore> } | undefined;
  private readonly log: StoreLog;

  constructor(private readonly deps: PserverDeps) {
    this.log = (level, m) => {
      if (level !== 'debug') deps.logger.log(level === 'warn' ? 'warn' : level === 'error' ? 'error' : 'info', m);
    };
  }

  get realm(): string {
    return this.deps.config().values.AuthRealm;
  }

  subscribers(): Promise<SearchableSubscriberStore> {
    const config = this.deps.config();
    if (this.subs?.config !== config) {
      const old = this.subs?.store;
      const store = openSubscriberStore(config, this.log);
      this.subs = { config, store };
      store.catch(() => (this.subs = undefined));
      void old?.then((s) => s.close()).catch(() => undefined);
    }
    return this.subs.store.catch((e: unknown) => {
      throw new UserError(`the subscriber store cannot be opened: ${(e as Error).message}`, 503);
    });
  }

  /** Run `fn` with the registry/route backend, closed afterwards. */
  async withBackend<T>(fn: (b: Backend) => Promise<T>): Promise<T> {
    let b: Backend;
    try {
      b = await connectDb(this.deps.config(), this.log);
    } catch (e) {
      throw new UserError((e as Error).message, 503);
    }
    try {
      return await fn(b);
    } finally {
      await b.close();
    }
  }

  async close(): Promise<void> {
    const s = this.subs?.store;
    this.subs = undefined;
    await s?.then((x) => x.close()).catch(() => undefined);
  }
}

/** A database reply that failed, as a UserError (its import errors included). */
export function replyError(reply: DbReply): UserError {
  const errors = Array.isArray(reply.errors) ? (reply.errors as CsvError[]) : [];
  const busy = typeof reply.error === 'string' && /not open|no answer|unavailable/.test(reply.error);
  return new UserError(String(reply.error ?? 'the database refused the request'), busy ? 503 : 400, errors, typeof reply.moreErrors === 'number' ? reply.moreErrors : 0);
}

/** Store exceptions as UserErrors; anything else is a fault and passes unchanged. */
export function storeError(e: unknown): unknown {
  if (e instanceof UserError) return e;
  if (e instanceof SubscriberValidationError) return new UserError(e.message, 400);
  if (e instanceof StoreUnavailableError) return new UserError(e.message, 503);
  return e;
}

/** The API's answer for a UserError. */
export function sendApiError(reply: FastifyReply, e: UserError): FastifyReply {
  return reply.code(e.status).send({ error: e.message, ...(e.errors.length && { errors: e.errors }), ...(e.moreErrors && { moreErrors: e.moreErrors }) });
}

/** text/csv bodies arrive as a string (within this plugin's routes only). */
export function acceptCsvBodies(app: FastifyInstance): void {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT }, (_req, body, done) => done(null, body));
}

/** The CSV of an import: the uploaded file (multipart, the page) or the text/csv body (the API). */
export async function csvFromRequest(req: FastifyRequest): Promise<string> {
  if (req.isMultipart()) {
    const file = await req.file();
    if (!file) throw new UserError('choose a CSV file to import');
    const buf = await file.toBuffer();
    if (file.file.truncated) throw new UserError('the file is too large');
    return buf.toString('utf8');
  }
  if (typeof req.body === 'string') return req.body;
  throw new UserError('send the CSV as a text/csv body (or a multipart upload)', 415);
}

/** How many errors an import shows. */
export const MAX_SHOWN_ERRORS = 200;

export function csvErrors(errors: readonly CsvError[]): UserError {
  return new UserError(
    `${errors.length} bad line${errors.length === 1 ? '' : 's'}; nothing was imported`,
    400,
    errors.slice(0, MAX_SHOWN_ERRORS),
    Math.max(0, errors.length - MAX_SHOWN_ERRORS),
  );
}

/** Runs a page action; a UserError (or a store's refusal) is handed to `onError` to re-render with its message. */
export async function runPage(_reply: FastifyReply, fn: () => Promise<FastifyReply>, onError: (e: UserError) => FastifyReply | Promise<FastifyReply>): Promise<FastifyReply> {
  try {
    return await fn();
  } catch (e) {
    const u = storeError(e);
    if (u instanceof UserError) return onError(u);
    throw u;
  }
}

/** Runs an API operation: its result as JSON with `status`, a UserError as a 4xx/503 {error}. */
export async function runApi(reply: FastifyReply, fn: () => Promise<unknown>, status = 200): Promise<FastifyReply> {
  try {
    const r = await fn();
    return reply.code(status).send(r);
  } catch (e) {
    const u = storeError(e);
    if (u instanceof UserError) return sendApiError(reply, u);
    throw u;
  }
}

/** The JSON schema of an error answer (import errors included). */
export const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { line: { type: 'integer' }, message: { type: 'string' } } } },
    moreErrors: { type: 'integer' },
  },
} as const;

/** One search page of the registry or route database through the backend. */
export async function backendSearch<Row>(data: DataAccess, db: DbName, lq: { field: string; op: string; q: string; sort: string; desc: boolean; limit: number; after?: SortKey; before?: SortKey }) {
  const r = await data.withBackend((b) =>
    b.run({ cmd: 'db', db, op: 'search', field: lq.field, match: lq.op as SearchOp, text: lq.q, sort: lq.sort, desc: lq.desc, limit: lq.limit, ...(lq.after && { after: lq.after }), ...(lq.before && { before: lq.before }) }),
  );
  if (r.ok !== true) throw replyError(r);
  return { rows: r.entries as Row[], count: Number(r.count), ...(r.next ? { next: r.next as SortKey } : {}), ...(r.prev ? { prev: r.prev as SortKey } : {}) };
}

/** A database request through the backend that must succeed: its reply, or the UserError. */
export async function backendRun(data: DataAccess, req: DbRequest): Promise<DbReply> {
  const r = await data.withBackend((b) => b.run(req));
  if (r.ok !== true) throw replyError(r);
  return r;
}

/** Import CSV text into the registry or route database: the counts, or the UserError with every bad line. */
export async function backendImport(data: DataAccess, db: DbName, csv: string): Promise<{ added: number; replaced: number; expired?: number }> {
  const r = await data.withBackend((b) => importCsvText(b, db, csv));
  if (r.ok !== true) throw replyError(r);
  // Registrations whose time has passed are skipped, and said so.
  return { added: Number(r.added), replaced: Number(r.replaced), ...(typeof r.expired === 'number' && { expired: r.expired }) };
}

/** The whole registry or route database as CSV, in the tool's format. */
export async function backendExport(data: DataAccess, db: DbName): Promise<{ csv: string; count: number }> {
  const chunks: string[] = [];
  const n = await data.withBackend((b) => eachCsvPage(b, db, undefined, (c) => void chunks.push(c)));
  if (typeof n === 'string') throw new UserError(n, 503);
  return { csv: chunks.join(''), count: n };
}
