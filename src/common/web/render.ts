// Server-side rendering for the web kit: reply.page (a view inside the layout), and the
// error and not-found answers (JSON under /api/, an HTML page elsewhere).
import path from 'node:path';
import { Eta } from 'eta';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NavItem, WebAppOptions } from './contract.js';
import { roleAtLeast } from './contract.js';

export function isApi(req: FastifyRequest): boolean {
  return req.url === '/api' || req.url.startsWith('/api/');
}

/** Views are names under the views directory, letters, digits, '-', '_' and '/' only: never a path out of it. */
const VIEW_NAME = /^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/i;

export function installRenderer(app: FastifyInstance, opts: WebAppOptions, viewsDir: string): void {
  const eta = new Eta({ views: viewsDir, autoEscape: true, cache: true, defaultExtension: '.eta' });

  function navFor(req: FastifyRequest): (NavItem & { current: boolean })[] {
    const user = req.webUser;
    if (!user) return [];
    const here = req.url.split('?')[0];
    return opts.nav
      .filter((n) => roleAtLeast(user.role, n.access))
      .map((n) => ({ ...n, current: here === n.path || (n.path !== '/' && here.startsWith(n.path + '/')) }));
  }

  app.decorateReply('page', function page(this: FastifyReply, view: string, title: string, data: Record<string, unknown> = {}): FastifyReply {
    if (!VIEW_NAME.test(view)) throw new Error(`reply.page: "${view}" is not a view name`);
    const req = this.request;
    // A session exists on every route but an error raised before the session plugin ran.
    const csrfToken = req.session ? this.generateCsrf() : '';
    const it = { ...data, title, user: req.webUser ?? null, csrfToken, nav: navFor(req), product: opts.product };
    const body = eta.render(view, it);
    // htmx swaps fragments into the page it already shows; a boosted link wants a whole page.
    const fragment = req.headers['hx-request'] === 'true' && req.headers['hx-boosted'] !== 'true';
    const html = fragment ? body : eta.render('layout', { ...it, body });
    return this.type('text/html; charset=utf-8').send(html);
  });

  app.setNotFoundHandler((req, reply) => {
    if (isApi(req)) return reply.code(404).send({ error: `no such API route: ${req.method} ${req.url.split('?')[0]}` });
    return reply.code(404).page('error', 'Not found', { status: 404, message: 'There is no such page.' });
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    let status = err.statusCode ?? 500;
    if (err.validation) status = 400;
    if (status < 400 || status > 599) status = 500;
    // A 5xx message may carry internals (paths, SQL); the log keeps it, the user gets a summary.
    const message = status >= 500 ? 'internal error; see the server log' : err.message;
    if (status >= 500) opts.logger.error(`${req.method} ${req.url}: ${err.stack ?? err.message}`);
    else if (status === 403) opts.logger.warn(`refused ${req.method} ${req.url} from ${req.ip}: ${err.message}`);
    if (isApi(req) || !acceptsHtml(req)) return reply.code(status).send({ error: message });
    try {
      return reply.code(status).page('error', statusTitle(status), { status, message });
    } catch (e) {
      opts.logger.error(`error page failed: ${(e as Error).message}`);
      return reply.code(status).type('text/plain; charset=utf-8').send(message);
    }
  });
}

function acceptsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return accept === '' || accept.includes('text/html') || accept.includes('*/*');
}

function statusTitle(status: number): string {
  if (status === 400) return 'Bad request';
  if (status === 401) return 'Not signed in';
  if (status === 403) return 'Not allowed';
  if (status === 404) return 'Not found';
  if (status === 413) return 'Too large';
  if (status === 429) return 'Too many requests';
  return 'Error';
}

/** <prefix>/web/views */
export function viewsDirOf(prefix: string): string {
  return path.join(prefix, 'web', 'views');
}
