// The cost of RADIUS accounting: the same sipp calls through two sipd processes, one with
// Accounting Off and one with Accounting On (server and client side, records to a real
// FreeRADIUS), in one run, in alternating rounds so that both see the same machine load.
//
//   npm run build && node dist/bench/accounting-cost.js [--rate R] [--seconds N] [--rounds K]
//
// Each round runs R×N calls (INVITE…BYE, no talk time) at R calls/s through each sipd and
// reads the CPU time sipd used (/proc/PID/stat, 10 ms ticks): CPU per call is the figure to
// compare; calls/s achieved shows whether either fell behind. With Accounting On it also
// counts the records FreeRADIUS wrote (four per call: a Start and a Stop on each side).
// Not part of the test suite: its figures go into the notes.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { controlRequest } from '../src/server/control.js';
import { startFreeRadius } from '../test/helpers/freeradius.js';
import { freePort } from '../test/helpers/ports.js';
import { sleep, start, startBin } from '../test/helpers/run.js';
import type { Running } from '../test/helpers/run.js';
import { makeServerRoot, processesMentioning } from '../test/helpers/serverroot.js';
import type { ServerRoot } from '../test/helpers/serverroot.js';
import { sippCallCounts, sippScenario } from '../test/helpers/sipp.js';
import { findOnPath } from '../test/helpers/tools.js';
import { udpExchange } from '../test/helpers/udp.js';

const SIPP = findOnPath('sipp');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} takes a positive number`);
  return v;
}

/** User + system CPU time of a process so far, in ms. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

interface Proxy {
  readonly name: string;
  readonly sr: ServerRoot;
  readonly run: Running;
}

async function startProxy(name: string, lines: string[]): Promise<Proxy> {
  const port = await freePort();
  const sr = makeServerRoot(port, ['AddRecordRoute On', 'LogLevel warn', ...lines]);
  const run = startBin('sipd', ['-X', '-f', sr.conf], 24 * 3600 * 1000);
  const id = `${process.pid}-${Date.now()}`;
  const probe = `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKcost${id}\r\nMax-Forwards: 70\r\nFrom: <sip:c@127.0.0.1>;tag=${id}\r\nTo: <sip:127.0.0.1:${port}>\r\nCall-ID: cost-${id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
  const until = Date.now() + 15_000;
  while (!(await udpExchange(port, probe, 300))) {
    if (Date.now() > until || run.child.exitCode !== null) throw new Error(`sipd (${name}) did not come up:\n${sr.readErrorLog()}`);
  }
  return { name, sr, run };
}

async function stopProxy(p: Proxy): Promise<void> {
  p.run.child.kill('SIGTERM');
  await Promise.race([p.run.done, sleep(10_000)]);
  for (const pid of processesMentioning(p.sr.conf)) process.kill(pid, 'SIGKILL');
  p.sr.remove();
}

/** sipd's accounting counters so far (records sent, spooled, unanswered), from its control socket. */
async function accountingFigures(p: Proxy): Promise<string> {
  try {
    const reply = await controlRequest(path.join(p.sr.root, 'logs', 'sipd.ctl'), { cmd: 'status' });
    const c = (reply as { counters?: Record<string, number> }).counters ?? {};
    return c['accounting.sent'] === undefined ? '' : `; records sent ${c['accounting.sent']}, spooled ${c['accounting.spooled']}, unanswered ${c['accounting.unanswered']}`;
  } catch {
    return '';
  }
}

/** R×N calls through `p` to the UAS; the calls completed, the time taken and sipd's CPU per call. */
async function round(p: Proxy, uasPort: number, rate: number, seconds: number): Promise<{ ok: number; failed: number; perSecond: number; cpuPerCall: number }> {
  const calls = Math.round(rate * seconds);
  const port = await freePort();
  // Let the last round's transactions end before measuring.
  await sleep(2000);
  const before = cpuMs(p.run.child.pid);
  const began = Date.now();
  const r = await start(SIPP!, [
    '-sf', sippScenario('uac-call'), `127.0.0.1:${uasPort}`, '-rsa', `127.0.0.1:${p.sr.port}`,
    '-key', 'ruri', `sip:uas@127.0.0.1:${uasPort}`, '-key', 'caller', 'bench', '-key', 'rr', 'yes',
    '-i', '127.0.0.1', '-p', String(port), '-t', 'u1', '-r', String(rate), '-m', String(calls),
    '-l', String(rate * 4), '-d', '0', '-timeout', `${seconds * 3 + 10}s`, '-nostdin',
  ], (seconds * 3 + 20) * 1000).done;
  const elapsed = (Date.now() - began) / 1000;
  const after = cpuMs(p.run.child.pid);
  const counts = sippCallCounts(r.stdout);
  const ok = counts?.successful ?? 0;
  return { ok, failed: counts?.failed ?? 0, perSecond: ok / elapsed, cpuPerCall: ok ? (after - before) / ok : NaN };
}

async function main(): Promise<void> {
  if (!SIPP) throw new Error('sipp is not installed: apt-get install sip-tester');
  const rate = arg('rate', 100);
  const seconds = arg('seconds', 10);
  const rounds = arg('rounds', 3);
  const radius = await startFreeRadius();
  const uasPort = await freePort();
  const uas = start(SIPP, ['-sf', sippScenario('uas-answer'), '-i', '127.0.0.1', '-p', String(uasPort), '-t', 'u1', '-nostdin'], 24 * 3600 * 1000);
  const proxies: Proxy[] = [];
  try {
    await sleep(500);
    proxies.push(await startProxy('Accounting Off', ['Accounting Off']));
    proxies.push(
      await startProxy('Accounting On', [
        'Accounting On',
        'AccountingClientSide On',
        `PrimaryRadiusAcctIp ${radius.host}`,
        `PrimaryRadiusAcctPort ${radius.acctPort}`,
        `PrimaryRadiusAcctSecret ${radius.secret}`,
      ]),
    );
    const results = new Map<string, { ok: number; failed: number; perSecond: number[]; cpu: number[] }>();
    for (let i = 0; i < rounds; i++) {
      for (const p of i % 2 ? [...proxies].reverse() : proxies) {
        const r = await round(p, uasPort, rate, seconds);
        const acc = results.get(p.name) ?? { ok: 0, failed: 0, perSecond: [], cpu: [] };
        acc.ok += r.ok;
        acc.failed += r.failed;
        acc.perSecond.push(r.perSecond);
        acc.cpu.push(r.cpuPerCall);
        results.set(p.name, acc);
        process.stderr.write(`  round ${i + 1} ${p.name}: ${r.ok} ok, ${r.failed} failed, ${r.perSecond.toFixed(0)} calls/s, sipd CPU ${r.cpuPerCall.toFixed(3)} ms/call${await accountingFigures(p)}\n`);
      }
    }
    await sleep(3000);
    const cpus = os.cpus();
    console.log(`\naccounting cost: ${rounds} round(s) of ${rate} calls/s × ${seconds} s per sipd; ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}; node ${process.version}`);
    console.log('sipd              calls ok  failed  calls/s (mean)  sipd CPU ms/call (per round)');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const [name, r] of results) {
      console.log(`${name.padEnd(17)} ${String(r.ok).padEnd(9)} ${String(r.failed).padEnd(7)} ${mean(r.perSecond).toFixed(0).padEnd(15)} ${mean(r.cpu).toFixed(3)} (${r.cpu.map((x) => x.toFixed(3)).join(', ')})`);
    }
    const on = results.get('Accounting On');
    console.log(`FreeRADIUS wrote ${radius.records().length} records for ${on?.ok ?? 0} calls with Accounting On (4 expected per call).`);
  } finally {
    for (const p of proxies) await stopProxy(p).catch(() => undefined);
    uas.child.kill('SIGTERM');
    await radius.remove();
  }
}

main().catch((e) => {
  console.error(`accounting-cost: ${(e as Error).message}`);
  process.exit(1);
});
