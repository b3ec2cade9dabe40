// The audit log: who changed what, and when. One JSON object per line appended to
// <ServerRoot>/data/pserver/audit.log (append-only: pserver never rewrites it); the GUI
// reads it back newest first, a page at a time, from the end of the file.
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { AuditSink } from '../common/web/contract.js';

export interface AuditEntry {
  readonly time: string;
  readonly user: string;
  readonly action: string;
  readonly detail: string;
}

const CHUNK = 64 * 1024;

export class AuditLog implements AuditSink {
  readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'audit.log');
  }

  record(user: string, action: string, detail: string): void {
    const e: AuditEntry = { time: new Date().toISOString(), user, action, detail: detail.slice(0, 2000) };
    // One write per line with O_APPEND: lines never interleave, and earlier ones are never touched.
    appendFileSync(this.file, JSON.stringify(e) + '\n', { mode: 0o600 });
  }

  /** Entries newest first: `limit` of them after skipping `offset`; `more` when older ones remain. */
  read(offset: number, limit: number): { entries: AuditEntry[]; more: boolean } {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return { entries: [], more: false };
    }
    try {
      const want = offset + limit + 1;
      const lines: string[] = [];
      let pos = fstatSync(fd).size;
      let rest = '';
      while (pos > 0 && lines.length < want) {
        const len = Math.min(CHUNK, pos);
        pos -= len;
        const buf = Buffer.alloc(len);
        readSync(fd, buf, 0, len, pos);
        // Split on bytes: a chunk boundary may cut a UTF-8 character, a newline never.
        const text = buf.toString('latin1') + rest;
        const parts = text.split('\n');
        rest = parts.shift() ?? '';
        for (let i = parts.length - 1; i >= 0; i--) if (parts[i]) lines.push(parts[i]);
      }
      if (pos === 0 && rest && lines.length < want) lines.push(rest);
      const entries = lines.slice(offset, offset + limit).map((l) => parseLine(Buffer.from(l, 'latin1').toString('utf8')));
      return { entries, more: lines.length > offset + limit };
    } finally {
      closeSync(fd);
    }
  }
}

function parseLine(l: string): AuditEntry {
  try {
    const o = JSON.parse(l) as Partial<AuditEntry>;
    return { time: String(o.time ?? ''), user: String(o.user ?? ''), action: String(o.action ?? ''), detail: String(o.detail ?? '') };
  } catch {
    return { time: '', user: '', action: '(unreadable line)', detail: l.slice(0, 200) };
  }
}
