// The farm check's schedule: a cron expression run by node-cron (five fields, minute hour
// day-of-month month day-of-week, or six with seconds first). Checked when farmagt.cnf is
// read, so a bad schedule is reported at its line instead of failing at start.
import cron from 'node-cron';

/** Throws an Error naming the field at fault when `text` is no cron expression. */
export function checkCron(text: string): void {
  const v = cron.validateDetailed(text);
  if (v.valid) return;
  const why = v.errors.map((e) => (e.field === 'expression' ? e.message : `${e.field} field "${e.value ?? ''}": ${e.message}`)).join('; ');
  throw new Error(`"${text}" is not a cron schedule (minute hour day month weekday, or seconds first): ${why || 'invalid'}`);
}

/** Run `fn` on the schedule; a run still going when the next is due is skipped. */
export function runOnSchedule(text: string, fn: () => void | Promise<void>): { stop(): void } {
  const task = cron.schedule(text, fn, { noOverlap: true, name: 'farm check' });
  return { stop: () => void task.stop() };
}
