// A deterministic corpus of broken SIP messages for fuzzing a server: a dozen valid
// requests of different shapes (bodies, compact headers, an IPv6 Via, a folded line)
// and, from a seeded PRNG, hundreds of truncated, corrupted and contradictory variants.
// Not a test itself: test/integration/sipd-fuzz.test.ts sends it to sipd.
import { seeded } from '../../helpers/seeded.js';

export interface FuzzCase {
  /** What was done to which base request, e.g. "invite-sdp: truncated after line 4". */
  readonly name: string;
  readonly bytes: Buffer;
}

export interface CorpusOptions {
  /** The server the requests are addressed to (Request-URI, To). */
  readonly host?: string;
  readonly port: number;
  readonly seed?: number;
  /** How many random variants to add after the systematic ones. Default 200. */
  readonly random?: number;
}


const SDP = ['v=0', 'o=alice 2890844526 2890844526 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 49170 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

interface Base {
  readonly name: string;
  readonly method: string;
  /** Header lines after the start line; {n} is replaced by a per-variant number. */
  readonly headers: readonly string[];
  readonly body?: string;
  /** Leave Content-Length out (the base writes the right one otherwise). */
  readonly noLength?: boolean;
}

/** The valid requests every variant starts from. Each parses cleanly (the fuzz test checks that). */
function bases(target: string): Base[] {
  const via = 'Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bKfz{n}';
  const common = (method: string, cseq = 1) => [via, 'Max-Forwards: 70', 'From: "Alice" <sip:alice@127.0.0.1>;tag=fa{n}', `To: <sip:bob@${target}>`, 'Call-ID: fuzz-{n}@127.0.0.1', `CSeq: ${cseq} ${method}`];
  return [
    { name: 'options', method: 'OPTIONS', headers: [...common('OPTIONS'), 'Accept: application/sdp'] },
    { name: 'invite-sdp', method: 'INVITE', headers: [...common('INVITE'), 'Contact: <sip:alice@127.0.0.1:5061>', 'Content-Type: application/sdp'], body: SDP },
    { name: 'register', method: 'REGISTER', headers: [...common('REGISTER', 7), 'Contact: <sip:alice@127.0.0.1:5061>;expires=60', 'Expires: 60'] },
    {
      name: 'bye-compact',
      method: 'BYE',
      headers: ['v: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bKfz{n}', 'Max-Forwards: 70', 'f: <sip:alice@127.0.0.1>;tag=fa{n}', `t: <sip:bob@${target}>;tag=tb{n}`, 'i: fuzz-{n}@127.0.0.1', 'CSeq: 2 BYE', 'm: <sip:alice@127.0.0.1:5061>'],
    },
    { name: 'cancel', method: 'CANCEL', headers: common('CANCEL') },
    { name: 'ack', method: 'ACK', headers: [...common('ACK').slice(0, 3), `To: <sip:bob@${target}>;tag=tb{n}`, 'Call-ID: fuzz-{n}@127.0.0.1', 'CSeq: 1 ACK'] },
    { name: 'message-compact-body', method: 'MESSAGE', headers: [...common('MESSAGE'), 'c: text/plain'], body: 'Hello, Bob: fuzzing ünïcödé.' },
    {
      name: 'info-folded',
      method: 'INFO',
      headers: [...common('INFO'), 'Subject: a subject that goes on', '  over a folded continuation line', '\tand a tab-folded one', 'Content-Type: application/dtmf-relay'],
      body: 'Signal=5\r\nDuration=160\r\n',
    },
    {
      name: 'subscribe-ipv6-via',
      method: 'SUBSCRIBE',
      headers: ['Via: SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bKv6{n}', ...common('SUBSCRIBE').slice(1), 'Contact: <sip:alice@[2001:db8::9]:5062>', 'Event: presence', 'Expires: 600'],
    },
    { name: 'notify', method: 'NOTIFY', headers: [...common('NOTIFY'), 'Event: presence', 'Subscription-State: active;expires=599', 'Content-Type: application/pidf+xml'], body: '<?xml version="1.0"?><presence entity="sip:alice@127.0.0.1"/>' },
    { name: 'refer', method: 'REFER', headers: [...common('REFER'), 'Refer-To: <sip:carol@127.0.0.1>', 'Contact: <sip:alice@127.0.0.1:5061>'] },
    {
      name: 'invite-routes',
      method: 'INVITE',
      headers: [via, 'Via: SIP/2.0/TCP 10.0.0.2:5060;branch=z9hG4bKup{n};received=10.0.0.2', 'Route: <sip:127.0.0.1;lr>', 'Record-Route: <sip:10.0.0.2;lr>', ...common('INVITE').slice(1), 'Contact: <sip:alice@127.0.0.1:5061;transport=tcp>', 'Supported: timer, 100rel', 'Session-Expires: 1800'],
    },
    { name: 'update-no-length', method: 'UPDATE', headers: common('UPDATE'), noLength: true },
  ];
}

function render(b: Base, target: string, n: number): string {
  const body = b.body ?? '';
  const lines = [`${b.method} sip:bob@${target} SIP/2.0`, ...b.headers, ...(b.noLength ? [] : [`Content-Length: ${Buffer.byteLength(body)}`])];
  return lines.join('\r\n').replaceAll('{n}', String(n)) + '\r\n\r\n' + body;
}

/** The valid requests, rendered for this target (for checking that they parse and are answered). */
export function validRequests(o: CorpusOptions): FuzzCase[] {
  const target = `${o.host ?? '127.0.0.1'}:${o.port}`;
  return bases(target).map((b, i) => ({ name: b.name, bytes: Buffer.from(render(b, target, 900_000 + i)) }));
}

/** Offsets just after each CRLF of the head (each header boundary). */
function lineEnds(text: string): number[] {
  const ends: number[] = [];
  const headEnd = text.indexOf('\r\n\r\n');
  for (let i = text.indexOf('\r\n'); i >= 0 && i <= headEnd; i = text.indexOf('\r\n', i + 2)) ends.push(i + 2);
  return ends;
}

const MANDATORY = ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards'];
const COMPACT: Record<string, string> = { Via: 'v', From: 'f', To: 't', 'Call-ID': 'i' };

function dropHeader(text: string, name: string): string {
  const short = COMPACT[name];
  return text
    .split('\r\n')
    .filter((l) => !l.toLowerCase().startsWith(name.toLowerCase() + ':') && !(short && l.startsWith(short + ':')))
    .join('\r\n');
}

function replaceHeader(text: string, name: string, value: string): string {
  const re = new RegExp(`^(${name}|${COMPACT[name] ?? name}):.*$`, 'im');
  return re.test(text) ? text.replace(re, `${name}: ${value}`) : text.replace('\r\n', `\r\n${name}: ${value}\r\n`);
}

function setContentLength(text: string, ...values: string[]): string {
  const lines = text.split('\r\n').filter((l) => !/^(Content-Length|l):/i.test(l));
  const at = lines.indexOf('');
  lines.splice(at < 0 ? lines.length : at, 0, ...values.map((v) => `Content-Length: ${v}`));
  return lines.join('\r\n');
}

/**
 * The corpus: systematic variants of every base (truncation at each header boundary,
 * each mandatory header removed, bad start lines and versions, Content-Length faults,
 * bad CSeq, NUL and non-UTF-8 bytes, overlong lines, a 70 KB message), then `random`
 * random ones (truncation at random offsets, byte flips, deleted CRLFs, and mixes of them).
 */
export function fuzzCorpus(o: CorpusOptions): FuzzCase[] {
  const target = `${o.host ?? '127.0.0.1'}:${o.port}`;
  const rand = seeded(o.seed ?? 0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const out: FuzzCase[] = [];
  let n = 0;
  const add = (name: string, bytes: Buffer | string) => out.push({ name, bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes });
  const fresh = (b: Base) => render(b, target, ++n);
  const all = bases(target);

  for (const b of all) {
    const text = fresh(b);
    lineEnds(text).forEach((end, i) => add(`${b.name}: truncated after line ${i + 1}`, render(b, target, ++n).slice(0, end)));
    for (const h of MANDATORY) add(`${b.name}: no ${h}`, dropHeader(fresh(b), h));
  }

  const starts: Array<[string, (t: string) => string]> = [
    ['empty start line', (t) => '\r\n' + t.slice(t.indexOf('\r\n') + 2)],
    ['method only', (t) => t.replace(/^[^\r]*/, 'INVITE')],
    ['no version', (t) => t.replace(/ SIP\/2\.0\r\n/, '\r\n')],
    ['two spaces and a tab', (t) => t.replace(/^(\S+) (\S+) /, '$1 \t $2  ')],
    ['URI first', (t) => t.replace(/^(\S+) (\S+)/, '$2 $1')],
    ['lower-case method', (t) => t.replace(/^(\S+)/, (m) => m.toLowerCase())],
    ['garbage method', (t) => t.replace(/^(\S+)/, 'IN(VITE)')],
    ['URI without scheme', (t) => t.replace(/^(\S+) sip:/, '$1 ')],
    ['URI with spaces', (t) => t.replace(/^(\S+) sip:bob@/, '$1 sip:b o b@')],
    ['URI with headers', (t) => t.replace(/^(\S+) (\S+)/, '$1 $2?Subject=x')],
    ['status line on a request', (t) => t.replace(/^[^\r]*/, 'SIP/2.0 200 OK')],
    ['status 999', (t) => t.replace(/^[^\r]*/, 'SIP/2.0 999 Weird')],
    ['status line without code', (t) => t.replace(/^[^\r]*/, 'SIP/2.0 OK')],
  ];
  const versions = ['SIP/3.0', 'SIP/1.0', 'SIP/2.00', 'HTTP/1.1', 'SIP/2', 'sip/2.0', 'SIP/20.0'];
  const lengths: Array<[string, string[]]> = [
    ['Content-Length twice, equal', ['0', '0']],
    ['Content-Length contradictory', ['0', '12']],
    ['Content-Length huge', ['4294967296']],
    ['Content-Length enormous', ['99999999999999999999999']],
    ['Content-Length negative', ['-1']],
    ['Content-Length not a number', ['twelve']],
    ['Content-Length larger than body', ['500']],
    ['Content-Length empty', ['']],
  ];
  const cseqs = ['abc INVITE', '1', 'INVITE 1', '99999999999 INVITE', '-5 INVITE', '1 INVITE extra', '', '4294967296 REGISTER'];
  for (const b of all) {
    for (const [what, f] of starts) add(`${b.name}: ${what}`, f(fresh(b)));
    for (const v of versions) add(`${b.name}: version ${v}`, fresh(b).replace(/ SIP\/2\.0\r\n/, ` ${v}\r\n`));
    for (const [what, values] of lengths) add(`${b.name}: ${what}`, setContentLength(fresh(b), ...values));
    add(`${b.name}: CSeq ${pick(cseqs)}`, replaceHeader(fresh(b), 'CSeq', pick(cseqs)));
    add(`${b.name}: Max-Forwards abc`, replaceHeader(fresh(b), 'Max-Forwards', 'abc'));
    add(`${b.name}: Max-Forwards 0`, replaceHeader(fresh(b), 'Max-Forwards', '0'));
    add(`${b.name}: two From`, fresh(b).replace('\r\n', '\r\nFrom: <sip:mallory@127.0.0.1>;tag=m\r\n'));
    add(`${b.name}: two Call-ID`, fresh(b).replace('\r\n', '\r\nCall-ID: other@127.0.0.1\r\n'));
    add(`${b.name}: Via without branch or host`, replaceHeader(fresh(b), 'Via', 'SIP/2.0/UDP'));
    add(`${b.name}: From without URI`, replaceHeader(fresh(b), 'From', '"nobody" ;tag=1'));
    add(`${b.name}: header without colon`, fresh(b).replace('\r\n', '\r\nThis line has no colon\r\n'));
    add(`${b.name}: continuation before any header`, fresh(b).replace('\r\n', '\r\n  dangling continuation\r\n'));
    add(`${b.name}: NUL in start line`, fresh(b).replace(' sip:', ' sip:\0'));
    add(`${b.name}: NUL in a header`, fresh(b).replace('Call-ID: ', 'Call-ID: \0\0'));
    add(`${b.name}: non-UTF-8 bytes`, Buffer.concat([Buffer.from(fresh(b).replace(/\r\n\r\n[\s\S]*$/, '\r\nSubject: '), 'utf8'), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from('\r\nContent-Length: 0\r\n\r\n')]));
    add(`${b.name}: 10 kB header line`, fresh(b).replace('\r\n', `\r\nSubject: ${'x'.repeat(10_000)}\r\n`));
    add(`${b.name}: 3000-character Request-URI`, fresh(b).replace(/^(\S+) sip:bob@/, `$1 sip:${'b'.repeat(3000)}@`));
    add(`${b.name}: 2000-character header name`, fresh(b).replace('\r\n', `\r\n${'X'.repeat(2000)}: y\r\n`));
    add(`${b.name}: LF only`, fresh(b).replaceAll('\r\n', '\n'));
    add(`${b.name}: no blank line`, fresh(b).replace('\r\n\r\n', '\r\n'));
  }
  // Over the UDP limit fits only a stream; the 60 kB one fits a datagram.
  add('invite-sdp: 70 kB message', fresh(all[1]).replace('\r\n', `\r\nX-Padding: ${'p'.repeat(70 * 1024)}\r\n`));
  add('options: 60 kB message', fresh(all[0]).replace('\r\n', `\r\nX-Padding: ${'p'.repeat(60 * 1024)}\r\n`));

  const mutations: Array<[string, (t: Buffer) => Buffer]> = [
    [
      'truncated at a random offset',
      (t) => t.subarray(0, 1 + Math.floor(rand() * (t.length - 1))),
    ],
    [
      'byte flips',
      (t) => {
        const c = Buffer.from(t);
        const flips = 1 + Math.floor(rand() * 4);
        for (let i = 0; i < flips; i++) c[Math.floor(rand() * c.length)] = Math.floor(rand() * 256);
        return c;
      },
    ],
    [
      'a CRLF deleted',
      (t) => {
        const s = t.toString('latin1');
        const ends = lineEnds(s);
        const at = pick(ends) - 2;
        return Buffer.from(s.slice(0, at) + s.slice(at + 2), 'latin1');
      },
    ],
    [
      'a CR deleted',
      (t) => {
        const s = t.toString('latin1');
        const at = pick(lineEnds(s)) - 2;
        return Buffer.from(s.slice(0, at) + s.slice(at + 1), 'latin1');
      },
    ],
    [
      'a header line duplicated',
      (t) => {
        const lines = t.toString('latin1').split('\r\n');
        const head = lines.indexOf('');
        const i = 1 + Math.floor(rand() * Math.max(1, head - 1));
        lines.splice(i, 0, lines[i]);
        return Buffer.from(lines.join('\r\n'), 'latin1');
      },
    ],
    [
      'a span deleted',
      (t) => {
        const a = Math.floor(rand() * t.length);
        const len = 1 + Math.floor(rand() * 40);
        return Buffer.concat([t.subarray(0, a), t.subarray(a + len)]);
      },
    ],
    [
      'a span repeated',
      (t) => {
        const a = Math.floor(rand() * t.length);
        const span = t.subarray(a, a + 1 + Math.floor(rand() * 30));
        return Buffer.concat([t.subarray(0, a), span, span, span, t.subarray(a)]);
      },
    ],
  ];
  const count = out.length + (o.random ?? 200);
  while (out.length < count) {
    const b = pick(all);
    let bytes: Buffer = Buffer.from(fresh(b), 'utf8');
    const steps = 1 + Math.floor(rand() * 3);
    const names: string[] = [];
    for (let i = 0; i < steps; i++) {
      const [what, f] = pick(mutations);
      bytes = f(bytes);
      names.push(what);
      if (!bytes.length) bytes = Buffer.from('\0');
    }
    add(`${b.name}: ${names.join(', then ')}`, bytes);
  }
  return out;
}
