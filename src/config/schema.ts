// Every directive and container sipd.conf knows, gathered from their owner modules.
// To add a feature's directives: declare them in the feature's own directives.ts and
// list the array here. Order here is the order of the default sipd.conf and the docs.
import type { AnyContainer, AnyDirective, ContainerValuesOf, ValuesOf } from './spec.js';
import { serverDirectives } from '../server/directives.js';
import { loggingDirectives } from '../logging/directives.js';

export const DIRECTIVES = [...serverDirectives, ...loggingDirectives] as const;

export const CONTAINERS = [] as const;

export type ConfigValues = ValuesOf<typeof DIRECTIVES> & ContainerValuesOf<typeof CONTAINERS>;

/** Directive specs by lower-case name (names are case-insensitive). */
export const DIRECTIVE_INDEX: ReadonlyMap<string, AnyDirective> = new Map(
  (DIRECTIVES as readonly AnyDirective[]).concat((CONTAINERS as readonly AnyContainer[]).flatMap((c) => [...c.children])).map((s) => [s.name.toLowerCase(), s]),
);
export const CONTAINER_INDEX: ReadonlyMap<string, AnyContainer> = new Map((CONTAINERS as readonly AnyContainer[]).map((c) => [c.name.toLowerCase(), c]));
