// sps_setup's answers files: key=value lines, read by --answers FILE and written to
// conf/sps_setup.answers after each run so that the next run starts from them.
import { nearest } from '../../config/suggest.js';
import { KEYS, normalise } from './questions.js';
import type { Answers, Key } from './questions.js';

/**
 * Not kept in sps_setup.answers: the administrator's password never goes to disk, and
 * creating the database is asked for each run (without the password it could not be repeated).
 */
const NOT_SAVED: ReadonlySet<Key> = new Set(['mysql_create_db', 'mysql_admin_password']);

/** The answers, the errors (file:line), and the line each key was read from. */
export function parseAnswers(text: string, file: string): { answers: Answers; errors: string[]; lines: Partial<Record<Key, number>> } {
  const answers: Answers = {};
  const lines: Partial<Record<Key, number>> = {};
  const errors: string[] = [];
  text.replace(/\r\n?/g, '\n').split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      errors.push(`${file}:${i + 1}: expected key=value, found "${line}"`);
      return;
    }
    const key = m[1].toLowerCase().replace(/-/g, '_');
    if (!(KEYS as readonly string[]).includes(key)) {
      const near = nearest(key, KEYS);
      errors.push(`${file}:${i + 1}: unknown key "${m[1]}"${near ? ` (did you mean ${near}?)` : ''}; valid: ${KEYS.join(', ')}`);
      return;
    }
    let v = m[2].trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) v = v.slice(1, -1);
    answers[key as Key] = normalise(key as Key, v);
    lines[key as Key] = i + 1;
  });
  return { answers, errors, lines };
}

export function formatAnswers(a: Answers): string {
  return (
    '# Answers of the last sps_setup run (sps_setup --answers FILE reads this format).\n' +
    KEYS.filter((k) => a[k] !== undefined && !NOT_SAVED.has(k)).map((k) => `${k}=${a[k]}`).join('\n') +
    '\n'
  );
}
