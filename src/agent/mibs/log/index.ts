// LOG-MIB (logagt): siLogTable and siLogGlobalPollInterval over the logmon engine.
//
// Cells are read live from the engine (siLogSize is the size at the last poll). Rows come
// from logagt.cnf (configDir/logagt.cnf) and may be created or destroyed over SNMP; a SET
// of a writable column is handed to the engine once the SET has committed.
// Notifications: siLogMatchFound per matching line (siLogMatchTrap yes; the engine caps
// them per poll), siLogMaxSizeReached once per crossing of siLogMaxSize (siLogMaxSizeTrap).
import path from 'node:path';
import type { AgentContext, AgentModule, CellSet, IndexValue, SetError, SetPhase, SnmpValue, Varbind } from '../../mib-module.js';
import { OID } from '../../oids.js';
import { asNumber, asText, createdRow, syncEngineRows, truthValue } from '../engine-table.js';
import { tableDefFromMib } from '../../mib-tables.js';
import type { MibTableDef } from '../../mib-tables.js';
import { checkRegex, loadLogagtCnf } from './logagt-cnf.js';
import type { SiLogConfig } from './logagt-cnf.js';
import { formatEntryMessage } from '../../cnf/entry-lines.js';
import { LogMonEngine } from './engine.js';
import type { LogMonOptions, SiLogRow } from './engine.js';

const ENTRY = OID.siLogEntry;
const GAUGE_MAX = 4294967295;
const ROW_ACTIVE = 1;
const ROW_NOT_IN_SERVICE = 2;
const ROW_NOT_READY = 3;

/** Column numbers of siLogEntry (mibs/LOG-MIB). */
export const SILOG_COL = {
  index: 1,
  descr: 2,
  path: 3,
  regex: 4,
  matchStart: 5,
  matchStop: 6,
  matchCount: 7,
  matchCommand: 8,
  matchTrap: 9,
  size: 10,
  maxSize: 11,
  maxSizeCommand: 12,
  maxSizeTrap: 13,
  pollInterval: 14,
  owner: 15,
  lastMatch: 16,
  rowStatus: 17,
} as const;

/** siLogTable as LOG-MIB defines it, read once on first use. */
let logTable: MibTableDef | undefined;
function siLogTable(): MibTableDef {
  logTable ??= tableDefFromMib('LOG-MIB', 'siLogTable', {
    columns: {
      // No DEFVAL in the MIB: a row created over SNMP starts with empty text (siLogPath's
      // SIZE (1..255) then keeps it notReady until a path is set).
      siLogDescr: { defVal: '' },
      siLogPath: { defVal: '' },
      siLogOwner: { defVal: '' },
      // Read-only text the engine fills; set-checks.ts checks the RowStatus values.
      siLogLastMatch: { constraints: null },
      siLogRowStatus: { constraints: null },
    },
  });
  return logTable;
}

export interface LogModuleOptions {
  /** Default: <configDir>/logagt.cnf. */
  configFile?: string;
  engine?: LogMonOptions;
}


/** The value of one cell, from the engine's row. */
export function siLogCell(r: SiLogRow, column: number, rowStatus = ROW_ACTIVE): SnmpValue {
  switch (column) {
    case 1: return r.index;
    case 2: return r.descr;
    case 3: return r.path;
    case 4: return r.regex;
    case 5: return r.matchStart;
    case 6: return r.matchStop;
    case 7: return r.matchCount;
    case 8: return r.matchCommand;
    case 9: return truthValue(r.matchTrap);
    case 10: return Math.min(r.size, GAUGE_MAX);
    case 11: return r.maxSize;
    case 12: return r.maxSizeCommand;
    case 13: return truthValue(r.maxSizeTrap);
    case 14: return r.pollInterval;
    case 15: return r.owner;
    case 16: return r.lastMatch;
    case 17: return rowStatus;
  }
  return null;
}

function configFromRow(index: number, row: SnmpValue[], matchCount: number): SiLogConfig {
  const at = (col: number) => row[col - 1];
  const n = (col: number, fallback: number) => (Number.isFinite(asNumber(at(col))) ? asNumber(at(col)) : fallback);
  return {
    index,
    descr: asText(at(2)),
    path: asText(at(3)),
    regex: asText(at(4)),
    matchStart: n(5, 0),
    matchStop: n(6, 0),
    matchCount,
    matchCommand: asText(at(8)),
    matchTrap: asNumber(at(9)) === 1,
    maxSize: n(11, 0),
    maxSizeCommand: asText(at(12)),
    maxSizeTrap: asNumber(at(13)) !== 2,
    pollInterval: n(14, 0),
    owner: asText(at(15)),
  };
}

export function createLogModule(opts: LogModuleOptions = {}): AgentModule & { readonly engine: LogMonEngine | undefined } {
  let engine: LogMonEngine | undefined;
  let file = '';
  let syncRows: (() => void) | undefined;
  let dropRow: ((index: number) => void) | undefined;

  return {
    name: 'log',
    get engine() {
      return engine;
    },

    async start(ctx: AgentContext) {
      file = opts.configFile ?? path.join(ctx.configDir, 'logagt.cnf');
      const loaded = loadLogagtCnf(file);
      for (const m of loaded.messages) ctx.log(m.severity === 'error' ? 'error' : 'warn', `logagt.cnf: ${formatEntryMessage(m)}`);
      const e = new LogMonEngine(loaded.config.globalPollInterval, loaded.config.entries, {
        cwd: ctx.rootDir,
        ...opts.engine,
        log: (level, message) => ctx.log(level === 'warning' ? 'warn' : level, message),
      });
      engine = e;

      ctx.scalar({
        name: 'siLogGlobalPollInterval',
        oid: OID.siLogGlobalPollInterval,
        type: 'Integer',
        access: 'read-write',
        get: () => e.globalPollInterval,
        constraints: { ranges: [{ min: 1, max: 86400 }] },
        set: (v, phase) => {
          const ok = typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 86400;
          if (phase === 'test') return ok ? undefined : 'wrongValue';
          if (ok) e.setGlobalPollInterval(v);
          return undefined;
        },
      });

      const t = ctx.table({
        ...siLogTable(),
        get: (index: IndexValue[], column: number, current: SnmpValue) => {
          const r = e.row(Number(index[0]));
          return r ? siLogCell(r, column, column === 17 ? asNumber(current) : ROW_ACTIVE) : current;
        },
        set: (cell: CellSet, phase: SetPhase) => (phase === 'test' ? checkCell(cell) : undefined),
        create: (index: IndexValue[], action) => createdRow(siLogTable().columns, index, action, (c) => (c.number === 16 ? '' : c.defVal ?? 0)),
        destroyed: (index: IndexValue[]) => {
          void e.removeRow(Number(index[0]));
        },
        changed: (index: IndexValue[], row: SnmpValue[]) => {
          const n = Number(index[0]);
          const status = asNumber(row[16]);
          const cfg = configFromRow(n, row, e.row(n)?.matchCount ?? 0);
          if (!cfg.path) {
            if (status === ROW_ACTIVE) t.setCell([n], 17, ROW_NOT_READY);
            return;
          }
          if (status === ROW_NOT_READY) {
            t.setCell([n], 17, ROW_NOT_IN_SERVICE);
            return;
          }
          if (status !== ROW_ACTIVE) {
            if (e.row(n)) void e.removeRow(n);
            return;
          }
          void e.upsertRow(cfg).then(sync, (err: Error) => ctx.log('error', `logmon: row ${n}: ${err.message}`));
        },
      });

      const sync = () => syncEngineRows(t, e.rows(), (r) => siLogTable().columns.map((c) => siLogCell(r, c.number)), 16);
      sync();
      syncRows = sync;
      dropRow = (index) => void t.deleteRow([index]);

      const cell = (n: number, index: number, type: Varbind['type'], value: SnmpValue): Varbind => ({ oid: `${ENTRY}.${n}.${index}`, type, value });
      e.on('match', (r) => {
        if (!r.matchTrap) return;
        void ctx.notify(OID.siLogMatchFound, [
          cell(2, r.index, 'OctetString', r.descr),
          cell(3, r.index, 'OctetString', r.path),
          cell(7, r.index, 'Counter', r.matchCount),
          cell(16, r.index, 'OctetString', r.lastMatch),
        ]);
      });
      e.on('maxSizeExceeded', (r) => {
        if (!r.maxSizeTrap) return;
        void ctx.notify(OID.siLogMaxSizeReached, [
          cell(2, r.index, 'OctetString', r.descr),
          cell(3, r.index, 'OctetString', r.path),
          cell(10, r.index, 'Gauge', siLogCell(r, 10)),
          cell(11, r.index, 'Unsigned32', r.maxSize),
        ]);
      });

      await e.start();
      sync();
    },

    /** SIGHUP: read logagt.cnf again; rows are added, updated or dropped. A file with errors changes nothing. */
    async reload(ctx: AgentContext) {
      const e = engine;
      if (!e) return;
      const loaded = loadLogagtCnf(file);
      for (const m of loaded.messages) ctx.log(m.severity === 'error' ? 'error' : 'warn', `logagt.cnf: ${formatEntryMessage(m)}`);
      if (!loaded.ok) {
        ctx.log('error', 'logagt.cnf has errors; the running configuration is kept');
        return;
      }
      e.setGlobalPollInterval(loaded.config.globalPollInterval);
      const wanted = new Set(loaded.config.entries.map((r) => r.index));
      for (const r of e.rows()) {
        if (wanted.has(r.index)) continue;
        await e.removeRow(r.index);
        dropRow?.(r.index);
      }
      // A reload keeps the counts so far (the file's MATCHES field seeds new rows only).
      for (const r of loaded.config.entries) await e.upsertRow({ ...r, matchCount: e.row(r.index)?.matchCount ?? r.matchCount });
      syncRows?.();
    },

    async stop() {
      await engine?.stop();
      engine?.removeAllListeners();
    },
  };
}

/** The 'test' phase of a SET of one siLogTable cell. */
function checkCell(cell: CellSet): SetError | undefined {
  const v = cell.value;
  switch (cell.column) {
    case 2:
    case 8:
    case 12:
    case 15:
      return Buffer.byteLength(asText(v)) > 255 ? 'wrongLength' : undefined;
    case 3: {
      const s = asText(v);
      return s.length < 1 || Buffer.byteLength(s) > 255 ? 'wrongLength' : undefined;
    }
    case 4: {
      const s = asText(v);
      if (Buffer.byteLength(s) > 255) return 'wrongLength';
      return s === '' || checkRegex(s) === undefined ? undefined : 'wrongValue';
    }
    case 5:
    case 6:
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : 'wrongValue';
    case 9:
    case 13:
      return v === 1 || v === 2 ? undefined : 'wrongValue';
    case 11:
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= GAUGE_MAX ? undefined : 'wrongValue';
    case 14:
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 86400 ? undefined : 'wrongValue';
    case 17: {
      if (v === ROW_ACTIVE && !asText(cell.row[2])) return 'inconsistentValue';
      return undefined;
    }
    default:
      return 'notWritable';
  }
}

/** The module ciagent loads (configDir/logagt.cnf). */
export const logModule = createLogModule();
