// Number expansion (stage 5, "normalise"): the user part of a URI addressed to this
// server, as routing, the registry, authentication and accounting see it.
//
// Two steps, both only for a user part that counts as numeric (every character in
// NumericUsernameCharacterSet; URI parameters after ';' are not looked at):
//   1. visual separators . - ( ) are dropped: "(303) 555-0122" style dialling becomes
//      digits, as the route database expects;
//   2. with Cisco_Numexpand On, the first NumExp rule that matches rewrites the number
//      ("5.... +1303555...." turns 50122 into +13035550122; "+1888555.... ...." strips).
//
// Which plan: the guide speaks of one global set of rules and gives no way to pick a plan
// by name or domain, so the rules of every <NumberPlan> block form one list, in file
// order, and the first match wins. Headers are never rewritten; callers keep the result.
import type { Config } from '../../config/loader.js';
import type { NormaliseStage } from '../../proxy/stages.js';
import type { NumExpRule } from './directives.js';

/** Characters the guide calls visual separators. */
const SEPARATORS = new Set(['.', '-', '(', ')']);

/** One rule, ready to test: same length, literal positions equal, `.` positions digits. */
interface CompiledRule {
  readonly rule: NumExpRule;
  readonly from: string;
  /** Indexes of the `.` wildcards in `from`. */
  readonly wild: readonly number[];
  /** `to` split around its `.`s: to = parts[0] d parts[1] d … parts[n]. */
  readonly toParts: readonly string[];
}

/** Everything the expander needs from one config snapshot. */
export interface CompiledPlan {
  readonly enabled: boolean;
  readonly charset: ReadonlySet<string>;
  /** Rules by the length of their `from`, in file order within each length. */
  readonly byLength: ReadonlyMap<number, readonly (CompiledRule & { readonly order: number })[]>;
  readonly ruleCount: number;
}

function compileRule(rule: NumExpRule): CompiledRule {
  const wild: number[] = [];
  for (let i = 0; i < rule.from.length; i++) if (rule.from[i] === '.') wild.push(i);
  return { rule, from: rule.from, wild, toParts: rule.to.split('.') };
}

export function compilePlan(config: Config): CompiledPlan {
  const v = config.values;
  const byLength = new Map<number, (CompiledRule & { order: number })[]>();
  let order = 0;
  for (const plan of v.NumberPlan) {
    for (const rule of plan.NumExp as readonly NumExpRule[]) {
      const c = { ...compileRule(rule), order: order++ };
      const list = byLength.get(rule.from.length);
      if (list) list.push(c);
      else byLength.set(rule.from.length, [c]);
    }
  }
  return { enabled: v.Cisco_Numexpand, charset: new Set(v.NumericUsernameCharacterSet), byLength, ruleCount: order };
}

const isDigit = (c: string) => c >= '0' && c <= '9';

/** Apply one rule; undefined when the number does not match it. */
function applyRule(r: CompiledRule, n: string): string | undefined {
  if (n.length !== r.from.length) return undefined;
  for (let i = 0; i < n.length; i++) {
    const p = r.from[i];
    if (p === '.' ? !isDigit(n[i]) : p !== n[i]) return undefined;
  }
  // The `.`s of `to` take the digits of the last wildcards of `from` (the directive
  // parser guarantees `to` has no more of them), so extra wildcards drop leading digits.
  const need = r.toParts.length - 1;
  const digits = r.wild.slice(r.wild.length - need).map((i) => n[i]);
  let out = r.toParts[0];
  for (let k = 0; k < need; k++) out += digits[k] + r.toParts[k + 1];
  return out;
}

/** True when every character of the user (parameters excluded) is in the numeric set. */
export function isNumericUser(user: string, charset: ReadonlySet<string>): boolean {
  if (user === '') return false;
  for (const c of user) if (!charset.has(c)) return false;
  return true;
}

/** What expansion did to one user part: the result and the rule that matched, if any. */
export interface Expansion {
  readonly user: string;
  readonly rule?: NumExpRule;
}

/** Expand one user part with a compiled plan (pure), saying which rule matched. */
export function expandDetail(plan: CompiledPlan, user: string): Expansion {
  const semi = user.indexOf(';');
  const base = semi < 0 ? user : user.slice(0, semi);
  if (!isNumericUser(base, plan.charset)) return { user };
  let n = '';
  for (const c of base) if (!SEPARATORS.has(c)) n += c;
  if (n === '') return { user }; // nothing but separators: leave it as written
  let rule: NumExpRule | undefined;
  if (plan.enabled) {
    for (const r of plan.byLength.get(n.length) ?? []) {
      const out = applyRule(r, n);
      if (out !== undefined) {
        n = out;
        rule = r.rule;
        break;
      }
    }
  }
  const result = semi < 0 ? n : n + user.slice(semi);
  return rule ? { user: result, rule } : { user: result };
}

/** Expand one user part with a compiled plan (pure). */
export function expandWith(plan: CompiledPlan, user: string): string {
  return expandDetail(plan, user).user;
}

/** The first rule that matches a number, for diagnostics (DebugFlag Numexpand) and tests. */
export function matchingRule(plan: CompiledPlan, number: string): NumExpRule | undefined {
  for (const r of plan.byLength.get(number.length) ?? []) if (applyRule(r, number) !== undefined) return r.rule;
  return undefined;
}

export interface NumberExpanderOptions {
  /** Written for each user part expansion changed, when DebugFlag Numexpand is On. */
  readonly debug?: (message: string) => void;
}

/**
 * The stage-5 module. One instance serves every snapshot: each Config is compiled once,
 * on first use, and forgotten with the snapshot.
 */
export class NumberExpander implements NormaliseStage {
  private readonly plans = new WeakMap<Config, CompiledPlan>();

  constructor(private readonly opts: NumberExpanderOptions = {}) {}

  plan(config: Config): CompiledPlan {
    let p = this.plans.get(config);
    if (!p) {
      p = compilePlan(config);
      this.plans.set(config, p);
    }
    return p;
  }

  expand(user: string, config: Config): string {
    const x = expandDetail(this.plan(config), user);
    // The flag is checked first so that an unchanged or unlogged expansion costs no formatting.
    if (x.user !== user && this.opts.debug && config.values.DebugFlag.Numexpand) {
      this.opts.debug(`numexp: ${user} -> ${x.user} (${x.rule ? `NumExp ${x.rule.from} ${x.rule.to}` : 'visual separators removed, no NumExp rule matched'})`);
    }
    return x.user;
  }
}
