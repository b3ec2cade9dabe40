// Where this installation lives and what version it is. The install prefix is the
// directory holding bin/ and conf/: in a checkout the compiled code runs from dist/src/...,
// in an installed package from lib/src/... (packaging/stage.ts); three levels up either way.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/common/install.js (or lib/src/common/install.js) → the prefix three directories up. */
export const INSTALL_PREFIX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const DEFAULT_CONFIG_FILE = path.join(INSTALL_PREFIX, 'conf', 'sipd.conf');

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(INSTALL_PREFIX, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const VERSION = readVersion();

/** What sipd calls itself in logs and in Server headers. */
export const SERVER_TOKEN = `OpenSPS-sipd/${VERSION}`;

/** What every command prints for --version: its name and the OpenSPS release it belongs to. */
export function versionText(command: string): string {
  return `${command} (OpenSPS) ${VERSION}\n`;
}
