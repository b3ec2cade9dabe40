// Reading and writing the farm member table (member-schema.ts). A running sipd writes its
// own row every HEARTBEAT_MS (server/farm-members.ts); sysadmin_sps_regroute -f and the
// GUI's Farm/Proxies page read every row. Times are the database's clock (UNIX_TIMESTAMP
// of NOW(3)), so a member's age is measured against one clock, not against each
// member's own; a member's own clock is compared with it separately (clock skew).
import type { RowDataPacket } from 'mysql2/promise';
import type { Queryable } from './schema.js';
import { MEMBER_TABLE } from './member-schema.js';
import { q } from './subscriber-store.js';

/** How often a member writes its row. */
export const HEARTBEAT_MS = 5_000;
/** A row whose heartbeat is older than this many intervals is a member not answering. */
export const MISSED_BEATS = 3;

export type MemberState = 'starting' | 'running' | 'stopping';

/** What a member writes about itself. */
export interface MemberSelf {
  readonly name: string;
  readonly host: string;
  /** "UDP 192.0.2.1:5060": the sockets it listens on and the sent-by it puts in Via. */
  readonly sip: readonly string[];
  readonly pid: number;
  readonly version: string;
  readonly confDigest: string;
  /** Differs per process: tells two sipd that claim one name apart. */
  readonly instance: string;
}

export interface MemberRow extends MemberSelf {
  readonly state: MemberState;
  /** Database time, ms since the epoch. */
  readonly startedMs: number;
  readonly heartbeatMs: number;
  /** The member's clock minus the database's, as it last measured it. */
  readonly clockSkewMs: number;
}

export interface MemberListing {
  /** The database's clock when the rows were read. */
  readonly dbNowMs: number;
  readonly rows: readonly MemberRow[];
}

const DB_NOW = 'CAST(ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED)';

/** True when the row's last heartbeat is recent enough (against the database time `dbNowMs`). */
export function isAnswering(row: Pick<MemberRow, 'heartbeatMs'>, dbNowMs: number, intervalMs = HEARTBEAT_MS): boolean {
  return dbNowMs - row.heartbeatMs <= intervalMs * MISSED_BEATS;
}

/** The state to show: the row's, or "not answering" when its heartbeat is too old. */
export function shownState(row: Pick<MemberRow, 'heartbeatMs' | 'state'>, dbNowMs: number, intervalMs = HEARTBEAT_MS): string {
  if (isAnswering(row, dbNowMs, intervalMs)) return row.state;
  return row.state === 'stopping' ? 'stopped' : 'not answering';
}

function parseSip(text: unknown): string[] {
  try {
    const v: unknown = JSON.parse(String(text));
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return []; // a row edited by hand: no addresses rather than a crash
  }
}

const STATES = new Set<string>(['starting', 'running', 'stopping']);

export class FarmMemberTable {
  private readonly table: string;

  constructor(
    private readonly db: Queryable,
    database: string,
  ) {
    this.table = `${q(database)}.${q(MEMBER_TABLE)}`;
  }

  /** Write this member's row (one statement); `started` is kept while the process (instance) is the same. */
  async beat(me: MemberSelf, state: MemberState, clockSkewMs: number): Promise<void> {
    const skew = Math.max(-2_000_000_000, Math.min(2_000_000_000, Math.round(clockSkewMs)));
    await this.db.query(
      `INSERT INTO ${this.table} (name, host, sip, pid, version, started, heartbeat, state, conf_digest, clock_skew_ms, instance)
VALUES (?, ?, ?, ?, ?, ${DB_NOW}, ${DB_NOW}, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE started = IF(instance = VALUES(instance), started, VALUES(started)), host = VALUES(host), sip = VALUES(sip),
  pid = VALUES(pid), version = VALUES(version), heartbeat = VALUES(heartbeat), state = VALUES(state),
  conf_digest = VALUES(conf_digest), clock_skew_ms = VALUES(clock_skew_ms), instance = VALUES(instance)`,
      [me.name.slice(0, 64), me.host.slice(0, 255), JSON.stringify(me.sip), me.pid, me.version.slice(0, 64), state, me.confDigest, skew, me.instance],
    );
  }

  /** Every row, by name, with the database's clock. */
  async list(): Promise<MemberListing> {
    const rows = await this.db.query<RowDataPacket[]>(
      `SELECT name, host, sip, pid, version, started, heartbeat, state, conf_digest, clock_skew_ms, instance, ${DB_NOW} AS db_now FROM ${this.table} ORDER BY name`,
    );
    const nowRows = rows.length ? rows : await this.db.query<RowDataPacket[]>(`SELECT ${DB_NOW} AS db_now`);
    return {
      dbNowMs: Number(nowRows[0].db_now),
      rows: rows.map((r) => ({
        name: String(r.name),
        host: String(r.host),
        sip: parseSip(r.sip),
        pid: Number(r.pid),
        version: String(r.version),
        confDigest: String(r.conf_digest),
        instance: String(r.instance),
        state: (STATES.has(String(r.state)) ? String(r.state) : 'running') as MemberState,
        startedMs: Number(r.started),
        heartbeatMs: Number(r.heartbeat),
        clockSkewMs: Number(r.clock_skew_ms),
      })),
    };
  }
}
