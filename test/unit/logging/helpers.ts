// Small helpers shared by the logging tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../../helpers/paths.js';

/** The repository root (shared with the other tests). */
export function repoRoot(): string {
  return REPO;
}

export async function tempDir(prefix = 'opensps-log-'): Promise<string> {
  return fs.promises.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await fs.promises.rm(dir, { recursive: true, force: true });
}

/** Files of dir whose names start with prefix + ".", sorted by name. */
export function rotatedFiles(dir: string, prefix: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix + '.'))
    .sort()
    .map((f) => path.join(dir, f));
}

export function readLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  if (!text) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Asserts that the numbers found in lines are exactly 0..n-1, in order; returns n. */
export function checkSequence(lines: readonly string[], pick: (line: string) => number | undefined): number {
  let expected = 0;
  for (const l of lines) {
    const n = pick(l);
    if (n === undefined) continue;
    if (n !== expected) throw new Error(`expected line ${expected}, found ${n}`);
    expected++;
  }
  return expected;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(stepMs);
  }
  return cond();
}
