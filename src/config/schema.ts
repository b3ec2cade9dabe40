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
  };
}
