// Dr-Web: the agent's own web pages (ciagent --http), built on the same web kit as pserver
// (src/common/web/) so both look alike and are protected alike. Users are snmpd.cnf's
// httpUserNameEntry lines (./users.ts); the pages read and act through the MIB modules'
// engines (./sources.ts, ./pages.ts); requests, sign-ins and every change go to the agent's
// log (ciagent_log), a change as an "audit:" line naming the user.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import winston from 'winston';
import Transport from 'winston-transport';
import { createWebApp } from '../../common/web/app.js';
import { webTransport } from '../../common/web/listen.js';
import { hashPassword, passwordProblem, verifyPassword } from '../../common/web/passwords.js';
import type { LogLevel } from '../mib-module.js';
import { DRWEB_NAV, drwebPages } from './pages.js';
import { LoadHistory } from './sources.js';
import type { DrWebSources } from './sources.js';
import { ACCESS_LEVELS, HttpUserDirectory, formatHttpUser, parseHttpUsers } from './users.js';
import { acquireHostData, releaseHostData } from '../hostdata/index.js';
import { critAppModule } from '../mibs/critapp/index.js';
import { logModule } from '../mibs/log/index.js';
import { eventModule } from '../mibs/event/index.js';
import type { PasswordHashing } from './users.js';

export { DRWEB_NAV } from './pages.js';
export type { DrWebSources } from './sources.js';

/** The web kit's scrypt, as the httpUserNameEntry reader needs it. */
export const KIT_HASHING: PasswordHashing = {
  hash: (password) => hashPassword(password),
  verify: (password, stored) => verifyPassword(password, stored),
  isHash: (stored) => /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(stored),
  weakness: (user, password) => passwordProblem(user, password) ?? undefined,
};

export interface DrWebOptions {
  readonly address: string;
  readonly port: number;
  /** PEM files: HTTPS. Without them the kit allows plain HTTP on a loopback address only. */
  readonly cert?: string;
  readonly key?: string;
  /** snmpd.cnf, where the httpUserNameEntry lines are. */
  readonly snmpdCnf: string;
  /** Where the session-signing secret is kept (0600, made at first start). */
  readonly dataDir: string;
  readonly sources: DrWebSources;
  readonly log: (level: LogLevel, message: string) => void;
  /** Seconds between the chart's samples (default 10). */
  readonly chartEverySeconds?: number;
}

export interface DrWeb {
  readonly app: FastifyInstance;
  readonly users: HttpUserDirectory;
  /** Where it listens, e.g. https://0.0.0.0:8444 */
  readonly url: string;
  /** Re-read the httpUserNameEntry lines (SIGHUP); a user removed, or given another role or password, is signed out. */
  reloadUsers(): void;
  close(): Promise<void>;
}

/** A winston logger whose lines go to the agent's log function. */
function agentLogger(log: DrWebOptions['log']): winston.Logger {
  class ToAgentLog extends Transport {
    override log(info: { level: string; message: unknown }, next: () => void): void {
      const level: LogLevel = info.level === 'error' ? 'error' : info.level === 'warn' ? 'warn' : info.level === 'debug' ? 'debug' : 'info';
      log(level, `Dr-Web: ${String(info.message)}`);
      next();
    }
  }
  return winston.createLogger({ level: 'info', transports: [new ToAgentLog()] });
}

/** The session secret: 32 random bytes kept in dataDir (mode 0600), so a restart keeps sessions valid. */
function sessionSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, 'drweb-session-secret');
  try {
    const b = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (b.length >= 32) return b;
  } catch {
    // first start: make it below
  }
  const b = randomBytes(48);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${b.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return b;
}

export async function startDrWeb(o: DrWebOptions): Promise<DrWeb> {
  const users = new HttpUserDirectory({ file: o.snmpdCnf, hashing: KIT_HASHING });
  /** Read the users; those removed or given another role or password lose their sessions (`drop`). */
  const loadUsers = (drop?: (name: string) => void) => {
    const before = new Map(users.list().map((u) => [u.name, `${u.role} ${u.hash}`]));
    for (const m of users.load()) o.log(m.severity === 'error' ? 'error' : 'warn', `Dr-Web: ${m.file}:${m.line}:${m.col}: ${m.message}`);
    if (users.list().length === 0) o.log('warn', `Dr-Web: no usable httpUserNameEntry in ${o.snmpdCnf}: nobody can sign in (make a line with ciagent --hash-password NAME)`);
    const after = new Map(users.list().map((u) => [u.name, `${u.role} ${u.hash}`]));
    for (const [name, was] of before) if (after.get(name) !== was) drop?.(name);
  };
  loadUsers();
  const listen = { host: o.address, port: o.port };
  const transport = webTransport(listen, o.cert && o.key ? { certFile: o.cert, keyFile: o.key } : null);
  const logger = agentLogger(o.log);
  const app = await createWebApp({
    product: 'CIAgent Dr-Web',
    users,
    audit: { record: (user, action, detail) => o.log('info', `Dr-Web audit: ${user}: ${action}: ${detail}`) },
    nav: DRWEB_NAV,
    logger,
    sessionSecret: sessionSecret(o.dataDir),
    secureCookies: transport.secureCookies,
    https: transport.https,
    apiTitle: 'CIAgent Dr-Web API',
  });
  const load = new LoadHistory(o.sources, (o.chartEverySeconds ?? 10) * 1000);
  try {
    await app.register(drwebPages, { sources: o.sources, load });
    await app.listen({ host: o.address, port: o.port });
  } catch (e) {
    await app.close();
    throw e;
  }
  load.start();
  const a = app.server.address();
  const port = a && typeof a === 'object' ? a.port : o.port;
  const host = o.address.includes(':') ? `[${o.address}]` : o.address;
  return {
    app,
    users,
    url: `${transport.https ? 'https' : 'http'}://${host}:${port}`,
    reloadUsers: () => loadUsers((name) => app.dropUserSessions(name)),
    async close() {
      load.stop();
      await app.close();
      logger.close();
    },
  };
}

/**
 * The engines of the MIB modules ciagent runs (the same objects their SNMP tables use) and
 * the shared host-data cache; `release` gives the cache back at stop.
 */
export async function agentSources(): Promise<{ sources: DrWebSources; release: () => void }> {
  const host = await acquireHostData();
  return {
    sources: {
      critapp: () => critAppModule.engine,
      logmon: () => logModule.engine,
      events: () => eventModule.engine,
      host: () => host,
      setThresholds: (owner, name, change) => eventModule.setThresholds(owner, name, change),
    },
    release: () => releaseHostData(),
  };
}

/** `ciagent --hash-password NAME LEVEL`: the line to put in snmpd.cnf, or why not. */
export async function hashedUserLine(name: string, level: string, password: string): Promise<{ line: string } | { error: string }> {
  const access = Object.keys(ACCESS_LEVELS).find((k) => k.toLowerCase() === level.toLowerCase());
  if (!access) return { error: `access level '${level}' is not valid; valid: SystemAdmin, Operator, ReadOnly` };
  const line = formatHttpUser({ name, access, reserved: '-', storage: 'nonVolatile', hash: 'x' });
  const checked = parseHttpUsers(line, 'the new line', { isHash: () => true });
  if (checked.messages.length) return { error: checked.messages[0].message };
  const weak = KIT_HASHING.weakness(name, password);
  if (weak) return { error: weak };
  return { line: formatHttpUser({ name, access, reserved: '-', storage: 'nonVolatile', hash: await KIT_HASHING.hash(password) }) };
}
