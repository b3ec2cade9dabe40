// Lays out the install tree of one prefix (bin/, lib/, conf/, mibs/, radius/, share/) in a
// directory, from a built checkout: the compiled code of dist/src, the production
// dependencies listed in package-lock.json, the launchers pointed at lib/.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DESCRIPTION, LICENSE, PACKAGE_NAME, SERVICES, type ServiceBin } from './layout.js';
import { INIT_SCRIPT, smfManifest, systemdUnit, withPrefix } from './services.js';

/** The checkout this module was compiled from: dist/packaging/stage.js → two levels up. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StageOptions {
  /** Checkout to take bin/, conf/, mibs/, dist/src and node_modules from. */
  readonly repo?: string;
  /** Directory that becomes the prefix (created; should be empty). */
  readonly dir: string;
  /** Where the tree will live once installed; fills the service files. */
  readonly prefix: string;
  readonly version: string;
  /** Solaris keeps @PREFIX@ in share/services (the postinstall fills in BASEDIR). */
  readonly os: 'linux' | 'solaris';
}

export interface StagedTree {
  readonly dir: string;
  /** Programs in bin/, sorted. */
  readonly bins: readonly string[];
  /** Configuration files, relative to the prefix (conf/…). */
  readonly confFiles: readonly string[];
  /** Services whose program is in bin/ (sipd always; pserver and ciagent when present). */
  readonly services: readonly ServiceBin[];
}

const LAUNCHER_FROM = '../dist/src/';
const LAUNCHER_TO = '../lib/src/';

/** bin/ launchers import ../dist/src/cli/X.js in a checkout; installed, the code is in lib/src. */
export function installedLauncher(name: string, text: string): string {
  if (!text.startsWith('#!')) return text;
  if (!/^#!.*\bnode\b/.test(text.split('\n')[0])) return text; // a shell script: as it is
  if (!text.includes(LAUNCHER_FROM)) {
    throw new Error(`bin/${name}: a Node launcher that does not import ${LAUNCHER_FROM}…; the package would not find its code`);
  }
  return text.split(LAUNCHER_FROM).join(LAUNCHER_TO);
}

function copyJsTree(from: string, to: string): number {
  let n = 0;
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) {
      mkdirSync(dst, { recursive: true });
      n += copyJsTree(src, dst);
    } else if (e.isFile() && e.name.endsWith('.js')) {
      copyFileSync(src, dst);
      chmodSync(dst, 0o644);
      n++;
    }
  }
  return n;
}

interface LockPackage {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
}

/** Folders at a package's root that hold its own tests, never loaded at run time. */
const PACKAGE_TEST_DIRS = new Set(['test', 'tests', '__tests__']);

/**
 * Copy the production dependencies (package-lock.json entries not marked dev) from the
 * checkout's node_modules: offline, and exactly the versions the tests ran with.
 * Returns the package paths copied.
 */
export function copyProductionModules(repo: string, libDir: string): string[] {
  const lockFile = path.join(repo, 'package-lock.json');
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages?: Record<string, LockPackage> };
  if (!lock.packages) throw new Error(`${lockFile}: no "packages" section (lockfileVersion 2 or later is needed)`);
  const copied: string[] = [];
  for (const [key, p] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || p.dev) continue;
    // Type declarations are for the compiler only; some packages (mysql2) list @types/node as
    // a run-time dependency, but nothing loads it at run time.
    if (/(^|\/)node_modules\/@types\//.test(key)) continue;
    const src = path.join(repo, key);
    if (!existsSync(src)) {
      if (p.optional || p.devOptional) continue; // an optional dependency for another platform
      throw new Error(`${key} (a production dependency in package-lock.json) is missing; run "npm ci" first`);
    }
    // Nested node_modules are copied as entries of their own, so dev-only ones stay out; so do a
    // package's own test folders (nothing loads them, and @fastify/send's fixtures have file
    // names with spaces that a Solaris pkgmap cannot carry).
    cpSync(src, path.join(libDir, key), {
      recursive: true,
      filter: (s) => {
        const name = path.basename(s);
        if (path.dirname(s) === src && (name === 'node_modules' || PACKAGE_TEST_DIRS.has(name))) return false;
        return name !== '.bin';
      },
    });
    copied.push(key);
  }
  return copied;
}

/** Build the prefix tree; see StagedTree. */
export function stageTree(o: StageOptions): StagedTree {
  const repo = o.repo ?? REPO;
  const dir = o.dir;
  const compiled = path.join(repo, 'dist', 'src');
  if (!existsSync(path.join(compiled, 'cli', 'sipd.js'))) throw new Error(`${compiled}/cli/sipd.js not found: run "npm run build" first`);
  for (const d of ['bin', 'lib/src', 'conf', 'mibs', 'radius', 'share/services', 'share/doc']) mkdirSync(path.join(dir, d), { recursive: true });

  // bin/: every program of the checkout, launchers re-pointed at lib/.
  const bins: string[] = [];
  for (const name of readdirSync(path.join(repo, 'bin')).sort()) {
    const src = path.join(repo, 'bin', name);
    if (!statSync(src).isFile()) continue;
    writeFileSync(path.join(dir, 'bin', name), installedLauncher(name, readFileSync(src, 'utf8')));
    chmodSync(path.join(dir, 'bin', name), 0o755);
    bins.push(name);
  }
  for (const need of ['sip', 'sipd', 'rotatelogs', 'sps_setup']) {
    if (!bins.includes(need)) throw new Error(`bin/${need} is missing from the checkout`);
  }

  // lib/: compiled code only (no tests, benchmarks or source maps) and production modules.
  copyJsTree(compiled, path.join(dir, 'lib', 'src'));
  copyProductionModules(repo, path.join(dir, 'lib'));

  // package.json at the prefix: makes bin/ and lib/ ES modules and gives sipd its version.
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { engines?: unknown };
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: PACKAGE_NAME, version: o.version, description: DESCRIPTION, license: LICENSE, private: true, type: 'module', engines: pkg.engines ?? { node: '>=20' } }, null, 2) + '\n',
  );

  // conf/: the shipped configuration files.
  const confFiles: string[] = [];
  for (const name of readdirSync(path.join(repo, 'conf')).sort()) {
    const src = path.join(repo, 'conf', name);
    if (!statSync(src).isFile()) continue;
    copyFileSync(src, path.join(dir, 'conf', name));
    chmodSync(path.join(dir, 'conf', name), 0o640);
    confFiles.push(`conf/${name}`);
  }
  if (!confFiles.includes('conf/sipd.conf')) throw new Error('conf/sipd.conf is missing from the checkout');

  cpSync(path.join(repo, 'mibs'), path.join(dir, 'mibs'), { recursive: true });
  // web/: pserver's and Dr-Web's page templates and style sheet (src/common/web reads them from the prefix).
  if (existsSync(path.join(repo, 'web'))) cpSync(path.join(repo, 'web'), path.join(dir, 'web'), { recursive: true });
  // radius/: the RADIUS dictionaries sipd loads at start (src/modules/radius/codec.ts).
  cpSync(path.join(repo, 'radius'), path.join(dir, 'radius'), { recursive: true });

  // share/: the service files (for reference on Linux; the Solaris scripts install them from here).
  const services = (['sipd', 'pserver', 'ciagent'] as const).filter((b) => bins.includes(b));
  const fill = (t: string) => (o.os === 'linux' ? withPrefix(t, o.prefix) : t);
  writeFileSync(path.join(dir, 'share', 'services', 'init.d-sip'), fill(INIT_SCRIPT));
  chmodSync(path.join(dir, 'share', 'services', 'init.d-sip'), 0o755);
  for (const s of SERVICES) if (services.includes(s.bin)) writeFileSync(path.join(dir, 'share', 'services', s.unit), fill(systemdUnit(s.bin, '@PREFIX@')));
  writeFileSync(path.join(dir, 'share', 'services', 'opensps-smf.xml'), fill(smfManifest(bins.includes('csps_ciagent_ctl'), bins.includes('pserver'))));
  const doc = path.join(repo, 'docs', 'install.md');
  if (existsSync(doc)) copyFileSync(doc, path.join(dir, 'share', 'doc', 'install.md'));

  fixModes(dir);
  return { dir, bins, confFiles, services };
}

/** Directories 0755 and files 0644 unless already executable (launchers), whatever the umask did. */
function fixModes(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      chmodSync(p, 0o755);
      fixModes(p);
    } else if (e.isFile()) {
      const m = statSync(p).mode & 0o777;
      if (m !== 0o640) chmodSync(p, m & 0o111 ? 0o755 : 0o644);
    }
  }
}
