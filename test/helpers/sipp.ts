// Run one sipp scenario against a server, with a hard time limit, and keep its traces.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES } from './paths.js';
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

/** The scenario files under test/fixtures/sipp (see the comment at the top of each). */
export const SIPP_SCENARIOS = path.join(FIXTURES, 'sipp');

/** A scenario's path: a bare name ("uac-call" or "uac-call.xml") is looked up in SIPP_SCENARIOS. */
export function sippScenario(name: string): string {
  if (path.isAbsolute(name)) return name;
  return path.join(SIPP_SCENARIOS, name.endsWith('.xml') ? name : `${name}.xml`);
}

/** Call counts from the statistics screen sipp prints when it ends (cumulative column). */
export interface SippCallCounts {
  readonly created: number;
  readonly successful: number;
  readonly failed: number;
}

/** Read the last statistics screen in sipp's stdout; undefined when there is none. */
export function sippCallCounts(stdout: string): SippCallCounts | undefined {
  const last = stdout.lastIndexOf('Statistics Screen');
  if (last < 0) return undefined;
  const screen = stdout.slice(last);
  // "  Successful call        |        0                  |        1                 "
  const cumulative = (label: string): number | undefined => {
    const m = new RegExp(`^\\s*${label}\\s*\\|[^|]*\\|\\s*(\\d+)`, 'm').exec(screen);
    return m ? Number(m[1]) : undefined;
  };
  const successful = cumulative('Successful call');
  const failed = cumulative('Failed call');
  const created = cumulative('Total Calls created');
  if (successful === undefined || failed === undefined) return undefined;
  return { created: created ?? successful + failed, successful, failed };
}

/**
 * A copy of a scenario with words replaced, in a fresh temporary directory, for what
 * sipp takes no keyword for (the method of a request line). remove() deletes it.
 */
export function sippScenarioCopy(name: string, replace: Readonly<Record<string, string>>): { readonly path: string; remove(): void } {
  let text = readFileSync(sippScenario(name), 'utf8');
  for (const [from, to] of Object.entries(replace)) text = text.split(from).join(to);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sipp-scenario-'));
  const file = path.join(dir, path.basename(sippScenario(name)));
  writeFileSync(file, text);
  return { path: file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
