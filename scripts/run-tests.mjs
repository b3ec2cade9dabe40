// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Listing the files ourselves keeps helper modules under dist/test/ from being run as tests.
// Arguments narrow the run to files whose path contains one of them.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? find(p) : e.name.endsWith('.test.js') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = find('dist/test')
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .sort();
if (!files.length) {
  console.error('no test files found under dist/test (did the build run?)');
  process.exit(1);
}
// Files that measure the whole host (hrProcessorLoad must fall once their own CPU burners
// stop) run afterwards, alone: beside a farm test's database nodes the CPUs never go quiet.
const ALONE = ['integration/agent-event-cpu.test.js'];
const alone = files.filter((f) => ALONE.some((a) => f.endsWith(a)));
const together = files.filter((f) => !alone.includes(f));

// TAP goes to the terminal as it comes; the failures are gathered in a file and
// printed again at the end, where a truncated CI log still shows them.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'opensps-tests-'));
const reporter = new URL('./failures-reporter.mjs', import.meta.url).href;
let status = 0;
[together, alone].forEach((batch, i) => {
  if (!batch.length) return;
  const failuresFile = path.join(tmp, `failures-${i}.txt`);
  const r = spawnSync(
    process.execPath,
    [
      '--test',
      `--test-concurrency=${i === 0 ? 2 : 1}`,
      '--test-reporter=tap',
      '--test-reporter-destination=stdout',
      `--test-reporter=${reporter}`,
      `--test-reporter-destination=${failuresFile}`,
      ...batch,
    ],
    { stdio: 'inherit' },
  );
  try {
    const text = readFileSync(failuresFile, 'utf8');
    if (text.trim()) process.stdout.write(text);
  } catch {
    // no file: the runner itself failed before reporting; its own output says why
  }
  if ((r.status ?? 1) !== 0) status = r.status ?? 1;
});
rmSync(tmp, { recursive: true, force: true });
process.exit(status);
