// The directive schema: what every sipd.conf directive is, who owns it, and how its
// arguments become a typed value. Owners declare their directives with the builders in
// define.ts; the parser, the default sipd.conf and docs/directives.md all come from here.
import type { ConfigValues } from './values.js';

/** One whitespace-separated argument of a directive line, with its position. */
export interface Arg {
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
  readonly col: number;
}

/** Where a directive may appear: 'main' (top level) or the name of the container it belongs in. */
export type Context = string;

/**
 * graceful: a `sip graceful` applies the new value.
 * restart:  the value is read once at start; a graceful restart keeps the old value and
 *           reports "needs restart" (sockets, privileges, shared state, farm ports).
 */
export type RestartClass = 'graceful' | 'restart';

/** The id of a group of directives in the default sipd.conf and the docs (a SectionSpec's id). */
export type Section = string;

/**
 * A group of directives as the guide's Appendix B groups them. The owner that heads the
 * group declares it; groups are written in the order of their page in Appendix B (ties
 * in the order they are declared), which is the order of the default sipd.conf.
 */
export interface SectionSpec {
  readonly id: Section;
  readonly title: string;
  /** The page of Appendix B that describes the group: 4 for "B-4". */
  readonly page: number;
  /** The tab of the GUI's Farm/Proxies window (the guide's Table 2-1) that shows the group's directives; default its title. */
  readonly tab?: string;
  /** The group's On|Off switch: while it is Off, the group's other directives do nothing (the GUI dims them). */
  readonly switch?: string;
}


/** Context handed to parse functions. */
export interface ParseEnv {
  /** Name of the directive as written (for messages). */
  readonly written: string;
  /** The whole directive line (for messages that quote it). */
  readonly file: string;
}

/**
 * Thrown by a parse function. `arg` is the index of the offending argument so the
 * error can point at its column; `valid` lists the accepted values when there is a list.
 */
export class ValueError extends Error {
  constructor(
    message: string,
    readonly arg: number = 0,
    readonly valid?: string,
  ) {
    super(message);
  }
}

export interface DirectiveSpec<N extends string = string, T = unknown> {
  readonly name: N;
  /** The module that owns (and alone reads) the directive, e.g. "transaction". */
  readonly owner: string;
  readonly section: Section;
  readonly restart: RestartClass;
  /** Human form of the value type for docs: "On|Off", "integer 1-6", "string"… */
  readonly type: string;
  /** Valid values or range, shown in errors and docs ("" when any text is accepted). */
  readonly valid: string;
  readonly default: T;
  /** The default as it would be written in sipd.conf, or "(none)". */
  readonly defaultText: string;
  /** May appear more than once (each line adds to the value). */
  readonly repeat: boolean;
  /** Upper bound on repetitions (RPMS servers, gatekeepers per cluster…). */
  readonly maxCount?: number;
  readonly context: Context;
  /** The Farm/Proxies tab, when not the one of its owner or section (farm members go to "Farming"). */
  readonly tab?: string;
  /** What it does, in our words; becomes the comment in sipd.conf and the docs row. */
  readonly doc: string;
  /** Extra commented example lines for the default sipd.conf. */
  readonly example?: readonly string[];
  /** Write it active (not commented) in the default sipd.conf. */
  readonly shipActive?: boolean;
  /** Accepted for compatibility only: why it does nothing (sipd says so at start when it is set). */
  readonly noEffect?: string;
  /**
   * For a directive only some lines of which have no effect (a DebugFlag of an unbuilt
   * feature turned On): what the line sets and why it does nothing, or undefined.
   */
  readonly noEffectFor?: (args: readonly Arg[]) => { readonly what: string; readonly reason: string } | undefined;
  /** Turn one line's arguments into the new value, given the value so far. */
  readonly parse: (args: readonly Arg[], prev: T, env: ParseEnv) => T;
}

// Any directive, whatever its name and value type (parse is contravariant, hence any).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDirective = DirectiveSpec<string, any>;

/** A block such as <NumberPlan Global> … </NumberPlan>. */
export interface ContainerSpec<N extends string = string, C extends readonly AnyDirective[] = readonly AnyDirective[]> {
  readonly name: N;
  readonly owner: string;
  readonly section: Section;
  readonly restart: RestartClass;
  readonly doc: string;
  /** What the id after the name is: free text, or an integer range (cluster priority). */
  readonly id: { readonly kind: 'text' } | { readonly kind: 'int'; readonly min: number; readonly max: number };
  /** How many blocks of this kind a file may hold. */
  readonly maxCount?: number;
  readonly children: C;
  /** Names of children that each block must set. */
  readonly required?: readonly string[];
  readonly example?: readonly string[];
  /** Accepted for compatibility only: why a block of this kind does nothing (as for a directive). */
  readonly noEffect?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyContainer = ContainerSpec<string, readonly AnyDirective[]>;

/** The typed values of a list of directive specs, keyed by directive name. */
export type ValuesOf<L extends readonly AnyDirective[]> = {
  readonly [S in L[number] as S['name']]: S extends DirectiveSpec<string, infer T> ? T : never;
};

/** One block of a container: its id plus its children's values. */
export type BlockOf<C> = C extends ContainerSpec<string, infer Ch> ? { readonly id: string; readonly line: number } & ValuesOf<Ch> : never;

export type ContainerValuesOf<L extends readonly AnyContainer[]> = {
  readonly [S in L[number] as S['name']]: readonly BlockOf<S>[];
};

/** Where a directive was last set. */
export interface Origin {
  readonly file: string;
  readonly line: number;
}

/** What a cross-directive check found wrong, blamed on one directive (the loader adds its file:line). */
export interface Problem {
  readonly directive: string;
  readonly message: string;
}

/** A check that involves more than one directive, run after the whole file is read. */
export type Check = (v: ConfigValues, origin: (name: string) => Origin | undefined) => Problem[];
