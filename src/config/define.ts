// Builders for directive specs. An owner module writes, for example:
//
//   const d = directivesFor('transaction', 'server-core');
//   export const transactionDirectives = [
//     d.int('SipT1InMs', { default: 500, min: 50, max: 60000, doc: '…' }),
//   ] as const;
//
// and gets a DirectiveSpec<'SipT1InMs', number> whose name and type flow into the
// typed config snapshot.
import type { Arg, ContainerSpec, Context, DirectiveSpec, ParseEnv, RestartClass, Section, AnyDirective } from './spec.js';
import { ValueError } from './spec.js';
import net from 'node:net';

export interface Common {
  readonly doc: string;
  readonly restart?: RestartClass;
  readonly context?: Context;
  readonly example?: readonly string[];
  readonly shipActive?: boolean;
  /** Accepted for compatibility only: why it does nothing (logged at start when set). */
  readonly noEffect?: string;
  /** For a directive only some lines of which have no effect: what such a line sets, and why. */
  readonly noEffectFor?: DirectiveSpec['noEffectFor'];
  /** Override the owner's default section for this one directive. */
  readonly section?: Section;
  /** Override the Farm/Proxies tab of its owner or section for this one directive. */
  readonly tab?: string;
}

// ---- argument helpers, shared by builders and by owners' custom parsers ----

/** Check the argument count; `usage` names the arguments for the message. */
export function expectArgs(args: readonly Arg[], min: number, max: number, usage: string): void {
  if (args.length >= min && args.length <= max) return;
  const want =
    min === max ? (min === 1 ? 'one value' : `${min} arguments`) : max === Infinity ? `at least ${min} argument${min === 1 ? '' : 's'}` : `${min} to ${max} arguments`;
  // Point at the first extra argument, or at the directive's first argument when too few.
  throw new ValueError(`takes ${want} (${usage}), got ${args.length}`, args.length > max ? max : 0);
}

export function parseOnOff(a: Arg, index = 0): boolean {
  const t = a.text.toLowerCase();
  if (t === 'on') return true;
  if (t === 'off') return false;
  throw new ValueError(`"${a.text}" is not valid`, index, 'On, Off');
}

export function parseIntIn(a: Arg, min: number, max: number, index = 0): number {
  if (!/^[+-]?\d+$/.test(a.text)) throw new ValueError(`"${a.text}" is not an integer`, index, rangeText(min, max));
  const n = Number(a.text);
  if (n < min || n > max) throw new ValueError(`${a.text} is out of range`, index, rangeText(min, max));
  return n;
}

export function parseHexIn(a: Arg, min: number, max: number, index = 0): number {
  if (!/^0x[0-9a-f]+$/i.test(a.text)) {
    throw new ValueError(`"${a.text}" is not a hexadecimal value; write it with 0x, e.g. 0x${min.toString(16)}`, index, hexRange(min, max));
  }
  const n = parseInt(a.text.slice(2), 16);
  if (n < min || n > max) throw new ValueError(`${a.text} is out of range`, index, hexRange(min, max));
  return n;
}

/** Match one of a fixed set of words, case-insensitively; returns the canonical spelling. */
export function parseChoice<V extends string>(a: Arg, values: readonly V[], aliases: Readonly<Record<string, V>> = {}, index = 0): V {
  const t = a.text.toLowerCase();
  const hit = values.find((v) => v.toLowerCase() === t) ?? aliases[t];
  if (hit === undefined) throw new ValueError(`"${a.text}" is not valid`, index, values.join(', '));
  return hit;
}

/** A TCP/UDP port number. */
export function parsePort(a: Arg, index = 0, allowZero = false): number {
  return parseIntIn(a, allowZero ? 0 : 1, 65535, index);
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}
export function isIPv6(s: string): boolean {
  return net.isIPv6(s);
}
export function isHostname(s: string): boolean {
  return HOSTNAME.test(s);
}

// ---- directive arguments that name hosts, addresses and tokens ----

/**
 * A host name, IPv4 address or IPv6 address (bracketed or bare). Digits and dots alone
 * (a trailing dot included) are a mistyped address, never a host name (RFC 1123 §2.1).
 */
export function parseHost(a: Arg, index = 0): string {
  const t = a.text.replace(/^\[(.*)\]$/, '$1');
  if (isIPv4(t) || isIPv6(t) || (isHostname(t) && !/^[\d.]+$/.test(t))) return t;
  throw new ValueError(`"${a.text}" is not a host name or IP address`, index);
}

/** A DNS domain or host name (not an IP address); a trailing dot is dropped. */
export function parseDomainName(a: Arg, index = 0): string {
  const t = a.text.replace(/\.$/, '');
  if (!t || !isHostname(t) || /^[\d.]+$/.test(t)) {
    throw new ValueError(`"${a.text}" is not a DNS domain name (e.g. example.com)`, index);
  }
  return t;
}

/** A literal IPv4 or IPv6 address (IPv6 may be written in brackets). */
export function parseIpAddress(a: Arg, index = 0): string {
  const t = a.text.replace(/^\[(.*)\]$/, '$1');
  if (isIPv4(t) || isIPv6(t)) return t;
  throw new ValueError(`"${a.text}" is not an IPv4 or IPv6 address`, index);
}

/** A host name (not an address); a trailing dot is dropped. */
export function parseHostName(a: Arg, index = 0): string {
  const t = a.text.replace(/\.$/, '');
  if (t && isHostname(t) && !/^[\d.]+$/.test(t)) return t;
  throw new ValueError(`"${a.text}" is not a host name`, index);
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** An RFC 3261 token: option tags, header names. */
export function parseToken(a: Arg, what: string, index = 0): string {
  if (TOKEN.test(a.text)) return a.text;
  throw new ValueError(`"${a.text}" is not a valid ${what} (letters, digits and - . ! % * _ + \` ' ~ only)`, index);
}

export function rangeText(min: number, max: number): string {
  return `${min} to ${max}`;
}
function hexRange(min: number, max: number): string {
  return `0x${min.toString(16)} to 0x${max.toString(16)}`;
}

// ---- builders ----

/** One integer in o.min..o.max (int and optInt). */
function intParser(o: { min: number; max: number; unit?: string }): (args: readonly Arg[]) => number {
  return (args) => {
    expectArgs(args, 1, 1, o.unit ? `integer, ${o.unit}` : 'integer');
    return parseIntIn(args[0], o.min, o.max);
  };
}

/** One word of free text, checked by o.check when given (text and optText). */
function textParser(o: { type?: string; check?: (a: Arg) => string }): (args: readonly Arg[]) => string {
  return (args) => {
    expectArgs(args, 1, 1, o.type ?? 'string');
    return o.check ? o.check(args[0]) : args[0].text;
  };
}

type Spec<N extends string, T> = DirectiveSpec<N, T>;

export function directivesFor(owner: string, section: Section) {
  function base<N extends string, T>(
    name: N,
    o: Common,
    rest: Pick<Spec<N, T>, 'type' | 'valid' | 'default' | 'defaultText' | 'repeat' | 'parse'> & { maxCount?: number },
  ): Spec<N, T> {
    return {
      name,
      owner,
      section: o.section ?? section,
      restart: o.restart ?? 'graceful',
      context: o.context ?? 'main',
      doc: o.doc,
      ...(o.example ? { example: o.example } : {}),
      ...(o.shipActive ? { shipActive: true } : {}),
      ...(o.noEffect ? { noEffect: o.noEffect } : {}),
      ...(o.noEffectFor ? { noEffectFor: o.noEffectFor } : {}),
      ...(o.tab ? { tab: o.tab } : {}),
      ...rest,
    };
  }

  return {
    /** On|Off switch. */
    onOff<N extends string>(name: N, o: Common & { default: boolean }): Spec<N, boolean> {
      return base(name, o, {
        type: 'On|Off',
        valid: 'On, Off',
        default: o.default,
        defaultText: o.default ? 'On' : 'Off',
        repeat: false,
        parse: (args) => {
          expectArgs(args, 1, 1, 'On or Off');
          return parseOnOff(args[0]);
        },
      });
    },

    /** Integer within an inclusive range. */
    int<N extends string>(name: N, o: Common & { default: number; min: number; max: number; unit?: string }): Spec<N, number> {
      return base(name, o, {
        type: o.unit ? `integer (${o.unit})` : 'integer',
        valid: rangeText(o.min, o.max),
        default: o.default,
        defaultText: String(o.default),
        repeat: false,
        parse: intParser(o),
      });
    },

    /** Integer with no default: undefined until set. */
    optInt<N extends string>(name: N, o: Common & { min: number; max: number; unit?: string }): Spec<N, number | undefined> {
      return base(name, o, {
        type: o.unit ? `integer (${o.unit})` : 'integer',
        valid: rangeText(o.min, o.max),
        default: undefined,
        defaultText: '(none)',
        repeat: false,
        parse: intParser(o),
      });
    },

    /** Hexadecimal number written 0x…. */
    hex<N extends string>(name: N, o: Common & { default: number; min: number; max: number }): Spec<N, number> {
      return base(name, o, {
        type: 'hex',
        valid: hexRange(o.min, o.max),
        default: o.default,
        defaultText: '0x' + o.default.toString(16).toUpperCase().padStart(2, '0'),
        repeat: false,
        parse: (args) => {
          expectArgs(args, 1, 1, 'hex');
          return parseHexIn(args[0], o.min, o.max);
        },
      });
    },

    /** Free text with a default (a path, a name…). `check` may reject a value by throwing ValueError. */
    text<N extends string>(name: N, o: Common & { default: string; type?: string; check?: (a: Arg) => string }): Spec<N, string> {
      return base(name, o, {
        type: o.type ?? 'string',
        valid: '',
        default: o.default,
        defaultText: o.default === '' ? '(none)' : o.default,
        repeat: false,
        parse: textParser(o),
      });
    },

    /** Free text with no default: undefined until set. */
    optText<N extends string>(name: N, o: Common & { type?: string; check?: (a: Arg) => string }): Spec<N, string | undefined> {
      return base(name, o, {
        type: o.type ?? 'string',
        valid: '',
        default: undefined,
        defaultText: '(none)',
        repeat: false,
        parse: textParser(o),
      });
    },

    /** One word out of a fixed list (case-insensitive), e.g. Proxy|Redirect. */
    oneOf<N extends string, const V extends string>(
      name: N,
      o: Common & { values: readonly V[]; default: V; aliases?: Readonly<Record<string, V>> },
    ): Spec<N, V> {
      return base(name, o, {
        type: o.values.join('|'),
        valid: o.values.join(', '),
        default: o.default,
        defaultText: o.default,
        repeat: false,
        parse: (args) => {
          expectArgs(args, 1, 1, 'one of ' + o.values.join(', '));
          return parseChoice(args[0], o.values, o.aliases);
        },
      });
    },

    /** One word out of a fixed list, with no default. */
    optOneOf<N extends string, const V extends string>(name: N, o: Common & { values: readonly V[] }): Spec<N, V | undefined> {
      return base(name, o, {
        type: o.values.join('|'),
        valid: o.values.join(', '),
        default: undefined,
        defaultText: '(none)',
        repeat: false,
        parse: (args) => {
          expectArgs(args, 1, 1, 'one of ' + o.values.join(', '));
          return parseChoice(args[0], o.values);
        },
      });
    },

    /**
     * A list of words: every argument of every line is appended (farm members,
     * IgnoreProxyRequire tags). `check` validates each word.
     */
    words<N extends string>(name: N, o: Common & { type?: string; maxCount?: number; check?: (a: Arg, index: number) => string }): Spec<N, readonly string[]> {
      return base<N, readonly string[]>(name, o, {
        type: o.type ?? 'list of words',
        valid: '',
        default: [],
        defaultText: '(none)',
        repeat: true,
        ...(o.maxCount ? { maxCount: o.maxCount } : {}),
        parse: (args, prev) => {
          expectArgs(args, 1, Infinity, 'one or more values');
          const next = [...prev, ...args.map((a, i) => (o.check ? o.check(a, i) : a.text))];
          if (o.maxCount !== undefined && next.length > o.maxCount) {
            throw new ValueError(`too many values: at most ${o.maxCount} are allowed`, args.length - 1);
          }
          return next;
        },
      });
    },

    /** A directive that may be repeated; each line parses to one item. */
    repeated<N extends string, I>(
      name: N,
      o: Common & { type: string; valid?: string; maxCount?: number; item: (args: readonly Arg[], env: ParseEnv) => I },
    ): Spec<N, readonly I[]> {
      return base<N, readonly I[]>(name, o, {
        type: o.type,
        valid: o.valid ?? '',
        default: [],
        defaultText: '(none)',
        repeat: true,
        ...(o.maxCount ? { maxCount: o.maxCount } : {}),
        parse: (args, prev, env) => {
          if (o.maxCount !== undefined && prev.length >= o.maxCount) {
            throw new ValueError(`may appear at most ${o.maxCount} times`, 0);
          }
          return [...prev, o.item(args, env)];
        },
      });
    },

    /** Anything else: the owner supplies type text, default and parser. */
    custom<N extends string, T>(
      name: N,
      o: Common & { type: string; valid?: string; default: T; defaultText: string; repeat?: boolean; maxCount?: number; parse: (args: readonly Arg[], prev: T, env: ParseEnv) => T },
    ): Spec<N, T> {
      return base(name, o, {
        type: o.type,
        valid: o.valid ?? '',
        default: o.default,
        defaultText: o.defaultText,
        repeat: o.repeat ?? false,
        ...(o.maxCount ? { maxCount: o.maxCount } : {}),
        parse: o.parse,
      });
    },

    /** A <Name id> … </Name> block holding child directives (declared with context = Name). */
    container<N extends string, const C extends readonly AnyDirective[]>(
      name: N,
      o: {
        doc: string;
        children: C;
        id?: ContainerSpec['id'];
        maxCount?: number;
        required?: readonly string[];
        restart?: RestartClass;
        example?: readonly string[];
        section?: Section;
        noEffect?: string;
      },
    ): ContainerSpec<N, C> {
      return {
        name,
        owner,
        section: o.section ?? section,
        restart: o.restart ?? 'graceful',
        doc: o.doc,
        id: o.id ?? { kind: 'text' },
        children: o.children,
        ...(o.maxCount ? { maxCount: o.maxCount } : {}),
        ...(o.required ? { required: o.required } : {}),
        ...(o.example ? { example: o.example } : {}),
        ...(o.noEffect ? { noEffect: o.noEffect } : {}),
      };
    },
  };
}

export type DirectiveBuilders = ReturnType<typeof directivesFor>;
