// DISMAN-SCRIPT-MIB (smagt): languages, scripts, launch buttons and runs over the script
// engine. The population comes from smpop.cnf (configDir; the built-in default when the
// file is missing) — the file that replaces CIAgent's smPopScript.
//
// What SNMP may do here, and what it may not (the security line of this module):
//   - press a launch button: SET smLaunchStart (0 = pick the run index);
//   - enable/disable scripts and launch buttons (smScriptAdminStatus, smLaunchAdminStatus),
//     tune smLaunchMaxRunning/MaxCompleted/LifeTime/ExpireTime, control runs
//     (smLaunchControl, smRunControl, smRunLifeTime, smRunExpireTime);
//   - NOT create or destroy script or launch rows (noCreation / inconsistentValue), and NOT
//     write smScriptSource, smScriptLanguage, smLaunchScriptOwner/Name or smLaunchArgument
//     (notWritable): a command or its argument never comes from the network.
// smScriptSource reads as the registered command line.
import path from 'node:path';
import type { AgentContext, AgentModule, CellSet, IndexValue, SetError, SetPhase, SnmpValue, TableHandle } from '../../mib-module.js';
import { OID } from '../../oids.js';
import { tableDefFromMib } from '../../mib-tables.js';
import type { MibTableDef } from '../../mib-tables.js';
import { formatEntryMessage } from '../../cnf/entry-lines.js';
import { loadSmPop } from './smpop.js';
import { ScriptEngine } from './engine.js';
import type { ScriptEngineOptions } from './engine.js';
import { EXIT_CODE, LAUNCH_ADMIN, LAUNCH_OPER, RUN_CONTROL, RUN_STATE, SCRIPT_ADMIN, SCRIPT_OPER, dateAndTime } from './types.js';
import type { LaunchRow, RunRow, ScriptRow } from './types.js';

const S = OID.scriptMIB;
export const SCRIPT_MIB_OIDS = {
  smLangEntry: `${S}.1.1.1`,
  smScriptEntry: `${S}.1.3.1.1`,
  smLaunchEntry: `${S}.1.4.1.1`,
  smRunEntry: `${S}.1.4.2.1`,
  smLaunchStart: `${S}.1.4.1.1.10`,
} as const;

const STORAGE_PERMANENT = 4;
const ROW_ACTIVE = 1;

/**
 * The four tables as DISMAN-SCRIPT-MIB defines them, read once on first use. The module's set
 * handlers check values themselves (setScriptCell, setLaunchCell, setRunCell) and rows are
 * never created over SNMP, so SYNTAX limits (but smScriptAdminStatus's) and DEFVALs are left
 * out. smRunTable is indexed {smLaunchOwner, smLaunchName, smRunIndex}: the first two are
 * smLaunchTable's columns (foreign index components, ../../mib-module.ts), so a row holds
 * the launch owner and name first, then smRunTable's columns.
 */
let tables: Record<'lang' | 'script' | 'launch' | 'run', MibTableDef> | undefined;
function scriptTables(): NonNullable<typeof tables> {
  const mib = (name: string, limits: string[] = []) => tableDefFromMib('DISMAN-SCRIPT-MIB', name, { limits, defVals: [] });
  tables ??= {
    lang: mib('smLangTable'),
    script: mib('smScriptTable', ['smScriptAdminStatus']),
    launch: mib('smLaunchTable'),
    run: mib('smRunTable'),
  };
  return tables;
}

const idx = (v: IndexValue) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
const isInt = (v: SnmpValue, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export function scriptCell(e: ScriptEngine, s: ScriptRow, column: number): SnmpValue {
  switch (column) {
    case 1: return s.owner;
    case 2: return s.name;
    case 3: return s.descr;
    case 4: return s.language;
    case 5: return s.command;
    case 6: return SCRIPT_ADMIN[s.adminStatus];
    case 7: return SCRIPT_OPER[e.scriptOperStatus(s)];
    case 8: return STORAGE_PERMANENT;
    case 9: return ROW_ACTIVE;
    case 10: return '';
    case 11: return dateAndTime(s.lastChange);
  }
  return null;
}

export function launchCell(e: ScriptEngine, l: LaunchRow, column: number): SnmpValue {
  switch (column) {
    case 1: return l.owner;
    case 2: return l.name;
    case 3: return l.scriptOwner;
    case 4: return l.scriptName;
    case 5: return Buffer.from(l.argument, 'utf8');
    case 6: return l.maxRunning;
    case 7: return l.maxCompleted;
    case 8: return l.lifeTime;
    case 9: return l.expireTime;
    case 10: return l.lastStarted;
    case 11: return RUN_CONTROL.nop;
    case 12: return LAUNCH_ADMIN[l.adminStatus];
    case 13: return LAUNCH_OPER[e.launchOperStatus(l)];
    case 14: return l.runIndexNext;
    case 15: return STORAGE_PERMANENT;
    case 16: return ROW_ACTIVE;
    case 17: return l.error;
    case 18: return dateAndTime(l.lastChange);
    case 19: return 0;
  }
  return null;
}

export function runCell(e: ScriptEngine, r: RunRow, column: number): SnmpValue {
  switch (column) {
    case 1: return r.index;
    case 2: return Buffer.from(r.argument, 'utf8');
    case 3: return dateAndTime(r.startTime);
    case 4: return dateAndTime(r.endTime);
    case 5: return e.lifeTimeLeft(r);
    case 6: return e.expireTimeLeft(r);
    case 7: return EXIT_CODE[r.exitCode];
    case 8: return r.result;
    case 9: return RUN_CONTROL.nop;
    case 10: return RUN_STATE[r.state];
    case 11: return r.error;
    case 12: return dateAndTime(r.resultTime);
    case 13: return dateAndTime(r.errorTime);
  }
  return null;
}

export interface ScriptModuleOptions {
  /** Default: <configDir>/smpop.cnf. */
  configFile?: string;
  engine?: Partial<ScriptEngineOptions>;
}

/** What a file says about a row, without where it says it or the run-time fields. */
const scriptJson = (s: ScriptRow) => JSON.stringify([s.owner, s.name, s.descr, s.language, s.command, s.adminStatus]);
const launchJson = (l: LaunchRow) =>
  JSON.stringify([l.owner, l.name, l.scriptOwner, l.scriptName, l.argument, l.maxRunning, l.maxCompleted, l.lifeTime, l.expireTime, l.adminStatus]);
const rowKey = (owner: string, name: string) => `${owner}\u0000${name}`;

interface FileRows {
  scripts: Map<string, string>;
  launches: Map<string, string>;
}

function fileRows(c: { scripts: ScriptRow[]; launches: LaunchRow[] }): FileRows {
  return {
    scripts: new Map(c.scripts.map((s) => [rowKey(s.owner, s.name), scriptJson(s)])),
    launches: new Map(c.launches.map((l) => [rowKey(l.owner, l.name), launchJson(l)])),
  };
}

export function createScriptModule(opts: ScriptModuleOptions = {}): AgentModule & { readonly engine: ScriptEngine | undefined } {
  let engine: ScriptEngine | undefined;
  let reloadFile: ((ctx: AgentContext) => void) | undefined;

  return {
    name: 'script',
    get engine() {
      return engine;
    },

    start(ctx: AgentContext) {
      const file = opts.configFile ?? path.join(ctx.configDir, 'smpop.cnf');
      const loaded = loadSmPop(file);
      if (loaded.usedDefault) ctx.log('info', `smpop.cnf: ${file} not found; using the built-in population (launch C/D runs "bin/sip graceful")`);
      for (const m of loaded.messages) ctx.log(m.severity === 'error' ? 'error' : 'warn', `smpop.cnf: ${formatEntryMessage(m)}`);

      let runs: TableHandle | undefined;
      const syncRuns = () => {
        if (!runs || !engine) return;
        const want = new Set<string>();
        for (const r of engine.runs.values()) {
          want.add([r.launchOwner, r.launchName, r.index].join('\u0000'));
          runs.setRow([r.launchOwner, r.launchName, ...scriptTables().run.columns.map((c) => runCell(engine!, r, c.number))]);
        }
        for (const row of runs.rows()) {
          // Stored order: launch owner, launch name (foreign index values), then smRunTable's columns (smRunIndex first).
          const [owner, name, index] = row.slice(0, 3).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
          if (!want.has([owner, name, index].join('\u0000'))) runs.deleteRow([row[0] as IndexValue, row[1] as IndexValue, row[2] as IndexValue]);
        }
      };

      const e = new ScriptEngine(
        {
          notify: (trapOid, varbinds) => ctx.notify(trapOid, varbinds),
          log: (level, message) => ctx.log(level, message),
          runsChanged: () => syncRuns(),
        },
        { cwd: ctx.rootDir, ...opts.engine },
      );
      engine = e;
      for (const s of loaded.config.scripts) e.addScript(s);
      for (const l of loaded.config.launches) e.addLaunch(l);
      let fromFile = fileRows(loaded.config);

      const langs = ctx.table({
        ...scriptTables().lang,
      });
      for (const l of e.langs) langs.setRow([l.index, l.language, l.version, l.vendor, l.revision, l.descr]);

      const scripts = ctx.table({
        ...scriptTables().script,
        get: (index, column, current) => {
          const s = e.getScript(idx(index[0]), idx(index[1]));
          return s ? scriptCell(e, s, column) : current;
        },
        create: () => undefined, // scripts are registered in smpop.cnf only
        set: (cell, phase) => setScriptCell(e, cell, phase),
      });
      for (const s of e.scripts.values()) scripts.setRow(scriptTables().script.columns.map((c) => scriptCell(e, s, c.number)));

      const launches = ctx.table({
        ...scriptTables().launch,
        get: (index, column, current) => {
          const l = e.getLaunch(idx(index[0]), idx(index[1]));
          return l ? launchCell(e, l, column) : current;
        },
        create: () => undefined, // launch buttons are registered in smpop.cnf only
        set: (cell, phase) => setLaunchCell(e, cell, phase),
      });
      for (const l of e.launches.values()) launches.setRow(scriptTables().launch.columns.map((c) => launchCell(e, l, c.number)));

      runs = ctx.table({
        ...scriptTables().run,
        get: (index, column, current) => {
          const r = e.getRun(idx(index[0]), idx(index[1]), Number(index[2]));
          return r ? runCell(e, r, column) : current;
        },
        create: () => undefined,
        set: (cell, phase) => setRunCell(e, cell, phase),
      });
      syncRuns();
      e.autostart();

      /**
       * SIGHUP: compare smpop.cnf with what it said at the last load. Scripts and launch
       * buttons it added, changed or removed are registered, replaced or dropped; the others
       * stay as they run (SNMP changes included). Runs already started are never stopped: a
       * run of a removed or changed launch goes on and expires as usual; the new command is
       * used from the next launch. An autostart button added by the file is launched.
       */
      reloadFile = (rctx) => {
        const again = loadSmPop(file);
        for (const m of again.messages) rctx.log(m.severity === 'error' ? 'error' : 'warn', `smpop.cnf: ${formatEntryMessage(m)}`);
        if (!again.ok) {
          rctx.log('error', 'smpop.cnf has errors; the running scripts and launch buttons are kept');
          return;
        }
        const next = fileRows(again.config);
        const before = fromFile;
        fromFile = next;
        let changes = 0;
        for (const k of before.launches.keys()) {
          if (next.launches.has(k)) continue;
          const [owner, name] = k.split('\u0000');
          e.removeLaunch(owner, name);
          launches.deleteRow([owner, name]);
          changes++;
        }
        for (const k of before.scripts.keys()) {
          if (next.scripts.has(k)) continue;
          const [owner, name] = k.split('\u0000');
          e.removeScript(owner, name);
          scripts.deleteRow([owner, name]);
          changes++;
        }
        for (const s of again.config.scripts) {
          const k = rowKey(s.owner, s.name);
          if (before.scripts.get(k) === next.scripts.get(k)) continue;
          e.addScript(s);
          scripts.setRow(scriptTables().script.columns.map((c) => scriptCell(e, s, c.number)));
          changes++;
        }
        const autostart: LaunchRow[] = [];
        for (const l of again.config.launches) {
          const k = rowKey(l.owner, l.name);
          if (before.launches.get(k) === next.launches.get(k)) continue;
          const running = e.getLaunch(l.owner, l.name);
          // Run numbering and "last started" carry over to the changed button.
          if (running) Object.assign(l, { lastStarted: running.lastStarted, runIndexNext: running.runIndexNext });
          else if (l.adminStatus === 'autostart') autostart.push(l);
          e.addLaunch(l);
          launches.setRow(scriptTables().launch.columns.map((c) => launchCell(e, l, c.number)));
          changes++;
        }
        for (const l of autostart) {
          const r = e.launch(l.owner, l.name, 0);
          if (!r.ok) rctx.log('warn', `smLaunch ${l.owner}/${l.name}: autostart refused: ${r.reason}`);
        }
        rctx.log('info', `smpop.cnf re-read: ${changes} row(s) added, changed or removed`);
      };
    },

    reload(ctx: AgentContext) {
      reloadFile?.(ctx);
    },

    async stop() {
      await engine?.stop();
    },
  };
}

function setScriptCell(e: ScriptEngine, cell: CellSet, phase: SetPhase): SetError | undefined {
  const s = e.getScript(idx(cell.index[0]), idx(cell.index[1]));
  if (!s) return 'noCreation';
  const v = cell.value;
  switch (cell.column) {
    case 6:
      if (!isInt(v, 1, 3)) return 'wrongValue';
      if (phase === 'commit') {
        s.adminStatus = v === 1 ? 'enabled' : v === 2 ? 'disabled' : 'editing';
        s.lastChange = new Date();
      }
      return undefined;
    case 9:
      // Registered rows stay: only "active" (a no-op) is accepted.
      return v === ROW_ACTIVE ? undefined : 'inconsistentValue';
    default:
      return 'notWritable';
  }
}

function setLaunchCell(e: ScriptEngine, cell: CellSet, phase: SetPhase): SetError | undefined {
  const l = e.getLaunch(idx(cell.index[0]), idx(cell.index[1]));
  if (!l) return 'noCreation';
  const v = cell.value;
  const touch = () => (l.lastChange = new Date());
  switch (cell.column) {
    case 6:
    case 7:
      if (!isInt(v, 1, 4294967295)) return 'wrongValue';
      if (phase === 'commit') {
        if (cell.column === 6) l.maxRunning = v;
        else l.maxCompleted = v;
        touch();
      }
      return undefined;
    case 8:
    case 9:
      if (!isInt(v, 0, 2147483647)) return 'wrongValue';
      if (phase === 'commit') {
        if (cell.column === 8) l.lifeTime = v;
        else l.expireTime = v;
        touch();
      }
      return undefined;
    case 10: {
      const n = typeof v === 'number' ? v : NaN;
      if (phase === 'test') {
        const refusal = e.checkLaunch(l.owner, l.name, n);
        if (refusal) {
          l.error = refusal.reason;
          return refusal.error;
        }
        return undefined;
      }
      const r = e.launch(l.owner, l.name, n);
      return r.ok ? undefined : 'commitFailed';
    }
    case 11: {
      if (!isInt(v, 1, 4)) return 'wrongValue';
      if (phase === 'commit' && v === RUN_CONTROL.abort) for (const r of e.runsOf(l.owner, l.name)) e.controlRun(r, 'abort');
      if (phase === 'commit' && (v === RUN_CONTROL.suspend || v === RUN_CONTROL.resume)) {
        for (const r of e.runsOf(l.owner, l.name)) e.controlRun(r, v === RUN_CONTROL.suspend ? 'suspend' : 'resume');
      }
      return undefined;
    }
    case 12:
      if (!isInt(v, 1, 3)) return 'wrongValue';
      if (phase === 'commit') {
        l.adminStatus = v === 1 ? 'enabled' : v === 2 ? 'disabled' : 'autostart';
        touch();
      }
      return undefined;
    case 16:
      return v === ROW_ACTIVE ? undefined : 'inconsistentValue';
    default:
      return 'notWritable';
  }
}

function setRunCell(e: ScriptEngine, cell: CellSet, phase: SetPhase): SetError | undefined {
  const r = e.getRun(idx(cell.index[0]), idx(cell.index[1]), Number(cell.index[2]));
  if (!r) return 'noCreation';
  const v = cell.value;
  switch (cell.column) {
    case 5:
      if (!isInt(v, 0, 2147483647)) return 'wrongValue';
      if (r.state === 'terminated') return 'inconsistentValue';
      if (phase === 'commit') e.setRunLifeTime(r, v);
      return undefined;
    case 6:
      if (!isInt(v, 0, 2147483647)) return 'wrongValue';
      if (phase === 'commit') e.setRunExpireTime(r, v);
      return undefined;
    case 9: {
      if (!isInt(v, 1, 4)) return 'wrongValue';
      const control = (['abort', 'suspend', 'resume', 'nop'] as const)[v - 1];
      if (phase === 'test') {
        if (control === 'nop') return undefined;
        if (r.state === 'terminated') return 'inconsistentValue';
        if (control === 'suspend' && r.state !== 'executing') return 'inconsistentValue';
        if (control === 'resume' && r.state !== 'suspended') return 'inconsistentValue';
        return undefined;
      }
      return e.controlRun(r, control) ? undefined : 'commitFailed';
    }
    default:
      return 'notWritable';
  }
}

/** The module ciagent loads (configDir/smpop.cnf). */
export const scriptModule = createScriptModule();
