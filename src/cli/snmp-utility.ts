// What getone, setany, getmany and traprcv share: the guide's CIAgent utilities (admin
// guide chapter 4) as thin commands over net-snmp's tools (Debian package `snmp`, and
// `snmptrapd` for traprcv). This file parses the guide's argument order, finds the
// product's MIB directory beside bin/ (as the other commands find conf/), runs the tool
// with every MIB loaded, and turns net-snmp's terse errors into sentences that say what to
// check. The commands never open a socket themselves; everything on the wire is net-snmp's.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { INSTALL_PREFIX, versionText } from '../common/install.js';

export type Utility = 'getone' | 'setany' | 'getmany' | 'traprcv';

/** Where a tool lives: the Debian package that ships it and the RHEL one. */
const PACKAGES: Record<string, string> = {
  snmpget: 'snmp', snmpset: 'snmp', snmpwalk: 'snmp', snmpbulkwalk: 'snmp', snmptranslate: 'snmp', snmptrapd: 'snmptrapd',
};

/** The product's MIB modules (mibs/) and the stand-ins for IETF base modules (mibs/base/). */
export const PRODUCT_MIBS = path.join(INSTALL_PREFIX, 'mibs');
export const BASE_MIBS = path.join(INSTALL_PREFIX, 'mibs', 'base');

/**
 * Names printed in chapter 4 that no MIB defines, mapped to what the guide meant:
 * "getmany … sysAppRun" is SYSAPPL-MIB's sysApplRun group (RFC 2287) with a letter lost.
 */
export const GUIDE_NAMES: Record<string, string> = { sysAppRun: 'sysApplRun' };

export class UsageError extends Error {}

/** Thrown for failures that have already been explained; the message is the explanation. */
export class UtilityError extends Error {}

export interface Location {
  /** What net-snmp is given: udp:host:port, udp6:[addr]:port, tcp:host:port… */
  readonly spec: string;
  /** What messages show: host:port or [addr]:port. */
  readonly display: string;
}

/** `host`, `host:port`, `udp:host:port`, `tcp:host:port`, `[v6]`, `[v6]:port`, `udp6:[v6]:port`; default port 161. */
export function parseLocation(text: string, defaultPort = 161): Location {
  const bad = (why: string) => new UsageError(`<location> '${text}' ${why}; give host, host:port, udp:host:port or [IPv6-address]:port`);
  let rest = text;
  let domain = '';
  const d = /^(udp6?|tcp6?|udpv6|tcpv6):(.*)$/i.exec(rest);
  if (d) {
    domain = d[1].toLowerCase().replace('v6', '6');
    rest = d[2];
  }
  let host: string;
  let port = String(defaultPort);
  let v6 = false;
  const br = /^\[([0-9A-Fa-f:.%a-z]+)\](?::(\d+))?$/.exec(rest);
  if (br) {
    host = br[1];
    v6 = true;
    if (br[2] !== undefined) port = br[2];
  } else if ((rest.match(/:/g) ?? []).length > 1) {
    host = rest; // a bare IPv6 address: no port can follow it unambiguously
    v6 = true;
  } else {
    const [h, p] = rest.split(':');
    host = h;
    if (p !== undefined) port = p;
  }
  if (!host) throw bad('names no host');
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw bad('has a port that is not 1-65535');
  if (!v6 && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(host)) throw bad('is not a host name or address');
  if (v6 && !/^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/.test(host)) throw bad('is not an IPv6 address');
  const base = domain.replace(/6$/, '') || 'udp';
  return v6
    ? { spec: `${base}6:[${host}]:${port}`, display: `[${host}]:${port}` }
    : { spec: `${base}:${host}:${port}`, display: `${host}:${port}` };
}

/** The options every request command takes, as net-snmp arguments, and what the messages need. */
export interface RequestArgs {
  readonly version: '1' | '2c' | '3';
  readonly location: Location;
  /** The community (v1/v2c) or the v3 user name. */
  readonly principal: string;
  /** net-snmp arguments: -v, -c or -u and the v3 security options, -t, -r, -O. */
  readonly toolArgs: readonly string[];
  readonly extraMibDirs: readonly string[];
  /** The remaining words: objects, and for setany the value. */
  readonly rest: readonly string[];
}

export const COMMON_OPTIONS = `  <location>     host, host:port, udp:host:port, tcp:host:port or [IPv6-address]:port
                 of the agent (ciagent); the port defaults to 161
  <community>    SNMPv1/v2c community (cspsAdmin in the shipped snmpd.cnf); with -v3 and
                 no -u, the SNMPv3 user name stands here instead
  -v1, -v2c, -v3 SNMP version (default -v2c, as in the guide's examples)
  -c COMMUNITY   the community as an option, in place of the <community> word
  -u USER        SNMPv3 user name
  -l LEVEL       SNMPv3 security level: noAuthNoPriv, authNoPriv or authPriv
  -a PROTOCOL    SNMPv3 authentication protocol: MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512
  -A PASSPHRASE  SNMPv3 authentication passphrase
  -x PROTOCOL    SNMPv3 privacy protocol: DES, AES, AES-192, AES-256
  -X PASSPHRASE  SNMPv3 privacy passphrase (other users can see -A and -X in ps: put
                 defAuthPassphrase and defPrivPassphrase in ~/.snmp/snmp.conf instead)
  -n CONTEXT     SNMPv3 context name
  -t SECONDS     how long to wait for each answer (net-snmp's default 1)
  -r RETRIES     how many times to resend an unanswered request (net-snmp's default 5)
  -O FLAGS       net-snmp output options, e.g. -O s for names without their module,
                 -O n for numeric OIDs
  -M DIRECTORY   one more directory of MIB files (colon-separated list allowed); it is
                 searched after, and wins over, ${PRODUCT_MIBS}
  --help, --version  this text, or the OpenSPS version`;

/** Options with a value, net-snmp's letter for each (the same letters net-snmp uses). */
const VALUE_OPTIONS = new Set(['-v', '-c', '-u', '-l', '-a', '-A', '-x', '-X', '-n', '-t', '-r', '-O', '-M']);

export interface SplitArgs {
  /** Each option's values, in order (an option may be given more than once). */
  readonly values: Map<string, string[]>;
  readonly flags: Set<string>;
  readonly words: string[];
}

/**
 * Splits argv into options with a value, flags and words; --help and --version are
 * returned as such. A word that starts with '-' and is not an option is a usage error,
 * except a negative number as the last word when `negativeLast` (setany's value).
 */
export function splitArgs(argv: readonly string[], valueOptions: ReadonlySet<string>, flags: ReadonlySet<string>, negativeLast = false): SplitArgs | 'help' | 'version' {
  const out: SplitArgs = { values: new Map(), flags: new Set(), words: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--version') return 'version';
    if (flags.has(a)) out.flags.add(a);
    else if (valueOptions.has(a)) {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      out.values.set(a, [...(out.values.get(a) ?? []), v]);
    } else if (a === '--') {
      out.words.push(...argv.slice(i + 1));
      break;
    } else if (a.startsWith('-') && a.length > 1 && !(negativeLast && i === argv.length - 1 && /^-\d/.test(a))) {
      throw new UsageError(`unknown option '${a}'`);
    } else out.words.push(a);
  }
  return out;
}

/** Parses a request command's arguments (getone, setany, getmany). */
export function parseRequest(argv: readonly string[], opts: { allowNegativeLast?: boolean } = {}): RequestArgs | 'help' | 'version' {
  const split = splitArgs(argv, VALUE_OPTIONS, new Set(['-v1', '-v2c', '-v3']), opts.allowNegativeLast);
  if (typeof split === 'string') return split;
  const { words } = split;
  const values = new Map([...split.values].filter(([k]) => k !== '-M').map(([k, all]) => [k, all[all.length - 1]]));
  const asked = [...new Set([...split.flags].map((f) => f.slice(2)).concat(split.values.get('-v') ?? []))];
  if (asked.length > 1) throw new UsageError(`one SNMP version only, not ${asked.join(' and ')}`);
  const v = asked[0] ?? '2c';
  if (v !== '1' && v !== '2c' && v !== '3') throw new UsageError(`-v takes 1, 2c or 3, not '${v}'`);
  const version: '1' | '2c' | '3' = v;
  for (const n of ['-t', '-r']) {
    const t = values.get(n);
    if (t !== undefined && !/^\d{1,4}(\.\d+)?$/.test(t)) throw new UsageError(`${n} takes a number, not '${t}'`);
  }
  const location = words.shift();
  if (location === undefined) throw new UsageError('no <location> given');
  let principal: string | undefined;
  const toolArgs: string[] = ['-v', version];
  if (version === '3') {
    principal = values.get('-u') ?? words.shift();
    if (principal === undefined) throw new UsageError('-v3 needs a user: -u USER, or the user name after <location>');
    toolArgs.push('-u', principal);
    for (const o of ['-l', '-a', '-A', '-x', '-X', '-n']) if (values.has(o)) toolArgs.push(o, values.get(o)!);
    if (values.has('-c')) throw new UsageError('-c is a community: SNMPv3 uses -u USER');
  } else {
    for (const o of ['-u', '-l', '-a', '-A', '-x', '-X', '-n']) if (values.has(o)) throw new UsageError(`${o} is an SNMPv3 option: add -v3`);
    principal = values.get('-c') ?? words.shift();
    if (principal === undefined) throw new UsageError('no <community> given');
    toolArgs.push('-c', principal);
  }
  for (const o of ['-t', '-r', '-O']) if (values.has(o)) toolArgs.push(o, values.get(o)!);
  const extraMibDirs = (split.values.get('-M') ?? []).flatMap((d) => d.split(':')).filter(Boolean);
  return { version, location: parseLocation(location), principal, toolArgs, extraMibDirs, rest: words };
}

/** An object name as typed, with the guide's misprints mapped to the real name. */
export function objectName(word: string): string {
  if (!word || word.startsWith('-')) throw new UsageError(`'${word}' is not an object name`);
  const m = /^([A-Za-z][\w-]*)(.*)$/.exec(word);
  return m && GUIDE_NAMES[m[1]] ? GUIDE_NAMES[m[1]] + m[2] : word;
}

/** The first executable `name` on PATH or in the sbin directories (snmptrapd lives in /usr/sbin). */
export function findTool(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    const f = path.join(d, name);
    try {
      accessSync(f, constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  const pkg = PACKAGES[name] ?? 'snmp';
  throw new UtilityError(`net-snmp's ${name} is not installed: install the Debian package ${pkg} (apt-get install ${pkg}; on RHEL, dnf install ${pkg === 'snmp' ? 'net-snmp-utils' : 'net-snmp'})`);
}

export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  /** Standard error without net-snmp's MIB-loading chatter. */
  readonly stderr: string;
}

/**
 * The lines net-snmp prints while loading MIB files it cannot fully parse, and snmptrapd's
 * note about its scratch directory: not the user's concern.
 */
const MIB_NOISE = /^(MIB search path: |Cannot find module |Did not find '|Unlinked OID in |Undefined identifier: |Cannot adopt OID in |Warning: Module |Created directory: )/;

export function withoutMibNoise(text: string): string {
  return text
    .split('\n')
    .filter((l) => !MIB_NOISE.test(l))
    .join('\n');
}

/**
 * Runs a tool and collects what it prints. `onStdout`, when given, receives standard output
 * as it comes (getmany streams long walks) and the collected stdout stays empty.
 */
export function runTool(file: string, args: readonly string[], onStdout?: (chunk: string) => void): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (onStdout ? onStdout(d) : (out += d)));
    child.stderr.on('data', (d: string) => (err += d));
    child.on('error', (e) => reject(new UtilityError(`cannot run ${file}: ${e.message}`)));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout: out, stderr: withoutMibNoise(err) }));
  });
}

let defaultDirs: string[] | undefined;

/** net-snmp's own MIB directories (its compiled-in list, or MIBDIRS / snmp.conf's mibdirs). */
async function netSnmpMibDirs(): Promise<string[]> {
  if (defaultDirs) return defaultDirs;
  const r = await runTool(findTool('snmptranslate'), ['-Dinit_mib', '-m', '', '.1.3']).catch(() => undefined);
  const m = r ? /Seen MIBDIRS: Looking in '([^']*)'/.exec(r.stdout + r.stderr) : null;
  defaultDirs = m ? m[1].split(/[:;]/).filter((d) => d && !d.startsWith('+') && !d.startsWith('-')) : [];
  return defaultDirs;
}

/**
 * The -M list. net-snmp lets a later directory win over an earlier one: the stand-in base
 * modules come first (a system's real copies win over them), then net-snmp's own, then the
 * product's modules, then any directory given with -M.
 */
export async function mibPath(extra: readonly string[]): Promise<string> {
  return [BASE_MIBS, ...(await netSnmpMibDirs()), PRODUCT_MIBS, ...extra.map((d) => path.resolve(d))].join(':');
}

/** -M and -m for every tool: all MIB files loaded, symbol-conflict errors off. */
export function mibArgs(dirs: string): string[] {
  return ['-M', dirs, '-m', 'ALL', '-Pe'];
}

/**
 * Checks that every name resolves against the loaded MIBs. An unknown name fails with
 * the directories that were searched; snmpwalk alone would print nothing at all.
 */
export async function resolveNames(dirs: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (/^\.?\d+(\.\d+)*$/.test(name)) continue;
    const r = await runTool(findTool('snmptranslate'), [...mibArgs(dirs), '-IR', '-On', name]);
    if (r.code !== 0 || !r.stdout.trim().startsWith('.')) {
      throw new UtilityError(
        `unknown object name '${name}': no MIB module in ${dirs} defines it. ` +
          'Names are case-sensitive (critAppOperStatus.1, hrStorageEntry); a numeric OID works too.',
      );
    }
  }
}

/** An object's MAX-ACCESS and SYNTAX lines from its MIB (snmptranslate -Td), when known. */
export async function describeObject(dirs: string, name: string): Promise<{ access?: string; syntax?: string }> {
  const r = await runTool(findTool('snmptranslate'), [...mibArgs(dirs), '-IR', '-Td', name]).catch(() => undefined);
  if (!r || r.code !== 0) return {};
  const get = (key: string) => new RegExp(`^\\s*${key}\\s+(.+)$`, 'm').exec(r.stdout)?.[1].trim();
  return { access: get('MAX-ACCESS') ?? get('ACCESS'), syntax: get('SYNTAX') };
}

/** Readable sentences for what net-snmp said about a request; undefined when nothing is known about it. */
export function explainRequest(r: RequestArgs, said: string, isSet: boolean): string | undefined {
  const who = r.version === '3' ? `SNMPv3 user "${r.principal}"` : `community "${r.principal}"`;
  if (/Timeout: No Response from/.test(said)) {
    return (
      `the agent did not answer at ${r.location.display}. Check that ciagent is running there ` +
      `(csps_ciagent_ctl status) and listens on that address and port, and that snmpd.cnf accepts ${who} ` +
      'from this host: ciagent drops a request with an unknown community or from an address the community is not allowed from, without an answer.'
    );
  }
  if (/Unknown host|getaddrinfo|Name or service not known/.test(said)) return `cannot resolve the host of ${r.location.display}.`;
  if (/Authentication failure|authorizationError|Unknown user name|Unsupported security level|Decryption error|Unknown security name/i.test(said)) {
    return (
      `the agent refused ${who}: the user, its security level (-l), protocols (-a, -x) or passphrases (-A, -X) ` +
      'do not match a usmUserEntry and its access rows in snmpd.cnf. See docs/snmp-agent.md, "SNMPv3 users".'
    );
  }
  if (isSet && /Reason: (noAccess|readOnly|\(readOnly\))/.test(said)) return writeRefused(r, who);
  if (isSet && r.version === '1' && /Reason: \(noSuchName\)/.test(said)) {
    // SNMPv1 has one error for both: an instance the agent lacks, or one the community may not write.
    return `either the agent has no such instance, or (as SNMPv1 cannot tell them apart) ${writeRefused(r, who)}`;
  }
  if (/Reason: (resourceUnavailable|commitFailed|undoFailed|genErr|\(genError\))/.test(said)) {
    return 'the agent could not carry out the request; its log (logs/ciagent_log) says why.';
  }
  return undefined;
}

export function writeRefused(r: RequestArgs, who: string): string {
  return (
    `the agent refused the write: ${who} may read but not write. The shipped snmpd.cnf gives cspsAdmin read access ` +
    'only (a community crosses the network in clear text). To write, use SNMPv3 (-v3 with the user sps_setup creates) ' +
    'or enable the commented write community in snmpd.cnf; see docs/snmp-agent.md, "Granting write access".'
  );
}

/** Prints --help's or --version's text and exits 0: shared by the four commands. */
export function answerInfo(command: Utility, action: 'help' | 'version', usage: string): never {
  process.stdout.write(action === 'version' ? versionText(command) : usage);
  process.exit(0);
}

/**
 * The common frame: parse, run, report. A usage error exits 2 with the usage on standard
 * error; an explained failure exits 1 with "command: explanation"; nothing is ever thrown
 * out of the process as a stack trace.
 */
export function runMain(command: Utility, usage: string, body: () => Promise<number>): void {
  body().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`${command}: ${e.message}\n\n${usage}`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`${command}: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
      }
    },
  );
}

const NO_VALUE = /= (No Such Instance currently exists at this OID|No Such Object available on this agent at this OID|No more variables left in this MIB View)/;

/**
 * One request command: resolve the names, run the tool against the location with the
 * product's MIBs, print what it printed, and explain a failure. `objects` are checked by
 * name; `words` follow the location on the tool's command line. Returns the exit status.
 */
export async function snmpRequest(
  r: RequestArgs,
  tool: 'snmpget' | 'snmpset' | 'snmpwalk' | 'snmpbulkwalk',
  objects: readonly string[],
  words: readonly string[],
): Promise<number> {
  const file = findTool(tool);
  const dirs = await mibPath(r.extraMibDirs);
  await resolveNames(dirs, objects);
  const stream = tool === 'snmpwalk' || tool === 'snmpbulkwalk';
  // A walk streams its lines; it found nothing when its only line says there is no value
  // (net-snmp also ends a walk that reaches the end of the agent's tree with such a line).
  let missing = '';
  let rows = 0;
  let tail = '';
  const count = (l: string) => {
    if (NO_VALUE.test(l)) missing ||= l;
    else if (l.trim()) rows++;
  };
  const onStdout = (chunk: string) => {
    process.stdout.write(chunk);
    const lines = (tail + chunk).split('\n');
    tail = lines.pop() ?? '';
    lines.forEach(count);
  };
  const res = await runTool(file, [...mibArgs(dirs), ...r.toolArgs, r.location.spec, ...words], stream ? onStdout : undefined);
  if (stream) {
    count(tail);
    if (rows > 0) missing = '';
  } else {
    process.stdout.write(res.stdout);
    missing = res.stdout.split('\n').find((l) => NO_VALUE.test(l)) ?? '';
  }
  const said = res.stderr.trim();
  if (said) process.stderr.write(`${said}\n`);
  if (res.code !== 0) {
    let why = explainRequest(r, said, tool === 'snmpset');
    if (!why && tool === 'snmpset' && /Reason: notWritable/.test(said)) {
      const { access } = await describeObject(dirs, objects[0]);
      why = access && !/write|create/.test(access)
        ? `${objects[0]} cannot be written: its MIB makes it ${access}.`
        : writeRefused(r, r.version === '3' ? `SNMPv3 user "${r.principal}"` : `community "${r.principal}"`);
    }
    if (!why && /Needs type and value|Value out of range|Bad value|Bad object|Invalid|Reason: (wrong|badValue|inconsistentValue|\(badValue\))/i.test(said)) {
      const { syntax } = await describeObject(dirs, objects[0]);
      why = `the value is not one ${objects[0]} takes${syntax ? `: its MIB gives it SYNTAX ${syntax}` : ''}.`;
    }
    throw new UtilityError(why ?? `${tool} failed (exit status ${res.code}).`);
  }
  if (missing) {
    const name = missing.split(' = ')[0];
    throw new UtilityError(
      stream
        ? `the agent has nothing under ${name}: the table is empty or the agent does not serve it.`
        : `the agent has no ${name}: for a table column the number after the name is the row's index, and no row has it (critagt.cnf and logagt.cnf number their entries from 1).`,
    );
  }
  return 0;
}
