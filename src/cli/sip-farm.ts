// `sip farm push` and `sip farm status`: farm-wide sipd.conf values through the shared
// database (src/server/farm-push.ts). Every member's sipd applies a pushed generation to
// its own sipd.conf, checked as `sipd -t` checks it, and runs the operation it needs.
//
//   sip farm push [--wait SECONDS] [--restart] [--from FILE] [NAME VALUE]... [-f CONF]
//   sip farm status [GENERATION] [-f CONF]
//
// A VALUE is the directive's arguments as written in sipd.conf ("" switches the directive
// off); a NAME given twice gives two lines. --from reads directive lines from a file (the
// option is not -f, which names sip's configuration file everywhere else).
// Exit codes: 0 every member applied it; 1 a member refused or failed it, did not answer,
// or nothing was pushed; 2 usage.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Config } from '../server/config.js';
import { isFarmOnMySql, parseDirectiveLines } from '../server/farm-config.js';
import { awaitOutcomes, expectedMembers, memberLine, pushToFarm, resultOk } from '../server/farm-push.js';
import { FarmConfigTable } from '../stores/mysql/farm-config-store.js';
import { describeMySqlError } from '../stores/mysql/pool.js';
import { mysqlPoolFromConfig } from '../stores/open.js';

export const FARM_USAGE = `       sip farm push [--wait SECONDS] [--restart] [--from FILE] [NAME VALUE]... [-f FILE]
       sip farm status [GENERATION] [-f FILE]
  push      set farm-wide directives on every member (VALUE as written in sipd.conf, "" to switch off)
  --wait    how long to wait for every member's outcome (default 30; 0: do not wait)
  --restart let members restart sipd when a changed directive needs a full restart
  --from    read directive lines (as in sipd.conf) from FILE`;

const DEFAULT_WAIT_S = 30;
const MAX_WAIT_S = 3600;

type FarmCommand =
  | { readonly sub: 'push'; readonly waitS: number; readonly restart: boolean; readonly values: Record<string, string[]> }
  | { readonly sub: 'status'; readonly gen?: number };

/** The words after `farm` (sip's own -f already taken out). */
export function parseFarmArgs(words: readonly string[]): { ok: true; cmd: FarmCommand } | { ok: false; error: string } {
  const [sub, ...rest] = words;
  if (sub === 'status') {
    if (rest.length > 1) return { ok: false, error: 'farm status takes at most a generation number' };
    if (rest.length && !/^[1-9]\d{0,15}$/.test(rest[0])) return { ok: false, error: `"${rest[0]}" is not a generation number` };
    return { ok: true, cmd: { sub, ...(rest.length && { gen: Number(rest[0]) }) } };
  }
  if (sub !== 'push') return { ok: false, error: sub === undefined ? 'farm needs push or status' : `unknown farm command "${sub}"` };
  let waitS = DEFAULT_WAIT_S;
  let restart = false;
  const values: Record<string, string[]> = {};
  const pairs: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i];
    if (w === '--wait') {
      const v = rest[++i];
      if (v === undefined || !/^\d{1,4}$/.test(v) || Number(v) > MAX_WAIT_S) return { ok: false, error: `--wait needs a number of seconds from 0 to ${MAX_WAIT_S}` };
      waitS = Number(v);
    } else if (w === '--restart') restart = true;
    else if (w === '--from') {
      const file = rest[++i];
      if (file === undefined) return { ok: false, error: '--from needs a file name' };
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        return { ok: false, error: `cannot read ${file}: ${(e as Error).message}` };
      }
      const r = parseDirectiveLines(text, file);
      if (!r.ok) return { ok: false, error: r.errors.join('\n') };
      for (const [n, v] of Object.entries(r.values)) values[n] = [...(values[n] ?? []), ...v];
    } else if (w.startsWith('--')) return { ok: false, error: `unknown option "${w}"` };
    else pairs.push(w);
  }
  if (pairs.length % 2) return { ok: false, error: `directive ${pairs[pairs.length - 1]} has no value (give "" to switch it off)` };
  for (let i = 0; i < pairs.length; i += 2) {
    const [name, value] = [pairs[i], pairs[i + 1]];
    if (!/^[A-Za-z_]\w*$/.test(name)) return { ok: false, error: `"${name}" is not a directive name` };
    values[name] ??= [];
    if (value.trim()) values[name].push(value);
  }
  if (!Object.keys(values).length) return { ok: false, error: 'farm push needs at least one directive (NAME VALUE, or --from FILE)' };
  return { ok: true, cmd: { sub, waitS, restart, values } };
}

function whoAmI(): string {
  let user = `uid ${process.getuid?.() ?? '?'}`;
  try {
    user = os.userInfo().username;
  } catch {
    /* a uid without a passwd entry */
  }
  return `${user}@${os.hostname()} (sip farm push)`;
}

/** Run a farm command for the configuration `c`; output on stdout/stderr, returns the exit code. */
export async function farmMain(c: Config, cmd: FarmCommand): Promise<number> {
  const say = (s: string) => process.stdout.write(s + '\n');
  const complain = (s: string) => process.stderr.write(s + '\n');
  if (!isFarmOnMySql(c)) {
    complain(`sip: ${c.file} is not a farm member on the shared database: DB_MySQL must be On and Cisco_Registry_Farm_Members or Cisco_Routing_Farm_Members must name the other members`);
    return 1;
  }
  let pool;
  try {
    pool = mysqlPoolFromConfig(c, () => undefined);
  } catch (e) {
    complain(`sip: ${(e as Error).message}`);
    return 1;
  }
  const table = new FarmConfigTable(pool, c.values.DB_MySQL_DB);
  try {
    if (cmd.sub === 'push') {
      const r = await pushToFarm(c, table, cmd.values, { allowRestart: cmd.restart, by: whoAmI(), waitMs: cmd.waitS * 1000 });
      if (!r.ok) {
        for (const e of r.errors) complain(`sip: ${e}`);
        complain('sip: farm push: nothing was pushed');
        return 1;
      }
      say(`sip: farm push: generation ${r.gen} written (${Object.keys(cmd.values).join(', ')})`);
      if (!cmd.waitS) {
        say('sip: not waiting for the members; see sip farm status');
        return 0;
      }
      for (const m of r.members) say(memberLine(m, r.gen, cmd.waitS));
      return r.allGood ? 0 : 1;
    }
    const g = await table.generation(cmd.gen);
    if (!g) {
      say(cmd.gen ? `sip: there is no farm configuration generation ${cmd.gen}` : 'sip: no farm configuration was ever pushed');
      return cmd.gen ? 1 : 0;
    }
    say(`generation ${g.gen}, pushed by ${g.pushedBy} at ${new Date(g.pushedAt).toISOString()}${g.allowRestart ? ', restart allowed' : ''}`);
    for (const [n, v] of Object.entries(g.pushed)) say(`  ${n} ${v.length ? v.join(' / ') : '(switched off)'}`);
    const members = await awaitOutcomes(table, expectedMembers(c), g.gen, 0);
    for (const m of members) say(memberLine(m, g.gen));
    return resultOk(members) ? 0 : 1;
  } catch (e) {
    complain(`sip: farm ${cmd.sub}: the shared database: ${describeMySqlError(e)}`);
    return 1;
  } finally {
    await pool.close();
  }
}
