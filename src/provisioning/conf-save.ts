// Saving sipd.conf from the GUI: the edited text is checked by the very loader `sipd -t`
// uses, so the GUI accepts exactly what sipd accepts and shows the same messages; a good
// text replaces the file atomically (a temporary file beside it, then rename), keeping the
// file's mode and owner, so sipd never reads half a file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../common/atomic-file.js';
import { lex } from '../config/lexer.js';
import { formatMessage, parseConfig } from '../server/config.js';
import type { ConfigMessage } from '../server/config.js';

export interface SaveError {
  /** The directive or block the message is about, when its line sets one. */
  readonly field?: string;
  /** As `sipd -t` prints it: file:line:col: message. */
  readonly text: string;
}

export type SaveResult = { readonly ok: true; readonly warnings: readonly string[] } | { readonly ok: false; readonly errors: readonly SaveError[] };

/** A short fingerprint of a text, so that a form can tell the file changed since it was shown. */
export function textDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export function readConf(file: string): string {
  return readFileSync(file, 'utf8');
}

/** The directive (or block, for a line inside one) set on each line of the text. */
function fieldsByLine(text: string): Map<number, string> {
  const byLine = new Map<number, string>();
  let block: string | undefined;
  for (const st of lex(text).statements) {
    if (st.kind === 'open') block = st.name;
    byLine.set(st.line, block ?? st.name);
    if (st.kind === 'close') block = undefined;
    if (st.kind === 'directive') for (const a of st.args) if (!byLine.has(a.line)) byLine.set(a.line, block ?? st.name);
  }
  return byLine;
}

/** Each error of a text that fails to load, with the field it belongs to. */
export function checkConf(text: string, file: string): SaveResult {
  const r = parseConfig(text, file);
  if (r.ok) return { ok: true, warnings: r.warnings.map(formatMessage) };
  const byLine = fieldsByLine(text);
  const canonical = (name: string | undefined) => name && /^[A-Za-z_][\w]*$/.test(name) ? name : undefined;
  return {
    ok: false,
    errors: r.errors.map((e: ConfigMessage) => {
      // A cross-directive check names its directive at the start of the message.
      const named = /^([A-Za-z_]\w*):/.exec(e.message)?.[1];
      const field = canonical(byLine.get(e.line)) ?? canonical(named);
      return { ...(field ? { field } : {}), text: formatMessage(e) };
    }),
  };
}

/**
 * Check and save. `expectedDigest` is the digest of the text the edit started from: when
 * the file changed on disk since, nothing is written and the error says so.
 */
export function saveConf(file: string, text: string, expectedDigest?: string): SaveResult {
  if (expectedDigest !== undefined && textDigest(readConf(file)) !== expectedDigest) {
    return { ok: false, errors: [{ text: `${file} was changed by someone else since this page was shown; reload it and make the change again` }] };
  }
  const checked = checkConf(text, file);
  if (checked.ok) writeAtomic(file, text);
  return checked;
}
