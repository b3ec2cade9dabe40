// Bad input never crashes sipd: a seeded corpus of ~1,000 malformed, truncated and
// contradictory requests (test/unit/sip/fuzz-corpus.ts) sent to a real sipd over UDP,
// over one TCP connection and over fresh TCP connections. sipd must stay up, answer only
// with well-formed responses (the parser's 400/414/505/513 for what it rejects), answer
// OPTIONS afterwards over both transports, and log no internal error. A response to a
// malformed request copies its Via, From, To, Call-ID and CSeq as they are (RFC 3261
// §8.2.6.2): those copies are compared with the request, the rest of the response must
// parse (test/helpers/sip-answer.ts).
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { findHeaderEnd, parseMessage } from '../../src/sip/message.js';
import type { SipResponse } from '../../src/sip/message.js';
import { freePort, makeServerRoot, killMentioning, sleep, startBin, udpExchange, waitFor } from '../helpers/index.js';
import type { Running, ServerRoot } from '../helpers/index.js';
import { fuzzCorpus, validRequests } from '../unit/sip/fuzz-corpus.js';
import type { FuzzCase } from '../unit/sip/fuzz-corpus.js';
import { checkAnswer } from '../helpers/sip-answer.js';

/** The largest UDP payload over IPv4; bigger cases go over TCP only. */
const MAX_DATAGRAM = 65507;
const REJECT_STATUSES = new Set([400, 414, 505, 513]);

interface Exchange {
  readonly sent: FuzzCase;
  readonly received: Buffer[];
}

/** Send each case from its own UDP socket, a batch at a time; keep what comes back to each. */
async function udpRound(port: number, cases: readonly FuzzCase[], batch = 50): Promise<Exchange[]> {
  const out: Exchange[] = [];
  for (let i = 0; i < cases.length; i += batch) {
    const group = cases.slice(i, i + batch);
    let last = Date.now();
    const sockets = await Promise.all(
      group.map(
        (c) =>
          new Promise<{ s: dgram.Socket; x: Exchange }>((resolve) => {
            const s = dgram.createSocket('udp4');
            const x: Exchange = { sent: c, received: [] };
            s.on('message', (m) => {
              x.received.push(m);
              last = Date.now();
            });
            s.on('error', () => undefined);
            s.bind(0, '127.0.0.1', () => resolve({ s, x }));
          }),
      ),
    );
    for (const { s, x } of sockets) s.send(x.sent.bytes, port, '127.0.0.1');
    // Wait until the answers stop coming: 400 ms of quiet, at most 3 s per batch.
    const until = Date.now() + 3000;
    while (Date.now() < until && Date.now() - last < 400) await sleep(50);
    for (const { s, x } of sockets) {
      s.close();
      out.push(x);
    }
  }
  return out;
}

/** Split a TCP byte stream of responses by Content-Length; a part that cannot be framed is returned whole. */
function splitStream(buf: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    const end = findHeaderEnd(buf, at);
    if (!end) {
      parts.push(buf.subarray(at));
      break;
    }
    const head = buf.toString('latin1', at, end.headEnd);
    const m = /^(?:Content-Length|l)[ \t]*:[ \t]*(\d+)/im.exec(head);
    const stop = end.bodyStart + (m ? Number(m[1]) : 0);
    parts.push(buf.subarray(at, stop));
    at = stop;
  }
  return parts;
}

/** One connection per case, a batch at a time: what came back before sipd closed or went quiet. */
async function freshTcpRound(port: number, cases: readonly FuzzCase[], batch = 20): Promise<Exchange[]> {
  const out: Exchange[] = [];
  for (let i = 0; i < cases.length; i += batch) {
    const group = cases.slice(i, i + batch);
    out.push(
      ...(await Promise.all(
        group.map(
          (c) =>
            new Promise<Exchange>((resolve) => {
              const chunks: Buffer[] = [];
              const sock = net.createConnection(port, '127.0.0.1');
              let quiet: NodeJS.Timeout | undefined;
              const finish = () => {
                clearTimeout(quiet);
                clearTimeout(limit);
                sock.destroy();
                resolve({ sent: c, received: splitStream(Buffer.concat(chunks)) });
              };
              const limit = setTimeout(finish, 1500);
              sock.on('connect', () => sock.write(c.bytes));
              sock.on('data', (d) => {
                chunks.push(d);
                clearTimeout(quiet);
                quiet = setTimeout(finish, 200);
              });
              sock.on('close', finish);
              sock.on('error', () => undefined);
            }),
        ),
      )),
    );
  }
  return out;
}

/** Many cases down one connection (a new one whenever sipd closes it); everything that came back. */
async function sharedTcpRound(port: number, cases: readonly FuzzCase[]): Promise<{ responses: Buffer[]; connections: number }> {
  const responses: Buffer[] = [];
  let connections = 0;
  let sock: net.Socket | undefined;
  let chunks: Buffer[] = [];
  let closed: Promise<void> = Promise.resolve();
  const open = async () => {
    connections++;
    chunks = [];
    const s = net.createConnection(port, '127.0.0.1');
    const mine = chunks;
    s.on('data', (d) => mine.push(d));
    s.on('error', () => undefined);
    closed = new Promise<void>((r) => s.on('close', () => r()));
    await new Promise<void>((r, j) => {
      s.once('connect', () => r());
      s.once('error', j);
    });
    sock = s;
  };
  const drain = async () => {
    await Promise.race([closed, sleep(300)]);
    sock?.destroy();
    await closed;
    responses.push(...splitStream(Buffer.concat(chunks)));
    sock = undefined;
  };
  for (const c of cases) {
    if (!sock || sock.destroyed || sock.writableEnded) {
      if (sock) await drain();
      await open();
    }
    sock!.write(c.bytes);
    await sleep(5);
  }
  if (sock) await drain();
  return { responses, connections };
}

/**
 * Check one message sipd sent in answer to one of `requests` (tried in turn): a
 * response whose copies of the request's fields are exact and whose own parts parse,
 * with a status in range. Returns its status, or records what is wrong (all faults are
 * reported together, grouped by kind, so that one run shows every distinct defect).
 */
function checkResponse(bytes: Buffer, requests: readonly Buffer[], why: string, stream: boolean, problems: Problems): { status: number; reason: string } | undefined {
  let first: { kind: string; detail: string } | undefined;
  for (const request of requests) {
    const r = checkAnswer(bytes, request, { stream });
    if (r.ok) return r;
    first ??= r;
  }
  return first ? problems.add(first.kind, `${why}: ${first.detail}`) : problems.add('no request to check against', why);
}

/** Faults found, grouped by kind with the first example of each. */
class Problems {
  private readonly kinds = new Map<string, { count: number; example: string }>();
  add(kind: string, example: string): undefined {
    const k = this.kinds.get(kind);
    if (k) k.count++;
    else this.kinds.set(kind, { count: 1, example });
    return undefined;
  }
  get size(): number {
    return this.kinds.size;
  }
  report(): string {
    return [...this.kinds].map(([kind, { count, example }]) => `${count} × ${kind}; first: ${example}`).join('\n\n');
  }
}

let probes = 0;
/** An OPTIONS to sipd itself (no user part: it is for the server), with a fresh branch. */
function optionsProbe(port: number, transport: 'UDP' | 'TCP'): string {
  const n = ++probes;
  return [
    `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:5061;branch=z9hG4bKprobe${n}x${Date.now()}`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1>;tag=p${n}`,
    `To: <sip:127.0.0.1:${port}>`,
    `Call-ID: fuzz-probe-${n}-${Date.now()}@127.0.0.1`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

async function optionsOverTcp(port: number): Promise<string> {
  const text = optionsProbe(port, 'TCP');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.createConnection(port, '127.0.0.1', () => s.write(text));
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const t = setTimeout(done, 3000);
    s.on('data', (d) => {
      chunks.push(d);
      if (/\r\n\r\n/.test(Buffer.concat(chunks).toString('latin1'))) done();
    });
    s.on('error', done);
  });
}

describe('sipd fuzz: malformed input over UDP and TCP', () => {
  let sr: ServerRoot;
  let sipd: Running;
  let corpus: FuzzCase[];

  before(async () => {
    sr = makeServerRoot(await freePort());
    corpus = fuzzCorpus({ port: sr.port, seed: 20260521 });
    sipd = startBin('sipd', ['-X', '-f', sr.conf], 600_000);
    await waitFor('sipd to answer OPTIONS', async () => /^SIP\/2\.0 200 /.test((await udpExchange(sr.port, optionsProbe(sr.port, 'UDP'), 300)) ?? ''), 15_000, 200);
  });

  after(async () => {
    sipd?.child.kill('SIGTERM');
    if (sipd) await Promise.race([sipd.done, sleep(10_000)]);
    killMentioning(sr.conf);
    sr.remove();
  });

  const alive = () => {
    assert.equal(sipd.child.exitCode, null, `sipd exited (${sipd.child.exitCode}); error_log:\n${sr.readErrorLog().slice(-3000)}`);
    assert.equal(sipd.child.signalCode, null, `sipd was killed by ${sipd.child.signalCode}`);
  };

  test('the corpus is deterministic, large and mostly invalid; its bases are valid', () => {
    assert.ok(corpus.length >= 500, `${corpus.length} cases`);
    const again = fuzzCorpus({ port: sr.port, seed: 20260521 });
    assert.ok(again.every((c, i) => c.bytes.equals(corpus[i].bytes)), 'same seed, same bytes');
    assert.ok(!fuzzCorpus({ port: sr.port, seed: 1 }).every((c, i) => corpus[i]?.bytes.equals(c.bytes)), 'another seed, other bytes');
    const bases = validRequests({ port: sr.port });
    assert.ok(bases.length >= 10 && new Set(bases.map((b) => b.bytes.toString().split(' ')[0])).size >= 10, 'ten methods');
    for (const b of bases) assert.ok(parseMessage(b.bytes).ok, `${b.name} parses`);
    const rejected = corpus.filter((c) => !parseMessage(c.bytes).ok).length;
    assert.ok(rejected > corpus.length * 0.7, `${rejected} of ${corpus.length} rejected by the parser`);
  });

  test('UDP: every case, each from its own socket; only well-formed answers, the parser status for rejects', async () => {
    const cases = corpus.filter((c) => c.bytes.length <= MAX_DATAGRAM);
    const results = await udpRound(sr.port, cases);
    const problems = new Problems();
    let answered = 0;
    for (const x of results) {
      const expected = parseMessage(x.sent.bytes);
      for (const m of x.received) {
        const res = checkResponse(m, [x.sent.bytes], x.sent.name, false, problems);
        if (res && !expected.ok && res.status !== expected.status) problems.add(`rejected ${expected.status} by the parser, answered ${res.status}`, `${x.sent.name}: ${expected.reason} / ${res.status} ${res.reason}`);
      }
      if (!expected.ok && !expected.canRespond && x.received.length) problems.add('answered although no response can be addressed', x.sent.name);
      if (!expected.ok && expected.canRespond && !x.received.length) problems.add('a rejected request that could be answered got no answer', x.sent.name);
      if (x.received.length) answered++;
    }
    alive();
    assert.equal(problems.size, 0, `${results.length} cases over UDP:\n${problems.report()}`);
    assert.ok(answered > 100, `${answered} cases answered`);
  });

  test('TCP, a fresh connection per case: only well-formed answers, rejects answered 400/414/505/513', async () => {
    const cases = corpus.filter((_, i) => i % 6 === 0);
    cases.push(...corpus.filter((c) => c.bytes.length > MAX_DATAGRAM));
    const results = await freshTcpRound(sr.port, cases.map((c) => ({ ...c, bytes: Buffer.from(c.bytes.toString('latin1').replaceAll('SIP/2.0/UDP', 'SIP/2.0/TCP'), 'latin1') })));
    const problems = new Problems();
    let answered = 0;
    for (const x of results) {
      const expected = parseMessage(x.sent.bytes, { stream: true });
      for (const m of x.received) {
        const res = checkResponse(m, [x.sent.bytes], `${x.sent.name} (TCP)`, true, problems);
        // A framing fault may cut the stream before the parser's fault is reached: a 1xx/2xx is then fine too.
        if (res && !expected.ok && !REJECT_STATUSES.has(res.status) && res.status >= 300) problems.add(`rejected by the parser, answered ${res.status}`, `${x.sent.name}: ${expected.reason} / ${res.status} ${res.reason}`);
      }
      if (x.received.length) answered++;
    }
    alive();
    assert.equal(problems.size, 0, `${results.length} cases, one TCP connection each:\n${problems.report()}`);
    assert.ok(answered > cases.length / 4, `${answered} of ${cases.length} answered`);
  });

  test('TCP, many cases down one connection (reconnecting when sipd closes it)', async () => {
    const cases = corpus.filter((_, i) => i % 10 === 3).map((c) => ({ ...c, bytes: Buffer.from(c.bytes.toString('latin1').replaceAll('SIP/2.0/UDP', 'SIP/2.0/TCP'), 'latin1') }));
    const { responses, connections } = await sharedTcpRound(sr.port, cases);
    const problems = new Problems();
    // Which request a response answers is not known here. One that parses as it is passes
    // (it is checked as the answer to a well-formed request); one that does not must be
    // the exact answer to one of the malformed requests sent.
    const sent = cases.map((c) => c.bytes);
    const wellFormed = [validRequests({ port: sr.port })[0].bytes];
    for (const r of responses) checkResponse(r, parseMessage(r, { stream: true }).ok ? wellFormed : sent, `shared connection (${connections} connections)`, true, problems);
    alive();
    assert.equal(problems.size, 0, `${cases.length} cases down ${connections} TCP connections:\n${problems.report()}`);
    assert.ok(responses.length > 0, 'some answers came back');
  });

  test('afterwards sipd is up, answers OPTIONS 200 over UDP and TCP, and logged no internal error', async () => {
    alive();
    process.kill(sipd.child.pid!, 0);
    const udp = await udpExchange(sr.port, optionsProbe(sr.port, 'UDP'), 3000);
    assert.match(udp ?? '(no answer)', /^SIP\/2\.0 200 OK\r\n/);
    assert.match(await optionsOverTcp(sr.port), /^SIP\/2\.0 200 OK\r\n/);
    const log = sr.readErrorLog();
    assert.match(log, /malformed SIP message/, 'the rejects were logged');
    const bad = log.split('\n').filter((l) => /uncaught|internal error|unhandled|^\s+at \S+ \(|TypeError|RangeError/i.test(l));
    assert.deepEqual(bad.slice(0, 10), [], 'error_log has no internal errors or stack traces');
  });
});
