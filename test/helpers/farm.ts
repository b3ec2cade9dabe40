// A whole OpenSPS farm for end-to-end tests: a 3-node Galera cluster (galera.ts), the
// schema made as an administrator makes it (bin/install_mysql_db on member A's sipd.conf,
// which also creates sipd's account), and one sipd per node, each its own process
// (bin/sipd -X, so a test can kill -9 it) with its own ServerRoot and SIP port on
// 127.0.0.1, its database the node of the same index, and the farm directives naming the
// other members.
//
//   const farm = await startFarm();
//   try { ... farm.members[1].port ... await farm.members[0].kill(); await farm.members[0].start(); }
//   finally { await farm.close(); }
//
// Every wait is bounded; close() stops every sipd (SIGTERM, then SIGKILL) and the cluster,
// and a last-resort exit handler kills any sipd still running when the test process ends.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startGaleraCluster } from './galera.js';
import type { GaleraCluster } from './galera.js';
import { freePort } from './ports.js';
import { runBin, runTool, showRun, sleep, startBin, waitFor } from './run.js';
import type { Running } from './run.js';
import { makeServerRoot, processesMentioning } from './serverroot.js';
import type { ServerRoot } from './serverroot.js';
import { runUac } from './sip-peers.js';
import type { SippPeerResult } from './sip-peers.js';
import { sippScenarioCopy } from './sipp.js';
import { udpExchange } from './udp.js';

/** The domain every member serves (ProxyDomain) and the realm of its digest challenges. */
export const FARM_DOMAIN = 'farm.test';
/** sipd's MySQL account, created by install_mysql_db --create-user. */
export const FARM_DB_USER = 'sps';
export const FARM_DB_PASSWORD = 'spspw';

export interface FarmMember {
  /** 0 for A, 1 for B, 2 for C; also the index of its Galera node. */
  readonly index: number;
  /** "A", "B", "C". */
  readonly label: string;
  /** ServerName, the member's name on the shared rows and in the others' farm directives. */
  readonly name: string;
  readonly sr: ServerRoot;
  /** SIP port (UDP and TCP) on 127.0.0.1. */
  readonly port: number;
  readonly running: boolean;
  readonly pid: number | undefined;
  /** Start sipd -X and wait (bounded) until it answers OPTIONS: it has loaded the farm's tables. */
  start(): Promise<void>;
  /** kill -9, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after 15 s; waits for it to exit. */
  stop(): Promise<void>;
  /** `sip graceful` on its sipd.conf (after the test rewrote it with sr.writeConf). */
  graceful(): Promise<void>;
  /** What sipd -X printed, and the tail of its error_log, for assertion messages. */
  describe(): string;
}

export interface Farm {
  readonly cluster: GaleraCluster;
  readonly members: readonly FarmMember[];
  /** What install_mysql_db printed. */
  readonly installed: string;
  /** Stop every member and the cluster; safe to call twice. */
  close(): Promise<void>;
}

export interface FarmOptions {
  /** More sipd.conf lines for every member (after the farm's own). */
  readonly extraLines?: readonly string[];
  /** How long a sipd start may take until it answers OPTIONS. Default 60 s. */
  readonly startTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

const LABELS = ['A', 'B', 'C'];
const memberName = (i: number) => `sps${LABELS[i].toLowerCase()}.${FARM_DOMAIN}`;

let probeSeq = 0;
/** An OPTIONS to the proxy itself: answered 200 even with Authentication On. */
function optionsProbe(port: number): string {
  const id = `${process.pid}-${++probeSeq}`;
  return [
    `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKfarm${id}`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1>;tag=${id}`,
    `To: <sip:127.0.0.1:${port}>`,
    `Call-ID: farm-probe-${id}@127.0.0.1`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The sipd.conf lines of member i of a farm on this cluster. */
export function farmMemberLines(cluster: GaleraCluster, i: number, extra: readonly string[] = []): string[] {
  const others = [0, 1, 2].filter((k) => k !== i).map(memberName).join(' ');
  return [
    `ServerName ${memberName(i)}`,
    `ProxyDomain ${FARM_DOMAIN}`,
    `AuthRealm ${FARM_DOMAIN}`,
    'Cisco_Registry On',
    'Cisco_Routing On',
    'SipT1InMs 100',
    'DB_MySQL On',
    `DB_MySQL_HostName ${cluster.nodes[i].db.address}`,
    `DB_MySQL_Username ${FARM_DB_USER}`,
    `DB_MySQL_Password ${FARM_DB_PASSWORD}`,
    // A Galera commit on a loaded 2-core test machine can take seconds.
    'DB_MySQL_Connect_Timeout 10',
    `Cisco_Registry_Farm_Members "${others}"`,
    `Cisco_Routing_Farm_Members "${others}"`,
    ...extra,
  ];
}

function makeMember(i: number, sr: ServerRoot, startTimeoutMs: number): FarmMember {
  let proc: Running | undefined;
  let printed = '';
  const alive = () => !!proc && proc.child.exitCode === null && proc.child.signalCode === null;
  const waitExit = async (ms: number) => {
    if (!proc) return;
    await Promise.race([proc.done, sleep(ms)]);
  };
  const member: FarmMember = {
    index: i,
    label: LABELS[i],
    name: memberName(i),
    sr,
    port: sr.port,
    get running() {
      return alive();
    },
    get pid() {
      return alive() ? proc!.child.pid : undefined;
    },
    async start() {
      if (alive()) throw new Error(`sipd ${LABELS[i]} is already running`);
      // Bounded at one hour: no farm test runs that long.
      const p = startBin('sipd', ['-X', '-f', sr.conf], 3_600_000);
      proc = p;
      live.add(p.child);
      void p.done.then((r) => {
        live.delete(p.child);
        printed = `${r.stdout}${r.stderr}`;
      });
      try {
        await waitFor(
          `sipd ${LABELS[i]} (127.0.0.1:${sr.port}) to answer OPTIONS`,
          async () => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`sipd ${LABELS[i]} exited at start\n${member.describe()}`);
            return /^SIP\/2\.0 200 /.test((await udpExchange(sr.port, optionsProbe(sr.port), 500)) ?? '');
          },
          startTimeoutMs,
          200,
        );
      } catch (e) {
        p.child.kill('SIGKILL');
        await waitExit(10_000);
        throw new Error(`${(e as Error).message}\n${member.describe()}`);
      }
    },
    async kill() {
      if (!alive()) return;
      proc!.child.kill('SIGKILL');
      await waitExit(10_000);
    },
    async stop() {
      if (alive()) {
        proc!.child.kill('SIGTERM');
        await waitExit(15_000);
        if (alive()) proc!.child.kill('SIGKILL');
        await waitExit(10_000);
      }
      // Anything else still naming this sipd.conf (there should be nothing).
      for (const pid of processesMentioning(sr.conf)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    },
    async graceful() {
      const r = await runBin('sip', ['graceful', '-f', sr.conf], 60_000);
      if (r.code !== 0) throw new Error(`sip graceful on ${LABELS[i]} failed: ${showRun(r)}\n${member.describe()}`);
    },
    describe() {
      const log = sr.readErrorLog();
      return `--- sipd ${LABELS[i]} (${sr.root}) output ---\n${printed.slice(-3000)}\n--- error_log (tail) ---\n${log.slice(-4000)}`;
    },
  };
  return member;
}

/**
 * Start the cluster, install the schema through node 1, then members A, B and C, one at a
 * time (on 2 cores three loads at once only slow each other). On failure everything
 * started so far is stopped before the error is thrown.
 */
export async function startFarm(o: FarmOptions = {}): Promise<Farm> {
  const cluster = await startGaleraCluster(3);
  const members: FarmMember[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const m of members) await m.stop();
    await cluster.remove();
    for (const m of members) m.sr.remove();
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      members.push(makeMember(i, makeServerRoot(port, farmMemberLines(cluster, i, o.extraLines)), o.startTimeoutMs ?? 60_000));
    }
    // As an administrator does it: the schema script on a member's sipd.conf, as the database's root.
    const inst = await runTool('install_mysql_db', ['--conf', members[0].sr.conf, '--admin-user', 'root', '--create-user'], { env: { ...process.env, MYSQL_PWD: '' }, timeoutMs: 120_000 });
    if (inst.code !== 0) throw new Error(`install_mysql_db failed: ${showRun(inst)}`);
    // The account and tables were made through node 1; each member logs in on its own node.
    await cluster.caughtUp();
    for (const m of members) await m.start();
    return { cluster, members, installed: inst.stdout, close };
  } catch (e) {
    await close();
    throw e;
  }
}

// ---- driving the farm with sipp ----

/** One sipp run through `port`, one call (or REGISTER) per AOR user of `users`, from an injection file. */
async function perUser(scenario: string, replace: Readonly<Record<string, string>>, port: number, users: readonly string[], o: { rate?: number; keys?: Record<string, string | number>; timeoutS?: number }): Promise<SippPeerResult> {
  const copy = sippScenarioCopy(scenario, replace);
  const inf = path.join(path.dirname(copy.path), 'users.csv');
  writeFileSync(inf, ['SEQUENTIAL', ...users].join('\n') + '\n');
  try {
    return await runUac({
      scenario: copy.path,
      target: { port },
      calls: users.length,
      rate: o.rate ?? 5,
      timeoutS: o.timeoutS ?? 30 + Math.ceil(users.length / (o.rate ?? 5)) * 2,
      ...(o.keys && { keys: o.keys }),
      extraArgs: ['-inf', inf],
    });
  } finally {
    copy.remove();
  }
}

/** REGISTER user@FARM_DOMAIN → sip:user@<phone> for each user, through the member on `port`. */
export function registerUsers(port: number, users: readonly string[], phone: { readonly address: string }): Promise<SippPeerResult> {
  return perUser('register', { '[user]': '[field0]', '[contact]': `sip:[field0]@${phone.address}` }, port, users, { keys: { domain: FARM_DOMAIN, expires: 3600 } });
}

/** One call to each sip:user@FARM_DOMAIN through the member on `port` (sipp's counts say how many succeeded). */
export function callUsers(port: number, users: readonly string[]): Promise<SippPeerResult> {
  return perUser('uac-call', { '[ruri]': `sip:[field0]@${FARM_DOMAIN}` }, port, users, { keys: { rr: 'any' } });
}

/**
 * The AORs of the registry as the running member holds them in memory, read through its
 * control socket by the operator's tool (sysadmin_sps_regroute -l).
 */
export async function registryOf(m: FarmMember): Promise<Set<string>> {
  const r = await runTool('sysadmin_sps_regroute', ['-p', m.sr.conf, '-m', 'registry', '-l'], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`sysadmin_sps_regroute -l on ${m.label}: ${showRun(r)}`);
  return new Set(r.stdout.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('aor,')).map((l) => l.slice(0, l.indexOf(','))));
}

/** Wait (bounded) until member m holds every one of these AORs (user@FARM_DOMAIN). */
export async function waitForRegistrations(m: FarmMember, users: readonly string[], timeoutMs = 30_000): Promise<void> {
  let missing: string[] = [];
  await waitFor(
    `member ${m.label} to hold ${users.length} registrations`,
    async () => {
      const held = await registryOf(m);
      missing = users.filter((u) => !held.has(`${u}@${FARM_DOMAIN}`.toLowerCase()));
      return missing.length === 0;
    },
    timeoutMs,
    250,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: missing ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`);
  });
}
