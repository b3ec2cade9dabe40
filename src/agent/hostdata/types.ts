// The host facts the SNMP agent serves (HOST-RESOURCES-MIB, IF-MIB ifTable, SYSAPPL-MIB),
// as plain data. The cache fills these on timers; MIB adapters only read them.

/** Cumulative CPU time of one processor, in clock ticks (as /proc/stat counts them). */
export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

/** hrStorageType names (HOST-RESOURCES-TYPES 25.2.1.N). */
export type StorageType = 'other' | 'ram' | 'virtualMemory' | 'fixedDisk';

export interface StorageRow {
  readonly index: number;
  readonly type: StorageType;
  readonly descr: string;
  /** Bytes per unit; Size and Used are in these units and fit an Integer32. */
  readonly allocationUnits: number;
  readonly size: number;
  readonly used: number;
}

export interface MemoryInfo {
  /** All sizes in bytes. */
  readonly total: number;
  readonly free: number;
  readonly buffers: number;
  readonly cached: number;
  readonly swapTotal: number;
  readonly swapUsed: number;
}

export interface DiskInfo {
  readonly device: string;
  readonly mount: string;
  readonly fsType: string;
  /** Bytes per block, total blocks and free blocks (statfs). */
  readonly blockSize: number;
  readonly blocks: number;
  readonly freeBlocks: number;
}

/** hrSWRunType: unknown(1) operatingSystem(2) deviceDriver(3) application(4). */
export type SwRunType = 1 | 2 | 3 | 4;
/** hrSWRunStatus: running(1) runnable(2) notRunnable(3) invalid(4). */
export type SwRunStatus = 1 | 2 | 3 | 4;

export interface ProcInfo {
  readonly pid: number;
  /** The kernel's short name (comm). */
  readonly name: string;
  /** argv[0], empty for kernel threads. */
  readonly path: string;
  /** argv[1..] joined by blanks. */
  readonly parameters: string;
  /** The full argv (for recognising our own processes). */
  readonly argv: readonly string[];
  readonly type: SwRunType;
  /** The one-letter kernel state (R, S, D, Z, ...). */
  readonly state: string;
  readonly status: SwRunStatus;
  /** user + system CPU time, centiseconds. */
  readonly cpuCs: number;
  /** Resident memory, KBytes. */
  readonly memKB: number;
  /** When the process started (ms since the Unix epoch), when known. */
  readonly startedMs: number | undefined;
}

export interface InstalledPkg {
  readonly name: string;
  /** Install time (ms since the Unix epoch), when the package manager knows it. */
  readonly installedMs: number | undefined;
}

export interface InstalledRow extends InstalledPkg {
  readonly index: number;
}

/** What the OS says about one network interface, before the cache adds ifLastChange. */
export interface IfInfo {
  readonly index: number;
  readonly descr: string;
  /** IANAifType: other(1), ethernetCsmacd(6), softwareLoopback(24), ... */
  readonly type: number;
  readonly mtu: number;
  /** bits per second, already capped to a Gauge32; 0 when unknown. */
  readonly speed: number;
  readonly physAddress: Buffer;
  /** up(1) down(2) testing(3). */
  readonly adminStatus: number;
  /** up(1) down(2) testing(3) unknown(4) dormant(5) notPresent(6) lowerLayerDown(7). */
  readonly operStatus: number;
  readonly outQLen: number;
  /** Counter32 values (already reduced modulo 2^32). */
  readonly inOctets: number;
  readonly inUcastPkts: number;
  readonly inNUcastPkts: number;
  readonly inDiscards: number;
  readonly inErrors: number;
  readonly outOctets: number;
  readonly outUcastPkts: number;
  readonly outNUcastPkts: number;
  readonly outDiscards: number;
  readonly outErrors: number;
}

export interface IfRow extends IfInfo {
  /** Centiseconds since the agent started at the last operStatus change (0: before). */
  readonly lastChange: number;
}

export interface ProcessorRow {
  /** hrDeviceIndex: 1 + n, so hrProcessorLoad.1 is the first CPU as in the guide. */
  readonly index: number;
  readonly descr: string;
  /** Percent not idle over the last minute, 0..100. */
  readonly load: number;
}

/** hrDeviceType names (HOST-RESOURCES-TYPES 25.3.1.N). */
export type DeviceType = 'processor' | 'network' | 'diskStorage';

export interface DeviceRow {
  readonly index: number;
  readonly type: DeviceType;
  readonly descr: string;
  /** unknown(1) running(2) warning(3) testing(4) down(5). */
  readonly status: number;
  /** Counter32. */
  readonly errors: number;
  /** For network devices: the ifIndex (hrNetworkIfIndex). */
  readonly ifIndex?: number;
}

export interface SystemInfo {
  /** Host uptime, centiseconds (TimeTicks). */
  readonly uptimeCs: number;
  readonly numUsers: number;
  readonly processes: number;
  readonly maxProcesses: number;
  /** The kernel command line (hrSystemInitialLoadParameters). */
  readonly initialLoadParameters: string;
}

/** One of our own processes, for sysApplRunTable. */
export interface ApplRun {
  /** sysApplRunIndex: the pid. */
  readonly pid: number;
  /** sipd, pserver, ciagent ... */
  readonly name: string;
  readonly startedMs: number | undefined;
  /** running(1) runnable(2) waiting(3) exiting(4) other(5). */
  readonly state: number;
}

/** Our own installed package, sysApplInstallPkgTable row 1. */
export interface ApplPackage {
  readonly index: number;
  readonly manufacturer: string;
  readonly productName: string;
  readonly version: string;
  readonly serialNumber: string;
  readonly installedMs: number | undefined;
  readonly location: string;
}
