// Turns sipd.conf text into one immutable, typed Config snapshot, or into the full list of
// errors (file:line:column, what was expected, the valid values). Nothing half-applied:
// a file with any error yields no Config at all. The loader knows directives only through
// the schema it is given (configLoader); sipd's binding is src/server/config.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lex } from './lexer.js';
import type { Statement } from './lexer.js';
import type { Schema } from './schema.js';
import type { ConfigValues } from './values.js';
import type { AnyContainer, AnyDirective, Arg, Context, Origin } from './spec.js';
import { ValueError } from './spec.js';
import { nearest } from './suggest.js';

export type { Origin } from './spec.js';

export interface ConfigMessage {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** A line that sets a directive, or opens a block, that sipd accepts but does not act on. */
export interface NoEffectUse extends Origin {
  readonly name: string;
  /** The spec's noEffect text: why it does nothing (e.g. the feature is not built yet). */
  readonly reason: string;
  readonly col: number;
}

/** How `sipd -t` reports a NoEffectUse: a warning at its line. */
export function noEffectWarning(u: NoEffectUse): ConfigMessage {
  return { severity: 'warning', file: u.file, line: u.line, col: u.col, message: `${u.name} has no effect: ${u.reason}` };
}

export function formatMessage(m: ConfigMessage): string {
  return `${m.file}:${m.line}:${m.col}: ${m.severity === 'warning' ? 'warning: ' : ''}${m.message}`;
}

export interface Config {
  /** The file this snapshot was read from. */
  readonly file: string;
  /** The text it was read from (what pserver compares with the file on disk). */
  readonly text: string;
  /** ServerRoot as configured, or derived from the file's location. */
  readonly serverRoot: string;
  readonly values: ConfigValues;
  readonly loadedAt: Date;
  readonly warnings: readonly ConfigMessage[];
  /** Every line that sets a directive or opens a block marked noEffect, in file order. */
  readonly noEffect: readonly NoEffectUse[];
  /** Where a directive was last set, if it was set at all. */
  origin(name: string): Origin | undefined;
  /** Resolve a path from the file against ServerRoot (absolute paths are kept). */
  path(p: string): string;
}

export interface LoadOptions {
  /** Directive lines applied before the file (Apache's -C). */
  readonly before?: readonly string[];
  /** Directive lines applied after the file, overriding it (Apache's -c). */
  readonly after?: readonly string[];
  /** Overrides ServerRoot (Apache's -d). */
  readonly serverRoot?: string;
}

export type LoadResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly ConfigMessage[] }
  | { readonly ok: false; readonly errors: readonly ConfigMessage[]; readonly warnings: readonly ConfigMessage[] };

type Values = Record<string, unknown>;

interface Block {
  readonly spec: AnyContainer;
  readonly id: string;
  readonly line: number;
  readonly col: number;
  readonly values: Values;
  readonly setAt: Map<string, Origin>;
}

function defaultsOf(specs: readonly AnyDirective[]): Values {
  const v: Values = {};
  for (const s of specs) v[s.name] = s.default;
  return v;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const k of Object.keys(o)) deepFreeze((o as Record<string, unknown>)[k]);
  }
  return o;
}

class Applier {
  readonly errors: ConfigMessage[] = [];
  readonly warnings: ConfigMessage[] = [];
  readonly noEffect: NoEffectUse[] = [];
  readonly values: Values;
  readonly blocks = new Map<string, Block[]>();
  readonly origins = new Map<string, Origin>();
  private open: Block | undefined;
  private file = '';

  constructor(private readonly schema: Schema) {
    this.values = defaultsOf(schema.directives);
    for (const c of schema.containers) this.blocks.set(c.name, []);
  }

  private error(line: number, col: number, message: string): void {
    this.errors.push({ severity: 'error', file: this.file, line, col, message });
  }
  private warn(line: number, col: number, message: string): void {
    this.warnings.push({ severity: 'warning', file: this.file, line, col, message });
  }

  applyText(text: string, file: string): void {
    this.file = file;
    const { statements, errors } = lex(text);
    for (const e of errors) this.error(e.line, e.col, e.message);
    for (const st of statements) this.statement(st);
    if (this.open) {
      this.error(this.open.line, this.open.col, `<${this.open.spec.name} ${this.open.id}> is never closed; add </${this.open.spec.name}>`);
      this.open = undefined;
    }
  }

  private statement(st: Statement): void {
    if (st.kind === 'open') return this.openBlock(st);
    if (st.kind === 'close') return this.closeBlock(st);
    const spec = this.schema.directiveIndex.get(st.name.toLowerCase());
    if (!spec) {
      const block = this.schema.containerIndex.get(st.name.toLowerCase());
      if (block) return this.error(st.line, st.col, `${block.name} opens a block: write <${block.name} id> … </${block.name}>`);
      const hint = nearest(st.name, [...this.schema.directiveIndex.values()].map((s) => s.name));
      return this.error(st.line, st.col, `unknown directive "${st.name}"${hint ? `; did you mean "${hint}"?` : ''}`);
    }
    const context: Context = this.open ? this.open.spec.name : 'main';
    if (spec.context !== context) {
      if (spec.context === 'main') return this.error(st.line, st.col, `${spec.name} is not allowed inside <${context}>; put it outside the block`);
      return this.error(st.line, st.col, `${spec.name} is only valid inside a <${spec.context}> block`);
    }
    const target = this.open ? this.open.values : this.values;
    const before = this.open ? this.open.setAt.get(spec.name) : this.origins.get(spec.name);
    try {
      target[spec.name] = spec.parse(st.args, target[spec.name], { written: st.name, file: this.file });
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      const arg: Arg | undefined = st.args[e.arg];
      const line = arg ? arg.line : st.line;
      const col = arg ? arg.col : st.endCol;
      return this.error(line, col, `${spec.name}: ${e.message}${e.valid ? `; valid: ${e.valid}` : ''}`);
    }
    // -c lines are meant to override the file, so only a repeat within one source warns.
    if (before && before.file === this.file && !spec.repeat) {
      this.warn(st.line, st.col, `${spec.name} is set again (first at line ${before.line}); this later value wins`);
    }
    (this.open ? this.open.setAt : this.origins).set(spec.name, { file: this.file, line: st.line });
    const partly = spec.noEffect ? undefined : spec.noEffectFor?.(st.args);
    if (partly) this.noEffect.push({ name: partly.what, reason: partly.reason, file: this.file, line: st.line, col: st.col });
    if (spec.noEffect && !this.open?.spec.noEffect) this.noEffect.push({ name: spec.name, reason: spec.noEffect, file: this.file, line: st.line, col: st.col });
  }

  private openBlock(st: Extract<Statement, { kind: 'open' }>): void {
    const spec = this.schema.containerIndex.get(st.name.toLowerCase());
    if (!spec) {
      const hint = nearest(st.name, this.schema.containers.map((c) => c.name));
      return this.error(st.line, st.col, `unknown block <${st.name}>${hint ? `; did you mean <${hint}>?` : ''}`);
    }
    if (this.open) {
      return this.error(st.line, st.col, `<${spec.name}> cannot be nested inside <${this.open.spec.name}> (opened at line ${this.open.line}); close that block first`);
    }
    // The block is opened even when its id is bad, so its lines are still checked.
    const list = this.blocks.get(spec.name)!;
    const id = st.args.length === 1 ? st.args[0].text : '';
    if (spec.noEffect) this.noEffect.push({ name: `<${spec.name}>`, reason: spec.noEffect, file: this.file, line: st.line, col: st.col });
    this.open = { spec, id, line: st.line, col: st.col, values: defaultsOf(spec.children), setAt: new Map() };
    if (st.args.length !== 1) {
      return this.error(st.line, st.col, `<${spec.name}> takes one id, e.g. <${spec.name} ${spec.id.kind === 'int' ? '1' : 'Global'}>, got ${st.args.length}`);
    }
    const idArg = st.args[0];
    if (spec.id.kind === 'int') {
      const n = Number(id);
      if (!/^\d+$/.test(id) || n < spec.id.min || n > spec.id.max) {
        this.error(idArg.line, idArg.col, `<${spec.name}> id "${id}" must be an integer from ${spec.id.min} to ${spec.id.max}`);
      }
    }
    const dup = list.find((b) => b.id === id);
    if (dup) this.error(idArg.line, idArg.col, `<${spec.name} ${id}> is defined twice (first at line ${dup.line})`);
    if (spec.maxCount !== undefined && list.length >= spec.maxCount) {
      this.error(st.line, st.col, `too many <${spec.name}> blocks: at most ${spec.maxCount} are allowed`);
    }
  }

  private closeBlock(st: Extract<Statement, { kind: 'close' }>): void {
    const open = this.open;
    if (!open) return this.error(st.line, st.col, `</${st.name}> closes a block that was never opened`);
    if (open.spec.name.toLowerCase() !== st.name.toLowerCase()) {
      return this.error(st.line, st.col, `</${st.name}> does not match <${open.spec.name}> opened at line ${open.line}; expected </${open.spec.name}>`);
    }
    for (const req of open.spec.required ?? []) {
      if (!open.setAt.has(req)) this.error(open.line, open.col, `<${open.spec.name} ${open.id}> must set ${req}`);
    }
    this.blocks.get(open.spec.name)!.push({ ...open });
    this.open = undefined;
  }
}

/** Parse sipd.conf text. `file` is the name used in messages and to derive ServerRoot. */
function parseConfig(schema: Schema, text: string, file: string, opts: LoadOptions): LoadResult {
  const a = new Applier(schema);
  if (opts.before?.length) a.applyText(opts.before.join('\n'), '<command line -C>');
  a.applyText(text, file);
  if (opts.after?.length) a.applyText(opts.after.join('\n'), '<command line -c>');

  const configured = a.values.ServerRoot as string;
  const serverRoot = opts.serverRoot ?? (configured || path.dirname(path.dirname(path.resolve(file))));
  if (!path.isAbsolute(serverRoot)) {
    const o = a.origins.get('ServerRoot');
    a.errors.push({ severity: 'error', file: o?.file ?? file, line: o?.line ?? 1, col: 1, message: `ServerRoot: "${serverRoot}" must be an absolute path` });
  }
  a.values.ServerRoot = serverRoot;

  for (const c of schema.containers) {
    a.values[c.name] = a.blocks.get(c.name)!.map((b) => ({ id: b.id, line: b.line, ...b.values }));
  }

  const values = deepFreeze(a.values) as unknown as ConfigValues;
  const origin = (name: string) => a.origins.get(name);
  for (const check of schema.checks) {
    for (const problem of check(values, origin)) {
      const o = origin(problem.directive);
      a.errors.push({ severity: 'error', file: o?.file ?? file, line: o?.line ?? 1, col: 1, message: `${problem.directive}: ${problem.message}` });
    }
  }

  const warnings = a.warnings;
  if (a.errors.length) return { ok: false, errors: a.errors, warnings };
  const origins = new Map(a.origins);
  const config: Config = Object.freeze({
    file,
    text,
    serverRoot,
    values,
    loadedAt: new Date(),
    warnings,
    noEffect: Object.freeze([...a.noEffect]),
    origin: (name: string) => origins.get(name),
    path: (p: string) => (path.isAbsolute(p) ? p : path.join(serverRoot, p)),
  });
  return { ok: true, config, warnings };
}

function loadConfigFile(schema: Schema, file: string, opts: LoadOptions): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, errors: [{ severity: 'error', file, line: 0, col: 0, message: `cannot read the file: ${err.code ?? err.message}` }], warnings: [] };
  }
  return parseConfig(schema, text, file, opts);
}

/** Names of directives and blocks whose value differs between two snapshots, by what applies them. */
function changes(schema: Schema, running: Config, next: Config): { graceful: string[]; restart: string[] } {
  const out = { graceful: [] as string[], restart: [] as string[] };
  const specs: readonly { name: string; restart: 'graceful' | 'restart' }[] = [...schema.directives, ...schema.containers];
  for (const s of specs) {
    const a = (running.values as unknown as Values)[s.name];
    const b = (next.values as unknown as Values)[s.name];
    // Block values carry their line numbers, which say nothing about what sipd does.
    if (JSON.stringify(a, noLines) !== JSON.stringify(b, noLines)) out[s.restart].push(s.name);
  }
  return out;
}

function noLines(key: string, value: unknown): unknown {
  return key === 'line' ? undefined : value;
}

function restartPending(schema: Schema, running: Config, next: Config): string[] {
  return changes(schema, running, next).restart;
}

function gracefulSnapshot(schema: Schema, running: Config, next: Config): { config: Config; pending: string[] } {
  const pending = restartPending(schema, running, next);
  if (!pending.length) return { config: next, pending };
  const merged: Values = { ...(next.values as unknown as Values) };
  for (const name of pending) merged[name] = (running.values as unknown as Values)[name];
  const values = Object.freeze(merged) as unknown as ConfigValues;
  const serverRoot = running.serverRoot;
  return {
    pending,
    config: Object.freeze({
      ...next,
      serverRoot,
      values,
      path: (p: string) => (path.isAbsolute(p) ? p : path.join(serverRoot, p)),
    }),
  };
}

/** The loader of one program's configuration file, bound to its schema. */
export interface ConfigLoader {
  /** Parse configuration text. `file` is the name used in messages and to derive ServerRoot. */
  parseConfig(text: string, file: string, opts?: LoadOptions): LoadResult;
  /** Read and parse a file; an unreadable file is reported like any other error. */
  loadConfigFile(file: string, opts?: LoadOptions): LoadResult;
  /** Names of directives needing a full restart whose value differs between two snapshots. */
  restartPending(running: Config, next: Config): string[];
  /** Every directive and block whose value differs, split by what applies the change (graceful or restart). */
  changes(running: Config, next: Config): { graceful: string[]; restart: string[] };
  /**
   * The snapshot a graceful restart switches to: the new file's values, except that
   * directives needing a full restart keep their running values until then.
   */
  gracefulSnapshot(running: Config, next: Config): { config: Config; pending: string[] };
}

export function configLoader(schema: Schema): ConfigLoader {
  return {
    parseConfig: (text, file, opts = {}) => parseConfig(schema, text, file, opts),
    loadConfigFile: (file, opts = {}) => loadConfigFile(schema, file, opts),
    restartPending: (running, next) => restartPending(schema, running, next),
    changes: (running, next) => changes(schema, running, next),
    gracefulSnapshot: (running, next) => gracefulSnapshot(schema, running, next),
  };
}
