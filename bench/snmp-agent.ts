// GET rate and GETBULK walk time of ciagent's HOST-RESOURCES-MIB and ifTable against
// Debian's snmpd (net-snmp), in the same run on the same machine. Not a test: figures go
// into notes. Run: `npm run build && node dist/bench/snmp-agent.js [seconds]`.
//
// GET/s: one SNMPv2c session from the net-snmp npm client keeps `inflight` GETs of
// hrSystemUptime.0 + hrMemorySize.0 outstanding for `seconds`. Walk: snmpbulkwalk -Cr25 of
// hrStorageTable, hrSWRunTable, hrProcessorLoad and ifTable, median of 21 (includes the
// tool's own start-up, the same for both agents), and the agent process's own CPU time per
// walk (utime+stime from /proc/PID/stat over the 21 walks: steadier than wall time on a
// machine that is busy with other work).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import snmp from 'net-snmp';
import { freePort } from '../test/helpers/ports.js';
import { run, sleep, start, waitFor } from '../test/helpers/run.js';
import { AgentCore } from '../src/agent/core.js';
import { hostModule } from '../src/agent/mibs/host-resources/index.js';
import { interfacesModule } from '../src/agent/mibs/interfaces/index.js';
import { sysApplModule } from '../src/agent/mibs/sysappl/index.js';
import { REPO } from '../test/helpers/paths.js';

const seconds = Number(process.argv[2] === '--serve' ? 0 : (process.argv[2] ?? 3));
const inflight = 16;
const COMMUNITY = 'benchpublic';

const WALKS: Record<string, string> = {
  hrStorageTable: '1.3.6.1.2.1.25.2.3',
  hrSWRunTable: '1.3.6.1.2.1.25.4.2',
  hrProcessorLoad: '1.3.6.1.2.1.25.3.3.1.2',
  ifTable: '1.3.6.1.2.1.2.2',
};

async function getRate(port: number): Promise<number> {
  // The project's net-snmp typings cover the agent side only; the client GET is all we need here.
  const session = snmp.createSession('127.0.0.1', COMMUNITY, { port, version: snmp.Version2c, timeout: 2000, retries: 0 }) as unknown as {
    get(oids: string[], cb: (err: unknown) => void): void;
    close(): void;
  };
  const oids = ['1.3.6.1.2.1.25.1.1.0', '1.3.6.1.2.1.25.2.2.0'];
  let done = 0;
  let failed = 0;
  const until = Date.now() + seconds * 1000;
  const t0 = process.hrtime.bigint();
  const worker = () =>
    new Promise<void>((resolve) => {
      const one = () => {
        if (Date.now() >= until) return resolve();
        session.get(oids, (err: unknown) => {
          if (err) failed++;
          else done++;
          one();
        });
      };
      one();
    });
  await Promise.all(Array.from({ length: inflight }, worker));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  session.close();
  if (failed) console.error(`  (${failed} GETs failed on port ${port})`);
  return done / elapsed;
}

/** CPU time (ms) a process has used, from /proc/PID/stat (utime + stime, in clock ticks). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

const WALKS_PER_MEASURE = 21;

async function walkMs(port: number, oid: string, pid: number): Promise<{ ms: number; lines: number; cpu: number }> {
  const times: number[] = [];
  let lines = 0;
  const cpu0 = cpuMs(pid);
  for (let i = 0; i < WALKS_PER_MEASURE; i++) {
    const t0 = process.hrtime.bigint();
    const r = await run('snmpbulkwalk', ['-v2c', '-c', COMMUNITY, '-On', '-Cr25', '-t', '5', '-r', '0', `127.0.0.1:${port}`, oid], 60_000);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.code !== 0) throw new Error(`snmpbulkwalk ${oid} on ${port} failed: ${r.stderr}`);
    lines = r.stdout.split('\n').filter((l) => l.startsWith('.')).length;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(WALKS_PER_MEASURE / 2)], lines, cpu: (cpuMs(pid) - cpu0) / WALKS_PER_MEASURE };
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'snmp-bench-'));
  const snmpdPort = await freePort();
  const conf = path.join(dir, 'snmpd.conf');
  writeFileSync(conf, `rocommunity ${COMMUNITY} 127.0.0.1\n`);
  // MIBS= : snmpd need not parse Debian's MIB files (it warns about each missing import).
  const snmpd = start('snmpd', ['-C', '-c', conf, '-f', '-Lo', '-p', path.join(dir, 'snmpd.pid'), `udp:127.0.0.1:${snmpdPort}`], 15 * 60_000, { env: { ...process.env, MIBS: '' } });
  writeFileSync(
    path.join(dir, 'snmpd.cnf'),
    [
      `snmpCommunityEntry t0000001 ${COMMUNITY} benchSec localSnmpID - - nonVolatile`,
      'vacmSecurityToGroupEntry snmpv2c benchSec benchGroup nonVolatile',
      'vacmAccessEntry benchGroup - snmpv2c noAuthNoPriv exact All - All nonVolatile',
      'vacmViewTreeFamilyEntry All internet - included nonVolatile',
      '',
    ].join('\n'),
  );
  // ciagent's core with the host modules runs in a child process (this file with --serve), so
  // that the load generator does not share its event loop with the agent it measures.
  const ourPort = await freePort();
  const agent = start(process.execPath, [fileURLToPath(import.meta.url), '--serve', dir, String(ourPort)], 15 * 60_000);
  const ours = {
    port: ourPort,
    stop: async () => {
      agent.child.kill('SIGTERM');
      await agent.done;
    },
  };
  try {
    for (const [who, p] of [['snmpd', snmpdPort], ['ciagent', ourPort]] as const) {
      await waitFor(`${who} to answer`, async () => (await run('snmpget', ['-v2c', '-c', COMMUNITY, '-t', '1', '-r', '0', `127.0.0.1:${p}`, '1.3.6.1.2.1.25.1.1.0'], 5000)).code === 0, 30_000, 200);
    }
    await sleep(1000);
    const rows: [string, string, string, string][] = [];
    const fmt = (n: number) => n.toFixed(0);
    const gOurs = await getRate(ours.port);
    const gSnmpd = await getRate(snmpdPort);
    rows.push([`GET/s (2 varbinds, ${inflight} in flight)`, fmt(gOurs), fmt(gSnmpd), (gOurs / gSnmpd).toFixed(2)]);
    for (const [name, oid] of Object.entries(WALKS)) {
      // Once each untimed first: JIT warm-up and the agents' first cache fill.
      await walkMs(ours.port, oid, agent.child.pid!);
      await walkMs(snmpdPort, oid, snmpd.child.pid!);
      const a = await walkMs(ours.port, oid, agent.child.pid!);
      const b = await walkMs(snmpdPort, oid, snmpd.child.pid!);
      rows.push([`walk ${name} ms (rows: ours ${a.lines}, snmpd ${b.lines})`, a.ms.toFixed(1), b.ms.toFixed(1), (a.ms / b.ms).toFixed(2)]);
      rows.push([`  agent CPU ms per walk`, a.cpu.toFixed(1), b.cpu.toFixed(1), b.cpu > 0 ? (a.cpu / b.cpu).toFixed(2) : '-']);
    }
    const head: [string, string, string, string] = ['measure', 'ciagent', 'snmpd', 'ratio'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(line(head));
    for (const r of rows) console.log(line(r));
  } finally {
    await ours.stop();
    snmpd.child.kill('SIGTERM');
    await snmpd.done;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** --serve DIR PORT: be the agent (ciagent's core with hostagt, interfaces, sappagt) until SIGTERM. */
async function serve(dir: string, port: number) {
  const core = await AgentCore.create({ rootDir: REPO, configDir: dir, dataDir: dir, address: '127.0.0.1', port });
  const failed = await core.startModules([hostModule, interfacesModule, sysApplModule]);
  if (failed.length) throw new Error(`modules failed: ${failed.join(', ')}`);
  process.on('SIGTERM', () => void core.stop().then(() => process.exit(0)));
}

(process.argv[2] === '--serve' ? serve(process.argv[3], Number(process.argv[4])) : main()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
