// Cuts a byte stream (TCP, TLS) into SIP messages. Over a stream the only frame marker
// is Content-Length (RFC 3261 §18.3), so it is mandatory; CRLFs between messages are
// keep-alives (RFC 5626 §4.4.1: "\r\n\r\n" is a ping, answered by "\r\n").
import { canonicalName } from '../sip/headers.js';
import { findHeaderEnd } from '../sip/message.js';

export type Frame =
  | { readonly kind: 'message'; readonly data: Buffer }
  /** A double-CRLF keep-alive ping; the receiver answers with a single CRLF. */
  | { readonly kind: 'ping' }
  /** The stream cannot be framed any further; the connection should be closed. */
  | { readonly kind: 'error'; readonly reason: string; readonly data?: Buffer };

export interface FramerLimits {
  /** Largest header section accepted, in bytes. */
  readonly maxHeaderBytes?: number;
  /** Largest body accepted, in bytes. */
  readonly maxBodyBytes?: number;
}

const DEFAULT_MAX_HEADER = 64 * 1024;
const DEFAULT_MAX_BODY = 1024 * 1024;
/** The largest message the stream framer can deliver (its default limits). */
export const STREAM_MAX_MESSAGE_BYTES = DEFAULT_MAX_HEADER + DEFAULT_MAX_BODY;

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private crlfRun = 0;
  private broken = false;
  private readonly maxHeader: number;
  private readonly maxBody: number;

  constructor(limits: FramerLimits = {}) {
    this.maxHeader = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER;
    this.maxBody = limits.maxBodyBytes ?? DEFAULT_MAX_BODY;
  }

  /** Bytes received but not yet part of a whole message. */
  get pending(): number {
    return this.buf.length;
  }

  /** Feed a chunk; get every frame it completes, in order. After an error, nothing more. */
  push(chunk: Buffer): Frame[] {
    if (this.broken) return [];
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Frame[] = [];
    for (;;) {
      // Keep-alive CRLFs between messages.
      let skip = 0;
      while (skip < this.buf.length && (this.buf[skip] === 0x0d || this.buf[skip] === 0x0a)) {
        if (this.buf[skip] === 0x0a) {
          this.crlfRun++;
          if (this.crlfRun === 2) {
            frames.push({ kind: 'ping' });
            this.crlfRun = 0;
          }
        }
        skip++;
      }
      if (skip) this.buf = this.buf.subarray(skip);
      if (!this.buf.length) break;
      this.crlfRun = 0;

      const end = findHeaderEnd(this.buf);
      if (!end) {
        if (this.buf.length > this.maxHeader) return this.fail(frames, `header section larger than ${this.maxHeader} bytes`);
        break;
      }
      if (end.headEnd > this.maxHeader) return this.fail(frames, `header section larger than ${this.maxHeader} bytes`);
      const length = contentLength(this.buf.toString('latin1', 0, end.headEnd));
      if (typeof length === 'string') return this.fail(frames, length, this.buf.subarray(0, end.bodyStart));
      if (length > this.maxBody) return this.fail(frames, `body of ${length} bytes is larger than ${this.maxBody}`, this.buf.subarray(0, end.bodyStart));
      const total = end.bodyStart + length;
      if (this.buf.length < total) break;
      frames.push({ kind: 'message', data: Buffer.from(this.buf.subarray(0, total)) });
      this.buf = this.buf.subarray(total);
    }
    // Do not pin a large chunk in memory for a small remainder.
    if (this.buf.length && this.buf.byteOffset > 0) this.buf = Buffer.from(this.buf);
    return frames;
  }

  private fail(frames: Frame[], reason: string, data?: Buffer): Frame[] {
    this.broken = true;
    frames.push(data ? { kind: 'error', reason, data: Buffer.from(data) } : { kind: 'error', reason });
    this.buf = Buffer.alloc(0);
    return frames;
  }
}

/** The Content-Length of a header section, or why it cannot frame the stream. */
function contentLength(head: string): number | string {
  const lines = head.split(/\r?\n/);
  const found: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0 || line.startsWith(' ') || line.startsWith('\t')) continue;
    if (canonicalName(line.slice(0, colon)) === 'Content-Length') found.push(line.slice(colon + 1).trim());
  }
  if (!found.length) return 'missing Content-Length header (required over a stream transport)';
  if (found.some((v) => !/^\d{1,9}$/.test(v))) return 'malformed Content-Length header';
  if (new Set(found.map(Number)).size > 1) return 'conflicting Content-Length headers';
  return Number(found[0]);
}
