// hrProcessorLoad is the percent of time a processor was not idle over the LAST MINUTE, not an
// instant sample: the guide stresses that it rises and falls slowly. We keep cumulative CPU
// counters sampled every few seconds and answer with the ratio of busy to total ticks between
// the oldest sample still inside the window and the newest one.
import { busyPercent } from './parse.js';
import type { CpuTimes } from './types.js';

interface Sample {
  readonly at: number;
  readonly cpus: readonly CpuTimes[];
}

export class LoadWindow {
  private samples: Sample[] = [];

  constructor(private readonly windowMs = 60_000) {}

  /** Record cumulative per-CPU counters taken at time `at` (ms, monotonic). */
  add(at: number, cpus: readonly CpuTimes[]): void {
    // Counters that went backwards (CPU hot-plug, a different source) restart the window.
    const last = this.samples[this.samples.length - 1];
    if (last && (at < last.at || last.cpus.length !== cpus.length || cpus.some((c, i) => c.total < last.cpus[i].total))) {
      this.samples = [];
    }
    this.samples.push({ at, cpus });
    // Keep the newest sample at or before (at - window) as the window's left edge, drop older ones.
    const edge = at - this.windowMs;
    let firstKept = 0;
    for (let i = 0; i < this.samples.length; i++) if (this.samples[i].at <= edge) firstKept = i;
    if (firstKept > 0) this.samples = this.samples.slice(firstKept);
  }

  /** Per-CPU load (integer percent, 0..100) over the window; [] before two samples exist. */
  loads(): number[] {
    if (this.samples.length < 2) return this.samples.length ? this.samples[0].cpus.map(() => 0) : [];
    const newest = this.samples[this.samples.length - 1];
    const oldest = this.samples[0];
    return newest.cpus.map((c, i) => Math.round(busyPercent(oldest.cpus[i], c)));
  }

  /** Milliseconds the current answer covers (less than the window while the agent warms up). */
  span(): number {
    return this.samples.length < 2 ? 0 : this.samples[this.samples.length - 1].at - this.samples[0].at;
  }
}

/**
 * Where only an instant percentage is available (systeminformation's currentLoad() on systems
 * without /proc/stat), integrate it into synthetic cumulative counters so the same window applies.
 */
export class PercentIntegrator {
  private acc: { busy: number; total: number }[] = [];
  private lastAt: number | undefined;

  add(at: number, percents: readonly number[]): CpuTimes[] {
    const dt = this.lastAt === undefined ? 0 : Math.max(0, at - this.lastAt);
    this.lastAt = at;
    if (this.acc.length !== percents.length) this.acc = percents.map(() => ({ busy: 0, total: 0 }));
    percents.forEach((p, i) => {
      const pct = Number.isFinite(p) ? Math.max(0, Math.min(100, p)) : 0;
      this.acc[i].busy += (pct / 100) * dt;
      this.acc[i].total += dt;
    });
    return this.acc.map((a) => ({ busy: a.busy, total: a.total }));
  }
}
