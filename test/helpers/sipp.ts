// Run one sipp scenario against a server, with a hard time limit, and keep its traces.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { run } from './run.js';
import { requireTool } from './tools.js';

export interface SippOptions {
  readonly scenario: string;
  readonly host?: string;
  readonly port: number;
  readonly transport?: 'udp' | 'tcp';
  readonly calls?: number;
  /** sipp's own -timeout (whole run) and our kill limit a few seconds later. */
  readonly timeoutS?: number;
}

export interface SippResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The messages sent and received (sipp -trace_msg). */
  readonly messages: string;
  /** sipp's error log (-trace_err). */
  readonly errors: string;
}

export async function runSipp(o: SippOptions): Promise<SippResult> {
  const sipp = requireTool('sipp', 'sip-tester');
  const host = o.host ?? '127.0.0.1';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sipp-'));
  const timeoutS = o.timeoutS ?? 10;
  const localPort = await freePort(host);
  const messageFile = path.join(dir, 'messages.log');
  const errorFile = path.join(dir, 'errors.log');
  const args = [
    '-sf', o.scenario,
    `${host}:${o.port}`,
    '-i', host,
    '-p', String(localPort),
    '-m', String(o.calls ?? 1),
    '-t', o.transport === 'tcp' ? 't1' : 'u1',
    '-timeout', `${timeoutS}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_msg', '-message_file', messageFile,
    '-trace_err', '-error_file', errorFile,
  ];
  try {
    const r = await run(sipp, args, (timeoutS + 5) * 1000);
    const read = (f: string) => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        return '';
      }
    };
    return { code: r.code, stdout: r.stdout, stderr: r.stderr, messages: read(messageFile), errors: read(errorFile) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A readable summary for assertion messages. */
export function describeSipp(r: SippResult): string {
  return `sipp exit ${r.code}\n--- errors ---\n${r.errors}\n--- messages ---\n${r.messages}\n--- stderr ---\n${r.stderr}`;
}
