// The Dashboard's numbers: every 10 s pserver asks sipd for its counters (control socket
// "status") and reads the host's CPU and memory, and keeps the last hour in a ring of fixed
// size, so memory stays bounded however long pserver runs. Recent errors come from the
// tail of error_log, read with a bounded size.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import os from 'node:os';
import type { ControlReply } from '../server/control.js';

export const SAMPLE_EVERY_MS = 10_000;
/** One hour of samples. */
export const RING_SIZE = 360;

export interface Sample {
  /** Seconds since the epoch. */
  readonly t: number;
  /** INVITEs received per second since the previous sample (null: sipd not answering, or restarted). */
  readonly callsPerSecond: number | null;
  readonly registrations: number | null;
  readonly transactions: number | null;
  /** Host CPU busy, percent of all processors, since the previous sample. */
  readonly cpuPercent: number | null;
  readonly loadAverage: number;
  /** Host memory in use, MiB. */
  readonly hostMemoryMiB: number;
  /** sipd's resident set, MiB. */
  readonly sipdMemoryMiB: number | null;
}

/** A fixed-size ring: push drops the oldest when full. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(v: T): void {
    this.items[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Oldest first. */
  toArray(): T[] {
    const start = (this.next - this.count + this.capacity) % this.capacity;
    return Array.from({ length: this.count }, (_, i) => this.items[(start + i) % this.capacity] as T);
  }
}

interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

function cpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}

const MiB = 1024 * 1024;

/** Turns successive sipd status replies into samples (rates need the previous reply). */
export class Sampler {
  readonly ring = new Ring<Sample>(RING_SIZE);
  private lastInvites: { t: number; n: number; pid: unknown } | undefined;
  private lastCpu = cpuTimes();

  /** Add one sample from a status reply (undefined when sipd did not answer). */
  add(status: ControlReply | undefined, now = Date.now()): Sample {
    const counters = (status?.counters ?? {}) as Record<string, number>;
    const invites = counters['requests.INVITE'] ?? 0;
    let callsPerSecond: number | null = null;
    if (status && this.lastInvites && this.lastInvites.pid === status.pid && invites >= this.lastInvites.n && now > this.lastInvites.t) {
      callsPerSecond = Math.round(((invites - this.lastInvites.n) / ((now - this.lastInvites.t) / 1000)) * 100) / 100;
    }
    this.lastInvites = status ? { t: now, n: invites, pid: status.pid } : undefined;
    const cpu = cpuTimes();
    const dt = cpu.total - this.lastCpu.total;
    const cpuPercent = dt > 0 ? Math.round(((cpu.busy - this.lastCpu.busy) / dt) * 1000) / 10 : null;
    this.lastCpu = cpu;
    const sample: Sample = {
      t: Math.round(now / 1000),
      callsPerSecond,
      registrations: status ? (counters['registrations.active'] ?? 0) : null,
      transactions: status ? (counters['transactions.server'] ?? 0) + (counters['transactions.client'] ?? 0) : null,
      cpuPercent,
      loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
      hostMemoryMiB: Math.round((os.totalmem() - os.freemem()) / MiB),
      sipdMemoryMiB: typeof status?.rss === 'number' ? Math.round((status.rss / MiB) * 10) / 10 : null,
    };
    this.ring.push(sample);
    return sample;
  }

  /** Column-wise, as uPlot takes its data. */
  series(): { t: number[] } & { [K in Exclude<keyof Sample, 't'>]: (number | null)[] } {
    const s = this.ring.toArray();
    return {
      t: s.map((x) => x.t),
      callsPerSecond: s.map((x) => x.callsPerSecond),
      registrations: s.map((x) => x.registrations),
      transactions: s.map((x) => x.transactions),
      cpuPercent: s.map((x) => x.cpuPercent),
      loadAverage: s.map((x) => x.loadAverage),
      hostMemoryMiB: s.map((x) => x.hostMemoryMiB),
      sipdMemoryMiB: s.map((x) => x.sipdMemoryMiB),
    };
  }
}

/**
 * The last `maxLines` lines of a file, reading at most `maxBytes` from its end (a partial
 * first line is dropped). A missing file gives [].
 */
export function tailLines(file: string, maxLines = 50, maxBytes = 64 * 1024): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (len < size) lines.shift();
    return lines.filter((l) => l.trim()).slice(-maxLines);
  } finally {
    closeSync(fd);
  }
}

/** error_log lines at warn or worse (the levels the guide's troubleshooting starts from). */
export function recentErrors(file: string, maxLines = 50): string[] {
  return tailLines(file, 2000).filter((l) => /\] \[(warn|error|crit|alert|emerg)\] /.test(l)).slice(-maxLines);
}
