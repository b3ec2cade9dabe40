// sps_setup's interview: one question per line of standard input, the current value in
// brackets as the default, three tries for a valid answer.
import { createInterface } from 'node:readline';
import { KEYS, QUESTIONS, SECRET, normalise } from './questions.js';
import type { Answers, Key } from './questions.js';
import { CARRIED, carry } from './starting-answers.js';

/** Looks at the MySQL server before mysql_create_db is asked: the default answer and why. */
export type CreateProbe = (a: Answers) => Promise<{ answer: 'yes' | 'no'; note: string }>;

/** Ask every question that applies; empty input takes the default. */
export async function ask(base: Answers, oldAddress: string, oldName: string, probe: CreateProbe): Promise<Answers | string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const it = rl[Symbol.asyncIterator]();
  const a: Answers = { ...base };
  try {
    process.stdout.write('OpenSPS setup. Press Enter to keep the value in brackets.\n');
    for (const k of KEYS) {
      const q = QUESTIONS[k];
      if (q.when && !q.when(a)) continue;
      if ((CARRIED as readonly Key[]).includes(k)) carry(a, k, oldAddress, oldName);
      if (k === 'mysql_create_db') {
        const p = await probe(a);
        a.mysql_create_db = p.answer;
        process.stdout.write(`  (${p.note})\n`);
      }
      for (let tries = 0; ; tries++) {
        const shown = SECRET.has(k) && a[k] ? '********' : (a[k] ?? '');
        process.stdout.write(`${q.text} [${shown}]: `);
        const r = await it.next();
        if (r.done) return 'the input ended before every question was answered';
        // Enter keeps the default; "-" empties an optional value.
        const typed = r.value.trim();
        const v = typed === '' ? (a[k] ?? '') : typed === '-' ? '' : normalise(k, typed);
        const why = q.check(v, a);
        if (!why) {
          a[k] = v;
          break;
        }
        process.stdout.write(`  not valid: expected ${why}\n`);
        if (tries >= 2) return `${k}: no valid answer after 3 tries`;
      }
    }
    return a;
  } finally {
    rl.close();
  }
}
