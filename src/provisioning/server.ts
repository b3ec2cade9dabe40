// pserver, the provisioning GUI: reads conf/ps.conf, opens the accounts and the audit
// log, builds the web kit's app with every feature of features.ts, and listens (HTTPS, or
// plain HTTP on loopback only).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createWebApp } from '../common/web/app.js';
import { roleAtLeast } from '../common/web/contract.js';
import type { NavItem } from '../common/web/contract.js';
import { makeSelfSignedCertificate, webTransport } from '../common/web/listen.js';
import type { TlsFiles } from '../common/web/listen.js';
import type { Config } from '../config/loader.js';
import { ErrorLog } from '../logging/error-log.js';
import type { DebugFlags } from '../logging/directives.js';
import { formatMessage, loadConfigFile, parseConfig } from '../server/config.js';
import { AccountStore } from './accounts.js';
import { AuditLog } from './audit.js';
import type { PserverDeps } from './deps.js';
import { FEATURES } from './features.js';
import type { PserverSettings } from './settings.js';
import type { ShellDeps } from './shell.js';

export const PRODUCT = 'OpenSPS Provisioning';

export interface Pserver {
  readonly app: FastifyInstance;
  readonly accounts: AccountStore;
  readonly auditLog: AuditLog;
  /** The first administrator's one-time password when this start created it, else null. */
  readonly initialPassword: string | null;
  readonly url: string;
  /** logs/pserver_log. */
  readonly log: ErrorLog;
  close(): Promise<void>;
}

/** The file holding the session-signing secret: made once, 0600. */
function sessionSecret(dir: string): Buffer {
  const file = path.join(dir, 'session.key');
  if (existsSync(file)) {
    const b = readFileSync(file);
    if (b.length >= 32) return b;
  }
  const b = randomBytes(48);
  writeFileSync(file, b, { mode: 0o600 });
  chmodSync(file, 0o600);
  return b;
}

/** sipd.conf as PserverDeps serves it: the last snapshot that loaded; a broken file is reported, never fatal. */
function sipdConfig(file: string, log: ErrorLog): Pick<PserverDeps, 'config' | 'reloadConfig'> {
  let current: Config;
  const first = loadConfigFile(file);
  if (first.ok) current = first.config;
  else {
    log.error(`${file} does not load; the pages show its defaults until it is fixed:\n${first.errors.map(formatMessage).join('\n')}`);
    const empty = parseConfig('', file);
    if (!empty.ok) throw new Error(`sipd's defaults do not load: ${empty.errors.map(formatMessage).join('; ')}`);
    current = empty.config;
  }
  return {
    config: () => current,
    async reloadConfig() {
      const r = loadConfigFile(file);
      if (!r.ok) throw new Error(r.errors.map(formatMessage).join('\n'));
      current = r.config;
    },
  };
}

/** The certificate and key to serve, or null for plain HTTP; a self-signed pair is made when none is configured. */
async function tlsFiles(s: PserverSettings, log: ErrorLog): Promise<TlsFiles | null> {
  if (s.plainHttp) return null;
  if (s.certificateFile && s.keyFile) return { certFile: s.certificateFile, keyFile: s.keyFile };
  // data/pserver, not conf/: pserver runs as csps and may not write conf/.
  const dir = path.join(s.serverRoot, 'data', 'pserver');
  const made = await makeSelfSignedCertificate(dir, os.hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'localhost');
  log.notice(`serving HTTPS with the self-signed certificate ${made.certFile}; configure PServerCertificateFile and PServerKeyFile for one your browsers trust`);
  return made;
}

/** pserver's app with every route registered, not yet listening (the tests walk its routes). */
export async function buildPserver(s: PserverSettings): Promise<Omit<Pserver, 'url'> & { readonly https: boolean }> {
  const log = await ErrorLog.open({ target: { kind: 'file', path: 'logs/pserver_log' }, level: s.logLevel, debugFlags: {} as DebugFlags, serverRoot: s.serverRoot });
  try {
    for (const w of s.warnings) log.warn(formatMessage(w));
    const dataDir = path.join(s.serverRoot, 'data', 'pserver');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const accounts = AccountStore.open(dataDir);
    const auditLog = new AuditLog(dataDir);
    const initialPassword = await accounts.ensureFirstAdmin(s.firstAdministrator);
    if (initialPassword) {
      // The one place besides the 0600 file: whoever installs reads pserver_log anyway, and the password works only once.
      log.notice(`first start: created the administrator ${s.firstAdministrator} with the one-time password ${initialPassword} (also in ${accounts.initialPasswordFile}); it must be changed at first login`);
      auditLog.record('-', 'account add', `first start created ${s.firstAdministrator} (administrator)`);
    }

    const transport = webTransport(s.listen, await tlsFiles(s, log));
    const nav: NavItem[] = FEATURES.flatMap((f) => [...f.nav]);
    const app = await createWebApp({
      product: PRODUCT,
      users: accounts,
      audit: auditLog,
      nav,
      logger: log.winston,
      sessionSecret: sessionSecret(dataDir),
      secureCookies: transport.secureCookies,
      https: transport.https,
      sessionIdleMinutes: s.sessionIdleMinutes,
      lockout: { attempts: s.lockoutAttempts, windowMinutes: s.lockoutMinutes, lockMinutes: s.lockoutMinutes },
      apiTitle: 'OpenSPS provisioning API',
      rateLimitPerMinute: s.requestsPerMinute,
      loginsPerMinute: s.loginsPerMinute,
      ...(s.trustedProxy ? { trustProxy: s.trustedProxy } : {}),
    });
    const deps: ShellDeps = { configFile: s.sipdConf, logger: log.winston, serverRoot: s.serverRoot, ...sipdConfig(s.sipdConf, log), accounts, auditLog };
    // Called inside a wrapper: fastify reads register()'s options itself (prefix, logLevel...), and deps are not options.
    for (const f of FEATURES) await app.register(async (child) => f.plugin(child, deps));

    // The start page is the first one this user may open.
    app.get('/', { config: { access: 'read-only' }, schema: { hide: true } }, async (req, reply) => {
      const first = nav.find((n) => roleAtLeast(req.webUser!.role, n.access));
      return reply.redirect(first?.path ?? '/account', 303);
    });

    return {
      app,
      accounts,
      auditLog,
      initialPassword,
      log,
      https: Boolean(transport.https),
      async close() {
        await app.close();
        log.notice('pserver stopped');
        await log.close();
      },
    };
  } catch (e) {
    log.error(`pserver cannot start: ${(e as Error).message}`);
    await log.close();
    throw e;
  }
}

export async function startPserver(s: PserverSettings): Promise<Pserver> {
  const p = await buildPserver(s);
  try {
    await p.app.listen({ host: s.listen.host, port: s.listen.port });
  } catch (e) {
    await p.close();
    throw new Error(`cannot listen on ${s.listen.host}:${s.listen.port}: ${(e as Error).message}`);
  }
  const addr = p.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : s.listen.port;
  const host = s.listen.host.includes(':') ? `[${s.listen.host}]` : s.listen.host;
  const url = `${p.https ? 'https' : 'http'}://${host}:${port}`;
  p.log.notice(`pserver listening on ${url}`);
  return { ...p, url };
}
