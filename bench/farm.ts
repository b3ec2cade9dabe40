// Farm benchmark: what sharing registrations through MariaDB Galera costs, and how soon a
// registration made on one member can be used for routing by another.
//
//   npm run build --silent && flock /tmp/opensps-heavy.lock node dist/bench/farm.js \
//     [--seconds N] [--registrations N] [--only PART[,PART…]]
//
// PART is single, galera1, galera3 or propagation (default: all four, about 10 minutes).
//
// Throughput, for three set-ups on this one machine:
//   single   one sipd, embedded stores, no database (the default box);
//   galera1  member A of test/helpers/farm.ts alone (B and C stopped): its registry and
//            routes on the farm store of a 3-node Galera cluster;
//   galera3  members A, B and C, one per Galera node, the load spread evenly over them.
// For each: REGISTER/s (bench/sipp/register-users.xml, a different 10,000 users per member)
// and calls/s (INVITE…BYE through the member to a callee registered beforehand, so every
// call is a registry lookup, answered by a sipp UAS). sipp's rate is stepped (doubling,
// then bisecting to within 10%); the figure is the highest total rate at which a trial of
// --seconds had no failed call and was paced at ≥ 90% of the rate asked. CPU time per
// REGISTER and per call is read from /proc for the sipd processes (summed over members)
// and, separately, for the mariadbd processes. Every process shares the same 2 cores, so
// galera3 against single is the farm's overhead, not a speed-up. CPU per operation falls
// as the rate rises, so each set-up is also measured idle and at one fixed rate (FIXED_RATE).
//
// Propagation (on the galera3 set-up): --registrations times, a REGISTER for a new AOR
// goes to member A (taking turns: A→B, B→C, C→A) with a Contact that is a UDP socket of
// this bench; from A's 200 on, OPTIONS for that AOR are sent to member B one after
// another (each as soon as the last was answered). The delay is the time from A's 200 to
// the moment B's first forwarded OPTIONS reaches the contact: B found the binding in its
// registry and routed on it, which is what "usable for routing on B" means.
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FARM_DOMAIN, startFarm } from '../test/helpers/farm.js';
import type { Farm, FarmMember } from '../test/helpers/farm.js';
import { freePort } from '../test/helpers/ports.js';
import { REPO } from '../test/helpers/paths.js';
import { sleep, start, startBin } from '../test/helpers/run.js';
import { makeServerRoot, processesMentioning } from '../test/helpers/serverroot.js';
import { sippCallCounts, sippScenario, sippScenarioCopy } from '../test/helpers/sipp.js';
import { findOnPath } from '../test/helpers/tools.js';
import { udpExchange } from '../test/helpers/udp.js';

const DOMAIN = FARM_DOMAIN;
/**
 * Every sipd gets these (after the farm's own lines): record-routing as in sipp-load.ts,
 * and the default T1 back (the farm helper shortens it for its tests), so that the single
 * box and the members retransmit alike under load.
 */
const BENCH_LINES = ['AddRecordRoute On', 'LogLevel warn', 'SipT1InMs 500'];
/** Callees registered before the call trials (each call goes to one of them). */
const CALLEES = 1000;
const SIPP = findOnPath('sipp');

const PARTS = ['single', 'galera1', 'galera3', 'propagation'] as const;
type Part = (typeof PARTS)[number];

interface Options {
  seconds: number;
  registrations: number;
  parts: Set<Part>;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { seconds: 3, registrations: 500, parts: new Set(PARTS) };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[++i];
    if (argv[i - 1] === '--only') {
      const parts = (v ?? '').split(',');
      const bad = parts.find((x) => !(PARTS as readonly string[]).includes(x));
      if (bad !== undefined) throw new Error(`--only takes ${PARTS.join(', ')} (comma-separated), got "${bad}"`);
      o.parts = new Set(parts as Part[]);
      continue;
    }
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${argv[i - 1]} needs a positive number, got "${v ?? ''}"`);
    if (argv[i - 1] === '--seconds') o.seconds = n;
    else if (argv[i - 1] === '--registrations') o.registrations = Math.round(n);
    else throw new Error(`unknown argument "${argv[i - 1]}" (see the comment at the top of bench/farm.ts)`);
  }
  return o;
}

// ---- processes and their CPU time ----

/** User + system CPU time of these processes so far, in ms (/proc, 10 ms ticks); gone ones count 0. */
function cpuMs(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      /* gone */
    }
  }
  return sum;
}

/** What the bench needs of a sipd: the embedded box below, or a farm member (test/helpers/farm.ts). */
interface Member {
  readonly name: string;
  readonly port: number;
  readonly pid: number | undefined;
}

/** The single box: one sipd -X with embedded stores, serving farm.test like the members. */
async function startSingle(): Promise<{ member: Member; stop(): Promise<void> }> {
  const port = await freePort();
  const sr = makeServerRoot(port, [`ProxyDomain ${DOMAIN}`, 'ServerName single.farm.test', ...BENCH_LINES]);
  const run = startBin('sipd', ['-X', '-f', sr.conf], 24 * 3600 * 1000);
  const stop = async () => {
    run.child.kill('SIGTERM');
    await Promise.race([run.done, sleep(10_000)]);
    for (const pid of processesMentioning(sr.conf)) process.kill(pid, 'SIGKILL');
    sr.remove();
  };
  const id = `${process.pid}-${Date.now()}`;
  const probe = `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKfarm${id}\r\nMax-Forwards: 70\r\nFrom: <sip:b@127.0.0.1>;tag=${id}\r\nTo: <sip:127.0.0.1:${port}>\r\nCall-ID: farm-${id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
  const until = Date.now() + 15_000;
  while (!(await udpExchange(port, probe, 300))) {
    if (Date.now() > until || run.child.exitCode !== null) {
      await stop();
      throw new Error(`sipd did not come up:\n${sr.readErrorLog()}`);
    }
  }
  return { member: { name: 'single', port, get pid() { return run.child.pid; } }, stop };
}

// ---- a small SIP client on one UDP socket: REGISTER and OPTIONS, matched by Call-ID ----

class SipClient {
  private readonly pending = new Map<string, (status: number) => void>();
  private n = 0;

  private constructor(private readonly sock: dgram.Socket, readonly port: number) {
    sock.on('message', (m) => {
      const text = m.toString();
      const status = /^SIP\/2\.0 (\d{3})/.exec(text);
      const callId = /^(?:Call-ID|i)\s*:\s*(\S+)/im.exec(text);
      if (!status || !callId || Number(status[1]) < 200) return;
      this.pending.get(callId[1])?.(Number(status[1]));
    });
  }

  static async open(): Promise<SipClient> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    return new SipClient(sock, sock.address().port);
  }

  /** Send a request (retransmitted every 500 ms); its final status, or 0 after waitMs. */
  private request(to: number, build: (callId: string, branch: string) => string, waitMs: number): Promise<number> {
    const id = `${process.pid}.${++this.n}`;
    const callId = `farm-${id}@127.0.0.1`;
    const text = build(callId, `z9hG4bKfarm${id}`);
    return new Promise((resolve) => {
      const send = () => this.sock.send(text, to, '127.0.0.1');
      const retrans = setInterval(send, 500);
      const timer = setTimeout(() => finish(0), waitMs);
      const finish = (status: number) => {
        clearInterval(retrans);
        clearTimeout(timer);
        this.pending.delete(callId);
        resolve(status);
      };
      this.pending.set(callId, finish);
      send();
    });
  }

  register(to: number, user: string, contact: string, waitMs = 10_000): Promise<number> {
    return this.request(to, (callId, branch) =>
      `REGISTER sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch}\r\nMax-Forwards: 70\r\n` +
      `From: <sip:${user}@${DOMAIN}>;tag=r${callId.length}\r\nTo: <sip:${user}@${DOMAIN}>\r\nCall-ID: ${callId}\r\nCSeq: 1 REGISTER\r\n` +
      `Contact: <${contact}>\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n`, waitMs);
  }

  options(to: number, user: string, waitMs = 5000): Promise<number> {
    return this.request(to, (callId, branch) =>
      `OPTIONS sip:${user}@${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch}\r\nMax-Forwards: 70\r\n` +
      `From: <sip:probe@${DOMAIN}>;tag=p1\r\nTo: <sip:${user}@${DOMAIN}>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`, waitMs);
  }

  close(): void {
    this.sock.close();
  }
}

/** A registered contact that answers 200 to whatever reaches it and notes when each user's first request came. */
class Contact {
  readonly firstSeen = new Map<string, number>();

  private constructor(private readonly sock: dgram.Socket, readonly port: number) {
    sock.on('message', (m, from) => {
      const text = m.toString();
      const line = /^([A-Z]+) sip:([^@\s]+)@/.exec(text);
      if (!line || line[1] === 'ACK') return;
      if (!this.firstSeen.has(line[2])) this.firstSeen.set(line[2], performance.now());
      const keep = text.split('\r\n').filter((h) => /^(Via|v|From|f|To|t|Call-ID|i|CSeq)\s*:/i.test(h));
      sock.send(`SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, from.port, from.address);
    });
  }

  static async open(): Promise<Contact> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    return new Contact(sock, sock.address().port);
  }

  close(): void {
    this.sock.close();
  }
}

// ---- sipp trials over one or more members ----

type Kind = 'register' | 'calls';

interface SetUp {
  readonly label: string;
  readonly members: readonly Member[];
  /** mariadbd processes whose CPU time is shown beside sipd's (none for the embedded box). */
  readonly dbPids: readonly number[];
}

interface Trial {
  readonly kind: Kind;
  readonly rate: number;
  readonly ok: boolean;
  readonly why: string;
  readonly successful: number;
  /** CPU time per successful REGISTER or call, ms: sipd (all members) and mariadbd (all nodes). */
  readonly sipdMs: number;
  readonly dbMs: number;
}

/** Files sipp reads: a user list per member for REGISTERs, the callees, the call scenario. */
interface Inputs {
  readonly dir: string;
  readonly usersOf: (member: number) => string;
  readonly callees: string;
  readonly callScenario: string;
  readonly uasPort: number;
}

function sippArgs(kind: Kind, inputs: Inputs, member: Member, index: number): string[] {
  if (kind === 'register') {
    return ['-sf', path.join(REPO, 'bench', 'sipp', 'register-users.xml'), `127.0.0.1:${member.port}`, '-inf', inputs.usersOf(index), '-key', 'domain', DOMAIN, '-key', 'expires', '3600'];
  }
  // The callee (field0 of the injection file) is looked up in the member's registry; its
  // binding points at the sipp UAS. Every message goes to the member (-rsa).
  return ['-sf', inputs.callScenario, `127.0.0.1:${inputs.uasPort}`, '-rsa', `127.0.0.1:${member.port}`, '-inf', inputs.callees, '-key', 'caller', 'bench', '-key', 'rr', 'yes'];
}

const pidsOf = (s: SetUp) => s.members.flatMap((m) => (m.pid === undefined ? [] : [m.pid]));

async function trial(kind: Kind, s: SetUp, inputs: Inputs, rate: number, seconds: number): Promise<Trial> {
  // Whole calls per second per member: the total is rounded to a multiple of the members.
  const each = Math.max(1, Math.round(rate / s.members.length));
  rate = each * s.members.length;
  const calls = Math.max(1, Math.round(each * seconds));
  const sipdBefore = cpuMs(pidsOf(s));
  const dbBefore = cpuMs(s.dbPids);
  const began = Date.now();
  const runs = await Promise.all(
    s.members.map(async (m, i) => {
      const port = await freePort();
      return start(SIPP!, [
        ...sippArgs(kind, inputs, m, i),
        '-i', '127.0.0.1', '-p', String(port), '-t', 'u1',
        '-r', String(each),
        '-m', String(calls),
        '-l', String(Math.max(100, Math.ceil(each * 4))), // bound the calls in flight when the member slows down
        '-d', '0', '-timeout', `${Math.ceil(seconds * 3 + 10)}s`, '-nostdin',
      ], (seconds * 3 + 20) * 1000).done;
    }),
  );
  const elapsed = (Date.now() - began) / 1000;
  const sipdUsed = cpuMs(pidsOf(s)) - sipdBefore;
  const dbUsed = cpuMs(s.dbPids) - dbBefore;
  let successful = 0;
  const whys: string[] = [];
  runs.forEach((r, i) => {
    const c = sippCallCounts(r.stdout);
    successful += c?.successful ?? 0;
    const who = s.members.length > 1 ? `member ${i + 1}: ` : '';
    if (r.timedOut) whys.push(`${who}sipp had not finished after ${seconds * 3 + 20} s`);
    else if (!c) whys.push(`${who}no statistics from sipp (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
    else if (c.failed) whys.push(`${who}${c.failed} failed`);
    else if (c.successful < calls) whys.push(`${who}only ${c.successful} of ${calls} completed`);
  });
  // sipp -r paces the starts; the last ones still need a moment to finish.
  const achieved = successful / Math.max(elapsed - 0.5, seconds * 0.5);
  if (!whys.length && achieved < rate * 0.9) whys.push(`paced at ${achieved.toFixed(0)}/s`);
  const per = (ms: number) => (successful ? ms / successful : NaN);
  return { kind, rate, ok: !whys.length, why: whys.join('; '), successful, sipdMs: per(sipdUsed), dbMs: per(dbUsed) };
}

/**
 * Wait until the members and the database idle (under 10% of a core for a second, at
 * most 30 s): an overloaded trial leaves retransmissions, timers and replication behind,
 * which the next trial would otherwise pay for.
 */
async function settle(s: SetUp): Promise<void> {
  await sleep(1000);
  const pids = [...pidsOf(s), ...s.dbPids];
  const until = Date.now() + 30_000;
  for (let last = cpuMs(pids); Date.now() < until; ) {
    await sleep(1000);
    const now = cpuMs(pids);
    if (now - last < 100) return;
    last = now;
  }
}

const cpuText = (t: Trial) => `sipd ${t.sipdMs.toFixed(3)} ms${Number.isFinite(t.dbMs) && t.dbMs > 0 ? `, mariadbd ${t.dbMs.toFixed(3)} ms` : ''}`;

interface RampResult {
  readonly kind: Kind;
  readonly max: number;
  /** The trial at the maximum rate (its CPU figures). */
  readonly best?: Trial;
  readonly limit: string;
}

/**
 * Halve from `from` until a trial passes (at most 3 times), or double until one fails (or
 * `ceiling` passes); then bisect to within 10%.
 */
async function ramp(kind: Kind, s: SetUp, inputs: Inputs, from: number, ceiling: number, seconds: number): Promise<RampResult> {
  let best: Trial | undefined;
  let failed: Trial | undefined;
  const run = async (rate: number) => {
    const t = await trial(kind, s, inputs, Math.round(rate), seconds);
    process.stderr.write(`  ${s.label} ${kind} ${t.rate}/s: ${t.ok ? 'ok' : t.why} (${cpuText(t)} each)\n`);
    await settle(s);
    if (t.ok) best = t;
    else failed = t;
    return t.ok;
  };
  if (!(await run(from))) for (let i = 0, rate = from / 2; i < 3 && !(await run(rate)); i++) rate /= 2;
  if (best && !failed) for (let rate = from * 2; rate <= ceiling; rate *= 2) if (!(await run(rate))) break;
  while (best && failed && failed.rate - best.rate > Math.max(2, best.rate * 0.1)) await run((best.rate + failed.rate) / 2);
  const limit = !best ? `fails down to ${from / 8}/s: ${failed?.why}` : failed ? `${failed.rate}/s: ${failed.why}` : `no failure up to ${ceiling}/s`;
  return { kind, max: best?.rate ?? 0, ...(best && { best }), limit };
}

// ---- callees and propagation ----

/** Register callee0…callee{n-1} through `to` with the sipp UAS as their contact, 20 at a time. */
async function registerCallees(client: SipClient, to: number, uasPort: number, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const status = await client.register(to, `callee${i}`, `sip:callee${i}@127.0.0.1:${uasPort}`);
      if (status !== 200) throw new Error(`REGISTER of callee${i} through port ${to} got ${status || 'no answer'}`);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
}

/** Wait (at most 30 s) until every member routes a call to the last callee: all are then in its registry. */
async function calleesEverywhere(client: SipClient, members: readonly Member[], contact: Contact, n: number): Promise<void> {
  // A probe registration after the callees: once a member routes it, it has followed the log past them.
  const user = `callees-done-${Date.now()}`;
  if ((await client.register(members[0].port, user, `sip:${user}@127.0.0.1:${contact.port}`)) !== 200) throw new Error('the marker registration failed');
  for (const m of members) {
    const until = Date.now() + 30_000;
    while ((await client.options(m.port, user)) !== 200) {
      if (Date.now() > until) throw new Error(`${m.name} did not route the ${n} callees within 30 s`);
      await sleep(20);
    }
  }
}

interface Propagation {
  readonly delays: number[];
  readonly lost: number;
  /** Mean time an OPTIONS probe took to be answered: the resolution of each delay. */
  readonly probeMs: number;
  readonly registerMs: number[];
}

async function propagation(members: readonly Member[], n: number): Promise<Propagation> {
  const client = await SipClient.open();
  const contact = await Contact.open();
  const delays: number[] = [];
  const registerMs: number[] = [];
  let lost = 0;
  let probes = 0;
  let probeTime = 0;
  try {
    const tag = Date.now().toString(36);
    for (let i = 0; i < n; i++) {
      const a = members[i % members.length];
      const b = members[(i + 1) % members.length];
      const user = `prop${tag}x${i}`;
      const sent = performance.now();
      const status = await client.register(a.port, user, `sip:${user}@127.0.0.1:${contact.port}`);
      const registered = performance.now();
      if (status !== 200) throw new Error(`REGISTER ${user} on ${a.name} got ${status || 'no answer'}`);
      registerMs.push(registered - sent);
      const until = registered + 10_000;
      while (!contact.firstSeen.has(user) && performance.now() < until) {
        const p0 = performance.now();
        await client.options(b.port, user, 2000);
        probeTime += performance.now() - p0;
        probes++;
      }
      const seen = contact.firstSeen.get(user);
      if (seen === undefined) lost++;
      else delays.push(seen - registered);
    }
  } finally {
    client.close();
    contact.close();
  }
  return { delays, lost, probeMs: probes ? probeTime / probes : NaN, registerMs };
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

const ms = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1));

// ---- the run ----

interface Row {
  readonly label: string;
  readonly results: RampResult[];
  /** One trial per kind at FIXED_RATE: CPU per operation compared at the same load. */
  readonly fixed: Trial[];
  /** CPU time used per second with no load (log followers, timers), ms: sipd and mariadbd. */
  readonly idle: { sipd: number; db: number };
}

const IDLE_SECONDS = 5;

async function idleCpu(s: SetUp): Promise<{ sipd: number; db: number }> {
  await settle(s);
  const sipd0 = cpuMs(pidsOf(s));
  const db0 = cpuMs(s.dbPids);
  await sleep(IDLE_SECONDS * 1000);
  return { sipd: (cpuMs(pidsOf(s)) - sipd0) / IDLE_SECONDS, db: (cpuMs(s.dbPids) - db0) / IDLE_SECONDS };
}

/**
 * Total rates every set-up is also measured at. CPU per operation falls as the rate
 * rises (timers and the log followers' polling are paid per second, not per call), so
 * set-ups are compared at one rate; these are below every set-up's maximum.
 */
const FIXED_RATE: Record<Kind, number> = { register: 150, calls: 90 };

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!SIPP) throw new Error('sipp is not installed: apt-get install sip-tester');
  const began = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'farm-bench-'));
  const usersOf = (m: number) => path.join(dir, `users${m}.csv`);
  for (let m = 0; m < 3; m++) {
    writeFileSync(usersOf(m), 'SEQUENTIAL\n' + Array.from({ length: 10_000 }, (_, i) => `m${m}u${i}`).join('\n') + '\n');
  }
  const callees = path.join(dir, 'callees.csv');
  writeFileSync(callees, 'RANDOM\n' + Array.from({ length: CALLEES }, (_, i) => `callee${i}`).join('\n') + '\n');
  // uac-call.xml with the callee from the injection file in the Request-URI and To.
  const scenario = sippScenarioCopy('uac-call', { '[ruri]': `sip:[field0]@${DOMAIN}` });
  const uasPort = await freePort();
  const uas = start(SIPP, ['-sf', sippScenario('uas-answer'), '-i', '127.0.0.1', '-p', String(uasPort), '-t', 'u1', '-nostdin'], 24 * 3600 * 1000);
  const inputs: Inputs = { dir, usersOf, callees, callScenario: scenario.path, uasPort };
  let single: Awaited<ReturnType<typeof startSingle>> | undefined;
  let farm: Farm | undefined;
  const rows: Row[] = [];
  let prop: Propagation | undefined;
  const client = await SipClient.open();
  const contact = await Contact.open();

  const measure = async (label: string, set: readonly Member[], dbPids: number[]) => {
    const s: SetUp = { label, members: set, dbPids };
    await registerCallees(client, set[0].port, uasPort, CALLEES);
    await calleesEverywhere(client, set, contact, CALLEES);
    // One unreported trial of each kind first: a fresh sipd's first seconds of load include
    // compiling its hot paths, which would count against whichever trial came first.
    for (const kind of ['register', 'calls'] as const) await trial(kind, s, inputs, FIXED_RATE[kind], o.seconds);
    const idle = await idleCpu(s);
    process.stderr.write(`  ${label} idle: sipd ${idle.sipd.toFixed(0)} ms/s, mariadbd ${idle.db.toFixed(0)} ms/s\n`);
    const fixed: Trial[] = [];
    for (const kind of ['register', 'calls'] as const) {
      const t = await trial(kind, s, inputs, FIXED_RATE[kind], o.seconds);
      process.stderr.write(`  ${label} ${kind} at ${t.rate}/s (fixed): ${t.ok ? 'ok' : t.why} (${cpuText(t)} each)\n`);
      fixed.push(t);
      await settle(s);
    }
    const results: RampResult[] = [];
    results.push(await ramp('register', s, inputs, 150 * set.length, 12_000, o.seconds));
    results.push(await ramp('calls', s, inputs, 60 * set.length, 6_000, o.seconds));
    rows.push({ label, results, fixed, idle });
  };

  try {
    await sleep(500);
    if (uas.child.exitCode !== null) throw new Error(`the sipp UAS did not start: ${(await uas.done).stderr}`);
    if (o.parts.has('single')) {
      single = await startSingle();
      await measure('single (embedded, no database)', [single.member], []);
      await single.stop();
      single = undefined;
    }
    if ([...o.parts].some((p) => p !== 'single')) {
      process.stderr.write('starting the farm: a 3-node Galera cluster and three members\n');
      farm = await startFarm({ extraLines: BENCH_LINES });
      const members: readonly FarmMember[] = farm.members;
      const dbPids = farm.cluster.nodes.flatMap((n) => processesMentioning(n.db.dir));
      if (o.parts.has('galera1')) {
        // Member A alone (B and C stopped): the farm store's cost without the others' load.
        await members[1].stop();
        await members[2].stop();
        await measure('galera1 (1 member, 3 Galera nodes)', [members[0]], dbPids);
        await members[1].start();
        await members[2].start();
      }
      if (o.parts.has('galera3')) await measure('galera3 (3 members, load spread)', members, dbPids);
      if (o.parts.has('propagation')) {
        process.stderr.write(`propagation: ${o.registrations} registrations\n`);
        prop = await propagation(members, o.registrations);
      }
    }
  } finally {
    await single?.stop();
    await farm?.close();
    uas.child.kill('SIGTERM');
    client.close();
    contact.close();
    scenario.remove();
    rmSync(dir, { recursive: true, force: true });
  }

  const cpus = os.cpus();
  console.log(`\nfarm bench: ${o.seconds} s trials, UDP; ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}; node ${process.version}; ${((Date.now() - began) / 60_000).toFixed(1)} min`);
  if (rows.length) {
    const base = rows.find((r) => r.label.startsWith('single')) ?? { results: [], fixed: [] };
    console.log('set-up                               kind      max rate (0 failed)  vs single  CPU per REGISTER/call at that rate   next step');
    for (const r of rows) {
      for (const x of r.results) {
        const b = base.results.find((y) => y.kind === x.kind);
        const ratio = b && b.max ? `${(x.max / b.max).toFixed(2)}` : '-';
        const cpu = x.best ? cpuText(x.best) : '-';
        console.log(`${r.label.padEnd(36)} ${x.kind.padEnd(9)} ${`${x.max}/s`.padEnd(20)} ${ratio.padEnd(10)} ${cpu.padEnd(36)} ${x.limit}`);
      }
    }
    console.log(`\nCPU per operation at one rate (REGISTER ${FIXED_RATE.register}/s, calls ${FIXED_RATE.calls}/s in total), sipd (all members) + mariadbd (all nodes):`);
    console.log('set-up                               kind      sipd ms   mariadbd ms  total ms  total vs single  trial');
    for (const r of rows) {
      for (const t of r.fixed) {
        const total = t.sipdMs + (Number.isFinite(t.dbMs) ? t.dbMs : 0);
        const b = base.fixed.find((y) => y.kind === t.kind);
        const bTotal = b ? b.sipdMs + (Number.isFinite(b.dbMs) ? b.dbMs : 0) : NaN;
        const vs = Number.isFinite(bTotal) ? (total / bTotal).toFixed(2) : '-';
        console.log(`${r.label.padEnd(36)} ${t.kind.padEnd(9)} ${t.sipdMs.toFixed(3).padEnd(9)} ${(t.dbMs || 0).toFixed(3).padEnd(12)} ${total.toFixed(3).padEnd(9)} ${vs.padEnd(16)} ${t.ok ? 'ok' : t.why}`);
      }
    }
  }
  if (rows.length) {
    console.log(`\nCPU with no load (ms per second, over ${IDLE_SECONDS} s):`);
    for (const r of rows) console.log(`${r.label.padEnd(36)} sipd ${r.idle.sipd.toFixed(0)} ms/s, mariadbd ${r.idle.db.toFixed(0)} ms/s`);
  }
  if (prop) {
    const d = prop.delays;
    console.log(
      `propagation A → B (REGISTER's 200 from A until B routes an OPTIONS to the contact), ${d.length} registrations` +
        `${prop.lost ? `, ${prop.lost} not routable on B within 10 s` : ''}: p50 ${ms(percentile(d, 50))} ms, p99 ${ms(percentile(d, 99))} ms, max ${ms(Math.max(...d))} ms, ` +
        `mean ${ms(d.reduce((a, b) => a + b, 0) / (d.length || 1))} ms; probe resolution ${ms(prop.probeMs)} ms; REGISTER on A p50 ${ms(percentile(prop.registerMs, 50))} ms, p99 ${ms(percentile(prop.registerMs, 99))} ms`,
    );
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(`farm bench: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
