// A node:test reporter that gathers the failed tests and, once the run ends,
// writes one block per failure: the file, the test's path of names, and the error.
// run-tests.mjs prints it after the TAP stream, so a CI log that keeps only the
// tail still shows what failed.
export default async function* failures(source) {
  // Files run in parallel, so their events interleave: one stack of names per file.
  const stacks = new Map();
  const failed = [];
  for await (const event of source) {
    const file = event.data?.file ?? '?';
    if (!stacks.has(file)) stacks.set(file, []);
    const stack = stacks.get(file);
    if (event.type === 'test:start') {
      stack[event.data.nesting] = event.data.name;
      stack.length = event.data.nesting + 1;
    } else if (event.type === 'test:fail') {
      const err = event.data.details?.error;
      // A suite fails when a test in it fails, and a failed hook cancels the suite's tests:
      // the test or the hook that failed is listed, the echoes are not.
      if (err?.failureType === 'subtestsFailed' || err?.failureType === 'cancelledByParent') continue;
      const names = stack.slice(0, event.data.nesting).concat(event.data.name);
      const cause = err?.cause ?? err;
      const text = cause?.stack ?? cause?.message ?? String(cause);
      failed.push(`✖ ${file}\n  ${names.join(' › ')}\n${String(text).split('\n').slice(0, 30).map((l) => '    ' + l).join('\n')}`);
    }
  }
  yield failed.length ? `\n# ${failed.length} failed:\n${failed.join('\n\n')}\n` : '';
}
