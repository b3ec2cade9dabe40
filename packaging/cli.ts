// Builds the installable packages from a built checkout:
//   node dist/packaging/cli.js rpm|deb|pkg [--version V] [--out DIR] [--keep]
// (npm run package:rpm / package:deb / package:pkg). The version defaults to package.json's;
// packages go to DIR (default dist/packages). --keep leaves the staging directory for review.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildDeb } from './deb.js';
import { buildPkg } from './pkg.js';
import { buildRpm } from './rpm.js';
import { REPO } from './stage.js';

const USAGE = 'usage: node dist/packaging/cli.js rpm|deb|pkg [--version V] [--out DIR] [--keep]';
const BUILDERS = { rpm: buildRpm, deb: buildDeb, pkg: buildPkg } as const;

export function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { version: { type: 'string' }, out: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    process.stderr.write(`packaging: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const format = positionals[0];
  if (positionals.length !== 1 || !(format in BUILDERS)) {
    process.stderr.write(`packaging: ${positionals.length ? `unknown format "${positionals.join(' ')}"` : 'no format given'}; valid: rpm, deb, pkg\n${USAGE}\n`);
    return 2;
  }
  const version = v.version ?? (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  const outDir = path.resolve(v.out ?? path.join(REPO, 'dist', 'packages'));
  const workDir = mkdtempSync(path.join(tmpdir(), `opensps-${format}-`));
  try {
    const file = BUILDERS[format as keyof typeof BUILDERS]({ version, outDir, workDir });
    process.stdout.write(`${file}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`packaging: ${(e as Error).message}\n`);
    return 1;
  } finally {
    if (v.keep) process.stderr.write(`packaging: staging kept in ${workDir}\n`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
