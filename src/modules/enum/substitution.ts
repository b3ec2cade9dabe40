// The substitution expression of a NAPTR record's regexp field (RFC 3402 §3.2):
//   delim ERE delim replacement delim [i]
// The delimiter is any character but a digit, a backslash or the flag "i"; written
// "\" + delim it stands for itself inside the ERE or the replacement. In the replacement
// "\1" … "\9" insert what the ERE's groups matched and "\" + any other character is that
// character. The ERE is POSIX extended syntax, close enough to JavaScript's for what
// ENUM zones hold; its [:class:] brackets are translated.

export interface Substitution {
  readonly pattern: RegExp;
  /** The replacement as parts: literal text, or the number of a group. */
  readonly replacement: readonly (string | number)[];
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  digit: '0-9',
  alpha: 'A-Za-z',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  xdigit: '0-9A-Fa-f',
  punct: '!-\\/:-@\\[-`{-~',
};

const REGEX_META = /[\\^$.|?*+()[\]{}/-]/;

/** Parse the field; undefined when it is not a valid substitution expression. */
export function parseSubstitution(field: string): Substitution | undefined {
  const delim = field[0];
  if (delim === undefined || /[0-9\\i]/.test(delim)) return undefined;
  const parts: string[] = [];
  let cur = '';
  let i = 1;
  // Split into ERE and replacement at unescaped delimiters; keep other escapes for later.
  for (; i < field.length && parts.length < 2; i++) {
    const c = field[i];
    if (c === '\\' && i + 1 < field.length) {
      const n = field[i + 1];
      cur += n === delim ? `\u0000${n}` : c + n;
      i++;
    } else if (c === delim) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  if (parts.length < 2) return undefined;
  const flags = field.slice(i);
  if (flags !== '' && flags !== 'i') return undefined;
  const [ere, repl] = parts;
  let pattern: RegExp;
  try {
    pattern = new RegExp(translateEre(ere), flags);
  } catch {
    return undefined;
  }
  return { pattern, replacement: parseReplacement(repl) };
}

/** ERE in JavaScript syntax: an escaped delimiter becomes a literal, POSIX classes become ranges. */
function translateEre(ere: string): string {
  let out = '';
  for (let i = 0; i < ere.length; i++) {
    const c = ere[i];
    if (c === '\u0000') {
      const d = ere[++i];
      out += REGEX_META.test(d) ? `\\${d}` : d;
    } else if (c === '\\' && i + 1 < ere.length) {
      out += c + ere[++i];
    } else if (c === '[' && ere[i + 1] === ':') {
      const end = ere.indexOf(':]', i + 2);
      const cls = end < 0 ? undefined : POSIX_CLASSES[ere.slice(i + 2, end)];
      if (cls === undefined) throw new Error('unknown character class');
      out += cls;
      i = end + 1;
    } else {
      out += c;
    }
  }
  return out;
}

function parseReplacement(repl: string): (string | number)[] {
  const out: (string | number)[] = [];
  let text = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i];
    if (c === '\u0000') {
      text += repl[++i];
    } else if (c === '\\' && i + 1 < repl.length) {
      const n = repl[++i];
      if (n >= '1' && n <= '9') {
        if (text) out.push(text);
        text = '';
        out.push(Number(n));
      } else {
        text += n;
      }
    } else {
      text += c;
    }
  }
  if (text) out.push(text);
  return out;
}

/**
 * Apply a parsed expression to the application's string (for ENUM, the number as
 * +digits): the matched part is replaced, as sed's s command does; undefined when the
 * ERE does not match.
 */
export function applySubstitution(s: Substitution, input: string): string | undefined {
  const m = s.pattern.exec(input);
  if (!m) return undefined;
  const replaced = s.replacement.map((p) => (typeof p === 'number' ? (m[p] ?? '') : p)).join('');
  return input.slice(0, m.index) + replaced + input.slice(m.index + m[0].length);
}

/** Parse and apply in one step. */
export function substitute(field: string, input: string): string | undefined {
  const s = parseSubstitution(field);
  return s && applySubstitution(s, input);
}
