// The guide's "Checking System Status and Components" (chapter 4) against ciagent's core with
// the hostagt, interfaces and sappagt modules, queried with net-snmp's own snmpget and
// snmpbulkwalk over SNMPv2c on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentCore } from '../../src/agent/core.js';
import { hostModule } from '../../src/agent/mibs/host-resources/index.js';
import { interfacesModule } from '../../src/agent/mibs/interfaces/index.js';
import { sysApplModule } from '../../src/agent/mibs/sysappl/index.js';
import { decodeDateAndTime } from '../../src/agent/hostdata/date-and-time.js';
import { freePort, REPO, requireTool, run } from '../helpers/index.js';

const COMMUNITY = 'cspsAdmin';
let core: AgentCore | undefined;
let dir = '';
let port = 0;
const logs: string[] = [];

const SNMPD_CNF = `snmpCommunityEntry t0000001 ${COMMUNITY} proxySec localSnmpID - - nonVolatile
vacmSecurityToGroupEntry snmpv2c proxySec proxyGroup nonVolatile
vacmAccessEntry proxyGroup - snmpv2c noAuthNoPriv exact All - All nonVolatile
vacmViewTreeFamilyEntry All internet - included nonVolatile
`;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'agent-host-'));
  writeFileSync(path.join(dir, 'snmpd.cnf'), SNMPD_CNF);
  port = await freePort();
  core = await AgentCore.create({ rootDir: REPO, configDir: dir, dataDir: dir, address: '127.0.0.1', port, log: (l, m) => void logs.push(`${l}: ${m}`) });
  const failed = await core.startModules([hostModule, interfacesModule, sysApplModule]);
  assert.deepEqual(failed, [], logs.join('\n'));
});

after(async () => {
  await core?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `snmpX -v2c -c cspsAdmin -On -OQ 127.0.0.1:port OIDs` → [oid, value] pairs (MIB files not needed: numeric output). */
async function snmp(tool: 'snmpget' | 'snmpbulkwalk', ...args: string[]): Promise<Array<[string, string]>> {
  requireTool(tool, 'snmp');
  const r = await run(tool, ['-v2c', '-c', COMMUNITY, '-On', '-OQ', '-Oe', '-Ot', '-t', '3', '-r', '1', ...(tool === 'snmpbulkwalk' ? ['-Cr20'] : []), `127.0.0.1:${port}`, ...args], 60_000);
  assert.equal(r.code, 0, `${tool} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('.'))
    .map((l) => {
      const eq = l.indexOf(' = ');
      return [l.slice(1, eq), l.slice(eq + 3).replace(/^"|"$/g, '')];
    });
}

const H = '1.3.6.1.2.1.25';

test('4-15 memory size: hrMemorySize is the physical memory in KBytes, as /proc/meminfo says', async () => {
  const [[oid, value]] = await snmp('snmpget', `${H}.2.2.0`);
  assert.equal(oid, `${H}.2.2.0`);
  const memTotal = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
  assert.equal(Number(value), memTotal);
});

test('4-15 disk space: hrStorageEntry lists memory and the root filesystem as a fixed disk', async () => {
  const rows = await snmp('snmpbulkwalk', `${H}.2.3.1`);
  const cell = (col: number, index: number) => rows.find(([o]) => o === `${H}.2.3.1.${col}.${index}`)?.[1];
  assert.equal(cell(3, 1), 'Physical memory');
  assert.equal(cell(2, 1), `.${H}.2.1.2`, 'hrStorageRam');
  const disks = rows.filter(([o, v]) => o.startsWith(`${H}.2.3.1.2.`) && v === `.${H}.2.1.4`).map(([o]) => Number(o.split('.').pop()));
  assert.ok(disks.length >= 1, 'at least one hrStorageFixedDisk row');
  const descrs = disks.map((i) => cell(3, i));
  assert.ok(descrs.includes('/'), `the root filesystem is listed (got ${descrs.join(', ')})`);
  const root = disks[descrs.indexOf('/')];
  assert.ok(Number(cell(5, root)) > 0 && Number(cell(6, root)) <= Number(cell(5, root)), 'used ≤ size');
  assert.ok(!rows.some(([o, v]) => o.startsWith(`${H}.2.3.1.3.`) && (v === '/proc' || v.startsWith('/sys'))), 'no pseudo filesystems');
});

test('hrProcessorLoad: one value per CPU, numbered from 1 as the guide reads hrProcessorLoad.1, 0..100', async () => {
  const rows = await snmp('snmpbulkwalk', `${H}.3.3.1.2`);
  assert.equal(rows.length, os.cpus().length);
  rows.forEach(([oid, v], i) => {
    assert.equal(oid, `${H}.3.3.1.2.${1 + i}`);
    assert.ok(Number(v) >= 0 && Number(v) <= 100, `load ${v}`);
  });
  const [[, descr]] = await snmp('snmpget', `${H}.3.2.1.2.1`);
  assert.equal(descr, `.${H}.3.1.3`, 'hrDeviceProcessor');
});

test('4-15 link status: ifTable has one row per kernel interface, lo as softwareLoopback and up', async () => {
  const rows = await snmp('snmpbulkwalk', '1.3.6.1.2.1.2.2');
  const descr = rows.filter(([o]) => o.startsWith('1.3.6.1.2.1.2.2.1.2.'));
  const lo = descr.find(([, v]) => v === 'lo');
  assert.ok(lo, `ifDescr includes lo (got ${descr.map(([, v]) => v).join(', ')})`);
  const idx = lo[0].split('.').pop()!;
  assert.equal(idx, readFileSync('/sys/class/net/lo/ifindex', 'utf8').trim(), 'ifIndex is the kernel ifindex');
  const cell = (col: number) => rows.find(([o]) => o === `1.3.6.1.2.1.2.2.1.${col}.${idx}`)?.[1];
  assert.equal(cell(3), '24', 'ifType softwareLoopback(24)');
  assert.equal(cell(8), '1', 'ifOperStatus up(1)');
  assert.equal(cell(4), readFileSync('/sys/class/net/lo/mtu', 'utf8').trim(), 'ifMtu');
  assert.ok(rows.some(([o]) => o === `1.3.6.1.2.1.2.2.1.10.${idx}`), 'ifInOctets');
  assert.equal(rows.filter(([o]) => o.startsWith('1.3.6.1.2.1.2.2.1.')).length, descr.length * 22, 'all 22 columns for every row');
  const [[, ifNumber]] = await snmp('snmpget', '1.3.6.1.2.1.2.1.0');
  assert.equal(Number(ifNumber), descr.length);
});

test('4-16 system components: sysApplInstallPkgTable names OpenSPS, its version and location', async () => {
  const rows = await snmp('snmpbulkwalk', '1.3.6.1.2.1.54.1.1.1');
  const cell = (col: number) => rows.find(([o]) => o === `1.3.6.1.2.1.54.1.1.1.1.${col}.1`)?.[1];
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
  assert.equal(cell(3), 'OpenSPS');
  assert.equal(cell(4), pkg.version);
  assert.equal(cell(7), REPO);
  assert.ok(cell(6), 'sysApplInstallPkgDate');
  // The agent's own process is a run of the OpenSPS package (sysApplRunCurrentState).
  const runs = await snmp('snmpbulkwalk', '1.3.6.1.2.1.54.1.2.1.1.3');
  assert.ok(runs.some(([o]) => o === `1.3.6.1.2.1.54.1.2.1.1.3.1.${process.pid}`), `our pid in sysApplRunTable: ${JSON.stringify(runs)}`);
});

test('hrSWRunTable and hrSWRunPerfTable include this process; hrSystemDate is an 11-octet DateAndTime', async () => {
  const got = await snmp('snmpget', `${H}.4.2.1.2.${process.pid}`, `${H}.5.1.1.2.${process.pid}`, `${H}.1.2.0`, `${H}.1.1.0`);
  assert.equal(got[0][1], 'node');
  assert.ok(Number(got[1][1]) > 1000, 'hrSWRunPerfMem in KB');
  const octets = Buffer.from(got[2][1].trim().split(/\s+/).map((h) => parseInt(h, 16)));
  assert.equal(octets.length, 11, `hrSystemDate ${got[2][1]}`);
  const date = decodeDateAndTime(octets);
  assert.ok(date && Math.abs(date.getTime() - Date.now()) < 60_000, `hrSystemDate ${got[2][1]} is now`);
  assert.ok(Number(got[3][1]) > 0, 'hrSystemUptime');
});

test('walks of HOST-RESOURCES-MIB and SYSAPPL-MIB: increasing OIDs, and only accessible columns the MIBs define', async () => {
  const tool = requireTool('snmptranslate', 'snmp');
  const mibDirs = `${path.join(REPO, 'mibs')}:${path.join(REPO, 'mibs', 'base')}`;
  // (a walk that reaches the end of the MIB prints its last OID once more, as endOfMibView)
  const oids = [...(await snmp('snmpbulkwalk', H)), ...(await snmp('snmpbulkwalk', '1.3.6.1.2.1.54'))].filter(([, v]) => !/No more variables/.test(v)).map(([o]) => o);
  assert.ok(oids.length > 100);
  const num = (o: string) => o.split('.').map(Number);
  for (let i = 1; i < oids.length; i++) {
    const [a, b] = [num(oids[i - 1]), num(oids[i])];
    const k = a.findIndex((x, j) => x !== b[j]);
    assert.ok(k >= 0 ? a[k] < b[k] : a.length < b.length, `not increasing: ${oids[i - 1]} then ${oids[i]}`);
  }
  // Every instance names an object of the MIB (a hidden column such as hrProcessorEntry.999
  // has no name), and that object is readable.
  const names = new Set<string>();
  for (let i = 0; i < oids.length; i += 400) {
    const r = await run(tool, ['-M', mibDirs, '-m', 'HOST-RESOURCES-MIB:SYSAPPL-MIB', '-OS', ...oids.slice(i, i + 400)], 60_000);
    assert.equal(r.code, 0, r.stderr);
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const m = /^(HOST-RESOURCES-MIB|SYSAPPL-MIB)::([A-Za-z]+)(\.\d+)*$/.exec(line);
      assert.ok(m && !/(Entry|Table)$/.test(m[2]), `not an object of the MIB: ${line}`);
      names.add(`${m[1]}::${m[2]}`);
    }
  }
  for (const name of names) {
    const r = await run(tool, ['-M', mibDirs, '-m', 'HOST-RESOURCES-MIB:SYSAPPL-MIB', '-Td', name], 60_000);
    assert.match(r.stdout, /MAX-ACCESS\s+read-(only|write|create)/, `${name} is not readable in the MIB`);
  }
  assert.ok(names.has('HOST-RESOURCES-MIB::hrSWRunPerfMem') && names.has('HOST-RESOURCES-MIB::hrProcessorLoad'));
});
