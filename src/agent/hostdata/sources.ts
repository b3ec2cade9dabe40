// Where host facts come from. Everything is asynchronous (fs.promises, execFile) and runs on
// the cache's timers, never on the request path. On Linux we read /proc and /sys directly;
// where they are missing (Solaris, BSD) we ask systeminformation and accept less.
// A source that fails returns an empty or neutral answer: the agent keeps serving what it has.
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import si from 'systeminformation';
import {
  countUtmpUsers,
  fixedDiskMounts,
  ifOperStatus,
  ifSpeedFromSys,
  ifTypeFromArphrd,
  parseCmdline,
  parseDpkgList,
  parseMac,
  parseMounts,
  parseNetDev,
  parsePidStat,
  parsePkginfoList,
  parseProcStat,
  parseRpmList,
  parseUptime,
  swRunStatus,
  swRunType,
} from './parse.js';
import type { CpuTimes, DiskInfo, IfInfo, InstalledPkg, MemoryInfo, ProcInfo } from './types.js';

/** The reads the cache performs. Tests give it fakes; production uses `systemSources()`. */
export interface HostSources {
  /** Cumulative per-CPU ticks, or percent-busy per CPU since the last call when counters are not available. */
  cpu(): Promise<{ kind: 'ticks'; cpus: CpuTimes[] } | { kind: 'percent'; cpus: number[] }>;
  cpuModels(): Promise<string[]>;
  memory(): Promise<MemoryInfo | undefined>;
  disks(): Promise<DiskInfo[]>;
  /** Host uptime in centiseconds. */
  uptime(): Promise<number>;
  numUsers(): Promise<number>;
  maxProcesses(): Promise<number>;
  processes(): Promise<ProcInfo[]>;
  interfaces(): Promise<IfInfo[]>;
  blockDevices(): Promise<string[]>;
  installed(): Promise<InstalledPkg[]>;
  /** A cheap token (e.g. the package database's mtime) that changes when packages change. */
  installedStamp(): Promise<string>;
  kernelCmdline(): Promise<string>;
}

const readText = (file: string) => fsp.readFile(file, 'utf8');
const tryText = (file: string) => readText(file).catch(() => undefined);

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

/** Run `fn` over items with at most `limit` in flight (a /proc scan must not exhaust descriptors). */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface SystemSourcesOptions {
  /** Roots, for tests that point at a fake tree. */
  procRoot?: string;
  sysRoot?: string;
  utmpFile?: string;
}

export function systemSources(opts: SystemSourcesOptions = {}): HostSources {
  const proc = opts.procRoot ?? '/proc';
  const sys = opts.sysRoot ?? '/sys';
  const utmp = opts.utmpFile ?? '/var/run/utmp';
  // Clock ticks per second and page size: 100 and 4096 on every Linux port we target;
  // confirmed once from getconf in the background, in case.
  let clkTck = 100;
  let pageKB = 4;
  void run('getconf', ['CLK_TCK'], 5000).then((o) => {
    const n = Number(o?.trim());
    if (n > 0) clkTck = n;
  });
  void run('getconf', ['PAGESIZE'], 5000).then((o) => {
    const n = Number(o?.trim());
    if (n > 0) pageKB = n / 1024;
  });

  const uptimeCs = async (): Promise<number | undefined> => parseUptime((await tryText(path.join(proc, 'uptime'))) ?? '');

  return {
    async cpu() {
      const text = await tryText(path.join(proc, 'stat'));
      const cpus = text ? parseProcStat(text) : [];
      if (cpus.length) return { kind: 'ticks', cpus };
      // No /proc/stat: systeminformation's currentLoad() measures since its previous call.
      const load = await si.currentLoad().catch(() => undefined);
      return { kind: 'percent', cpus: (load?.cpus ?? []).map((c) => c.load) };
    },

    async cpuModels() {
      return os.cpus().map((c) => c.model.trim() || 'processor');
    },

    async memory() {
      const m = await si.mem().catch(() => undefined);
      if (!m || !m.total) return undefined;
      return { total: m.total, free: m.free, buffers: m.buffers ?? 0, cached: m.cached ?? 0, swapTotal: m.swaptotal ?? 0, swapUsed: m.swapused ?? 0 };
    },

    async disks() {
      const mounts = await tryText(path.join(proc, 'mounts'));
      if (mounts !== undefined) {
        const picked = fixedDiskMounts(parseMounts(mounts));
        const stats = await Promise.all(
          picked.map(async (m) => {
            try {
              const s = await fsp.statfs(m.mount);
              return { device: m.device, mount: m.mount, fsType: m.fsType, blockSize: s.bsize, blocks: s.blocks, freeBlocks: s.bfree } satisfies DiskInfo;
            } catch {
              return undefined;
            }
          }),
        );
        return stats.filter((s): s is DiskInfo => s !== undefined);
      }
      // Elsewhere: what systeminformation reports (nothing on SunOS today).
      const fs = await si.fsSize().catch(() => []);
      return fs
        .filter((f) => f.size > 0 && f.fs.startsWith('/'))
        .map((f) => ({ device: f.fs, mount: f.mount, fsType: f.type, blockSize: 1024, blocks: Math.floor(f.size / 1024), freeBlocks: Math.floor((f.size - f.used) / 1024) }));
    },

    async uptime() {
      const cs = await uptimeCs();
      return cs ?? Math.round(os.uptime() * 100) % 2 ** 32;
    },

    async numUsers() {
      const buf = await fsp.readFile(utmp).catch(() => undefined);
      if (buf) return countUtmpUsers(buf);
      if (os.platform() === 'linux') return 0; // no utmp: nobody logged in through login(1)
      const users = await si.users().catch(() => []);
      return users.length;
    },

    async maxProcesses() {
      const n = Number((await tryText(path.join(proc, 'sys/kernel/pid_max')))?.trim());
      return Number.isFinite(n) && n > 0 ? n : 0;
    },

    async processes() {
      let names: string[];
      try {
        names = (await fsp.readdir(proc)).filter((n) => /^\d+$/.test(n));
      } catch {
        names = [];
      }
      const hasProcStat = names.length > 0 && (await tryText(path.join(proc, String(names[0]), 'stat'))) !== undefined;
      if (!hasProcStat) return fallbackProcesses();
      const up = await uptimeCs();
      const bootMs = up === undefined ? undefined : Date.now() - up * 10;
      const rows = await mapLimit(names, 32, async (n): Promise<ProcInfo | undefined> => {
        const dir = path.join(proc, n);
        const [statText, cmdText] = await Promise.all([tryText(path.join(dir, 'stat')), tryText(path.join(dir, 'cmdline'))]);
        // Gone between readdir and read: skip it.
        const st = statText ? parsePidStat(statText) : undefined;
        if (!st) return undefined;
        const argv = parseCmdline(cmdText ?? '');
        const type = swRunType(st, argv);
        return {
          pid: st.pid,
          name: st.comm,
          path: argv[0] ?? '',
          parameters: argv.slice(1).join(' '),
          argv,
          type,
          state: st.state,
          status: swRunStatus(st.state),
          cpuCs: Math.round((st.cpuTicks * 100) / clkTck),
          memKB: Math.round(st.rssPages * pageKB),
          startedMs: bootMs === undefined ? undefined : bootMs + (st.startTicks * 1000) / clkTck,
        };
      });
      return rows.filter((r): r is ProcInfo => r !== undefined);
    },

    async interfaces() {
      const netDir = path.join(sys, 'class/net');
      let names: string[];
      try {
        names = await fsp.readdir(netDir);
      } catch {
        return fallbackInterfaces();
      }
      const counters = parseNetDev((await tryText(path.join(proc, 'net/dev'))) ?? '');
      const rows = await Promise.all(
        names.map(async (name): Promise<IfInfo | undefined> => {
          const d = path.join(netDir, name);
          const [ifindex, type, mtu, speed, address, flags, operstate, txq] = await Promise.all(
            ['ifindex', 'type', 'mtu', 'speed', 'address', 'flags', 'operstate', 'tx_queue_len'].map((f) => tryText(path.join(d, f))),
          );
          const index = Number(ifindex?.trim());
          if (!Number.isInteger(index) || index <= 0) return undefined;
          const fl = parseInt(flags?.trim() ?? '0', 16) || 0;
          const c = counters.get(name);
          return {
            index,
            descr: name,
            type: ifTypeFromArphrd(Number(type?.trim()), name),
            mtu: Number(mtu?.trim()) || 0,
            speed: ifSpeedFromSys(speed),
            physAddress: parseMac(address ?? ''),
            adminStatus: fl & 0x1 ? 1 : 2,
            operStatus: ifOperStatus(operstate ?? '', fl),
            outQLen: Math.min(Number(txq?.trim()) || 0, 4294967295),
            inOctets: c?.rxBytes ?? 0,
            inUcastPkts: c?.rxPackets ?? 0,
            inNUcastPkts: c?.rxMulticast ?? 0,
            inDiscards: c?.rxDrop ?? 0,
            inErrors: c?.rxErrs ?? 0,
            outOctets: c?.txBytes ?? 0,
            outUcastPkts: c?.txPackets ?? 0,
            outNUcastPkts: 0,
            outDiscards: c?.txDrop ?? 0,
            outErrors: c?.txErrs ?? 0,
          };
        }),
      );
      return rows.filter((r): r is IfInfo => r !== undefined).sort((a, b) => a.index - b.index);
    },

    async blockDevices() {
      try {
        const names = await fsp.readdir(path.join(sys, 'block'));
        // Whole disks only: loop devices, RAM disks and compressed swap (zram) are not hardware.
        return names.filter((n) => !/^(loop|ram|zram|dm-|md|sr|fd)/.test(n)).sort();
      } catch {
        return [];
      }
    },

    async installed() {
      if (await exists('/var/lib/dpkg/status')) {
        const out = await run('dpkg-query', ['-W', '-f', '${binary:Package}\t${Version}\t${db-fsys:Last-Modified}\n']);
        if (out !== undefined) return parseDpkgList(out);
      }
      if ((await exists('/var/lib/rpm')) || (await exists('/usr/lib/sysimage/rpm'))) {
        const out = await run('rpm', ['-qa', '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\t%{INSTALLTIME}\n']);
        if (out !== undefined) return parseRpmList(out);
      }
      if (await exists('/var/sadm/pkg')) {
        const out = await run('pkginfo', []);
        if (out !== undefined) return parsePkginfoList(out);
      }
      return [];
    },

    async installedStamp() {
      const stamps = await Promise.all(['/var/lib/dpkg/status', '/var/lib/rpm', '/usr/lib/sysimage/rpm', '/var/sadm/pkg'].map((f) => fsp.stat(f).then((s) => `${f}:${s.mtimeMs}`, () => '')));
      return stamps.join('|');
    },

    async kernelCmdline() {
      return ((await tryText(path.join(proc, 'cmdline'))) ?? '').trim();
    },
  };
}

const exists = (p: string) => fsp.access(p).then(() => true, () => false);

/** Without /proc/N/stat: systeminformation's process list (it runs ps; fine on a slow timer). */
async function fallbackProcesses(): Promise<ProcInfo[]> {
  const data = await si.processes().catch(() => undefined);
  return (data?.list ?? []).map((p) => {
    const argv = [p.path ? path.join(p.path, p.name) : p.name, ...(p.params ? p.params.split(' ') : [])];
    const state = p.state === 'running' ? 'R' : p.state === 'sleeping' ? 'S' : p.state === 'zombie' ? 'Z' : p.state === 'stopped' ? 'T' : '?';
    const started = Date.parse(p.started);
    return {
      pid: p.pid,
      name: p.name,
      path: argv[0],
      parameters: p.params ?? '',
      argv,
      type: 4,
      state,
      status: swRunStatus(state),
      // ps gives a percentage, not accumulated time: unknown here.
      cpuCs: 0,
      memKB: Math.round(p.memRss ?? 0),
      startedMs: Number.isFinite(started) ? started : undefined,
    } satisfies ProcInfo;
  });
}

/** Without /sys/class/net: names and addresses from Node itself (no counters, no blocking calls). */
function fallbackInterfaces(): IfInfo[] {
  const nics = os.networkInterfaces();
  return Object.keys(nics)
    .sort()
    .map((name, i) => {
      const addrs = nics[name] ?? [];
      const internal = addrs.some((a) => a.internal);
      return {
        index: i + 1,
        descr: name,
        type: internal ? 24 : 6,
        mtu: 0,
        speed: 0,
        physAddress: parseMac(addrs[0]?.mac ?? ''),
        adminStatus: 1,
        operStatus: 1,
        outQLen: 0,
        inOctets: 0,
        inUcastPkts: 0,
        inNUcastPkts: 0,
        inDiscards: 0,
        inErrors: 0,
        outOctets: 0,
        outUcastPkts: 0,
        outNUcastPkts: 0,
        outDiscards: 0,
        outErrors: 0,
      };
    });
}
