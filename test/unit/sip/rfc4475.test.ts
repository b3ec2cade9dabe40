// The parser on every RFC 4475 archive message (test/fixtures/rfc4475/), as a datagram:
// which messages parse, and for the refused ones the status and whether a response can
// be built. What sipd then does with each is test/integration/rfc4475.test.ts.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseMessage } from '../../../src/sip/message.js';
import { FIXTURES } from '../../helpers/paths.js';

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
