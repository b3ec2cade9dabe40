// The deb: the staged tree plus DEBIAN/ (control, conffiles, maintainer scripts), packed
// with dpkg-deb --build.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DESCRIPTION, MAINTAINER, MAN_DIR_LINUX, PACKAGE_NAME, PREFIX_LINUX, SERVICES, SUMMARY } from './layout.js';
import { stageManPages } from './man/index.js';
import type { BuildOptions } from './rpm.js';
import { debScripts } from './scripts.js';
import { INIT_SCRIPT, systemdUnit, withPrefix } from './services.js';
import { stageTree } from './stage.js';

export const DEB_UNIT_DIR = '/lib/systemd/system';
export const DEB_INIT_SCRIPT = '/etc/init.d/sip';

export function checkDebVersion(v: string): string {
  if (!/^[0-9][A-Za-z0-9.+~-]*$/.test(v)) throw new Error(`version "${v}" is not a Debian version: digits, letters and . + ~ - only, starting with a digit`);
  return v;
}

function kib(dir: string): number {
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else bytes += statSync(p).size;
    }
  };
  walk(dir);
  return Math.ceil(bytes / 1024);
}

/** Stage, write DEBIAN/, run dpkg-deb; returns the path of the .deb. */
export function buildDeb(o: BuildOptions): string {
  const version = checkDebVersion(o.version);
  const root = path.join(o.workDir, 'deb-root');
  const tree = stageTree({ repo: o.repo, dir: path.join(root, PREFIX_LINUX), prefix: PREFIX_LINUX, version, os: 'linux' });
  mkdirSync(path.join(root, DEB_UNIT_DIR), { recursive: true });
  for (const s of SERVICES) if (tree.services.includes(s.bin)) writeFileSync(path.join(root, DEB_UNIT_DIR, s.unit), systemdUnit(s.bin, PREFIX_LINUX), { mode: 0o644 });
  mkdirSync(path.join(root, path.dirname(DEB_INIT_SCRIPT)), { recursive: true });
  writeFileSync(path.join(root, DEB_INIT_SCRIPT), withPrefix(INIT_SCRIPT, PREFIX_LINUX), { mode: 0o755 });
  stageManPages(path.join(root, MAN_DIR_LINUX), { treeDir: tree.dir, prefix: PREFIX_LINUX, version, gzip: true });

  const size = kib(root);
  const debian = path.join(root, 'DEBIAN');
  mkdirSync(debian, { mode: 0o755 });
  const description = DESCRIPTION.replace(/(.{1,72})(\s+|$)/g, ' $1\n').trimEnd();
  // procps: /bin/kill, which ciagent.service runs to reload the agent. snmp and snmptrapd:
  // net-snmp's tools, which getone, setany, getmany and traprcv run (recommended, not needed
  // by the servers).
  writeFileSync(
    path.join(debian, 'control'),
    `Package: ${PACKAGE_NAME}
Version: ${version}
Architecture: all
Maintainer: ${MAINTAINER}
Installed-Size: ${size}
Depends: nodejs (>= 20), passwd, procps
Recommends: snmp, snmptrapd
Section: net
Priority: optional
Homepage: https://example.org/opensps
Description: ${SUMMARY}
${description}
`,
  );
  // Everything under conf/ and the init script are conffiles: upgrades keep local edits.
  writeFileSync(path.join(debian, 'conffiles'), [...tree.confFiles.map((f) => `${PREFIX_LINUX}/${f}`), DEB_INIT_SCRIPT].join('\n') + '\n');
  const scripts = debScripts({ prefix: PREFIX_LINUX, services: tree.services, initScript: DEB_INIT_SCRIPT });
  for (const [name, text] of Object.entries(scripts)) writeFileSync(path.join(debian, name), text, { mode: 0o755 });

  mkdirSync(o.outDir, { recursive: true });
  const out = path.join(o.outDir, `${PACKAGE_NAME}_${version}_all.deb`);
  try {
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', root, out], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer; message: string };
    if (err.code === 'ENOENT') throw new Error('dpkg-deb is not installed (Debian package "dpkg")');
    throw new Error(`dpkg-deb failed: ${err.stderr?.toString().trim() || err.message}`);
  }
  return out;
}
