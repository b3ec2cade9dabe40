// sipp as the SIP peers of a test: a called UA (UAS) that runs in the background while
// the test goes on, and a calling UA (UAC) that runs to its end. Both keep their traces.
// The scenarios are in test/fixtures/sipp; each says at its top which keys it reads.
//
//   const bob = await startUas({ scenario: 'uas-answer' });
//   const r = await runUac({ scenario: 'uac-call', target: { port: sipdPort },
//                            keys: { ruri: `sip:bob@127.0.0.1:${bob.port}`, rr: 'yes' } });
//   assert.equal(r.code, 0, describeSipp(r));
//   assert.equal((await bob.done).code, 0);
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { sleep, start } from './run.js';
import { sippCallCounts, sippScenario } from './sipp.js';
import type { SippCallCounts, SippResult } from './sipp.js';
import { requireTool } from './tools.js';

export type SippTransport = 'udp' | 'tcp';

/** Options both roles take. */
export interface SippPeerOptions {
  /** A file name under test/fixtures/sipp ("uas-answer" or "uas-answer.xml") or an absolute path. */
  readonly scenario: string;
  /** Local address sipp binds and puts in its messages (-i). Default 127.0.0.1. */
  readonly host?: string;
  /** Local port (-p). Default: a free port. */
  readonly port?: number;
  /** udp (-t u1, one socket) or tcp (-t t1, one connection). Default udp. */
  readonly transport?: SippTransport;
  /** Calls to handle before sipp exits on its own (-m). Default 1. */
  readonly calls?: number;
  /** sipp's whole-run limit in seconds (-timeout, an error when reached); the process is killed 5 s later. */
  readonly timeoutS?: number;
  /** Scenario keys, each passed as -key NAME VALUE; the scenario reads them as [NAME]. */
  readonly keys?: Readonly<Record<string, string | number>>;
  /** Global variables, each passed as -set NAME VALUE (declared with <Global variables="…"/>). */
  readonly set?: Readonly<Record<string, string | number>>;
  /** How long a bare <pause/> lasts, in ms (-d): the talk time of uac-call, the wait of uas-silent. */
  readonly pauseMs?: number;
  /** Anything else, appended as is (e.g. ['-aa']). */
  readonly extraArgs?: readonly string[];
  /**
   * Run sipp inside this network namespace (`ip netns exec`, iproute2). Give `port` too:
   * a free port cannot be probed for from the test's own namespace.
   */
  readonly netns?: string;
}

export interface UacOptions extends SippPeerOptions {
  /** Where the messages go: sipp's remote host (positional argument). Host default 127.0.0.1. */
  readonly target: { readonly host?: string; readonly port: number };
  /**
   * Send every message here instead (-rsa HOST:PORT): the outbound proxy. The Request-URI
   * stays the ruri key (e.g. the callee's AOR sip:bob@example.com), as a UA configured
   * with an outbound proxy does.
   */
  readonly outboundProxy?: { readonly host?: string; readonly port: number };
  /** User part of the default ruri (-s). Default "service". */
  readonly service?: string;
  /** Calls per second (-r) when calls > 1; sipp's default is 10. */
  readonly rate?: number;
}

export interface SippPeerResult extends SippResult {
  /** The command line, for assertion messages. */
  readonly args: readonly string[];
  /** What <log> actions wrote (-trace_logs). */
  readonly logs: string;
  /** Call counts from sipp's final statistics screen, when it printed one. */
  readonly counts?: SippCallCounts;
  /** True when our kill limit (timeoutS + 5 s) ended it. */
  readonly timedOut: boolean;
  /** True when stop() ended it. */
  readonly stopped: boolean;
}

export interface SippPeer {
  readonly host: string;
  readonly port: number;
  readonly transport: SippTransport;
  /** "host:port", e.g. for a Contact or a Request-URI. */
  readonly address: string;
  /** Settles when sipp exits: after `calls` calls, at its timeout, or when stopped. */
  readonly done: Promise<SippPeerResult>;
  /** SIGTERM, then SIGKILL if it is still there after waitMs (default 3000); resolves with its result. */
  stop(waitMs?: number): Promise<SippPeerResult>;
}

/** Keys the UAC scenarios read, filled in unless the caller gives them. */
function defaultUacKeys(o: UacOptions, localHost: string, localPort: number): Record<string, string> {
  const target = `${o.target.host ?? '127.0.0.1'}:${o.target.port}`;
  const user = String(o.keys?.user ?? 'alice');
  return {
    ruri: `sip:${o.service ?? 'service'}@${target}`,
    caller: 'alice',
    rr: 'any',
    user,
    domain: target,
    contact: `sip:${user}@${localHost}:${localPort}`,
    expires: '3600',
  };
}

interface Launched {
  readonly args: string[];
  readonly done: Promise<SippPeerResult>;
  readonly pid: number | undefined;
  stopped: boolean;
}

function launch(o: SippPeerOptions, host: string, port: number, keys: Record<string, string | number>, before: readonly string[], after: readonly string[]): Launched {
  const sipp = requireTool('sipp', 'sip-tester');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sipp-peer-'));
  const files = { messages: path.join(dir, 'messages.log'), errors: path.join(dir, 'errors.log'), logs: path.join(dir, 'logs.log') };
  const timeoutS = o.timeoutS ?? 30;
  const args = [
    '-sf', sippScenario(o.scenario),
    ...before,
    '-i', host,
    '-p', String(port),
    '-m', String(o.calls ?? 1),
    '-t', o.transport === 'tcp' ? 't1' : 'u1',
    '-timeout', `${timeoutS}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_msg', '-message_file', files.messages,
    '-trace_err', '-error_file', files.errors,
    '-trace_logs', '-log_file', files.logs,
    ...Object.entries(keys).flatMap(([k, v]) => ['-key', k, String(v)]),
    ...Object.entries(o.set ?? {}).flatMap(([k, v]) => ['-set', k, String(v)]),
    ...(o.pauseMs !== undefined ? ['-d', String(o.pauseMs)] : []),
    ...after,
    ...(o.extraArgs ?? []),
  ];
  // ip netns exec execs sipp in place, so the child's pid stays sipp's (stop() signals it).
  const running = o.netns ? start(requireTool('ip', 'iproute2'), ['netns', 'exec', o.netns, sipp, ...args], (timeoutS + 5) * 1000) : start(sipp, args, (timeoutS + 5) * 1000);
  const launched: Launched = {
    args,
    pid: running.child.pid,
    stopped: false,
    done: running.done.then((r) => {
      const read = (f: string) => {
        try {
          return readFileSync(f, 'utf8');
        } catch {
          return '';
        }
      };
      const result: SippPeerResult = {
        code: r.code,
        stdout: r.stdout,
        stderr: r.stderr,
        messages: read(files.messages),
        errors: read(files.errors),
        logs: read(files.logs),
        counts: sippCallCounts(r.stdout),
        timedOut: r.timedOut,
        stopped: launched.stopped,
        args: [sipp, ...args],
      };
      rmSync(dir, { recursive: true, force: true });
      return result;
    }),
  };
  return launched;
}

/**
 * True when something listens on this local port (Linux /proc; a bind probe would race sipp).
 * With a pid, in that process's network namespace (/proc/PID/net).
 */
function listening(port: number, transport: SippTransport, pid?: number): boolean | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid ?? 'self'}/net/${transport === 'tcp' ? 'tcp' : 'udp'}`, 'latin1');
  } catch {
    return undefined;
  }
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return text.split('\n').slice(1).some((line) => {
    const cols = line.trim().split(/\s+/);
    // cols[1] = local "ADDR:PORT" in hex, cols[3] = state (0A = LISTEN for TCP).
    return cols.length > 3 && cols[1].endsWith(`:${hex}`) && (transport === 'udp' || cols[3] === '0A');
  });
}

/**
 * Start a sipp UAS in the background and resolve once its socket is open. It answers
 * whatever reaches host:port; `done` settles when it has handled `calls` calls (-m,
 * default 1), when its timeout (default 30 s) ends it, or after stop().
 */
export async function startUas(o: SippPeerOptions): Promise<SippPeer> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await freePort(host));
  const transport = o.transport ?? 'udp';
  const l = launch(o, host, port, { ...(o.keys ?? {}) }, [], []);
  let exited: SippPeerResult | undefined;
  void l.done.then((r) => (exited = r));
  const until = Date.now() + 5000;
  for (;;) {
    if (exited) throw new Error(`sipp UAS ${o.scenario} exited before it was ready: exit ${exited.code}\n${exited.stderr}\n${exited.errors}\n${exited.stdout.slice(-2000)}`);
    const up = listening(port, transport, o.netns ? l.pid : undefined);
    if (up === undefined) {
      await sleep(300); // no /proc: give sipp a moment
      break;
    }
    if (up) break;
    if (Date.now() > until) {
      if (l.pid) process.kill(l.pid, 'SIGKILL');
      await l.done;
      throw new Error(`sipp UAS ${o.scenario} did not open ${transport} ${host}:${port} within 5 s`);
    }
    await sleep(25);
  }
  const stop = async (waitMs = 3000): Promise<SippPeerResult> => {
    if (!exited && l.pid) {
      l.stopped = true;
      try {
        process.kill(l.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const killed = await Promise.race([l.done.then(() => false), sleep(waitMs).then(() => true)]);
      if (killed) {
        try {
          process.kill(l.pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
      }
    }
    return l.done;
  };
  return { host, port, transport, address: `${host}:${port}`, done: l.done, stop };
}

/**
 * Run a sipp UAC to its end (-m calls, default 1). Keys the UAC scenarios read get
 * defaults: ruri sip:SERVICE@TARGET, caller alice, rr any, user alice, domain TARGET,
 * contact sip:USER@LOCALHOST:LOCALPORT, expires 3600; `keys` overrides any of them.
 */
export async function runUac(o: UacOptions): Promise<SippPeerResult> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await freePort(host));
  const keys = { ...defaultUacKeys(o, host, port), ...(o.keys ?? {}) };
  const target = `${o.target.host ?? '127.0.0.1'}:${o.target.port}`;
  const after = [
    ...(o.outboundProxy ? ['-rsa', `${o.outboundProxy.host ?? '127.0.0.1'}:${o.outboundProxy.port}`] : []),
    ...(o.service ? ['-s', o.service] : []),
    ...(o.rate !== undefined ? ['-r', String(o.rate)] : []),
  ];
  return launch({ timeoutS: 15, ...o }, host, port, keys, [target], after).done;
}

/** A readable summary of a peer's run for assertion messages. */
export function describePeer(r: SippPeerResult): string {
  const counts = r.counts ? ` (${r.counts.successful} successful, ${r.counts.failed} failed)` : '';
  return `${r.args.join(' ')}\nexit ${r.code}${counts}${r.timedOut ? ' (killed at the time limit)' : ''}\n--- errors ---\n${r.errors}\n--- logs ---\n${r.logs}\n--- messages ---\n${r.messages}\n--- stderr ---\n${r.stderr}`;
}
