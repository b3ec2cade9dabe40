// Packs a directory tree into an SVR4 package datastream:
//   node dist/packaging/svr4/cli.js --root DIR --pkg CSCOsps --version X --out file.pkg
//     [--name NAME] [--basedir /opt/sip] [--arch all] [--category application]
//     [--vendor V] [--desc D] [--pstamp P] [--owner root] [--group bin]
//     [--scripts DIR]   (preinstall, postinstall, preremove, postremove, checkinstall, request,
//                        depend, copyright found there become information files)
//     [--prototype FILE] [--pkgmap FILE]   (also write these for review)
// Paths in the tree become relocatable pkgmap paths under BASEDIR; modes come from the tree,
// owner and group from --owner/--group. Honours SOURCE_DATE_EPOCH for reproducible output.
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildPkgParts, type PkgDir, type PkgFile, type PkgSymlink, type PkgScriptName } from './build-pkg.js';

const SCRIPTS: PkgScriptName[] = ['checkinstall', 'request', 'preinstall', 'postinstall', 'preremove', 'postremove'];

export function scanTree(root: string, owner: string, group: string): { files: PkgFile[]; dirs: PkgDir[]; symlinks: PkgSymlink[] } {
  const files: PkgFile[] = [];
  const dirs: PkgDir[] = [];
  const symlinks: PkgSymlink[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const full = path.join(root, r);
      const st = lstatSync(full);
      if (st.isSymbolicLink()) symlinks.push({ path: r, target: readlinkSync(full) });
      else if (st.isDirectory()) {
        dirs.push({ path: r, mode: st.mode & 0o7777, owner, group });
        walk(r);
      } else if (st.isFile()) files.push({ path: r, mode: st.mode & 0o7777, owner, group, source: full });
      else throw new Error(`${full}: not a file, directory or symlink`);
    }
  };
  walk('');
  return { files, dirs, symlinks };
}

export function main(argv: string[]): number {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      root: { type: 'string' },
      pkg: { type: 'string' },
      version: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      basedir: { type: 'string', default: '/opt/sip' },
      arch: { type: 'string', default: 'all' },
      category: { type: 'string', default: 'application' },
      vendor: { type: 'string' },
      desc: { type: 'string' },
      pstamp: { type: 'string' },
      owner: { type: 'string', default: 'root' },
      group: { type: 'string', default: 'bin' },
      scripts: { type: 'string' },
      prototype: { type: 'string' },
      pkgmap: { type: 'string' },
    },
    strict: true,
  });
  if (!v.root || !v.pkg || !v.version || !v.out) {
    process.stderr.write('usage: cli.js --root DIR --pkg PKG --version X --out FILE.pkg [options]\n');
    return 2;
  }
  const tree = scanTree(v.root, v.owner!, v.group!);
  const scripts: Partial<Record<PkgScriptName, Buffer>> = {};
  let depend: Buffer | undefined;
  let copyright: Buffer | undefined;
  if (v.scripts) {
    for (const s of SCRIPTS) {
      const f = path.join(v.scripts, s);
      if (existsSync(f)) scripts[s] = readFileSync(f);
    }
    if (existsSync(path.join(v.scripts, 'depend'))) depend = readFileSync(path.join(v.scripts, 'depend'));
    if (existsSync(path.join(v.scripts, 'copyright'))) copyright = readFileSync(path.join(v.scripts, 'copyright'));
  }
  const built = buildPkgParts({
    pkg: v.pkg,
    name: v.name ?? v.pkg,
    version: v.version,
    arch: v.arch,
    category: v.category,
    basedir: v.basedir,
    vendor: v.vendor,
    desc: v.desc,
    pstamp: v.pstamp,
    owner: v.owner,
    group: v.group,
    ...tree,
    scripts,
    depend,
    copyright,
  });
  writeFileSync(v.out, built.datastream);
  if (v.prototype) writeFileSync(v.prototype, built.prototype);
  if (v.pkgmap) writeFileSync(v.pkgmap, built.pkgmap);
  process.stdout.write(`${v.out}: ${v.pkg} ${v.version}, ${built.entries.length} pkgmap entries, ${built.datastream.length} bytes\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`svr4 pkg: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
