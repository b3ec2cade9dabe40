// conf/persistent_tcp.conf: peers (typically gateways) sipd keeps a TCP connection open
// to, so calls toward them never wait for a connect. One peer per line, `host[:port]`
// (port 5060 when omitted; IPv6 in brackets); `#` starts a comment. A missing file
// means no persistent peers.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface PersistentPeer {
  readonly host: string;
  readonly port: number;
  readonly line: number;
}

export type PersistentResult = { readonly ok: true; readonly peers: PersistentPeer[] } | { readonly ok: false; readonly errors: string[] };

const HOSTNAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$/;

export function parsePersistentTcp(text: string, file: string): PersistentResult {
  const peers: PersistentPeer[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const m = /^(\[[^\]]+\]|[^:\s]+)(?::(\d+))?$/.exec(line);
    const host = m?.[1].replace(/^\[(.*)\]$/, '$1');
    const port = m?.[2] === undefined ? 5060 : Number(m[2]);
    if (!m || !host || !(isIP(host) || HOSTNAME.test(host))) errors.push(`${file}:${i + 1}: "${line}" is not a peer: write host or host:port (IPv6 as [addr]:port)`);
    else if (!(port >= 1 && port <= 65535)) errors.push(`${file}:${i + 1}: port ${m[2]} is out of range: 1 to 65535`);
    else peers.push({ host, port, line: i + 1 });
  });
  return errors.length ? { ok: false, errors } : { ok: true, peers };
}

export function loadPersistentTcp(file: string): PersistentResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, peers: [] };
    return { ok: false, errors: [`${file}: ${(e as Error).message}`] };
  }
  return parsePersistentTcp(text, file);
}
