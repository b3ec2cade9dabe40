// Directives of the logging module: error_log, access_log, stats_log and the debug flags.
import { directivesFor, expectArgs, parseChoice, parseOnOff } from '../config/define.js';
import { ValueError } from '../config/spec.js';
import type { Arg, ValuesOf, Check, Problem } from '../config/spec.js';
import { compileLogFormat } from './log-format.js';

const d = directivesFor('logging', 'host-specific');

/** Where a log goes: a file (relative to ServerRoot) or the stdin of a command ("|cmd args"). */
export type LogTarget = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'pipe'; readonly command: string };

export function parseLogTarget(a: Arg, index = 0): LogTarget {
  const t = a.text.trim();
  if (t.startsWith('|')) {
    const command = t.slice(1).trim();
    if (!command) throw new ValueError('a pipe needs a command after "|"', index);
    return { kind: 'pipe', command };
  }
  if (!t) throw new ValueError('the log file name is empty', index);
  return { kind: 'file', path: t };
}

export function logTargetText(t: LogTarget): string {
  return t.kind === 'file' ? t.path : `"|${t.command}"`;
}

export const LOG_LEVELS = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Debug flags the guide names; each belongs to the module it is named after. */
export const DEBUG_FLAGS = [
  'StateMachine',
  'Parser',
  'SipTcp',
  'SipTls',
  'Radius',
  'DBMySQL',
  'GKTMP',
  'GktmpAPI',
  'RPMS',
  'Numexpand',
  'Enum',
  'Routing',
  'Registry',
  'Privacy',
  'RAS',
  'RasAPI',
] as const;
export type DebugFlagName = (typeof DEBUG_FLAGS)[number];

/**
 * Flags whose feature is not built yet, with why they write nothing. Turning one On is
 * a warning in sipd -t and a notice at start; every other flag writes its module's lines.
 */
export const FLAGS_WITHOUT_OUTPUT: Readonly<Partial<Record<DebugFlagName, string>>> = {
  GKTMP: 'GKTMP (NAM server queries) is not built yet',
  GktmpAPI: 'GKTMP (NAM server queries) is not built yet',
  RAS: 'H.323 RAS location is not built yet',
  RasAPI: 'H.323 RAS location is not built yet',
};
export type DebugFlags = Readonly<Record<DebugFlagName, boolean>>;

const NO_FLAGS = Object.freeze(Object.fromEntries(DEBUG_FLAGS.map((f) => [f, false]))) as DebugFlags;

/** The formats every sipd knows without a LogFormat line (the guide's four). */
export const BUILTIN_LOG_FORMATS: Readonly<Record<string, string>> = Object.freeze({
  combined: '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"',
  common: '%h %l %u %t "%r" %>s %b',
  referer: '%{Referer}i -> %U',
  agent: '%{User-agent}i',
});

export interface CustomLogSetting {
  readonly target: LogTarget;
  /** A LogFormat nickname, or a format string when it contains a %. */
  readonly format: string;
}

function parseCustomLog(args: readonly Arg[]): CustomLogSetting {
  expectArgs(args, 1, 2, 'file-or-"|pipe" [format-or-nickname]');
  return { target: parseLogTarget(args[0]), format: args[1]?.text ?? 'common' };
}

export const loggingDirectives = [
  d.custom('ErrorLog', {
    type: 'file or "|command"',
    default: { kind: 'file', path: 'logs/error_log' } as LogTarget,
    defaultText: 'logs/error_log',
    shipActive: true,
    parse: (args) => {
      expectArgs(args, 1, 1, 'file or "|command"');
      return parseLogTarget(args[0]);
    },
    example: ['ErrorLog "|/usr/local/sip/bin/rotatelogs /usr/local/sip/logs/error_log 86400"'],
    doc: 'Where errors and debug output go. A file name is taken from ServerRoot. A value starting with | runs that command and writes the log to its standard input; with bin/rotatelogs this rotates the log (by seconds, e.g. 86400, or by size, e.g. 5M) without restarting sipd. Keep exactly one ErrorLog line active.',
  }),
  d.oneOf('LogLevel', {
    values: LOG_LEVELS,
    default: 'warn',
    shipActive: true,
    doc: 'Least severe message written to error_log: emerg, alert, crit, error, warn, notice, info or debug (most verbose). Changes with a graceful restart.',
  }),
  d.custom('LogFormat', {
    type: '"format" nickname',
    default: BUILTIN_LOG_FORMATS,
    defaultText: 'common, combined, referer, agent',
    repeat: true,
    parse: (args, prev) => {
      expectArgs(args, 2, 2, '"format" nickname');
      const nick = args[1].text;
      if (!/^[A-Za-z][\w-]*$/.test(nick)) throw new ValueError(`"${nick}" is not a valid nickname (letters, digits, _ and -)`, 1);
      return Object.freeze({ ...prev, [nick]: args[0].text });
    },
    example: [
      'LogFormat "%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined',
      'LogFormat "%h %l %u %t \\"%r\\" %>s %b" common',
      'LogFormat "%{Referer}i -> %U" referer',
      'LogFormat "%{User-agent}i" agent',
    ],
    doc: 'Names an access-log format for use by CustomLog. The % codes are those of Apache adapted to SIP (see docs/logging.md): %h client, %t time, %r request line, %>s final status, %b response size, %{Header}i a request header, %x transport, and more. common, combined, referer and agent are predefined.',
  }),
  d.custom('CustomLog', {
    type: 'file or "|command", then format',
    default: { target: { kind: 'file', path: 'logs/access_log' }, format: 'common' } as CustomLogSetting,
    defaultText: 'logs/access_log common',
    shipActive: true,
    parse: (args) => parseCustomLog(args),
    example: ['CustomLog "|/usr/local/sip/bin/rotatelogs /usr/local/sip/logs/access_log 86400" combined'],
    doc: 'Where the access log goes and in which format (a LogFormat nickname or a format string). One line per SIP request answered. Pipes work as for ErrorLog.',
  }),
  d.custom('CommonLog', {
    type: 'file or "|command", then format',
    default: undefined as CustomLogSetting | undefined,
    defaultText: '(none)',
    parse: (args) => parseCustomLog(args),
    doc: 'Another spelling of CustomLog that the guide uses in its rotation examples; when present it replaces CustomLog. Only one access log is kept.',
  }),
  d.onOff('HostnameLookups', {
    default: false,
    tab: 'Server Directives',
    doc: 'Write client host names rather than IP addresses in the access log. Lookups are done off the request path and cached, so calls are never held up by DNS.',
  }),
  d.onOff('SIPStatsLog', {
    default: true,
    section: 'server-core',
    doc: 'Write SIP traffic counters (requests by method, responses by class, parse errors, active transactions) to logs/stats_log every SIPStatsInterval seconds.',
  }),
  d.int('SIPStatsInterval', { default: 3600, min: 1, max: 86400, unit: 'seconds', section: 'server-core', doc: 'Seconds between two stats_log records.' }),
  d.onOff('SharedMemoryStatsLog', {
    default: false,
    section: 'server-core',
    doc: 'Write memory statistics to logs/sharedmem_stats_log. sipd has no shared-memory segment; it reports its heap and resident size instead, which answers the same question (is memory use growing?).',
  }),
  d.int('SharedMemoryStatsInterval', { default: 5, min: 1, max: 1440, unit: 'minutes', section: 'server-core', doc: 'Minutes between two sharedmem_stats_log records.' }),
  d.custom('DebugFlag', {
    type: 'Flag On|Off',
    valid: DEBUG_FLAGS.join(', '),
    default: NO_FLAGS,
    defaultText: 'all Off',
    repeat: true,
    section: 'debug',
    parse: (args, prev) => {
      expectArgs(args, 2, 2, 'Flag On|Off');
      const flag = parseChoice(args[0], DEBUG_FLAGS);
      return Object.freeze({ ...prev, [flag]: parseOnOff(args[1], 1) });
    },
    noEffectFor: (args) => {
      const flag = DEBUG_FLAGS.find((f) => f.toLowerCase() === args[0]?.text.toLowerCase());
      const reason = flag && FLAGS_WITHOUT_OUTPUT[flag];
      return reason && args[1]?.text.toLowerCase() === 'on' ? { what: `DebugFlag ${flag}`, reason } : undefined;
    },
    example: DEBUG_FLAGS.map((f) => `DebugFlag ${f} Off`),
    doc: 'Turns detailed debug output of one module on or off; the output goes to error_log in long form (it is written whatever LogLevel says). Flags: StateMachine (transaction state changes), Parser (each message received), SipTcp and SipTls (connections), DBMySQL (the MySQL store), Numexpand, Enum, Routing, Registry (registrar decisions and lookups), Privacy, Radius (each RADIUS request and response, passwords hidden). GKTMP, GktmpAPI, RPMS, RAS and RasAPI belong to features not built yet: they are accepted and write nothing, and turning one On is reported.',
  }),
] as const;


const accessLogFormat: Check = (v) => {
  const problems: Problem[] = [];
  for (const name of ['CustomLog', 'CommonLog'] as const) {
    const setting = v[name];
    if (!setting) continue;
    if (!setting.format.includes('%') && !(setting.format in v.LogFormat)) {
      problems.push({ directive: name, message: `"${setting.format}" is neither a LogFormat nickname nor a format string; known nicknames: ${Object.keys(v.LogFormat).join(', ')}` });
    }
  }
  return problems;
};

// A LogFormat (or a CustomLog given a literal format) must compile: unknown % codes are errors.
const logFormatCodes: Check = (v) => {
  const problems: Problem[] = [];
  for (const [nick, fmt] of Object.entries(v.LogFormat)) {
    const r = compileLogFormat(fmt);
    if (!r.ok) problems.push({ directive: 'LogFormat', message: `format "${nick}": ${r.error} at character ${r.index + 1}` });
  }
  for (const name of ['CustomLog', 'CommonLog'] as const) {
    const fmt = v[name]?.format;
    if (!fmt?.includes('%')) continue;
    const r = compileLogFormat(fmt);
    if (!r.ok) problems.push({ directive: name, message: `${r.error} at character ${r.index + 1}` });
  }
  return problems;
};

/** Checks across the logging directives, run after the whole file is read. */
export const loggingChecks: readonly Check[] = [accessLogFormat, logFormatCodes];

type LoggingValues = ValuesOf<typeof loggingDirectives>;
declare module '../config/values.js' {
  interface ConfigValues extends LoggingValues {}
}
