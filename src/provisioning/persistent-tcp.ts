// conf/persistent_tcp.conf as pserver edits it: the entries with their line numbers, an
// entry added (checked by the same reader sipd uses) or deleted, the file replaced
// atomically; comments and the other lines stay. sipd reads the file at start and at each
// graceful restart, so a change needs a graceful restart.
import { existsSync, readFileSync } from 'node:fs';
import { parsePersistentTcp } from '../transport/persistent.js';
import type { PersistentPeer } from '../transport/persistent.js';
import { writeAtomic } from '../common/atomic-file.js';

export interface PersistentFile {
  readonly peers: readonly PersistentPeer[];
  /** Lines the reader refuses (a hand-edited file), as file:line: message. */
  readonly errors: readonly string[];
}

function readText(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

export function readPersistent(file: string): PersistentFile {
  const text = readText(file);
  const r = parsePersistentTcp(text, file);
  if (r.ok) return { peers: r.peers, errors: [] };
  const rest = parsePersistentTcp(validLinesOnly(text, r.errors, file), file);
  return { peers: rest.ok ? rest.peers : [], errors: r.errors };
}

/** The text with the refused lines blanked, so the good entries can still be shown. */
function validLinesOnly(text: string, errors: readonly string[], file: string): string {
  const bad = new Set(errors.map((e) => Number(e.slice(file.length + 1).split(':')[0])));
  return text
    .split(/\r?\n/)
    .map((l, i) => (bad.has(i + 1) ? '' : l))
    .join('\n');
}

/** Add `host[:port]` (IPv6 in brackets). Returns an error message, or undefined when added. */
export function addPersistent(file: string, entry: string): string | undefined {
  const e = entry.trim();
  if (!e || /[\s#]/.test(e)) return 'write one peer as host or host:port (IPv6 as [addr]:port), without blanks';
  const check = parsePersistentTcp(e, 'entry');
  if (!check.ok) return check.errors[0].replace(/^entry:1: /, '');
  const peer = check.peers[0];
  if (readPersistent(file).peers.some((p) => p.host.toLowerCase() === peer.host.toLowerCase() && p.port === peer.port)) return `${e} is already listed`;
  const text = readText(file);
  writeAtomic(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${e}\n`);
  return undefined;
}

/**
 * Delete the entry on `line`, which must still be host:port (the file may have been
 * edited since the page was shown). Returns an error message, or undefined when deleted.
 */
export function deletePersistent(file: string, line: number, host: string, port: number): string | undefined {
  const peer = readPersistent(file).peers.find((p) => p.line === line);
  if (!peer || peer.host !== host || peer.port !== port) return `line ${line} of ${file} no longer holds ${host}:${port}; reload the page`;
  const lines = readText(file).split('\n');
  lines.splice(line - 1, 1);
  writeAtomic(file, lines.join('\n'));
  return undefined;
}
