// The Solaris package: the staged prefix as relocatable pkgmap paths under BASEDIR
// (/opt/sip), in datastream form (pkgadd -d FILE), built with our SVR4 builder.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ACCOUNT, DESCRIPTION, MAN_DIR_SOLARIS, PREFIX_SOLARIS, SUMMARY, SVR4_PKG, VENDOR } from './layout.js';
import { stageManPages } from './man/index.js';
import type { BuildOptions } from './rpm.js';
import { svr4Scripts } from './scripts.js';
import { stageTree } from './stage.js';
import { buildPkgParts, type BuiltPkg } from './svr4/build-pkg.js';
import { scanTree } from './svr4/cli.js';

export function checkPkgVersion(v: string): string {
  if (!v || v.length > 256 || /[\s"=]/.test(v)) throw new Error(`version "${v}" is not usable in pkginfo: no blanks, quotes or '='`);
  return v;
}

/** Build the package parts (for tests and the CLI). */
export function buildPkgFromCheckout(o: BuildOptions): { file: string; built: BuiltPkg; stageDir: string } {
  const version = checkPkgVersion(o.version);
  const stageDir = path.join(o.workDir, 'pkg-root');
  const tree = stageTree({ repo: o.repo, dir: stageDir, prefix: PREFIX_SOLARIS, version, os: 'solaris' });
  // Plain pages, as Solaris packages ship theirs.
  stageManPages(path.join(stageDir, MAN_DIR_SOLARIS), { treeDir: stageDir, prefix: PREFIX_SOLARIS, version, gzip: false });
  const scanned = scanTree(stageDir, 'root', 'bin');
  const conf = new Set(tree.confFiles);
  // Configuration: editable files of class "config" (kept across pkgrm/pkgadd), readable by csps.
  const files = scanned.files.map((f) => (conf.has(f.path) ? { ...f, type: 'e' as const, class: 'config', group: ACCOUNT } : f));
  const dirs = scanned.dirs.map((d) => (d.path === 'conf' ? { ...d, mode: 0o775, group: ACCOUNT } : d));
  const { checkinstall, preinstall, postinstall, preremove, postremove, 'i.config': iConfig, 'r.config': rConfig } = svr4Scripts(tree.services);
  const built = buildPkgParts({
    pkg: SVR4_PKG,
    name: SUMMARY,
    version,
    arch: 'all',
    category: 'application',
    basedir: PREFIX_SOLARIS,
    vendor: VENDOR,
    desc: DESCRIPTION,
    files,
    dirs,
    symlinks: scanned.symlinks,
    scripts: { checkinstall, preinstall, postinstall, preremove, postremove },
    classScripts: { 'i.config': iConfig, 'r.config': rConfig },
  });
  mkdirSync(o.outDir, { recursive: true });
  const file = path.join(o.outDir, `${SVR4_PKG}-${version}.pkg`);
  writeFileSync(file, built.datastream);
  return { file, built, stageDir };
}

export function buildPkg(o: BuildOptions): string {
  return buildPkgFromCheckout(o).file;
}
