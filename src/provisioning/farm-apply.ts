// "Apply to the whole farm" on the Farm/Proxies pages: after a tab is saved here, the
// farm-wide directives it changed are pushed as a new generation of the shared farm
// configuration (src/server/farm-push.ts), with the lines this host's sipd.conf now has,
// and every member's outcome is awaited for a bounded time. Host-specific directives stay
// on this host and are named as such.
import { directiveArgs } from '../config/conf-edit.js';
import { isFarmOnMySql, notFarmWide } from '../server/farm-config.js';
import { memberLine, pushToFarm } from '../server/farm-push.js';
import { FarmConfigTable } from '../stores/mysql/farm-config-store.js';
import { describeMySqlError } from '../stores/mysql/pool.js';
import { mysqlPoolFromConfig } from '../stores/open.js';
import { readConf } from './conf-save.js';
import type { PserverDeps } from './deps.js';

/** How long the page waits for the members (they read the shared table every 2 s). */
export const FARM_APPLY_WAIT_MS = 20_000;

export interface FarmMemberOutcome {
  readonly name: string;
  /** applied, unchanged, invalid, restart-pending, failed; 'not answering' without an outcome. */
  readonly state: string;
  readonly operation: string;
  readonly detail: readonly string[];
  /** The line `sip farm push` prints for it. */
  readonly line: string;
}

export interface FarmApplyOutcome {
  /** A generation was written and every member applied it (or has it pending a restart). */
  readonly ok: boolean;
  readonly gen?: number;
  readonly pushed: readonly string[];
  /** Changed directives kept on this host, with why. */
  readonly notPushed: readonly string[];
  readonly members: readonly FarmMemberOutcome[];
  /** Why nothing was pushed (not a farm member, a check failed, the database did not answer). */
  readonly error?: string;
}

/** Whether this host can push: a farm member on the shared database. */
export function canApplyToFarm(deps: PserverDeps): boolean {
  return isFarmOnMySql(deps.config());
}

/** Push the directives a save changed (names as applyTab reports them). */
export async function applyToFarm(deps: PserverDeps, changed: readonly string[], user: string, waitMs = FARM_APPLY_WAIT_MS): Promise<FarmApplyOutcome> {
  const config = deps.config();
  const notPushed: string[] = [];
  const values: Record<string, string[]> = {};
  const lines = readConf(deps.configFile).split('\n');
  for (const name of changed) {
    const why = notFarmWide(name);
    if (why) notPushed.push(why);
    else values[name] = directiveArgs(lines, name);
  }
  const pushed = Object.keys(values);
  const none = { pushed, notPushed, members: [] };
  if (!isFarmOnMySql(config)) return { ...none, ok: false, error: `${deps.configFile} is not a farm member on the shared database (DB_MySQL On and the farm member lists set): saved on this host only` };
  if (!pushed.length) return { ...none, ok: false, error: 'no farm-wide directive changed: nothing pushed' };
  let pool;
  try {
    pool = mysqlPoolFromConfig(config, () => undefined);
  } catch (e) {
    return { ...none, ok: false, error: (e as Error).message };
  }
  try {
    const r = await pushToFarm(config, new FarmConfigTable(pool, config.values.DB_MySQL_DB), values, { allowRestart: false, by: `${user} (pserver)`, waitMs });
    if (!r.ok) return { ...none, ok: false, error: `nothing pushed: ${r.errors.join('; ')}` };
    const members = r.members.map((m) => ({
      name: m.name,
      state: m.outcome?.state ?? 'not answering',
      operation: m.outcome?.operation ?? 'none',
      detail: m.outcome?.detail ?? [],
      line: memberLine(m, r.gen, Math.round(waitMs / 1000)),
    }));
    return { ok: r.allGood, gen: r.gen, pushed, notPushed, members };
  } catch (e) {
    return { ...none, ok: false, error: `the shared database: ${describeMySqlError(e)}` };
  } finally {
    await pool.close();
  }
}
