// The kill -9 durability tests: a child process writes to a database and prints
// "acked N" once write N is acknowledged; the test kills it with SIGKILL mid-stream and
// then checks that every acknowledged write survived.
import { spawn } from 'node:child_process';

/**
 * Run `node script ...args`, collect its "acked N" lines, SIGKILL it after `count` of
 * them (at most 60 s), and return every N it acknowledged, including lines the pipe
 * delivered after the kill was sent. Rejects when the child finishes or stalls first.
 */
export async function killAfterAcks(script: string, args: readonly string[], count: number): Promise<number[]> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: number[] = [];
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  const collect = (lines: readonly string[]) => {
    for (const l of lines) if (l.startsWith('acked ')) acked.push(Number(l.slice(6)));
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const limit = setTimeout(() => reject(new Error(`child acknowledged only ${acked.length} writes in 60 s; stderr: ${err}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const lines = out.split('\n');
        out = lines.pop()!;
        collect(lines);
        if (acked.length >= count) {
          clearTimeout(limit);
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('close', () => {
        clearTimeout(limit);
        if (acked.length < count) reject(new Error(`child exited early; stderr: ${err}`));
      });
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`the child was not killed mid-stream (it ended with ${signal ?? 'an exit'})`);
  collect(out.split('\n'));
  return acked;
}
