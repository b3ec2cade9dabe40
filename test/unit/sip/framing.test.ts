// Cutting a TCP byte stream into SIP messages by Content-Length (RFC 3261 §18.3).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StreamFramer } from '../../../src/transport/framing.js';
import type { Frame } from '../../../src/transport/framing.js';

function msg(body = '', lengthHeader = `Content-Length: ${Buffer.byteLength(body)}`): string {
  return ['OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/TCP h;branch=z9hG4bK1', 'From: <sip:x@y>;tag=1', 'To: <sip:a@b>', 'Call-ID: c', 'CSeq: 1 OPTIONS', lengthHeader, '', body].join('\r\n');
}

const messages = (frames: Frame[]) => frames.filter((f) => f.kind === 'message').map((f) => (f as { data: Buffer }).data.toString());

describe('StreamFramer', () => {
  test('two messages in one chunk', () => {
    const f = new StreamFramer();
    const out = f.push(Buffer.from(msg() + msg('hello')));
    assert.deepEqual(messages(out), [msg(), msg('hello')]);
    assert.equal(f.pending, 0);
  });

  test('a message split at every byte', () => {
    const f = new StreamFramer();
    const whole = Buffer.from(msg('v=0\r\n'));
    const out: Frame[] = [];
    for (const b of whole) out.push(...f.push(Buffer.from([b])));
    assert.deepEqual(messages(out), [msg('v=0\r\n')]);
  });

  test('multi-byte UTF-8 bodies are sized in bytes', () => {
    const f = new StreamFramer();
    const out = f.push(Buffer.from(msg('héllo') + msg()));
    assert.deepEqual(messages(out), [msg('héllo'), msg()]);
  });

  test('compact l: is a Content-Length', () => {
    const f = new StreamFramer();
    assert.deepEqual(messages(f.push(Buffer.from(msg('ab', 'l: 2')))), [msg('ab', 'l: 2')]);
  });

  test('double CRLF between messages is a ping', () => {
    const f = new StreamFramer();
    const out = f.push(Buffer.from('\r\n\r\n' + msg() + '\r\n\r\n'));
    assert.deepEqual(
      out.map((x) => x.kind),
      ['ping', 'message', 'ping'],
    );
  });

  test('a missing Content-Length breaks the stream but hands back the head', () => {
    const f = new StreamFramer();
    const out = f.push(Buffer.from(msg('', 'Max-Forwards: 70')));
    assert.equal(out.length, 1);
    assert.equal(out[0].kind, 'error');
    if (out[0].kind === 'error') {
      assert.match(out[0].reason, /missing Content-Length/);
      assert.ok(out[0].data?.toString().startsWith('OPTIONS sip:a@b'));
    }
    assert.deepEqual(f.push(Buffer.from(msg())), []);
  });

  test('malformed and conflicting Content-Length', () => {
    assert.match((new StreamFramer().push(Buffer.from(msg('', 'Content-Length: x')))[0] as { reason: string }).reason, /malformed/);
    const two = msg('', 'Content-Length: 0\r\nContent-Length: 3');
    assert.match((new StreamFramer().push(Buffer.from(two))[0] as { reason: string }).reason, /conflicting/);
  });

  test('oversized header section and body are refused', () => {
    const f = new StreamFramer({ maxHeaderBytes: 100, maxBodyBytes: 10 });
    assert.equal(f.push(Buffer.alloc(200, 'a'))[0].kind, 'error');
    const g = new StreamFramer({ maxBodyBytes: 10 });
    assert.match((g.push(Buffer.from(msg('', 'Content-Length: 11')))[0] as { reason: string }).reason, /larger than 10/);
  });
});
