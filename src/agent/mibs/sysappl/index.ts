// sappagt: SYSAPPL-MIB (RFC 2287) for OpenSPS itself — the installed package (product name,
// version from package.json, install date, install root) and the runs of our programs
// (sipd, pserver, ciagent) found in the host's process list. Ended runs move to
// sysApplPastRunTable (exit state other(3): we watch /proc, we are not their parent).
import type { AgentContext, AgentModule } from '../../mib-module.js';
import { OID } from '../../oids.js';
import { encodeDateAndTime, holdHostData, syncTable } from '../../hostdata/index.js';
import type { ApplRun, HostDataHold } from '../../hostdata/index.js';
import { clip, UNKNOWN_DATE } from '../../hostdata/columns.js';
import { tableDefFromMib } from '../../mib-tables.js';

const S = OID.sysApplMIB;
export const SYSAPPL = {
  sysApplInstallPkgEntry: `${S}.1.1.1.1`,
  sysApplRunEntry: `${S}.1.2.1.1`,
  sysApplPastRunEntry: `${S}.1.2.2.1`,
  sysApplPastRunMaxRows: `${S}.1.2.5`,
  sysApplPastRunTableRemItems: `${S}.1.2.6`,
} as const;

/** Past runs kept (RFC 2287's default for sysApplPastRunMaxRows is 500). */
const PAST_MAX = 500;

let hold: HostDataHold | undefined;

const dateOf = (ms: number | undefined) => (ms === undefined ? UNKNOWN_DATE : encodeDateAndTime(new Date(ms)));

export const sysApplModule: AgentModule = {
  name: 'sappagt',

  async start(ctx: AgentContext) {
    hold = await holdHostData({ upTime: () => ctx.sysUpTime(), rootDir: ctx.rootDir });
    const c = hold.cache;
    const pkgTable = ctx.table(tableDefFromMib('SYSAPPL-MIB', 'sysApplInstallPkgTable', { readOnly: true }));
    // sysApplRunEntry and sysApplPastRunEntry: INDEX { sysApplInstallPkgIndex, ... }, the first a
    // column of sysApplInstallPkgTable (rows: package index first, then the columns).
    const runTable = ctx.table(tableDefFromMib('SYSAPPL-MIB', 'sysApplRunTable', { readOnly: true }));
    const pastTable = ctx.table(tableDefFromMib('SYSAPPL-MIB', 'sysApplPastRunTable', { readOnly: true }));
    let removed = 0;
    ctx.scalar({ name: 'sysApplPastRunMaxRows', oid: SYSAPPL.sysApplPastRunMaxRows, type: 'Unsigned32', access: 'read-only', value: PAST_MAX });
    ctx.scalar({ name: 'sysApplPastRunTableRemItems', oid: SYSAPPL.sysApplPastRunTableRemItems, type: 'Counter', access: 'read-only', get: () => removed });

    const pkg = c.applPackage();
    if (pkg) {
      pkgTable.setRow([pkg.index, clip(pkg.manufacturer, 128), clip(pkg.productName, 128), clip(pkg.version, 16), clip(pkg.serialNumber, 128), dateOf(pkg.installedMs), clip(pkg.location, 255)]);
    }
    const pkgIndex = pkg?.index ?? 1;
    let current = new Map<number, ApplRun>();
    const pastOrder: number[] = [];
    const update = () => {
      const runs = c.applRuns();
      const next = new Map(runs.map((r) => [r.pid, r]));
      syncTable(runTable, runs.map((r) => [pkgIndex, r.pid, dateOf(r.startedMs), r.state]), (row) => [row[0] as number, row[1] as number]);
      // Runs that vanished since the last scan become past runs.
      for (const [pid, old] of current) {
        if (next.has(pid)) continue;
        pastTable.setRow([pkgIndex, pid, dateOf(old.startedMs), 3, encodeDateAndTime(new Date())]);
        const at = pastOrder.indexOf(pid); // a reused pid replaces its older row
        if (at >= 0) pastOrder.splice(at, 1);
        pastOrder.push(pid);
      }
      // Oldest endings go first once the table is full.
      while (pastOrder.length > PAST_MAX) {
        if (pastTable.deleteRow([pkgIndex, pastOrder.shift()!])) removed++;
      }
      current = next;
    };
    hold.follow({ processes: update }, (_topic, e) => ctx.log('warn', `sappagt: updating sysApplRunTable failed: ${e instanceof Error ? e.message : String(e)}`));
  },

  stop() {
    hold?.release();
    hold = undefined;
  },
};
