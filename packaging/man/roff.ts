// The roff (man(7) macros) the manual pages are written in: escaping of plain text, and
// two converters from texts the programs already carry: a command's --help output
// (SYNOPSIS and OPTIONS) and the comment header of a shipped configuration file.
// Only the classic man macros are used (.TH .SH .SS .TP .PP .RS .RE .nf .fi .B .I .br
// .in .ti), which every man(1) reads: man-db with groff on Linux, Solaris's own.

/** Text as roff reads it literally: backslashes, hyphens, and a leading . or ' made harmless. */
export function esc(text: string): string {
  const t = text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    // beyond ASCII: by code point, which groff and mandoc both read whatever the locale
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
  return /^[.']/.test(t) ? `\\&${t}` : t;
}

/** One or more lines of filled text (blank input gives nothing). */
export function para(text: string): string[] {
  const t = text.replace(/\s+/g, ' ').trim();
  return t ? [esc(t)] : [];
}

/** Lines shown as they are (no filling, no adjusting), indented a little. */
export function verbatim(lines: readonly string[]): string[] {
  if (!lines.length) return [];
  return ['.PP', '.RS 4', '.nf', ...lines.map((l) => (l.trim() ? esc(l) : '')), '.fi', '.RE'];
}

/** .TH line: the page's title, section, date-free footer (reproducible builds) and source. */
export function titleLine(name: string, section: number, version: string, manual: string): string {
  const q = (s: string) => `"${s.replace(/"/g, "''")}"`;
  return `.TH ${q(name.toUpperCase())} ${section} "" ${q(`OpenSPS ${version}`)} ${q(manual)}`;
}

export interface HelpText {
  /** The usage lines, "Usage:" removed, each starting with the command's name. */
  readonly synopsis: readonly string[];
  /** The rest of the help, as OPTIONS items and loose lines in order. */
  readonly body: readonly HelpItem[];
}

export type HelpItem = { readonly term: string; readonly desc: string } | { readonly text: string; readonly indent: number };

const TERM_START = /^ {1,6}(?:-|<|[A-Z][A-Z_]+\b)/;

/**
 * Reads a command's --help output. The usage starts at the first line beginning
 * "usage:" (any case), so a complaint printed before it is skipped; lines after it that
 * start with the command's name or '[' at an indent continue it. Option lines are
 * "  TERM  description" with continuation lines indented to the description column;
 * the column is the one most option lines use, so a term followed by a single blank
 * (sipd's `-C "directive" apply…`) is still split there.
 */
export function parseHelp(command: string, output: string): HelpText {
  const lines = output.replace(/\r/g, '').split('\n');
  const start = lines.findIndex((l) => /^\s*usage:\s/i.test(l));
  if (start < 0) throw new Error(`${command} --help printed no "Usage:" line:\n${output}`);
  const synopsis = [lines[start].replace(/^\s*usage:\s*/i, '').trim()];
  let i = start + 1;
  for (; i < lines.length; i++) {
    const t = lines[i].trim();
    if (!/^\s{3,}/.test(lines[i]) || !(t.startsWith(command + ' ') || t === command || t.startsWith('['))) break;
    if (t.startsWith('[')) synopsis[synopsis.length - 1] += ' ' + t;
    else synopsis.push(t);
  }
  const rest = lines.slice(i);
  while (rest.length && !rest[rest.length - 1].trim()) rest.pop();

  const columns = new Map<number, number>();
  for (const l of rest) {
    const m = TERM_START.test(l) ? /^(\s*\S.*?\S?)( {2,})(\S)/.exec(l) : null;
    if (m) columns.set(m[1].length + m[2].length, (columns.get(m[1].length + m[2].length) ?? 0) + 1);
  }
  const col = [...columns.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];

  const body: HelpItem[] = [];
  for (const l of rest) {
    const indent = l.length - l.trimStart().length;
    const last = body[body.length - 1];
    if (TERM_START.test(l)) {
      const gap = /^(\s*\S.*?\S?)( {2,})(\S.*)$/.exec(l);
      if (gap) {
        body.push({ term: gap[1].trim(), desc: gap[3].trim() });
        continue;
      }
      if (col !== undefined && l.length > col && l[col - 1] === ' ' && l[col] !== ' ') {
        body.push({ term: l.slice(0, col).trim(), desc: l.slice(col).trim() });
        continue;
      }
      if (col === undefined || l.length <= col) {
        body.push({ term: l.trim(), desc: '' });
        continue;
      }
    }
    if (last && 'term' in last && col !== undefined && indent >= col - 2 && l.trim()) {
      body[body.length - 1] = { term: last.term, desc: `${last.desc} ${l.trim()}`.trim() };
      continue;
    }
    body.push({ text: l, indent });
  }
  return { synopsis, body };
}

/** Spaces inside [...] or "..." become unbreakable, so a line breaks only between words of the usage. */
function keepGroups(line: string): string {
  let depth = 0;
  let quoted = false;
  let out = '';
  for (const ch of esc(line)) {
    if (ch === '"') quoted = !quoted;
    if (ch === '[') depth++;
    if (ch === ']') depth = Math.max(0, depth - 1);
    out += ch === ' ' && (depth > 0 || quoted) ? '\\ ' : ch;
  }
  return out;
}

/** SYNOPSIS lines, each with a hanging indent and the command in bold. */
export function synopsisRoff(command: string, synopsis: readonly string[]): string[] {
  // left-aligned and unhyphenated, so every option reads as written
  const out = ['.SH SYNOPSIS', '.nh', '.ad l', '.in +4n'];
  for (const s of synopsis) {
    const rest = s.startsWith(command) ? s.slice(command.length) : ` ${s}`;
    out.push('.ti -4n', `\\fB${esc(command)}\\fR${keepGroups(rest)}`, '.br');
  }
  out.push('.in', '.ad', '.hy');
  return out;
}

/** OPTIONS: each term as a .TP item; loose lines as paragraphs (unindented) or shown as they are. */
export function optionsRoff(body: readonly HelpItem[], heading = 'OPTIONS'): string[] {
  const out: string[] = [];
  let pending: string[] = [];
  const flush = () => {
    const lines = pending;
    pending = [];
    while (lines.length && !lines[0].trim()) lines.shift();
    while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
    if (lines.length) out.push(...verbatim(lines));
  };
  for (const item of body) {
    if ('term' in item) {
      flush();
      out.push('.TP', `\\fB${esc(item.term)}\\fR`, ...para(item.desc));
    } else if (item.indent === 0 && item.text.trim()) {
      flush();
      out.push('.PP', ...para(item.text));
    } else pending.push(item.text);
  }
  flush();
  return out.length ? [`.SH ${heading}`, ...out] : [];
}

/**
 * The comment lines of a shipped configuration file as roff: "Entry type: X" and
 * "--- Title ---" lines start subsections, a blank comment line ends a paragraph, lines
 * with column alignment (two blanks inside, or an indent) are shown as they are, and the
 * rest is filled text. Entries (non-comment lines) are not included; see shippedEntries.
 */
export function commentsRoff(fileText: string): string[] {
  const out: string[] = [];
  let fill: string[] = [];
  let pre: string[] = [];
  const flushFill = () => {
    if (fill.length) out.push('.PP', ...para(fill.join(' ')));
    fill = [];
  };
  const flushPre = () => {
    if (pre.length) out.push(...verbatim(pre));
    pre = [];
  };
  const lines = fileText.replace(/\r/g, '').split('\n');
  let first = true;
  for (const raw of lines) {
    if (!raw.startsWith('#')) {
      // an entry line separates paragraphs too
      flushFill();
      flushPre();
      continue;
    }
    if (/^#[^\s#]/.test(raw)) {
      // an entry switched off ("#" right before it, as eventagt.cnf's SIP alarms): as written
      flushFill();
      pre.push(raw);
      continue;
    }
    let t = raw.replace(/^#+ ?/, '');
    if (first) {
      first = false;
      // the file's own title line ("name — what it is") is the page's NAME already
      if (/^\S+\.(cnf|conf)\s+[—-]/.test(t)) continue;
    }
    const heading = /^-{2,}\s*(.+?)\s*-*$/.exec(t) ?? /^Entry type:\s*(.+?)\s*$/.exec(t);
    if (heading) {
      flushFill();
      flushPre();
      out.push(`.SS ${esc(heading[1])}`);
      continue;
    }
    if (!t.trim()) {
      flushFill();
      flushPre();
      continue;
    }
    if (/^\s/.test(t) || /\S {2,}\S/.test(t) || /^Entry format:/.test(t)) {
      flushFill();
      pre.push(t);
      continue;
    }
    flushPre();
    t = t.trim();
    fill.push(t);
  }
  flushFill();
  flushPre();
  return out;
}

/** The active entries of a shipped file (comments dropped, continuation lines kept). */
export function shippedEntries(fileText: string): string[] {
  return fileText
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
}
