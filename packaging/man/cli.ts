// Writes the manual pages of this checkout for review (npm run man):
//   node dist/packaging/man/cli.js [--out DIR] [--prefix PREFIX]
// The packages make the same pages from their staged tree; here the checkout's own bin/
// and conf/ are used, and the checkout's path is shown as PREFIX (default /usr/local/sip).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO } from '../stage.js';
import { renderManPages, writeManPages } from './index.js';

const USAGE = 'usage: node dist/packaging/man/cli.js [--out DIR] [--prefix PREFIX]';

export function main(argv: string[]): number {
  let values;
  try {
    values = parseArgs({ args: argv, options: { out: { type: 'string' }, prefix: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (e) {
    process.stderr.write(`man: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const out = path.resolve(values.out ?? path.join(REPO, 'dist', 'man'));
  const version = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  try {
    const files = writeManPages(out, renderManPages({ treeDir: REPO, prefix: values.prefix ?? '/usr/local/sip', version }), false);
    process.stdout.write(files.map((f) => path.join(out, f)).join('\n') + '\n');
    return 0;
  } catch (e) {
    process.stderr.write(`man: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
