// The SIP message model: parsing (RFC 3261 §7), writing, and responses (§8.2.6).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeaderList, canonicalName, splitList } from '../../../src/sip/headers.js';
import { buildResponse, isKeepAlive, parseMessage, serializeMessage, statelessTag, tagOf } from '../../../src/sip/message.js';
import type { SipRequest } from '../../../src/sip/message.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

const OPTIONS = [
  'OPTIONS sip:proxy.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'From: Alice <sip:alice@example.com>;tag=1928301774',
  'To: <sip:proxy.example.com>',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 63104 OPTIONS',
  'Content-Length: 0',
  '',
  '',
];

function request(lines: string[]): SipRequest {
  const r = parseMessage(crlf(lines));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.message.kind, 'request');
  return r.message as SipRequest;
}

describe('header names', () => {
  test('compact forms expand (RFC 3261 §7.3.3)', () => {
    const pairs: [string, string][] = [['i', 'Call-ID'], ['f', 'From'], ['t', 'To'], ['v', 'Via'], ['m', 'Contact'], ['l', 'Content-Length'], ['c', 'Content-Type'], ['k', 'Supported'], ['s', 'Subject'], ['e', 'Content-Encoding']];
    for (const [short, long] of pairs) assert.equal(canonicalName(short), long);
    assert.equal(canonicalName('I'), 'Call-ID');
  });
  test('names are case-insensitive and get one canonical spelling', () => {
    assert.equal(canonicalName('call-id'), 'Call-ID');
    assert.equal(canonicalName('CSEQ'), 'CSeq');
    assert.equal(canonicalName('max-forwards'), 'Max-Forwards');
    assert.equal(canonicalName('www-authenticate'), 'WWW-Authenticate');
    assert.equal(canonicalName('X-Custom-thing'), 'X-Custom-Thing');
  });
  test('list values split at commas outside quotes and <>', () => {
    assert.deepEqual(splitList('<sip:a@x;p=1,2>, "Bob, Jr" <sip:b@y>,sip:c@z'), ['<sip:a@x;p=1,2>', '"Bob, Jr" <sip:b@y>', 'sip:c@z']);
  });
  test('HeaderList keeps order across fields and splits lists', () => {
    const h = new HeaderList().append('Via', 'SIP/2.0/UDP a;branch=1, SIP/2.0/UDP b;branch=2').append('v', 'SIP/2.0/TCP c;branch=3');
    assert.deepEqual(h.values('VIA'), ['SIP/2.0/UDP a;branch=1', 'SIP/2.0/UDP b;branch=2', 'SIP/2.0/TCP c;branch=3']);
    assert.equal(h.first('via'), 'SIP/2.0/UDP a;branch=1');
    assert.equal(h.fields('Via').length, 2);
    h.prepend('Via', 'SIP/2.0/UDP top;branch=0');
    assert.equal(h.first('Via'), 'SIP/2.0/UDP top;branch=0');
  });
  test('authorization headers are not split at commas', () => {
    const h = new HeaderList().append('Authorization', 'Digest username="a", realm="b", nonce="c"');
    assert.equal(h.values('Authorization').length, 1);
  });
});

describe('parsing requests', () => {
  test('a plain OPTIONS', () => {
    const m = request(OPTIONS);
    assert.equal(m.method, 'OPTIONS');
    assert.equal(m.uri, 'sip:proxy.example.com');
    assert.equal(m.version, 'SIP/2.0');
    assert.equal(m.headers.get('call-id'), 'a84b4c76e66710@pc33.example.com');
    assert.equal(m.headers.get('CSeq'), '63104 OPTIONS');
    assert.equal(m.body.length, 0);
  });

  test('compact forms, odd case and folded lines', () => {
    const m = request([
      'INVITE sip:bob@example.com SIP/2.0',
      'v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx',
      'f: <sip:alice@example.com>;tag=1',
      't: <sip:bob@example.com>',
      'i: abc@host',
      'cseq: 1 INVITE',
      'Subject: a subject',
      '  that goes on',
      '\tand on',
      'l: 0',
      '',
      '',
    ]);
    assert.equal(m.headers.get('Subject'), 'a subject that goes on and on');
    assert.equal(m.headers.get('Call-ID'), 'abc@host');
    assert.equal(m.headers.get('From'), '<sip:alice@example.com>;tag=1');
  });

  test('multi-valued headers keep their order across lines', () => {
    const m = request([...OPTIONS.slice(0, 2), 'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2, SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK3', ...OPTIONS.slice(2)]);
    assert.deepEqual(
      m.headers.values('Via').map((v) => v.split(' ')[1].split(';')[0]),
      ['10.0.0.1:5060', '10.0.0.2', '10.0.0.3'],
    );
  });

  test('the body is cut at Content-Length; extra datagram bytes are dropped', () => {
    const lines = [...OPTIONS.slice(0, 7), 'Content-Type: application/sdp', 'Content-Length: 5', '', 'v=0\r\nextra'];
    const m = request(lines);
    assert.equal(m.body.toString(), 'v=0\r\n');
  });

  test('without Content-Length a datagram body runs to the end', () => {
    const m = request([...OPTIONS.slice(0, 7), '', 'hello']);
    assert.equal(m.body.toString(), 'hello');
  });

  test('leading CRLFs are ignored', () => {
    const r = parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), crlf(OPTIONS)]));
    assert.ok(r.ok);
  });

  test('bare LF line ends are accepted', () => {
    const r = parseMessage(Buffer.from(OPTIONS.join('\n')));
    assert.ok(r.ok);
  });
});

describe('parse errors are values', () => {
  const without = (name: string) => OPTIONS.filter((l) => !l.startsWith(name + ':'));

  test('missing Call-ID: answered 400 all the same (RFC 4475 §3.3.1)', () => {
    const r = parseMessage(crlf(without('Call-ID')));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.reason, 'missing Call-ID header');
    assert.equal(r.canRespond, true);
    assert.equal(r.status, 400);
  });

  // Without a Via there is nowhere to answer; without a CSeq no client can match the answer.
  for (const [name, answerable] of [['Via', false], ['From', true], ['To', true], ['CSeq', false]] as const) {
    test(`missing ${name}: ${answerable ? 'answerable' : 'not answerable'}`, () => {
      const r = parseMessage(crlf(without(name)));
      assert.ok(!r.ok && r.reason === `missing ${name} header`);
      assert.equal(r.canRespond, answerable);
    });
  }

  test('a CSeq whose method differs from the request line can be answered 400', () => {
    const r = parseMessage(crlf(OPTIONS.map((l) => (l.startsWith('CSeq') ? 'CSeq: 1 INVITE' : l))));
    assert.ok(!r.ok);
    if (r.ok) return;
    assert.equal(r.reason, 'CSeq method does not match the request method');
    assert.equal(r.canRespond, true);
    assert.equal(r.message?.kind, 'request');
  });

  test('malformed CSeq, Via, Max-Forwards, header line', () => {
    const cases: [string[], string][] = [
      [OPTIONS.map((l) => (l.startsWith('CSeq') ? 'CSeq: one OPTIONS' : l)), 'malformed CSeq header'],
      [OPTIONS.map((l) => (l.startsWith('Via') ? 'Via: nonsense' : l)), 'malformed Via header: malformed sent-protocol'],
      [OPTIONS.map((l) => (l.startsWith('Max-Forwards') ? 'Max-Forwards: many' : l)), 'malformed Max-Forwards header'],
      [[OPTIONS[0], 'this line has no colon', ...OPTIONS.slice(1)], 'malformed header line 2'],
    ];
    for (const [lines, reason] of cases) {
      const r = parseMessage(crlf(lines));
      assert.ok(!r.ok, reason);
      if (!r.ok) assert.equal(r.reason, reason);
    }
  });

  test('Content-Length larger than the datagram', () => {
    const r = parseMessage(crlf(OPTIONS.map((l) => (l.startsWith('Content-Length') ? 'Content-Length: 100' : l))));
    assert.ok(!r.ok && r.reason === 'Content-Length is larger than the body received' && r.canRespond);
  });

  test('over a stream Content-Length is required', () => {
    const r = parseMessage(crlf(OPTIONS.filter((l) => !l.startsWith('Content-Length'))), { stream: true });
    assert.ok(!r.ok && /missing Content-Length/.test(r.reason));
  });

  test('another SIP version asks for 505', () => {
    const r = parseMessage(crlf([OPTIONS[0].replace('SIP/2.0', 'SIP/3.0'), ...OPTIONS.slice(1)]));
    assert.ok(!r.ok && r.status === 505 && r.canRespond);
  });

  test('garbage and empty input', () => {
    for (const input of ['hello world', 'INVITE sip:x', '\r\n\r\n', '']) {
      const r = parseMessage(Buffer.from(input));
      assert.ok(!r.ok && !r.canRespond, JSON.stringify(input));
    }
  });

  test('ACK is never answerable, even when malformed', () => {
    const ack = OPTIONS.map((l) => l.replace('OPTIONS sip', 'ACK sip').replace('63104 OPTIONS', '63104 BYE'));
    const r = parseMessage(crlf(ack));
    assert.ok(!r.ok && !r.canRespond);
  });

  test('keep-alives are recognised', () => {
    assert.ok(isKeepAlive(Buffer.from('\r\n\r\n')));
    assert.ok(!isKeepAlive(crlf(OPTIONS)));
  });
});

describe('responses', () => {
  test('parse a status line', () => {
    const r = parseMessage(crlf(['SIP/2.0 180 Ringing', ...OPTIONS.slice(1)]));
    assert.ok(r.ok && r.message.kind === 'response' && r.message.status === 180 && r.message.reason === 'Ringing');
  });

  test('RFC 3261 §8.2.6: Via(s), From, To + tag, Call-ID, CSeq copied', () => {
    const req = request([...OPTIONS.slice(0, 2), 'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2', ...OPTIONS.slice(2)]);
    const res = buildResponse(req, 200, undefined, { toTag: 'abc', headers: [['Allow', 'INVITE, OPTIONS']] });
    assert.equal(res.status, 200);
    assert.equal(res.reason, 'OK');
    assert.deepEqual(res.headers.fields('Via'), req.headers.fields('Via'));
    assert.equal(res.headers.get('From'), req.headers.get('From'));
    assert.equal(res.headers.get('To'), '<sip:proxy.example.com>;tag=abc');
    assert.equal(res.headers.get('Call-ID'), req.headers.get('Call-ID'));
    assert.equal(res.headers.get('CSeq'), '63104 OPTIONS');
    assert.equal(res.headers.get('Allow'), 'INVITE, OPTIONS');
    assert.equal(res.headers.get('Content-Length'), '0');
  });

  test('no tag on a 100, and an existing To tag is kept', () => {
    const req = request(OPTIONS);
    assert.equal(tagOf(buildResponse(req, 100).headers.get('To')), undefined);
    const tagged = request(OPTIONS.map((l) => (l.startsWith('To:') ? 'To: <sip:proxy.example.com>;tag=xyz' : l)));
    assert.equal(buildResponse(tagged, 486).headers.get('To'), '<sip:proxy.example.com>;tag=xyz');
  });

  test('tagOf looks past the URI only', () => {
    assert.equal(tagOf('"a;tag=no" <sip:a@b;tag=no>;tag=yes'), 'yes');
    assert.equal(tagOf('sip:a@b;tag=1'), '1');
    assert.equal(tagOf('<sip:a@b>'), undefined);
  });

  test('the stateless tag is the same for a retransmission', () => {
    assert.equal(statelessTag(request(OPTIONS)), statelessTag(request(OPTIONS)));
  });

  test('serialize then parse again gives the same message', () => {
    const req = request(OPTIONS);
    const res = buildResponse(req, 503, undefined, { toTag: 't', headers: [['Retry-After', '60']], body: Buffer.from('x') });
    const bytes = serializeMessage(res);
    assert.match(bytes.toString(), /^SIP\/2\.0 503 Service Unavailable\r\n/);
    assert.match(bytes.toString(), /\r\nContent-Length: 1\r\n\r\nx$/);
    const again = parseMessage(bytes);
    assert.ok(again.ok && again.message.kind === 'response');
    assert.equal(again.message.headers.get('Retry-After'), '60');
    assert.equal(again.message.body.toString(), 'x');
    const reqAgain = parseMessage(serializeMessage(req));
    assert.ok(reqAgain.ok);
    assert.deepEqual([...reqAgain.message.headers], [...req.headers]);
  });

  test('a reason phrase cannot break the start line', () => {
    const res = buildResponse(request(OPTIONS), 400, 'bad\r\nInjected: yes');
    assert.equal(res.reason, 'bad Injected: yes');
  });
});
