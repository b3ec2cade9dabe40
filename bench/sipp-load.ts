// sipp load benchmark: the highest rate with no failed call, for REGISTER/s and for
// calls/s (INVITE…BYE), then the response times at half that rate.
//
//   node dist/bench/sipp-load.js [--target uas|sipd] [--seconds N] [--start R] [--max R]
//                                [--only register|calls] [--transport udp|tcp]
//
// --target uas   sipp against a plain sipp UAS: the load generator's own ceiling.
// --target sipd  through sipd, started here from a temporary ServerRoot with
//                AddRecordRoute On. REGISTERs go to sipd as the registrar; calls go to sipd
//                as outbound proxy (-rsa) with Request-URI sip:uas@127.0.0.1:UASPORT, so
//                sipd forwards by the Request-URI host, and the UAC checks Record-Route.
//                A kind sipd cannot serve yet (one probe call fails) is reported, not ramped.
// --seconds N    length of each trial (default 5). --start/--max bound the ramp (10/5000).
//                With --target sipd each trial also reports the CPU time sipd used per call
//                (from /proc), which compares builds better than the ramp's noisy maximum.
//
// A trial at rate R runs R×N calls with sipp -r R; it passes when every call succeeded
// and the calls were made at ≥ 90% of R (a generator that cannot keep up has not
// measured R). The ramp doubles R until a trial fails, then bisects to within 10%.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/ports.js';
import { REPO } from '../test/helpers/paths.js';
import { sleep, start, startBin } from '../test/helpers/run.js';
import type { Running } from '../test/helpers/run.js';
import { makeServerRoot, processesMentioning } from '../test/helpers/serverroot.js';
import { sippCallCounts, sippScenario } from '../test/helpers/sipp.js';
import { findOnPath } from '../test/helpers/tools.js';
import { udpExchange } from '../test/helpers/udp.js';

type Kind = 'register' | 'calls';

interface Options {
  target: 'uas' | 'sipd';
  seconds: number;
  start: number;
  max: number;
  only?: Kind;
  transport: 'udp' | 'tcp';
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { target: 'uas', seconds: 5, start: 10, max: 5000, transport: 'udp' };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    const num = (name: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number, got "${v ?? ''}"`);
      i++;
      return n;
    };
    switch (argv[i]) {
      case '--target':
        if (v !== 'uas' && v !== 'sipd') throw new Error(`--target is uas or sipd, got "${v ?? ''}"`);
        o.target = v;
        i++;
        break;
      case '--seconds':
        o.seconds = num('--seconds');
        break;
      case '--start':
        o.start = num('--start');
        break;
      case '--max':
        o.max = num('--max');
        break;
      case '--only':
        if (v !== 'register' && v !== 'calls') throw new Error(`--only is register or calls, got "${v ?? ''}"`);
        o.only = v;
        i++;
        break;
      case '--transport':
        if (v !== 'udp' && v !== 'tcp') throw new Error(`--transport is udp or tcp, got "${v ?? ''}"`);
        o.transport = v;
        i++;
        break;
      default:
        throw new Error(`unknown argument "${argv[i]}" (see the comment at the top of bench/sipp-load.ts)`);
    }
  }
  return o;
}

interface Trial {
  readonly rate: number;
  readonly ok: boolean;
  readonly why: string;
  readonly successful: number;
  readonly failed: number;
  readonly achieved: number;
  /** Response times in ms by rtd name (sipp -trace_rtt; whole milliseconds). */
  readonly rtt: Map<string, number[]>;
  /** CPU time sipd used per successful call during the trial (user + system, ms); --target sipd only. */
  readonly cpuMsPerCall?: number;
}

/** The sipd under test, whose CPU time each trial reads (undefined for --target uas). */
let sipdPid: number | undefined;

/** User + system CPU time of a process so far, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

/** What a UAC run needs besides the rate: scenario, where to send, keys. */
interface Load {
  readonly kind: Kind;
  readonly scenario: string;
  readonly args: readonly string[];
}

const SIPP = findOnPath('sipp');

async function trial(load: Load, rate: number, seconds: number, transport: 'udp' | 'tcp', withRtt: boolean): Promise<Trial> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sipp-load-'));
  const calls = Math.max(1, Math.round(rate * seconds));
  const port = await freePort();
  const args = [
    '-sf', load.scenario,
    ...load.args,
    '-i', '127.0.0.1',
    '-p', String(port),
    '-t', transport === 'tcp' ? 't1' : 'u1',
    '-r', String(rate),
    '-m', String(calls),
    '-l', String(Math.max(100, rate * 4)), // bound the calls in flight when the target slows down
    '-d', '0',
    '-timeout', `${Math.ceil(seconds * 3 + 10)}s`,
    '-nostdin',
    // sipp dumps response times every rtt_freq calls; a small batch loses little at the end.
    ...(withRtt ? ['-trace_rtt', '-rtt_freq', String(Math.max(1, Math.floor(calls / 20)))] : []),
  ];
  const began = Date.now();
  const cpuBefore = cpuMs(sipdPid);
  const r = await start(SIPP!, args, (seconds * 3 + 20) * 1000).done;
  const cpuAfter = cpuMs(sipdPid);
  const elapsed = (Date.now() - began) / 1000;
  const counts = sippCallCounts(r.stdout);
  const rtt = new Map<string, number[]>();
  if (withRtt) {
    // sipp writes <scenario>_<pid>_rtt.csv in its working directory: here, the cwd.
    for (const f of readdirSync('.').filter((n) => n.endsWith('_rtt.csv') && n.startsWith(path.basename(load.scenario, '.xml')))) {
      for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
        const [, ms, name] = line.trim().split(';');
        if (name === undefined) continue;
        if (!rtt.has(name)) rtt.set(name, []);
        rtt.get(name)!.push(Number(ms));
      }
      rmSync(f, { force: true });
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const successful = counts?.successful ?? 0;
  const failed = counts?.failed ?? 0;
  // Calls were started over (elapsed - time for the last ones to finish); sipp -r paces them.
  const achieved = successful / Math.max(elapsed - 0.5, seconds * 0.5);
  let why = '';
  if (r.timedOut) why = `sipp had not finished after ${seconds * 3 + 20} s (overloaded)`;
  else if (!counts) why = `no statistics from sipp (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`;
  else if (failed) why = `${failed} failed`;
  else if (successful < calls) why = `only ${successful} of ${calls} calls completed`;
  else if (achieved < rate * 0.9) why = `paced at ${achieved.toFixed(0)}/s`;
  const cpuMsPerCall = cpuBefore !== undefined && cpuAfter !== undefined && successful ? (cpuAfter - cpuBefore) / successful : undefined;
  return { rate, ok: why === '', why, successful, failed, achieved, rtt, cpuMsPerCall };
}

/**
 * Wait between trials. An overloaded trial leaves sipd retransmitting and timing out
 * transactions for up to 64×T1; the next trial would measure that backlog as well, so
 * sipd is given until it idles (under 10% of a core for a second, at most 45 s).
 */
async function settle(): Promise<void> {
  await sleep(1500);
  const until = Date.now() + 45_000;
  for (let last = cpuMs(sipdPid); last !== undefined && Date.now() < until; ) {
    await sleep(1000);
    const now = cpuMs(sipdPid);
    if (now === undefined || now - last < 100) return;
    last = now;
  }
}

function cpuNote(t: Trial): string {
  return t.cpuMsPerCall === undefined ? '' : ` (sipd CPU ${t.cpuMsPerCall.toFixed(3)} ms/call)`;
}

async function ramp(load: Load, o: Options): Promise<{ max: number; trials: Trial[] }> {
  const trials: Trial[] = [];
  const run = async (rate: number) => {
    const t = await trial(load, Math.round(rate), o.seconds, o.transport, false);
    trials.push(t);
    process.stderr.write(`  ${load.kind} ${t.rate}/s: ${t.ok ? 'ok' : t.why}${cpuNote(t)}\n`);
    await settle(); // let retransmissions and timers of the last trial die down
    return t.ok;
  };
  let good = 0;
  let bad: number | undefined;
  for (let rate = o.start; rate <= o.max; rate *= 2) {
    if (await run(rate)) good = rate;
    else {
      bad = rate;
      break;
    }
  }
  if (good === 0) return { max: 0, trials };
  while (bad !== undefined && bad - good > Math.max(2, good * 0.1)) {
    const mid = Math.round((good + bad) / 2);
    if (await run(mid)) good = mid;
    else bad = mid;
  }
  return { max: good, trials };
}

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Row {
  kind: Kind;
  max: number;
  note: string;
  half?: Trial;
}

/** A background sipp UAS without traces (traces would be the bottleneck). */
function backgroundUas(scenario: string, port: number, transport: 'udp' | 'tcp', keys: Record<string, string>): Running {
  return start(SIPP!, [
    '-sf', sippScenario(scenario),
    '-i', '127.0.0.1',
    '-p', String(port),
    '-t', transport === 'tcp' ? 't1' : 'u1',
    '-nostdin',
    ...Object.entries(keys).flatMap(([k, v]) => ['-key', k, v]),
  ], 24 * 3600 * 1000);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!SIPP) throw new Error('sipp is not installed: apt-get install sip-tester');
  const work = mkdtempSync(path.join(os.tmpdir(), 'sipp-bench-'));
  process.chdir(work); // sipp's -trace_rtt files land here
  const users = path.join(work, 'users.csv');
  writeFileSync(users, 'SEQUENTIAL\n' + Array.from({ length: 10_000 }, (_, i) => `user${i}`).join('\n') + '\n');

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  const startUasFor = async (scenario: string, keys: Record<string, string>) => {
    const port = await freePort();
    const r = backgroundUas(scenario, port, o.transport, keys);
    stops.push(async () => {
      r.child.kill('SIGTERM');
      await Promise.race([r.done, sleep(3000)]);
      r.child.kill('SIGKILL');
    });
    await sleep(500);
    if (r.child.exitCode !== null) throw new Error(`the sipp UAS (${scenario}) did not start: ${(await r.done).stderr}`);
    return port;
  };

  try {
    const callee = await startUasFor('uas-answer', {});
    let sendTo: number;
    let registrar: number;
    let rr = 'any';
    if (o.target === 'uas') {
      sendTo = callee;
      registrar = await startUasFor('uas-registrar', { binding: 'sip:bench@127.0.0.1' });
    } else {
      const port = await freePort();
      const sr = makeServerRoot(port, ['AddRecordRoute On', 'LogLevel warn']);
      const sipd = startBin('sipd', ['-X', '-f', sr.conf], 24 * 3600 * 1000);
      sipdPid = sipd.child.pid;
      stops.push(async () => {
        sipd.child.kill('SIGTERM');
        await Promise.race([sipd.done, sleep(10_000)]);
        for (const pid of processesMentioning(sr.conf)) process.kill(pid, 'SIGKILL');
        sr.remove();
      });
      const probe = `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbench${Date.now()}\r\nMax-Forwards: 70\r\nFrom: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1:${port}>\r\nCall-ID: bench-${Date.now()}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      const until = Date.now() + 15_000;
      while (!(await udpExchange(port, probe, 300))) {
        if (Date.now() > until || sipd.child.exitCode !== null) throw new Error(`sipd did not come up:\n${sr.readErrorLog()}`);
      }
      sendTo = port;
      registrar = port;
      rr = 'yes';
    }

    const loads: Load[] = [
      {
        kind: 'register',
        scenario: path.join(REPO, 'bench', 'sipp', 'register-users.xml'),
        args: [`127.0.0.1:${registrar}`, '-inf', users, '-key', 'domain', `127.0.0.1:${registrar}`, '-key', 'expires', '3600'],
      },
      {
        kind: 'calls',
        scenario: sippScenario('uac-call'),
        // Request-URI names the callee by host; sipd (when it is the target) gets every message via -rsa.
        args: [`127.0.0.1:${callee}`, ...(o.target === 'sipd' ? ['-rsa', `127.0.0.1:${sendTo}`] : []), '-key', 'ruri', `sip:uas@127.0.0.1:${callee}`, '-key', 'caller', 'bench', '-key', 'rr', rr],
      },
    ];

    const rows: Row[] = [];
    for (const load of loads) {
      if (o.only && o.only !== load.kind) continue;
      const probe = await trial(load, 1, 1, o.transport, false);
      if (!probe.ok) {
        rows.push({ kind: load.kind, max: 0, note: `probe call failed (${probe.why}): ${o.target} cannot serve this yet` });
        continue;
      }
      const { max, trials } = await ramp(load, o);
      const limit = trials.find((t) => !t.ok);
      const note = max === 0 ? `fails at ${o.start}/s: ${trials[0]?.why}` : limit ? `next step ${limit.rate}/s: ${limit.why}` : `no failure up to --max ${o.max}`;
      const row: Row = { kind: load.kind, max, note };
      if (max > 0) row.half = await trial(load, Math.max(1, Math.round(max / 2)), o.seconds, o.transport, true);
      rows.push(row);
    }

    const cpus = os.cpus();
    console.log(`\nsipp load, target ${o.target}, ${o.transport.toUpperCase()}, ${o.seconds} s trials; ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}; node ${process.version}`);
    console.log('kind      max rate (0 failed)  half rate  response time at half rate, ms (median / p95 / p99 / mean, n)   limit');
    for (const r of rows) {
      const times = r.half ? [...r.half.rtt].map(([name, xs]) => {
        const s = [...xs].sort((a, b) => a - b);
        const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
        return `${name} ${percentile(s, 50)} / ${percentile(s, 95)} / ${percentile(s, 99)} / ${mean.toFixed(2)}, n=${s.length}`;
      }) : [];
      const half = r.half ? `${r.half.rate}/s${r.half.ok ? '' : ` (${r.half.why})`}` : '-';
      console.log(`${r.kind.padEnd(9)} ${`${r.max}/s`.padEnd(20)} ${half.padEnd(10)} ${(times.join('; ') || '-').padEnd(64)} ${r.note}${r.half ? cpuNote(r.half) : ''}`);
    }
  } finally {
    await stopAll();
    process.chdir(os.tmpdir());
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`sipp-load: ${(e as Error).message}`);
  process.exit(1);
});
