// External programs the tests drive. A missing one FAILS the test, naming the Debian
// package to install: a skipped interoperability test is a test that silently never runs.
import assert from 'node:assert/strict';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The tool's path, or an assertion failure telling how to install it. */
export function requireTool(name: string, debianPackage: string): string {
  const found = findOnPath(name);
  if (!found) assert.fail(`${name} is not installed (not found on PATH): install the Debian package "${debianPackage}" (apt-get install ${debianPackage})`);
  return found;
}
