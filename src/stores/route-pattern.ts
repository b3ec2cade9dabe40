// Destination patterns of static routes (guide ch. 2 "How to Configure Routes"): parsing,
// validation with messages an administrator can act on, and the "most specific first"
// order in which matching patterns are tried.
//
// Number patterns (type phone) are matched against the user part of the Request-URI:
//   0-9 and +   themselves (+ only in front, as in E.164 numbers)
//   .           exactly one digit                      9..   matches 911, not 9111
//   *           at the end only: any further characters, none included
//                                                      9*    matches 9, 911, 914085551212
//   \*          a literal star                         \*69  matches *69
// Anything else is refused. Bracketed ranges such as 21091878[1-8] are not supported
// (the guide's troubleshooting chapter says so): one route per digit, or `.`. Visual
// separators - ( ) are removed from the number before lookup, so a pattern holding them
// could never match; they are refused too. (`.` is a wildcard in patterns, not a separator.)
//
// Domain patterns (type ip) are matched against the host part. The guide writes them
// with the labels reversed, top-level domain first, after a leading dot:
//   .com.ibm.*   ibm.com and every host below it: us.ibm.com, bldg1.sjc.ca.us.ibm.com
//   .com.ibm.us  the host us.ibm.com only
// This is our reading of the troubleshooting example (a route to `.com.ibm.*` is used
// for `INVITE sip:user@us.ibm.com` and `sip:user@bldg1.sjc.ca.us.ibm.com`): the leading
// dot marks the reversed form, and the labels then run from the root down, the way the
// original kept domains in the same prefix tree as digits. `*` stands for any number of
// further labels (none included, so ibm.com itself matches), like `*` for digits. Host
// names written the usual way are accepted as well: `us.ibm.com` (that host) and
// `*.ibm.com` (= `.com.ibm.*`). A lone `*` (or `.*`) matches every host. Raw IP addresses
// are refused: domain routes do not apply to them (guide, troubleshooting).

export interface NumberPattern {
  readonly type: 'phone';
  /** The pattern as written. */
  readonly text: string;
  /** The literal run before the first wildcard ('' when the pattern starts with `.` or `*`). */
  readonly head: string;
  /** After the head: runs of `.` (count) each followed by a literal run ('' only at the end). */
  readonly rest: readonly { readonly dots: number; readonly lit: string }[];
  /** Ends with `*`. */
  readonly star: boolean;
  readonly literals: number;
  readonly dots: number;
  /** One digit per position, 0 literal, 1 dot, 2 star: the positional tie-break compares these strings. */
  readonly shape: string;
}

export interface DomainPattern {
  readonly type: 'ip';
  readonly text: string;
  /** Labels from the top-level domain down: ['com', 'ibm'] for `.com.ibm.*`. */
  readonly labels: readonly string[];
  /** Any further labels (none included) may follow. */
  readonly star: boolean;
}

export type Pattern = NumberPattern | DomainPattern;

export type PatternResult<P> = { readonly ok: true; readonly pattern: P } | { readonly ok: false; readonly reason: string };

/** Longest pattern accepted (E.164 numbers have at most 15 digits; room for prefixes). */
export const MAX_NUMBER_PATTERN = 64;

const VALID_NUMBER_CHARS = 'digits 0-9, a leading +, . (any one digit), a final * (any further digits) and \\* (a literal star)';

/** Parse a number route's destination pattern. */
export function parseNumberPattern(text: string): PatternResult<NumberPattern> {
  const fail = (reason: string): PatternResult<NumberPattern> => ({ ok: false, reason: `number pattern "${text}": ${reason}` });
  if (text === '') return fail(`empty; use ${VALID_NUMBER_CHARS}`);
  if (text.length > MAX_NUMBER_PATTERN) return fail(`longer than ${MAX_NUMBER_PATTERN} characters`);
  let head = '';
  const rest: { dots: number; lit: string }[] = [];
  let star = false;
  let literals = 0;
  let dots = 0;
  let shape = '';
  // Literal runs are slices of the text (a pattern without wildcards is its own head,
  // sharing the string): a million patterns in memory make the copies count.
  let runStart = 0;
  let inDots = false;
  const endRun = (end: number) => {
    const run = text.slice(runStart, end);
    const lit = run.includes('\\') ? run.replace(/\\\*/g, '*') : run;
    if (rest.length) rest[rest.length - 1].lit = lit;
    else head = lit;
  };
  const literal = (i: number) => {
    if (inDots) {
      inDots = false;
      runStart = i;
    }
    literals++;
    shape += '0';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c >= '0' && c <= '9') literal(i);
    else if (c === '+') {
      if (i !== 0) return fail(`+ is allowed only as the first character (position ${i + 1})`);
      literal(i);
    } else if (c === '.') {
      if (inDots) rest[rest.length - 1].dots++;
      else {
        endRun(i);
        rest.push({ dots: 1, lit: '' });
        inDots = true;
      }
      dots++;
      shape += '1';
    } else if (c === '\\') {
      if (text[i + 1] !== '*') return fail(`a backslash may only escape a star (\\*), at position ${i + 1}`);
      literal(i);
      i++;
    } else if (c === '*') {
      if (i !== text.length - 1) return fail(`* (any further digits) may only end the pattern; write \\* for a literal star (position ${i + 1})`);
      star = true;
      shape += '2';
    } else if (c === '[' || c === ']') {
      return fail(`ranges such as [1-8] are not supported: use . for any one digit, or add one route per digit; valid are ${VALID_NUMBER_CHARS}`);
    } else if (c === '-' || c === '(' || c === ')' || c === ' ') {
      return fail(`"${c}" is a visual separator, removed from numbers before lookup, so it can never match: leave it out; valid are ${VALID_NUMBER_CHARS}`);
    } else {
      return fail(`"${c}" (position ${i + 1}) is not allowed; valid are ${VALID_NUMBER_CHARS}`);
    }
  }
  if (!inDots) endRun(star ? text.length - 1 : text.length);
  return { ok: true, pattern: { type: 'phone', text, head, rest, star, literals, dots, shape } };
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const VALID_DOMAIN = 'a host name (us.ibm.com), *.domain, or the reversed form .com.ibm.* (top-level domain first, optional final *)';

/** Parse a domain route's destination pattern (either form; see the top of this file). */
export function parseDomainPattern(text: string): PatternResult<DomainPattern> {
  const fail = (reason: string): PatternResult<DomainPattern> => ({ ok: false, reason: `domain pattern "${text}": ${reason}` });
  const t = text.trim().toLowerCase();
  if (t === '') return fail(`empty; use ${VALID_DOMAIN}`);
  if (t.length > 255) return fail('longer than 255 characters');
  if (t === '*' || t === '.*') return { ok: true, pattern: { type: 'ip', text, labels: [], star: true } };
  if (t.includes(':') || t.startsWith('[') || /^\d+(\.\d+){3}$/.test(t)) {
    return fail('domain routes match host names, not raw IP addresses; use a number route or the host name');
  }
  let labels: string[];
  let star = false;
  if (t.startsWith('.')) {
    labels = t.slice(1).split('.');
    if (labels[labels.length - 1] === '*') {
      star = true;
      labels.pop();
    }
  } else {
    let s = t.replace(/\.$/, '');
    if (s.startsWith('*.')) {
      star = true;
      s = s.slice(2);
    }
    labels = s.split('.').reverse();
  }
  for (const l of labels) {
    if (l === '') return fail(`empty label (two dots in a row, or a stray dot); use ${VALID_DOMAIN}`);
    if (l.includes('*')) return fail(`* may only stand for the labels below the domain (.com.ibm.* or *.ibm.com); use ${VALID_DOMAIN}`);
    if (!LABEL.test(l)) return fail(`"${l}" is not a valid host name label (letters, digits and inner hyphens, at most 63)`);
  }
  if (!labels.length) return fail(`no labels; use ${VALID_DOMAIN}`);
  return { ok: true, pattern: { type: 'ip', text, labels, star } };
}

export function parsePattern(type: 'phone' | 'ip', text: string): PatternResult<Pattern> {
  return type === 'phone' ? parseNumberPattern(text) : parseDomainPattern(text);
}

/**
 * One spelling per meaning, used to group routes: number patterns are their own canonical
 * form; domain patterns are written reversed (`.com.ibm.*`, `.com.ibm.us`, `.*`).
 */
export function canonicalPattern(p: Pattern): string {
  if (p.type === 'phone') return p.text;
  return '.' + [...p.labels, ...(p.star ? ['*'] : [])].join('.');
}

/**
 * Specificity order of two number patterns: negative when `a` is to be tried first.
 * More literal characters first; then more `.` wildcards (a fixed length is narrower
 * than an open end); then without a final `*` before with one; then, position by
 * position, a literal before a `.` before a `*` (so an earlier literal wins); finally
 * the text, so that the order is total.
 */
export function compareNumberSpecificity(a: NumberPattern, b: NumberPattern): number {
  return (
    b.literals - a.literals ||
    b.dots - a.dots ||
    Number(a.star) - Number(b.star) ||
    compareStrings(a.shape, b.shape) ||
    compareStrings(a.text, b.text)
  );
}

/** Domain patterns: more labels first; at equal depth the exact host before `*`. */
export function compareDomainSpecificity(a: DomainPattern, b: DomainPattern): number {
  return b.labels.length - a.labels.length || Number(a.star) - Number(b.star) || compareStrings(canonicalPattern(a), canonicalPattern(b));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Visual separators removed from a dialled number before it is looked up (guide ch. 2). */
export function removeVisualSeparators(number: string): string {
  return number.replace(/[.\-()]/g, '');
}
