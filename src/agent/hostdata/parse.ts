// Pure parsers for the text the Linux kernel publishes under /proc and /sys, and for the
// package managers' listings. No I/O here, so each is tested on fixed samples; none throws
// on odd input (a line it cannot read is skipped).
import type { CpuTimes, SwRunStatus, SwRunType } from './types.js';

const TWO_32 = 2n ** 32n;

/** A kernel counter (64-bit, or bigger than a double holds exactly) as a Counter32: it wraps modulo 2^32. */
export function counter32(value: string | number | bigint): number {
  try {
    const v = typeof value === 'bigint' ? value : BigInt(typeof value === 'number' ? Math.trunc(value) : value.trim() || '0');
    return Number(((v % TWO_32) + TWO_32) % TWO_32);
  } catch {
    return 0;
  }
}

/** Clamp to a Gauge32. */
export function gauge32(n: number): number {
  if (!Number.isFinite(n) || n < 0) return 0;
  return Math.min(Math.floor(n), 4294967295);
}

/**
 * Per-processor cumulative times from /proc/stat (`cpuN user nice system idle iowait irq softirq steal ...`).
 * Idle is idle + iowait (as top and net-snmp count it); guest time is already inside user/nice, so it is not added twice.
 */
export function parseProcStat(text: string): CpuTimes[] {
  const cpus: CpuTimes[] = [];
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    if (f.length < 4 || f.some((x) => !Number.isFinite(x))) continue;
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const idleAll = idle + iowait;
    const busy = user + nice + system + irq + softirq + steal;
    cpus[Number(m[1])] = { busy, total: busy + idleAll };
  }
  // A hot-unplugged CPU leaves a gap; keep the list dense.
  return cpus.filter((c) => c !== undefined);
}

/** Percent of time not idle between two cumulative samples (0 when no time passed). */
export function busyPercent(from: CpuTimes, to: CpuTimes): number {
  const total = to.total - from.total;
  const busy = to.busy - from.busy;
  if (total <= 0 || busy < 0) return 0;
  return Math.max(0, Math.min(100, (100 * busy) / total));
}

export interface PidStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  readonly flags: number;
  /** utime + stime in clock ticks. */
  readonly cpuTicks: number;
  /** Start time after boot, in clock ticks. */
  readonly startTicks: number;
  /** Resident set size in pages. */
  readonly rssPages: number;
}

/**
 * /proc/N/stat: `pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...`.
 * comm may itself hold blanks and parentheses, so it runs to the LAST `)`.
 */
export function parsePidStat(text: string): PidStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  if (!Number.isInteger(pid)) return undefined;
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[k] is field k+3 of proc(5).
  if (rest.length < 22) return undefined;
  const num = (i: number) => {
    const n = Number(rest[i]);
    return Number.isFinite(n) ? n : 0;
  };
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: num(1),
    flags: num(6),
    cpuTicks: num(11) + num(12),
    startTicks: num(19),
    rssPages: num(21),
  };
}

/** The kernel marks its own threads with PF_KTHREAD. */
const PF_KTHREAD = 0x00200000;

export function swRunType(stat: PidStat, argv: readonly string[]): SwRunType {
  return (stat.flags & PF_KTHREAD) !== 0 || (argv.length === 0 && stat.ppid <= 2) ? 2 : 4;
}

/** hrSWRunStatus from the one-letter state, as net-snmp maps it. */
export function swRunStatus(state: string): SwRunStatus {
  switch (state) {
    case 'R':
      return 1;
    case 'S':
    case 'I':
      return 2;
    case 'Z':
    case 'X':
    case 'x':
      return 4;
    default:
      return 3; // D, T, t, W, P
  }
}

/** sysApplRunCurrentState: running(1) runnable(2) waiting(3) exiting(4) other(5). */
export function applRunState(state: string): number {
  switch (state) {
    case 'R':
      return 1;
    case 'S':
    case 'I':
      return 2;
    case 'D':
    case 'T':
    case 't':
      return 3;
    case 'Z':
    case 'X':
      return 4;
    default:
      return 5;
  }
}

/** /proc/N/cmdline: NUL-separated argv (kernel threads: empty). */
export function parseCmdline(text: string): string[] {
  const parts = text.split('\0');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export interface NetDevCounters {
  readonly name: string;
  readonly rxBytes: number;
  readonly rxPackets: number;
  readonly rxErrs: number;
  readonly rxDrop: number;
  readonly rxMulticast: number;
  readonly txBytes: number;
  readonly txPackets: number;
  readonly txErrs: number;
  readonly txDrop: number;
}

/**
 * /proc/net/dev: two header lines, then `name: rxbytes packets errs drop fifo frame compressed multicast
 * txbytes packets errs drop fifo colls carrier compressed`. Values are returned as Counter32
 * (the kernel's 64-bit counters modulo 2^32), computed exactly with BigInt.
 */
export function parseNetDev(text: string): Map<string, NetDevCounters> {
  const out = new Map<string, NetDevCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/);
    if (!name || f.length < 16 || f.some((x) => !/^\d+$/.test(x))) continue;
    const b = f.map((x) => BigInt(x));
    const rxPackets = b[1];
    const rxMulticast = b[7];
    out.set(name, {
      name,
      rxBytes: counter32(b[0]),
      // ifInUcastPkts counts unicast only; the kernel's packet count includes multicast.
      rxPackets: counter32(rxPackets >= rxMulticast ? rxPackets - rxMulticast : rxPackets),
      rxErrs: counter32(b[2]),
      rxDrop: counter32(b[3]),
      rxMulticast: counter32(rxMulticast),
      txBytes: counter32(b[8]),
      txPackets: counter32(b[9]),
      txErrs: counter32(b[10]),
      txDrop: counter32(b[11]),
    });
  }
  return out;
}

/** /proc/uptime: `seconds-up seconds-idle` → centiseconds as TimeTicks (wrapping at 2^32). */
export function parseUptime(text: string): number | undefined {
  const first = text.trim().split(/\s+/)[0];
  const s = Number(first);
  if (!first || !Number.isFinite(s) || s < 0) return undefined;
  return counter32(Math.round(s * 100));
}

/** ARPHRD_* from /sys/class/net/X/type → IANAifType. */
export function ifTypeFromArphrd(arphrd: number, name: string): number {
  switch (arphrd) {
    case 1: // ARPHRD_ETHER: real NICs, but also bridges and veths; all speak Ethernet framing
      return 6; // ethernetCsmacd
    case 772: // ARPHRD_LOOPBACK
      return 24; // softwareLoopback
    case 512: // ARPHRD_PPP
      return 23; // ppp
    case 768: // ARPHRD_TUNNEL
    case 769: // ARPHRD_TUNNEL6
    case 776: // ARPHRD_SIT
    case 778: // ARPHRD_IPGRE
      return 131; // tunnel
    case 32: // ARPHRD_INFINIBAND
      return 199; // infiniband
    default:
      return name === 'lo' ? 24 : 1; // other
  }
}

/** ifOperStatus from /sys/class/net/X/operstate (RFC 2863 names). */
export function ifOperStatus(operstate: string, flags: number): number {
  switch (operstate.trim()) {
    case 'up':
      return 1;
    case 'down':
      return 2;
    case 'testing':
      return 3;
    case 'dormant':
      return 5;
    case 'notpresent':
      return 6;
    case 'lowerlayerdown':
      return 7;
    default:
      // "unknown" (lo, tun and dummy devices): the driver keeps no link state, so an
      // administratively up interface is up (net-snmp answers the same for lo).
      return (flags & 0x1) !== 0 ? 1 : 2;
  }
}

/** `aa:bb:cc:dd:ee:ff` → bytes; an all-zero address (loopback) is reported as empty, like net-snmp. */
export function parseMac(text: string): Buffer {
  const hex = text.trim().split(':');
  if (hex.length < 2 || hex.some((h) => !/^[0-9a-fA-F]{1,2}$/.test(h))) return Buffer.alloc(0);
  const buf = Buffer.from(hex.map((h) => parseInt(h, 16)));
  return buf.every((b) => b === 0) ? Buffer.alloc(0) : buf;
}

/** /sys/class/net/X/speed in Mb/s (-1 or unreadable when unknown) → ifSpeed, a Gauge32 in bit/s. */
export function ifSpeedFromSys(text: string | undefined): number {
  const mbps = Number((text ?? '').trim());
  if (!Number.isFinite(mbps) || mbps <= 0) return 0;
  return gauge32(mbps * 1_000_000);
}

export interface MountLine {
  readonly device: string;
  readonly mount: string;
  readonly fsType: string;
}

/** /proc/mounts (fstab format, blanks in names escaped as \040). */
export function parseMounts(text: string): MountLine[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    out.push({ device: unescape(f[0]), mount: unescape(f[1]), fsType: f[2] });
  }
  return out;
}

/**
 * The filesystems hrStorageTable lists as fixedDisk: block-device-backed local filesystems.
 * Left out on purpose: pseudo filesystems (proc, sysfs, cgroup, tmpfs, devtmpfs, overlay, squashfs
 * snap images), network filesystems (a dead NFS server would hang statfs) and read-only images.
 */
export const FIXED_DISK_FS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'jfs', 'reiserfs', 'zfs', 'f2fs', 'vfat', 'exfat', 'ntfs', 'ntfs3', 'ufs', 'hfs', 'hfsplus', 'nilfs2', 'bcachefs']);

/** Pick fixed-disk mounts, once per device (bind mounts and btrfs subvolumes repeat a device). */
export function fixedDiskMounts(mounts: readonly MountLine[]): MountLine[] {
  const seen = new Set<string>();
  const out: MountLine[] = [];
  for (const m of mounts) {
    if (!FIXED_DISK_FS.has(m.fsType)) continue;
    if (m.fsType !== 'zfs' && !m.device.startsWith('/')) continue;
    if (seen.has(m.device)) continue;
    seen.add(m.device);
    out.push(m);
  }
  return out;
}

/**
 * Scale a size in bytes to (allocationUnits, units) so that units fits an Integer32,
 * as RFC 2790 intends: the unit grows by powers of two until it fits.
 */
export function storageUnits(unitBytes: number, sizeUnits: number, usedUnits: number): { allocationUnits: number; size: number; used: number } {
  let unit = Math.max(1, Math.floor(unitBytes));
  let size = Math.max(0, sizeUnits);
  let used = Math.max(0, Math.min(usedUnits, size));
  while (size > 2147483647 && unit <= 1073741824) {
    unit *= 2;
    size /= 2;
    used /= 2;
  }
  return { allocationUnits: unit, size: Math.min(Math.floor(size), 2147483647), used: Math.min(Math.floor(used), 2147483647) };
}

/** `dpkg-query -W -f '${binary:Package}\t${Version}\t${db-fsys:Last-Modified}\n'` output. */
export function parseDpkgList(text: string): { name: string; installedMs: number | undefined }[] {
  const out: { name: string; installedMs: number | undefined }[] = [];
  for (const line of text.split('\n')) {
    const [pkg, version, mtime] = line.split('\t');
    if (!pkg || !version) continue;
    const s = Number(mtime);
    out.push({ name: `${pkg}_${version}`, installedMs: Number.isFinite(s) && s > 0 ? s * 1000 : undefined });
  }
  return out;
}

/** `rpm -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\t%{INSTALLTIME}\n'` output. */
export function parseRpmList(text: string): { name: string; installedMs: number | undefined }[] {
  const out: { name: string; installedMs: number | undefined }[] = [];
  for (const line of text.split('\n')) {
    const [name, time] = line.split('\t');
    if (!name?.trim()) continue;
    const s = Number(time);
    out.push({ name: name.trim(), installedMs: Number.isFinite(s) && s > 0 ? s * 1000 : undefined });
  }
  return out;
}

/** Solaris `pkginfo` output: `category  PKGINST  description`; no install date. */
export function parsePkginfoList(text: string): { name: string; installedMs: number | undefined }[] {
  const out: { name: string; installedMs: number | undefined }[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 2) out.push({ name: f[1], installedMs: undefined });
  }
  return out;
}

/**
 * Logged-in users from a Linux utmp file: fixed 384-byte records, ut_type (a 16-bit value padded
 * to 32) at offset 0, USER_PROCESS = 7, ut_user (32 bytes) at offset 44.
 */
export function countUtmpUsers(buf: Buffer): number {
  const RECORD = 384;
  let n = 0;
  for (let off = 0; off + RECORD <= buf.length; off += RECORD) {
    if (buf.readInt16LE(off) === 7 && buf[off + 44] !== 0) n++;
  }
  return n;
}
