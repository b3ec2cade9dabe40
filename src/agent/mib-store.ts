// Loading our MIB text files (mibs/) into net-snmp and turning their OBJECT-TYPEs into
// provider definitions, with the library's defects 3, 4 and 5 fixed (docs/net-snmp-defects.md):
//
//  5. net-snmp's ModuleStore keeps every module it ever parsed; one file that fails poisons
//     every later load, each load re-serializes all modules, and a missing import is only a
//     console warning. We resolve the IMPORTS closure from the files first (a missing module
//     is an error naming it), load each requested module with its closure into a store of
//     its own in one pass, and keep nothing from a load that failed.
//  3. RowStatus columns: the library decides "rowStatus" after the syntax was already
//     collapsed to INTEGER, so it never matches; we look at the column's own SYNTAX.
//  4. DEFVALs arrive as MIB text (`disabled`, `false`, `''H`, `{ boolean }`, `zeroDotZero`);
//     we convert them to values of the column's type. Unconvertible ones are dropped (the
//     column then has no default) rather than crashing a later createAndGo.
//  (+) BITS columns are typed Integer by the library; they are OCTET STRINGs on the wire.
//  (+) A column whose SYNTAX is plain DisplayString gets the TC's SIZE (0..255) (RFC 2579):
//      the library keeps only limits written on the object itself.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import snmp from 'net-snmp';
import type { ModuleStore, RawProvider, RawColumn } from 'net-snmp';

const BUNDLED = new Set(['RFC1155-SMI', 'RFC1158-MIB', 'RFC-1212', 'RFC1213-MIB', 'RFC-1215', 'SNMPv2-SMI', 'SNMPv2-CONF', 'SNMPv2-TC', 'SNMPv2-MIB']);

/** Well-known OID names DEFVALs use. */
const WELL_KNOWN_OIDS: Record<string, string> = {
  zeroDotZero: '0.0',
  sysUpTimeInstance: '1.3.6.1.2.1.1.3.0',
};

export class MibLoadError extends Error {}

/** The IMPORTS … FROM module names of a MIB module's text. */
export function importsOf(text: string): string[] {
  const noComments = text.replace(/--.*$/gm, '');
  const m = /\bIMPORTS\b([\s\S]*?);/.exec(noComments);
  if (!m) return [];
  const out: string[] = [];
  const re = /\bFROM\s+([A-Za-z][A-Za-z0-9-]*)/g;
  let f: RegExpExecArray | null;
  while ((f = re.exec(m[1]))) out.push(f[1]);
  return out;
}

export interface MibLibraryOptions {
  /** Directories searched for a module file named exactly like the module (mibs/, mibs/base). */
  dirs: string[];
  /** false: net-snmp's ModuleStore as shipped (one shared store, raw providers). */
  fixes?: boolean;
}

export class MibLibrary {
  private readonly dirs: string[];
  readonly fixes: boolean;
  private readonly stores = new Map<string, ModuleStore>();
  private shared: ModuleStore | undefined;

  constructor(options: MibLibraryOptions) {
    this.dirs = options.dirs;
    this.fixes = options.fixes !== false;
  }

  fileFor(moduleName: string): string | undefined {
    for (const d of this.dirs) {
      const f = path.join(d, moduleName);
      if (existsSync(f)) return f;
    }
    return undefined;
  }

  /** Files to load for `moduleName`, dependencies first. Throws naming a missing module. */
  closure(moduleName: string): string[] {
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (name: string, from: string | undefined) => {
      if (seen.has(name) || BUNDLED.has(name)) return;
      seen.add(name);
      const file = this.fileFor(name);
      if (!file) {
        throw new MibLoadError(from ? `MIB module ${from} imports ${name}, which is in none of ${this.dirs.join(', ')}` : `MIB module ${name} is in none of ${this.dirs.join(', ')}`);
      }
      for (const dep of importsOf(readFileSync(file, 'utf8'))) visit(dep, name);
      order.push(file);
    };
    visit(moduleName, undefined);
    return order;
  }

  /** Load a module (and its imports) once; returns its store. */
  load(moduleName: string): ModuleStore {
    if (!this.fixes) {
      // Library behaviour: one store for everything, file by file.
      this.shared ??= snmp.createModuleStore();
      const file = this.fileFor(moduleName) ?? moduleName;
      this.shared.loadFromFile(file);
      return this.shared;
    }
    const cached = this.stores.get(moduleName);
    if (cached) return cached;
    const files = this.closure(moduleName);
    const store = snmp.createModuleStore();
    const problems: string[] = [];
    const parser = (store as unknown as { parser: { Import(f: string): void; Serialize(): void } }).parser;
    const before = new Set(store.getModuleNames(true));
    // The parser reports bad input only on the console: collect it as errors instead.
    const saved = { log: console.log, warn: console.warn, error: console.error };
    const capture = (...args: unknown[]) => problems.push(args.map(String).join(' '));
    console.log = capture;
    console.warn = capture;
    console.error = capture;
    try {
      for (const f of files) parser.Import(f);
      parser.Serialize();
    } catch (e) {
      problems.push((e as Error).message);
    } finally {
      Object.assign(console, saved);
    }
    if (problems.length > 0 || !store.getModule(moduleName)) {
      throw new MibLoadError(`cannot load MIB module ${moduleName}: ${problems.join('; ') || 'module not defined by its file'}`);
    }
    const internal = store as unknown as { addTranslationsForModule(m: string): void };
    for (const m of store.getModuleNames(true)) if (!before.has(m)) internal.addTranslationsForModule(m);
    this.stores.set(moduleName, store);
    return store;
  }

  /** Provider definitions for every scalar and table of a module. */
  providers(moduleName: string): RawProvider[] {
    const store = this.load(moduleName);
    const providers = store.getProvidersForModule(moduleName);
    if (!this.fixes) return providers;
    const mod = store.getModule(moduleName) ?? {};
    for (const p of providers) {
      if (p.tableColumns) {
        for (const c of p.tableColumns) fixColumn(store, mod[c.name], c);
      } else {
        const entry = mod[p.name];
        if (isBits(entry)) p.scalarType = snmp.ObjectType.OctetString;
        if (p.defVal !== undefined) {
          const v = convertDefVal(store, p.defVal, p.scalarType ?? 0, p.constraints as Constraints | undefined, entry);
          if (v === undefined) delete p.defVal;
          else p.defVal = v;
        }
      }
    }
    return providers;
  }

  /** One table's provider (by table name, e.g. mteTriggerTable, or entry name). */
  tableProvider(moduleName: string, tableName: string): RawProvider {
    const p = this.providers(moduleName).find((x) => x.tableColumns && (x.tableName === tableName || x.name === tableName));
    if (!p) throw new MibLoadError(`MIB module ${moduleName} has no table ${tableName}`);
    return p;
  }

  scalarProvider(moduleName: string, scalarName: string): RawProvider {
    const p = this.providers(moduleName).find((x) => !x.tableColumns && x.name === scalarName);
    if (!p) throw new MibLoadError(`MIB module ${moduleName} has no scalar ${scalarName}`);
    return p;
  }
}

interface Constraints {
  enumeration?: Record<string, string>;
}

function isBits(entry: Record<string, unknown> | undefined): boolean {
  const syntax = entry?.SYNTAX;
  return typeof syntax === 'object' && syntax !== null && 'BITS' in syntax;
}

function bitsNames(entry: Record<string, unknown> | undefined): Record<string, string> {
  const syntax = entry?.SYNTAX as { BITS?: Record<string, string> } | undefined;
  return syntax?.BITS ?? {};
}

function fixColumn(store: ModuleStore, entry: Record<string, unknown> | undefined, column: RawColumn): void {
  // Defect 3: RowStatus from the column's own SYNTAX, not the collapsed one.
  if (entry?.SYNTAX === 'RowStatus') column.rowStatus = true;
  if (isBits(entry)) {
    column.type = snmp.ObjectType.OctetString;
    delete column.constraints;
  }
  if (entry?.SYNTAX === 'DisplayString' && !column.constraints) column.constraints = { sizes: [{ min: 0, max: 255 }] };
  if (column.defVal !== undefined) {
    // Defect 4: DEFVAL text → a value of the column's type.
    const v = convertDefVal(store, column.defVal, column.type, column.constraints as Constraints | undefined, entry);
    if (v === undefined) delete column.defVal;
    else column.defVal = v;
  }
}

/** Convert DEFVAL text (as the parser leaves it) to a value for `type`; undefined if we can't. */
export function convertDefVal(
  store: ModuleStore | undefined,
  raw: unknown,
  type: number,
  constraints: Constraints | undefined,
  entry?: Record<string, unknown>,
): unknown {
  if (typeof raw !== 'string') return raw;
  const text = raw.trim();
  const T = snmp.ObjectType;
  if (isBits(entry)) {
    const names = bitsNames(entry);
    const set = text.replace(/[{}]/g, '').split(',').map((s) => s.trim()).filter(Boolean);
    const bits: number[] = [];
    for (const s of set) {
      const n = Object.entries(names).find(([, label]) => label === s)?.[0];
      if (n === undefined) return undefined;
      bits.push(Number(n));
    }
    const bytes = Buffer.alloc(bits.length ? Math.floor(Math.max(...bits) / 8) + 1 : 0);
    for (const b of bits) bytes[b >> 3] |= 0x80 >> (b & 7);
    return bytes;
  }
  const hex = /^'([0-9A-Fa-f]*)'H$/.exec(text);
  const bin = /^'([01]*)'B$/.exec(text);
  const quoted = /^"([\s\S]*)"$/.exec(text);
  switch (type) {
    case T.Integer:
    case T.Counter:
    case T.Gauge:
    case T.TimeTicks:
    case T.Counter64: {
      if (/^-?\d+$/.test(text)) return Number(text);
      if (hex) return hex[1] === '' ? 0 : parseInt(hex[1], 16);
      const en = constraints?.enumeration;
      if (en) {
        const hit = Object.entries(en).find(([, label]) => label === text);
        if (hit) return Number(hit[0]);
      }
      return undefined;
    }
    case T.OctetString:
    case T.Opaque: {
      if (hex) return Buffer.from(hex[1], 'hex');
      if (bin) {
        const bits = bin[1];
        const out = Buffer.alloc(Math.ceil(bits.length / 8));
        for (let i = 0; i < bits.length; i++) if (bits[i] === '1') out[i >> 3] |= 0x80 >> (i & 7);
        return out;
      }
      if (quoted) return quoted[1];
      return text;
    }
    case T.OID: {
      if (/^\d+(\.\d+)+$/.test(text)) return text;
      const inner = text.replace(/^\{\s*|\s*\}$/g, '');
      if (WELL_KNOWN_OIDS[inner]) return WELL_KNOWN_OIDS[inner];
      if (store) {
        try {
          return store.translate(inner, 'oid');
        } catch {
          return undefined;
        }
      }
      return undefined;
    }
    case T.IpAddress: {
      if (hex && hex[1].length === 8) return [0, 2, 4, 6].map((i) => parseInt(hex[1].slice(i, i + 2), 16)).join('.');
      return /^\d+\.\d+\.\d+\.\d+$/.test(text) ? text : undefined;
    }
    case T.Boolean:
      return text === 'true';
    default:
      return undefined;
  }
}
