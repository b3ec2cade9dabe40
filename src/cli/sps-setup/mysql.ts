// sps_setup's MySQL step: whether sipd's account already sees the subscriber table (the
// default of mysql_create_db), and creating or upgrading the database, its tables and
// sipd's account with install_mysql_db's code.
import type { RowDataPacket } from 'mysql2/promise';
import { MySqlPool, endpointText } from '../../stores/mysql/pool.js';
import type { MySqlEndpoint } from '../../stores/mysql/pool.js';
import type { MySqlTls } from '../../stores/mysql/tls.js';
import { q } from '../../stores/mysql/subscriber-store.js';
import type { SubscriberColumns } from '../../stores/mysql/subscriber-store.js';
import { installMySqlDb } from '../install-mysql-db.js';
import { guideMessage } from '../sysadmin-mysql-user.js';
import { byAdmin } from './questions.js';
import type { Answers } from './questions.js';

export interface DbPlace {
  readonly server: MySqlEndpoint;
  readonly database: string;
  readonly table: string;
  readonly timeoutMs: number;
  /** DB_MySQL_TLS's settings, as sipd will connect. */
  readonly tls?: MySqlTls;
}

function sipdPool(a: Answers, p: DbPlace): MySqlPool {
  return new MySqlPool({ primary: p.server, user: a.mysql_user ?? '', password: a.mysql_password ?? '', timeoutMs: p.timeoutMs, ...(p.tls && { tls: p.tls }), log: () => undefined });
}

/** The default of mysql_create_db: no when sipd's account already sees the subscriber table. */
export async function probeTable(a: Answers, p: DbPlace): Promise<{ answer: 'yes' | 'no'; note: string }> {
  const pool = sipdPool(a, p);
  const where = `${p.database}.${p.table} on ${endpointText(p.server)}`;
  try {
    const rows = await pool.query<RowDataPacket[]>('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [p.database, p.table]);
    return rows.length
      ? { answer: 'no', note: `${where} exists already; yes only upgrades it when this release needs that, and keeps every row` }
      : { answer: 'yes', note: `${where} does not exist yet` };
  } catch (e) {
    return { answer: 'yes', note: `${a.mysql_user} cannot use ${where} yet: ${guideMessage(e, p)}` };
  } finally {
    await pool.close();
  }
}

/**
 * install_mysql_db's work, as the administrator (creating sipd's account too) or as sipd's
 * own account; then a read as sipd's account, so that a setup that passes is one sipd can
 * use. Each line done goes to `report` as it happens. Throws the guide's message on failure.
 */
export async function createDatabase(a: Answers, p: DbPlace, columns: SubscriberColumns, report: (line: string) => void): Promise<void> {
  const admin = byAdmin(a);
  try {
    await installMySqlDb({
      server: p.server,
      adminUser: admin ? a.mysql_admin_user! : a.mysql_user!,
      adminPassword: admin ? (a.mysql_admin_password ?? '') : (a.mysql_password ?? ''),
      database: p.database,
      table: p.table,
      columns,
      ...(admin && { account: { user: a.mysql_user!, password: a.mysql_password! } }),
      timeoutMs: p.timeoutMs,
      ...(p.tls && { tls: p.tls }),
      progress: report,
    });
  } catch (e) {
    throw new Error(`as ${admin ? a.mysql_admin_user : a.mysql_user}: ${guideMessage(e, p)}`);
  }
  const pool = sipdPool(a, p);
  try {
    const rows = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${q(p.database)}.${q(p.table)}`);
    const n = Number(rows[0]?.n ?? 0);
    report(`${a.mysql_user} can read ${p.database}.${p.table} (${n} subscriber${n === 1 ? '' : 's'})`);
  } catch (e) {
    throw new Error(`the database is ready, but sipd's account ${a.mysql_user} cannot use it: ${guideMessage(e, p)}`);
  } finally {
    await pool.close();
  }
}
