// Renders a schema as the default conf/sipd.conf and as docs/directives.md, so the
// shipped file, the reference and the parser cannot drift apart (a test compares them).
import type { Schema } from './schema.js';
import type { AnyContainer, AnyDirective, SectionSpec } from './spec.js';

/** Each group that has directives or blocks, with them, in the schema's order. */
function groups(schema: Schema): { section: SectionSpec; ds: AnyDirective[]; cs: AnyContainer[] }[] {
  return schema.sections
    .map((section) => ({ section, ds: schema.directives.filter((s) => s.section === section.id), cs: schema.containers.filter((c) => c.section === section.id) }))
    .filter((g) => g.ds.length || g.cs.length);
}

/** How a block opens, for both outputs: `<Name id>` or `<Name 1-10>`. */
function blockHead(c: AnyContainer): string {
  return `<${c.name} ${c.id.kind === 'int' ? `${c.id.min}-${c.id.max}` : 'id'}>`;
}

function wrap(text: string, width: number, prefix: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(prefix + line);
  return out;
}

function quoteIfNeeded(v: string): string {
  return /\s/.test(v) && !/^".*"$/.test(v) ? `"${v}"` : v;
}

/** The doc text, led by the reason when sipd accepts the directive but does not act on it. */
function docOf(s: { doc: string; noEffect?: string }): string {
  return s.noEffect ? `NO EFFECT in sipd: ${s.noEffect}. ${s.doc}` : s.doc;
}

/** A group every entry of which has no effect: its heading says so once. */
function allNoEffect(ds: readonly AnyDirective[], cs: readonly AnyContainer[]): boolean {
  return [...ds, ...cs].every((s) => s.noEffect);
}

function directiveLines(s: AnyDirective): string[] {
  const lines = wrap(docOf(s), 76, '# ');
  const facts = [`Type: ${s.type}`];
  if (s.valid && s.valid !== s.type.split('|').join(', ')) facts.push(`valid: ${s.valid}`);
  facts.push(`default: ${s.defaultText}`);
  if (s.restart === 'restart') facts.push('needs a full restart');
  lines.push(...wrap(facts.join('; ') + '.', 76, '# '));
  const valueLines = s.example?.length
    ? [...s.example]
    : s.defaultText !== '(none)' && !s.repeat
      ? [`${s.name} ${s.name === 'CustomLog' ? s.defaultText : quoteIfNeeded(s.defaultText)}`]
      : [`${s.name}`];
  for (const v of valueLines) lines.push(`${s.shipActive && !s.example?.length ? '' : '#'}${v}`);
  if (s.shipActive && s.example?.length) lines.push(`${s.name} ${s.defaultText}`);
  return lines;
}

export function renderDefaultConf(schema: Schema): string {
  const out: string[] = [
    '# sipd.conf -- configuration of the OpenSPS SIP proxy server (sipd).',
    '#',
    '# Generated from the directive schema (npm run gen); edit freely after installing.',
    '# One directive per line; names are case-insensitive; a line ending in \\ continues',
    '# on the next; values with blanks go in double quotes; lines starting with # are',
    '# comments. Lines starting with # below show each directive at its default.',
    '# Check a file with "sipd -t -f FILE"; apply changes with "sip graceful" (directives',
    '# marked "needs a full restart" wait for "sip restart").',
    '',
  ];
  for (const { section, ds, cs } of groups(schema)) {
    out.push('#' + '-'.repeat(78), `# ${section.title}${allNoEffect(ds, cs) ? ' -- not built: accepted, no effect' : ''}`, '#' + '-'.repeat(78), '');
    for (const s of ds) out.push(...directiveLines(s), '');
    for (const c of cs) {
      out.push(...wrap(docOf(c), 76, '# '));
      out.push(`# Block: ${blockHead(c)} ... </${c.name}>${c.maxCount ? `, at most ${c.maxCount}` : ''}.`);
      for (const child of c.children) out.push(...wrap(`${child.name}: ${docOf(child)} Type: ${child.type}; default: ${child.defaultText}.`, 74, '#   '));
      for (const e of c.example ?? []) out.push(`#${e}`);
      out.push('');
    }
  }
  return out.join('\n');
}

function docCell(s: { doc: string; noEffect?: string }): string {
  return s.noEffect ? `**No effect:** ${s.noEffect}. ${s.doc}` : s.doc;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderDirectiveDocs(schema: Schema): string {
  const { directives, containers } = schema;
  const out: string[] = [
    '# sipd.conf directive reference',
    '',
    'Generated from the directive schema in the source (`npm run gen`); a test fails if this',
    'page and the schema disagree. "Restart" tells what applies a change: `graceful` means',
    '`sip graceful` is enough; `full` means the running value is kept until `sip restart`',
    '(a graceful restart reports such directives as "needs restart").',
    '',
    'A directive marked **No effect** is accepted so that a file from the original server',
    'loads, but sipd does not act on it (its feature is not built, or has no place in',
    'sipd\'s design). `sipd -t` warns at each line that sets one, and sipd logs a notice',
    'naming it at start.',
    '',
    `${directives.length + containers.reduce((n, c) => n + c.children.length, 0)} directives and ${containers.length} blocks.`,
    '',
  ];
  for (const { section, ds, cs } of groups(schema)) {
    out.push(`## ${section.title}${allNoEffect(ds, cs) ? ' (not built: no effect)' : ''}`, '', '| Directive | Type | Default | Valid values / range | Restart | Owner | What it does |', '|---|---|---|---|---|---|---|');
    const row = (s: AnyDirective, prefix = '') =>
      `| ${prefix}\`${s.name}\`${s.repeat ? ' (repeatable' + (s.maxCount ? `, max ${s.maxCount}` : '') + ')' : ''} | ${cell(s.type)} | ${cell(s.defaultText)} | ${cell(s.valid || '—')} | ${s.restart === 'restart' ? 'full' : 'graceful'} | ${s.owner} | ${cell(docCell(s))} |`;
    for (const s of ds) out.push(row(s));
    for (const c of cs) {
      out.push(
        `| \`${blockHead(c)}\`${c.maxCount ? ` (max ${c.maxCount})` : ''} | block | — | — | ${c.restart === 'restart' ? 'full' : 'graceful'} | ${c.owner} | ${cell(docCell(c))} |`,
      );
      for (const child of c.children) out.push(row(child, '↳ '));
    }
    out.push('');
  }
  return out.join('\n');
}
