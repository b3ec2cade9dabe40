// sipd.conf(5), written from the directive schema the loader uses, grouped in the sections
// and order of the default sipd.conf and docs/directives.md, so the page cannot name a
// directive sipd does not read nor miss one it does.
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

/** The body of sipd.conf(5): DESCRIPTION and one subsection per group of directives. */
export function sipdConfBody(schema: Schema): string[] {
  const count = schema.directives.length + schema.containers.reduce((n, c) => n + c.children.length, 0);
  const out = [
    '.SH DESCRIPTION',
    ...para('sipd.conf configures sipd(8), the OpenSPS SIP server. Its syntax and directives are those of the Cisco SIP Proxy Server 2.2 (Appendix B of its administration guide), which took them from the Apache web server.'),
    '.PP',
    ...para('One directive per line: its name (case does not matter), then its value. A value with blanks goes in double quotes. A line ending in a backslash continues on the next. Lines starting with # are comments. Some directives open a block, <Name id> ... </Name>, that holds directives of its own.'),
    '.PP',
    ...para('sipd -t -f FILE checks a file and prints "Syntax OK" or each error with its line. sip graceful applies a changed file to the running server; a directive marked below as needing a restart keeps its running value until sip restart, and the graceful restart names it.'),
    '.PP',
    ...para(`This page lists all ${count} directives and ${schema.containers.length} blocks, in the order of the shipped file.`),
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
  out.push('.SH FILES', '.TP', esc('@PREFIX@/conf/sipd.conf'), ...para('the file sipd and the tools read unless told otherwise (sipd -f, sip -f).'));
  return out;
}
