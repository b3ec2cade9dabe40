// A schema: everything one program's configuration file knows, gathered from the
// owners of its directives. config/ knows no owner: the program hands its list of
// owners to schemaOf (sipd's is src/server/modules.ts), and the loader, the default
// sipd.conf and docs/directives.md are all made from the result.
import type { AnyContainer, AnyDirective, Check, SectionSpec } from './spec.js';

/** What one owner of directives declares: a sipd module, or a core layer such as logging. */
export interface DirectiveOwner {
  readonly name: string;
  /** The groups this owner heads (other owners may put single directives in them too). */
  readonly sections?: readonly SectionSpec[];
  readonly directives: readonly AnyDirective[];
  readonly containers?: readonly AnyContainer[];
  /** The Farm/Proxies tab of all its directives, when not their section's (logging's go to "Debug and Logs"). */
  readonly tab?: string;
  /** Its cross-directive checks, run after the whole file is read. */
  readonly checks?: readonly Check[];
}

export interface Schema {
  /** In the order the default sipd.conf and the docs write them. */
  readonly sections: readonly SectionSpec[];
  /** In the owners' order (within a section, the order of the docs). */
  readonly directives: readonly AnyDirective[];
  readonly containers: readonly AnyContainer[];
  readonly checks: readonly Check[];
  /** Directive specs, container children included, by lower-case name (names are case-insensitive). */
  readonly directiveIndex: ReadonlyMap<string, AnyDirective>;
  readonly containerIndex: ReadonlyMap<string, AnyContainer>;
  /** The tabs of the GUI's Farm/Proxies window (the guide's Table 2-1), in the order of their first section. */
  readonly tabs: readonly Tab[];
}

/** One tab of the Farm/Proxies window: every top-level directive and block lands in exactly one. */
export interface Tab {
  readonly name: string;
  readonly directives: readonly AnyDirective[];
  readonly containers: readonly AnyContainer[];
  /** Directive name → the On|Off switch of its group, for directives that do nothing while it is Off. */
  readonly dependsOn: ReadonlyMap<string, string>;
}

/**
 * A directive's tab: its own, else its owner's, else its section's. An entry whose
 * section no owner declared is an error in the list of owners, so it throws.
 */
function tabsOf(owners: readonly DirectiveOwner[], sections: readonly SectionSpec[], directives: readonly AnyDirective[], containers: readonly AnyContainer[]): Tab[] {
  const ownerTab = new Map(owners.filter((o) => o.tab).map((o) => [o.name, o.tab!]));
  const sectionOf = new Map(sections.map((s) => [s.id, s]));
  const tabs = new Map<string, { directives: AnyDirective[]; containers: AnyContainer[]; dependsOn: Map<string, string> }>();
  for (const s of sections) if (!tabs.has(s.tab ?? s.title)) tabs.set(s.tab ?? s.title, { directives: [], containers: [], dependsOn: new Map() });
  const place = (e: { name: string; owner: string; section: string; tab?: string }) => {
    const section = sectionOf.get(e.section);
    if (!section) throw new Error(`${e.name} (owner ${e.owner}) is in section "${e.section}", which no owner declares`);
    const sectionTab = section.tab ?? section.title;
    const name = e.tab ?? ownerTab.get(e.owner) ?? sectionTab;
    let tab = tabs.get(name);
    if (!tab) tabs.set(name, (tab = { directives: [], containers: [], dependsOn: new Map() }));
    if (section.switch && section.switch !== e.name && name === sectionTab) tab.dependsOn.set(e.name, section.switch);
    return tab;
  };
  for (const d of directives) place(d).directives.push(d);
  for (const c of containers) place(c).containers.push(c);
  return [...tabs].filter(([, t]) => t.directives.length || t.containers.length).map(([name, t]) => ({ name, ...t }));
}

export function schemaOf(owners: readonly DirectiveOwner[]): Schema {
  const declared = owners.flatMap((o) => o.sections ?? []);
  // Array.prototype.sort is stable, so groups on one page keep their declaration order.
  const sections = [...declared].sort((a, b) => a.page - b.page);
  const directives = owners.flatMap((o) => o.directives);
  const containers = owners.flatMap((o) => o.containers ?? []);
  const all = directives.concat(containers.flatMap((c) => [...c.children]));
  return {
    sections,
    directives,
    containers,
    checks: owners.flatMap((o) => o.checks ?? []),
    directiveIndex: new Map(all.map((s) => [s.name.toLowerCase(), s])),
    containerIndex: new Map(containers.map((c) => [c.name.toLowerCase(), c])),
    tabs: tabsOf(owners, sections, directives, containers),
  };
}
