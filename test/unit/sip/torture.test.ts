// Torture messages in the style of RFC 4475 (written by us): valid ones that must parse,
// invalid ones that must be refused with the right status and a reason naming the fault.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseVias } from '../../../src/sip/via.js';
import { parseAddress } from '../../../src/sip/address.js';
import { parseContacts } from '../../../src/sip/address.js';
import { MAX_REQUEST_URI_LENGTH, parseMessage, serializeMessage } from '../../../src/sip/message.js';
import type { ParseOptions, SipMessage, SipRequest } from '../../../src/sip/message.js';
import { msg } from './corpus.js';

const HEAD = [
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtorture',
  'Max-Forwards: 70',
  'To: <sip:bob@example.com>',
  'From: <sip:alice@example.com>;tag=t1',
  'Call-ID: torture@192.0.2.1',
];
const req = (method: string, uri = 'sip:bob@example.com', extra: string[] = [], body = '') => msg([`${method} ${uri} SIP/2.0`, ...HEAD, `CSeq: 1 ${method}`, ...extra], body);
/** An OPTIONS whose top (and only) Via is `via`. */
const topVia = (via: string) => msg(['OPTIONS sip:bob@example.com SIP/2.0', `Via: ${via}`, ...HEAD.slice(1), 'CSeq: 1 OPTIONS']);

function ok(text: string | Buffer, opts?: ParseOptions): SipMessage {
  const r = parseMessage(Buffer.isBuffer(text) ? text : Buffer.from(text), opts);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.message;
}

describe('valid torture messages', () => {
  test('escaped characters in the Request-URI and user parts', () => {
    const m = ok(req('INVITE', 'sip:%61lice%20smith@example.com;x-p=%3Bsemi')) as SipRequest;
    assert.equal(m.uri, 'sip:%61lice%20smith@example.com;x-p=%3Bsemi');
  });

  test('IPv6 everywhere', () => {
    const text = msg(['OPTIONS sip:[2001:db8::1]:5060;transport=udp SIP/2.0', 'Via: SIP/2.0/UDP [2001:db8::2]:5070;branch=z9hG4bK6;rport;received=2001:db8::3', 'Max-Forwards: 70', 'To: <sip:[2001:db8::1]>', 'From: <sip:alice@[2001:db8::2]>;tag=6', 'Call-ID: v6@[2001:db8::2]', 'CSeq: 6 OPTIONS', 'Contact: <sip:alice@[2001:db8::2]:5070>']);
    const m = ok(text);
    const v = parseVias(m.headers.fields('Via'));
    assert.ok(v.ok && v.vias[0].host === '[2001:db8::2]' && v.vias[0].port === 5070 && v.vias[0].rport === true);
  });

  test('folded header lines (obs-fold) with spaces and tabs', () => {
    const m = ok(req('INVITE', undefined, ['Subject: I know you are there,', '     pick up the phone', '\t and talk to me!', 'Via: SIP/2.0/UDP 192.0.2.9;', '  branch=z9hG4bKfold']));
    assert.equal(m.headers.get('Subject'), 'I know you are there, pick up the phone and talk to me!');
    const v = parseVias(m.headers.fields('Via'));
    assert.ok(v.ok && v.vias[1].branch === 'z9hG4bKfold');
  });

  test('unusual whitespace: around colons, inside CSeq, tabs in values', () => {
    const m = ok(msg(['OPTIONS sip:bob@example.com SIP/2.0', 'Via  :\tSIP / 2.0 / UDP 192.0.2.1 ;\tbranch = z9hG4bKws', 'Max-Forwards :70', 'To:<sip:bob@example.com>', 'From :  "Alice"<sip:alice@example.com> ; tag = 9', 'Call-ID:ws@h', 'CSeq  :  7\t OPTIONS']));
    assert.equal(m.headers.get('Call-ID'), 'ws@h');
  });

  test('unknown methods and unknown headers', () => {
    const m = ok(req('FOOBAR', undefined, ['X-Unknown: whatever; you like, really', 'NewFangledHeader:   newfangled value']));
    assert.equal((m as SipRequest).method, 'FOOBAR');
    assert.equal(m.headers.get('Newfangledheader'), 'newfangled value');
  });

  test('long values: 4000-character header, 50 Via fields, long Call-ID', () => {
    const vias = Array.from({ length: 50 }, (_, i) => `Via: SIP/2.0/UDP h${i}.example.com;branch=z9hG4bK${i}`);
    const text = msg(['OPTIONS sip:bob@example.com SIP/2.0', ...vias, 'Max-Forwards: 70', 'To: <sip:bob@example.com>', 'From: <sip:a@example.com>;tag=1', `Call-ID: ${'c'.repeat(500)}@example.com`, 'CSeq: 1 OPTIONS', `X-Long: ${'v'.repeat(4000)}`]);
    const m = ok(text);
    assert.equal(m.headers.values('Via').length, 50);
    assert.equal(m.headers.get('X-Long')!.length, 4000);
  });

  test('multi-value headers split at commas outside quotes and <>', () => {
    const m = ok(req('INVITE', undefined, ['Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>', 'Record-Route: <sip:a,b@rr.example.com;lr>', 'Allow: INVITE,ACK , BYE', 'Supported: timer', 'k: 100rel', 'Contact: "A, B" <sip:a@192.0.2.1>;q=0.5, <sip:b@192.0.2.2>']));
    assert.deepEqual(m.headers.values('Route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    assert.deepEqual(m.headers.values('Record-Route'), ['<sip:a,b@rr.example.com;lr>']);
    assert.deepEqual(m.headers.values('Allow'), ['INVITE', 'ACK', 'BYE']);
    assert.deepEqual(m.headers.values('Supported'), ['timer', '100rel']);
    const c = parseContacts(m.headers.fields('Contact'));
    assert.ok(c.ok && !c.star && c.contacts.length === 2);
  });

  test('empty header values and an empty reason phrase', () => {
    const m = ok(req('OPTIONS', undefined, ['Subject:', 'Organization:']));
    assert.equal(m.headers.get('Subject'), '');
    const r = ok(msg(['SIP/2.0 200 ', ...HEAD, 'CSeq: 1 OPTIONS']));
    assert.ok(r.kind === 'response' && r.reason === '');
  });

  test('a Request-URI of another scheme is syntactically fine', () => {
    assert.equal((ok(req('OPTIONS', 'mailto:bob@example.com')) as SipRequest).uri, 'mailto:bob@example.com');
    assert.equal((ok(req('INVITE', 'tel:+1-201-555-0123;phone-context=+1')) as SipRequest).uri, 'tel:+1-201-555-0123;phone-context=+1');
  });

  test('a body shorter than the datagram is cut at Content-Length; a stream body is exact', () => {
    const text = msg(['MESSAGE sip:bob@example.com SIP/2.0', ...HEAD, 'CSeq: 1 MESSAGE', 'Content-Length: 5'], 'hello world', false);
    assert.equal(ok(text).body.toString(), 'hello');
    assert.equal(ok(req('MESSAGE', undefined, [], 'héllo'), { stream: true }).body.toString(), 'héllo');
  });

  test('a message right at the size limit and a URI right at the length limit pass', () => {
    const text = req('OPTIONS');
    ok(text, { maxMessageBytes: Buffer.byteLength(text) });
    const uri = 'sip:' + 'u'.repeat(MAX_REQUEST_URI_LENGTH - 'sip:@example.com'.length) + '@example.com';
    assert.equal(uri.length, MAX_REQUEST_URI_LENGTH);
    ok(req('OPTIONS', uri));
  });

  test('parse, serialize, parse again gives the same fields', () => {
    const m = ok(req('INVITE', undefined, ['Subject: a', '  b', 'v: SIP/2.0/TCP [::1]:5061;branch=z9hG4bKx'], 'body'));
    const again = ok(serializeMessage(m));
    assert.deepEqual([...again.headers], [...m.headers]);
    assert.equal(again.body.toString(), 'body');
  });
});

describe('invalid torture messages', () => {
  const cases: { name: string; text: string | Buffer; status: number; reason: RegExp; canRespond?: boolean; opts?: ParseOptions }[] = [
    { name: 'unknown SIP version', text: msg(['INVITE sip:bob@example.com SIP/7.0', ...HEAD, 'CSeq: 1 INVITE']), status: 505, reason: /SIP\/7\.0 is not supported/, canRespond: true },
    { name: 'Request-URI over the length limit', text: req('INVITE', 'sip:' + 'x'.repeat(MAX_REQUEST_URI_LENGTH) + '@example.com'), status: 414, reason: /Request-URI longer than/, canRespond: true },
    { name: 'Request-URI over a configured limit', text: req('INVITE', 'sip:bob@example.com'), status: 414, reason: /longer than 10/, canRespond: true, opts: { maxRequestUriLength: 10 } },
    { name: 'message over the size limit', text: req('MESSAGE', undefined, [], 'x'.repeat(70000)), status: 513, reason: /larger than 65535/, canRespond: true },
    { name: 'message over a configured size limit', text: req('OPTIONS'), status: 513, reason: /larger than 100/, canRespond: true, opts: { maxMessageBytes: 100 } },
    // RFC 4475 §3.3.1 (insuf): an element receiving a request without Call-ID, From or To
    // must not break, and ideally answers it 400. Its top Via addresses the answer and its
    // CSeq with the branch lets the client match it (RFC 3261 §17.1.3), so it is
    // answerable. Without a Via or a CSeq there is no client transaction to answer.
    { name: 'missing To', text: msg(['INVITE sip:bob@example.com SIP/2.0', ...HEAD.filter((h) => !h.startsWith('To')), 'CSeq: 1 INVITE']), status: 400, reason: /^missing To header$/, canRespond: true },
    { name: 'missing From', text: msg(['INVITE sip:bob@example.com SIP/2.0', ...HEAD.filter((h) => !h.startsWith('From')), 'CSeq: 1 INVITE']), status: 400, reason: /^missing From header$/, canRespond: true },
    { name: 'missing Call-ID', text: msg(['INVITE sip:bob@example.com SIP/2.0', ...HEAD.filter((h) => !h.startsWith('Call-ID')), 'CSeq: 1 INVITE']), status: 400, reason: /^missing Call-ID header$/, canRespond: true },
    { name: 'missing CSeq', text: msg(['INVITE sip:bob@example.com SIP/2.0', ...HEAD]), status: 400, reason: /^missing CSeq header$/, canRespond: false },
    { name: 'missing Via', text: msg(['INVITE sip:bob@example.com SIP/2.0', ...HEAD.filter((h) => !h.startsWith('Via')), 'CSeq: 1 INVITE']), status: 400, reason: /^missing Via header$/, canRespond: false },
    { name: 'CSeq method mismatch (RFC 4475 §3.1.2.16 style)', text: msg(['OPTIONS sip:bob@example.com SIP/2.0', ...HEAD, 'CSeq: 1 INVITE']), status: 400, reason: /CSeq method does not match/, canRespond: true },
    { name: 'CSeq without a method', text: msg(['OPTIONS sip:bob@example.com SIP/2.0', ...HEAD, 'CSeq: 1']), status: 400, reason: /malformed CSeq/, canRespond: true },
    { name: 'CSeq number over 2**31-1', text: msg(['OPTIONS sip:bob@example.com SIP/2.0', ...HEAD, 'CSeq: 2147483648 OPTIONS']), status: 400, reason: /malformed CSeq/ },
    { name: 'negative CSeq', text: msg(['OPTIONS sip:bob@example.com SIP/2.0', ...HEAD, 'CSeq: -1 OPTIONS']), status: 400, reason: /malformed CSeq/ },
    { name: 'negative Content-Length', text: msg(['MESSAGE sip:bob@example.com SIP/2.0', ...HEAD, 'CSeq: 1 MESSAGE', 'Content-Length: -999'], 'hi', false), status: 400, reason: /malformed Content-Length/, canRespond: true },
    { name: 'Content-Length larger than the body', text: msg(['MESSAGE sip:bob@example.com SIP/2.0', ...HEAD, 'CSeq: 1 MESSAGE', 'Content-Length: 9999'], 'short', false), status: 400, reason: /Content-Length is larger than the body/, canRespond: true },
    { name: 'missing Content-Length over a stream', text: msg(['OPTIONS sip:bob@example.com SIP/2.0', ...HEAD, 'CSeq: 1 OPTIONS'], '', false), status: 400, reason: /missing Content-Length/, opts: { stream: true } },
    { name: 'Request-URI in angle brackets (RFC 4475 §3.1.2.8 style)', text: req('INVITE', '<sip:bob@example.com>'), status: 400, reason: /malformed Request-URI/, canRespond: true },
    { name: 'Request-URI with escaped headers (RFC 4475 §3.1.2.11 style)', text: req('INVITE', 'sip:bob@example.com?Route=%3Csip:example.com%3E'), status: 400, reason: /Request-URI may not contain headers/, canRespond: true },
    { name: 'Request-URI with a bad IPv6 reference', text: req('INVITE', 'sip:bob@[2001:db8::1'), status: 400, reason: /malformed Request-URI: unterminated IPv6/ },
    { name: 'Request-URI with a port out of range', text: req('INVITE', 'sip:bob@example.com:70000'), status: 400, reason: /malformed Request-URI: malformed port/ },
    { name: 'unterminated quoted display name', text: msg(['INVITE sip:bob@example.com SIP/2.0', ...HEAD.map((h) => (h.startsWith('From') ? 'From: "Alice <sip:alice@example.com>;tag=1' : h)), 'CSeq: 1 INVITE']), status: 400, reason: /malformed From header: unterminated/, canRespond: true },
    { name: 'To without a URI', text: msg(['INVITE sip:bob@example.com SIP/2.0', ...HEAD.map((h) => (h.startsWith('To') ? 'To: Bob' : h)), 'CSeq: 1 INVITE']), status: 400, reason: /malformed To header/, canRespond: true },
    { name: 'two From headers', text: msg(['INVITE sip:bob@example.com SIP/2.0', ...HEAD, 'From: <sip:eve@example.com>;tag=2', 'CSeq: 1 INVITE']), status: 400, reason: /more than one From header/ },
    { name: 'a lower Via with a bad port', text: req('OPTIONS', undefined, ['Via: SIP/2.0/UDP 192.0.2.2:99999;branch=z9hG4bK2']), status: 400, reason: /malformed Via header: malformed sent-by port/, canRespond: true },
    { name: 'a lower Via without sent-by', text: req('OPTIONS', undefined, ['Via: SIP/2.0/UDP']), status: 400, reason: /malformed Via header/, canRespond: true },
    // Nowhere to send an answer: a top Via whose sent-by cannot be read is never answered.
    { name: 'top Via with a bad port', text: topVia('SIP/2.0/UDP 192.0.2.2:99999;branch=z9hG4bK2'), status: 400, reason: /malformed Via header: malformed sent-by port/, canRespond: false },
    { name: 'top Via without sent-by', text: topVia('SIP/2.0/UDP'), status: 400, reason: /malformed Via header: malformed sent-protocol/, canRespond: false },
    { name: 'top Via with a bad host', text: topVia('SIP/2.0/UDP exa_mple..com;branch=z9hG4bK2'), status: 400, reason: /malformed Via header: malformed sent-by host/, canRespond: false },
    { name: 'top Via whose port runs into other characters', text: topVia('SIP/2.0/UDP 192.0.2.2:5060x;branch=z9hG4bK2'), status: 400, reason: /malformed Via header/, canRespond: false },
    { name: 'top Via with broken parameters but a sent-by (RFC 4475 §3.1.2.1 style)', text: topVia('SIP/2.0/UDP 192.0.2.2;;,;,,'), status: 400, reason: /malformed Via header/, canRespond: true },
    { name: 'Contact with q over 1', text: req('REGISTER', 'sip:example.com', ['Contact: <sip:a@192.0.2.1>;q=2']), status: 400, reason: /malformed q parameter/ },
    { name: 'Contact star mixed with an address', text: req('REGISTER', 'sip:example.com', ['Contact: *, <sip:a@192.0.2.1>']), status: 400, reason: /Contact "\*" mixed/ },
    { name: 'Route that is not an address', text: req('INVITE', undefined, ['Route: just some text']), status: 400, reason: /malformed Route header/ },
    { name: 'status code out of range', text: msg(['SIP/2.0 700 Too High', ...HEAD, 'CSeq: 1 INVITE']), status: 400, reason: /status code 700 is out of range/, canRespond: false },
    { name: 'response with another SIP version', text: msg(['SIP/3.0 200 OK', ...HEAD, 'CSeq: 1 INVITE']), status: 505, reason: /not supported/, canRespond: false },
    { name: 'continuation line before any header', text: 'OPTIONS sip:bob@example.com SIP/2.0\r\n folded\r\n' + HEAD.join('\r\n') + '\r\nCSeq: 1 OPTIONS\r\n\r\n', status: 400, reason: /continuation line 2/ },
    { name: 'header name with a space in it', text: req('OPTIONS', undefined, ['Bad Name: x']), status: 400, reason: /malformed header line/ },
    { name: 'request line with no version', text: 'OPTIONS sip:bob@example.com\r\n' + HEAD.join('\r\n') + '\r\n\r\n', status: 400, reason: /malformed request line/, canRespond: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = parseMessage(Buffer.isBuffer(c.text) ? c.text : Buffer.from(c.text), c.opts);
      assert.ok(!r.ok, 'should be refused');
      if (r.ok) return;
      assert.equal(r.status, c.status, r.reason);
      assert.match(r.reason, c.reason);
      if (c.canRespond !== undefined) assert.equal(r.canRespond, c.canRespond);
    });
  }

  test('a refused request still carries what could be read, to answer it', () => {
    const r = parseMessage(Buffer.from(msg(['OPTIONS sip:bob@example.com SIP/2.0', ...HEAD, 'CSeq: 1 INVITE'])));
    assert.ok(!r.ok && r.message?.kind === 'request');
    if (!r.ok && r.message) {
      const from = parseAddress(r.message.headers.get('From')!);
      assert.ok(from.ok);
    }
  });
});
