// CRITAPP-MIB (critagt): critAppProcTable and its scalars over the critapp engine.
//
// The engine is the source of truth: every cell is read live from it, and the table's
// stored rows are refreshed on each engine event so walks see the current row set.
// critAppAdminStatus SETs answer at once; the start/stop command runs afterwards and
// critAppOperStatus shows starting(3)/stopping(4) meanwhile. Rows come from critagt.cnf
// (configDir/critagt.cnf) and may be created (createAndGo/createAndWait) or destroyed
// over SNMP; destroying a row stops supervising without stopping the process. Created
// rows (when they become active) and destroyed rows are written to critagt.cnf
// (../../cnf/cnf-rewrite.ts); SETs of single cells last until the next restart.
//
// Notifications: critAppProcStarted / critAppProcExited per row (critAppTrapOnStart /
// critAppTrapOnExit), critAppAllRunning / critAppNotAllRunning on a change of the
// "every admin-up process runs" judgement (critAppTrapWhenAllRunning / ...NotAllRunning).
import path from 'node:path';
import type { AgentContext, AgentModule, CellSet, IndexValue, ScalarHandle, SetError, SetPhase, SnmpValue, Varbind } from '../../mib-module.js';
import { OID } from '../../oids.js';
import { asNumber, asText, createdRow, syncEngineRows, truthValue } from '../engine-table.js';
import { tableDefFromMib } from '../../mib-tables.js';
import type { MibTableDef } from '../../mib-tables.js';
import { CRITAPP_DEFAULTS, loadCritagtCnf, removeCritAppRow, saveCritAppRow } from './critagt-cnf.js';
import type { CritAppProcConfig } from './critagt-cnf.js';
import { formatEntryMessage } from '../../cnf/entry-lines.js';
import { CritAppEngine } from './engine.js';
import type { CritAppEngineOptions, CritAppRow, OperStatus } from './engine.js';
import { encodeDateAndTime } from '../../hostdata/date-and-time.js';

const ENTRY = OID.critAppProcEntry;

/** Column numbers of critAppProcEntry (mibs/CRITAPP-MIB). */
export const CRITAPP_COL = {
  index: 1,
  procName: 2,
  startCommand: 3,
  terminateCommand: 4,
  adminStatus: 5,
  restartOnExit: 6,
  restartInterval: 7,
  trapOnExit: 8,
  trapOnStart: 9,
  findOnStartup: 10,
  operStatus: 11,
  processId: 12,
  lastStartTime: 13,
  lastExitTime: 14,
  lastExitCode: 15,
  restartCount: 16,
  rowStatus: 17,
  pidFile: 18,
} as const;

const OPER: Record<OperStatus, number> = { up: 1, down: 2, starting: 3, stopping: 4 };
const TRUTH = { 1: 'true', 2: 'false' };
const DISPLAY = { min: 0, max: 255 };
/** DateAndTime of something that has not happened (the MIB says all-zero octets). */
const NEVER = Buffer.alloc(8);
const ROW_ACTIVE = 1;
const ROW_NOT_READY = 3;
const ROW_CREATE_AND_GO = 4;

/** critAppProcTable as CRITAPP-MIB defines it, read once on first use. */
let procTable: MibTableDef | undefined;
function critAppProcTable(): MibTableDef {
  procTable ??= tableDefFromMib('CRITAPP-MIB', 'critAppProcTable', {
    columns: {
      // SIZE (1..255) in the MIB; the row a createAndWait/createAndGo makes starts with an empty
      // name (notReady until one is set), which net-snmp's row check would refuse: the 1-octet
      // minimum is enforced by setCell (wrongLength) instead.
      critAppProcName: { defVal: '', constraints: { sizes: [DISPLAY] } },
      // No DEFVAL in the MIB: a row created over SNMP starts without commands.
      critAppStartCommand: { defVal: '' },
      critAppTerminateCommand: { defVal: '' },
      // Read-only values the engine fills, and the RowStatus (set-checks.ts checks its values).
      critAppProcessId: { constraints: null },
      critAppLastStartTime: { constraints: null },
      critAppLastExitTime: { constraints: null },
      critAppLastExitCode: { constraints: null },
      critAppRowStatus: { constraints: null },
    },
  });
  return procTable;
}

export interface CritAppModuleOptions {
  /** Default: <configDir>/critagt.cnf. */
  configFile?: string;
  engine?: CritAppEngineOptions;
}


/** The value of one cell, from the engine's row. */
export function critAppCell(r: CritAppRow, column: number, rowStatus = ROW_ACTIVE): SnmpValue {
  switch (column) {
    case 1: return r.index;
    case 2: return r.name;
    case 3: return r.startCommand;
    case 4: return r.terminateCommand;
    case 5: return r.adminStatus === 'up' ? 1 : 2;
    case 6: return truthValue(r.restartOnExit);
    case 7: return r.restartInterval;
    case 8: return truthValue(r.trapOnExit);
    case 9: return truthValue(r.trapOnStart);
    case 10: return truthValue(r.findOnStartup);
    case 11: return OPER[r.operStatus];
    case 12: return r.pid;
    case 13: return r.lastStartTime ? encodeDateAndTime(r.lastStartTime) : NEVER;
    case 14: return r.lastExit ? encodeDateAndTime(r.lastExit.time) : NEVER;
    case 15: return r.lastExit?.code ?? -1;
    case 16: return r.restartCount % 4294967296;
    case 17: return rowStatus;
    case 18: return r.pidFile;
  }
  return null;
}

/** A full stored row (columns 1..17) from the engine's row. */
function rowValues(r: CritAppRow): SnmpValue[] {
  return critAppProcTable().columns.map((c) => critAppCell(r, c.number));
}

/** The engine configuration a (complete) SNMP row describes. */
function configFromRow(index: number, row: SnmpValue[]): CritAppProcConfig {
  const at = (col: number) => row[col - 1];
  return {
    index,
    name: asText(at(2)),
    startCommand: asText(at(3)),
    terminateCommand: asText(at(4)),
    adminStatus: asNumber(at(5)) === 1 ? 'up' : 'down',
    restartOnExit: asNumber(at(6)) === 1,
    restartInterval: Number.isFinite(asNumber(at(7))) ? asNumber(at(7)) : CRITAPP_DEFAULTS.restartInterval,
    trapOnExit: asNumber(at(8)) !== 2,
    trapOnStart: asNumber(at(9)) !== 2,
    findOnStartup: asNumber(at(10)) !== 2,
    pidFile: asText(at(18)),
  };
}

export function createCritAppModule(opts: CritAppModuleOptions = {}): AgentModule & { readonly engine: CritAppEngine | undefined } {
  let engine: CritAppEngine | undefined;
  let trapWhenAll: ScalarHandle | undefined;
  let trapWhenNotAll: ScalarHandle | undefined;
  let refresh: NodeJS.Timeout | undefined;
  let file = '';
  let syncRows: (() => void) | undefined;
  let dropRow: ((index: number) => void) | undefined;

  const col = (n: number, index: number) => `${ENTRY}.${n}.${index}`;

  return {
    name: 'critapp',
    get engine() {
      return engine;
    },

    async start(ctx: AgentContext) {
      file = opts.configFile ?? path.join(ctx.configDir, 'critagt.cnf');
      const loaded = loadCritagtCnf(file);
      for (const m of loaded.messages) ctx.log(m.severity === 'error' ? 'error' : 'warn', `critagt.cnf: ${formatEntryMessage(m)}`);
      const persist = (what: string, write: () => boolean) => {
        try {
          if (write()) ctx.log('info', `critagt.cnf: ${what} over SNMP; ${file} updated`);
        } catch (err) {
          ctx.log('error', `critagt.cnf: ${what} over SNMP, but ${file} cannot be written (${(err as Error).message}); the change lasts until ciagent restarts`);
        }
      };
      const e = new CritAppEngine(loaded.config.procs, {
        cwd: ctx.rootDir,
        ...opts.engine,
        log: (level, message) => ctx.log(level === 'warning' ? 'warn' : level, message),
      });
      engine = e;

      const truthScalar = (name: string, initial: boolean) =>
        ctx.scalar({
          name,
          oid: (OID as Record<string, string>)[name],
          type: 'Integer',
          access: 'read-write',
          value: truthValue(initial),
          constraints: { enumeration: TRUTH },
          set: (v, phase) => (phase === 'test' && v !== 1 && v !== 2 ? 'wrongValue' : undefined),
        });
      trapWhenNotAll = truthScalar('critAppTrapWhenNotAllRunning', loaded.config.trapWhenNotAllRunning);
      trapWhenAll = truthScalar('critAppTrapWhenAllRunning', loaded.config.trapWhenAllRunning);
      ctx.scalar({ name: 'critAppNumProcs', oid: OID.critAppNumProcs, type: 'Gauge', access: 'read-only', get: () => e.counts().numProcs });
      ctx.scalar({ name: 'critAppNumRunning', oid: OID.critAppNumRunning, type: 'Gauge', access: 'read-only', get: () => e.counts().numRunning });

      const t = ctx.table({
        ...critAppProcTable(),
        get: (index: IndexValue[], column: number, current: SnmpValue) => {
          const r = e.row(Number(index[0]));
          return r ? critAppCell(r, column, column === 17 ? asNumber(current) : ROW_ACTIVE) : current;
        },
        set: (cell: CellSet, phase: SetPhase) => setCell(e, cell, phase),
        create: (index: IndexValue[], action) => createdRow(critAppProcTable().columns, index, action, (c) => c.defVal ?? defaultReadOnly(c.number)),
        destroyed: (index: IndexValue[]) => {
          e.removeRow(Number(index[0]));
          persist(`row ${Number(index[0])} was destroyed`, () => removeCritAppRow(file, Number(index[0])));
        },
        changed: (index: IndexValue[], row: SnmpValue[]) => {
          const n = Number(index[0]);
          const status = asNumber(row[16]);
          const cfg = configFromRow(n, row);
          if (!cfg.name || !cfg.startCommand) {
            // Not complete yet: keep it out of the engine until it is.
            if (status === ROW_ACTIVE) t.setCell([n], 17, ROW_NOT_READY);
            return;
          }
          if (status !== ROW_ACTIVE && status !== ROW_CREATE_AND_GO) {
            if (status === ROW_NOT_READY) t.setCell([n], 17, 2); // complete now: notInService
            return;
          }
          if (status === ROW_CREATE_AND_GO) t.setCell([n], 17, ROW_ACTIVE);
          const existing = e.row(n);
          void e.upsertRow({ ...cfg, adminStatus: existing ? existing.adminStatus : cfg.adminStatus }).then(() => sync());
          // A row created over SNMP becoming active: written to critagt.cnf so that it
          // survives a restart (and a SIGHUP, which re-reads the file).
          if (!existing) persist(`row ${n} was created`, () => saveCritAppRow(file, cfg));
        },
      });

      // Copy the engine's rows into the table (rows created over SNMP but not complete
      // yet exist only in the table and are left alone).
      const sync = () => syncEngineRows(t, e.rows(), rowValues, 16);
      sync();
      syncRows = sync;
      dropRow = (index) => void t.deleteRow([index]);

      const cell = (n: number, index: number, type: Varbind['type'], value: SnmpValue): Varbind => ({ oid: col(n, index), type, value });
      e.on('started', (r) => {
        sync();
        if (!r.trapOnStart) return;
        void ctx.notify(OID.critAppProcStarted, [
          cell(2, r.index, 'OctetString', r.name),
          cell(12, r.index, 'Integer', r.pid),
          cell(13, r.index, 'OctetString', critAppCell(r, 13)),
        ]);
      });
      e.on('exited', (r) => {
        sync();
        if (!r.trapOnExit) return;
        void ctx.notify(OID.critAppProcExited, [
          cell(2, r.index, 'OctetString', r.name),
          cell(14, r.index, 'OctetString', critAppCell(r, 14)),
          cell(15, r.index, 'Integer', critAppCell(r, 15)),
          cell(16, r.index, 'Counter', critAppCell(r, 16)),
          cell(5, r.index, 'Integer', critAppCell(r, 5)),
        ]);
      });
      const counts = (c: { numProcs: number; numRunning: number }): Varbind[] => [
        { oid: `${OID.critAppNumProcs}.0`, type: 'Gauge', value: c.numProcs },
        { oid: `${OID.critAppNumRunning}.0`, type: 'Gauge', value: c.numRunning },
      ];
      e.on('allRunning', (c) => {
        if (trapWhenAll?.get() === 1) void ctx.notify(OID.critAppAllRunning, counts(c));
      });
      e.on('notAllRunning', (c) => {
        if (trapWhenNotAll?.get() === 1) void ctx.notify(OID.critAppNotAllRunning, counts(c));
      });
      e.on('commandFailed', () => sync());

      await e.start();
      sync();
      refresh = setInterval(sync, 5000);
      refresh.unref();
    },

    /**
     * SIGHUP: read critagt.cnf again. Rows in the file are added or updated (an intended
     * status that differs from the current one is acted on); rows no longer in the file
     * stop being supervised. A file with errors changes nothing.
     */
    async reload(ctx: AgentContext) {
      const e = engine;
      if (!e) return;
      const loaded = loadCritagtCnf(file);
      for (const m of loaded.messages) ctx.log(m.severity === 'error' ? 'error' : 'warn', `critagt.cnf: ${formatEntryMessage(m)}`);
      if (!loaded.ok) {
        ctx.log('error', 'critagt.cnf has errors; the running configuration is kept');
        return;
      }
      trapWhenNotAll?.set(truthValue(loaded.config.trapWhenNotAllRunning));
      trapWhenAll?.set(truthValue(loaded.config.trapWhenAllRunning));
      const wanted = new Set(loaded.config.procs.map((p) => p.index));
      for (const r of e.rows()) {
        if (wanted.has(r.index)) continue;
        e.removeRow(r.index);
        dropRow?.(r.index);
      }
      for (const p of loaded.config.procs) {
        const before = e.row(p.index);
        await e.upsertRow(before ? { ...p, adminStatus: before.adminStatus } : p);
        if (before && before.adminStatus !== p.adminStatus) e.setAdminStatus(p.index, p.adminStatus);
      }
      syncRows?.();
    },

    async stop() {
      if (refresh) clearInterval(refresh);
      refresh = undefined;
      await engine?.stop();
      engine?.removeAllListeners();
    },
  };
}

function defaultReadOnly(column: number): SnmpValue {
  switch (column) {
    case 11: return 2;
    case 12: return 0;
    case 13:
    case 14: return NEVER;
    case 15: return -1;
    case 16: return 0;
  }
  return null;
}

/** Check (test) and apply (commit) a SET of one critAppProcTable cell. */
function setCell(e: CritAppEngine, cell: CellSet, phase: SetPhase): SetError | undefined {
  const index = Number(cell.index[0]);
  const v = cell.value;
  if (phase === 'test') {
    switch (cell.column) {
      case 2: {
        const s = asText(v);
        if (s.length < 1 || Buffer.byteLength(s) > 255) return 'wrongLength';
        return /[\r\n]/.test(s) ? 'wrongValue' : undefined;
      }
      case 3:
      case 4:
      case 18:
        if (Buffer.byteLength(asText(v)) > 255) return 'wrongLength';
        // One line in critagt.cnf each (rows created over SNMP are saved there).
        return /[\r\n]/.test(asText(v)) ? 'wrongValue' : undefined;
      case 5:
      case 6:
      case 8:
      case 9:
      case 10:
        return v === 1 || v === 2 ? undefined : 'wrongValue';
      case 7:
        return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : 'wrongValue';
      case 17: {
        // Becoming active needs a name and a start command (MIB: critAppRowStatus).
        if (v === ROW_ACTIVE && !e.row(index)) {
          const cfg = configFromRow(index, cell.row);
          if (!cfg.name || !cfg.startCommand) return 'inconsistentValue';
        }
        return undefined;
      }
      default:
        return 'notWritable';
    }
  }
  // commit
  const existing = e.row(index);
  if (!existing) return undefined; // a row being created: `changed` hands it to the engine
  if (cell.column === 5) {
    e.setAdminStatus(index, v === 1 ? 'up' : 'down');
  }
  return undefined;
}

/** The module ciagent loads (configDir/critagt.cnf). */
export const critAppModule = createCritAppModule();
