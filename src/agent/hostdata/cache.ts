// The host-data cache: every OS read happens here, on unref'd timers, and the MIB adapters'
// request handlers only read the arrays it holds. Each refresh group runs alone (a slow one
// is skipped, not stacked), catches its own failures, and emits 'change' with its topic so
// adapters can update their table rows.
import { EventEmitter } from 'node:events';
import { LoadWindow, PercentIntegrator } from './load-window.js';
import { applRunState, counter32, storageUnits } from './parse.js';
import { systemSources } from './sources.js';
import type { HostSources } from './sources.js';
import type { ApplPackage, ApplRun, DeviceRow, IfInfo, IfRow, InstalledRow, ProcInfo, ProcessorRow, StorageRow, SystemInfo } from './types.js';

export type HostTopic = 'processors' | 'storage' | 'system' | 'processes' | 'interfaces' | 'devices' | 'installed';

export interface HostDataOptions {
  sources?: HostSources;
  /** CPU sampling for the one-minute load average. */
  cpuIntervalMs?: number;
  /** Memory, disks, users, interfaces. */
  fastIntervalMs?: number;
  /** The /proc process scan (hrSWRunTable, sysApplRunTable). */
  processIntervalMs?: number;
  /** How often to check whether the package database changed. */
  installedCheckMs?: number;
  /** Reload the package list at least this often even when nothing seems changed. */
  installedMaxAgeMs?: number;
  loadWindowMs?: number;
  /** Centiseconds since the agent started (for ifLastChange, hrSWInstalledLastChange). */
  upTime?: () => number;
  /** Monotonic milliseconds (tests drive it). */
  now?: () => number;
  /** Program names of our own processes (argv[0] or the script in argv[1], without extension). */
  ourProcessNames?: readonly string[];
  /** This process (the agent) is one of ours too, under this name. */
  selfPid?: number;
  selfName?: string;
  /** sysApplInstallPkgTable's row for OpenSPS itself. */
  package?: Omit<ApplPackage, 'index'>;
}

const MEM_INDEX = { ram: 1, virtual: 3, buffers: 6, cached: 7, swap: 10 } as const;
const DISK_BASE = 31;
// Processors from 1, so the guide's `hrProcessorLoad.1` names the first CPU (net-snmp starts at 768).
const PROCESSOR_BASE = 1;
const NETWORK_BASE = 1024;
const DISK_DEVICE_BASE = 1536;

export class HostDataCache extends EventEmitter {
  private readonly src: HostSources;
  private readonly opts: Required<Omit<HostDataOptions, 'sources' | 'package' | 'upTime' | 'now'>>;
  private readonly upTime: () => number;
  private readonly now: () => number;
  private readonly load: LoadWindow;
  private readonly integrate = new PercentIntegrator();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly busy = new Set<string>();
  private started = false;

  private cpuModels: string[] = [];
  private memRows: StorageRow[] = [];
  private diskRows: StorageRow[] = [];
  private readonly diskIndex = new Map<string, number>();
  private memTotalKB = 0;
  private uptimeBase = { cs: 0, at: 0 };
  private sys: Omit<SystemInfo, 'uptimeCs'> = { numUsers: 0, processes: 0, maxProcesses: 0, initialLoadParameters: '' };
  private procRows: ProcessorRow[] = [];
  private procs: ProcInfo[] = [];
  private runs: ApplRun[] = [];
  private ifRows: IfRow[] = [];
  private readonly ifSeen = new Map<number, { oper: number; lastChange: number }>();
  private firstIfScan = true;
  private blockDevs: string[] = [];
  private readonly blockIndex = new Map<string, number>();
  private installedRows: InstalledRow[] = [];
  private readonly installedIndex = new Map<string, number>();
  private installedStamp = '';
  private installedLoadedAt = -Infinity;
  private installedLastChange = 0;
  private installedLastUpdate = 0;
  private readonly pkg: ApplPackage | undefined;
  /** Failures per refresh group, for diagnostics (the agent logs them). */
  readonly errors = new Map<string, string>();

  constructor(options: HostDataOptions = {}) {
    super();
    this.src = options.sources ?? systemSources();
    const t0 = Date.now();
    this.upTime = options.upTime ?? (() => Math.floor((Date.now() - t0) / 10));
    this.now = options.now ?? (() => performance.now());
    this.opts = {
      cpuIntervalMs: options.cpuIntervalMs ?? 5_000,
      fastIntervalMs: options.fastIntervalMs ?? 10_000,
      processIntervalMs: options.processIntervalMs ?? 15_000,
      installedCheckMs: options.installedCheckMs ?? 60_000,
      installedMaxAgeMs: options.installedMaxAgeMs ?? 6 * 3600_000,
      loadWindowMs: options.loadWindowMs ?? 60_000,
      ourProcessNames: options.ourProcessNames ?? ['sipd', 'pserver', 'ciagent'],
      selfPid: options.selfPid ?? process.pid,
      selfName: options.selfName ?? 'ciagent',
    };
    this.load = new LoadWindow(this.opts.loadWindowMs);
    this.pkg = options.package ? { index: 1, ...options.package } : undefined;
  }

  /** First full refresh (so tables are filled before the agent answers), then the timers. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const [models, cmdline, maxProcs] = await Promise.all([
      this.src.cpuModels().catch(() => []),
      this.src.kernelCmdline().catch(() => ''),
      this.src.maxProcesses().catch(() => 0),
    ]);
    this.cpuModels = models;
    this.sys = { ...this.sys, initialLoadParameters: cmdline, maxProcesses: maxProcs };
    // rpm -qa can take seconds on a big system: wait for the package list only briefly; it
    // arrives with an 'installed' change event when it is slower.
    const installed = this.refreshInstalled(true);
    await Promise.all([this.refreshCpu(), this.refreshFast(), this.refreshProcesses()]);
    let cap: NodeJS.Timeout | undefined;
    await Promise.race([installed, new Promise<void>((r) => (cap = setTimeout(r, 2000).unref()))]);
    clearTimeout(cap);
    const every = (ms: number, fn: () => Promise<void>) => this.timers.push(setInterval(() => void fn(), ms).unref());
    every(this.opts.cpuIntervalMs, () => this.refreshCpu());
    every(this.opts.fastIntervalMs, () => this.refreshFast());
    every(this.opts.processIntervalMs, () => this.refreshProcesses());
    every(this.opts.installedCheckMs, () => this.refreshInstalled(false));
    // A second CPU sample soon after start, so hrProcessorLoad has a value within seconds.
    this.timers.push(setTimeout(() => void this.refreshCpu(), Math.min(1000, this.opts.cpuIntervalMs)).unref());
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.started = false;
  }

  // ---- reads (memory only) ----

  memorySizeKB(): number {
    return this.memTotalKB;
  }
  storage(): readonly StorageRow[] {
    return [...this.memRows, ...this.diskRows];
  }
  processors(): readonly ProcessorRow[] {
    return this.procRows;
  }
  system(): SystemInfo {
    const elapsedCs = Math.floor((this.now() - this.uptimeBase.at) / 10);
    return { ...this.sys, uptimeCs: counter32(this.uptimeBase.cs + elapsedCs) };
  }
  processes(): readonly ProcInfo[] {
    return this.procs;
  }
  interfaces(): readonly IfRow[] {
    return this.ifRows;
  }
  devices(): readonly DeviceRow[] {
    const cpus: DeviceRow[] = this.procRows.map((p) => ({ index: p.index, type: 'processor', descr: p.descr, status: 2, errors: 0 }));
    const nets: DeviceRow[] = this.ifRows.map((i) => ({
      index: NETWORK_BASE + i.index,
      type: 'network',
      descr: `network interface ${i.descr}`,
      status: i.operStatus === 1 ? 2 : i.operStatus === 2 || i.operStatus === 7 ? 5 : 1,
      errors: counter32(i.inErrors + i.outErrors),
      ifIndex: i.index,
    }));
    const disks: DeviceRow[] = this.blockDevs.map((name) => ({ index: this.blockIndex.get(name)!, type: 'diskStorage', descr: `disk ${name}`, status: 2, errors: 0 }));
    return [...cpus, ...nets, ...disks];
  }
  /** hrSystemInitialLoadDevice: the first disk, 0 when none is known. */
  initialLoadDevice(): number {
    return this.blockDevs.length ? this.blockIndex.get(this.blockDevs[0])! : 0;
  }
  installed(): readonly InstalledRow[] {
    return this.installedRows;
  }
  installedTimes(): { lastChange: number; lastUpdate: number } {
    return { lastChange: this.installedLastChange, lastUpdate: this.installedLastUpdate };
  }
  applPackage(): ApplPackage | undefined {
    return this.pkg;
  }
  applRuns(): readonly ApplRun[] {
    return this.runs;
  }

  // ---- refreshes ----

  /** Run one refresh group unless it is still running; record its failure instead of throwing. */
  private async guard(name: string, fn: () => Promise<void>): Promise<void> {
    if (this.busy.has(name)) return;
    this.busy.add(name);
    try {
      await fn();
      this.errors.delete(name);
    } catch (e) {
      this.errors.set(name, e instanceof Error ? e.message : String(e));
    } finally {
      this.busy.delete(name);
    }
  }

  refreshCpu(): Promise<void> {
    return this.guard('cpu', async () => {
      const r = await this.src.cpu();
      const at = this.now();
      const ticks = r.kind === 'ticks' ? r.cpus : this.integrate.add(at, r.cpus);
      if (!ticks.length) return;
      this.load.add(at, ticks);
      const loads = this.load.loads();
      this.procRows = ticks.map((_, i) => ({ index: PROCESSOR_BASE + i, descr: this.cpuModels[i] ?? this.cpuModels[0] ?? 'processor', load: loads[i] ?? 0 }));
      this.emit('change', 'processors' satisfies HostTopic);
    });
  }

  refreshFast(): Promise<void> {
    return this.guard('fast', async () => {
      const [mem, disks, uptime, users, ifs, blocks] = await Promise.all([
        this.src.memory(),
        this.src.disks(),
        this.src.uptime(),
        this.src.numUsers(),
        this.src.interfaces(),
        this.src.blockDevices(),
      ]);
      this.uptimeBase = { cs: uptime, at: this.now() };
      this.sys = { ...this.sys, numUsers: users };
      if (mem) {
        const kb = (b: number) => Math.floor(b / 1024);
        const row = (index: number, type: StorageRow['type'], descr: string, sizeKB: number, usedKB: number): StorageRow => ({ index, type, descr, ...storageUnits(1024, sizeKB, usedKB) });
        this.memTotalKB = Math.min(kb(mem.total), 2147483647);
        const ramUsed = kb(mem.total - mem.free);
        this.memRows = [
          row(MEM_INDEX.ram, 'ram', 'Physical memory', kb(mem.total), ramUsed),
          row(MEM_INDEX.virtual, 'virtualMemory', 'Virtual memory', kb(mem.total + mem.swapTotal), ramUsed + kb(mem.swapUsed)),
          row(MEM_INDEX.buffers, 'other', 'Memory buffers', kb(mem.total), kb(mem.buffers)),
          row(MEM_INDEX.cached, 'other', 'Cached memory', kb(mem.total), kb(mem.cached)),
          ...(mem.swapTotal > 0 ? [row(MEM_INDEX.swap, 'virtualMemory', 'Swap space', kb(mem.swapTotal), kb(mem.swapUsed))] : []),
        ];
      }
      this.diskRows = disks.map((d) => {
        let index = this.diskIndex.get(d.device);
        if (index === undefined) this.diskIndex.set(d.device, (index = DISK_BASE + this.diskIndex.size));
        return { index, type: 'fixedDisk', descr: d.mount, ...storageUnits(d.blockSize, d.blocks, d.blocks - d.freeBlocks) };
      });
      this.diskRows.sort((a, b) => a.index - b.index);
      for (const b of blocks) if (!this.blockIndex.has(b)) this.blockIndex.set(b, DISK_DEVICE_BASE + this.blockIndex.size);
      this.blockDevs = blocks;
      this.updateInterfaces(ifs);
      this.emit('change', 'storage' satisfies HostTopic);
      this.emit('change', 'system' satisfies HostTopic);
      this.emit('change', 'interfaces' satisfies HostTopic);
      this.emit('change', 'devices' satisfies HostTopic);
    });
  }

  private updateInterfaces(ifs: readonly IfInfo[]): void {
    const upTime = this.upTime();
    const present = new Set<number>();
    this.ifRows = ifs.map((i) => {
      present.add(i.index);
      const seen = this.ifSeen.get(i.index);
      let lastChange = seen?.lastChange ?? (this.firstIfScan ? 0 : upTime);
      if (seen && seen.oper !== i.operStatus) lastChange = upTime;
      this.ifSeen.set(i.index, { oper: i.operStatus, lastChange });
      return { ...i, lastChange: counter32(lastChange) };
    });
    for (const k of [...this.ifSeen.keys()]) if (!present.has(k)) this.ifSeen.delete(k);
    this.firstIfScan = false;
  }

  refreshProcesses(): Promise<void> {
    return this.guard('processes', async () => {
      const list = await this.src.processes();
      list.sort((a, b) => a.pid - b.pid);
      this.procs = list;
      this.sys = { ...this.sys, processes: list.length };
      const names = new Set(this.opts.ourProcessNames);
      const runs: ApplRun[] = [];
      for (const p of list) {
        const name = p.pid === this.opts.selfPid ? this.opts.selfName : ourName(p, names);
        if (name) runs.push({ pid: p.pid, name, startedMs: p.startedMs, state: applRunState(p.state) });
      }
      this.runs = runs;
      this.emit('change', 'processes' satisfies HostTopic);
    });
  }

  refreshInstalled(force: boolean): Promise<void> {
    return this.guard('installed', async () => {
      const stamp = await this.src.installedStamp();
      const stale = this.now() - this.installedLoadedAt > this.opts.installedMaxAgeMs;
      if (!force && !stale && stamp === this.installedStamp) return;
      const list = await this.src.installed();
      this.installedStamp = stamp;
      this.installedLoadedAt = this.now();
      const rows: InstalledRow[] = list.map((p) => {
        let index = this.installedIndex.get(p.name);
        if (index === undefined) this.installedIndex.set(p.name, (index = this.installedIndex.size + 1));
        return { ...p, index };
      });
      rows.sort((a, b) => a.index - b.index);
      const changed = rows.length !== this.installedRows.length || rows.some((r, i) => r.index !== this.installedRows[i].index);
      this.installedRows = rows;
      this.installedLastUpdate = this.upTime();
      if (changed) this.installedLastChange = this.installedLastUpdate;
      this.emit('change', 'installed' satisfies HostTopic);
    });
  }
}

/** The name of one of our programs this process runs, if any: `sipd`, `node …/bin/sipd -f …`. */
export function ourName(p: Pick<ProcInfo, 'name' | 'argv'>, names: ReadonlySet<string>): string | undefined {
  const base = (s: string | undefined) => (s ?? '').split('/').pop()!.replace(/\.(m?js|ts)$/, '');
  for (const cand of [base(p.argv[0]), p.argv.length > 1 && /(^|\/)node(js)?$/.test(p.argv[0]) ? base(p.argv[1]) : '', p.name]) {
    if (cand && names.has(cand)) return cand;
  }
  return undefined;
}
