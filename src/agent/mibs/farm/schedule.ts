// Cron expressions for the farm check's schedule, in node-cron's syntax: five fields
// (minute hour day-of-month month day-of-week) or six with seconds first; each field `*`,
// a number, a range `a-b`, a list `a,b`, and a step `*/n` or `a-b/n`. Day of week 0-7
// (0 and 7 are Sunday). As in cron, when both day fields are restricted a day matching
// either one is taken.
//
// node-cron is not among the project's packages yet; this small parser keeps the same
// syntax so farmagt.cnf's schedules stay valid if it replaces this file.

interface Field {
  readonly min: number;
  readonly max: number;
}

const FIELDS: readonly Field[] = [
  { min: 0, max: 59 }, // second
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12 }, // month
  { min: 0, max: 7 }, // day of week
];
const NAMES = ['second', 'minute', 'hour', 'day of month', 'month', 'day of week'];

export interface CronSchedule {
  readonly text: string;
  /** The first time strictly after `after` (ms) that matches, in local time. */
  next(after: number): number;
}

/** Parse a cron expression; throws an Error naming the field at fault. */
export function parseCron(text: string): CronSchedule {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) throw new Error(`"${text}": a schedule has 5 fields (minute hour day month weekday) or 6 (seconds first)`);
  const all = parts.length === 5 ? ['0', ...parts] : parts;
  const sets = all.map((p, i) => parseField(p, FIELDS[i], NAMES[i]));
  // Sunday is 0 or 7.
  if (sets[5].has(7)) sets[5].add(0);
  const domAny = all[3] === '*';
  const dowAny = all[5] === '*';
  const dayOk = (d: Date) => {
    const dom = sets[3].has(d.getDate());
    const dow = sets[5].has(d.getDay());
    if (domAny && dowAny) return true;
    if (domAny) return dow;
    if (dowAny) return dom;
    return dom || dow;
  };
  return {
    text,
    next(after: number): number {
      const d = new Date(after - (after % 1000) + 1000);
      // At most about 5 years of days are looked at: an impossible date (31 February) ends.
      for (let guard = 0; guard < 366 * 5 * 24 * 60; ) {
        if (!sets[4].has(d.getMonth() + 1) || !dayOk(d)) {
          d.setHours(0, 0, 0, 0);
          d.setDate(d.getDate() + 1);
          guard += 24 * 60;
          continue;
        }
        if (!sets[2].has(d.getHours())) {
          d.setMinutes(0, 0, 0);
          d.setHours(d.getHours() + 1);
          guard += 60;
          continue;
        }
        if (!sets[1].has(d.getMinutes())) {
          d.setSeconds(0, 0);
          d.setMinutes(d.getMinutes() + 1);
          guard++;
          continue;
        }
        if (!sets[0].has(d.getSeconds())) {
          d.setSeconds(d.getSeconds() + 1, 0);
          continue;
        }
        return d.getTime();
      }
      throw new Error(`"${text}" never matches a date`);
    },
  };
}

function parseField(text: string, f: Field, name: string): Set<number> {
  const out = new Set<number>();
  const bad = (why: string) => new Error(`${name} field "${text}": ${why}`);
  for (const item of text.split(',')) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw bad('expected *, a number, a range a-b, a list or a step /n');
    let lo = f.min;
    let hi = f.max;
    if (m[1] !== '*') {
      const [a, b] = m[1].split('-').map(Number);
      lo = a;
      hi = b ?? (m[2] ? f.max : a);
      if (lo < f.min || hi > f.max || lo > hi) throw bad(`out of range ${f.min}-${f.max}`);
    }
    const step = m[2] ? Number(m[2]) : 1;
    if (step < 1) throw bad('a step must be at least 1');
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Run `fn` at every time the schedule matches until stopped (unref'd timers: it never keeps the process alive). */
export function runOnSchedule(s: CronSchedule, fn: () => void, now: () => number = Date.now): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const at = s.next(now());
    // setTimeout holds at most about 24.8 days: a longer wait is taken in steps.
    const wait = Math.min(Math.max(0, at - now()), 2 ** 31 - 1);
    timer = setTimeout(() => {
      if (now() + 5 >= at) fn();
      arm();
    }, wait);
    timer.unref();
  };
  arm();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
