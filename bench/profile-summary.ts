// Self time per function of a V8 CPU profile (node --cpu-prof), heaviest first.
//
//   node dist/bench/profile-summary.js <file.cpuprofile> [top N (default 25)] [--by-file]
//
// Used with bench/sipp-load.ts: run it with NODE_OPTIONS="--cpu-prof --cpu-prof-dir=DIR"
// and a fixed rate (--start R --max R); sipd's profile is the larger .cpuprofile in DIR.
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

function label(n: ProfileNode, byFile: boolean): string {
  const f = n.callFrame;
  const file = f.url ? path.basename(f.url.replace(/^file:\/\//, '')) : '';
  if (byFile) return file || `(${f.functionName || 'native'})`;
  const name = f.functionName || '(anonymous)';
  return file ? `${name} ${file}:${f.lineNumber + 1}` : name;
}

function main(): void {
  const args = process.argv.slice(2);
  const byFile = args.includes('--by-file');
  const [file, topArg] = args.filter((a) => a !== '--by-file');
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top N] [--by-file]');
  const top = Number(topArg ?? 25);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // Self time from the samples and their time deltas (µs); hitCount when there are none.
  const self = new Map<string, number>();
  let total = 0;
  if (p.samples && p.timeDeltas) {
    for (let i = 0; i < p.samples.length; i++) {
      const n = byId.get(p.samples[i]);
      const dt = p.timeDeltas[i + 1] ?? 0;
      if (!n) continue;
      const k = label(n, byFile);
      self.set(k, (self.get(k) ?? 0) + dt);
      total += dt;
    }
  } else {
    for (const n of p.nodes) {
      const k = label(n, byFile);
      self.set(k, (self.get(k) ?? 0) + (n.hitCount ?? 0));
      total += n.hitCount ?? 0;
    }
  }
  const idle = self.get('(idle)') ?? 0;
  const busy = total - idle;
  console.log(`${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / (total || 1)).toFixed(0)}%)`);
  console.log('self ms   % busy  function');
  const rows = [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, us] of rows) console.log(`${(us / 1000).toFixed(0).padStart(7)}  ${((100 * us) / (busy || 1)).toFixed(1).padStart(6)}  ${k}`);
}

main();
