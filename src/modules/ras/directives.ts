// Directives of the RAS module: asking H.323 gatekeepers (LRQ, H.225 RAS) where a number
// lives, cluster by cluster in priority order, and the technology prefixes to use.
import { directivesFor, expectArgs, parseChoice, parsePort, parseHost } from '../../config/define.js';
import { ValueError } from '../../config/spec.js';
import type { Arg, ValuesOf, ContainerValuesOf } from '../../config/spec.js';
import { TRANSPORTS } from '../../transport/directives.js';

const d = directivesFor('ras', 'ras');

// Until H.323 RAS location is built, its directives and blocks are accepted and reported as having no effect.
const NOT_BUILT = 'H.323 RAS location (LRQ to gatekeepers) is not built yet: no gatekeeper is asked';

export const TECH_PREFIX_ACTIONS = ['Strip', 'Include'] as const;
export type TechPrefixAction = (typeof TECH_PREFIX_ACTIONS)[number];

export interface RasTechPrefix {
  /** Dialled-number pattern: digits, with . for any one digit and a trailing * for any rest. */
  readonly pattern: string;
  /** The technology prefix itself, e.g. 001#. */
  readonly prefix: string;
  readonly action: TechPrefixAction;
}

export function parseRasTechPrefix(args: readonly Arg[]): RasTechPrefix {
  expectArgs(args, 3, 3, 'number-pattern tech-prefix INCLUDE|STRIP');
  const pattern = args[0].text;
  if (!/^\+?[0-9.]+\*?$/.test(pattern) && pattern !== '*') {
    throw new ValueError(`number pattern "${pattern}" is not valid: use digits, . for any one digit, and optionally a final *`, 0);
  }
  const prefix = args[1].text;
  if (!/^[0-9*#]{1,20}$/.test(prefix)) {
    throw new ValueError(`technology prefix "${prefix}" is not valid: use digits, * and # (e.g. 001#)`, 1);
  }
  const action = parseChoice(args[2], TECH_PREFIX_ACTIONS, {}, 2);
  return { pattern, prefix, action };
}

export interface RasGatekeeper {
  readonly host: string;
  readonly port: number;
}

/** RAS UDP port of gatekeepers (H.225.0). */
export const RAS_PORT = 1719;

export function parseRasGatekeeper(args: readonly Arg[]): RasGatekeeper {
  expectArgs(args, 1, 2, 'host [port]');
  return { host: parseHost(args[0], 0), port: args[1] ? parsePort(args[1], 1) : RAS_PORT };
}

export const rasDirectives = [
  d.onOff('RASModule', {
    noEffect: NOT_BUILT,
    default: false,
    doc: 'Send location requests (LRQ) to the H.323 gatekeepers of the RASGatekeeperCluster blocks and route calls to the gateways they name.',
  }),
  d.oneOf('RASAcceptLCF', {
    noEffect: NOT_BUILT,
    values: ['First', 'Best'],
    default: 'First',
    doc: 'First takes the first valid confirmation (LCF) from any gatekeeper; Best waits out RASLRQWindow and takes the cheapest, highest-priority one. The guide names no default; sipd uses First for quicker call setup.',
  }),
  d.int('RASTimeoutInterval', {
    noEffect: NOT_BUILT,
    default: 300,
    min: 10,
    max: 60000,
    unit: 'ms',
    doc: 'With RASLRQMethod Sequential, how long to wait for one gatekeeper before asking the next in the cluster.',
  }),
  d.oneOf('RASLRQMethod', {
    noEffect: NOT_BUILT,
    values: ['Sequential', 'Blast'],
    default: 'Sequential',
    doc: 'Sequential asks the gatekeepers of a cluster one at a time, Blast asks them all at once. The guide names no default; sipd uses Sequential, which spares the gatekeepers.',
  }),
  d.int('RASLRQWindow', {
    noEffect: NOT_BUILT,
    default: 3000,
    min: 100,
    max: 60000,
    unit: 'ms',
    doc: 'Longest wait for answers from the gatekeepers asked; a gatekeeper\'s Request In Progress (RIP) message extends it.',
  }),
  d.int('RASTimeToLive', {
    noEffect: NOT_BUILT,
    default: 6,
    min: 1,
    max: 255,
    unit: 'hops',
    doc: 'Hop count put in the non-standard part of each LRQ, limiting how far gatekeepers forward it.',
  }),
  d.onOff('RASAllowTranslation', {
    noEffect: NOT_BUILT,
    default: true,
    doc: 'Set canMapAlias in LRQs so a gatekeeper may answer with a rewritten number; with Off a gatekeeper that needs to rewrite refuses instead. The guide names no default; sipd uses On so such calls still complete.',
  }),
  d.oneOf('RASDefaultTechPrefixAction', {
    noEffect: NOT_BUILT,
    values: TECH_PREFIX_ACTIONS,
    default: 'Strip',
    doc: 'What to do with a technology prefix in an outgoing INVITE or 302 when no RASTechPrefix line matches: Strip removes it, Include keeps it. The guide names no default; sipd uses Strip, so gateways get the plain number.',
  }),
  d.repeated('RASTechPrefix', {
    noEffect: NOT_BUILT,
    type: 'number-pattern tech-prefix INCLUDE|STRIP',
    valid: 'pattern of digits and . ; prefix of digits, * and #; INCLUDE or STRIP',
    item: (args: readonly Arg[]) => parseRasTechPrefix(args),
    example: ['RASTechPrefix 1408555.... 001# INCLUDE', 'RASTechPrefix 1212.... 002# STRIP'],
    doc: 'Technology prefix for called numbers matching the pattern (. = any digit), and whether it is kept (INCLUDE) or removed (STRIP) in what is sent on. One rule per line.',
  }),
  d.oneOf('RASTransportType', {
    noEffect: NOT_BUILT,
    values: TRANSPORTS,
    default: 'UDP',
    doc: 'SIP transport put on the routes learnt from gatekeepers.',
  }),
] as const;

export const rasContainers = [
  d.container('RASGatekeeperCluster', {
    noEffect: NOT_BUILT,
    id: { kind: 'int', min: 1, max: 65535 },
    children: [
      d.repeated('RASGatekeeper', {
        noEffect: NOT_BUILT,
        type: 'host [port]',
        context: 'RASGatekeeperCluster',
        maxCount: 5,
        item: (args: readonly Arg[]) => parseRasGatekeeper(args),
        doc: 'One gatekeeper of the cluster: name or address, then RAS port (1719 when left out). At most 5 per cluster.',
      }),
    ],
    example: ['<RASGatekeeperCluster 1>', '    RASGatekeeper gk1.example.com 1719', '    RASGatekeeper gk2.example.com 1719', '</RASGatekeeperCluster>'],
    doc: 'A group of gatekeepers asked together; the id is its priority, 1 to 65535, and clusters are tried from the lowest number up.',
  }),
] as const;

type RasValues = ValuesOf<typeof rasDirectives> & ContainerValuesOf<typeof rasContainers>;
declare module '../../config/values.js' {
  interface ConfigValues extends RasValues {}
}
