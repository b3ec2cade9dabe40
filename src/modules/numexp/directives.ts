// Directives of the number-expansion module: <NumberPlan> blocks of NumExp rules that
// turn short dialled numbers into full E.164 numbers (or strip prefixes), and the two
// server-core directives that decide when a user part counts as a number.
import { directivesFor, expectArgs } from '../../config/define.js';
import { ValueError } from '../../config/spec.js';
import type { Arg, ValuesOf, ContainerValuesOf } from '../../config/spec.js';

const d = directivesFor('numexp', 'number-expansion');

/**
 * One NumExp rule. A number matches `from` when it has the same length and every
 * non-`.` character is equal; the `.` positions of `to` are then filled, left to right,
 * with the digits that matched the last `.` positions of `from` (so extra wildcards in
 * `from` drop leading digits).
 */
export interface NumExpRule {
  readonly from: string;
  readonly to: string;
}

const PATTERN = /^\+?[0-9*#.]+$/;

function checkPattern(a: Arg, index: number, role: string): string {
  const t = a.text;
  if (PATTERN.test(t)) return t;
  const bad = [...t].find((c, i) => !(/[0-9*#.]/.test(c) || (c === '+' && i === 0)));
  const why = bad === undefined ? 'is empty' : bad === '+' ? 'has a + that is not at the start' : `contains "${bad}"`;
  throw new ValueError(`${role} pattern "${t}" ${why}: use digits, * and #, an optional leading +, and . for any one digit`, index);
}

const dots = (s: string) => [...s].filter((c) => c === '.').length;

export function parseNumExp(args: readonly Arg[]): NumExpRule {
  expectArgs(args, 2, 2, 'unexpanded-pattern expanded-pattern');
  const from = checkPattern(args[0], 0, 'unexpanded');
  const to = checkPattern(args[1], 1, 'expanded');
  if (dots(to) > dots(from)) {
    throw new ValueError(
      `expanded pattern "${to}" has ${dots(to)} wildcard digits but "${from}" only matches ${dots(from)}; every . on the right must take a digit matched by a . on the left`,
      1,
    );
  }
  return { from, to };
}

/** The characters of NumericUsernameCharacterSet: printable, no blanks. */
function parseCharset(a: Arg): string {
  if (!a.text || !/^[\x21-\x7e]+$/.test(a.text)) throw new ValueError(`"${a.text}" must be printable characters with no blanks`, 0);
  return a.text;
}

export const NUMERIC_INTERPRETATIONS = ['IP_164', 'E164_IP', 'IP', 'E164'] as const;
export type NumericInterpretation = (typeof NUMERIC_INTERPRETATIONS)[number];

export const numexpDirectives = [
  d.onOff('Cisco_Numexpand', {
    default: true,
    doc: 'Apply the NumExp rules of the NumberPlan blocks to the user part of URIs addressed to this server (Request-URI, To, From, Contact).',
  }),
  d.oneOf('NumericUsernameInterpretation', {
    values: NUMERIC_INTERPRETATIONS,
    default: 'E164_IP',
    aliases: { ip_e164: 'IP_164' },
    section: 'server-core',
    doc: 'How a numeric user part is looked up when the URI has no ;user= parameter. E164_IP: as a phone number, then as a URL user; IP_164: the other way round (IP_E164 is also accepted); IP: URL user only; E164: phone number only.',
  }),
  d.text('NumericUsernameCharacterSet', {
    default: '+0123456789.-()',
    type: 'characters',
    check: parseCharset,
    section: 'server-core',
    doc: 'A user part made only of these characters counts as numeric for NumericUsernameInterpretation; URI parameters are not considered.',
  }),
] as const;

export const numexpContainers = [
  d.container('NumberPlan', {
    id: { kind: 'text' },
    children: [
      d.repeated('NumExp', {
        type: 'unexpanded-pattern expanded-pattern',
        valid: 'digits, *, #, leading +, . = any digit',
        context: 'NumberPlan',
        item: (args: readonly Arg[]) => parseNumExp(args),
        doc: 'One rule: a number shaped like the first pattern is rewritten as the second, each . standing for one digit carried across. For example "5.... +1303555...." expands a five-digit extension and "+1888555.... ...." strips a prefix.',
      }),
    ] as const,
    example: ['<NumberPlan Global>', '    NumExp 5.... +1303555....', '    NumExp +1888555.... ....', '</NumberPlan>'],
    doc: 'A named set of NumExp rules, tried in order until one matches; the name (e.g. Global) is only a label.',
  }),
] as const;

type NumexpValues = ValuesOf<typeof numexpDirectives> & ContainerValuesOf<typeof numexpContainers>;
declare module '../../config/values.js' {
  interface ConfigValues extends NumexpValues {}
}
