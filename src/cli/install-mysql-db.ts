// install_mysql_db — creates the sip database and its subscriber table (Appendix B: "If a
// MySQL subscriber table does not exist … create one, using the install_mysql_db script"),
// or brings an existing one up to the current schema. Safe to run again.
//
//   install_mysql_db [--conf FILE] [--host H[:PORT]] [--admin-user root] [--admin-password-stdin]
//                    [--db NAME] [--table NAME] [--create-user]
//
// Names, host and the sipd account come from sipd.conf (DB_MySQL_*); the options override
// them. The administrator's password is read from MYSQL_PWD or, with
// --admin-password-stdin, from the first line of standard input. --create-user also
// creates the account named by DB_MySQL_Username (password DB_MySQL_Password) and lets it
// read and write the database's tables, which is all sipd and sysadmin_mysql_user need.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { formatMessage, loadConfigFile, parseConfig } from '../server/config.js';
import { DEFAULT_CONFIG_FILE, versionText } from '../common/install.js';
import { MySqlPool, endpointText, parseMySqlHost } from '../stores/mysql/pool.js';
import type { MySqlEndpoint } from '../stores/mysql/pool.js';
import { mysqlTlsFromConfig } from '../stores/mysql/tls.js';
import type { MySqlTls } from '../stores/mysql/tls.js';
import { installSchema } from '../stores/mysql/schema.js';
import { LOCATION_LOG_TABLE, LOCATION_TABLE, installLocationSchema } from '../stores/mysql/location-schema.js';
import { ROUTE_GENERATION_TABLE, ROUTE_LOG_TABLE, ROUTE_TABLE, installRouteSchema } from '../stores/mysql/route-schema.js';
import { FARM_CONFIG_HEAD_TABLE, FARM_CONFIG_OUTCOME_TABLE, FARM_CONFIG_TABLE, installFarmConfigSchema } from '../stores/mysql/farm-config-schema.js';
import { MEMBER_TABLE, installMemberSchema } from '../stores/mysql/member-schema.js';
import { columnsFromConfig, q } from '../stores/mysql/subscriber-store.js';
import type { SubscriberColumns } from '../stores/mysql/subscriber-store.js';
import { guideMessage } from './sysadmin-mysql-user.js';

const USAGE = 'usage: install_mysql_db [--conf FILE] [--host H[:PORT]] [--admin-user USER] [--admin-password-stdin] [--db NAME] [--table NAME] [--create-user]\n       install_mysql_db --help | --version';
const IDENT = /^[A-Za-z_][A-Za-z0-9_$]{0,63}$/;

export interface InstallDbOptions {
  readonly server: MySqlEndpoint;
  /** The account that creates things (root, or one with CREATE and, for `account`, GRANT rights). */
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly database: string;
  readonly table: string;
  readonly columns?: SubscriberColumns;
  /** Also create this account (or reset its password) with read/write rights on the database. */
  readonly account?: { readonly user: string; readonly password: string };
  readonly timeoutMs: number;
  /** DB_MySQL_TLS's settings; plain TCP when undefined. */
  readonly tls?: MySqlTls;
  /** Told each line as soon as it is done (so a later failure still shows what was done). */
  readonly progress?: (line: string) => void;
}

/**
 * Create or upgrade the database and its tables, and optionally sipd's account: what
 * install_mysql_db does, callable by sps_setup. Safe to repeat. Returns one line per thing
 * done (or an "up to date" line); MySQL errors are thrown as they come (format them with
 * guideMessage).
 */
export async function installMySqlDb(o: InstallDbOptions): Promise<string[]> {
  for (const n of [o.database, o.table]) {
    if (!IDENT.test(n)) throw new Error(`"${n}" is not a valid SQL name: start with a letter or _, then letters, digits, _ or $`);
  }
  if ([LOCATION_TABLE, LOCATION_LOG_TABLE, ROUTE_TABLE, ROUTE_GENERATION_TABLE, ROUTE_LOG_TABLE, MEMBER_TABLE, FARM_CONFIG_TABLE, FARM_CONFIG_HEAD_TABLE, FARM_CONFIG_OUTCOME_TABLE].includes(o.table)) {
    throw new Error(`the subscriber table cannot be named ${o.table}: that name is the farm's (registry, routes, members or configuration); choose another DB_MySQL_SubscriberTable`);
  }
  const pool = new MySqlPool({ primary: o.server, user: o.adminUser, password: o.adminPassword, timeoutMs: o.timeoutMs, ...(o.tls && { tls: o.tls }), log: () => undefined });
  try {
    const lines: string[] = [];
    const done = (l: string) => {
      lines.push(l);
      o.progress?.(l);
    };
    const r = await installSchema(pool, { database: o.database, table: o.table, ...(o.columns && { columns: o.columns }) });
    for (const l of r.steps.length ? r.steps : [`${o.database}.${o.table} is up to date (schema version ${r.to})`]) done(l);
    for (const l of await installLocationSchema(pool, o.database)) done(l);
    for (const l of await installRouteSchema(pool, o.database)) done(l);
    for (const l of await installMemberSchema(pool, o.database)) done(l);
    for (const l of await installFarmConfigSchema(pool, o.database)) done(l);
    if (o.account) {
      const { user, password } = o.account;
      await pool.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, '%', password]);
      await pool.query('ALTER USER ?@? IDENTIFIED BY ?', [user, '%', password]);
      await pool.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${q(o.database)}.* TO ?@?`, [user, '%']);
      done(`account ${user} may read and write ${o.database}.*`);
    }
    return lines;
  } finally {
    await pool.close();
  }
}

async function firstLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const l of rl) return l;
    return '';
  } finally {
    rl.close();
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const opts = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--create-user' || t === '--admin-password-stdin' || t === '--help' || t === '--version') flags.add(t.slice(2));
    else if (['--conf', '--host', '--admin-user', '--db', '--table'].includes(t) && argv[i + 1] !== undefined) opts.set(t.slice(2), argv[++i]);
    else {
      process.stderr.write(`install_mysql_db: unexpected argument "${t}"\n${USAGE}\n`);
      return 2;
    }
  }
  if (flags.has('help') || flags.has('version')) {
    process.stdout.write(flags.has('help') ? `${USAGE}\n` : versionText('install_mysql_db'));
    return 0;
  }
  const file = opts.get('conf') ?? DEFAULT_CONFIG_FILE;
  const loaded = opts.has('conf') || existsSync(file) ? loadConfigFile(file) : parseConfig('', file);
  if (!loaded.ok) {
    process.stderr.write(loaded.errors.map(formatMessage).join('\n') + '\n');
    return 2;
  }
  const v = loaded.config.values;
  const database = opts.get('db') ?? v.DB_MySQL_DB;
  const table = opts.get('table') ?? v.DB_MySQL_SubscriberTable;
  for (const n of [database, table]) {
    if (!IDENT.test(n)) {
      process.stderr.write(`install_mysql_db: "${n}" is not a valid SQL name: start with a letter or _, then letters, digits, _ or $\n`);
      return 2;
    }
  }
  const server = parseMySqlHost(opts.get('host') ?? v.DB_MySQL_HostName);
  const password = flags.has('admin-password-stdin') ? await firstLine() : (process.env.MYSQL_PWD ?? '');
  if (flags.has('create-user') && (!v.DB_MySQL_Username || !v.DB_MySQL_Password)) {
    process.stderr.write('install_mysql_db: --create-user needs DB_MySQL_Username and DB_MySQL_Password in sipd.conf\n');
    return 2;
  }
  try {
    const tls = mysqlTlsFromConfig(loaded.config);
    await installMySqlDb({
      server,
      adminUser: opts.get('admin-user') ?? 'root',
      adminPassword: password,
      database,
      table,
      columns: columnsFromConfig(v),
      ...(flags.has('create-user') && { account: { user: v.DB_MySQL_Username!, password: v.DB_MySQL_Password! } }),
      timeoutMs: Math.max(v.DB_MySQL_Connect_Timeout, 10) * 1000,
      ...(tls && { tls }),
      progress: (l) => process.stdout.write(`install_mysql_db: ${l}\n`),
    });
    process.stdout.write(`install_mysql_db: done on ${endpointText(server)}\n`);
    return 0;
  } catch (e) {
    const known = guideMessage(e, { server, database, table });
    process.stderr.write(`install_mysql_db: ${known.startsWith('ERROR: ') ? known.slice(7) : known}\n`);
    return 1;
  }
}

const entry = path.basename(process.argv[1] ?? '');
if (entry === 'install_mysql_db' || entry === 'install-mysql-db.js') process.exitCode = await main(process.argv.slice(2));
