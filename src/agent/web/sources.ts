// What Dr-Web shows, read from the same engines the MIB modules serve over SNMP (never a
// copy of their state): the critical-application supervisor, the log watcher, the Event MIB
// engine and the host-data cache. Each function here turns an engine's rows into plain
// rows for a page or the JSON API, so the pages and the API cannot disagree.
import type { CritAppEngine, CritAppRow } from '../mibs/critapp/engine.js';
import type { LogMonEngine } from '../mibs/log/engine.js';
import type { EventEngine } from '../mibs/event/engine.js';
import type { TriggerRow } from '../mibs/event/types.js';
import type { HostDataCache } from '../hostdata/index.js';
import { OID } from '../oids.js';

/** Where Dr-Web finds the engines; a getter returns undefined while its module is not running. */
export interface DrWebSources {
  critapp(): CritAppEngine | undefined;
  logmon(): LogMonEngine | undefined;
  events(): EventEngine | undefined;
  host(): HostDataCache | undefined;
  /** A trigger's rising/falling thresholds changed as a SET of its two cells does; false: no such trigger (or no Event MIB). */
  setThresholds(owner: string, name: string, change: { rising: number; falling: number }): boolean;
}

const iso = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '');

export interface CritAppView {
  index: number;
  name: string;
  /** Intended status (critAppAdminStatus). */
  admin: 'up' | 'down';
  /** Actual status (critAppOperStatus). */
  oper: 'up' | 'down' | 'starting' | 'stopping';
  pid: number;
  lastStart: string;
  lastExit: string;
  lastExitCode: string;
  restarts: number;
  restartOnExit: boolean;
}

export function critAppView(r: CritAppRow): CritAppView {
  return {
    index: r.index, name: r.name, admin: r.adminStatus, oper: r.operStatus, pid: r.pid,
    lastStart: iso(r.lastStartTime), lastExit: iso(r.lastExit?.time),
    lastExitCode: r.lastExit ? (r.lastExit.code === null ? 'unknown' : String(r.lastExit.code)) : '',
    restarts: r.restartCount, restartOnExit: r.restartOnExit,
  };
}

export function critAppRows(s: DrWebSources): CritAppView[] {
  return s.critapp()?.rows().map(critAppView) ?? [];
}

export interface LogView {
  index: number;
  descr: string;
  path: string;
  size: number;
  maxSize: number;
  maxSizeReached: boolean;
  regex: string;
  matches: number;
  lastMatch: string;
  pollInterval: number;
}

export function logRows(s: DrWebSources): LogView[] {
  const e = s.logmon();
  if (!e) return [];
  return e.rows().map((r) => ({
    index: r.index, descr: r.descr, path: r.path, size: r.size, maxSize: r.maxSize, maxSizeReached: r.maxSizeReached,
    regex: r.regex, matches: r.matchCount, lastMatch: r.lastMatch, pollInterval: r.pollInterval || e.globalPollInterval,
  }));
}

export interface ThresholdView {
  owner: string;
  name: string;
  comment: string;
  /** The sampled object, by name when it is hrProcessorLoad. */
  object: string;
  onProcessorLoad: boolean;
  frequency: number;
  enabled: boolean;
  active: boolean;
  rising: number;
  falling: number;
  risingEvent: string;
  fallingEvent: string;
  /** The last events this trigger fired, newest first. */
  fired: Array<{ cause: string; oid: string; value: number }>;
}

const LOAD = OID.hrProcessorLoad;

function objectName(oid: string): string {
  if (oid === LOAD) return 'hrProcessorLoad (every processor)';
  if (oid.startsWith(`${LOAD}.`)) return `hrProcessorLoad.${oid.slice(LOAD.length + 1)}`;
  return oid;
}

/** The triggers with a threshold test (eventagt.cnf's CPU thresholds among them). */
export function thresholdRows(s: DrWebSources): ThresholdView[] {
  const e = s.events();
  if (!e) return [];
  const out: ThresholdView[] = [];
  for (const t of e.triggers.values()) {
    if (!t.test.threshold) continue;
    out.push(thresholdView(t, e.fired.filter((f) => f.trigger === t.name).slice(-5).reverse()));
  }
  return out.sort((a, b) => (a.owner + a.name).localeCompare(b.owner + b.name));
}

function thresholdView(t: TriggerRow, fired: ThresholdView['fired']): ThresholdView {
  const ev = (owner: string, name: string) => (name ? `${owner}/${name}` : '');
  return {
    owner: t.owner, name: t.name, comment: t.comment, object: objectName(t.valueId),
    onProcessorLoad: t.valueId === LOAD || t.valueId.startsWith(`${LOAD}.`),
    frequency: t.frequency, enabled: t.enabled, active: t.status === 'active',
    rising: t.threshold.rising, falling: t.threshold.falling,
    risingEvent: ev(t.threshold.risingEventOwner, t.threshold.risingEvent),
    fallingEvent: ev(t.threshold.fallingEventOwner, t.threshold.fallingEvent),
    fired: fired.map((f) => ({ cause: f.cause, oid: objectName(f.oid), value: f.value })),
  };
}

export interface HostView {
  processors: Array<{ index: number; descr: string; load: number }>;
  storage: Array<{ index: number; type: string; descr: string; sizeBytes: number; usedBytes: number; percent: number }>;
  system: { uptime: string; users: number; processes: number; maxProcesses: number };
}

export function hostView(s: DrWebSources): HostView {
  const c = s.host();
  if (!c) return { processors: [], storage: [], system: { uptime: '', users: 0, processes: 0, maxProcesses: 0 } };
  const sys = c.system();
  return {
    processors: c.processors().map((p) => ({ index: p.index, descr: p.descr, load: p.load })),
    storage: c.storage().map((r) => ({
      index: r.index, type: r.type, descr: r.descr, sizeBytes: r.size * r.allocationUnits, usedBytes: r.used * r.allocationUnits,
      percent: r.size > 0 ? Math.round((r.used / r.size) * 100) : 0,
    })),
    system: { uptime: duration(sys.uptimeCs / 100), users: sys.numUsers, processes: sys.processes, maxProcesses: sys.maxProcesses },
  };
}

export interface ApplView {
  package: { product: string; version: string; location: string; installed: string } | undefined;
  runs: Array<{ pid: number; name: string; started: string; state: string }>;
}

const RUN_STATE: Record<number, string> = { 1: 'running', 2: 'runnable', 3: 'waiting', 4: 'exiting', 5: 'other' };

export function applView(s: DrWebSources): ApplView {
  const c = s.host();
  const p = c?.applPackage();
  return {
    package: p && { product: p.productName, version: p.version, location: p.location, installed: p.installedMs === undefined ? '' : iso(new Date(p.installedMs)) },
    runs: (c?.applRuns() ?? []).map((r) => ({ pid: r.pid, name: r.name, started: r.startedMs === undefined ? '' : iso(new Date(r.startedMs)), state: RUN_STATE[r.state] ?? String(r.state) })),
  };
}

/** "3d 04:05:06" */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return d > 0 ? `${d}d ${hms}` : hms;
}

/** Bytes in a unit a person reads at a glance. */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * hrProcessorLoad over the last hour for the chart: one sample per processor every
 * `everyMs`, kept in a ring of `keep` samples (an hour at the default 10 s).
 */
export class LoadHistory {
  private readonly times: number[] = [];
  private readonly loads: number[][] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sources: DrWebSources, private readonly everyMs = 10_000, private readonly keep = 360) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(now = Date.now()): void {
    const procs = this.sources.host()?.processors() ?? [];
    if (procs.length === 0) return;
    this.times.push(Math.floor(now / 1000));
    procs.forEach((p, i) => {
      this.loads[i] ??= new Array<number>(this.times.length - 1).fill(Number.NaN);
      this.loads[i].push(p.load);
    });
    for (const series of this.loads) while (series.length < this.times.length) series.push(Number.NaN);
    while (this.times.length > this.keep) {
      this.times.shift();
      for (const series of this.loads) series.shift();
    }
  }

  /** uPlot's data layout: [times, load of processor 1, ...]; NaN where a processor had no sample. */
  series(): { labels: string[]; data: number[][] } {
    const procs = this.sources.host()?.processors() ?? [];
    return {
      labels: this.loads.map((_, i) => procs[i]?.descr ? `CPU ${procs[i].index}` : `CPU ${i + 1}`),
      data: [[...this.times], ...this.loads.map((s) => [...s])],
    };
  }
}
