// sysadmin_mysql_user — the guide's MySQL database tool (Appendix C): show, list, add,
// change and remove subscribers. Interactive by default: it asks for the MySQL host, user,
// password, database and table (defaults from sipd.conf), then shows the main menu; lines
// are read from standard input one at a time, so a script can drive it too. With a
// command it runs that one operation and exits:
//
//   sysadmin_mysql_user [--conf FILE] [connection options]               the menu
//   sysadmin_mysql_user [--conf FILE] [connection options] show   --user ID [--domain D]
//                                                          list   [--detail]
//                                                          add    --user ID [--domain D] [fields]
//                                                          modify --user ID [--domain D] [fields]
//                                                          remove --user ID [--domain D]
//                                                          import --file CSV | export --file CSV
//   fields: --password-stdin | --password P, --cfu/--cfb/--cfna/--cfunv URL ('' clears),
//           --first/--middle/--last NAME, --privacy yes|no, --realm R (default AuthRealm)
//   connection: --host H[:PORT] --db-user U --db NAME --table NAME --timeout SECONDS;
//           the MySQL password comes from MYSQL_PWD or DB_MySQL_Password; --embedded uses
//           the embedded store (the default when sipd.conf has DB_MySQL Off).
//
// Exit status: 0 done, 1 the operation failed (message on standard error), 2 usage.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { formatMessage, loadConfigFile, parseConfig } from '../server/config.js';
import type { Config } from '../config/loader.js';
import { DEFAULT_CONFIG_FILE, versionText } from '../common/install.js';
import { EmbeddedSubscriberStore } from '../stores/embedded/subscriber-store.js';
import { MySqlPool, endpointText, parseMySqlHost } from '../stores/mysql/pool.js';
import type { MySqlEndpoint } from '../stores/mysql/pool.js';
import { describeTlsError, mysqlTlsFromConfig } from '../stores/mysql/tls.js';
import { MySqlSubscriberStore, columnsFromConfig, q } from '../stores/mysql/subscriber-store.js';
import { makeSecret } from '../stores/secret.js';
import { embeddedSubscriberDir } from '../stores/open.js';
import {
  FORWARD_FIELDS,
  StoreUnavailableError,
  SubscriberValidationError,
  emptySubscriber,
  forwardUrlProblem,
  userIdProblem,
} from '../stores/subscriber-store.js';
import type { ForwardField, SearchableSubscriberStore, Subscriber } from '../stores/subscriber-store.js';
import { exportSubscriberFile, importSubscriberFile } from './sysadmin-mysql-user/bulk.js';

const USAGE = `usage: sysadmin_mysql_user [--conf FILE] [--host H[:PORT]] [--db-user U] [--db NAME] [--table NAME] [--embedded]
         [show|list|add|modify|remove|import|export] [--user ID] [--domain D] [--detail] [--file CSV]
         [--password-stdin|--password P] [--cfu|--cfb|--cfna|--cfunv URL] [--first|--middle|--last NAME] [--privacy yes|no] [--realm R]
Without a command it shows the MySQL Database menu and reads choices from standard input.
--help and --version print this text or the OpenSPS version.`;

class UsageError extends Error {}

interface Args {
  conf?: string;
  command?: 'show' | 'list' | 'add' | 'modify' | 'remove' | 'import' | 'export';
  opts: Map<string, string>;
  flags: Set<string>;
}

const VALUE_OPTS = new Set(['conf', 'host', 'db-user', 'db', 'table', 'timeout', 'user', 'domain', 'password', 'cfu', 'cfb', 'cfna', 'cfunv', 'first', 'middle', 'last', 'privacy', 'realm', 'file']);
const FLAG_OPTS = new Set(['detail', 'password-stdin', 'embedded', 'help', 'version']);
const COMMANDS = new Set(['show', 'list', 'add', 'modify', 'remove', 'import', 'export']);

export function parseArgs(argv: readonly string[]): Args {
  const a: Args = { opts: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      const name = t.slice(2, eq < 0 ? undefined : eq);
      if (FLAG_OPTS.has(name) && eq < 0) a.flags.add(name);
      else if (VALUE_OPTS.has(name)) {
        const v = eq >= 0 ? t.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        a.opts.set(name, v);
      } else throw new UsageError(`unknown option ${t}`);
    } else if (COMMANDS.has(t) && !a.command) a.command = t as Args['command'];
    else throw new UsageError(`unexpected argument "${t}"`);
  }
  const conf = a.opts.get('conf');
  if (conf !== undefined) a.conf = conf;
  return a;
}

// ---- input and output ----

export interface Io {
  /** The next line of input; undefined at its end. */
  line(): Promise<string | undefined>;
  out(text: string): void;
  err(text: string): void;
}

function stdio(): Io & { close(): void } {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const it = rl[Symbol.asyncIterator]();
  return {
    line: async () => {
      const r = await it.next();
      return r.done ? undefined : r.value;
    },
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    close: () => rl.close(),
  };
}

// ---- messages in the guide's words ----

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'PROTOCOL_CONNECTION_LOST']);

/** The message for an error, as Appendix C prints it ("Error 1045: Access denied … Operation failed."). */
export function guideMessage(e: unknown, where: { server?: MySqlEndpoint; database: string; table: string }): string {
  if (e instanceof SubscriberValidationError) return `ERROR: ${e.message}`;
  const cause = (e instanceof StoreUnavailableError ? e.cause : e) as { errno?: number; code?: string; sqlMessage?: string; message?: string } | undefined;
  const server = where.server ? endpointText(where.server) : 'localhost';
  if (cause && typeof cause.errno === 'number' && cause.sqlMessage) {
    if (cause.errno === 1146 || cause.errno === 1049) {
      return `Error 1116: Table '${where.database}.${where.table}' doesn't exist. Operation failed. (MySQL: Error ${cause.errno}: ${cause.sqlMessage}) Enter a valid name or install the database (install_mysql_db).`;
    }
    if (cause.errno === 1045 || cause.errno === 1044) return `Error ${cause.errno}: ${cause.sqlMessage}. Operation failed. Enter a user name and password that may use the database.`;
    return `Error ${cause.errno}: ${e instanceof StoreUnavailableError && cause.errno === 1047 ? e.message : cause.sqlMessage}. Operation failed.`;
  }
  // MySQL's own client calls a failed TLS set-up error 2026.
  const tlsProblem = describeTlsError(cause);
  if (tlsProblem) return `Error 2026: SSL connection error on '${server}': ${tlsProblem}. Operation failed.`;
  if (cause && (CONNECT_CODES.has(cause.code ?? '') || e instanceof StoreUnavailableError)) {
    return `Error 2002: Can't connect to MySQL server on '${server}' (${cause.code ?? cause.message ?? 'no answer'}). Operation failed. Is MySQL installed and running there?`;
  }
  if (e instanceof StoreUnavailableError) return `ERROR: ${e.message}`;
  return `ERROR: ${(e as Error)?.message ?? String(e)}`;
}

// ---- the store to work on ----

interface Target {
  readonly store: SearchableSubscriberStore;
  readonly describe: string;
  /** Fails with the guide's message when the table cannot be used. */
  check(): Promise<void>;
  readonly where: { server?: MySqlEndpoint; database: string; table: string };
}

interface Conn {
  host: string;
  user: string;
  password: string;
  database: string;
  table: string;
}

function mysqlTarget(config: Config, c: Conn, timeoutSeconds: number): Target {
  const server = parseMySqlHost(c.host);
  const pool = new MySqlPool({ primary: server, user: c.user, password: c.password, timeoutMs: timeoutSeconds * 1000, tls: mysqlTlsFromConfig(config), retryMs: 500, log: () => undefined });
  const store = new MySqlSubscriberStore({ pool, database: c.database, table: c.table, columns: columnsFromConfig(config.values), log: () => undefined });
  return {
    store,
    describe: `${c.database}.${c.table} on ${endpointText(server)}`,
    where: { server, database: c.database, table: c.table },
    check: async () => {
      await pool.query(`SELECT 1 FROM ${q(c.database)}.${q(c.table)} LIMIT 1`);
    },
  };
}

async function embeddedTarget(config: Config): Promise<Target> {
  const dir = embeddedSubscriberDir(config);
  const store = await EmbeddedSubscriberStore.open({ dir, log: () => undefined });
  return { store, describe: `embedded store in ${dir}`, where: { database: 'embedded', table: 'subscribers' }, check: async () => undefined };
}

function loadConfig(file: string | undefined): Config {
  const f = file ?? DEFAULT_CONFIG_FILE;
  const r = file !== undefined || existsSync(f) ? loadConfigFile(f) : parseConfig('', f);
  if (!r.ok) throw new UsageError(r.errors.map(formatMessage).join('\n'));
  return r.config;
}

// ---- field helpers ----

const FORWARD_LABEL: Record<ForwardField, string> = { cfu: 'call forward unconditional', cfb: 'call forward busy', cfna: 'call forward no answer', cfunv: 'call forward unavailable' };

export function formatSubscriber(s: Subscriber): string {
  const lines = [
    `  user_id:             ${s.user}`,
    `  domain:              ${s.domain || '-'}`,
    `  password:            ${s.secret ? '****' : '(none)'}`,
    `  first_name:          ${s.firstName}`,
    `  middle_name:         ${s.middleName}`,
    `  last_name:           ${s.lastName}`,
    ...FORWARD_FIELDS.map(([k, col]) => `  ${(col + ':').padEnd(20)} ${s[k]}`),
    `  redirect_dn_privacy: ${s.redirectDnPrivacy ? 'yes' : 'no'}`,
  ];
  return lines.join('\n') + '\n';
}

const who = (user: string, domain: string) => (domain ? `${user}@${domain}` : user);

function yesNo(v: string): boolean {
  if (/^(y|yes|1|on|true)$/i.test(v)) return true;
  if (/^(n|no|0|off|false)$/i.test(v)) return false;
  throw new SubscriberValidationError(`Invalid redirect_dn_privacy value "${v}": answer yes or no.`, 'redirect_dn_privacy');
}

// ---- non-interactive commands ----

async function runCommand(a: Args, t: Target, realm: string, io: Io): Promise<number> {
  if (a.command === 'import' || a.command === 'export') {
    const file = a.opts.get('file');
    if (!file) throw new UsageError(`${a.command} needs --file CSV`);
    return a.command === 'import' ? importSubscriberFile(t.store, file, realm, io) : exportSubscriberFile(t.store, file, io);
  }
  const user = a.opts.get('user') ?? '';
  const domain = (a.opts.get('domain') ?? '').toLowerCase();
  if (a.command !== 'list' && !user) throw new UsageError(`${a.command} needs --user ID`);
  if (a.command !== 'list') {
    const why = userIdProblem(user);
    if (why) throw new SubscriberValidationError(`Invalid user_id syntax: "${user}": ${why}.`, 'user_id');
  }
  switch (a.command) {
    case 'show': {
      const s = await t.store.get(user, domain);
      if (!s) {
        io.err(`No subscriber ${who(user, domain)}.\n`);
        return 1;
      }
      io.out(formatSubscriber(s));
      return 0;
    }
    case 'list': {
      const all = await t.store.list();
      for (const s of all) io.out(a.flags.has('detail') ? `${who(s.user, s.domain)}\n${formatSubscriber(s)}` : `${who(s.user, s.domain)}\n`);
      io.out(`${all.length} subscriber${all.length === 1 ? '' : 's'}\n`);
      return 0;
    }
    case 'add':
    case 'modify': {
      const base = a.command === 'add' ? emptySubscriber(user, domain) : await t.store.get(user, domain);
      if (!base) {
        io.err(`ERROR: No subscriber ${who(user, domain)}.\n`);
        return 1;
      }
      let s: Subscriber = { ...base };
      let password = a.opts.get('password');
      if (a.flags.has('password-stdin')) password = (await io.line()) ?? '';
      if (password !== undefined) s = { ...s, secret: password ? makeSecret(user, realm, password) : undefined };
      for (const [k] of FORWARD_FIELDS) {
        const v = a.opts.get(k);
        if (v !== undefined) s = { ...s, [k]: v };
      }
      for (const [opt, key] of [['first', 'firstName'], ['middle', 'middleName'], ['last', 'lastName']] as const) {
        const v = a.opts.get(opt);
        if (v !== undefined) s = { ...s, [key]: v };
      }
      const p = a.opts.get('privacy');
      if (p !== undefined) s = { ...s, redirectDnPrivacy: yesNo(p) };
      if (a.command === 'add') await t.store.add(s);
      else await t.store.update(s);
      io.out(`${a.command === 'add' ? 'Added' : 'Modified'} subscriber ${who(user, domain)}.\n`);
      return 0;
    }
    case 'remove': {
      const gone = await t.store.remove(user, domain);
      if (!gone) {
        io.err(`ERROR: No subscriber ${who(user, domain)}.\n`);
        return 1;
      }
      io.out(`Removed subscriber ${who(user, domain)}.\n`);
      return 0;
    }
  }
  return 2;
}

// ---- the menu ----

class Ended extends Error {}

class Menu {
  constructor(
    private readonly io: Io,
    private readonly t: Target,
    private readonly realm: string,
  ) {}

  private async ask(prompt: string, def?: string): Promise<string> {
    this.io.out(def !== undefined && def !== '' ? `${prompt} [${def}]: ` : `${prompt}: `);
    const l = await this.io.line();
    if (l === undefined) throw new Ended();
    const v = l.trim();
    // The guide: Enter or * takes the default.
    return (v === '' || v === '*') && def !== undefined ? def : v;
  }

  private fail(e: unknown): void {
    if (e instanceof Ended) throw e;
    this.io.out(`${guideMessage(e, this.t.where)}\n`);
  }

  private async askUser(): Promise<{ user: string; domain: string } | undefined> {
    const user = await this.ask('Subscriber ID <user_id>');
    const why = userIdProblem(user);
    if (why) {
      this.io.out(`ERROR: Invalid user_id syntax: "${user}": ${why}.\n`);
      return undefined;
    }
    const domain = (await this.ask('Domain name (- for none)', '-')).toLowerCase();
    return { user, domain: domain === '-' ? '' : domain };
  }

  async run(): Promise<void> {
    for (;;) {
      this.io.out(
        `\nMySQL Database main menu (${this.t.describe})\n` +
          '  S  show subscriber <user_id>\n' +
          '  L  list all subscribers\n' +
          '  A  add subscriber <user_id>\n' +
          '  M  modify subscriber <user_id>\n' +
          '  R  remove subscriber <user_id>\n' +
          '  X  exit\n',
      );
      const choice = (await this.ask('Select')).toUpperCase();
      try {
        if (choice === 'X' || choice === 'Q') return;
        else if (choice === 'S') {
          const k = await this.askUser();
          if (!k) continue;
          const s = await this.t.store.get(k.user, k.domain);
          this.io.out(s ? formatSubscriber(s) : `No subscriber ${who(k.user, k.domain)}.\n`);
        } else if (choice === 'L') {
          const detail = /^y/i.test(await this.ask('Details for each subscriber? (Y/N)', 'N'));
          await this.list(detail);
        } else if (choice === 'A') {
          const k = await this.askUser();
          if (!k) continue;
          await this.t.store.add(emptySubscriber(k.user, k.domain));
          this.io.out(`Added subscriber ${who(k.user, k.domain)}.\n`);
          await this.edit(k.user, k.domain);
        } else if (choice === 'M') {
          const k = await this.askUser();
          if (!k) continue;
          if (!(await this.t.store.get(k.user, k.domain))) this.io.out(`ERROR: No subscriber ${who(k.user, k.domain)}.\n`);
          else await this.edit(k.user, k.domain);
        } else if (choice === 'R') {
          const k = await this.askUser();
          if (!k) continue;
          const gone = await this.t.store.remove(k.user, k.domain);
          this.io.out(gone ? `Removed subscriber ${who(k.user, k.domain)}.\n` : `ERROR: No subscriber ${who(k.user, k.domain)}.\n`);
          if (gone) await this.list(false);
        } else if (choice) this.io.out(`"${choice}" is not a choice: type S, L, A, M, R or X.\n`);
      } catch (e) {
        this.fail(e);
      }
    }
  }

  private async list(detail: boolean): Promise<void> {
    const all = await this.t.store.list();
    for (const s of all) this.io.out(detail ? `${who(s.user, s.domain)}\n${formatSubscriber(s)}` : `  ${who(s.user, s.domain)}\n`);
    this.io.out(`${all.length} subscriber${all.length === 1 ? '' : 's'}\n`);
  }

  /** The subscriber's own menu: each choice is written at once. */
  private async edit(user: string, domain: string): Promise<void> {
    const keys: Record<string, ForwardField> = { B: 'cfb', N: 'cfna', U: 'cfu', V: 'cfunv' };
    for (;;) {
      this.io.out(
        `\nSubscriber ${who(user, domain)}\n` +
          '  P  password <password>\n' +
          '  B  call forward busy <URL>\n' +
          '  N  call forward no answer <URL>\n' +
          '  U  call forward unconditional <URL>\n' +
          '  V  call forward unavailable <URL>\n' +
          '  F  first, middle and last name\n' +
          '  D  redirect DN privacy <Y/N>\n' +
          '  S  show this subscriber\n' +
          '  X  back to the main menu\n',
      );
      const choice = (await this.ask('Select')).toUpperCase();
      if (choice === 'X' || choice === 'Q') return;
      try {
        const s = await this.t.store.get(user, domain);
        if (!s) {
          this.io.out(`ERROR: No subscriber ${who(user, domain)} (removed meanwhile?).\n`);
          return;
        }
        let next: Subscriber | undefined;
        if (choice === 'P') {
          const pw = await this.ask('Password <password>');
          next = { ...s, secret: pw ? makeSecret(user, this.realm, pw) : undefined };
        } else if (keys[choice]) {
          const k = keys[choice];
          const url = await this.ask(`${FORWARD_LABEL[k]} <URL> (- to clear)`, s[k] || undefined);
          const v = url === '-' ? '' : url;
          const why = forwardUrlProblem(v);
          if (why) {
            const col = FORWARD_FIELDS.find(([f]) => f === k)![1];
            this.io.out(`ERROR: Invalid ${col} syntax: "${v}": ${why}.\n`);
            continue;
          }
          next = { ...s, [k]: v };
        } else if (choice === 'F') {
          next = {
            ...s,
            firstName: await this.ask('First name', s.firstName || undefined),
            middleName: await this.ask('Middle name', s.middleName || undefined),
            lastName: await this.ask('Last name', s.lastName || undefined),
          };
        } else if (choice === 'D') {
          next = { ...s, redirectDnPrivacy: yesNo(await this.ask('Redirect DN privacy (Y/N)', s.redirectDnPrivacy ? 'Y' : 'N')) };
        } else if (choice === 'S') {
          this.io.out(formatSubscriber(s));
        } else if (choice) this.io.out(`"${choice}" is not a choice: type P, B, N, U, V, F, D, S or X.\n`);
        if (next) {
          await this.t.store.update(next);
          this.io.out(`Modified subscriber ${who(user, domain)}.\n`);
        }
      } catch (e) {
        this.fail(e);
      }
    }
  }
}

// ---- main ----

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let target: Target | undefined;
  try {
    const a = parseArgs(argv);
    if (a.flags.has('help') || a.flags.has('version')) {
      io.out(a.flags.has('help') ? `${USAGE}\n` : versionText('sysadmin_mysql_user'));
      return 0;
    }
    const config = loadConfig(a.conf);
    const v = config.values;
    const realm = a.opts.get('realm') ?? v.AuthRealm;
    const useMysql = !a.flags.has('embedded') && (v.DB_MySQL || a.opts.has('host'));
    const timeout = Number(a.opts.get('timeout') ?? v.DB_MySQL_Connect_Timeout);
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 60) throw new UsageError('--timeout takes whole seconds from 1 to 60');
    const conn: Conn = {
      host: a.opts.get('host') ?? v.DB_MySQL_HostName,
      user: a.opts.get('db-user') ?? v.DB_MySQL_Username ?? 'root',
      password: process.env.MYSQL_PWD ?? v.DB_MySQL_Password ?? '',
      database: a.opts.get('db') ?? v.DB_MySQL_DB,
      table: a.opts.get('table') ?? v.DB_MySQL_SubscriberTable,
    };
    if (!a.command && useMysql) {
      // The guide's start: host, user, password, database and table, defaults from sipd.conf.
      const ask = async (prompt: string, def: string, secret = false) => {
        io.out(def ? `${prompt} [${secret ? '****' : def}]: ` : `${prompt}: `);
        const l = await io.line();
        if (l === undefined) throw new Ended();
        const t = l.trim();
        return t === '' || t === '*' ? def : t;
      };
      conn.host = await ask('MySQL host name', conn.host);
      conn.user = await ask('MySQL user name', conn.user);
      conn.password = await ask('MySQL password', conn.password, true);
      conn.database = await ask('Database name', conn.database);
      conn.table = await ask('Table name', conn.table);
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_$]{0,63}$/;
    if (!ident.test(conn.database) || !ident.test(conn.table)) {
      throw new UsageError(`"${ident.test(conn.database) ? conn.table : conn.database}" is not a valid SQL name: start with a letter or _, then letters, digits, _ or $`);
    }
    target = useMysql ? mysqlTarget(config, conn, timeout) : await embeddedTarget(config);
    try {
      await target.check();
    } catch (e) {
      io.err(`${guideMessage(e, target.where)}\n`);
      return 1;
    }
    if (!a.command) {
      await new Menu(io, target, realm).run();
      return 0;
    }
    return await runCommand(a, target, realm, io);
  } catch (e) {
    if (e instanceof Ended) return 0;
    if (e instanceof UsageError) {
      io.err(`sysadmin_mysql_user: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    io.err(`${guideMessage(e, target?.where ?? { database: 'sip', table: 'subscriber' })}\n`);
    return 1;
  } finally {
    await target?.store.close();
  }
}

const entry = path.basename(process.argv[1] ?? '');
if (entry === 'sysadmin_mysql_user' || entry === 'sysadmin-mysql-user.js') {
  const io = stdio();
  process.exitCode = await main(process.argv.slice(2), io);
  io.close();
}
