// Established TCP connections on this machine, read from /proc/net/tcp (Linux), for tests
// that watch which connections a server keeps open.
import { readFileSync } from 'node:fs';

export interface TcpConnection {
  readonly localPort: number;
  readonly remotePort: number;
}

/**
 * IPv4 connections in state ESTABLISHED whose remote port is `remotePort` (as seen from
 * the side that connected to it). Undefined when /proc/net/tcp cannot be read.
 */
export function establishedTo(remotePort: number): TcpConnection[] | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/net/tcp', 'latin1');
  } catch {
    return undefined;
  }
  const out: TcpConnection[] = [];
  for (const line of text.split('\n').slice(1)) {
    // cols[1] local "ADDR:PORT", cols[2] remote "ADDR:PORT", in hex; cols[3] state (01 = ESTABLISHED).
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4 || cols[3] !== '01') continue;
    const local = parseInt(cols[1].split(':')[1], 16);
    const remote = parseInt(cols[2].split(':')[1], 16);
    if (remote === remotePort) out.push({ localPort: local, remotePort: remote });
  }
  return out;
}
