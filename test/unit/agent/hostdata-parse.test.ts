// Parsers behind HOST-RESOURCES-MIB, IF-MIB ifTable and SYSAPPL-MIB: fixed kernel text in,
// MIB values out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  busyPercent,
  counter32,
  countUtmpUsers,
  fixedDiskMounts,
  gauge32,
  ifOperStatus,
  ifSpeedFromSys,
  ifTypeFromArphrd,
  parseCmdline,
  parseDpkgList,
  parseMac,
  parseMounts,
  parseNetDev,
  parsePidStat,
  parseProcStat,
  parseRpmList,
  parseUptime,
  storageUnits,
  swRunStatus,
  swRunType,
} from '../../../src/agent/hostdata/parse.js';
import { decodeDateAndTime, encodeDateAndTime } from '../../../src/agent/hostdata/date-and-time.js';
import { ourName } from '../../../src/agent/hostdata/cache.js';

const STAT_A = `cpu  300 0 100 1600 0 0 0 0 0 0
cpu0 100 0 50 850 0 0 0 0 0 0
cpu1 200 0 50 750 0 0 0 0 0 0
intr 1425507 0 0
ctxt 1234
`;
const STAT_B = `cpu  510 0 150 2340 0 0 0 0 0 0
cpu0 190 0 60 1250 0 0 0 0 0 0
cpu1 320 0 90 1090 0 0 0 0 0 0
`;

test('/proc/stat: per-CPU cumulative ticks, and the busy percentage between two samples', () => {
  const a = parseProcStat(STAT_A);
  const b = parseProcStat(STAT_B);
  assert.equal(a.length, 2, 'the aggregate "cpu" line is not a processor');
  assert.deepEqual(a[0], { busy: 150, total: 1000 });
  // cpu0: busy +100 of +500 → 20 %; cpu1: busy +160 of +500 → 32 %
  assert.equal(busyPercent(a[0], b[0]), 20);
  assert.equal(busyPercent(a[1], b[1]), 32);
  assert.equal(busyPercent(a[0], a[0]), 0, 'no time passed → 0, not NaN');
});

test('/proc/stat: iowait counts as idle, irq/softirq/steal as busy', () => {
  const [c] = parseProcStat('cpu0 10 5 20 50 15 1 2 3 0 0\n');
  assert.deepEqual(c, { busy: 10 + 5 + 20 + 1 + 2 + 3, total: 10 + 5 + 20 + 50 + 15 + 1 + 2 + 3 });
});

test('/proc/N/stat: comm with blanks and parentheses, CPU ticks, start time, rss, kernel-thread flag', () => {
  // Fields after comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice threads itrealvalue starttime vsize rss ...
  const text = '4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 120 0 0 0 731 269 0 0 20 0 1 0 98765 123456789 2500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';
  const s = parsePidStat(text)!;
  assert.equal(s.pid, 4242);
  assert.equal(s.comm, 'my (odd) prog');
  assert.equal(s.state, 'S');
  assert.equal(s.ppid, 1);
  assert.equal(s.cpuTicks, 731 + 269);
  assert.equal(s.startTicks, 98765);
  assert.equal(s.rssPages, 2500);
  assert.equal(swRunType(s, ['/usr/bin/prog']), 4, 'a user process is an application');
  const kthread = parsePidStat('2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0')!;
  assert.equal(swRunType(kthread, []), 2, 'PF_KTHREAD → operatingSystem');
  assert.equal(parsePidStat('garbage'), undefined);
  assert.equal(parsePidStat('12 (short) R 1'), undefined, 'a truncated line is refused, not misread');
});

test('hrSWRunStatus from the kernel state letter', () => {
  assert.deepEqual(['R', 'S', 'I', 'D', 'T', 'Z'].map(swRunStatus), [1, 2, 2, 3, 3, 4]);
});

test('/proc/N/cmdline splits on NUL and drops the trailing one', () => {
  assert.deepEqual(parseCmdline('/usr/bin/node\0/opt/sip/bin/sipd\0-f\0conf/sipd.conf\0'), ['/usr/bin/node', '/opt/sip/bin/sipd', '-f', 'conf/sipd.conf']);
  assert.deepEqual(parseCmdline(''), []);
});

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  402400    1960    0    0    0     0          0         0   402400    1960    0    0    0     0       0          0
  eth0: 4294967296006 6233    3    4    0     0          0       33   501923    4205    5    6    0     0       0          0
`;

test('/proc/net/dev: counters per interface, wrapped to Counter32; unicast excludes multicast', () => {
  const m = parseNetDev(NET_DEV);
  assert.deepEqual([...m.keys()], ['lo', 'eth0'], 'the two header lines are not interfaces');
  const e = m.get('eth0')!;
  assert.equal(e.rxBytes, 6, '2^32 * 1000 + 6 wraps to 6');
  assert.equal(e.rxPackets, 6233 - 33);
  assert.equal(e.rxMulticast, 33);
  assert.deepEqual([e.rxErrs, e.rxDrop, e.txBytes, e.txPackets, e.txErrs, e.txDrop], [3, 4, 501923, 4205, 5, 6]);
  assert.equal(m.get('lo')!.rxBytes, 402400);
});

test('Counter32 wrap and Gauge32 cap', () => {
  assert.equal(counter32('4294967295'), 4294967295);
  assert.equal(counter32('4294967296'), 0);
  assert.equal(counter32('18446744073709551615'), 4294967295, '2^64-1 is exact only with BigInt');
  assert.equal(counter32(2 ** 32 + 17), 17);
  assert.equal(counter32('not a number'), 0);
  assert.equal(gauge32(100_000_000_000), 4294967295, '100 Gb/s does not fit ifSpeed');
  assert.equal(gauge32(-1), 0);
});

test('ifSpeed from /sys speed: Mb/s → bit/s, unknown (-1, unreadable) → 0, 10G capped', () => {
  assert.equal(ifSpeedFromSys('1000\n'), 1_000_000_000);
  assert.equal(ifSpeedFromSys('-1\n'), 0);
  assert.equal(ifSpeedFromSys(undefined), 0);
  assert.equal(ifSpeedFromSys('10000'), 4294967295);
});

test('ifType, ifOperStatus and ifPhysAddress from /sys', () => {
  assert.equal(ifTypeFromArphrd(772, 'lo'), 24);
  assert.equal(ifTypeFromArphrd(1, 'eth0'), 6);
  assert.equal(ifTypeFromArphrd(65534, 'tun0'), 1);
  assert.equal(ifOperStatus('up\n', 0x1003), 1);
  assert.equal(ifOperStatus('down', 0x1002), 2);
  assert.equal(ifOperStatus('unknown', 0x9), 1, 'lo reports "unknown" but is up');
  assert.equal(ifOperStatus('unknown', 0x8), 2);
  assert.equal(ifOperStatus('lowerlayerdown', 0x1003), 7);
  assert.deepEqual([...parseMac('02:fc:00:00:00:01\n')], [2, 0xfc, 0, 0, 0, 1]);
  assert.equal(parseMac('00:00:00:00:00:00').length, 0, 'loopback has no address');
  assert.equal(parseMac('').length, 0);
});

test('/proc/uptime → hrSystemUptime centiseconds', () => {
  assert.equal(parseUptime('3446.69 6500.10\n'), 344669);
  assert.equal(parseUptime('oops'), undefined);
  assert.equal(parseUptime(''), undefined, 'a missing file is not an uptime of 0');
});

test('fixed disks: real block-device filesystems once each; tmpfs, proc, overlay, cgroup and NFS left out', () => {
  const mounts = parseMounts(`proc /proc proc rw 0 0
tmpfs /dev/shm tmpfs rw 0 0
/dev/vda / ext4 rw 0 0
overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0
/dev/vda /srv/bind ext4 rw 0 0
/dev/sdb1 /data\\040disk xfs rw 0 0
server:/export /mnt/nfs nfs4 rw 0 0
/dev/loop3 /snap/core/1 squashfs ro 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw 0 0
`);
  assert.deepEqual(fixedDiskMounts(mounts).map((m) => m.mount), ['/', '/data disk']);
});

test('hrStorage units: sizes beyond Integer32 double the allocation unit', () => {
  assert.deepEqual(storageUnits(4096, 66053021, 5672068), { allocationUnits: 4096, size: 66053021, used: 5672068 });
  const big = storageUnits(1024, 8 * 2 ** 31, 2 ** 31);
  assert.ok(big.size <= 2147483647 && big.allocationUnits > 1024);
  assert.equal(big.allocationUnits * big.size, 1024 * 8 * 2 ** 31, 'the total stays the same');
});

test('DateAndTime: 11 octets, local time with the zone offset; round trip', () => {
  const d = new Date(Date.UTC(2026, 10, 25, 13, 2, 21, 750));
  const east = encodeDateAndTime(d, 90); // UTC+1:30
  assert.deepEqual([...east], [0x07, 0xea, 11, 25, 14, 32, 21, 7, 0x2b, 1, 30]);
  const west = encodeDateAndTime(d, -300); // UTC-5
  assert.deepEqual([...west], [0x07, 0xea, 11, 25, 8, 2, 21, 7, 0x2d, 5, 0]);
  assert.equal(decodeDateAndTime(east)!.getTime(), d.getTime() - 50, 'deci-seconds resolution');
  assert.equal(decodeDateAndTime(west)!.getTime(), d.getTime() - 50);
  assert.equal(encodeDateAndTime(new Date()).length, 11);
  assert.equal(decodeDateAndTime(Buffer.from([7, 0xea, 13, 1, 0, 0, 0, 0])), undefined, 'month 13 is refused');
});

test('installed packages: dpkg-query and rpm listings', () => {
  assert.deepEqual(parseDpkgList('adduser\t3.134\t1747699200\nlibc6:amd64\t2.36-9\t\n\n'), [
    { name: 'adduser_3.134', installedMs: 1747699200000 },
    { name: 'libc6:amd64_2.36-9', installedMs: undefined },
  ]);
  assert.deepEqual(parseRpmList('opensps-0.1.0-1.noarch\t1764000000\n'), [{ name: 'opensps-0.1.0-1.noarch', installedMs: 1764000000000 }]);
});

test('utmp: counts USER_PROCESS records only', () => {
  const rec = (type: number, user: string) => {
    const b = Buffer.alloc(384);
    b.writeInt16LE(type, 0);
    b.write(user, 44);
    return b;
  };
  assert.equal(countUtmpUsers(Buffer.concat([rec(2, 'reboot'), rec(7, 'alice'), rec(7, 'bob'), rec(8, 'carol'), rec(7, '')])), 2);
  assert.equal(countUtmpUsers(Buffer.alloc(100)), 0, 'a torn record is ignored');
});

test('our processes are recognised by program name, also when run by node', () => {
  const names = new Set(['sipd', 'pserver', 'ciagent']);
  assert.equal(ourName({ name: 'node', argv: ['/usr/bin/node', '/opt/sip/bin/sipd', '-f', 'x'] }, names), 'sipd');
  assert.equal(ourName({ name: 'sipd', argv: ['sipd'] }, names), 'sipd');
  assert.equal(ourName({ name: 'node', argv: ['node', '/opt/sip/dist/src/cli/pserver.js'] }, names), 'pserver');
  assert.equal(ourName({ name: 'node', argv: ['node', 'dist/test/unit/sipd.test.js'] }, names), undefined);
  assert.equal(ourName({ name: 'bash', argv: ['bash', 'sipd'] }, names), undefined, 'an argument named sipd to another program is not sipd');
});

// ---- the Linux sources, pointed at a fake /proc and /sys ----
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemSources } from '../../../src/agent/hostdata/sources.js';

function tree(root: string, files: Record<string, string>) {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
}

test('Linux sources read processes, interfaces, CPU, uptime and fixed disks from /proc and /sys', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostdata-'));
  try {
    const proc = path.join(dir, 'proc');
    const sys = path.join(dir, 'sys');
    tree(proc, {
      stat: STAT_A,
      uptime: '100.00 150.00\n',
      'net/dev': NET_DEV,
      mounts: `/dev/vdz ${dir} ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n`,
      'sys/kernel/pid_max': '4194304\n',
      cmdline: 'ro quiet\n',
      '1/stat': '1 (init) S 0 1 1 0 -1 4194560 0 0 0 0 150 50 0 0 20 0 1 0 10 1000 300 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0',
      '1/cmdline': '/sbin/init\0splash\0',
      '77/stat': '77 (kworker/0:1) I 2 0 0 0 -1 69238880 0 0 0 0 0 3 0 0 20 0 1 0 20 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0',
      '77/cmdline': '',
      'self-not-a-pid/stat': 'ignored',
    });
    tree(sys, {
      'class/net/lo/ifindex': '1\n',
      'class/net/lo/type': '772\n',
      'class/net/lo/mtu': '65536\n',
      'class/net/lo/address': '00:00:00:00:00:00\n',
      'class/net/lo/flags': '0x9\n',
      'class/net/lo/operstate': 'unknown\n',
      'class/net/lo/tx_queue_len': '1000\n',
      'class/net/eth0/ifindex': '4\n',
      'class/net/eth0/type': '1\n',
      'class/net/eth0/mtu': '1500\n',
      'class/net/eth0/speed': '1000\n',
      'class/net/eth0/address': '02:fc:00:00:00:01\n',
      'class/net/eth0/flags': '0x1003\n',
      'class/net/eth0/operstate': 'up\n',
      'class/net/eth0/tx_queue_len': '1000\n',
      'block/vda/size': '0',
      'block/loop0/size': '0',
    });
    const src = systemSources({ procRoot: proc, sysRoot: sys, utmpFile: path.join(dir, 'no-utmp') });
    const procs = await src.processes();
    assert.deepEqual(procs.map((p) => [p.pid, p.name, p.path, p.parameters, p.type, p.status, p.cpuCs, p.memKB]), [
      [1, 'init', '/sbin/init', 'splash', 4, 2, 200, 1200],
      [77, 'kworker/0:1', '', '', 2, 2, 3, 0],
    ]);
    const ifs = await src.interfaces();
    assert.deepEqual(ifs.map((i) => [i.index, i.descr, i.type, i.mtu, i.speed, i.adminStatus, i.operStatus, i.inOctets, i.inUcastPkts]), [
      [1, 'lo', 24, 65536, 0, 1, 1, 402400, 1960],
      [4, 'eth0', 6, 1500, 1_000_000_000, 1, 1, 6, 6200],
    ]);
    assert.deepEqual(await src.cpu(), { kind: 'ticks', cpus: parseProcStat(STAT_A) });
    assert.equal(await src.uptime(), 10000);
    assert.equal(await src.maxProcesses(), 4194304);
    assert.equal(await src.numUsers(), 0);
    assert.equal(await src.kernelCmdline(), 'ro quiet');
    assert.deepEqual(await src.blockDevices(), ['vda']);
    const disks = await src.disks();
    assert.equal(disks.length, 1);
    assert.equal(disks[0].mount, dir);
    assert.ok(disks[0].blocks > 0 && disks[0].blockSize > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without /proc and /sys (Solaris, BSD) every source answers from systeminformation or Node, none throws', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostdata-noproc-'));
  try {
    const src = systemSources({ procRoot: path.join(dir, 'proc'), sysRoot: path.join(dir, 'sys'), utmpFile: path.join(dir, 'utmp') });
    const cpu = await src.cpu();
    assert.equal(cpu.kind, 'percent', 'no /proc/stat: instant percentages from currentLoad()');
    assert.equal(cpu.cpus.length, os.cpus().length);
    const ifs = await src.interfaces();
    assert.ok(ifs.some((i) => i.descr === 'lo' && i.type === 24), 'interfaces from os.networkInterfaces()');
    const procs = await src.processes();
    assert.ok(procs.some((p) => p.pid === process.pid), 'processes from systeminformation (ps)');
    assert.ok((await src.uptime()) > 0, 'uptime from os.uptime()');
    assert.equal(await src.maxProcesses(), 0);
    assert.deepEqual(await src.blockDevices(), []);
    assert.equal(await src.kernelCmdline(), '');
    assert.ok(Array.isArray(await src.disks()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
