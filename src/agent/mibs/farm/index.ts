// OPENSPS-FARM-MIB (mibs/OPENSPS-FARM-MIB): the last mysql_sync_check of the farm's
// shared database, run on farmagt.cnf's schedule (./farmagt-cnf.ts) by ./engine.ts, and
// openSpsFarmCheckOutcomeChange when a check's outcome or the partition state differs
// from the previous one. Objects are read from memory; nothing waits on the database.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentContext, AgentModule, SnmpValue, TableHandle } from '../../mib-module.js';
import { OID } from '../../oids.js';
import { formatEntryMessage } from '../../cnf/entry-lines.js';
import { truthValue } from '../engine-table.js';
import { DEFAULT_SCHEDULE, describesFarm, loadFarmagtCnf } from './farmagt-cnf.js';
import type { FarmagtConfig } from './farmagt-cnf.js';
import { NOT_RUN, runFarmCheck } from './engine.js';
import type { CheckOutcome, FarmCheckResult, PartitionState } from './engine.js';
import { runOnSchedule } from './schedule.js';

const MIB = 'OPENSPS-FARM-MIB';
const OUTCOME: Record<CheckOutcome, number> = { ok: 1, degraded: 2, failed: 3, notRun: 4 };
const PARTITION: Record<PartitionState, number> = { primary: 1, partitioned: 2, unknown: 3 };
const GAUGE_MAX = 4294967295;

export interface FarmModuleOptions {
  /** Default: <configDir>/farmagt.cnf. */
  readonly configFile?: string;
}

/** The schedule to use: farmagt.cnf's, else the default when sipd.conf describes a farm; undefined: do not run. */
export function effectiveSchedule(c: FarmagtConfig, readConf: () => string): string | undefined {
  if (c.schedule === 'off') return undefined;
  if (c.schedule) return c.schedule;
  try {
    return describesFarm(readConf()) ? DEFAULT_SCHEDULE : undefined;
  } catch {
    return undefined; // no sipd.conf: no farm to check
  }
}

export function createFarmModule(opts: FarmModuleOptions = {}): AgentModule & { readonly last: FarmCheckResult; checkNow(): Promise<FarmCheckResult> } {
  let last: FarmCheckResult = NOT_RUN;
  let lastTicks = 0;
  let schedule = '';
  let timer: { stop(): void } | undefined;
  let running: Promise<FarmCheckResult> | undefined;
  let config: FarmagtConfig | undefined;
  let context: AgentContext | undefined;
  let table: TableHandle | undefined;

  const apply = (ctx: AgentContext, r: FarmCheckResult) => {
    const before = last;
    last = r;
    lastTicks = ctx.sysUpTime();
    table?.clear();
    r.tables.forEach((t, i) => table?.setRow([i + 1, t.name.slice(0, 64), Math.min(t.min, GAUGE_MAX), Math.min(t.max, GAUGE_MAX), truthValue(t.mismatch)]));
    if (r.outcome !== before.outcome || r.partition !== before.partition) {
      ctx.log(r.outcome === 'ok' ? 'info' : 'warn', `farm check: ${r.outcome}${r.partition === 'partitioned' ? ' (this member\'s database node is partitioned)' : ''}${r.problems.length ? `: ${r.problems.join('; ')}` : ''}`);
      void ctx.notify(OID.openSpsFarmCheckOutcomeChange, [
        { oid: `${OID.openSpsFarmObjects}.3.0`, type: 'Integer', value: OUTCOME[r.outcome] },
        { oid: `${OID.openSpsFarmObjects}.5.0`, type: 'OctetString', value: problemsText(r) },
        { oid: `${OID.openSpsFarmObjects}.9.0`, type: 'Integer', value: PARTITION[r.partition] },
      ]);
    }
  };

  const check = (): Promise<FarmCheckResult> => {
    const ctx = context;
    const c = config;
    if (!ctx || !c) return Promise.resolve(last);
    running ??= runFarmCheck({ program: c.program, conf: c.conf, args: c.args, timeoutMs: c.timeoutMs })
      .then((r) => {
        if (context) apply(ctx, r);
        return r;
      })
      .finally(() => (running = undefined));
    return running;
  };

  const begin = (ctx: AgentContext) => {
    const file = opts.configFile ?? path.join(ctx.configDir, 'farmagt.cnf');
    const loaded = loadFarmagtCnf(file, ctx.rootDir);
    for (const m of loaded.messages) ctx.log('error', `farmagt.cnf: ${formatEntryMessage(m)}`);
    config = loaded.config;
    const c = loaded.config;
    schedule = effectiveSchedule(c, () => readFileSync(c.conf, 'utf8')) ?? '';
    timer?.stop();
    timer = schedule ? runOnSchedule(schedule, () => void check()) : undefined;
    ctx.log('info', schedule ? `farm check: mysql_sync_check runs on the schedule "${schedule}"` : 'farm check: not scheduled (no farm on a shared database in sipd.conf, or farmCheckSchedule off)');
  };

  const text = (v: string): SnmpValue => v;
  return {
    name: 'farm',
    get last() {
      return last;
    },
    checkNow: check,
    start(ctx: AgentContext) {
      context = ctx;
      ctx.scalarFromMib(MIB, 'openSpsFarmCheckSchedule', { get: () => text(schedule.slice(0, 64)) });
      ctx.scalarFromMib(MIB, 'openSpsFarmCheckLastTime', { get: () => (last.at ? lastTicks : 0) });
      ctx.scalarFromMib(MIB, 'openSpsFarmCheckOutcome', { get: () => OUTCOME[last.outcome] });
      ctx.scalarFromMib(MIB, 'openSpsFarmCheckExitStatus', { get: () => Math.max(-1, Math.min(255, last.exitStatus)) });
      ctx.scalarFromMib(MIB, 'openSpsFarmCheckProblems', { get: () => problemsText(last) });
      ctx.scalarFromMib(MIB, 'openSpsFarmClusterStatus', { get: () => text(last.clusterStatus.slice(0, 32)) });
      ctx.scalarFromMib(MIB, 'openSpsFarmClusterSize', { get: () => Math.min(last.clusterSize, GAUGE_MAX) });
      ctx.scalarFromMib(MIB, 'openSpsFarmLocalState', { get: () => text(last.localState.slice(0, 32)) });
      ctx.scalarFromMib(MIB, 'openSpsFarmPartitionState', { get: () => PARTITION[last.partition] });
      table = ctx.tableFromMib(MIB, 'openSpsFarmTableTable');
      begin(ctx);
    },
    reload(ctx: AgentContext) {
      begin(ctx);
    },
    async stop() {
      timer?.stop();
      timer = undefined;
      context = undefined;
      await running;
    },
  };
}

/** The problems as one DisplayString (255 characters at most). */
function problemsText(r: FarmCheckResult): string {
  const t = r.problems.join('; ');
  return t.length > 255 ? `${t.slice(0, 252)}...` : t;
}

export const farmModule = createFarmModule();
