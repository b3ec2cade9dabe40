// The oracle for a response sipd sends to a request it refused.
//
// A response copies the request's Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2).
// When those are malformed in the request (RFC 4475 §3.1.2.1, §3.1.2.4, §3.1.2.6,
// §3.1.2.15) or missing (§3.3.1), the answer carries the same faults, so it cannot be
// judged by parsing it whole. Instead:
//   - each copied field must be the request's field exactly (as text, with folded lines
//     joined; read here by a reader of our own, not by the parser under test), in the
//     same order, and a field the request lacks must be absent; the To may gain a
//     `;tag=token` and must when the request's To had no tag (and the status is not 100);
//   - everything sipd writes itself (status line, Server, Content-Length and any other
//     header it adds, the body) must parse: the copied fields are swapped for well-formed
//     stand-ins and the result must pass parseMessage.
// A response to a well-formed request must parse as it is.
import { parseMessage } from '../../src/sip/message.js';
import type { SipResponse } from '../../src/sip/message.js';

export type AnswerCheck =
  /** `message` is the response as parsed when it parses as it is. */
  | { readonly ok: true; readonly status: number; readonly reason: string; readonly message?: SipResponse }
  /** `kind` groups faults of one sort; `detail` says what exactly. */
  | { readonly ok: false; readonly kind: string; readonly detail: string };

/** The copied fields, by every spelling of their names (lower case), to their long name. */
const COPIED: Readonly<Record<string, string>> = { via: 'Via', v: 'Via', from: 'From', f: 'From', to: 'To', t: 'To', 'call-id': 'Call-ID', i: 'Call-ID', cseq: 'CSeq' };
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const STAND_INS: readonly string[] = ['Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKstandin', 'From: <sip:a@example.com>;tag=f', 'To: <sip:b@example.com>;tag=t', 'Call-ID: stand-in@example.com', 'CSeq: 1 OPTIONS'];

interface RawHead {
  readonly startLine: string;
  /** Every header field: its name as written, its value (folding joined, trimmed) and its lines as written. */
  readonly fields: { readonly name: string; readonly value: string; readonly lines: string[] }[];
  /** Everything after the blank line that ends the head (empty when there is none). */
  readonly rest: Buffer;
}

/** Split a message into its start line, its header fields and what follows (RFC 3261 §7.3.1). */
function readHead(bytes: Buffer): RawHead {
  let start = 0;
  while (start < bytes.length && (bytes[start] === 0x0d || bytes[start] === 0x0a)) start++;
  const crlf = bytes.indexOf('\r\n\r\n', start, 'latin1');
  const lf = bytes.indexOf('\n\n', start, 'latin1');
  let headEnd = bytes.length;
  let restAt = bytes.length;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) [headEnd, restAt] = [crlf, crlf + 4];
  else if (lf >= 0) [headEnd, restAt] = [lf, lf + 2];
  const lines = bytes.toString('utf8', start, headEnd).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const fields: { name: string; value: string; lines: string[] }[] = [];
  let last: (typeof fields)[number] | undefined;
  for (const line of lines.slice(1)) {
    if (line.length && (line[0] === ' ' || line[0] === '\t')) {
      // A folded line continues the field above it, joined by one SP.
      if (last) {
        last.lines.push(line);
        last.value += ' ' + line.trim();
      }
      continue;
    }
    // A line without a colon is kept (nameless) so that the parse below sees it.
    const colon = line.indexOf(':');
    last = colon < 0 ? { name: '', value: line, lines: [line] } : { name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim(), lines: [line] };
    fields.push(last);
  }
  return { startLine: lines[0] ?? '', fields: fields.map((f) => ({ ...f, value: f.value.trim() })), rest: bytes.subarray(restAt) };
}

/** The copied fields of a message, by long name: every Via, the first of each other name. */
function copiedFields(head: RawHead): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of head.fields) {
    const name = COPIED[f.name.toLowerCase()];
    if (!name) continue;
    const list = out.get(name) ?? [];
    if (name === 'Via' || list.length === 0) list.push(f.value);
    out.set(name, list);
  }
  return out;
}

/** Check `response`, sent by sipd in answer to `request`. */
export function checkAnswer(response: Buffer, request: Buffer, opts: { readonly stream?: boolean } = {}): AnswerCheck {
  const whole = parseMessage(response, opts);
  if (whole.ok && whole.message.kind !== 'response') return { ok: false, kind: 'sipd sent a request', detail: response.toString('latin1', 0, 300) };
  const asIs = whole.ok && whole.message.kind === 'response' ? whole.message : undefined;
  if (parseMessage(request, opts).ok) {
    if (!asIs) return { ok: false, kind: `malformed response (${whole.ok ? '' : whole.reason.split(':')[0]})`, detail: `${whole.ok ? '' : whole.reason}\n${response.toString('latin1', 0, 500)}` };
    return answer(asIs, asIs);
  }

  // The request is malformed: its copies are compared, sipd's own parts are parsed.
  const res = readHead(response);
  const got = copiedFields(res);
  const want = copiedFields(readHead(request));
  const status = /^SIP\/2\.0 (\d{3}) /.exec(res.startLine);
  for (const name of ['Via', 'From', 'Call-ID', 'CSeq']) {
    const g = got.get(name) ?? [];
    const w = want.get(name) ?? [];
    if (g.length !== w.length || g.some((v, i) => v !== w[i])) return { ok: false, kind: `${name} not copied as it is`, detail: `request ${JSON.stringify(w)}, response ${JSON.stringify(g)}` };
  }
  const gotTo = got.get('To') ?? [];
  const wantTo = want.get('To') ?? [];
  if (gotTo.length !== wantTo.length) return { ok: false, kind: 'To not copied as it is', detail: `request ${JSON.stringify(wantTo)}, response ${JSON.stringify(gotTo)}` };
  if (wantTo.length) {
    const [g, w] = [gotTo[0], wantTo[0]];
    const tag = g.startsWith(w) ? /^;tag=(.*)$/.exec(g.slice(w.length)) : null;
    const needsTag = status?.[1] !== '100' && !/;\s*tag\s*=/i.test(w);
    if (g !== w && !(tag && TOKEN.test(tag[1]))) return { ok: false, kind: 'To not copied as it is (or a malformed tag added)', detail: `request ${JSON.stringify(w)}, response ${JSON.stringify(g)}` };
    if (needsTag && g === w) return { ok: false, kind: 'no To tag added', detail: JSON.stringify(g) };
  }

  // sipd's own parts, with stand-ins for the copies.
  const own = res.fields.filter((f) => !COPIED[f.name.toLowerCase()]).flatMap((f) => f.lines);
  const rebuilt = Buffer.concat([Buffer.from([res.startLine, ...STAND_INS, ...own, '', ''].join('\r\n'), 'utf8'), res.rest]);
  const parsed = parseMessage(rebuilt, opts);
  if (!parsed.ok) return { ok: false, kind: `malformed response apart from the copied fields (${parsed.reason.split(':')[0]})`, detail: `${parsed.reason}\n${response.toString('latin1', 0, 500)}` };
  if (parsed.message.kind !== 'response') return { ok: false, kind: 'sipd sent a request', detail: res.startLine };
  return answer(parsed.message, asIs);
}

function answer(r: SipResponse, message: SipResponse | undefined): AnswerCheck {
  if (r.status < 100 || r.status > 699) return { ok: false, kind: 'status out of range', detail: String(r.status) };
  return { ok: true, status: r.status, reason: r.reason, ...(message && { message }) };
}
