// The parser on every RFC 4475 archive message (test/fixtures/rfc4475/), as a datagram:
// which messages parse, and for the refused ones the status and whether a response can
// be built. What sipd then does with each is test/integration/rfc4475.test.ts.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildResponse, parseMessage, serializeMessage } from '../../../src/sip/message.js';
import { FIXTURES } from '../../helpers/paths.js';
import { checkAnswer } from '../../helpers/sip-answer.js';

const DIR = path.join(FIXTURES, 'rfc4475');

/** Messages the parser accepts: the valid ones of §3.1.1 and those that fail only above the parser. */
const PARSE = [
  'wsinv', 'intmeth', 'esc01', 'escnull', 'esc02', 'lwsdisp', 'longreq', 'dblreq', 'semiuri', 'transports', 'mpart01', 'unreason', 'noreason',
  'baddate', 'badaspec', 'badbranch', 'unkscm', 'novelsc', 'unksm2', 'bext01', 'invut', 'regaut01', 'bcast', 'zeromf', 'cparam01', 'cparam02', 'regescrt', 'sdp01', 'inv2543',
];

/** Refused messages: the status, and whether a response can be addressed and matched. */
const REFUSE: Readonly<Record<string, { status: number; canRespond: boolean }>> = {
  badinv01: { status: 400, canRespond: true }, // §3.1.2.1: the top Via's parameters are broken, its sent-by is not; the 400 copies it as it is
  clerr: { status: 400, canRespond: true },
  ncl: { status: 400, canRespond: true },
  scalar02: { status: 400, canRespond: true }, // §3.1.2.4: the 400 copies the overlarge CSeq as it is
  scalarlg: { status: 400, canRespond: false }, // a response
  quotbal: { status: 400, canRespond: true }, // §3.1.2.6: the 400 copies the unbalanced To as it is
  ltgtruri: { status: 400, canRespond: true },
  lwsruri: { status: 400, canRespond: true },
  lwsstart: { status: 400, canRespond: true },
  trws: { status: 400, canRespond: true },
  escruri: { status: 400, canRespond: true },
  regbadct: { status: 400, canRespond: true },
  baddn: { status: 400, canRespond: true }, // §3.1.2.15: the 400 copies the bad From and To as they are
  badvers: { status: 505, canRespond: true },
  mismatch01: { status: 400, canRespond: true },
  mismatch02: { status: 400, canRespond: true },
  bigcode: { status: 400, canRespond: false }, // a response
  insuf: { status: 400, canRespond: true }, // §3.3.1 "ideally 400": it has a top Via and a CSeq; the 400 carries those
  multi01: { status: 400, canRespond: true },
  mcl01: { status: 400, canRespond: true },
};

describe('RFC 4475 archive through the parser', () => {
  test('every archive file has an expectation here, and only those', () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.dat'))
      .map((f) => f.slice(0, -4))
      .sort();
    assert.equal(files.length, 49);
    assert.deepEqual([...PARSE, ...Object.keys(REFUSE)].sort(), files);
  });

  for (const name of PARSE) {
    test(`${name} parses`, () => {
      const r = parseMessage(readFileSync(path.join(DIR, `${name}.dat`)));
      assert.ok(r.ok, r.ok ? '' : r.reason);
    });
  }

  for (const [name, want] of Object.entries(REFUSE)) {
    test(`${name} is refused with ${want.status}${want.canRespond ? ', answerable' : ', not answerable'}`, () => {
      const r = parseMessage(readFileSync(path.join(DIR, `${name}.dat`)));
      assert.ok(!r.ok, 'refused');
      if (r.ok) return;
      assert.equal(r.status, want.status, r.reason);
      assert.equal(r.canRespond, want.canRespond, r.reason);
    });
  }

  test('wsinv: Max-Forwards 0068 and CSeq 0009 read as 68 and 9', () => {
    const r = parseMessage(readFileSync(path.join(DIR, 'wsinv.dat')));
    assert.ok(r.ok);
    assert.equal(Number(r.message.headers.get('Max-Forwards')), 68);
    assert.equal(r.message.headers.get('CSeq'), '0009 INVITE');
  });

  test('dblreq: the datagram is one REGISTER; the INVITE after Content-Length 0 is discarded', () => {
    const r = parseMessage(readFileSync(path.join(DIR, 'dblreq.dat')));
    assert.ok(r.ok && r.message.kind === 'request' && r.message.method === 'REGISTER');
    assert.equal(r.message.body.length, 0);
  });

  test('mpart01: the binary multipart body is exactly Content-Length octets', () => {
    const r = parseMessage(readFileSync(path.join(DIR, 'mpart01.dat')));
    assert.ok(r.ok);
    assert.equal(r.message.body.length, Number(r.message.headers.get('Content-Length')));
  });
});

/** The 400 sipd builds for a refused request (src/server/sipd.ts onMessage). */
function answer400(name: string): Buffer {
  const r = parseMessage(readFileSync(path.join(DIR, `${name}.dat`)));
  assert.ok(!r.ok && r.canRespond && r.message?.kind === 'request');
  return serializeMessage(buildResponse(r.message, 400, 'Bad Request', { toTag: 'abc123', headers: [['Server', 'OpenSPS test']] }));
}

describe('the 400 to a request whose copied fields are malformed or missing', () => {
  // RFC 4475 asks for 400 to each; the answer must carry the request's fields as they are.
  const cases: Readonly<Record<string, { copied: RegExp[]; absent?: string[] }>> = {
    badinv01: { copied: [/^Via: SIP\/2\.0\/UDP 192\.0\.2\.15;;,;,,\r$/m] },
    scalar02: { copied: [/^CSeq: 36893488147419103232 REGISTER\r$/m] },
    quotbal: { copied: [/^To: "Mr\. J\. User <sip:j\.user@example\.com>;tag=abc123\r$/m] },
    baddn: { copied: [/^From: Bell, Alexander <sip:a\.g\.bell@example\.com>;tag=43\r$/m, /^To: Watson, Thomas <sip:t\.watson@example\.org>;tag=abc123\r$/m] },
    insuf: { copied: [/^Via: SIP\/2\.0\/UDP 192\.0\.2\.95;branch=z9hG4bKkdj\.insuf\r$/m, /^CSeq: 193942 INVITE\r$/m], absent: ['From', 'To', 'Call-ID'] },
  };
  for (const [name, want] of Object.entries(cases)) {
    test(`${name}: copied as it is, and the check in test/helpers/sip-answer.ts accepts it`, () => {
      const request = readFileSync(path.join(DIR, `${name}.dat`));
      const bytes = answer400(name);
      const text = bytes.toString('utf8');
      assert.match(text, /^SIP\/2\.0 400 Bad Request\r\n/);
      for (const re of want.copied) assert.match(text, re);
      for (const h of want.absent ?? []) assert.doesNotMatch(text, new RegExp(`^${h}:`, 'm'));
      const c = checkAnswer(bytes, request);
      assert.ok(c.ok, c.ok ? '' : `${c.kind}: ${c.detail}`);
      assert.equal(c.ok && c.status, 400);
    });
  }

  test('the check refuses a copy that differs, a missing To tag, a dropped field and a broken part of what sipd writes', () => {
    const request = readFileSync(path.join(DIR, 'baddn.dat'));
    const good = answer400('baddn').toString('utf8');
    const bad: Record<string, string> = {
      'From not copied as it is': good.replace('Bell, Alexander', 'Bell Alexander'),
      'no To tag added': good.replace(';tag=abc123', ''),
      'To not copied as it is (or a malformed tag added)': good.replace(';tag=abc123', ';tag=a b'),
      'Call-ID not copied as it is': good.replace(/^Call-ID: .*\r\n/m, ''),
      'malformed response apart from the copied fields (malformed header line 7)': good.replace('Server: OpenSPS test', 'Server OpenSPS test'),
      'malformed response apart from the copied fields (Content-Length is larger than the body received)': good.replace('Content-Length: 0', 'Content-Length: 5'),
    };
    for (const [kind, text] of Object.entries(bad)) {
      assert.notEqual(text, good, kind);
      const c = checkAnswer(Buffer.from(text), request);
      assert.ok(!c.ok, `refused: ${kind}`);
      assert.equal(c.ok || c.kind, kind);
    }
  });

  test('a response to a well-formed request must parse as it is', () => {
    const request = readFileSync(path.join(DIR, 'wsinv.dat'));
    const broken = Buffer.from(answer400('baddn').toString('utf8').replace('Bell, Alexander', '"Bell'));
    const c = checkAnswer(broken, request);
    assert.ok(!c.ok && /^malformed response/.test(c.kind));
  });
});
