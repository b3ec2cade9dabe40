// Differential comparison of our parser with the npm package `sip` (0.0.6), used only as
// an oracle in tests and the benchmark. `sip` is plain JS without types.
// @ts-ignore -- no type declarations for `sip`
import sip from 'sip';
import { parseAddress, addressTag } from '../../../src/sip/address.js';
import { parseMessage } from '../../../src/sip/message.js';
import type { SipMessage } from '../../../src/sip/message.js';
import { parseVias } from '../../../src/sip/via.js';

export interface SipPkg {
  parse(text: string | Buffer): any;
  stringify(m: any): string;
  parseUri(s: string): any;
}
export const sipPkg = sip as SipPkg;

/** Our parse of a corpus text; throws when ours refuses it (the corpus is all valid). */
export function ours(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text));
  if (!r.ok) throw new Error(`ours refused a valid message: ${r.reason}`);
  return r.message;
}

const norm = (s: string | undefined) => (s ?? '').trim();

/**
 * The fields on which `sip` and we disagree for one message: "parse" when `sip` returns
 * nothing, else any of method, uri, status, via, from, to, call-id, cseq, requri.
 */
export function differences(text: string): string[] {
  const m = ours(text);
  let t: any;
  try {
    t = sipPkg.parse(text);
  } catch {
    t = undefined;
  }
  if (!t) return ['parse'];
  const out: string[] = [];
  if (m.kind === 'request') {
    if (t.method !== m.method) out.push('method');
    if (t.uri !== m.uri) out.push('uri');
    // sip.parseUri on the Request-URI: undefined means it could not read it.
    if (!sipPkg.parseUri(m.uri)) out.push('requri');
  } else if (t.status !== m.status) out.push('status');

  const vias = parseVias(m.headers.fields('Via'));
  const tv: any[] = t.headers.via ?? [];
  if (!vias.ok || vias.vias.length !== tv.length) out.push('via');
  else
    for (let i = 0; i < tv.length; i++) {
      const a = vias.vias[i];
      const b = tv[i];
      if (b.host !== a.host || b.port !== a.port || String(b.protocol).toUpperCase() !== a.transport || (b.params?.branch ?? undefined) !== a.branch) {
        out.push('via');
        break;
      }
    }
  for (const name of ['From', 'To'] as const) {
    const a = parseAddress(m.headers.get(name) ?? '');
    const b = t.headers[name.toLowerCase()];
    if (!a.ok || !b) {
      out.push(name.toLowerCase());
      continue;
    }
    const uriText = m.headers.get(name)!.includes('<') ? /<([^>]*)>/.exec(m.headers.get(name)!)![1].trim() : m.headers.get(name)!.split(';')[0].trim();
    const tname = b.name === undefined ? undefined : String(b.name).replace(/^"(.*)"$/s, '$1').replace(/\\(.)/g, '$1');
    if (norm(b.uri) !== uriText || (b.params?.tag ?? undefined) !== addressTag(a.address) || tname !== a.address.displayName) out.push(name.toLowerCase());
  }
  if (norm(t.headers['call-id']) !== m.headers.get('Call-ID')) out.push('call-id');
  const cseq = /^(\d+)\s+(\S+)$/.exec(m.headers.get('CSeq') ?? '')!;
  if (!t.headers.cseq || t.headers.cseq.seq !== Number(cseq[1]) || t.headers.cseq.method !== cseq[2]) out.push('cseq');
  return out;
}
