// Editing Apache-style files (sipd.conf, ps.conf) in place: a directive's value is set,
// switched off or read, and an old address or host name replaced, while comments and
// every other line stay as they are. Each change comes back as a note naming file:line.
// sps_setup and pserver's Farm/Proxies pages both edit sipd.conf through these.
import path from 'node:path';

interface Span {
  readonly start: number;
  /** Last physical line of the logical line (continuations). */
  readonly end: number;
  readonly indent: string;
}

/** Active top-level lines setting `name` (case-insensitive), continuation lines included. */
function directiveSpans(lines: readonly string[], name: string): Span[] {
  const spans: Span[] = [];
  let depth = 0;
  const want = name.toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    while (i < lines.length - 1 && /\\\s*$/.test(lines[i]) && !lines[start].trim().startsWith('#')) i++;
    const text = lines[start].trim();
    if (!text || text.startsWith('#')) continue;
    if (text.startsWith('</')) {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (text.startsWith('<')) {
      depth++;
      continue;
    }
    if (depth === 0 && text.split(/\s+/)[0].toLowerCase() === want) spans.push({ start, end: i, indent: /^\s*/.exec(lines[start])![0] });
  }
  return spans;
}

/** A value as sipd.conf's lexer reads it back: quoted when it has blanks or quotes. */
export function quoteArg(v: string): string {
  return /^[^\s"'\\#]+$/.test(v) ? v : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Set a directive: `values` holds one argument string per line wanted (e.g. two Listen
 * lines), [] to switch the directive off (its active lines become comments). The first
 * active line is replaced where it stands; without one, the new lines go after the file's
 * commented example of the directive, or at the end. Returns a note per change.
 */
export function setDirective(lines: string[], name: string, values: readonly string[], file: string, by = 'sps_setup'): string[] {
  const spans = directiveSpans(lines, name);
  const wanted = values.map((v) => `${name} ${v}`);
  const current = spans.map((s) => lines.slice(s.start, s.end + 1).join('\n').trim());
  if (current.length === wanted.length && current.every((c, i) => c === wanted[i])) return [];
  const notes: string[] = [];
  if (spans.length) {
    const first = spans[0];
    // Later duplicates go first so that earlier line numbers stay valid.
    for (const s of spans.slice(1).reverse()) {
      notes.push(`${path.basename(file)}:${s.start + 1}: removed "${lines[s.start].trim()}"`);
      lines.splice(s.start, s.end - s.start + 1);
    }
    const replacement = wanted.length ? wanted.map((w) => first.indent + w) : lines.slice(first.start, first.end + 1).map((l) => `#${l}`);
    notes.push(`${path.basename(file)}:${first.start + 1}: ${wanted.length ? wanted.join(' / ') : `${name} switched off (commented out)`}`);
    lines.splice(first.start, first.end - first.start + 1, ...replacement);
    return notes;
  }
  if (!wanted.length) return [];
  const example = new RegExp(`^#\\s*${name}(\\s|$)`, 'i');
  let at = -1;
  for (let i = 0; i < lines.length; i++) if (example.test(lines[i])) at = i;
  if (at >= 0) {
    lines.splice(at + 1, 0, ...wanted);
    notes.push(`${path.basename(file)}:${at + 2}: ${wanted.join(' / ')}`);
  } else {
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    lines.push('', `# Set by ${by}`, ...wanted, '');
    notes.push(`${path.basename(file)}:${lines.length - wanted.length}: ${wanted.join(' / ')}`);
  }
  return notes;
}

/** Current value of a top-level directive (its arguments as written, quotes removed). */
export function directiveValue(lines: readonly string[], name: string): string | undefined {
  const all = directiveArgs(lines, name);
  return all.length ? all[all.length - 1].replace(/^"(.*)"$/, '$1') : undefined;
}

/** The arguments of every active top-level line setting `name`, as written (one entry per line). */
export function directiveArgs(lines: readonly string[], name: string): string[] {
  return directiveSpans(lines, name).map((s) => {
    const text = lines.slice(s.start, s.end + 1).map((l) => l.replace(/\\\s*$/, '')).join(' ').trim();
    return text.slice(text.split(/\s+/)[0].length).trim();
  });
}

/** Line ranges of the active <name …> … </name> blocks (case-insensitive), in file order. */
function blockSpans(lines: readonly string[], name: string): { start: number; end: number }[] {
  const open = new RegExp(`^\\s*<${escapeRe(name)}(\\s|>)`, 'i');
  const close = new RegExp(`^\\s*</${escapeRe(name)}\\s*>`, 'i');
  const spans: { start: number; end: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!open.test(lines[i])) continue;
    let j = i;
    while (j < lines.length - 1 && !close.test(lines[j])) j++;
    spans.push({ start: i, end: j });
    i = j;
  }
  return spans;
}

/** The text of every active <name …> block, each from its opening to its closing line. */
export function blockText(lines: readonly string[], name: string): string {
  return blockSpans(lines, name)
    .map((s) => lines.slice(s.start, s.end + 1).join('\n'))
    .join('\n');
}

/**
 * Replace every active <name …> block by `text` (blocks written out in full; '' removes
 * them). The new text goes where the first block stood, or at the end of the file.
 */
export function setBlocks(lines: string[], name: string, text: string, file: string, by = 'pserver'): string[] {
  const wanted = text.replace(/\r\n?/g, '\n').split('\n').filter((l, i, all) => l.trim() || (i > 0 && i < all.length - 1));
  if (blockText(lines, name) === wanted.join('\n')) return [];
  const spans = blockSpans(lines, name);
  for (const s of spans.slice(1).reverse()) lines.splice(s.start, s.end - s.start + 1);
  if (spans.length) {
    lines.splice(spans[0].start, spans[0].end - spans[0].start + 1, ...wanted);
    return [`${path.basename(file)}:${spans[0].start + 1}: <${name}> blocks ${wanted.length ? 'replaced' : 'removed'}`];
  }
  if (!wanted.length) return [];
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  lines.push('', `# Set by ${by}`, ...wanted, '');
  return [`${path.basename(file)}:${lines.length - wanted.length}: <${name}> blocks added`];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replace `from` by `to` wherever it stands as a whole address or name on lines that are
 * not comments (10.1.1.1 is not part of 10.1.1.10, nor sps1 of sps1.example.com).
 * `onlyDirectives` limits it to lines setting those directives (used for host names).
 */
export function replaceWord(lines: string[], from: string, to: string, file: string, onlyDirectives?: readonly string[]): string[] {
  if (!from || from === to) return [];
  const re = new RegExp(`(?<![A-Za-z0-9_.-])${escapeRe(from)}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, 'g');
  const only = onlyDirectives?.map((d) => d.toLowerCase());
  const notes: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (!t || t.startsWith('#')) continue;
    if (only && !only.includes(t.split(/\s+/)[0].toLowerCase())) continue;
    const next = lines[i].replace(re, to);
    if (next !== lines[i]) {
      notes.push(`${path.basename(file)}:${i + 1}: ${from} -> ${to}`);
      lines[i] = next;
    }
  }
  return notes;
}

/** sipd.conf directives whose values are host names (where a host rename applies). */
export const HOST_NAME_DIRECTIVES = [
  'ServerName', 'Cisco_Registry_Farm_Members', 'Cisco_Routing_Farm_Members', 'DB_MySQL_HostName',
  'DB_MySQL_Secondary_HostName', 'MasterServerHostname', 'SecondaryServerHostname', 'Virtual_Proxy_Server_Name',
];
