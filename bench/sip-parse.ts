// Parse + serialize throughput of our SIP message model against the npm package `sip`
// 0.0.6 on the same corpus, in one run. Run: `node dist/bench/sip-parse.js [seconds]`.
//
// Both sides get the same Buffers (as a UDP socket hands them over). Ours: parseMessage
// (which also parses and checks the Request-URI, every Via, From, To, Contact and Route)
// then serializeMessage. sip: sip.parse (which parses Via, From, To, Contact, Route,
// CSeq into objects) then sip.stringify. Cases `sip` cannot parse (bare LF) are left out
// of both sides so the work is the same.
import { parseMessage, serializeMessage } from '../src/sip/message.js';
import { CORPUS } from '../test/unit/sip/corpus.js';
import { sipPkg } from '../test/unit/sip/oracle.js';

const seconds = Number(process.argv[2] ?? 1);
const rounds = 5;

const corpus = CORPUS.filter((c) => sipPkg.parse(c.text)).map((c) => Buffer.from(c.text));
let sink = 0;

function oursOnce(buf: Buffer): void {
  const r = parseMessage(buf);
  if (!r.ok) throw new Error(r.reason);
  sink += serializeMessage(r.message).length;
}

function sipOnce(buf: Buffer): void {
  const m = sipPkg.parse(buf);
  if (!m) throw new Error('sip refused a corpus message');
  sink += sipPkg.stringify(m).length;
}

/** Messages per second over about `seconds` of work. */
function measure(fn: (b: Buffer) => void): number {
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const t0 = process.hrtime.bigint();
  let n = 0;
  while (process.hrtime.bigint() < end) {
    for (const b of corpus) fn(b);
    n += corpus.length;
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Warm up both, then alternate rounds so drift on a shared machine hits both alike.
measure(oursOnce);
measure(sipOnce);
const o: number[] = [];
const s: number[] = [];
for (let i = 0; i < rounds; i++) {
  o.push(measure(oursOnce));
  s.push(measure(sipOnce));
}
const mo = median(o);
const ms = median(s);
console.log(`corpus: ${corpus.length} messages (${CORPUS.length - corpus.length} left out: sip cannot parse them), ${rounds} rounds of ${seconds}s, median`);
console.log(`ours: ${Math.round(mo).toLocaleString('en')} msg/s  (rounds: ${o.map((x) => Math.round(x)).join(', ')})`);
console.log(`sip:  ${Math.round(ms).toLocaleString('en')} msg/s  (rounds: ${s.map((x) => Math.round(x)).join(', ')})`);
console.log(`ratio ours/sip: ${(mo / ms).toFixed(2)}`);
if (sink < 0) console.log(sink);
