// Access-log formats: a LogFormat string is compiled once into a function that turns one
// answered SIP request into one log line. The % codes are Apache's (mod_log_config),
// adapted to SIP; docs/logging.md has the table.
//
// Syntax of one item:  %[!][status,status...][<|>][{param}]letter
//   - a status list makes the item print "-" unless the final status is in the list
//     (with "!": unless it is NOT in the list), as in Apache: %400,501{User-Agent}i
//   - < and > (original / final) are accepted for Apache compatibility; a proxy logs the
//     final response it sent, so both give the same value
//   - {param} is required by %i and %o, optional for %a %p %P %t %T

import { accessLogDate, strftime } from './time.js';

/** What the proxy knows about one request it answered (or forwarded an answer to). */
export interface AccessEntry {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  transport: 'UDP' | 'TCP' | 'TLS';
  method: string;
  requestUri: string;
  protocol: string;
  requestHeader(name: string): string | undefined;
  status: number;
  responseHeader(name: string): string | undefined;
  /** Size of the response sent, in bytes. */
  bytes: number;
  /** process.hrtime.bigint() when the request arrived. */
  start: bigint;
  /** process.hrtime.bigint() when the final response was sent. */
  end: bigint;
  /** Wall-clock time the request arrived. */
  time: Date;
  /** User name proven by digest authentication, if any. */
  user?: string;
}

/** What a compiled format needs from its access log besides the entry. */
export interface FormatEnv {
  /** %h: the name to print for a client address (the address itself when unknown). */
  host(address: string): string;
}

export type CompiledFormat = (e: AccessEntry, env?: FormatEnv) => string;

export type CompileResult = { ok: true; fn: CompiledFormat } | { ok: false; error: string; index: number };

type Part = (e: AccessEntry, env: FormatEnv) => string;

const PLAIN_ENV: FormatEnv = { host: (a) => a };

// Characters written unchanged: printable ASCII except " and \.
const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const CONTROL_NAMES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 13: '\\r', 34: '\\"', 92: '\\\\' };

/**
 * Makes a value safe for one log line, as Apache does: " and \ get a backslash, \b \t \n \v \r
 * are written so, and any other control character or non-ASCII byte (of the UTF-8 encoding)
 * becomes \xhh. Spaces are kept (quote the item in the format if it may contain them).
 */
export function escapeLogItem(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  const bytes = Buffer.from(s, 'utf8');
  for (const b of bytes) {
    const named = CONTROL_NAMES[b];
    if (named) out += named;
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

function orDash(v: string | undefined): string {
  return v === undefined ? '-' : escapeLogItem(v);
}

function elapsedNs(e: AccessEntry): bigint {
  const d = e.end - e.start;
  return d > 0n ? d : 0n;
}

interface Item {
  letter: string;
  param: string | undefined;
  /** Index of the % in the format. */
  index: number;
}

type Maker = (it: Item) => Part | string; // a string is an error message

function noParam(letter: string, part: Part): Maker {
  return (it) => (it.param === undefined ? part : `%{${it.param}}${letter} takes no {parameter}`);
}

function timePart(param: string | undefined): Part | string {
  if (param === undefined) return (e) => `[${accessLogDate(e.time)}]`;
  let p = param;
  let atEnd = false;
  if (p.startsWith('begin:')) p = p.slice(6);
  else if (p.startsWith('end:')) {
    p = p.slice(4);
    atEnd = true;
  }
  const when = atEnd ? (e: AccessEntry): number => e.time.getTime() + Number(elapsedNs(e) / 1_000_000n) : (e: AccessEntry): number => e.time.getTime();
  const whenUs = atEnd
    ? (e: AccessEntry): bigint => BigInt(e.time.getTime()) * 1000n + elapsedNs(e) / 1000n
    : (e: AccessEntry): bigint => BigInt(e.time.getTime()) * 1000n;
  switch (p) {
    case 'sec':
      return (e) => String(Math.floor(when(e) / 1000));
    case 'msec':
      return (e) => String(when(e));
    case 'usec':
      return (e) => String(whenUs(e));
    case 'msec_frac':
      return (e) => String(when(e) % 1000).padStart(3, '0');
    case 'usec_frac':
      return (e) => String(whenUs(e) % 1_000_000n).padStart(6, '0');
    case '':
      return (e) => `[${accessLogDate(new Date(when(e)))}]`;
    default:
      return (e) => escapeLogItem(strftime(p, new Date(when(e))));
  }
}

const MAKERS: Record<string, Maker> = {
  // client
  h: noParam('h', (e, env) => escapeLogItem(env.host(e.remoteAddress))),
  a: (it) => (it.param === undefined || it.param === 'c' ? (e) => e.remoteAddress : `%{${it.param}}a: only {c} is known`),
  l: noParam('l', () => '-'),
  u: noParam('u', (e) => (e.user ? escapeLogItem(e.user) : '-')),
  // server side
  A: noParam('A', (e) => e.localAddress),
  p: (it) => {
    switch (it.param) {
      case undefined:
      case 'canonical':
      case 'local':
        return (e) => String(e.localPort);
      case 'remote':
        return (e) => String(e.remotePort);
      default:
        return `%{${it.param}}p: use {local}, {remote} or {canonical}`;
    }
  },
  P: (it) => (it.param === undefined || it.param === 'pid' ? () => String(process.pid) : `%{${it.param}}P: only {pid} is known`),
  x: noParam('x', (e) => e.transport),
  // request
  r: noParam('r', (e) => escapeLogItem(`${e.method} ${e.requestUri} ${e.protocol}`)),
  m: noParam('m', (e) => escapeLogItem(e.method)),
  U: noParam('U', (e) => escapeLogItem(e.requestUri)),
  H: noParam('H', (e) => escapeLogItem(e.protocol)),
  i: (it) => {
    const name = it.param;
    if (!name) return '%i needs a header name: %{Header}i';
    return (e) => orDash(e.requestHeader(name));
  },
  // response
  s: noParam('s', (e) => String(e.status)),
  b: noParam('b', (e) => (e.bytes > 0 ? String(e.bytes) : '-')),
  B: noParam('B', (e) => String(e.bytes)),
  o: (it) => {
    const name = it.param;
    if (!name) return '%o needs a header name: %{Header}o';
    return (e) => orDash(e.responseHeader(name));
  },
  // time
  t: (it) => timePart(it.param),
  T: (it) => {
    switch (it.param) {
      case undefined:
      case 's':
        return (e) => String(elapsedNs(e) / 1_000_000_000n);
      case 'ms':
        return (e) => String(elapsedNs(e) / 1_000_000n);
      case 'us':
        return (e) => String(elapsedNs(e) / 1000n);
      default:
        return `%{${it.param}}T: use {s}, {ms} or {us}`;
    }
  },
  D: noParam('D', (e) => String(elapsedNs(e) / 1000n)),
};

/** The letters compileLogFormat accepts (for messages and docs). */
export const FORMAT_LETTERS: readonly string[] = Object.freeze([...Object.keys(MAKERS), '%']);

/**
 * Compiles a LogFormat string. On error, index is the position (0-based) in fmt of the
 * offending % item, for the config checker to point at.
 */
export function compileLogFormat(fmt: string): CompileResult {
  const parts: (Part | string)[] = [];
  let lit = '';
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i];
    if (c === '\\' && (fmt[i + 1] === 'n' || fmt[i + 1] === 't')) {
      lit += fmt[i + 1] === 'n' ? '\n' : '\t';
      i += 2;
      continue;
    }
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    const start = i++;
    let param: string | undefined;
    let negate = false;
    const statuses: number[] = [];
    let letter: string | undefined;
    while (i < fmt.length && letter === undefined) {
      const ch = fmt[i];
      if (ch === '{') {
        const close = fmt.indexOf('}', i + 1);
        if (close === -1) return { ok: false, error: "unterminated {…} in the format item", index: start };
        param = fmt.slice(i + 1, close);
        i = close + 1;
      } else if (ch === '!') {
        negate = true;
        i++;
      } else if (ch === '<' || ch === '>' || ch === ',') {
        i++;
      } else if (ch >= '0' && ch <= '9') {
        let j = i;
        while (j < fmt.length && fmt[j] >= '0' && fmt[j] <= '9') j++;
        const n = Number(fmt.slice(i, j));
        if (j - i !== 3 || n < 100 || n > 699) return { ok: false, error: `"${fmt.slice(i, j)}" is not a SIP status code (100-699)`, index: start };
        statuses.push(n);
        i = j;
      } else {
        letter = ch;
        i++;
      }
    }
    if (letter === undefined) return { ok: false, error: 'the format ends in the middle of a % item', index: start };
    if (letter === '%') {
      if (param !== undefined || statuses.length) return { ok: false, error: '%% takes no parameter or status list', index: start };
      lit += '%';
      continue;
    }
    const maker = MAKERS[letter];
    if (!maker) return { ok: false, error: `unknown format code %${letter} (known: ${FORMAT_LETTERS.map((l) => '%' + l).join(' ')})`, index: start };
    const made = maker({ letter, param, index: start });
    if (typeof made === 'string') return { ok: false, error: made, index: start };
    let part: Part = made;
    if (statuses.length) {
      const set = new Set(statuses);
      const inner = made;
      part = negate ? (e, env) => (set.has(e.status) ? '-' : inner(e, env)) : (e, env) => (set.has(e.status) ? inner(e, env) : '-');
    }
    if (lit) {
      parts.push(lit);
      lit = '';
    }
    parts.push(part);
  }
  if (lit) parts.push(lit);
  return { ok: true, fn: assemble(parts) };
}

function assemble(parts: (Part | string)[]): CompiledFormat {
  if (parts.length === 0) return () => '';
  if (parts.length === 1) {
    const p = parts[0];
    return typeof p === 'string' ? () => p : (e, env = PLAIN_ENV) => p(e, env);
  }
  const n = parts.length;
  return (e, env = PLAIN_ENV) => {
    let s = '';
    for (let k = 0; k < n; k++) {
      const p = parts[k];
      s += typeof p === 'string' ? p : p(e, env);
    }
    return s;
  };
}

/**
 * The format string a CustomLog setting means: itself when it contains a %, else the
 * LogFormat nickname it names.
 */
export function resolveLogFormat(format: string, formats: Readonly<Record<string, string>>): { ok: true; format: string } | { ok: false; error: string } {
  if (format.includes('%')) return { ok: true, format };
  const f = Object.prototype.hasOwnProperty.call(formats, format) ? formats[format] : undefined;
  if (f === undefined) return { ok: false, error: `"${format}" is not a LogFormat nickname (known: ${Object.keys(formats).join(', ')})` };
  return { ok: true, format: f };
}
