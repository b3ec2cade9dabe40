// The Farm/Proxies tabs (the guide's Table 2-1) as form fields, made from the directive
// schema and the text of sipd.conf: nothing here lists directives or tabs, so a directive
// added to a module shows up in its tab with its type, default, range and help text.
import { blockText, directiveArgs, setBlocks, setDirective } from '../config/conf-edit.js';
import type { Schema, Tab } from '../config/schema.js';
import type { AnyContainer, AnyDirective } from '../config/spec.js';

/** How a field is edited: a switch, a list of words, one line of text, several lines, or whole blocks. */
export type FieldKind = 'onoff' | 'choice' | 'text' | 'lines' | 'block';

export interface Field {
  readonly name: string;
  readonly kind: FieldKind;
  readonly type: string;
  readonly defaultText: string;
  readonly valid: string;
  readonly doc: string;
  /** 'graceful': `sip graceful` applies a change; 'restart': only a full restart does. */
  readonly restart: 'graceful' | 'restart';
  readonly choices: readonly string[];
  /** As written in sipd.conf: the arguments (one line each for a repeated directive), or the blocks' text; '' when not set. */
  readonly value: string;
  /** The On|Off switch this directive waits for, when it is Off (the guide dims such directives). */
  readonly dimmedBy?: string;
  readonly noEffect?: string;
  readonly children?: readonly { readonly name: string; readonly type: string; readonly doc: string }[];
}

export interface TabForm {
  readonly name: string;
  /** For URLs and element ids: "sip-server-core". */
  readonly slug: string;
  readonly fields: readonly Field[];
}

export function tabSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function kindOf(d: AnyDirective): FieldKind {
  if (d.repeat) return 'lines';
  if (d.type === 'On|Off') return 'onoff';
  if (d.valid && d.valid.split(', ').join('|') === d.type) return 'choice';
  return 'text';
}

/** Whether an On|Off directive is On in this text (its last line wins; unset means its default). */
function isOn(lines: readonly string[], d: AnyDirective | undefined): boolean {
  if (!d) return true;
  const set = directiveArgs(lines, d.name);
  return set.length ? set[set.length - 1].replace(/^"(.*)"$/, '$1').toLowerCase() === 'on' : d.default === true;
}

function directiveField(schema: Schema, tab: Tab, lines: readonly string[], d: AnyDirective): Field {
  const sw = tab.dependsOn.get(d.name);
  const kind = kindOf(d);
  return {
    name: d.name,
    kind,
    type: d.type,
    defaultText: d.defaultText,
    valid: d.valid,
    doc: d.doc,
    restart: d.restart,
    choices: kind === 'onoff' ? ['On', 'Off'] : kind === 'choice' ? d.valid.split(', ') : [],
    value: directiveArgs(lines, d.name).join('\n'),
    ...(sw && !isOn(lines, schema.directiveIndex.get(sw.toLowerCase())) ? { dimmedBy: sw } : {}),
    ...(d.noEffect ? { noEffect: d.noEffect } : {}),
  };
}

function blockField(schema: Schema, tab: Tab, lines: readonly string[], c: AnyContainer): Field {
  const sw = tab.dependsOn.get(c.name);
  return {
    name: c.name,
    kind: 'block',
    type: `block <${c.name} ${c.id.kind === 'int' ? `${c.id.min}-${c.id.max}` : 'id'}>${c.maxCount ? `, at most ${c.maxCount}` : ''}`,
    defaultText: '(none)',
    valid: '',
    doc: c.doc,
    restart: c.restart,
    choices: [],
    value: blockText(lines, c.name),
    children: c.children.map((ch) => ({ name: ch.name, type: ch.type, doc: ch.doc })),
    ...(sw && !isOn(lines, schema.directiveIndex.get(sw.toLowerCase())) ? { dimmedBy: sw } : {}),
    ...(c.noEffect ? { noEffect: c.noEffect } : {}),
  };
}

function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

/** Every tab with its fields, values read from the text of sipd.conf. */
export function farmTabs(schema: Schema, text: string): TabForm[] {
  const lines = splitLines(text);
  return schema.tabs.map((t) => ({
    name: t.name,
    slug: tabSlug(t.name),
    fields: [...t.directives.map((d) => directiveField(schema, t, lines, d)), ...t.containers.map((c) => blockField(schema, t, lines, c))],
  }));
}

export function findTab(schema: Schema, slug: string): Tab | undefined {
  return schema.tabs.find((t) => tabSlug(t.name) === slug);
}

/**
 * Apply one tab's submitted fields to the text: a field left out is not touched, an empty
 * one is switched off (commented out, so the default applies). Returns the new text, the
 * notes of what changed and the names changed.
 */
export function applyTab(tab: Tab, text: string, file: string, form: Readonly<Record<string, unknown>>): { text: string; notes: string[]; changed: string[] } {
  const lines = splitLines(text);
  const notes: string[] = [];
  const changed: string[] = [];
  for (const d of tab.directives) {
    const raw = form[d.name];
    if (typeof raw !== 'string') continue;
    const wanted = d.repeat
      ? splitLines(raw)
          .map((l) => l.trim())
          .filter(Boolean)
      : raw.trim()
        ? [raw.replace(/[\r\n]+/g, ' ').trim()]
        : [];
    const n = setDirective(lines, d.name, wanted, file, 'pserver');
    if (n.length) changed.push(d.name);
    notes.push(...n);
  }
  for (const c of tab.containers) {
    const raw = form[c.name];
    if (typeof raw !== 'string') continue;
    const n = setBlocks(lines, c.name, raw, file, 'pserver');
    if (n.length) changed.push(c.name);
    notes.push(...n);
  }
  return { text: lines.join('\n'), notes, changed };
}
