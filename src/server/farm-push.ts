// Pushing farm-wide values (`sip farm push`, pserver's "Apply to the whole farm"): the
// values are checked against the farm-wide rule and against this host's own sipd.conf as
// `sipd -t` would check it (a value no member could load is refused before anything is
// written), written as a new generation, and then the members' outcomes are awaited, for
// a bounded time, and matched against the members this host knows: itself and the hosts
// its farm member lists name.
import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import { checkFarmValues, confErrors, memberNames, mergeFarmValues } from './farm-config.js';
import type { FarmConfigTable, FarmOutcome, FarmValues } from '../stores/mysql/farm-config-store.js';
import { farmMemberName } from '../stores/open.js';

/** One member's answer to a generation, as the pusher reports it. */
export interface MemberResult {
  /** The name this host knows the member by (ServerName for itself, the farm list entry for the others). */
  readonly name: string;
  /** undefined: no answer (yet). */
  readonly outcome?: FarmOutcome;
  /** Listed by this host (false: a member that answered though no list names it). */
  readonly expected: boolean;
}

export interface PushResult {
  readonly gen: number;
  readonly members: readonly MemberResult[];
  /** Every expected member answered and none reported invalid or failed. */
  readonly allGood: boolean;
}

/** The members this host expects to answer: itself first, then the hosts of its farm member lists (port dropped). */
export function expectedMembers(c: Config): string[] {
  const me = farmMemberName(c).toLowerCase();
  const mine = new Set(memberNames(me, c));
  const others = [...c.values.Cisco_Registry_Farm_Members, ...c.values.Cisco_Routing_Farm_Members].map((m) => m.toLowerCase().replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/^([^:]+):\d+$/, '$1'));
  return [me, ...new Set(others.filter((m) => !mine.has(m)))];
}

/** Each expected member with its outcome (by its name, else by a name it goes by), then members nobody listed. */
export function matchOutcomes(expected: readonly string[], outcomes: readonly FarmOutcome[]): MemberResult[] {
  const left = [...outcomes];
  const take = (pred: (o: FarmOutcome) => boolean) => {
    const i = left.findIndex(pred);
    return i < 0 ? undefined : left.splice(i, 1)[0];
  };
  const byName = expected.map((name) => ({ name, outcome: take((o) => o.member.toLowerCase() === name) }));
  const results: MemberResult[] = byName.map((r) => ({ name: r.name, expected: true, ...(r.outcome && { outcome: r.outcome }) }));
  for (let i = 0; i < results.length; i++) {
    if (results[i].outcome) continue;
    const o = take((x) => x.names.includes(results[i].name));
    if (o) results[i] = { ...results[i], outcome: o };
  }
  return [...results, ...left.map((o) => ({ name: o.member, expected: false, outcome: o }))];
}

const isGood = (o: FarmOutcome) => o.state === 'applied' || o.state === 'unchanged' || o.state === 'restart-pending';

export function resultOk(members: readonly MemberResult[]): boolean {
  return members.every((m) => (m.outcome ? isGood(m.outcome) : !m.expected));
}

/** One line per member: "name: state (operation): details". */
export function memberLine(m: MemberResult, gen: number, waitedS?: number): string {
  const o = m.outcome;
  if (!o) return `${m.name}: not answering${waitedS !== undefined ? ` (no outcome within ${waitedS} s: sipd down, or not following the farm configuration)` : ''}`;
  const op = o.operation === 'graceful' ? ' (graceful restart)' : o.operation === 'restart' ? ' (restart)' : '';
  const later = o.gen !== gen ? ` [generation ${o.gen}, which superseded ${gen}]` : '';
  return `${m.name}${m.expected ? '' : ' (not in this host\'s farm member lists)'}: ${o.state}${op}${later}${o.detail.length ? `: ${o.detail.join('; ')}` : ''}`;
}

export type CheckResult = { ok: true; values: Record<string, string[]> } | { ok: false; errors: string[] };

/** The farm-wide rule, then this host's sipd.conf with the values merged must load. */
export function checkPush(c: Config, values: FarmValues): CheckResult {
  const checked = checkFarmValues(values);
  if (!checked.ok) return checked;
  let text: string;
  try {
    text = readFileSync(c.file, 'utf8');
  } catch (e) {
    return { ok: false, errors: [`cannot read ${c.file}: ${(e as Error).message}`] };
  }
  const errors = confErrors(mergeFarmValues(text, c.file, checked.values).text, c.file);
  return errors.length ? { ok: false, errors: errors.map((e) => `${e} (this host's ${c.file} with the pushed values)`) } : checked;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait (bounded) until every expected member answered generation `gen` (or a later one). */
export async function awaitOutcomes(table: FarmConfigTable, expected: readonly string[], gen: number, waitMs: number, everyMs = 300): Promise<MemberResult[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const members = matchOutcomes(expected, await table.outcomes(gen));
    if (members.every((m) => m.outcome || !m.expected) || Date.now() >= deadline) return members;
    await sleep(Math.min(everyMs, Math.max(0, deadline - Date.now())));
  }
}

/** Check, write the generation and wait for the members. Throws only for database trouble. */
export async function pushToFarm(c: Config, table: FarmConfigTable, values: FarmValues, o: { allowRestart: boolean; by: string; waitMs: number }): Promise<{ ok: false; errors: string[] } | ({ ok: true } & PushResult)> {
  const own = checkFarmValues(values);
  if (!own.ok) return own;
  // The members apply the whole set (the newest generation with these values over it), so
  // the whole set is checked: a bad value left by an earlier generation shows up here, and
  // pushing a good value for it mends the farm.
  const prev = await table.generation();
  const checked = checkPush(c, { ...(prev?.directives ?? {}), ...own.values });
  if (!checked.ok) return checked;
  const g = await table.push(own.values, { allowRestart: o.allowRestart, by: o.by });
  const expected = expectedMembers(c);
  const members = o.waitMs > 0 ? await awaitOutcomes(table, expected, g.gen, o.waitMs) : matchOutcomes(expected, []);
  return { ok: true, gen: g.gen, members, allGood: resultOk(members) };
}
