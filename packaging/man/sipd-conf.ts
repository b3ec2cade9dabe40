// sipd.conf(5) and ps.conf(5), written from the directive schema the loader uses, grouped
// in the sections and order of the default file and docs/directives.md, so a page cannot
// name a directive the program does not read nor miss one it does.
import type { Schema } from '../../src/config/schema.js';
import type { AnyContainer, AnyDirective } from '../../src/config/spec.js';
import { esc, para } from './roff.js';

function facts(s: AnyDirective): string {
  const f = [`Default: ${s.defaultText}.`];
  if (s.valid && s.valid !== s.type.split('|').join(', ')) f.push(`Valid: ${s.valid}.`);
  if (s.repeat) f.push(s.maxCount ? `May be repeated, at most ${s.maxCount} times.` : 'May be repeated.');
  f.push(s.restart === 'restart' ? 'A change needs sip restart.' : 'A change applies at sip graceful.');
  return f.join(' ');
}

function directiveItem(s: AnyDirective): string[] {
  const doc = s.noEffect && !/no effect/i.test(s.doc) ? `${s.doc} Has no effect: ${s.noEffect}.` : s.doc;
  // \: after each bar lets a long list of choices (TransportPrefOrder's) break there.
  const type = esc(s.type).replace(/\|/g, '|\\:');
  return ['.TP', `\\fB${esc(s.name)}\\fR \\fI${type}\\fR`, ...para(doc), '.br', ...para(facts(s))];
}

function blockHead(c: AnyContainer): string {
  return `<${c.name} ${c.id.kind === 'int' ? `${c.id.min}-${c.id.max}` : 'id'}> ... </${c.name}>`;
}

/** What a directive file's page says around the list the schema gives. */
export interface DirectiveFileText {
  /** DESCRIPTION paragraphs before the count line. */
  readonly description: readonly string[];
  /** The installed file and what reads it (FILES). */
  readonly file: readonly [string, string];
}

/** The body of a directive file's page (sipd.conf(5), ps.conf(5)): DESCRIPTION and one subsection per group of directives. */
export function directiveFileBody(schema: Schema, text: DirectiveFileText): string[] {
  const count = schema.directives.length + schema.containers.reduce((n, c) => n + c.children.length, 0);
  const blocks = schema.containers.length ? ` and ${schema.containers.length} blocks` : '';
  const out = [
    '.SH DESCRIPTION',
    ...text.description.flatMap((t, i) => [...(i ? ['.PP'] : []), ...para(t)]),
    '.PP',
    ...para(`This page lists all ${count} directives${blocks}, in the order of the shipped file.`),
    '.SH DIRECTIVES',
    // ragged right: some value types are long lists that justified lines cannot hold
    '.ad l',
  ];
  for (const section of schema.sections) {
    const ds = schema.directives.filter((s) => s.section === section.id);
    const cs = schema.containers.filter((c) => c.section === section.id);
    if (!ds.length && !cs.length) continue;
    out.push(`.SS ${esc(section.title)}`);
    for (const s of ds) out.push(...directiveItem(s));
    for (const c of cs) {
      out.push('.TP', `\\fB${esc(blockHead(c))}\\fR`, ...para(c.doc));
      if (c.maxCount) out.push('.br', ...para(`At most ${c.maxCount} such blocks.`));
      out.push('.RS');
      for (const child of c.children) out.push(...directiveItem(child));
      out.push('.RE');
    }
  }
  out.push('.SH FILES', '.TP', esc(text.file[0]), ...para(text.file[1]));
  return out;
}
