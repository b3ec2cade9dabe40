// Splits sipd.conf text into statements, Apache style: one directive per logical line,
// `\` at the end of a line continues it, `#` starts a comment line, double or single
// quotes keep blanks inside a value, and `<Name id>` / `</Name>` open and close blocks.
import type { Arg } from './spec.js';

export type Statement =
  | { readonly kind: 'directive'; readonly name: string; readonly line: number; readonly col: number; readonly args: readonly Arg[]; readonly endCol: number }
  | { readonly kind: 'open'; readonly name: string; readonly line: number; readonly col: number; readonly args: readonly Arg[] }
  | { readonly kind: 'close'; readonly name: string; readonly line: number; readonly col: number };

export interface LexError {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

interface Char {
  readonly ch: string;
  readonly line: number;
  readonly col: number;
}

/** Join continued lines, keeping each character's original line and column. */
function logicalLines(text: string): Char[][] {
  const physical = text.replace(/\r\n?/g, '\n').split('\n');
  const out: Char[][] = [];
  let current: Char[] = [];
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i];
    const trimmedEnd = raw.replace(/[ \t]+$/, '');
    const continued = trimmedEnd.endsWith('\\');
    const body = continued ? trimmedEnd.slice(0, -1) : raw;
    // A leading # on the first physical line makes the whole logical line a comment.
    for (let c = 0; c < body.length; c++) current.push({ ch: body[c], line: i + 1, col: c + 1 });
    if (continued && i < physical.length - 1) {
      current.push({ ch: ' ', line: i + 1, col: body.length + 1 });
      continue;
    }
    out.push(current);
    current = [];
  }
  if (current.length) out.push(current);
  return out;
}

/** Tokenise one logical line into arguments; quotes group, backslash escapes inside quotes. */
function tokens(chars: Char[], errors: LexError[]): Arg[] | undefined {
  const out: Arg[] = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i];
    if (c.ch === ' ' || c.ch === '\t') {
      i++;
      continue;
    }
    if (c.ch === '"' || c.ch === "'") {
      const quote = c.ch;
      let text = '';
      let j = i + 1;
      let closed = false;
      while (j < chars.length) {
        const d = chars[j].ch;
        if (d === '\\' && j + 1 < chars.length && (chars[j + 1].ch === quote || chars[j + 1].ch === '\\')) {
          text += chars[j + 1].ch;
          j += 2;
          continue;
        }
        if (d === quote) {
          closed = true;
          j++;
          break;
        }
        text += d;
        j++;
      }
      if (!closed) {
        errors.push({ line: c.line, col: c.col, message: `unterminated ${quote === '"' ? 'double' : 'single'} quote` });
        return undefined;
      }
      if (j < chars.length && chars[j].ch !== ' ' && chars[j].ch !== '\t' && chars[j].ch !== '>') {
        errors.push({ line: chars[j].line, col: chars[j].col, message: 'a quoted value must be followed by a blank' });
        return undefined;
      }
      out.push({ text, quoted: true, line: c.line, col: c.col });
      i = j;
      continue;
    }
    let text = '';
    let j = i;
    while (j < chars.length && chars[j].ch !== ' ' && chars[j].ch !== '\t') {
      text += chars[j].ch;
      j++;
    }
    out.push({ text, quoted: false, line: c.line, col: c.col });
    i = j;
  }
  return out;
}

export function lex(text: string): { statements: Statement[]; errors: LexError[] } {
  const statements: Statement[] = [];
  const errors: LexError[] = [];
  for (const chars of logicalLines(text)) {
    const first = chars.findIndex((c) => c.ch !== ' ' && c.ch !== '\t');
    if (first < 0) continue;
    const start = chars[first];
    if (start.ch === '#') continue;
    // A line that cannot be split into arguments is reported once, by the lexer.
    const toks = tokens(chars.slice(first), errors);
    if (!toks?.length) continue;
    const head = toks[0];
    if (!head.quoted && head.text.startsWith('</')) {
      const m = /^<\/([A-Za-z_][\w]*)>$/.exec(head.text);
      if (!m || toks.length > 1) {
        errors.push({ line: head.line, col: head.col, message: `malformed closing tag; write </Name>` });
        continue;
      }
      statements.push({ kind: 'close', name: m[1], line: head.line, col: head.col });
      continue;
    }
    if (!head.quoted && head.text.startsWith('<')) {
      const last = toks[toks.length - 1];
      if (!last.text.endsWith('>') || (last.quoted && toks.length === 1)) {
        errors.push({ line: head.line, col: head.col, message: `block opening tag is missing its closing ">"` });
        continue;
      }
      // Strip "<" from the name and ">" from the last token (which may be the name itself).
      const parts = toks.map((t) => ({ ...t }));
      parts[0] = { ...parts[0], text: parts[0].text.slice(1), col: parts[0].col + 1 };
      const lastIdx = parts.length - 1;
      parts[lastIdx] = { ...parts[lastIdx], text: parts[lastIdx].text.slice(0, -1) };
      const args = parts.slice(1).filter((a) => a.quoted || a.text !== '');
      if (!/^[A-Za-z_]\w*$/.test(parts[0].text)) {
        errors.push({ line: head.line, col: head.col, message: `malformed block tag "${head.text}"` });
        continue;
      }
      statements.push({ kind: 'open', name: parts[0].text, line: head.line, col: head.col, args });
      continue;
    }
    if (head.quoted) {
      errors.push({ line: head.line, col: head.col, message: 'a line must start with a directive name, not a quoted value' });
      continue;
    }
    statements.push({ kind: 'directive', name: head.text, line: head.line, col: head.col, args: toks.slice(1), endCol: head.col + head.text.length });
  }
  return { statements, errors };
}
