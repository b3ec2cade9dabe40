// Our typed SIP message: parse a request or response from bytes, write it back, and
// build the response to a request (RFC 3261 §7, §8.2.6).
//
// Parsing never throws. A malformed message comes back as a value that says what is
// wrong, which status fits (400, 414, 505 or 513), whether it can be answered at all,
// and the part of the message that could be read — enough to answer it. Besides the
// start line and CSeq, the Request-URI (uri.ts), every Via (via.ts), From, To, Contact,
// Route and Record-Route (address.ts) are checked against their grammar.
import { randomBytes } from 'node:crypto';
import { digestOf } from './digest.js';
import { parseAddress, parseAddressList, parseContacts } from './address.js';
import { HeaderList, TOKEN } from './headers.js';
import { parseUri } from './uri.js';
import { parseVias, topViaHasSentBy } from './via.js';

export const SIP_VERSION = 'SIP/2.0';

interface MessageCommon {
  /** "SIP/2.0" (upper case). */
  readonly version: string;
  readonly headers: HeaderList;
  readonly body: Buffer;
}

export interface SipRequest extends MessageCommon {
  readonly kind: 'request';
  /** Upper case as written; methods are case-sensitive (RFC 3261 §7.1). */
  readonly method: string;
  /** The Request-URI, as written. */
  readonly uri: string;
}

export interface SipResponse extends MessageCommon {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
}

export type SipMessage = SipRequest | SipResponse;

export interface ParseFailure {
  readonly ok: false;
  /** What is wrong, in a few words: "missing Call-ID header". Fit for a reason phrase. */
  readonly reason: string;
  /**
   * The status a response should carry: 513 for a message over the size limit, 505 for
   * another SIP version, 414 for a Request-URI over the length limit, else 400.
   */
  readonly status: 400 | 414 | 505 | 513;
  /**
   * True when the input is a request (not ACK) that can be answered: its start line
   * could be read, its top Via has a readable sent-by (where the answer goes) and it has
   * a CSeq (the client matches the answer by the top Via's branch and the CSeq method,
   * RFC 3261 §17.1.3). The other fields the answer copies (RFC 3261 §8.2.6.2) may be
   * missing or malformed: RFC 4475 asks for a 400 to such requests (§3.1.2.1, §3.1.2.4,
   * §3.1.2.6, §3.1.2.15, §3.3.1), which copies what there is, as it is.
   */
  readonly canRespond: boolean;
  /** What could be read, when the start line could; use it to build the response. */
  readonly message?: SipMessage;
}

export type ParseResult = { readonly ok: true; readonly message: SipMessage } | ParseFailure;

export interface ParseOptions {
  /**
   * The bytes are one message framed from a stream (TCP, TLS): Content-Length is
   * mandatory there (RFC 3261 §18.3) and the body is exactly what follows the headers.
   * Otherwise the bytes are a datagram: a missing Content-Length means "to the end".
   */
  readonly stream?: boolean;
  /** Largest message accepted, in bytes (answered 513). Default MAX_MESSAGE_BYTES. */
  readonly maxMessageBytes?: number;
  /** Longest Request-URI accepted, in characters (answered 414). Default MAX_REQUEST_URI_LENGTH. */
  readonly maxRequestUriLength?: number;
}

/** Default message size limit: the largest UDP payload. */
export const MAX_MESSAGE_BYTES = 65535;
/** Default Request-URI length limit. */
export const MAX_REQUEST_URI_LENGTH = 2048;

// Request-Line = Method SP Request-URI SP SIP-Version: one SP each (RFC 3261 §25.1).
const REQUEST_LINE = /^([A-Za-z0-9\-.!%*_+`'~]+) (\S+) (SIP\/\d+\.\d+)$/i;
/**
 * A request line broken only by its spacing: several SPs between the parts (RFC 4475
 * §3.1.2.9), SPs at the end (§3.1.2.10) or LWS inside the Request-URI (§3.1.2.8). It is
 * refused, but its method and headers are read so that the 400 can be sent.
 */
const LOOSE_REQUEST_LINE = /^([A-Za-z0-9\-.!%*_+`'~]+) +(\S.*?) *(SIP\/\d+\.\d+) *$/i;
const STATUS_LINE = /^(SIP\/\d+\.\d+) +(\d{3})(?: (.*))?$/i;
/** RFC 3986 absoluteURI, for Request-URIs of schemes we do not parse ourselves. */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+\-.]*:[^\s<>"]+$/;
const CSEQ = /^(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)$/;
const MAX_CSEQ = 2 ** 31 - 1;

/** Headers every request carries (RFC 3261 §8.1.1). */
const MANDATORY = ['Via', 'From', 'To', 'Call-ID', 'CSeq'] as const;

/** True for the CRLF keep-alives of RFC 5626 §4.4 (and any all-whitespace datagram). */
export function isKeepAlive(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0x0d && b !== 0x0a && b !== 0x20 && b !== 0x09) return false;
  return true;
}

/** Offset of the blank line that ends the headers and the offset of the body after it. */
export function findHeaderEnd(buf: Buffer, from = 0): { headEnd: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n', from, 'latin1');
  // Only a bare-LF blank line before the CRLF one matters: no need to search past it.
  const lf = (crlf < 0 ? buf : buf.subarray(0, crlf + 1)).indexOf('\n\n', from, 'latin1');
  if (crlf < 0 && lf < 0) return undefined;
  if (lf < 0 || (crlf >= 0 && crlf < lf)) return { headEnd: crlf, bodyStart: crlf + 4 };
  return { headEnd: lf, bodyStart: lf + 2 };
}

export function parseMessage(buf: Buffer, opts: ParseOptions = {}): ParseResult {
  // RFC 3261 §7.5: CRLFs before the start line are ignored.
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  if (start >= buf.length) return fail('empty message', false);

  const end = findHeaderEnd(buf, start);
  // Without the blank line the whole input is taken as headers and the body is empty.
  const headEnd = end ? end.headEnd : buf.length;
  const bodyStart = end ? end.bodyStart : buf.length;
  const text = buf.toString('utf8', start, headEnd);

  let startLine = '';
  const headers = new HeaderList();
  let fault: string | undefined;
  const note = (why: string) => {
    fault ??= why;
  };

  // Headers first: even a message with a bad start line is answered from them when it can be.
  let lastName: string | undefined;
  let lastValue = '';
  const flush = () => {
    if (lastName !== undefined) headers.append(lastName, lastValue);
    lastName = undefined;
  };
  // The lines of text.split(/\r?\n/), walked by index so that each is cut out once.
  for (let i = 0, a = 0; ; i++) {
    const nl = text.indexOf('\n', a);
    const b = nl < 0 ? text.length : nl;
    // The end of line i: a CR before the LF is not part of it.
    const e = nl >= 0 && b > a && text.charCodeAt(b - 1) === 0x0d ? b - 1 : b;
    if (i === 0) startLine = text.slice(a, e);
    else {
      const c0 = text.charCodeAt(a);
      if (a < e && (c0 === 0x20 || c0 === 0x09)) {
        if (lastName === undefined) note(`continuation line ${i + 1} has no header to continue`);
        else lastValue += ' ' + text.slice(a, e).trim();
      } else {
        flush();
        let colon = a;
        while (colon < e && text.charCodeAt(colon) !== 0x3a /* : */) colon++;
        const name = colon < e ? text.slice(a, colon).trim() : '';
        if (colon >= e || !TOKEN.test(name)) note(`malformed header line ${i + 1}`);
        else {
          lastName = name;
          lastValue = text.slice(colon + 1, e).trim();
        }
      }
    }
    if (nl < 0) break;
    a = nl + 1;
  }
  flush();

  let message: SipMessage;
  const loose = REQUEST_LINE.test(startLine) ? null : LOOSE_REQUEST_LINE.exec(startLine);
  if (loose) note('malformed request line: extra whitespace');
  const req = loose ?? REQUEST_LINE.exec(startLine);
  const res = req ? null : STATUS_LINE.exec(startLine);
  const body = Buffer.alloc(0);
  if (req) {
    message = { kind: 'request', method: req[1], uri: req[2], version: req[3].toUpperCase(), headers, body };
  } else if (res) {
    message = { kind: 'response', status: Number(res[2]), reason: res[3] ?? '', version: res[1].toUpperCase(), headers, body };
    if (message.status < 100 || message.status > 699) note(`status code ${message.status} is out of range`);
  } else {
    return fail(startLine.startsWith('SIP/') ? 'malformed status line' : 'malformed request line', false);
  }

  // Request-URI: length limit (414), then its grammar.
  let uriTooLong = false;
  if (message.kind === 'request') {
    if (message.uri.length > (opts.maxRequestUriLength ?? MAX_REQUEST_URI_LENGTH)) uriTooLong = true;
    else {
      const u = parseUri(message.uri);
      if (!u.ok && !(u.unsupportedScheme && ABSOLUTE_URI.test(message.uri))) note(`malformed Request-URI: ${u.reason}`);
      // RFC 3261 §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
      else if (u.ok && u.uri.scheme !== 'tel' && u.uri.headers.length) note('Request-URI may not contain headers');
    }
  }

  // One pass collects the fields checked below (instead of a lookup per name).
  const f = collectChecked(headers);
  for (const name of MANDATORY) if (!hasMandatory(f, name)) note(`missing ${name} header`);

  const cseq = f.cseq;
  if (cseq !== undefined) {
    const m = CSEQ.exec(cseq);
    if (!m || Number(m[1]) > MAX_CSEQ) note('malformed CSeq header');
    else if (message.kind === 'request' && m[2] !== message.method) note('CSeq method does not match the request method');
  }
  if (f.via.length) {
    const v = parseVias(f.via);
    if (!v.ok) note(`malformed Via header: ${v.reason}`);
  }
  for (const name of ['From', 'To'] as const) {
    const values = name === 'From' ? f.from : f.to;
    // Two of a single-value field (RFC 4475 §3.3.8) are answered 400: the response copies
    // the first, so it stays well formed as long as that one is.
    if (values.length > 1) note(`more than one ${name} header`);
    if (values.length) {
      const a = parseAddress(values[0]);
      // Another scheme is valid syntax (RFC 4475 §3.3.4): a registrar refuses it, a proxy forwards it.
      if (!a.ok && !a.unsupportedScheme) note(`malformed ${name} header: ${a.reason}`);
    }
  }
  if (f.contact.length) {
    const c = parseContacts(f.contact);
    if (!c.ok && !c.unsupportedScheme) note(c.reason);
  }
  for (const name of ['Route', 'Record-Route'] as const) {
    const values = name === 'Route' ? f.route : f.recordRoute;
    if (values.length) {
      const r = parseAddressList(values);
      if (!r.ok) note(`malformed ${name} header: ${r.reason}`);
    }
  }
  if (f.callIds > 1) note('more than one Call-ID header');
  const maxForwards = f.maxForwards;
  // 1*DIGIT: leading zeros are valid ("0068", RFC 4475 §3.1.1.1).
  if (maxForwards !== undefined && !/^0*\d{1,3}$/.test(maxForwards)) note('malformed Max-Forwards header');

  // Body, sized by Content-Length (RFC 3261 §18.3).
  const lengths = f.contentLength;
  let length: number | undefined;
  if (lengths.some((v) => !/^\d+$/.test(v))) note('malformed Content-Length header');
  else if (lengths.some((v) => Number(v) !== Number(lengths[0]))) note('conflicting Content-Length headers');
  else if (lengths.length) length = Number(lengths[0]);
  const available = buf.length - bodyStart;
  let bodyBytes: Buffer;
  if (length === undefined) {
    if (opts.stream && lengths.length === 0) note('missing Content-Length header (required over a stream transport)');
    bodyBytes = buf.subarray(bodyStart);
  } else if (length > available) {
    note('Content-Length is larger than the body received');
    bodyBytes = buf.subarray(bodyStart);
  } else {
    // Bytes past Content-Length in a datagram are discarded (RFC 3261 §18.3).
    bodyBytes = buf.subarray(bodyStart, bodyStart + length);
  }
  message = { ...message, body: Buffer.from(bodyBytes) };

  const versionOk = message.version === SIP_VERSION;
  const maxBytes = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const tooLarge = buf.length > maxBytes;
  if (!fault && versionOk && !tooLarge && !uriTooLong) return { ok: true, message };

  // RFC 3261 §18.2.2 sends a response by the top Via. sipd answers to where the
  // request came from (its datagram's source, or its connection), but never to a
  // request whose top Via has no readable sent-by: that is no SIP client to answer.
  const canRespond = message.kind === 'request' && message.method !== 'ACK' && f.cseq !== undefined && topViaHasSentBy(f.via);
  if (tooLarge) return { ok: false, reason: `message of ${buf.length} bytes is larger than ${maxBytes}`, status: 513, canRespond, message };
  if (!versionOk) return { ok: false, reason: `${message.version} is not supported`, status: 505, canRespond, message };
  if (uriTooLong) return { ok: false, reason: `Request-URI longer than ${opts.maxRequestUriLength ?? MAX_REQUEST_URI_LENGTH} characters`, status: 414, canRespond, message };
  return { ok: false, reason: fault!, status: 400, canRespond, message };
}

/** The fields parseMessage checks, gathered in one pass over the header list. */
interface CheckedFields {
  /** The first CSeq and Max-Forwards values. */
  cseq?: string;
  maxForwards?: string;
  callIds: number;
  via: string[];
  from: string[];
  to: string[];
  contact: string[];
  route: string[];
  recordRoute: string[];
  contentLength: string[];
}

const NONE: string[] = [];

/** Every message is checked, so the lists are made only for the names it has. */
function collectChecked(headers: HeaderList): CheckedFields {
  const f: CheckedFields = { callIds: 0, via: NONE, from: NONE, to: NONE, contact: NONE, route: NONE, recordRoute: NONE, contentLength: NONE };
  const add = (list: string[], value: string) => (list === NONE ? [value] : (list.push(value), list));
  for (const { name, value } of headers) {
    switch (name) {
      case 'Via':
        f.via = add(f.via, value);
        break;
      case 'From':
        f.from = add(f.from, value);
        break;
      case 'To':
        f.to = add(f.to, value);
        break;
      case 'Call-ID':
        f.callIds++;
        break;
      case 'CSeq':
        f.cseq ??= value;
        break;
      case 'Contact':
        f.contact = add(f.contact, value);
        break;
      case 'Route':
        f.route = add(f.route, value);
        break;
      case 'Record-Route':
        f.recordRoute = add(f.recordRoute, value);
        break;
      case 'Max-Forwards':
        f.maxForwards ??= value;
        break;
      case 'Content-Length':
        f.contentLength = add(f.contentLength, value);
        break;
    }
  }
  return f;
}

/** Whether parseMessage's pass found a field of each mandatory name. */
function hasMandatory(f: CheckedFields, name: (typeof MANDATORY)[number]): boolean {
  switch (name) {
    case 'Via':
      return f.via.length > 0;
    case 'From':
      return f.from.length > 0;
    case 'To':
      return f.to.length > 0;
    case 'Call-ID':
      return f.callIds > 0;
    case 'CSeq':
      return f.cseq !== undefined;
  }
}

function fail(reason: string, canRespond: boolean): ParseFailure {
  return { ok: false, reason, status: 400, canRespond };
}

export function startLine(msg: SipMessage): string {
  return msg.kind === 'request' ? `${msg.method} ${msg.uri} ${msg.version}` : `${msg.version} ${msg.status} ${msg.reason}`;
}

/**
 * Write a message to bytes. Header names are written in their long form, one field per
 * line, and Content-Length always states the real body size (added if missing).
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head = startLine(msg) + '\r\n';
  let wroteLength = false;
  for (const f of msg.headers) {
    if (f.name === 'Content-Length') {
      if (wroteLength) continue;
      wroteLength = true;
      head += `Content-Length: ${msg.body.length}\r\n`;
      continue;
    }
    head += `${f.name}: ${f.value}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${msg.body.length}\r\n`;
  head += '\r\n';
  return msg.body.length ? Buffer.concat([Buffer.from(head, 'utf8'), msg.body]) : Buffer.from(head, 'utf8');
}

const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  305: 'Use Proxy',
  380: 'Alternative Service',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  421: 'Extension Required',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  493: 'Undecipherable',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status < 200 ? 'Provisional' : status < 300 ? 'OK' : 'Unknown');
}

/** The part of a From/To value after the URI, where its parameters live. */
function addressParams(value: string): string {
  const close = value.lastIndexOf('>');
  if (value.includes('<') && close >= 0) return value.slice(close + 1);
  const semi = value.indexOf(';');
  return semi < 0 ? '' : value.slice(semi);
}

/** The tag parameter of a From or To value, if any. */
export function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /;\s*tag\s*=\s*([^;\s]+)/i.exec(addressParams(value));
  return m ? m[1] : undefined;
}

/** A fresh random To tag. */
export function newTag(): string {
  return randomBytes(6).toString('hex');
}

/**
 * A To tag that is the same for every retransmission of a request, so a server that
 * keeps no transaction state still gives all its answers to one request one tag.
 */
export function statelessTag(req: SipRequest): string {
  const text = `${req.headers.get('Call-ID') ?? ''}\0${tagOf(req.headers.get('From')) ?? ''}\0${req.headers.first('Via') ?? ''}\0${req.headers.get('CSeq') ?? ''}`;
  return digestOf('sha1', text, 'hex').slice(0, 16);
}

export interface ResponseOptions {
  /** To tag to add when the request's To has none; a random one when not given. */
  readonly toTag?: string;
  /** Extra headers, in order, after the copied ones. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: Buffer;
}

/**
 * Build the response to a request as RFC 3261 §8.2.6 says: the Via fields in order,
 * From, To (with a tag added unless the request had one or this is a 100), Call-ID and
 * CSeq copied; then the caller's headers; Content-Length from the body. The copies are
 * the request's text as it is, malformed or not; a field the request lacks is left out.
 */
export function buildResponse(req: SipRequest, status: number, reason: string = reasonPhrase(status), opts: ResponseOptions = {}): SipResponse {
  const h = new HeaderList();
  for (const v of req.headers.fields('Via')) h.append('Via', v);
  const from = req.headers.get('From');
  if (from !== undefined) h.append('From', from);
  let to = req.headers.get('To');
  if (to !== undefined && status !== 100 && tagOf(to) === undefined) to = `${to};tag=${opts.toTag ?? newTag()}`;
  if (to !== undefined) h.append('To', to);
  const callId = req.headers.get('Call-ID');
  if (callId !== undefined) h.append('Call-ID', callId);
  const cseq = req.headers.get('CSeq');
  if (cseq !== undefined) h.append('CSeq', cseq);
  for (const [name, value] of opts.headers ?? []) h.append(name, value);
  const body = opts.body ?? Buffer.alloc(0);
  h.append('Content-Length', String(body.length));
  return { kind: 'response', version: SIP_VERSION, status, reason: sanitizeReason(reason), headers: h, body };
}

/** A reason phrase may hold neither CR nor LF (RFC 3261 §25.1 Reason-Phrase). */
function sanitizeReason(reason: string): string {
  return reason.replace(/[\r\n]+/g, ' ').trim();
}
