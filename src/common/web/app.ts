// createWebApp: a fastify instance with every protection the GUIs share already in place
// (headers and CSP, rate limits, sessions, CSRF, role checks, the forced first password
// change), the kit's own routes (login, logout, password, health) and reply.page. A feature
// is then just `app.register(plugin)`; see contract.ts.
import { createRequire } from 'node:module';
import path from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import session from '@fastify/session';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import { INSTALL_PREFIX, VERSION } from '../install.js';
import type { Access, WebAppOptions, WebUser } from './contract.js';
import { roleAtLeast } from './contract.js';
import { installKitRoutes } from './kit-routes.js';
import { installRenderer, isApi, viewsDirOf } from './render.js';
import { LoginLockout, MemorySessionStore } from './sessions.js';

export interface KitOptions extends WebAppOptions {
  /** Minutes of inactivity after which a session ends (default 30). */
  readonly sessionIdleMinutes?: number;
  /** Failed logins for one user name within `windowMinutes` that lock it for `lockMinutes` (default 5 in 15, 15). */
  readonly lockout?: { readonly attempts: number; readonly windowMinutes: number; readonly lockMinutes: number };
  /** Requests per minute from one address (default 1200); logins have their own, stricter limit. */
  readonly rateLimitPerMinute?: number;
  /** Title of the generated OpenAPI document served at /api/openapi.json (read-only users and up). */
  readonly apiTitle?: string;
  /** Where web/views and web/static are (default the install prefix). */
  readonly prefix?: string;
  /** Passed to fastify: the reverse proxy's address, so rate limits and logs see the client's. */
  readonly trustProxy?: string;
  /** Serve HTTPS with this certificate and key (listen.ts webTransport); plain HTTP when absent. */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer } | null;
}

declare module 'fastify' {
  interface Session {
    user?: WebUser;
    _csrf?: string;
  }
  interface FastifyContextConfig {
    /** Kit routes only: the JSON login, which cannot carry a token yet (it requires a JSON body, which a cross-site form cannot send). */
    csrfExempt?: boolean;
    /** Kit routes only: reachable while the user must still change the initial password. */
    duringPasswordChange?: boolean;
  }
  interface FastifyInstance {
    /** Signs `user` out everywhere (but in session `keepSessionId`): after a password change, a role change or deletion. */
    dropUserSessions(user: string, keepSessionId?: string): number;
    /** Every route registered so far: method, URL and access (the security tests walk them). */
    readonly webRoutes: readonly { method: string; url: string; access: Access }[];
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSV_UPLOAD_LIMIT = 256 * 1024 * 1024;

/** The directory of an installed package's main file (node_modules is found the way Node finds it). */
function packageDist(name: string): string {
  return path.dirname(createRequire(import.meta.url).resolve(name));
}

export async function createWebApp(opts: KitOptions): Promise<FastifyInstance> {
  if (opts.sessionSecret.length < 32) throw new Error('the session secret must have at least 32 bytes');
  const prefix = opts.prefix ?? INSTALL_PREFIX;
  const base = { logger: false, trustProxy: opts.trustProxy ?? false, bodyLimit: 1024 * 1024 } as const;
  // The HTTPS server is a different type to fastify; the routes and hooks are the same.
  const app = (opts.https ? Fastify({ ...base, https: { cert: opts.https.cert, key: opts.https.key } }) : Fastify(base)) as unknown as FastifyInstance;

  const routes: { method: string; url: string; access: Access }[] = [];
  app.decorate('webRoutes', routes);
  app.addHook('onRoute', (r) => {
    // @fastify/static's routes are the kit's own; everything else must say who may call it.
    if (r.url.startsWith('/static/') && !r.config?.access) r.config = { ...r.config, access: 'public' };
    const access = r.config?.access;
    if (!access) throw new Error(`route ${String(r.method)} ${r.url} declares no config.access (a role or 'public')`);
    for (const m of [r.method].flat()) routes.push({ method: m, url: r.url, access });
  });

  const csp: Record<string, string[]> = {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
    formAction: ["'self'"],
  };
  if (opts.secureCookies) csp.upgradeInsecureRequests = [];
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: csp },
    // HSTS only means something over HTTPS; on a loopback HTTP port it would be misleading.
    hsts: opts.secureCookies ? { maxAge: 31_536_000 } : false,
    frameguard: { action: 'deny' },
  });
  await app.register(rateLimit, { global: true, max: opts.rateLimitPerMinute ?? 1200, timeWindow: 60_000 });
  await app.register(formbody, { bodyLimit: 1024 * 1024 });
  await app.register(multipart, { limits: { fileSize: CSV_UPLOAD_LIMIT, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25, headerPairs: 100 } });
  await app.register(cookie);

  const store = new MemorySessionStore({ idleMs: (opts.sessionIdleMinutes ?? 30) * 60_000 });
  app.addHook('onClose', async () => store.close());
  app.decorate('dropUserSessions', (user: string, keep?: string) => store.dropUser(user, keep));
  // One host may run pserver and the agent's Dr-Web on two ports; cookies ignore ports, so the names differ.
  const cookieBase = opts.product.toLowerCase().replace(/[^a-z0-9]+/g, '_') + '_sid';
  // __Host-: the browser takes it only over HTTPS, for this host and path /, so no sibling domain can plant one.
  const cookieName = opts.secureCookies ? `__Host-${cookieBase}` : cookieBase;
  await app.register(session, {
    secret: opts.sessionSecret.toString('base64'),
    cookieName,
    cookie: { httpOnly: true, secure: opts.secureCookies, sameSite: 'strict', path: '/' },
    store,
    saveUninitialized: false,
    rolling: false,
  });
  await app.register(csrf, {
    sessionPlugin: '@fastify/session',
    getToken: (req: FastifyRequest) => {
      const body = req.body as Record<string, unknown> | undefined;
      const fromBody = body && typeof body === 'object' && typeof body._csrf === 'string' ? body._csrf : undefined;
      const header = req.headers['x-csrf-token'];
      // A multipart upload's fields come after its file; a plain form puts the token in the action URL instead.
      const query = req.isMultipart() ? (req.query as Record<string, unknown>)?._csrf : undefined;
      return fromBody ?? (typeof header === 'string' ? header : undefined) ?? (typeof query === 'string' ? query : undefined);
    },
  });

  if (opts.apiTitle) {
    await app.register(swagger, { openapi: { info: { title: opts.apiTitle, version: VERSION }, components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: cookieName } } } } });
  }

  app.addHook('onRequest', (req, reply, done) => {
    const config = req.routeOptions.config;
    const access = config?.access;
    req.webUser = req.session?.user ?? null;
    // Unknown URLs reach the not-found handler, which shows nothing but "not found".
    if (!access || access === 'public') return done();
    const user = req.webUser;
    if (!user) return refuse(req, reply, 401, 'sign in first');
    if (!config.duringPasswordChange && opts.users.mustChangePassword(user.name)) {
      if (!isApi(req) && req.method === 'GET') return reply.redirect('/password', 303);
      return refuse(req, reply, 403, 'the initial password must be changed first (POST /api/password or the Password page)');
    }
    if (!roleAtLeast(user.role, access)) return refuse(req, reply, 403, `this needs the ${access} role; you are ${user.role}`);
    done();
  });
  app.addHook('preValidation', (req, reply, done) => {
    if (SAFE_METHODS.has(req.method) || req.routeOptions.config?.csrfExempt || !req.routeOptions.config?.access) return done();
    app.csrfProtection(req, reply, done);
  });
  app.decorateRequest('webUser', null);
  app.decorateRequest('audit', function audit(this: FastifyRequest, action: string, detail: string) {
    opts.audit.record(this.webUser?.name ?? '-', action, detail);
  });
  app.addHook('onResponse', (req, reply, done) => {
    opts.logger.info(`${req.ip} ${req.webUser?.name ?? '-'} "${req.method} ${req.url.split('?')[0]}" ${reply.statusCode} ${Math.round(reply.elapsedTime)}ms`);
    done();
  });

  installRenderer(app, opts, viewsDirOf(prefix));
  await app.register(fastifyStatic, { root: path.join(prefix, 'web', 'static'), prefix: '/static/', index: false, maxAge: 3_600_000 });
  await app.register(fastifyStatic, {
    root: [packageDist('htmx.org'), packageDist('uplot')],
    prefix: '/static/vendor/',
    decorateReply: false,
    index: false,
    maxAge: 3_600_000,
  });
  installKitRoutes(app, opts, {
    lockout: new LoginLockout({
      attempts: opts.lockout?.attempts ?? 5,
      windowMs: (opts.lockout?.windowMinutes ?? 15) * 60_000,
      lockMs: (opts.lockout?.lockMinutes ?? 15) * 60_000,
    }),
    openapi: Boolean(opts.apiTitle),
  });
  return app;
}

/** 401/403: JSON for the API; for a page, a redirect to the login (GET) or the error page. */
function refuse(req: FastifyRequest, reply: FastifyReply, status: 401 | 403, message: string): FastifyReply {
  if (status === 401 && !isApi(req) && (req.method === 'GET' || req.method === 'HEAD')) {
    return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
  }
  if (status === 401 || isApi(req)) return reply.code(status).send({ error: message });
  return reply.code(status).page('error', 'Not allowed', { status, message });
}
